"""Each programme's workbook opens in LibreOffice Calc: saved again by Calc, every value reads back the same.

Only what Excel 2007, WPS and Calc all read is written (data, list validations with input
messages, number formats, frozen panes, print titles; no macros, no formulas). One LibreOffice
run converts the three workbooks (≈ 3 s)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from test_workbook_engine import _model

from pipeline.forms import workbook
from pipeline.forms.workbook_read import read
from pipeline.stages import check as checking
from pipeline.stages.convert import find_soffice

ONE_PER_PROGRAMME = ("qinglan-agrimachinery", "quanyue-software", "yuyang-textile-eval")


@pytest.mark.office
def test_every_programmes_workbook_saved_by_libreoffice_reads_back_the_same(tmp_path: Path) -> None:
    written = {c: workbook.write(_model(c)[0], tmp_path / f"{c}.xlsx", _model(c)[1]) for c in ONE_PER_PROGRAMME}
    out = tmp_path / "calc"
    run = subprocess.run(
        [find_soffice(), f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless", "--norestore",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), *map(str, written.values())],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    for cluster in ONE_PER_PROGRAMME:
        original, programme = _model(cluster)
        saved = out / f"{cluster}.xlsx"
        back, problems = checking.validate(read(saved, cluster), programme)
        assert [p.code for p in problems if p.severity == "error"] == [], cluster
        assert back == original, cluster
        # Calc kept the dropdowns and their messages
        wb = load_workbook(saved)
        lists = [dv for ws in wb.worksheets for dv in ws.data_validations.dataValidation if dv.type == "list"]
        assert lists and all(dv.prompt for dv in lists), cluster
