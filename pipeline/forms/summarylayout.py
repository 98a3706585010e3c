"""The province's own Excel 汇总表: its header row mapped to the programme's 汇总表 columns, and filled in its layout.

``form adopt <official.xlsx> --document summary`` finds the header row, matches each header to a
column of ``city.summary_columns`` (by title, or by the label of the field the column shows), and
records the layout beside the programme (``summary-layout.yaml`` and a copy of the official file).
The city's 汇总表.xlsx is then a copy of the official workbook with one row per cluster under its
header, each value in the official column; a header we have no column for is left blank and
reported on every build."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.core import repro, scratch
from pipeline.core.programme import Column, Programme
from pipeline.errors import Problem, TemplateProblem, UsageError
from pipeline.forms.adopt import check_form
from pipeline.forms.labels import Vocabulary, bare, normalise
from pipeline.kits import xlsxsafe
from pipeline.kits.jinja import check_template

LAYOUT_FILE = "summary-layout.yaml"


WORKBOOK_FILE = "summary-official.xlsx"


NUMBER = "序号"


HEADER_SEARCH = 30  # rows from the top where the header row may be


class SummaryLayout(BaseModel):
    """Where the official 汇总表 puts what: its sheet, header row, first data row, and each column."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    workbook: str = WORKBOOK_FILE  # the copy of the official file, in the programme folder
    source: str = ""  # the file it was adopted from
    sheet: str
    header_row: int = Field(ge=1)
    first_row: int = Field(ge=2)
    # column letter → the title of one of city.summary_columns (or 序号); several joined by a space
    columns: dict[str, list[str]]
    unknown: dict[str, str] = Field(default_factory=dict)  # column letter → an official header we have no column for


@dataclass
class SummaryAdoption:
    layout: SummaryLayout
    out: Path
    unplaced: list[str] = field(default_factory=list)  # "H 集群年度增速" : official headers with no column of ours
    missing: list[str] = field(default_factory=list)  # our columns the official form has no place for

    def as_dict(self) -> dict[str, Any]:
        return {"layout": str(self.out), **self.layout.model_dump(), "unplaced": self.unplaced, "missing": self.missing}


def _match(header: str, columns: list[Column], vocab: Vocabulary) -> list[str]:
    """The titles of our columns an official header names: by title, by the label of the field shown, or each part."""
    if normalise(header) in (NUMBER, "编号"):
        return [NUMBER]
    for key in (normalise, bare):
        found = [c.title for c in columns if key(c.title) == key(header)]
        if found:
            return found[:1]
    paths = vocab.lookup(header)
    found = [c.title for c in columns if c.value in paths]
    if len(found) == 1:
        return found
    parts = [x for x in bare(header).replace("及", "、").replace("和", "、").split("、") if x]
    if len(parts) > 1:
        each = [_match(x, columns, vocab) for x in parts]
        if all(len(e) == 1 for e in each):
            return [e[0] for e in each]
    return []


def adopt_xlsx(source: Path, programme: Programme, vocab: Vocabulary, folder: Path) -> SummaryAdoption:
    """Read the official 汇总表 and write its layout (and a copy of it) into ``folder``."""
    if programme.city is None:
        raise UsageError(
            f"申报项目 {programme.id} 没有市级汇总表 (the programme has no city 汇总表)", code="E-FORM-NO-SUMMARY"
        )
    columns = programme.city.summary_columns
    # the header row: the row (of any sheet) that names most of our columns; then its columns, one by one
    wb = _open(source)
    sheet, row = _header_row(wb, source, columns, vocab)
    ws = wb[sheet]
    mapped, unknown = _read_header(ws, row, columns, vocab)
    first = row + 1
    while first <= ws.max_row and _is_sub_header(ws, first, mapped):  # a unit row under the header
        first += 1
    layout = SummaryLayout(
        source=source.name, sheet=sheet, header_row=row, first_row=first, columns=mapped, unknown=unknown
    )
    # each file whole or not at all; the layout (which a build reads first) last
    scratch.copy_atomic(source, folder / WORKBOOK_FILE)
    out = folder / LAYOUT_FILE
    header = (
        f"# 官方汇总表的版式（clusterpack form adopt 从 {source.name} 读出）: the official 汇总表's layout.\n"
        "# columns: 列号 → 本项目汇总表的列（programme.yaml city.summary_columns 的 title）；unknown: 没有对应列的表头，生成时留空并提示。\n"
    )
    scratch.write_atomic(out, header + yaml.safe_dump(layout.model_dump(), allow_unicode=True, sort_keys=False))
    used = {t for ts in mapped.values() for t in ts}
    return SummaryAdoption(
        layout,
        out,
        [f"{k} {v}" for k, v in unknown.items()],
        [c.title for c in columns if c.title not in used],
    )


