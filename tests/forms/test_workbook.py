"""The Excel workbook: init → fill → bundle; round trip; cell mistakes named by sheet and cell."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import fastyaml
import pytest
from conftest import EXAMPLE, ROOT, normalise, paths_of
from openpyxl import load_workbook
from pypdf import PdfReader

from pipeline.core.case import BuildResult
from pipeline.errors import DataInvalid, UsageError
from pipeline.forms import workbook
from pipeline.forms.workbook_read import read
from pipeline.stages import check as checking
from pipeline.stages.check import validate
from pipeline.stages.convert import OfficeWorker
from pipeline.stages.programmes import load_programme
from pipeline.stages.read import load_cluster
from pipeline.workflows import packet as packets

XLSX_EXAMPLE = "qinglan-agrimachinery-xlsx"


def _example_model(root: Path):
    return checking.prepare(EXAMPLE, paths_of(root))[1]


_WRITTEN: dict[bytes, bytes] = {}  # the example's data → its workbook (written once a run: openpyxl is slow)


def _to_xlsx(root: Path, cluster: str = "wb") -> Path:
    """The example's data written as a workbook into inputs/<cluster>/ (with its attachments)."""
    folder = root / "inputs" / cluster
    shutil.copytree(root / "inputs" / EXAMPLE, folder)
    data = (folder / "cluster.yaml").read_bytes()
    (folder / "cluster.yaml").unlink()
    target = folder / "cluster.xlsx"
    if data not in _WRITTEN:
        programme = checking.prepare(EXAMPLE, paths_of(root))[2]
        _WRITTEN[data] = workbook.write(_example_model(root), target, programme).read_bytes()
    target.write_bytes(_WRITTEN[data])
    return target


def _cell(path: Path, sheet: str, key: str) -> str:
    """The coordinate of a field's value in 基本信息 (found by the key in column D)."""
    ws = load_workbook(path)[sheet]
    for row in ws.iter_rows(min_row=2):
        if row[3].value == key:
            return row[2].coordinate
    raise KeyError(key)


def _edit(path: Path, sheet: str, coord: str, value) -> None:
    wb = load_workbook(path)
    wb[sheet][coord] = value
    wb.save(path)


def _problems(root: Path, cluster: str = "wb") -> list:
    with pytest.raises(DataInvalid) as info:
        checking.prepare(cluster, paths_of(root))
    return info.value.errors


