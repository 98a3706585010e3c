"""The example packet read back as a reviewer would: text, bookmarks, 目录 pages, fonts, Word bundle."""

from __future__ import annotations

import json
import re
import subprocess

from conftest import EXAMPLE, bookmarks, normalise
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from pipeline.stages.programmes import load_programme

DOCUMENTS = [
    "山东省特色产业集群申请表",
    "特色产业集群发展情况简介",
    "特色产业集群发展规划",
    "名牌产品、驰（著）名商标、产业荣誉称号和媒体宣传报道",
    "创新研发中心、公共服务平台和服务体系建设情况",
    "产业集群信息化智能化建设情况",
    "对申报材料真实性的声明",
    "申报信息汇总表",
]
RELAXATION = "关于适用放宽条件的说明"  # in the programme, in a packet only where a condition is relaxed
M1 = "佐证材料1：名牌产品、驰（著）名商标、产业荣誉称号和媒体宣传报道材料"
M2 = "佐证材料2：各类创新研发中心、公共服务平台、服务体系建设材料"
M3 = "佐证材料3：产业集群信息化智能化建设材料"
M4 = "佐证材料4：能够证明符合申报条件的其他材料"
TOP = ["封面", "目录", *DOCUMENTS[:4], M1, DOCUMENTS[4], M2, DOCUMENTS[5], M3, M4, *DOCUMENTS[6:]]
CHILDREN = {
    M1: ["1-1 “沃丰”商标驰名商标认定批复", "1-2 “中国智能农机装备特色产业基地”牌匾照片"],
    M2: ["2-1 青岚农机工业互联网平台公示截图"],
    M3: ["3-1 集群数据中心建设情况说明"],
    M4: ["4-1 集群统计监测月报（摘要）"],
}
KEY_TEXT = {  # a phrase each entry must show, taken from the data or the template
    "山东省特色产业集群申请表": ["山东省特色产业集群申请表", "11370790MB1K4Q2731", "186.45亿元", "412600"],
    "特色产业集群发展情况简介": ["发展情况简介", "一、集群基本情况", "山东省制造业单项冠军企业"],
    "特色产业集群发展规划": ["发展规划（2024—2028年）", "附表：主要发展目标"],
    "名牌产品、驰（著）名商标、产业荣誉称号和媒体宣传报道": ["中国智能农机装备特色产业基地", "大众日报"],
    "创新研发中心、公共服务平台和服务体系建设情况": ["山东省智能农机工程技术研究中心", "共计5个"],
    "产业集群信息化智能化建设情况": ["一、计算能力", "2.6PFLOPS"],
    "申报信息汇总表": ["山东省特色产业集群申报信息汇总表", "潍坊市", "186.45"],
    "1-1 “沃丰”商标驰名商标认定批复": ["佐证材料1-1", "关于认定“沃丰”商标为驰名商标的批复"],
    "3-1 集群数据中心建设情况说明": ["佐证材料3-1", "集群数据中心总算力2.6PFLOPS"],
    "4-1 集群统计监测月报（摘要）": ["佐证材料4-1", "统计监测月报（摘要）（续2）"],
}


def _packet(example_packet) -> PdfReader:
    return PdfReader(example_packet.folder / "申报材料.pdf")


def test_bookmarks_follow_the_programme_with_proofs_under_their_category(example_packet) -> None:
    programme = load_programme(example_packet.folder.parents[2] / "templates", "tese-apply")
    assert [d.bookmark for d in programme.documents] == [*DOCUMENTS[:6], RELAXATION, *DOCUMENTS[6:]]
    outline = bookmarks(_packet(example_packet))
    assert [t for t, _, level in outline if level == 1] == TOP
    for category, children in CHILDREN.items():
        i = [t for t, _, _ in outline].index(category)
        assert [t for t, _, level in outline[i + 1 : i + 1 + len(children)] if level == 2] == children


def test_each_entry_shows_its_key_text(example_packet) -> None:
    reader = _packet(example_packet)
    outline = [(t, p) for t, p, _ in bookmarks(reader)] + [("end", len(reader.pages))]
    for (title, start), (_next, end) in zip(outline, outline[1:], strict=False):
        text = normalise("".join(reader.pages[i].extract_text() for i in range(start, max(end, start + 1))))
        for phrase in KEY_TEXT.get(title, []):
            assert normalise(phrase) in text, (title, phrase)


def test_page_count_is_cover_toc_documents_and_proofs(example_packet) -> None:
    m = example_packet.manifest()["packet"]
    reader = _packet(example_packet)
    parts = sum(p["pages"] for p in m["parts"])
    assert len(reader.pages) == m["pages"] == m["cover_pages"] + m["toc_pages"] + parts
    assert [p["title"] for p in m["parts"] if p["level"] == 1] == TOP[2:]


