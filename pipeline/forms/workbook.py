"""The operator's Excel workbook for any programme, written from its schema's layout; ``workbook_read`` reads it.

One engine for every programme: the layout (``Schema.workbook``, data in the schema's module)
says which sheets hold which parts of the model; this module writes them: a 填表说明 sheet, then
label/value sheets (column D: the field key), grids, table sheets (header = title and unit),
long texts one paragraph a row. Every closed list is a dropdown; every cell that needs it has
an input message, and each says what the reader accepts (``sheets.hint``). Every value is
written as data (``kits.xlsxsafe``), never as a formula."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from pydantic import BaseModel

from pipeline.core import repro
from pipeline.core.layout import Grid, Layout, Record, Sections, Sheet, Table
from pipeline.core.programme import Programme
from pipeline.forms import guide
from pipeline.forms.plain import to_plain
from pipeline.forms.sheets import (
    Lookups,
    Spec,
    get,
    grid_required,
    grid_rows,
    hint,
    paragraph_parts,
    record_rows,
    shown,
    table_columns,
)
from pipeline.kits.xlsxsafe import as_data, put

__all__ = ["GUIDE", "KEY_HEADER", "lookups_of", "to_plain", "write"]

GUIDE = "填表说明"
KEY_HEADER = "字段（请勿修改）"
SPARE_ROWS = 200  # rows below the data that keep a table's dropdowns and formats
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
KEY_FILL = PatternFill("solid", fgColor="F2F2F2")
TOP = Alignment(wrap_text=True, vertical="top")


def lookups_of(programme: Programme) -> Lookups:
    """The closed lists a programme, not the model, gives: its proof categories (title → id)."""
    return {"materials": {m.title: m.id for m in programme.materials}}


def write(data: BaseModel | None, out: Path, programme: Programme) -> Path:
    """The workbook of ``programme`` filled with ``data`` (or empty, to fill in: ``init``)."""
    dump = data.model_dump() if data is not None else {"programme": programme.id}
    return _write(dump, out, programme, shown)


def write_texts(texts: dict[str, Any], out: Path, programme: Programme) -> Path:
    """The workbook of ``programme`` holding ``texts``: each value the text its cell shows, laid out as the
    model's data (the web form's values, kept even where they do not yet make a valid model)."""
    return _write(texts, out, programme, typed)


def typed(spec: Spec, value: Any) -> Any:
    """A cell's text as the value the cell holds: a number where the field takes one and the text is one."""
    if not isinstance(value, str) or spec.kind not in ("int", "decimal", "money"):
        return value
    text = value.strip().replace(",", "")
    try:
        number = Decimal(text)
    except ArithmeticError:
        return value
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        return value  # a unit, a sign or an exponent: the reader converts the text as written
    if spec.kind == "int" and number == number.to_integral_value():
        return int(number)
    return float(number) if Decimal(repr(float(number))) == number else value  # a float that is not the text: kept


def _write(dump: dict[str, Any], out: Path, programme: Programme, show: Show) -> Path:
    layout = programme.data_schema.workbook
    if layout is None:
        raise LookupError(f"schema {programme.data_schema.name} has no workbook layout")
    model = programme.data_schema.model
    lookups = lookups_of(programme)
    wb = Workbook()
    first = wb.active
    first.title = GUIDE
    for sheet in layout.sheets:
        _sheet(wb.create_sheet(sheet.title), sheet, (model, layout, lookups, show), dump)
    guide.fill(first, programme, layout, _all_specs(model, layout, lookups))
    _print_setup(first, title_rows=False)
    for ws in wb.worksheets:
        _fit_heights(ws)
    as_data(wb)  # every cell was written with put(); this is the guarantee
    wb.properties.created = wb.properties.modified = repro.instant().replace(tzinfo=None)
    wb.save(out)
    repro.fixed_zip(out)
    return out


Show = Callable[[Spec, Any], Any]  # a value of the dump → what its cell holds
Where = tuple[type[BaseModel], Layout, Lookups, Show]


