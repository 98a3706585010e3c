"""One workbook engine for every programme: each schema's layout is data; YAML → xlsx → YAML keeps every value.

Fast: no LibreOffice (tests/forms/test_workbook.py builds a packet from an exported workbook)."""

from __future__ import annotations

import re
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import fastyaml
import pytest
from click.testing import CliRunner
from conftest import ROOT, paths_of
from openpyxl import load_workbook

from pipeline import schemas
from pipeline.cli import main
from pipeline.errors import DataInvalid
from pipeline.forms import guide, sheets, workbook
from pipeline.forms.workbook_read import read
from pipeline.stages import check as checking
from pipeline.stages.programmes import load_programme
from pipeline.stages.read import load_yaml

EXAMPLES = {  # every shipped example, by the programme it is for
    "qinglan-agrimachinery": "tese-apply",
    "quanyue-software": "digital-apply",
    "lanwan-ai": "digital-apply",
    "yuyang-textile-eval": "tese-eval",
}


def _model(cluster: str):
    programme = load_programme(ROOT / "templates", EXAMPLES[cluster])
    raw = load_yaml(ROOT / "inputs" / cluster / "cluster.yaml", cluster, root=ROOT)
    model, problems = checking.validate(raw, programme)
    assert model is not None, [p.code for p in problems if p.severity == "error"]
    return model, programme


WITHOUT_WORKBOOK = {"tese_annual"}  # a recognised cluster's year: YAML only for now (README, issue 18)


def test_every_schema_but_the_yearly_one_has_a_workbook() -> None:
    assert {n for n in schemas.names() if schemas.get(n).workbook is None} == WITHOUT_WORKBOOK


@pytest.mark.parametrize("name", sorted(set(schemas.names()) - WITHOUT_WORKBOOK))
def test_every_schema_has_a_layout_that_places_every_value_once(name: str) -> None:
    schema = schemas.get(name)
    assert schema.workbook is not None
    every, held = sheets.leaves(schema.model), Counter(sheets.covered(schema.model, schema.workbook))
    assert sorted(set(every) - set(held)) == []  # nothing left out
    assert sorted(set(held) - set(every)) == []  # nothing placed that is not in the model
    assert [k for k, n in held.items() if n > 1] == []  # nothing placed twice


@pytest.mark.parametrize("cluster", EXAMPLES)
def test_yaml_to_xlsx_to_yaml_keeps_every_value(tmp_path: Path, cluster: str) -> None:
    original, programme = _model(cluster)
    xlsx = workbook.write(original, tmp_path / "cluster.xlsx", programme)
    raw = read(xlsx, cluster)
    back, problems = checking.validate(raw, programme)
    assert [p.code for p in problems if p.severity == "error"] == []
    assert back == original
    # the workbook's values are the model's, and so is the YAML written from it
    text = fastyaml.safe_dump(workbook.to_plain(back), allow_unicode=True, sort_keys=False)
    (tmp_path / "cluster.yaml").write_text(text, encoding="utf-8")
    again, _p = checking.validate(load_yaml(tmp_path / "cluster.yaml", cluster), programme)
    assert again == original


@pytest.mark.parametrize("cluster", EXAMPLES)
def test_every_closed_list_is_a_dropdown_and_every_cell_says_how_to_write_it(tmp_path: Path, cluster: str) -> None:
    model, programme = _model(cluster)
    wb = load_workbook(workbook.write(model, tmp_path / "cluster.xlsx", programme))
    schema = programme.data_schema
    lists = 0
    for sheet in schema.workbook.sheets:
        ws = wb[sheet.title]
        for dv in ws.data_validations.dataValidation:
            if dv.type == "list":
                lists += 1
                assert len(dv.formula1) <= 255, dv.formula1  # Excel's limit on a list written in the rule
                assert dv.showErrorMessage and dv.error and dv.prompt
    assert lists >= 4  # city, category, 是/否 at least, and the programme's own lists
    # the category column is a dropdown of the programme's own titles
    formulas = [dv.formula1 for dv in wb["佐证材料"].data_validations.dataValidation if dv.type == "list"]
    assert any(all(m.title in f for m in programme.materials) for f in formulas)
    guide_text = "\n".join(str(c.value) for c in wb[workbook.GUIDE]["A"] if c.value)
    for sheet in schema.workbook.sheets:
        assert sheet.title in guide_text
        for dv in wb[sheet.title].data_validations.dataValidation:  # each message is the guide's sentence
            said = dv.prompt.split("。", 1)[1].removesuffix("。")  # after 必填 / 选填
            assert not said or said in guide_text, (sheet.title, said)