def test_toc_page_numbers_match_bookmarks_and_printed_numbers(example_packet) -> None:
    reader = _packet(example_packet)
    outline = bookmarks(reader)
    starts = {t: p for t, p, _ in outline}
    toc_pages = range(starts["目录"], starts[DOCUMENTS[0]])
    toc_text = re.sub(r"—\d+—", "", normalise("".join(reader.pages[i].extract_text() for i in toc_pages)))
    listed = [(t, p) for t, p, _ in outline if t not in ("封面", "目录")]
    # what follows a row in the 目录: the next bookmarked title, or the sensitive proof (no page), or the end
    following = [re.escape(normalise(t)) for t, _ in listed[1:]] + ["$"]
    for (title, index), after in zip(listed, following, strict=True):
        m = re.search(re.escape(normalise(title)) + r"\.+(\d+)(?=" + after + "|4-2)", toc_text)
        assert m, title
        page = int(m.group(1))
        assert index == page - 1, title  # 目录 numbers are 1-based physical pages
        assert f"—{page}—" in normalise(reader.pages[page - 1].extract_text()), title


def test_sensitive_proof_stays_out_and_is_listed_separately(example_packet) -> None:
    text = normalise("".join(p.extract_text() for p in _packet(example_packet).pages))
    assert "本表涉及企业商业秘密" not in text  # the sensitive file's own text
    # The 目录 says so in its row: the title, the leader, and 另行报送 where the page number would be.
    assert re.search(r"4-2重点企业核心工艺参数表（敏感材料）\.+另行报送", text)
    listed = normalise(PdfReader(example_packet.folder / "敏感材料清单.pdf").pages[0].extract_text())
    assert "重点企业核心工艺参数表" in listed and "另行报送" in listed
    copied = example_packet.folder / "敏感材料" / "4-2-核心工艺参数表.pdf"
    assert "本表涉及企业商业秘密" in normalise(PdfReader(copied).pages[0].extract_text())


def test_signed_declaration_scan_replaces_the_generated_page(example_packet) -> None:
    signed = example_packet.manifest()["packet"]["signed_scans"]["declaration"]
    assert signed == {"file": f"inputs/{EXAMPLE}/signed/declaration.pdf", "pages": 1, "generated_pages": 1}
    reader = _packet(example_packet)
    page = dict((t, p) for t, p, _ in bookmarks(reader))["对申报材料真实性的声明"]
    assert "/Image" in str(reader.pages[page]["/Resources"].get("/XObject", {}).values()) or reader.pages[page].images
    generated = normalise(PdfReader(example_packet.folder / "08-真实性声明.pdf").pages[0].extract_text())
    assert "法定代表人（签字）" in generated  # the generated document is still there beside the packet


def test_proof_pages_are_a4_and_photos_upright(example_packet) -> None:
    reader = _packet(example_packet)
    starts = {t: p for t, p, _ in bookmarks(reader)}
    photo = reader.pages[starts["1-2 “中国智能农机装备特色产业基地”牌匾照片"]]
    w, h = float(photo.mediabox.width), float(photo.mediabox.height)
    assert (round(w), round(h)) == (842, 595)  # the sideways-stored photo, turned by EXIF, is landscape
    for t, p, level in bookmarks(reader):
        if level == 2:
            box = reader.pages[p].mediabox
            assert sorted((round(float(box.width)), round(float(box.height)))) == [595, 842], t


def test_cover_has_no_page_number(example_packet) -> None:
    cover = normalise(_packet(example_packet).pages[0].extract_text())
    assert "申报材料" in cover and "青岚县智能农机装备特色产业集群" in cover
    assert not re.search(r"—\d+—", cover)


def test_fonts_embedded_and_cjk_capable(example_packet) -> None:
    out = subprocess.run(
        ["pdffonts", str(example_packet.folder / "申报材料.pdf")], capture_output=True, text=True, check=True
    )
    rows = out.stdout.splitlines()[2:]
    assert rows
    names = []
    for row in rows:
        cols = row.split()
        names.append(cols[0])
        assert cols[-5] == "yes", row  # emb
    # every face is a CJK face or the Latin one; no DejaVu fallback (which has no Chinese glyphs)
    assert all(re.search(r"NotoSerifCJK|NotoSansCJK|LXGWWenKai|FandolFang|Liberation", n) for n in names), names
    assert any("NotoSerifCJK" in n for n in names) and any("NotoSansCJK" in n for n in names)


