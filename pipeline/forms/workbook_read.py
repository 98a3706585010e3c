"""Reading the operator's workbook back into the raw data YAML gives, with sheet and cell for every value.

One reader for every programme: the workbook's sheets say which schema's layout it is
(``Schema.workbook``), and the layout says where each value is. Cells are read as text and
converted by the model; structural mistakes (a merged cell, an extra column, an unknown key) are
reported with their cell, together with the model's own."""

from __future__ import annotations

import datetime as dt
import unicodedata
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from pydantic import BaseModel

from pipeline import schemas
from pipeline.core import limits
from pipeline.core.layout import Grid, Layout, Paragraphs, Record, Sections, Table
from pipeline.core.programme import Schema
from pipeline.core.raw import RawInput
from pipeline.core.reading import name_key
from pipeline.core.units import MONEY_UNITS
from pipeline.errors import DataInvalid, Location, Problem
from pipeline.forms.sheets import Spec, grid_rows, paragraph_parts, put, record_rows, table_columns
from pipeline.forms.workbook import KEY_HEADER
from pipeline.kits import officefile


class _Reader:
    def __init__(self, file: Path, rel: str) -> None:
        self.file = file
        self.rel = rel
        self.locations: dict[tuple[str | int, ...], Location] = {}
        self.problems: list[Problem] = []
        self._cached: Any = None  # the workbook with formulas' cached values, loaded at the first formula
        self.max_chars, self.max_text, self.text = limits.FIELD_CHARS(), limits.TEXT_CHARS(), 0

    def formula(self, cell: Cell, sheet: str, key: str) -> Any:
        """The cached value of a formula cell, reported as a warning; None (and an error) when it has none.

        A value belongs in every cell the tool reads: a formula is accepted only through the
        result Excel last computed for it, and the user is told which cell that was.
        """
        if self._cached is None:
            self._cached = _open(self.file, data_only=True)
        result = self._cached[sheet][cell.coordinate] if sheet in self._cached.sheetnames else None
        cached = result.value if result is not None else None
        shown = str(getattr(cell.value, "text", cell.value))[:80]
        if result is not None and result.data_type == "e":  # its result is #N/A, #REF!…: no value at all
            return self.error_value(cell, sheet, key, f"公式 {shown} 的结果是错误值 {cached}")
        if cached is None or (isinstance(cached, str) and not cached.strip()):
            self.problem(
                "E-XLSX-FORMULA",
                f"单元格是公式 {shown}，且没有计算结果；请改为直接填写数值 (a formula where a value belongs, with no "
                "cached value)",
                sheet,
                cell.coordinate,
                key,
            )
            return None
        self.problem(
            "W-XLSX-FORMULA-CACHED",
            f"单元格是公式 {shown}，已采用 Excel 上次计算的结果 {cached!r}；请确认，最好改为直接填写数值 "
            "(a formula: its cached value is used)",
            sheet,
            cell.coordinate,
            key,
            "warning",
        )
        return cached

    def error_value(self, cell: Cell, sheet: str, key: str, what: str) -> None:
        """An error value (``#N/A``, ``#REF!``…) where a value belongs: refused at its cell, never taken as text."""
        self.problem(
            "E-XLSX-ERROR-VALUE",
            f"{what}，不是数据（常见于查找公式未找到、粘贴了出错公式的值）；请改为直接填写 (an error value where a "
            "value belongs)",
            sheet,
            cell.coordinate,
            key,
        )

    def raw(self, cell: Cell, sheet: str, key: str) -> Any:
        """What the cell holds: its value, a formula's cached value, None for a refused text or an error value."""
        v = cell.value
        if cell.data_type == "e":  # #N/A pasted as a value from a failed lookup reads as the text "#N/A"
            return self.error_value(cell, sheet, key, f"单元格是错误值 {str(v)[:20]}")
        if cell.data_type == "f" or isinstance(v, (ArrayFormula, DataTableFormula)):
            v = self.formula(cell, sheet, key)
        if isinstance(v, str):
            if len(v) > self.max_chars:
                self.problem(*limits.text_over(len(v)), sheet, cell.coordinate, key)
                return None
            before, self.text = self.text, self.text + len(v)
            if before <= self.max_text < self.text:
                self.problem(*limits.texts_over(), sheet, cell.coordinate, key)
        return v

    def where(self, sheet: str, cell: str) -> Location:
        return Location(self.rel, sheet=sheet, cell=cell)

    def problem(self, code: str, message: str, sheet: str, cell: str, key: str = "", severity: str = "error") -> None:
        self.problems.append(Problem(code, message, field=key, location=self.where(sheet, cell), severity=severity))

    def merged(self, ws: Any, sheet: str) -> None:
        """Merged cells below the header shift what is read: each is an error."""
        for rng in ws.merged_cells.ranges:
            if rng.max_row >= 2:
                self.problem(
                    "E-XLSX-MERGED",
                    f"合并的单元格 {rng} 会打乱读取，请取消合并 (merged cells)",
                    sheet,
                    str(rng).split(":")[0],
                )

    def value(self, spec: Spec, cell: Cell, sheet: str, key: str = "") -> Any:
        """A cell as the raw value the model converts; None for an empty cell."""
        v = self.raw(cell, sheet, key or spec.key)
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        if isinstance(v, dt.datetime):
            return v.date().isoformat()
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, bool):
            return v if spec.kind == "bool" else str(v)
        if isinstance(v, (int, float)):
            text = format(Decimal(str(v)).normalize(), "f") if isinstance(v, float) else str(v)
            if spec.kind == "money":
                return {"value": text, "unit": spec.unit}
            return v if spec.kind in ("date", "bool") else text
        return cell_text(spec, str(v))


