"""The province's own Excel 汇总表: adopted, its columns in another order and one we do not know; the
city's 汇总表.xlsx is then that workbook filled in its layout, the unknown column blank and reported.

LibreOffice-free: the city's recommendation is planned and its 汇总表 written by the functions
``city`` uses (``city_packet.summary_tables``, ``tables.summary_xlsx``).
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import fastyaml
import hostile
import pytest
from conftest import EXAMPLE, ROOT, paths_of
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Border, Font, Side

from pipeline.errors import ExitCode, TemplateProblem, UsageError
from pipeline.forms import summarylayout
from pipeline.stages import tables
from pipeline.stages.recommend import plan
from pipeline.workflows import city as city_packet
from pipeline.workflows import official

# The official header, in its own order, with its own words (所属县区, 联系人及电话) and one column we have no data for.
HEADER = [
    "序号",
    "申报单位",
    "集群名称",
    "所属县区",
    "营业收入（亿元）",
    "集群年度增速（%）",
    "主导产业",
    "企业户数",
    "联系人及电话",
    "审核结论",
]


def _official(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "附件2"
    ws["A1"] = "附件2"
    ws["A2"] = "山东省特色产业集群申报汇总表"
    ws["A3"] = "填报单位（盖章）：                填报日期："
    thin = Side(style="thin")
    for j, text in enumerate(HEADER, start=1):
        ws.cell(4, j, text).font = Font(name="黑体", bold=True)
        for r in (4, 5, 6):
            ws.cell(r, j).border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wb.save(path)
    return path


@pytest.fixture
def city_root(root: Path) -> Path:
    shutil.copytree(ROOT / "inputs" / "cities", root / "inputs" / "cities")
    return root


def test_the_official_summary_is_adopted_and_filled_in_its_layout(city_root: Path) -> None:
    templates = city_root / "templates"
    result = official.adopt_form(_official(city_root / "official.xlsx"), templates, "tese-apply", "summary")
    assert isinstance(result, summarylayout.SummaryAdoption)
    layout = result.layout
    assert (layout.sheet, layout.header_row, layout.first_row) == ("附件2", 4, 5)
    assert layout.columns == {
        "A": ["序号"],
        "B": ["申报单位"],
        "C": ["集群名称"],
        "D": ["县（市、区）"],
        "E": ["营业收入（亿元）"],
        "G": ["主导产业"],
        "H": ["企业户数"],
        "I": ["联系人", "联系电话"],
        "J": ["审核结论"],
    }
    assert layout.unknown == {"F": "集群年度增速（%）"} and result.unplaced == ["F 集群年度增速（%）"]
    assert "依托载体" in result.missing  # our columns the official form has no place for
    saved = fastyaml.safe_load((templates / "tese-apply" / "summary-layout.yaml").read_text(encoding="utf-8"))
    assert saved["unknown"] == {"F": "集群年度增速（%）"}

    # the city's recommendation: the unknown column is reported, and the 汇总表 follows the official layout
    p = plan("370700", paths_of(city_root))
    assert [w.code for w in p.warnings if w.code == "W-SUMMARY-COLUMN-UNKNOWN"] == ["W-SUMMARY-COLUMN-UNKNOWN"]
    clusters = city_packet.recommend(p)
    city_tables = city_packet.summary_tables(p, clusters, city_packet.attachment_items(p, clusters))
    out = tables.summary_xlsx(city_tables, city_root / "汇总表.xlsx")
    ws = load_workbook(out)["附件2"]
    assert [ws.cell(4, j).value for j in range(1, len(HEADER) + 1)] == HEADER  # the official header, untouched
    row = {HEADER[j - 1]: ws.cell(5, j).value for j in range(1, len(HEADER) + 1)}
    assert row["序号"] == "1" or row["序号"] == 1
    assert row["集群名称"] == "青岚县智能农机装备特色产业集群" and row["申报单位"] == "青岚经济开发区管理委员会"
    assert row["营业收入（亿元）"] == 186.45 and row["企业户数"] == 268
    assert row["集群年度增速（%）"] is None  # unknown: left blank
    assert row["联系人及电话"].split(" ")[1].startswith("0536") and row["审核结论"]
    assert ws.cell(6, 1).value == "合计" and ws.cell(6, 5).value == 186.45
    assert ws.cell(6, 1).border.left.style == "thin"  # the official row's style is kept
    assert ws["A2"].value == "山东省特色产业集群申报汇总表"


def test_a_summary_with_no_header_row_is_refused(city_root: Path) -> None:
    wb = Workbook()
    wb.active["A1"] = "随便写的"
    wb.save(city_root / "x.xlsx")
    with pytest.raises(UsageError) as info:
        official.adopt_form(city_root / "x.xlsx", city_root / "templates", "tese-apply", "summary")
    assert info.value.code == "E-FORM-NO-HEADER"
    assert EXAMPLE  # the example cluster is in the project copy


# --- hostile input (issue 20): the official workbook is inspected, and every cell written is data ----------

INJECTED = '=HYPERLINK("http://example.invalid/steal","点击查看")'


def _with_declaration(path: Path) -> Path:
    """``path`` (a workbook) with a DTD that would read a local file, in its first sheet."""
    data = path.read_bytes()
    sheet = "xl/worksheets/sheet1.xml"
    xml = hostile.member(data, sheet).decode()
    xml = '<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/hostname">]>' + xml.split("?>", 1)[-1]
    path.write_bytes(hostile.rezip(data, {sheet: xml.encode()}))
    return path


@pytest.mark.parametrize("kind", ["dtd", "renamed", "empty", "bomb"])
def test_a_hostile_official_summary_is_refused_with_its_code(city_root: Path, kind: str, monkeypatch) -> None:
    form = _official(city_root / "附件2.xlsx")
    if kind == "dtd":
        _with_declaration(form)
        code = "E-OFFICE-DTD"
    elif kind == "renamed":
        form.write_text("序号,集群名称\n", encoding="utf-8")
        code = "E-OFFICE-NOT-ZIP"
    elif kind == "empty":
        form.write_bytes(b"")
        code = "E-OFFICE-EMPTY"
    else:
        monkeypatch.setenv("CLUSTERPACK_MAX_XML_PART_MB", "0.2")
        data = form.read_bytes()
        sheet = "xl/worksheets/sheet1.xml"
        xml = hostile.member(data, sheet).replace(b"<sheetData>", b"<!--" + b"x" * 300_000 + b"--><sheetData>", 1)
        form.write_bytes(hostile.rezip(data, {sheet: xml}))
        code = "E-LIMIT-UNZIPPED"
    folder = city_root / "templates" / "tese-apply"
    with pytest.raises(UsageError) as info:
        official.adopt_form(form, city_root / "templates", "tese-apply", "summary")
    assert info.value.code == code
    assert not (folder / summarylayout.LAYOUT_FILE).exists() and not (folder / summarylayout.WORKBOOK_FILE).exists()


def _cells(path: Path) -> list:
    return [c for ws in load_workbook(path).worksheets for row in ws.iter_rows() for c in row]


def test_the_official_summary_is_written_as_data(city_root: Path) -> None:
    # a cluster named like a formula, and a formula the province's own file holds: both text, no <f> in the sheet
    form = _official(city_root / "official.xlsx")
    wb = load_workbook(form)
    wb["附件2"]["L1"] = "=1+1"  # openpyxl writes it as a formula
    wb.save(form)
    official.adopt_form(form, city_root / "templates", "tese-apply", "summary")
    f = city_root / "inputs" / EXAMPLE / "cluster.yaml"
    text = f.read_text(encoding="utf-8")
    f.write_text(text.replace("  name: 青岚县智能农机装备特色产业集群", f"  name: '{INJECTED}'", 1), encoding="utf-8")
    p = plan("370700", paths_of(city_root))
    clusters = city_packet.recommend(p)
    city_tables = city_packet.summary_tables(p, clusters, city_packet.attachment_items(p, clusters))
    out = tables.summary_xlsx(city_tables, city_root / "汇总表.xlsx")
    with zipfile.ZipFile(out) as zf:
        assert not [n for n in zf.namelist() if n.startswith("xl/worksheets/") and b"<f>" in zf.read(n)]
    risky = [c for c in _cells(out) if isinstance(c.value, str) and c.value.startswith("=")]
    assert {c.value for c in risky} == {INJECTED, "=1+1"}
    assert all(c.data_type == "s" and c.quotePrefix for c in risky)
    ws = load_workbook(out)["附件2"]
    assert ws["C5"].value == INJECTED and ws["E5"].value == 186.45  # a genuine number stays a number
    assert not ws["E6"].quotePrefix  # the quote prefix of row 5's name is its own, not copied to the next row
    assert [p.name for p in city_root.iterdir() if p.name.startswith(".汇总表")] == []  # written whole, by rename


def test_the_adopted_workbook_is_inspected_before_each_build_opens_it_also_when_inherited(city_root: Path) -> None:
    templates = city_root / "templates"
    official.adopt_form(_official(city_root / "official.xlsx"), templates, "tese-apply", "summary")
    # the example round extends tese-apply: it inherits the layout and the workbook from its parent's folder
    p = plan("370700", paths_of(city_root), "tese-apply-example-2027")
    assert p.programme.template(summarylayout.WORKBOOK_FILE) == templates / "tese-apply" / summarylayout.WORKBOOK_FILE
    clusters = city_packet.recommend(p)
    city_tables = city_packet.summary_tables(p, clusters, city_packet.attachment_items(p, clusters))
    tables.summary_xlsx(city_tables, city_root / "汇总表.xlsx")  # fine as adopted
    _with_declaration(templates / "tese-apply" / summarylayout.WORKBOOK_FILE)  # then tampered with
    with pytest.raises(TemplateProblem) as info:
        tables.summary_xlsx(city_tables, city_root / "汇总表2.xlsx")
    assert info.value.code == "E-TEMPLATE-DTD" and info.value.exit_code == ExitCode.TEMPLATE
    assert not (city_root / "汇总表2.xlsx").exists()