def test_qpdf_check_passes(example_packet) -> None:
    r = subprocess.run(["qpdf", "--check", str(example_packet.folder / "申报材料.pdf")], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_font_map_recorded_in_manifest(example_packet) -> None:
    fonts = example_packet.manifest()["fonts"]
    assert fonts["仿宋_GB2312"]["face"] == fonts["仿宋"]["face"] == "FandolFang"
    assert fonts["黑体"]["face"] == "Noto Sans CJK SC"
    assert fonts["楷体_GB2312"]["face"] == "LXGW WenKai"
    assert (fonts["方正小标宋简体"]["face"], fonts["方正小标宋简体"]["style"]) == ("Noto Serif CJK SC", "Bold")
    # with no fonts folder every official name says which free face stands in for it, and its file
    for name in ("宋体", "仿宋_GB2312", "仿宋", "楷体_GB2312", "楷体", "黑体", "方正小标宋简体"):
        assert fonts[name]["stands_in_for"] == name and fonts[name]["file"].startswith("/"), name


def test_word_bundle_holds_every_document_each_in_its_own_section(example_packet) -> None:
    doc = Document(example_packet.folder / "申报材料.docx")
    text = normalise("\n".join(p.text for p in doc.paragraphs))
    for title in [
        "山东省特色产业集群申请表",
        "发展情况简介",
        "发展规划（2024—2028年）",
        "对申报材料真实性的声明",
        "山东省特色产业集群申报信息汇总表",
        "品牌、荣誉和宣传报道情况",
    ]:
        assert normalise(title) in text, title
    sections = doc.sections
    assert len(sections) == 1 + len(DOCUMENTS)  # cover + one per document
    assert sections[-1].page_width > sections[-1].page_height  # the 汇总表 keeps its landscape page


def test_manifest_lists_every_file_with_checksum_and_pages(example_packet) -> None:
    manifest = json.loads((example_packet.folder / "manifest.json").read_text(encoding="utf-8"))
    files = {f["file"]: f for f in manifest["files"]}
    on_disk = {p.relative_to(example_packet.folder).as_posix() for p in example_packet.folder.rglob("*") if p.is_file()}
    assert set(files) == on_disk - {"manifest.json"}
    assert all(re.fullmatch(r"[0-9a-f]{64}", f["sha256"]) for f in files.values())
    assert all(f["pages"] >= 1 for name, f in files.items() if name.endswith(".pdf"))
    assert manifest["profile"]["words"] == 2560 and manifest["profile"]["limit"] == 3000
    assert manifest["programme"]["number"] == "鲁工信发〔2020〕5号"
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["inputs"]["sha256"])
    assert manifest["tool"]["libreoffice"].startswith("LibreOffice")
    attached = {a["number"]: a for a in manifest["packet"]["attachments"]}
    assert attached["4-2"]["sensitive"] is True and attached["4-2"]["pages"] == 0
    assert attached["4-1"]["pages"] == 3


def test_each_document_as_docx_and_pdf(example_packet) -> None:
    stems = {p.stem for p in example_packet.folder.glob("*.docx")}
    assert stems | {"自查报告", "敏感材料清单"} == {p.stem for p in example_packet.folder.glob("*.pdf")}
    assert len(stems) == len(DOCUMENTS) + 1  # the documents and the Word/PDF bundle


def test_every_punctuation_mark_of_each_document_reaches_its_pdf(example_packet) -> None:
    # LibreOffice hangs a 、 or ， that ends a justified line and then drops it from the PDF (the
    # example's profile and plan have such lines): a reviewer would read "拖拉机联合收获机".
    for docx in sorted(example_packet.folder.glob("0*.docx")):
        words = "".join(t.text or "" for t in Document(str(docx)).element.body.iter(qn("w:t")))
        shown = PdfReader(docx.with_suffix(".pdf")).pages
        text = "".join(page.extract_text() for page in shown)
        for mark in "、，。；：":
            assert text.count(mark) == words.count(mark), (docx.name, mark)


def test_passing_packet_has_no_draft_mark_and_a_self_check_beside_it(example_packet) -> None:
    assert not example_packet.draft
    assert example_packet.manifest()["checks"]["passed"] is True
    text = normalise("".join(p.extract_text() for p in _packet(example_packet).pages))
    assert "草稿" not in text
    report = PdfReader(example_packet.folder / "自查报告.pdf")
    assert len(report.pages) == 1
    body = normalise(report.pages[0].extract_text())
    assert "申报条件自查报告" in body and "年营业收入100亿元以上" in body and "结论：符合申报条件" in body
    assert "申报条件自查报告" not in text  # beside the packet, not inside it
