"""Reading the operator's workbook back into the raw data YAML gives, with sheet and cell for every value.

Cells are read as text and converted by the model; structural mistakes (a merged cell, an extra
column, a unit other than the column's) are reported with their cell, together with the model's own."""

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

from pipeline.core import limits
from pipeline.core.raw import RawInput
from pipeline.core.units import MONEY_UNITS
from pipeline.errors import DataInvalid, Location, Problem
from pipeline.forms.workbook import RECORD, TABLES, TEXTS, Spec, record_specs, table_specs
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
        cached = self._cached[sheet][cell.coordinate].value if sheet in self._cached.sheetnames else None
        shown = str(getattr(cell.value, "text", cell.value))[:80]
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

    def raw(self, cell: Cell, sheet: str, key: str) -> Any:
        """What the cell holds: its value, a formula's cached value, None for a refused text."""
        v = cell.value
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
            return text if spec.kind in ("text", "choice", "list", "int", "decimal") else v
        text = str(v).strip()
        if spec.kind in ("int", "decimal", "money"):
            text = unicodedata.normalize("NFKC", text).replace(",", "").replace(" ", "")
        if spec.kind == "money":
            # a unit written in the cell is the amount's own (converted, and said); a bare number is the column's
            typed = next((u for u in MONEY_UNITS if text.endswith(u)), None)
            return text if typed else {"value": text, "unit": spec.unit}
        if spec.kind == "int" and text.endswith(("户", "家", "人", "个")):
            return text[:-1]
        if spec.kind == "bool":
            return {"是": True, "否": False}.get(text, text)
        if spec.kind == "choice" and spec.lookup:
            return spec.lookup.get(text, text)
        if spec.kind == "list":
            return [t.strip() for t in text.replace("，", "、").split("、") if t.strip()]
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


def read_loaded(wb: Any, file: Path, cluster_id: str, rel: str, cached: Any = None) -> RawInput:
    """The raw data of a workbook already opened (formulas as written) and checked; ``cached`` holds the
    formulas' cached values (loaded from ``file`` at the first formula when not given)."""
    r = _Reader(file, rel)
    r._cached = cached
    needed = [RECORD, *(t for t, _ in TABLES), *(t for t, _ in TEXTS)]
    missing = [name for name in needed if name not in wb.sheetnames]
    if missing:
        raise _refused(cluster_id, "E-XLSX-SHEET", f"缺少工作表 {'、'.join(missing)} (missing sheets)", rel)
    data: dict[str, Any] = {}
    _record(r, wb[RECORD], data)
    for title, path in TABLES:
        _table(r, wb[title], title, path, data)
    for title, path in TEXTS:
        _texts(r, wb[title], title, path, data)
    # Cell problems go on with the data, so validation reports them together with the model's own.
    return RawInput(cluster_id=cluster_id, file=file, data=data, locations=r.locations, problems=r.problems)


def _record(r: _Reader, ws: Any, data: dict[str, Any]) -> None:
    """基本信息: rows found by the key in column D."""
    specs = {s.key: s for _g, group in record_specs() for s in group}
    r.merged(ws, RECORD)
    seen: dict[str, str] = {}  # field key → the cell of the row that first gave it
    last_row, _last_col = _extent(ws)
    for row in ws.iter_rows(min_row=2, max_row=max(2, last_row), max_col=4):
        key_cell = row[3] if len(row) > 3 else None
        key = str(key_cell.value).strip() if key_cell is not None and key_cell.value else ""
        if not key or key_cell is None:
            continue
        spec = specs.get(key)
        if spec is None:
            r.problem(
                "E-XLSX-KEY",
                f"D 列的字段名 {key[:80]} 不认识，请勿修改 D 列 (unknown field key)",
                RECORD,
                key_cell.coordinate,
            )
            continue
        if key in seen:  # two rows for one field: which one is meant cannot be guessed
            r.problem(
                "E-XLSX-DUPLICATE-KEY",
                f"字段 {spec.title}（{key}）在 {RECORD}!{seen[key]} 和本行各填了一次；请删去多余的一行，"
                "并核对 D 列未被改动 (the field appears in two rows)",
                RECORD,
                row[2].coordinate,
                key,
            )
            continue
        seen[key] = row[2].coordinate
        value = r.value(spec, row[2], RECORD)
        r.locations[spec.path] = r.where(RECORD, row[2].coordinate)
        if value is not None:
            _put(data, spec.path, value)
    for group in ("relaxation",):  # an optional group left empty is absent
        if group in data and not data[group]:
            del data[group]


