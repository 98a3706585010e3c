"""The example packet read back as a reviewer would: text, bookmarks, 目录 pages, fonts, Word bundle."""

from __future__ import annotations

import json
import re
import subprocess

from conftest import normalise
from docx import Document
from pypdf import PdfReader

from pipeline.programme import load_programme

PARTS = [
    "山东省特色产业集群申请表",
    "特色产业集群发展情况简介",
    "特色产业集群发展规划",
    "名牌产品、驰（著）名商标、产业荣誉称号和媒体宣传报道",
    "创新研发中心、公共服务平台和服务体系建设情况",
    "产业集群信息化智能化建设情况",
    "对申报材料真实性的声明",
    "申报信息汇总表",
]
KEY_TEXT = {  # a phrase each part must show, taken from the data or the template
    "山东省特色产业集群申请表": ["山东省特色产业集群申请表", "11370790MB1K4Q2731", "186.45亿元", "412600"],
    "特色产业集群发展情况简介": ["发展情况简介", "一、集群基本情况", "山东省制造业单项冠军企业"],
    "特色产业集群发展规划": ["发展规划（2024—2028年）", "附表：主要发展目标"],
    "名牌产品、驰（著）名商标、产业荣誉称号和媒体宣传报道": ["中国智能农机装备特色产业基地", "大众日报"],
    "创新研发中心、公共服务平台和服务体系建设情况": ["山东省智能农机工程技术研究中心", "共计5个"],
    "产业集群信息化智能化建设情况": ["一、计算能力", "2.6PFLOPS"],
    "对申报材料真实性的声明": ["山东省工业和信息化厅：", "法定代表人（签字）", "2024年6月14日"],
    "申报信息汇总表": ["山东省特色产业集群申报信息汇总表", "潍坊市", "186.45"],
}


def _outline(reader: PdfReader) -> list[tuple[str, int]]:
    return [(item.title, reader.get_destination_page_number(item)) for item in reader.outline]


def test_programme_order_matches_bookmarks(example_packet) -> None:
    programme = load_programme(example_packet.folder.parents[2] / "templates", "tese-apply")
    assert [d.bookmark for d in programme.documents] == PARTS
    reader = PdfReader(example_packet.folder / "申报材料.pdf")
    assert [t for t, _ in _outline(reader)] == ["封面", "目录", *PARTS]


def test_each_part_shows_its_key_text(example_packet) -> None:
    reader = PdfReader(example_packet.folder / "申报材料.pdf")
    outline = _outline(reader) + [("end", len(reader.pages))]
    for (title, start), (_next, end) in zip(outline, outline[1:], strict=False):
        text = normalise("".join(reader.pages[i].extract_text() for i in range(start, end)))
        for phrase in KEY_TEXT.get(title, []):
            assert normalise(phrase) in text, (title, phrase)


def test_page_count_is_cover_toc_and_parts(example_packet) -> None:
    m = example_packet.manifest["packet"]
    reader = PdfReader(example_packet.folder / "申报材料.pdf")
    part_pages = [len(PdfReader(example_packet.folder / f"{f}.pdf").pages) for f in _part_files(example_packet)]
    assert len(reader.pages) == m["pages"] == m["cover_pages"] + m["toc_pages"] + sum(part_pages)
    assert [p["pages"] for p in m["parts"]] == part_pages


def _part_files(example_packet) -> list[str]:
    return sorted(p.stem for p in example_packet.folder.glob("0*.pdf"))


def test_toc_page_numbers_match_bookmarks_and_printed_numbers(example_packet) -> None:
    reader = PdfReader(example_packet.folder / "申报材料.pdf")
    outline = dict(_outline(reader))
    toc_text = reader.pages[outline["目录"]].extract_text()
    for title in PARTS:
        m = re.search(re.escape(normalise(title)) + r"\.*(\d+)", normalise(toc_text))
        assert m, title
        page = int(m.group(1))
        assert outline[title] == page - 1, title  # 目录 numbers are 1-based physical pages
        # and the page itself carries that number at its foot: — N —
        assert f"—{page}—" in normalise(reader.pages[page - 1].extract_text())


def test_cover_has_no_page_number(example_packet) -> None:
    reader = PdfReader(example_packet.folder / "申报材料.pdf")
    cover = normalise(reader.pages[0].extract_text())
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
        assert "yes" == cols[-5], row  # emb
    # every face is a CJK face or the Latin one; no DejaVu fallback (which has no Chinese glyphs)
    assert all(re.search(r"NotoSerifCJK|NotoSansCJK|LXGWWenKai|Liberation", n) for n in names), names
    assert any("NotoSerifCJK" in n for n in names) and any("NotoSansCJK" in n for n in names)


def test_font_map_recorded_in_manifest(example_packet) -> None:
    fonts = example_packet.manifest["fonts"]
    assert fonts["仿宋_GB2312"] == "Noto Serif CJK SC"
    assert fonts["黑体"] == "Noto Sans CJK SC"
    assert fonts["楷体_GB2312"] == "LXGW WenKai"
    assert fonts["方正小标宋简体"] == "Noto Serif CJK SC"


def test_word_bundle_holds_every_part_each_on_a_new_section(example_packet) -> None:
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
    assert len(sections) == 1 + len(PARTS)  # cover + one per part
    assert sections[-1].page_width > sections[-1].page_height  # the 汇总表 keeps its landscape page


def test_manifest_lists_every_file_with_checksum_and_pages(example_packet) -> None:
    manifest = json.loads((example_packet.folder / "manifest.json").read_text(encoding="utf-8"))
    files = {f["file"]: f for f in manifest["files"]}
    on_disk = {p.name for p in example_packet.folder.iterdir()} - {"manifest.json"}
    assert set(files) == on_disk
    assert all(re.fullmatch(r"[0-9a-f]{64}", f["sha256"]) for f in files.values())
    assert all(f["pages"] >= 1 for name, f in files.items() if name.endswith(".pdf"))
    assert manifest["profile"]["words"] == 2560 and manifest["profile"]["limit"] == 3000
    assert manifest["programme"]["number"] == "鲁工信发〔2020〕5号"
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["inputs"]["sha256"])
    assert manifest["tool"]["libreoffice"].startswith("LibreOffice")


def test_each_document_as_docx_and_pdf(example_packet) -> None:
    stems = {p.stem for p in example_packet.folder.glob("*.docx")}
    assert stems | {"自查报告"} == {p.stem for p in example_packet.folder.glob("*.pdf")}
    assert len(stems) == len(PARTS) + 1  # the parts and the Word/PDF bundle


def test_passing_packet_has_no_draft_mark_and_a_self_check_beside_it(example_packet) -> None:
    assert not example_packet.draft
    assert example_packet.manifest["checks"]["passed"] is True
    text = normalise("".join(p.extract_text() for p in PdfReader(example_packet.folder / "申报材料.pdf").pages))
    assert "草稿" not in text
    report = PdfReader(example_packet.folder / "自查报告.pdf")
    assert len(report.pages) == 1
    body = normalise(report.pages[0].extract_text())
    assert "申报条件自查报告" in body and "年营业收入100亿元以上" in body and "结论：符合申报条件" in body
    # the report is beside the packet, not inside it
    assert "申报条件自查报告" not in text