def cell_text(spec: Spec, value: str) -> Any:
    """A text cell as the raw value the model converts: what ``sheets.hint`` says the cell may hold."""
    text = value.strip()
    if spec.kind == "money":
        # a unit written in the cell is the amount's own (converted, and said); a bare number is the column's
        folded = unicodedata.normalize("NFKC", text).replace(" ", "")
        return text if any(folded.endswith(u) for u in MONEY_UNITS) else {"value": text, "unit": spec.unit}
    if spec.kind == "choice" and spec.lookup:
        return spec.lookup.get(text, text)
    if spec.kind == "list":
        return [t.strip() for t in text.replace("，", "、").split("、") if t.strip()]
    if spec.kind == "lines":
        return [t.strip() for t in text.splitlines() if t.strip()]
    if spec.kind == "names":
        names = [t.strip() for t in text.replace("，", "、").replace(",", "、").split("、") if t.strip()]
        return names if len(names) > 1 else text
    return text


def _open(file: Path, data_only: bool) -> Any:
    with warnings.catch_warnings():  # openpyxl warns of parts it ignores (extensions): not the user's business
        warnings.simplefilter("ignore")
        return load_workbook(file, data_only=data_only)


def _extent(ws: Any) -> tuple[int, int]:
    """The last row and column that hold a value: what is read, however far a stray format reaches.

    openpyxl's max_row/max_column count every cell the file mentions; one styled cell at
    XFD1048576 would make iterating the sheet create seventeen billion empty cells.
    """
    cells = getattr(ws, "_cells", None)
    if cells is None:
        return ws.max_row, ws.max_column
    filled = [key for key, cell in cells.items() if cell.value is not None]
    if not filled:
        return 1, 1
    return max(r for r, _c in filled), max(c for _r, c in filled)


def _refused(cluster_id: str, code: str, message: str, rel: str) -> DataInvalid:
    return DataInvalid(cluster_id, [Problem(code, message, location=Location(rel))])