def _table(r: _Reader, ws: Any, title: str, path: str, data: dict[str, Any]) -> None:
    """A table sheet: header row 1 must be the expected columns; one item a row from row 2."""
    specs_t = table_specs(path)
    by_header = {s.header: s for s in specs_t}
    columns: dict[int, Spec] = {}
    last_row, last_col = _extent(ws)
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
    for spec in specs_t:
        if spec not in columns.values() and spec.required:
            r.problem("E-XLSX-MISSING-COLUMN", f"缺少列“{spec.header}” (missing column)", title, "A1")
    r.merged(ws, title)
    items: list[dict[str, Any]] = []
    base = tuple(path.split("."))
    max_rows = limits.ROWS()
    for row in ws.iter_rows(min_row=2, max_row=max(2, last_row), max_col=max(1, last_col)):
        cells = [c for c in row if c.column in columns]
        if all(c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in cells):
            continue
        if len(items) == max_rows:
            r.problem(
                *limits.rows_over(max_rows),
                title,
                f"A{row[0].row}",
                ".".join((*base, str(max_rows))),
            )
            break
        item: dict[str, Any] = {}
        index = len(items)
        r.locations[(*base, index)] = r.where(title, f"A{row[0].row}")
        for c in cells:
            spec = columns[c.column]
            value = r.value(spec, c, title, ".".join((*base, str(index), spec.path[0])))
            r.locations[(*base, index, spec.path[0])] = r.where(title, c.coordinate)
            if value is not None:
                item[spec.path[0]] = value
        items.append(item)
    if items:
        _put(data, base, items)
    r.locations.setdefault(base, r.where(title, "A1"))


def _texts(r: _Reader, ws: Any, title: str, path: str, data: dict[str, Any]) -> None:
    """A long text: A = heading (starts a section), B = paragraph; one row each."""
    sections: list[dict[str, Any]] = []
    base = tuple(path.split("."))
    last_row, _last_col = _extent(ws)
    max_rows, rows = limits.ROWS(), 0
    for row in ws.iter_rows(min_row=2, max_row=max(2, last_row), max_col=2):
        key = ".".join((*base, str(max(0, len(sections) - 1))))
        head, para = (r.raw(c, title, key) for c in row)
        if (head is None or not str(head).strip()) and (para is None or not str(para).strip()):
            continue
        rows += 1
        if rows > max_rows:
            r.problem(
                *limits.rows_over(max_rows),
                title,
                row[0].coordinate,
                key,
            )
            break
        if head is not None and str(head).strip():
            sections.append({"heading": str(head).strip(), "paragraphs": []})
            r.locations[(*base, len(sections) - 1, "heading")] = r.where(title, row[0].coordinate)
        if para is not None and str(para).strip():
            if not sections:
                r.problem(
                    "E-XLSX-NO-HEADING",
                    "第一段之前没有章节标题，请在 A 列填写 (paragraph before any heading)",
                    title,
                    row[1].coordinate,
                )
                continue
            n = len(sections) - 1
            r.locations[(*base, n, "paragraphs", len(sections[n]["paragraphs"]))] = r.where(title, row[1].coordinate)
            sections[n]["paragraphs"].append(str(para).strip())
    r.locations[base] = r.where(title, "A1")
    if sections:
        _put(data, base, sections)


def _put(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for step in path[:-1]:
        data = data.setdefault(step, {})
    data[path[-1]] = value
