"""The city bureau's workflow: GB/T 9704 letter, 汇总表, review sheet, city packet, city-level rules."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import fastyaml
import pytest
from conftest import EXAMPLE, ROOT, example_data, normalise, paths_of, write_cluster
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook
from pypdf import PdfReader, PdfWriter

from pipeline.core.codes import WENHAO
from pipeline.errors import DataInvalid
from pipeline.stages import recommend
from pipeline.workflows import city as city_packet

CITY = "370700"


def _city_yaml(root: Path, **changes) -> Path:
    data = fastyaml.safe_load((ROOT / "inputs" / "cities" / f"{CITY}.yaml").read_text(encoding="utf-8"))
    data.update(changes)
    code = data["city"]
    path = root / "inputs" / "cities" / f"{code}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(fastyaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def city_build(tmp_path_factory):
    base = tmp_path_factory.mktemp("city")
    shutil.copytree(ROOT / "templates", base / "templates")
    shutil.copytree(ROOT / "inputs" / EXAMPLE, base / "inputs" / EXAMPLE)
    shutil.copytree(ROOT / "inputs" / "cities", base / "inputs" / "cities")
    return city_packet.city_bundle(CITY, paths_of(base))


def _mm(length) -> float:
    return length / 36000


@pytest.mark.office
def test_letter_layout_per_gbt_9704(city_build) -> None:
    doc = Document(city_build.folder / "推荐文件.docx")
    s = doc.sections[0]
    assert abs(_mm(s.page_width) - 210) < 0.5 and abs(_mm(s.page_height) - 297) < 0.5
    for got, want in ((s.top_margin, 37), (s.bottom_margin, 35), (s.left_margin, 28), (s.right_margin, 26)):
        assert abs(_mm(got) - want) <= 1, (got, want)
    grid = s._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == "579"  # 22 lines in the 225 mm type area
    runs = [(p, r) for p in doc.paragraphs for r in p.runs if r.text.strip()]

    def east(r):
        return r._element.rPr.rFonts.get(qn("w:eastAsia"))

    title = [r for p, r in runs if "关于推荐" in r.text][0]
    assert east(title) == "方正小标宋简体" and title.font.size.pt == 22 and not title.font.bold
    body = [r for p, r in runs if r.text.startswith("根据《")][0]
    assert east(body) == "仿宋_GB2312" and body.font.size.pt == 16
    texts = [p.text for p in doc.paragraphs]
    assert any(WENHAO.match(t) for t in texts), texts[:3]
    assert "山东省工业和信息化厅：" in texts
    assert any(re.fullmatch(r"\d{4}年[1-9]\d?月[1-9]\d?日", t) for t in texts)
    assert any(t.startswith("附件：1.") for t in texts)
    header = s.first_page_header.paragraphs[0]
    assert header.text == "潍坊市工业和信息化局" and header.runs[0].font.color.rgb == citybuild_red()
    assert doc.settings.odd_and_even_pages_header_footer and s.different_first_page_header_footer


def citybuild_red():
    from pipeline.stages.letter import RED

    return RED


@pytest.mark.office
def test_letter_pdf_reads_right(city_build) -> None:
    reader = PdfReader(city_build.folder / "推荐文件.pdf")
    pages = [normalise(p.extract_text()) for p in reader.pages]
    text = "".join(pages)
    for phrase in (
        "潍工信字〔2024〕58号",
        "山东省工业和信息化厅：",
        "《山东省特色产业集群管理办法》（鲁工信发〔2020〕5号）",
        "1.青岚县智能农机装备特色产业集群",
        "附件：1.山东省特色产业集群申报信息汇总表",
        "2024年6月18日",
        "抄送：",
    ):
        assert normalise(phrase) in text, phrase
    assert not re.search(r"—\d+—", pages[0])  # no page number on the first page
    if len(pages) > 1:
        assert "—2—" in pages[1]


@pytest.mark.office
def test_body_lines_hold_28_characters(city_build) -> None:
    # 22 × 28 grid: a full line of the first body paragraph holds 28 字 (Latin counts half).
    from pipeline.stages.letter import em_width

    text = PdfReader(city_build.folder / "推荐文件.pdf").pages[0].extract_text()
    lines = [ln.replace(" ", "") for ln in text.splitlines()]
    start = next(i for i, ln in enumerate(lines) if ln.startswith("根据"))
    full = lines[start + 1]  # the second line of the paragraph starts at the margin and is full
    assert 27 <= em_width(full) <= 28.5, (full, em_width(full))


@pytest.mark.office
def test_city_packet_bookmarks_two_levels_and_toc(city_build) -> None:
    reader = PdfReader(city_build.folder / "推荐材料.pdf")
    outline = reader.outline
    top = [item for item in outline if not isinstance(item, list)]
    assert [i.title for i in top] == [
        "目录",
        "推荐文件",
        "附件1　山东省特色产业集群申报信息汇总表",  # numbered as the letter's 附件说明 numbers them
        "附件2　青岚县智能农机装备特色产业集群申报材料",
    ]
    children = outline[-1]
    assert isinstance(children, list) and [c.title for c in children][:3] == [
        "封面",
        "目录",
        "山东省特色产业集群申请表",
    ]
    starts = [reader.get_destination_page_number(i) for i in top] + [len(reader.pages)]
    toc = normalise(reader.pages[0].extract_text())
    # Each part keeps its own printed numbers (the letter its GB/T 9704 ones, the packet its own):
    # the 目录 gives each part's printed range, and its last page shows the last number of it.
    for k, item in enumerate(top[1:], start=1):
        pages = starts[k + 1] - starts[k]
        shown = "1" if pages == 1 else f"1—{pages}"
        assert re.search(re.escape(normalise(item.title)) + r"\.+" + shown + r"(?!\d)", toc), (item.title, shown)
        last = normalise(reader.pages[starts[k + 1] - 1].extract_text())
        if pages > 1:  # a one-page 汇总表 or letter first page carries no number
            assert f"—{pages}—" in last, (item.title, last[-20:])
    m = city_build.manifest()
    letter = len(PdfReader(city_build.folder / "推荐文件.pdf").pages)
    summary = len(PdfReader(city_build.folder / "汇总表.pdf").pages)
    packet = json.loads((city_build.folder.parents[1] / EXAMPLE / "manifest.json").read_text(encoding="utf-8"))
    assert (
        len(reader.pages)
        == m["packet"]["pages"]
        == m["packet"]["toc_pages"] + letter + summary + packet["packet"]["pages"]
    )


@pytest.mark.office
def test_summary_table_xlsx_and_pdf(city_build) -> None:
    ws = load_workbook(city_build.folder / "汇总表.xlsx").active
    assert ws["A1"].value == "山东省特色产业集群申报信息汇总表"
    headers = [c.value for c in ws[3]]
    assert headers[:3] == ["序号", "集群名称", "县（市、区）"] and "营业收入（亿元）" in headers
    row = [c.value for c in ws[4]]
    assert row[1] == "青岚县智能农机装备特色产业集群" and row[headers.index("营业收入（亿元）")] == 186.45
    assert [c.value for c in ws[5]][0] == "合计" and [c.value for c in ws[5]][headers.index("企业户数")] == 268
    page = PdfReader(city_build.folder / "汇总表.pdf").pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape


@pytest.mark.office
def test_review_sheet_and_zip(city_build) -> None:
    ws = load_workbook(city_build.folder / "审核表.xlsx").active
    assert ws["A1"].value == "条件" and ws["E2"].value == "通过"
    names = zipfile.ZipFile(city_build.folder / "潍坊市-推荐材料.zip").namelist()
    assert "潍坊市-青岚县智能农机装备特色产业集群-申报材料.pdf" in names
    assert "潍坊市-推荐文件.pdf" in names and "潍坊市-山东省特色产业集群申报信息汇总表.xlsx" in names


# --- rules at city level (no LibreOffice needed: they are checked before anything is built)


def _programme_with(root: Path, **city_changes) -> None:
    f = root / "templates" / "tese-apply" / "programme.yaml"
    data = fastyaml.safe_load(f.read_text(encoding="utf-8"))
    data["city"].update(city_changes)
    f.write_text(fastyaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _clusters_in(root: Path, city: str, n: int) -> list[str]:
    ids = []
    for i in range(n):
        data = example_data()
        data["cluster"]["city"] = city
        write_cluster(root, f"c{city}-{i}", data)
        ids.append(f"c{city}-{i}")
    return ids


QUOTA = {"default": 2, "cities": {"370100": 3, "370200": 3}, "clause": "四（二）"}


@pytest.mark.parametrize(("city", "limit"), [("370100", 3), ("370200", 3), ("370700", 2)])
@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_quota_per_city(root, city, limit, delta) -> None:
    _programme_with(root, quota=QUOTA)
    ids = _clusters_in(root, city, limit + delta)
    _city_yaml(root, city=city, bureau=None, clusters=ids)
    if delta <= 0:
        assert len(recommend.plan(city, paths_of(root)).reports) == limit + delta
    else:
        with pytest.raises(DataInvalid) as info:
            recommend.plan(city, paths_of(root))
        (p,) = [p for p in info.value.problems if p.code == "E-CITY-QUOTA"]
        assert f"最多推荐{limit}个集群" in p.message and "四（二）" in p.message and p.location.line


def test_other_city_duplicate_and_unmet_are_refused(root) -> None:
    data = example_data()
    data["indicators"]["enterprises"] = 99
    write_cluster(root, "weak", data)
    _clusters_in(root, "370100", 1)
    _city_yaml(root, clusters=[EXAMPLE, "c370100-0", EXAMPLE, "weak"])
    with pytest.raises(DataInvalid) as info:
        recommend.plan(CITY, paths_of(root))
    codes = [p.code for p in info.value.problems]
    assert {"E-CITY-OTHER-CITY", "E-CITY-DUPLICATE", "E-CITY-CLUSTER-UNMET"} <= set(codes)


def test_forced_cluster_is_allowed_with_a_warning(root) -> None:
    data = example_data()
    data["indicators"]["enterprises"] = 99
    write_cluster(root, "weak", data)
    _city_yaml(root, clusters=[EXAMPLE, "weak"], force={"weak": "该集群主导产业带动作用强，企业户数接近标准"})
    p = recommend.plan(CITY, paths_of(root))
    assert [w.code for w in p.warnings if w.code.startswith("W-CITY")] == ["W-CITY-FORCED"]
    assert [r.passed for r in p.reports] == [True, False]
    assert p.reason("weak") == "该集群主导产业带动作用强，企业户数接近标准" and p.reason(EXAMPLE) is None


def test_force_without_a_reason_is_refused_with_its_line(root) -> None:
    data = example_data()
    data["indicators"]["enterprises"] = 99
    write_cluster(root, "weak", data)
    _city_yaml(root, clusters=[EXAMPLE, "weak"], force=["weak"])  # a bare id says which, not why
    with pytest.raises(DataInvalid) as info:
        recommend.plan(CITY, paths_of(root))
    (problem,) = [p for p in info.value.problems if p.field == "force"]
    assert problem.code == "E-CITY-FORCE-REASON" and problem.location.line


def test_bad_wenhao_and_date_are_errors_with_lines(root) -> None:
    _city_yaml(root, document_number="潍工信字〔2024〕第58号", date="2024-06-31")
    with pytest.raises(DataInvalid) as info:
        recommend.plan(CITY, paths_of(root))
    codes = {p.field: p.code for p in info.value.problems}
    assert codes == {"document_number": "E-WENHAO-FORMAT", "date": "E-DATE-FORMAT"}
    assert all(p.location.line for p in info.value.problems)


def test_deadline_passed_is_a_warning_with_the_date(root) -> None:
    _programme_with(root, deadline="2024-06-15")
    _city_yaml(root)
    p = recommend.plan(CITY, paths_of(root))
    (w,) = [w for w in p.warnings if w.code == "W-CITY-DEADLINE"]
    assert "2024-06-15" in w.message


def test_qingdao_bureau_for_tese(root) -> None:
    _clusters_in(root, "370200", 1)
    _city_yaml(root, city="370200", bureau=None, clusters=["c370200-0"])
    assert recommend.plan("370200", paths_of(root)).bureau == "青岛市民营经济发展局"


@pytest.mark.office
def test_signed_letter_replaces_generated_one(root) -> None:
    shutil.copytree(ROOT / "inputs" / "cities", root / "inputs" / "cities")
    signed = root / "inputs" / "cities" / CITY / "signed"
    signed.mkdir(parents=True)
    w = PdfWriter()
    for _ in range(3):
        w.add_blank_page(595, 842)
    with (signed / "推荐文件.pdf").open("wb") as fh:
        w.write(fh)
    result = city_packet.city_bundle(CITY, paths_of(root))
    assert result.manifest()["signed_scans"] == {"letter": f"inputs/cities/{CITY}/signed/推荐文件.pdf"}
    reader = PdfReader(result.folder / "推荐材料.pdf")
    starts = {i.title: reader.get_destination_page_number(i) for i in reader.outline if not isinstance(i, list)}
    assert starts["附件1　山东省特色产业集群申报信息汇总表"] - starts["推荐文件"] == 3


@pytest.mark.office
def test_a_city_toc_that_cannot_settle_is_an_error_and_the_last_city_packet_stays(
    city_build, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The city's 目录 is settled as a cluster's is (assemble.settle_toc): one that never settles is E-TEMPLATE-TOC."""
    from pipeline.errors import TemplateProblem
    from pipeline.stages import cache

    before = {p.name: p.read_bytes() for p in city_build.folder.iterdir() if p.is_file()}
    real, grown = cache.converter, iter(range(1, 100))

    def growing(*args, **kwargs):  # the real converter, whose city 目录 gains a page each time it is made
        office = real(*args, **kwargs)
        convert = office.convert

        def each(src: Path, dst: Path) -> int:
            pages = convert(src, dst)
            return pages + next(grown) if src.name == "toc.docx" and src.parent.name.startswith("city-") else pages

        office.convert = each
        return office

    monkeypatch.setattr(cache, "converter", growing)
    paths = paths_of(city_build.folder.parents[3])
    with pytest.raises(TemplateProblem) as info:
        city_packet.city_bundle(CITY, paths)
    assert info.value.code == "E-TEMPLATE-TOC"
    assert {p.name: p.read_bytes() for p in city_build.folder.iterdir() if p.is_file()} == before