def _open(source: Path) -> Any:
    check_form(source, "xlsx")  # a bomb, a DTD or a renamed file is refused before openpyxl reads it
    try:
        return load_workbook(source, read_only=False, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a file that is not a workbook
        raise UsageError(
            f"{source} 无法作为 Excel 工作簿读取 (not a readable .xlsx): {exc}", code="E-FORM-UNREADABLE"
        ) from None


def _header_row(wb: Any, source: Path, columns: list[Column], vocab: Vocabulary) -> tuple[str, int]:
    """The sheet and row whose cells name the most of our columns (two at least), the first of equals."""
    best: tuple[int, str, int] | None = None  # (matches, sheet, row)
    for ws in wb.worksheets:
        for r in range(1, min(ws.max_row, HEADER_SEARCH) + 1):
            texts = [str(c.value) for c in ws[r] if c.value not in (None, "")]
            score = sum(bool(_match(t, columns, vocab)) for t in texts)
            if score >= 2 and (best is None or score > best[0]):
                best = (score, ws.title, r)
    if best is None:
        raise UsageError(
            f"{source} 中找不到表头行：没有一行含两个以上的汇总表列名（{'、'.join(c.title for c in columns[:4])}……） "
            "(no header row found)",
            code="E-FORM-NO-HEADER",
        )
    _score, sheet, row = best
    return sheet, row


def _read_header(
    ws: Any, row: int, columns: list[Column], vocab: Vocabulary
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Each header cell's column letter → the titles of our columns it names, or (unknown) → its text."""
    mapped: dict[str, list[str]] = {}
    unknown: dict[str, str] = {}
    for cell in ws[row]:
        if cell.value in (None, ""):
            continue
        letter = get_column_letter(cell.column)
        titles = _match(str(cell.value), columns, vocab)
        if titles:
            mapped[letter] = titles
        else:
            unknown[letter] = str(cell.value).strip()
    return mapped, unknown


def _is_sub_header(ws: Any, row: int, mapped: dict[str, list[str]]) -> bool:
    values = [ws[f"{letter}{row}"].value for letter in mapped]
    texts = [str(v) for v in values if v not in (None, "")]
    return bool(texts) and all(
        t.strip("（）() ") in ("万元", "亿元", "个", "户", "家", "人", "%", "平方公里") for t in texts
    )


def read_layout(programme: Programme) -> SummaryLayout | None:
    """The programme's official 汇总表 layout (its own folder's or inherited), if one was adopted."""
    file = programme.template(LAYOUT_FILE)
    if not file.is_file():
        return None
    try:
        return SummaryLayout.model_validate(yaml.safe_load(file.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError, TypeError) as exc:
        raise TemplateProblem(
            f"{file} 有误 (summary layout is invalid): {exc}", code="E-TEMPLATE-SUMMARY-LAYOUT"
        ) from None


def problems(programme: Programme, layout: SummaryLayout) -> list[Problem]:
    """What a build under an official layout reports: headers left blank, titles that are no longer columns."""
    out = []
    titles = {c.title for c in programme.city.summary_columns} if programme.city else set()
    for letter, header in layout.unknown.items():
        out.append(
            Problem(
                "W-SUMMARY-COLUMN-UNKNOWN",
                f"官方汇总表第 {letter} 列“{header}”没有对应的数据，已留空，请手工填写 (an official column we cannot fill)",
                field="summary",
                severity="warning",
            )
        )
    for letter, names in layout.columns.items():
        gone = [n for n in names if n != NUMBER and n not in titles]
        if gone:
            raise TemplateProblem(
                f"{programme.template(LAYOUT_FILE)}: 第 {letter} 列对应的“{'、'.join(gone)}”已不是汇总表的列 "
                "(the layout names a column the programme no longer has)",
                code="E-TEMPLATE-SUMMARY-LAYOUT",
            )
    return out


def fill(
    programme: Programme,
    layout: SummaryLayout,
    rows: list[list[str]],
    totals: list[str],
    notes: list[str],
    out: Path,
) -> Path:
    """The official workbook with one row per cluster under its header (then 合计 and the notes); unknown columns blank."""
    assert programme.city is not None
    columns = programme.city.summary_columns
    index = {c.title: j for j, c in enumerate(columns, start=1)}  # our row: 序号 first, then the columns
    numeric = {c.title for c in columns if c.number}
    workbook = programme.template(layout.workbook)
    check_template(workbook, "xlsx")  # own, inherited or adopted: inspected before openpyxl opens it
    try:
        wb = load_workbook(workbook)
        ws = wb[layout.sheet]
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook; a sheet renamed since
        raise TemplateProblem(
            f"{workbook} 无法作为官方汇总表打开 (the official 汇总表 cannot be opened): {type(exc).__name__}: {exc}",
            code="E-TEMPLATE-SUMMARY-WORKBOOK",
        ) from None
    # each row styled like the official first row: its styles taken before any value (a quote prefix) is set
    first = {
        letter: copy.copy(ws[f"{letter}{layout.first_row}"]._style)
        for letter in layout.columns
        if ws[f"{letter}{layout.first_row}"].has_style
    }
    for i, row in enumerate([*rows, totals]):
        r = layout.first_row + i
        for letter, titles in layout.columns.items():
            parts = [row[0] if t == NUMBER else row[index[t]] for t in titles]
            text = " ".join(p for p in parts if p)
            cell = ws[f"{letter}{r}"]
            value: Any = text
            if len(titles) == 1 and titles[0] in numeric and text:
                try:
                    number = Decimal(text)
                    value = int(number) if number == number.to_integral_value() and "." not in text else float(number)
                except ArithmeticError:
                    value = text
            if letter in first:
                cell._style = copy.copy(first[letter])  # its own copy: set_value may add a quote prefix to it
            xlsxsafe.set_value(cell, value)  # a formula-like name stays text (xlsxsafe.py)
        for letter in layout.unknown:
            xlsxsafe.set_value(ws[f"{letter}{r}"], None)
    first_letter = min(layout.columns, key=lambda x: (len(x), x))
    for k, line in enumerate(notes):
        xlsxsafe.set_value(ws[f"{first_letter}{layout.first_row + len(rows) + 1 + k}"], line)
    xlsxsafe.as_data(wb)  # and whatever the official workbook itself holds: no formula leaves the tool
    wb.properties.created = wb.properties.modified = repro.instant().replace(tzinfo=None)
    with scratch.replacing(out) as tmp:  # the 汇总表 whole or not at all
        wb.save(tmp)
        repro.fixed_zip(tmp)
    return out