def _sheet(ws: Any, sheet: Sheet, where: Where, dump: dict[str, Any]) -> None:
    model, layout, lookups, show = where
    if isinstance(sheet, Record):
        _record(ws, record_rows(model, sheet, layout, lookups), dump, show)
    elif isinstance(sheet, Grid):
        _grid(ws, sheet, where, dump)
    elif isinstance(sheet, Table):
        _table(ws, table_columns(model, sheet, lookups), get(dump, tuple(sheet.path.split("."))) or [], show)
    elif isinstance(sheet, Sections):
        _sections(ws, sheet, get(dump, tuple(sheet.path.split("."))) or [])
    else:
        _paragraphs(ws, [(t, get(dump, tuple(p.split("."))) or []) for t, p, _r in paragraph_parts(model, sheet)])
    _print_setup(ws)


def _all_specs(model: type[BaseModel], layout: Layout, lookups: Lookups) -> list[Spec]:
    """Every Spec of every sheet, for the 填表说明's sentences (each said once)."""
    specs: list[Spec] = []
    for sheet in layout.sheets:
        if isinstance(sheet, Record):
            specs += [s for _g, s in record_rows(model, sheet, layout, lookups)]
        elif isinstance(sheet, Grid):
            specs += grid_rows(model, sheet, lookups)
        elif isinstance(sheet, Table):
            specs += table_columns(model, sheet, lookups)
    return specs


def _head(ws: Any, headers: list[tuple[str, float]]) -> None:
    for j, (text, width) in enumerate(headers, start=1):
        cell = put(ws, 1, j, text)
        cell.font = Font(name="黑体", bold=True)
        cell.fill = HEAD_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BOX
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.row_dimensions[1].height = 32
    ws.freeze_panes = "A2"


def _value(ws: Any, at: tuple[int, int], spec: Spec, value: Any, show: Show) -> Cell:
    """One value cell: the value as data, its format (a date, text kept as typed), boxed."""
    cell = put(ws, at[0], at[1], show(spec, value))
    cell.alignment, cell.border = TOP, BOX
    if spec.kind == "date":
        cell.number_format = "yyyy-mm-dd"
    elif spec.kind == "text":
        cell.number_format = "@"  # a postcode or a phone typed as digits stays the text typed
    return cell


def _record(ws: Any, rows: list[tuple[str, Spec]], dump: dict[str, Any], show: Show) -> None:
    """Label/value rows: group, label, value, the field key the reader goes by."""
    _head(ws, [("分组", 16), ("项目", 30), ("填写", 60), (KEY_HEADER, 30)])
    ws.freeze_panes = "C2"
    for row, (group, spec) in enumerate(rows, start=2):
        put(ws, row, 1, group).font = Font(bold=True)
        label = put(ws, row, 2, spec.label)
        _value(ws, (row, 3), spec, get(dump, spec.path), show)
        key = put(ws, row, 4, spec.key)
        key.fill, key.font = KEY_FILL, Font(color="808080")
        for c in (ws.cell(row, 1), label, key):
            c.border = BOX
        validate(ws, spec, f"C{row}")


def _grid(ws: Any, sheet: Grid, where: Where, dump: dict[str, Any]) -> None:
    """The fields of one model as rows, one instance a column; the key (within the instance) last."""
    model, _layout, lookups, show = where
    rows = grid_rows(model, sheet, lookups)
    required = grid_required(model, sheet)
    headers = [(h + (" *" if r else ""), 18.0) for (h, _p), r in zip(sheet.columns, required, strict=True)]
    _head(ws, [("指标", 40), *headers, (KEY_HEADER, 26)])
    ws.freeze_panes = "B2"
    last = len(sheet.columns) + 2
    for row, spec in enumerate(rows, start=2):
        put(ws, row, 1, spec.header).border = BOX
        for j, (_header, path) in enumerate(sheet.columns, start=2):
            column = replace(spec, required=spec.required and required[j - 2])
            _value(ws, (row, j), column, get(dump, (*path.split("."), *spec.path)), show)
            validate(ws, column, f"{get_column_letter(j)}{row}")
        key = put(ws, row, last, spec.key)
        key.fill, key.font, key.border = KEY_FILL, Font(color="808080"), BOX


def _width(text: str) -> float:
    return sum(2.1 if ord(c) > 0x2E80 else 1.1 for c in text) + 2