def test_the_guide_says_the_cells_sentences_once() -> None:
    programme = load_programme(ROOT / "templates", "digital-apply")
    model, layout = programme.data_schema.model, programme.data_schema.workbook
    specs = [
        s for sheet in layout.sheets if isinstance(sheet, sheets.Table) for s in sheets.table_columns(model, sheet, {})
    ]
    lines = guide.format_lines(specs)
    assert len(lines) == len(set(lines))
    assert any(line.startswith("金额（万元）") for line in lines)


@pytest.mark.parametrize("programme_id", sorted(set(EXAMPLES.values())))
def test_init_writes_a_workbook_for_every_programme(tmp_path: Path, programme_id: str) -> None:
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    r = CliRunner().invoke(main, ["init", "new-x", "--programme", programme_id, "--root", str(tmp_path)])
    assert r.exit_code == 0, r.output
    xlsx = tmp_path / "inputs" / "new-x" / "cluster.xlsx"
    assert xlsx.is_file()
    # empty, it is refused only for what is missing: the sheets themselves read
    with pytest.raises(DataInvalid) as info:
        checking.check("new-x", paths_of(tmp_path))
    codes = set(info.value.codes)
    assert codes and codes <= {"E-FIELD-MISSING", "E-LIST-EMPTY"}, codes
    assert not any(p.code.startswith("E-XLSX") for p in info.value.problems)


def test_a_formula_like_text_is_written_as_data_and_read_back(tmp_path: Path) -> None:
    model, programme = _model("quanyue-software")
    firms = list(model.firms)
    firms[0] = firms[0].model_copy(update={"name": '=HYPERLINK("http://x","y")'})
    hostile = model.model_copy(update={"firms": firms})
    xlsx = workbook.write(hostile, tmp_path / "cluster.xlsx", programme)
    cell = load_workbook(xlsx)["集群企业名单"]["A2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    back, _p = checking.validate(read(xlsx, "q"), programme)
    assert back is not None and back.firms[0].name == '=HYPERLINK("http://x","y")'


def _texts(value, path=()):
    """{path: text} for every text in a dump (or in the raw data read back), lists by index."""
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _texts(item, (*path, key)).items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in _texts(item, (*path, i)).items()}
    return {path: value} if isinstance(value, str) and path != ("programme",) else {}


class _Dumped:
    """What workbook.write reads of a model (its dump), here one a validator would refuse."""

    def __init__(self, dump: dict) -> None:
        self.dump = dump

    def model_dump(self) -> dict:
        return self.dump