def _workbook(file: Path, cluster_id: str, rel: str) -> Any:
    """The workbook (formulas as written), after its size and its parts have been checked."""
    size = file.stat().st_size
    if size > limits.INPUT_BYTES():
        raise _refused(
            cluster_id,
            "E-LIMIT-INPUT-SIZE",
            f"工作簿有 {limits.mb(size)}，超过 {limits.INPUT_BYTES.shown()} 的上限，不予读取 (input file over the "
            f"limit of {limits.INPUT_BYTES.env})",
            rel,
        )
    findings = officefile.inspect(file, "xlsx")
    if findings:
        raise DataInvalid(cluster_id, [Problem(f.code, f.message, location=Location(rel)) for f in findings])
    try:
        wb = _open(file, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged or non-xlsx file
        raise _refused(cluster_id, "E-XLSX-OPEN", f"无法打开工作簿 (cannot open workbook): {exc}", rel) from None
    filled = sum(len(getattr(ws, "_cells", ())) for ws in wb.worksheets)
    if filled > limits.VALUES():
        raise _refused(
            cluster_id,
            "E-LIMIT-VALUES",
            f"工作簿有 {filled} 个单元格，超过 {limits.VALUES.shown()} 的上限 (too many cells: {limits.VALUES.env})",
            rel,
        )
    return wb


def read(file: Path, cluster_id: str, root: Path | None = None) -> RawInput:
    """Read ``cluster.xlsx`` into the raw data YAML gives, with sheet and cell for every value."""
    rel = str(file.relative_to(root)) if root and file.is_relative_to(root) else str(file)
    return read_loaded(_workbook(file, cluster_id, rel), file, cluster_id, rel)


def schema_of(sheetnames: list[str]) -> tuple[Schema | None, list[str]]:
    """The schema whose layout the workbook's sheets are, and the sheets it misses (none when found).

    The layout with every sheet present (the most sheets, if several) wins; else the nearest, to name what is missing.
    """
    best: tuple[int, int, Schema | None, list[str]] = (-1, 0, None, [])
    for name in schemas.names():
        schema = schemas.get(name)
        if schema.workbook is None:
            continue
        titles = schema.workbook.titles
        missing = [t for t in titles if t not in sheetnames]
        rank = (0 if missing else 1, len(titles) - len(missing))
        if rank > best[:2]:
            best = (*rank, schema, missing)
    return best[2], best[3]


def read_loaded(wb: Any, file: Path, cluster_id: str, rel: str, cached: Any = None) -> RawInput:
    """The raw data of a workbook already opened (formulas as written) and checked; ``cached`` holds the
    formulas' cached values (loaded from ``file`` at the first formula when not given)."""
    r = _Reader(file, rel)
    r._cached = cached
    schema, missing = schema_of(list(wb.sheetnames))
    if schema is None or schema.workbook is None or missing:
        shown = "、".join(missing) or "（没有可读的工作表）"
        raise _refused(
            cluster_id, "E-XLSX-SHEET", f"缺少工作表 {shown}；请用 clusterpack init 生成的填报表 (missing sheets)", rel
        )
    data: dict[str, Any] = {}
    layout: Layout = schema.workbook
    for sheet in layout.sheets:
        ws = wb[sheet.title]
        r.merged(ws, sheet.title)
        if isinstance(sheet, Record):
            _record(r, ws, sheet, (schema.model, layout), data)
        elif isinstance(sheet, Grid):
            _grid(r, ws, sheet, schema.model, data)
        elif isinstance(sheet, Table):
            _table(r, ws, sheet, table_columns(schema.model, sheet, {}), data)
        elif isinstance(sheet, Sections):
            _sections(r, ws, sheet, data)
        else:
            _paragraphs(r, ws, sheet, paragraph_parts(schema.model, sheet), data)
    # Cell problems go on with the data, so validation reports them together with the model's own.
    return RawInput(cluster_id=cluster_id, file=file, data=data, locations=r.locations, problems=r.problems)


def _keyed_rows(r: _Reader, ws: Any, title: str, key_column: int, specs: dict[str, Spec]) -> list[tuple[Any, Spec]]:
    """The rows of a label/value sheet or a grid, each found by the key in ``key_column`` (1-based)."""
    out: list[tuple[Any, Spec]] = []
    seen: dict[str, str] = {}  # field key → the value cell of the row that first gave it
    last_row, _last_col = _extent(ws)
    for row in ws.iter_rows(min_row=2, max_row=max(2, last_row), max_col=key_column):
        key_cell = row[key_column - 1] if len(row) >= key_column else None
        key = str(key_cell.value).strip() if key_cell is not None and key_cell.value is not None else ""
        if not key or key_cell is None:
            continue
        spec = specs.get(key)
        if spec is None:
            r.problem(
                "E-XLSX-KEY",
                f"字段名 {key[:80]} 不认识，请勿修改“{KEY_HEADER}”一列 (unknown field key)",
                title,
                key_cell.coordinate,
            )
            continue
        value_cell = row[key_column - 2]  # the (last) value before the key: C on a label/value sheet
        if key in seen:  # two rows for one field: which one is meant cannot be guessed
            r.problem(
                "E-XLSX-DUPLICATE-KEY",
                f"字段 {spec.title}（{key}）在 {title}!{seen[key]} 和本行各填了一次；请删去多余的一行，并核对字段名一列"
                "未被改动 (the field appears in two rows)",
                title,
                value_cell.coordinate,
                key,
            )
            continue
        seen[key] = value_cell.coordinate
        out.append((row, spec))
    return out


def _record(r: _Reader, ws: Any, sheet: Record, where: tuple[type[BaseModel], Layout], data: dict[str, Any]) -> None:
    """Label/value rows: the value in C, found by the key in D."""
    model, layout = where
    specs = {s.key: s for _g, s in record_rows(model, sheet, layout, {})}
    for row, spec in _keyed_rows(r, ws, sheet.title, 4, specs):
        value = r.value(spec, row[2], sheet.title)
        r.locations[spec.path] = r.where(sheet.title, row[2].coordinate)
        if value is not None:
            put(data, spec.path, value)


def _grid(r: _Reader, ws: Any, sheet: Grid, model: type[BaseModel], data: dict[str, Any]) -> None:
    """The fields of one model as rows, one instance a column (B, C…), the key in the column after them."""
    specs = {s.key: s for s in grid_rows(model, sheet, {})}
    bases = [tuple(path.split(".")) for _header, path in sheet.columns]
    key_column = len(bases) + 2
    for j, (header, _path) in enumerate(sheet.columns, start=2):
        found = str(ws.cell(1, j).value or "").removesuffix(" *").strip()
        if found != header:
            r.problem(
                "E-XLSX-MISSING-COLUMN",
                f"第 {j} 列应为“{header}”，实为“{found[:40]}”；请恢复原表头 (a column of the grid moved)",
                sheet.title,
                ws.cell(1, j).coordinate,
            )
            return
    for base in bases:
        r.locations[base] = r.where(sheet.title, "A1")
    for row, spec in _keyed_rows(r, ws, sheet.title, key_column, specs):
        for j, base in enumerate(bases, start=1):
            path = (*base, *spec.path)
            value = r.value(spec, row[j], sheet.title, ".".join(path))
            r.locations[path] = r.where(sheet.title, row[j].coordinate)
            if value is not None:
                put(data, path, value)


def _columns(r: _Reader, ws: Any, title: str, specs: list[Spec]) -> dict[int, Spec]:
    """Header row 1 matched to the table's columns (by title and unit); unknown and missing ones said."""
    by_header = {s.header: s for s in specs}
    columns: dict[int, Spec] = {}
    _last_row, last_col = _extent(ws)
    for cell in next(ws.iter_rows(min_row=1, max_row=1, max_col=max(1, last_col))):
        if cell.value is None:
            continue
        header = str(cell.value).strip().removesuffix(" *").strip()
        spec = by_header.get(header)
        if spec is None:
            r.problem(
                "E-XLSX-EXTRA-COLUMN",
                f"多出的列“{header[:80]}”不认识；请删除该列或恢复原表头 (unexpected column)",
                title,
                cell.coordinate,
            )
        else:
            columns[cell.column] = spec
    for spec in specs:
        if spec not in columns.values() and spec.required:
            r.problem("E-XLSX-MISSING-COLUMN", f"缺少列“{spec.header}” (missing column)", title, "A1")
    return columns


def _table(r: _Reader, ws: Any, sheet: Table, specs: list[Spec], data: dict[str, Any]) -> None:
    """A table sheet: one item a row from row 2, under the header of row 1."""
    columns = _columns(r, ws, sheet.title, specs)
    items: list[dict[str, Any]] = []
    base = tuple(sheet.path.split("."))
    max_rows = limits.ROWS()
    last_row, last_col = _extent(ws)
    for row in ws.iter_rows(min_row=2, max_row=max(2, last_row), max_col=max(1, last_col)):
        cells = [c for c in row if c.column in columns]
        if all(c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in cells):
            continue
        if len(items) == max_rows:
            r.problem(*limits.rows_over(max_rows), sheet.title, f"A{row[0].row}", ".".join((*base, str(max_rows))))
            break
        item: dict[str, Any] = {}
        index = len(items)
        r.locations[(*base, index)] = r.where(sheet.title, f"A{row[0].row}")
        for c in cells:
            spec = columns[c.column]
            value = r.value(spec, c, sheet.title, ".".join((*base, str(index), *spec.path)))
            r.locations[(*base, index, *spec.path)] = r.where(sheet.title, c.coordinate)
            if value is not None:
                put(item, spec.path, value)
        items.append(item)
    if items:
        put(data, base, items)
    r.locations.setdefault(base, r.where(sheet.title, "A1"))


def _text_rows(r: _Reader, ws: Any, title: str, key: str) -> list[tuple[Any, str | None, str | None]]:
    """The filled rows of a two-column text sheet: (row, A's text, B's text), within the row limit."""
    out: list[tuple[Any, str | None, str | None]] = []
    last_row, _last_col = _extent(ws)
    max_rows = limits.ROWS()
    for row in ws.iter_rows(min_row=2, max_row=max(2, last_row), max_col=2):
        head, para = (r.raw(c, title, key) for c in row)
        a = str(head).strip() if head is not None and str(head).strip() else None
        b = str(para).strip() if para is not None and str(para).strip() else None
        if a is None and b is None:
            continue
        if len(out) == max_rows:
            r.problem(*limits.rows_over(max_rows), title, row[0].coordinate, key)
            break
        out.append((row, a, b))
    return out


def _no_heading(r: _Reader, title: str, cell: str, what: str) -> None:
    r.problem("E-XLSX-NO-HEADING", f"第一段之前没有{what}，请在 A 列填写 (paragraph before any heading)", title, cell)


def _sections(r: _Reader, ws: Any, sheet: Sections, data: dict[str, Any]) -> None:
    """A long text: A = heading (starts a section), B = paragraph; one row each."""
    sections: list[dict[str, Any]] = []
    base = tuple(sheet.path.split("."))
    for row, head, para in _text_rows(r, ws, sheet.title, sheet.path):
        if head is not None:
            sections.append({sheet.heading: head, sheet.body: []})
            r.locations[(*base, len(sections) - 1, sheet.heading)] = r.where(sheet.title, row[0].coordinate)
        if para is None:
            continue
        if not sections:
            _no_heading(r, sheet.title, row[1].coordinate, "章节标题")
            continue
        n = len(sections) - 1
        r.locations[(*base, n, sheet.body, len(sections[n][sheet.body]))] = r.where(sheet.title, row[1].coordinate)
        sections[n][sheet.body].append(para)
    r.locations[base] = r.where(sheet.title, "A1")
    if sections:
        put(data, base, sections)


def _paragraphs(
    r: _Reader, ws: Any, sheet: Paragraphs, parts: list[tuple[str, str, bool]], data: dict[str, Any]
) -> None:
    """Several lists of paragraphs: A names the part (its title) on its first paragraph, B one paragraph a row."""
    by_title = {name_key(title): tuple(path.split(".")) for title, path, _required in parts}
    found: dict[tuple[str, ...], list[str]] = {}
    current: tuple[str, ...] | None = None
    for base in by_title.values():
        r.locations[base] = r.where(sheet.title, "A1")
    for row, head, para in _text_rows(r, ws, sheet.title, sheet.title):
        if head is not None:
            current = by_title.get(name_key(head))
            if current is None:
                choices = "、".join(t for t, _p, _r in parts)
                r.problem(
                    "E-XLSX-PART",
                    f"A 列的“{head[:40]}”不是本表的部分名称；请从下拉列表选择：{choices} (unknown part)",
                    sheet.title,
                    row[0].coordinate,
                )
                continue
        if para is None or current is None:
            if para is not None and head is None:
                _no_heading(r, sheet.title, row[1].coordinate, "部分名称")
            continue
        paragraphs = found.setdefault(current, [])
        r.locations[(*current, len(paragraphs))] = r.where(sheet.title, row[1].coordinate)
        paragraphs.append(para)
    for path, paragraphs in found.items():
        put(data, path, paragraphs)