LINE_PT = 15.0  # one line of 11 pt text


def _fit_heights(ws: Any) -> None:
    """Each row tall enough for its wrapped texts: Excel, WPS and Calc keep a saved height, none measures it on load."""
    widths = {k: d.width for k, d in ws.column_dimensions.items() if d.width}
    for row in ws.iter_rows(min_row=2 if ws.title != GUIDE else 1):
        lines = 1
        for cell in row:
            if not isinstance(cell.value, str) or not cell.alignment.wrap_text:
                continue
            width = max(4.0, widths.get(cell.column_letter, 13.0) - 1)
            lines = max(lines, sum(max(1, -(-int(_width(part) - 2) // int(width))) for part in cell.value.split("\n")))
        if lines > 1:
            ws.row_dimensions[row[0].row].height = min(409.0, lines * LINE_PT)


def _table(ws: Any, specs: list[Spec], items: list[dict[str, Any]], show: Show) -> None:
    """One item a row under a header of titles and units; dropdowns and formats reach below the data."""
    widths = [_width(s.label) for s in specs]
    for i, item in enumerate(items, start=2):
        for j, spec in enumerate(specs, start=1):
            cell = _value(ws, (i, j), spec, get(item, spec.path), show)
            longest = max((len(line) for line in str(cell.value or "").splitlines()), default=0)
            widths[j - 1] = max(widths[j - 1], min(_width("字" * longest), 60.0))
    _head(ws, [(s.label, max(10.0, min(36.0, w))) for s, w in zip(specs, widths, strict=True)])
    end = len(items) + SPARE_ROWS
    for j, spec in enumerate(specs, start=1):
        letter = get_column_letter(j)
        validate(ws, spec, f"{letter}2:{letter}{end}")
        if spec.kind == "text":
            ws.column_dimensions[letter].number_format = "@"


def _sections(ws: Any, sheet: Sections, sections: list[dict[str, Any]]) -> None:
    """A long text: a heading in A starts a section; one paragraph a row in B."""
    _head(ws, [("章节标题（每章第一段填写）", 28), ("段落（每行一段）", 110)])
    r = 2
    for section in sections:
        for k, para in enumerate(section.get(sheet.body) or []):
            if k == 0:
                put(ws, r, 1, section.get(sheet.heading)).alignment = TOP
            put(ws, r, 2, para).alignment = TOP
            r += 1


def _paragraphs(ws: Any, parts: list[tuple[str, list[str]]]) -> None:
    """Several lists of paragraphs: the part's title in A on its first paragraph (a dropdown), B one a row."""
    _head(ws, [("部分（每部分第一段选择）", 24), ("段落（每行一段）", 110)])
    r = 2
    for title, paragraphs in parts:
        for k, para in enumerate(paragraphs):
            if k == 0:
                put(ws, r, 1, title).alignment = TOP
            put(ws, r, 2, para).alignment = TOP
            r += 1
    choice = Spec(("part",), "部分", "choice", False, choices=tuple(t for t, _p in parts))
    validate(ws, choice, f"A2:A{r + SPARE_ROWS}")


def validate(ws: Any, spec: Spec, ref: str) -> None:
    """The cell's dropdown (a closed list) and input message, both saying ``hint(spec)``.

    Excel only warns on a value outside the list (``warning`` style): the reader is the judge,
    takes the codes a list stands for too, and says which cell is wrong."""
    text = hint(spec)
    if spec.choices:
        dv = DataValidation(type="list", formula1='"' + ",".join(spec.choices) + '"', allow_blank=True)
        dv.error, dv.errorTitle, dv.showErrorMessage = text[:225], "不在下拉列表中", True
        dv.errorStyle = "warning"
    else:  # no type check: what the reader accepts (a unit, a separator, 268户) is more than Excel's checks
        dv = DataValidation(allow_blank=True)
    dv.promptTitle, dv.prompt, dv.showInputMessage = spec.title[:32], text[:250], True
    ws.add_data_validation(dv)
    dv.add(ref)


def _print_setup(ws: Any, title_rows: bool = True) -> None:
    """Landscape A4, as wide as the page, header row on every printed page (Excel, WPS, Calc)."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = "1:1"
