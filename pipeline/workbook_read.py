"""Reading the operator's workbook back into the raw data YAML gives, with sheet and cell for every value.

Cells are read as text and converted by the model; structural mistakes (a merged cell, an extra
column, a unit other than the column's) are reported with their cell, together with the model's own.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.cell.cell import Cell

from .errors import DataInvalid, Location, Problem
from .load import RawInput
from .units import MONEY_UNITS
from .workbook import RECORD, TABLES, TEXTS, Spec, record_specs, table_specs


class _Reader:
    def __init__(self, file: Path, rel: str) -> None:
        self.rel = rel
        self.locations: dict[tuple[str | int, ...], Location] = {}
        self.problems: list[Problem] = []

    def where(self, sheet: str, cell: str) -> Location:
        return Location(self.rel, sheet=sheet, cell=cell)

    def problem(self, code: str, message: str, sheet: str, cell: str, key: str = "") -> None:
        self.problems.append(Problem(code, message, field=key, location=self.where(sheet, cell)))

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

    def value(self, spec: Spec, cell: Cell, sheet: str) -> Any:
        """A cell as the raw value the model converts; None for an empty cell."""
        v = cell.value
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
            typed = next((u for u in MONEY_UNITS if text.endswith(u)), None)
            if typed and typed != spec.unit:
                self.problem(
                    "E-XLSX-UNIT",
                    f"此列单位是{spec.unit}，单元格写的是 {v}；请换算成{spec.unit}后只填数字 (unit differs from the column's)",
                    sheet,
                    cell.coordinate,
                    spec.key,
                )
                return None
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


def read(file: Path, cluster_id: str, root: Path | None = None) -> RawInput:
    """Read ``cluster.xlsx`` into the raw data YAML gives, with sheet and cell for every value."""
    rel = str(file.relative_to(root)) if root and file.is_relative_to(root) else str(file)
    r = _Reader(file, rel)
    try:
        wb = load_workbook(file, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged or non-xlsx file
        raise DataInvalid(
            cluster_id,
            [Problem("E-XLSX-OPEN", f"无法打开工作簿 (cannot open workbook): {exc}", location=Location(rel))],
        ) from None
    data: dict[str, Any] = {}
    needed = [RECORD, *(t for t, _ in TABLES), *(t for t, _ in TEXTS)]
    missing = [name for name in needed if name not in wb.sheetnames]
    if missing:
        raise DataInvalid(
            cluster_id,
            [Problem("E-XLSX-SHEET", f"缺少工作表 {'、'.join(missing)} (missing sheets)", location=Location(rel))],
        )
    # 基本信息: rows found by the key in column D
    ws = wb[RECORD]
    specs = {s.key: s for _g, group in record_specs() for s in group}
    r.merged(ws, RECORD)
    seen: dict[str, str] = {}  # field key → the cell of the row that first gave it
    for row in ws.iter_rows(min_row=2):
        key_cell = row[3] if len(row) > 3 else None
        key = str(key_cell.value).strip() if key_cell is not None and key_cell.value else ""
        if not key or key_cell is None:
            continue
        spec = specs.get(key)
        if spec is None:
            r.problem(
                "E-XLSX-KEY",
                f"D 列的字段名 {key} 不认识，请勿修改 D 列 (unknown field key)",
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
    # tables: header row 1 must be the expected columns; rows from 2
    for title, path in TABLES:
        ws = wb[title]
        specs_t = table_specs(path)
        by_header = {s.header: s for s in specs_t}
        columns: dict[int, Spec] = {}
        for cell in ws[1]:
            if cell.value is None:
                continue
            header = str(cell.value).strip().removesuffix(" *").strip()
            spec = by_header.get(header)
            if spec is None:
                r.problem(
                    "E-XLSX-EXTRA-COLUMN",
                    f"多出的列“{header}”不认识；请删除该列或恢复原表头 (unexpected column)",
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
        for row in ws.iter_rows(min_row=2):
            cells = [c for c in row if c.column in columns]
            if all(c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in cells):
                continue
            item: dict[str, Any] = {}
            index = len(items)
            r.locations[(*base, index)] = r.where(title, f"A{row[0].row}")
            for c in cells:
                spec = columns[c.column]
                value = r.value(spec, c, title)
                r.locations[(*base, index, spec.path[0])] = r.where(title, c.coordinate)
                if value is not None:
                    item[spec.path[0]] = value
            items.append(item)
        if items:
            _put(data, base, items)
        r.locations.setdefault(base, r.where(title, "A1"))
    # long texts: A = heading (starts a section), B = paragraph
    for title, path in TEXTS:
        ws = wb[title]
        sections: list[dict[str, Any]] = []
        base = tuple(path.split("."))
        for row in ws.iter_rows(min_row=2, max_col=2):
            head, para = (c.value for c in row)
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
                r.locations[(*base, n, "paragraphs", len(sections[n]["paragraphs"]))] = r.where(
                    title, row[1].coordinate
                )
                sections[n]["paragraphs"].append(str(para).strip())
        r.locations[base] = r.where(title, "A1")
        if sections:
            _put(data, base, sections)
    # Cell problems go on with the data, so validation reports them together with the model's own.
    return RawInput(cluster_id=cluster_id, file=file, data=data, locations=r.locations, problems=r.problems)


def _put(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for step in path[:-1]:
        data = data.setdefault(step, {})
    data[path[-1]] = value