@pytest.mark.parametrize("cluster", EXAMPLES)
def test_every_text_on_every_sheet_that_looks_like_a_formula_is_written_as_data(tmp_path: Path, cluster: str) -> None:
    # every text of the example, on every kind of sheet (label/value, grid, table, sections, paragraphs,
    # a list or lines in one cell), made formula-like: no formula in the file, each a quoted string, read back as typed
    model, programme = _model(cluster)
    starts = ("=", "+", "-", "@")
    texts = _texts(model.model_dump())
    hostile = model.model_dump()
    for n, path in enumerate(texts):
        put_in = hostile
        for step in path[:-1]:
            put_in = put_in[step]
        put_in[path[-1]] = f'{starts[n % 4]}HYPERLINK("http://x.invalid/{n}","{n}")'
    xlsx = workbook.write(_Dumped(hostile), tmp_path / "cluster.xlsx", programme)
    with zipfile.ZipFile(xlsx) as zf:
        assert [m for m in zf.namelist() if re.search(rb"<f[ >]", zf.read(m))] == []
    cells = [c for ws in load_workbook(xlsx).worksheets for row in ws.iter_rows() for c in row]
    risky = [c for c in cells if isinstance(c.value, str) and c.value.startswith(starts)]
    assert len(risky) >= 50 and all(c.data_type == "s" and c.quotePrefix for c in risky)
    raw = read(xlsx, cluster)
    assert [p.code for p in raw.problems] == []
    back = _texts(raw.data)
    assert {k: back.get(k) for k in texts} == _texts(hostile)


def test_a_workbook_of_no_known_layout_is_refused(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "随便"
    wb.save(tmp_path / "cluster.xlsx")
    with pytest.raises(DataInvalid) as info:
        read(tmp_path / "cluster.xlsx", "x")
    assert info.value.codes == ["E-XLSX-SHEET"]


def test_a_paragraph_part_not_in_the_list_is_named_by_its_cell(tmp_path: Path) -> None:
    model, programme = _model("quanyue-software")
    xlsx = workbook.write(model, tmp_path / "cluster.xlsx", programme)
    wb = load_workbook(xlsx)
    wb["各部分正文"]["A2"] = "概况以外"
    wb.save(xlsx)
    raw = read(xlsx, "q")
    (p,) = [p for p in raw.problems if p.code == "E-XLSX-PART"]
    assert (p.location.sheet, p.location.cell) == ("各部分正文", "A2")


def test_a_work_paragraph_per_line_in_a_cell(tmp_path: Path) -> None:
    model, programme = _model("yuyang-textile-eval")
    xlsx = workbook.write(model, tmp_path / "cluster.xlsx", programme)
    ws = load_workbook(xlsx)["重点领域"]
    work = ws["B2"].value
    assert work.count("\n") == len(model.evaluation.key_areas[0].work) - 1


def test_evaluation_grid_takes_the_two_years_side_by_side(tmp_path: Path) -> None:
    model, programme = _model("yuyang-textile-eval")
    xlsx = workbook.write(model, tmp_path / "cluster.xlsx", programme)
    wb = load_workbook(xlsx)
    ws = wb["评价指标"]
    keys = {row[3].value: row for row in ws.iter_rows(min_row=2)}
    assert keys["revenue"][1].value == float(model.evaluation.current.revenue / 10000)
    ws[keys["revenue"][2].coordinate] = "41500万元"  # 上年度, another unit: converted and said
    wb.save(xlsx)
    raw = read(xlsx, "y")
    back, problems = checking.validate(raw, programme)
    assert back is not None and back.evaluation.previous.revenue == 41500
    (n,) = [p for p in problems if p.code == "N-MONEY-CONVERTED"]
    assert (n.location.sheet, n.location.cell, n.field) == (
        "评价指标",
        keys["revenue"][2].coordinate,
        "evaluation.previous.revenue",
    )


def test_the_workbook_is_dated_by_the_build_instant_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # openpyxl stamps "modified" with the clock as it saves: an exported workbook differed from second to second
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1718323200")  # 2024-06-14
    model, programme = _model("lanwan-ai")
    xlsx = workbook.write(model, tmp_path / "cluster.xlsx", programme)
    with zipfile.ZipFile(xlsx) as zf:
        core = zf.read("docProps/core.xml").decode()
        assert {i.date_time for i in zf.infolist()} == {(2024, 6, 14, 0, 0, 0)}
    assert re.findall(r"<dcterms:(\w+)[^>]*>([^<]*)<", core) == [
        ("created", "2024-06-14T00:00:00Z"),
        ("modified", "2024-06-14T00:00:00Z"),
    ]
