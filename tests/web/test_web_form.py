"""The web form is one more reader of the same data: what it shows and sends back is the data's own.

For every example (YAML and workbook), the form's texts read back into the same model as the file
does, with the same problems; saving from the form writes the cluster's own file (YAML or workbook)
and what the CLI then reads is what the form held, even while the data still has errors.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, paths_of

from pipeline.stages import check as checking
from pipeline.stages.programmes import load_programme
from pipeline.stages.read import load_cluster
from pipeline.web import store
from pipeline.web.form import cells_of, form_of, raw_of

TODAY = dt.date(2024, 6, 1)
EXAMPLES = [
    ("qinglan-agrimachinery", "tese-apply"),
    ("qinglan-agrimachinery-xlsx", "tese-apply"),
    ("lanwan-ai", "digital-apply"),
    ("lanwan-ai-xlsx", "digital-apply"),
    ("quanyue-software", "digital-apply"),
    ("yuyang-textile-eval", "tese-eval"),
]


@pytest.fixture
def web_root(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    (tmp_path / "outputs").mkdir()
    for cluster, _pid in EXAMPLES:
        shutil.copytree(ROOT / "inputs" / cluster, tmp_path / "inputs" / cluster)
    return tmp_path


def _codes(survey: checking.Survey) -> list[tuple[str, str]]:
    return sorted((p.code, p.field) for p in survey.problems)


@pytest.mark.parametrize(("cluster", "pid"), EXAMPLES)
def test_the_forms_texts_read_back_as_the_files_data(web_root: Path, cluster: str, pid: str) -> None:
    paths = paths_of(web_root)
    programme = load_programme(paths.templates, pid)
    form = form_of(programme)
    raw = load_cluster(paths.inputs, cluster)
    cells = cells_of(form, raw.data)
    assert len(cells) > 100  # the whole example is on the form
    from_form = checking.survey(raw_of(form, cells, cluster, raw.file), programme, paths, TODAY)
    from_file = checking.survey(raw, programme, paths, TODAY)
    assert from_form.data is not None
    assert from_form.data.model_dump() == from_file.data.model_dump()
    assert _codes(from_form) == _codes(from_file)
    assert [r.status for r in from_form.results] == [r.status for r in from_file.results]


@pytest.mark.parametrize(("cluster", "pid"), EXAMPLES)
def test_saving_the_form_writes_the_clusters_own_file_and_the_cli_reads_it_back(
    web_root: Path, cluster: str, pid: str
) -> None:
    paths = paths_of(web_root)
    programme = load_programme(paths.templates, pid)
    form = form_of(programme)
    before = load_cluster(paths.inputs, cluster)
    expected = checking.survey(before, programme, paths, TODAY).data.model_dump()
    cells = cells_of(form, before.data)
    written = store.save(paths, cluster, form, cells)
    assert written == before.file  # the same file, YAML stays YAML and a workbook a workbook
    again = load_cluster(paths.inputs, cluster)
    assert checking.survey(again, programme, paths, TODAY).data.model_dump() == expected
    assert cells_of(form, again.data) == cells  # and the form shows what it showed


@pytest.mark.parametrize("cluster", ["qinglan-agrimachinery", "qinglan-agrimachinery-xlsx"])
def test_data_with_errors_is_saved_as_typed_and_each_error_is_found_at_its_place(web_root: Path, cluster: str) -> None:
    paths = paths_of(web_root)
    programme = load_programme(paths.templates, "tese-apply")
    form = form_of(programme)
    cells = cells_of(form, load_cluster(paths.inputs, cluster).data)
    cells["applicant.credit_code"] = "11370790MB1K4Q2730"  # a wrong check character
    cells["indicators.revenue"] = "一百八十亿"  # not a number
    cells["enterprises.1.name"] = ""  # a required value cleared
    store.save(paths, cluster, form, cells)
    raw = load_cluster(paths.inputs, cluster)
    assert cells_of(form, raw.data) == {k: v for k, v in cells.items() if v != ""}
    survey = checking.survey(raw, programme, paths, TODAY)
    found = {p.field: p.code for p in survey.problems if p.severity == "error"}
    assert found["applicant.credit_code"] == "E-USCC-CHECK"
    assert "indicators.revenue" in found
    assert "enterprises.1.name" in found
    # the browser's copy of the same texts gets the same problems, each located on the form
    web = checking.survey(raw_of(form, cells, cluster, raw.file), programme, paths, TODAY)
    mine = {p.field: (p.code, str(p.location)) for p in web.problems if p.severity == "error"}
    assert {f: c for f, (c, _w) in mine.items()} == found
    assert mine["applicant.credit_code"][1] == "网页表单 基本信息!统一社会信用代码"
    assert mine["enterprises.1.name"][1].startswith("网页表单 龙头骨干企业!第2行")


def test_a_row_left_empty_is_still_a_row_so_the_rows_after_it_keep_their_numbers(web_root: Path) -> None:
    paths = paths_of(web_root)
    programme = load_programme(paths.templates, "tese-apply")
    form = form_of(programme)
    raw = load_cluster(paths.inputs, "qinglan-agrimachinery")
    cells = cells_of(form, raw.data)
    for name in [n for n in cells if n.startswith("enterprises.1.")]:
        cells[name] = ""
    data = raw_of(form, cells, "qinglan-agrimachinery", raw.file).data
    assert data["enterprises"][1] == {}
    assert data["enterprises"][2]["name"] == raw.data["enterprises"][2]["name"]


def test_every_input_of_every_form_has_a_spec_a_label_and_a_hint() -> None:
    for pid in ("tese-apply", "digital-apply", "tese-eval"):
        form = form_of(load_programme(ROOT / "templates", pid))
        assert form.specs, pid
        for pattern, (spec, part, label) in form.specs.items():
            assert spec.title and part and label, pattern
        hints = [i.hint for p in form.parts for _t, inputs in p.groups for i in inputs]
        assert all(h.startswith(("必填", "选填")) for h in hints)