def test_yaml_to_xlsx_to_yaml_keeps_every_value(root: Path) -> None:
    xlsx = _to_xlsx(root)
    original = _example_model(root)
    raw = read(xlsx, "wb")
    back, _w = validate(raw, load_programme(ROOT / "templates", "tese-apply"))
    assert back == original
    assert workbook.to_plain(back) == workbook.to_plain(original)
    # and the YAML written from it reads back to the same model
    (root / "inputs" / "wb" / "cluster.xlsx").unlink()
    (root / "inputs" / "wb" / "cluster.yaml").write_text(
        fastyaml.safe_dump(workbook.to_plain(back), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    assert checking.prepare("wb", paths_of(root))[1] == original


@pytest.mark.office
def test_init_fill_and_bundle(root: Path) -> None:
    from click.testing import CliRunner

    from pipeline.cli import main

    r = CliRunner().invoke(main, ["init", "fresh", "--programme", "tese-apply", "--root", str(root)])
    assert r.exit_code == 0, r.output
    path = root / "inputs" / "fresh" / "cluster.xlsx"
    # fill it as an operator would, cell by cell, from the example's values
    source = load_workbook(_to_xlsx(root, "filled"))
    target = load_workbook(path)
    for name in source.sheetnames:
        if name == workbook.GUIDE:
            continue
        for row in source[name].iter_rows():
            for cell in row:
                if cell.value is not None and target[name][cell.coordinate].value in (None, ""):
                    target[name][cell.coordinate] = cell.value
    target.save(path)
    shutil.copytree(
        root / "inputs" / EXAMPLE / "attachments", root / "inputs" / "fresh" / "attachments", dirs_exist_ok=True
    )
    shutil.copytree(root / "inputs" / EXAMPLE / "signed", root / "inputs" / "fresh" / "signed")
    result = packets.bundle("fresh", paths_of(root))
    text = normalise("".join(p.extract_text() for p in PdfReader(result.folder / "申报材料.pdf").pages))
    assert "青岚县智能农机装备特色产业集群" in text and "186.45亿元" in text


def test_text_in_a_number_cell(root: Path) -> None:
    xlsx = _to_xlsx(root)
    coord = _cell(xlsx, "基本信息", "indicators.enterprises")
    _edit(xlsx, "基本信息", coord, "很多")
    (p,) = [p for p in _problems(root) if p.field == "indicators.enterprises"]
    assert p.code == "E-NUMBER-INT" and str(p.location) == f"inputs/wb/cluster.xlsx 基本信息!{coord}"


def test_wan_typed_in_a_yi_column_is_converted_and_said(root: Path) -> None:
    xlsx = _to_xlsx(root)
    coord = _cell(xlsx, "基本信息", "indicators.revenue")
    _edit(xlsx, "基本信息", coord, "1,864,500万元")
    case = checking.check("wb", paths_of(root))
    assert case.data.indicators.revenue == 1864500
    (p,) = [w for w in case.warnings if w.code == "N-MONEY-CONVERTED"]
    assert p.location.cell == coord and p.location.sheet == "基本信息" and p.field == "indicators.revenue"


def test_empty_required_cell(root: Path) -> None:
    xlsx = _to_xlsx(root)
    coord = _cell(xlsx, "基本信息", "applicant.phone")
    _edit(xlsx, "基本信息", coord, None)
    (p,) = _problems(root)
    assert p.code == "E-FIELD-MISSING" and p.location.cell == coord


def test_city_not_in_the_dropdown(root: Path) -> None:
    xlsx = _to_xlsx(root)
    coord = _cell(xlsx, "基本信息", "cluster.city")
    _edit(xlsx, "基本信息", coord, "莱芜市")
    (p,) = _problems(root)
    assert p.code == "E-CITY-CODE" and p.location.cell == coord


def test_merged_cell_in_a_table(root: Path) -> None:
    xlsx = _to_xlsx(root)
    wb = load_workbook(xlsx)
    wb["龙头骨干企业"].merge_cells("A3:B3")
    wb.save(xlsx)
    problems = _problems(root)
    p = problems[0]  # the merge itself, then what it hid (B3 reads as empty)
    assert [q.code for q in problems] == ["E-XLSX-MERGED", "E-FIELD-MISSING"]
    assert p.code == "E-XLSX-MERGED" and p.location.sheet == "龙头骨干企业" and p.location.cell == "A3"


def test_extra_column_added_by_a_user(root: Path) -> None:
    xlsx = _to_xlsx(root)
    wb = load_workbook(xlsx)
    ws = wb["品牌与荣誉"]
    ws.cell(1, ws.max_column + 1, "备注")
    wb.save(xlsx)
    (p,) = _problems(root)
    assert p.code == "E-XLSX-EXTRA-COLUMN" and p.location.sheet == "品牌与荣誉" and "备注" in p.message


def test_table_cell_error_names_its_cell(root: Path) -> None:
    xlsx = _to_xlsx(root)
    _edit(xlsx, "龙头骨干企业", "B3", "91370790MA3C8W5140")  # a wrong check character
    (p,) = _problems(root)
    assert (
        p.code == "E-USCC-CHECK"
        and str(p.location).endswith("龙头骨干企业!B3")
        and p.field == "enterprises.1.credit_code"
    )


def test_numbers_typed_as_text_and_dates_of_both_kinds(root: Path) -> None:
    xlsx = _to_xlsx(root)
    wb = load_workbook(xlsx)
    ws = wb["基本信息"]
    for row in ws.iter_rows(min_row=2):
        key = row[3].value
        if key == "indicators.enterprises":
            row[2].value = "２６８户"  # full-width digits and a unit word
        elif key == "indicators.revenue":
            row[2].value = "１８６.４５"  # full-width digits, the column's unit (亿元)
        elif key == "indicators.tax":
            row[2].value = "7.94"  # a number typed as text
        elif key == "declaration.date":
            row[2].value = "2024年6月14日"  # a date typed as text
        elif key == "indicators.export":
            row[2].value = None  # an optional empty cell stays empty, not nan
    wb["媒体报道"]["D2"] = dt.datetime(2023, 9, 18)  # Excel's own date type
    wb["龙头骨干企业"]["E2"] = "412,600"  # thousands separators in a 万元 column
    wb.save(xlsx)
    model = checking.prepare("wb", paths_of(root))[1]
    assert model.indicators.enterprises == 268 and model.indicators.tax == 79400
    assert model.indicators.export is None and model.declaration.date == dt.date(2024, 6, 14)
    assert model.media[0].date == dt.date(2023, 9, 18)
    assert model.indicators.revenue == 1864500 and model.enterprises[0].revenue == 412600


def test_both_forms_present_is_an_error(root: Path) -> None:
    _to_xlsx(root)
    shutil.copy(root / "inputs" / EXAMPLE / "cluster.yaml", root / "inputs" / "wb" / "cluster.yaml")
    with pytest.raises(UsageError, match="同时有"):
        load_cluster(root / "inputs", "wb")


def test_dropdowns_and_units_in_headers(root: Path) -> None:
    wb = load_workbook(_to_xlsx(root))
    ws = wb["基本信息"]
    city = _cell(root / "inputs" / "wb" / "cluster.xlsx", "基本信息", "cluster.city")
    lists = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert any(city in ref and "潍坊市" in f and "济南市" in f for ref, f in lists.items())
    platforms = wb["创新与服务平台"]
    plists = [dv.formula1 for dv in platforms.data_validations.dataValidation if dv.type == "list"]
    assert any("国家级" in f and "省级" in f for f in plists)
    sens = [dv.formula1 for dv in wb["佐证材料"].data_validations.dataValidation if dv.type == "list"]
    assert '"是,否"' in sens
    headers = [c.value for c in wb["龙头骨干企业"][1]]
    assert "营业收入（万元） *" in headers
    labels = [r[1].value for r in ws.iter_rows(min_row=2)]
    assert "营业收入（亿元） *" in labels
    prompts = [dv.prompt for dv in ws.data_validations.dataValidation if dv.prompt]
    assert any("GB 32100" in p for p in prompts)


@pytest.mark.office
def test_workbook_opens_in_libreoffice_calc(root: Path) -> None:
    xlsx = _to_xlsx(root)
    with OfficeWorker() as office:
        pages = office.convert(xlsx, root / "wb.pdf")
    text = normalise("".join(p.extract_text() for p in PdfReader(root / "wb.pdf").pages))
    assert pages >= 5
    for header in (
        "申报数据填报表",
        "营业收入（亿元）",
        "统一社会信用代码",
        "青岚县智能农机装备特色产业集群",
        "一、集群基本情况",
    ):
        assert normalise(header) in text, header


def _built_from_export(root: Path, cluster: str) -> BuildResult:
    """`export CLUSTER --to xlsx` into a cluster of its own (with its folders beside it), built."""
    from click.testing import CliRunner

    from pipeline.cli import main

    out = root / "inputs" / f"{cluster}-exported" / "cluster.xlsx"
    r = CliRunner().invoke(main, ["export", cluster, "--to", "xlsx", "--out", str(out), "--root", str(root)])
    assert r.exit_code == 0, r.output
    for sub in (p for p in (root / "inputs" / cluster).iterdir() if p.is_dir()):
        shutil.copytree(sub, out.parent / sub.name)
    return packets.bundle(out.parent.name, paths_of(root))


def _differing_pages(a: BuildResult, b: BuildResult) -> list[int]:
    """The pages (from 1) whose text differs between two packets; every page when their counts differ."""
    pa, pb = (PdfReader(r.folder / r.file).pages for r in (a, b))
    if len(pa) != len(pb):
        return list(range(1, max(len(pa), len(pb)) + 1))
    return [n for n, (x, y) in enumerate(zip(pa, pb, strict=True), start=1) if x.extract_text() != y.extract_text()]


@pytest.mark.office
def test_the_packet_from_the_exported_workbook_has_the_text_of_the_one_from_yaml(root: Path, example_packet) -> None:
    # the example's YAML → `export --to xlsx` → a cluster of its own, built: every page's text as from YAML
    assert _differing_pages(example_packet, _built_from_export(root, EXAMPLE)) == []


@pytest.mark.office
@pytest.mark.parametrize("cluster", ["lanwan-ai", "quanyue-software", "yuyang-textile-eval"])  # 数字申报 ×2, 特色评价
def test_every_programmes_packet_from_its_exported_workbook_reads_as_from_yaml(root: Path, cluster: str) -> None:
    shutil.copytree(ROOT / "inputs" / cluster, root / "inputs" / cluster)
    from_yaml = packets.bundle(cluster, paths_of(root))
    assert from_yaml.pages >= 10
    assert _differing_pages(from_yaml, _built_from_export(root, cluster)) == []


def _sheets(path: Path) -> dict[str, tuple]:
    """{sheet: (its values by cell, its dropdowns and input messages)}: a workbook as its reader meets it."""
    wb = load_workbook(path)
    return {
        ws.title: (
            {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None},
            sorted((str(v.sqref), v.prompt or "", v.formula1 or "") for v in ws.data_validations.dataValidation),
        )
        for ws in wb.worksheets
    }


SHIPPED_WORKBOOKS = sorted(p.parent.name for p in (ROOT / "inputs").glob("*-xlsx/cluster.xlsx"))


def test_two_programmes_ship_their_example_as_a_workbook() -> None:
    assert SHIPPED_WORKBOOKS == ["lanwan-ai-xlsx", XLSX_EXAMPLE]


@pytest.mark.parametrize("shipped", SHIPPED_WORKBOOKS)
def test_the_shipped_workbook_example_holds_the_yaml_example(root: Path, shipped: str) -> None:
    # each <x>-xlsx is `clusterpack export <x> --to xlsx` with <x>'s folders: the same data, the same proofs
    twin = shipped.removesuffix("-xlsx")
    for cluster in {twin, shipped}:
        shutil.copytree(ROOT / "inputs" / cluster, root / "inputs" / cluster, dirs_exist_ok=True)
    _raw, model, programme, _w = checking.prepare(twin, paths_of(root))
    assert checking.prepare(shipped, paths_of(root))[1] == model
    # and it is what export writes today: every cell and every input message (a changed layout means export again)
    assert _sheets(root / "inputs" / shipped / "cluster.xlsx") == _sheets(
        workbook.write(model, root / "x.xlsx", programme)
    )
    for sub in ("attachments", "signed"):  # the same proofs and scans, byte for byte
        listed = [{p.name: p.read_bytes() for p in (root / "inputs" / c / sub).glob("*")} for c in (shipped, twin)]
        assert listed[0] == listed[1], sub


def test_schema_describes_amounts_with_units() -> None:
    from pipeline.core.fields import ClusterData

    schema = ClusterData.model_json_schema()
    revenue = schema["$defs"]["Indicators"]["properties"]["revenue"]
    assert "亿元" in str(revenue) and schema["additionalProperties"] is False


def test_a_field_key_given_twice_is_refused_naming_both_cells(root: Path) -> None:
    # A user copies the revenue row's key over another row: the later value must not silently win.
    xlsx = _to_xlsx(root)
    first = _cell(xlsx, "基本信息", "indicators.revenue")
    other = _cell(xlsx, "基本信息", "indicators.leading_industry_revenue")
    _edit(xlsx, "基本信息", other.replace("C", "D"), "indicators.revenue")
    (p,) = [p for p in _problems(root) if p.code == "E-XLSX-DUPLICATE-KEY"]
    assert p.field == "indicators.revenue" and p.location.cell == other and first in p.message
    assert "营业收入" in p.message


def test_a_wan_figure_typed_bare_in_a_yi_cell_is_implausible(root: Path) -> None:
    # 1864500 in the 亿元 column is 186.45亿元 typed in 万元: no cluster has 186万亿元.
    xlsx = _to_xlsx(root)
    coord = _cell(xlsx, "基本信息", "indicators.revenue")
    _edit(xlsx, "基本信息", coord, 1864500)
    (p,) = [p for p in _problems(root) if p.field == "indicators.revenue"]
    assert p.code == "E-AMOUNT-IMPLAUSIBLE" and "1864500亿元" in p.message and p.location.cell == coord
