"""The operator's Excel workbook, made from the model; ``workbook_read`` reads it back.

Layout (``SHEETS``): a 填表说明 sheet; 基本信息 as label/value rows (column D holds the field key
the loader goes by); one table sheet per list (header = title and unit); and the long texts
(发展情况简介, 发展规划) one paragraph per row. Cells are read as text and converted by the model;
every value remembers its sheet and cell for error messages (``基本信息!C7``)."""

from __future__ import annotations

import datetime as dt
import types
import typing
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from pipeline.core import repro
from pipeline.core.fields import ClusterData, Lookup, Unit
from pipeline.core.units import MONEY_UNITS
from pipeline.kits.xlsxsafe import as_data, put

Kind = Literal["text", "int", "decimal", "date", "bool", "choice", "money", "list"]


RECORD_GROUPS = [
    "programme",
    "cluster",
    "applicant",
    "indicators",
    "informatisation",
    "plan",
    "declaration",
    "relaxation",
]


TABLES = [("龙头骨干企业", "enterprises"), ("品牌与荣誉", "brands"), ("媒体报道", "media"), ("创新与服务平台", "platforms"),
          ("发展目标", "plan.targets"), ("佐证材料", "attachments")]  # fmt: skip


TEXTS = [("发展情况简介", "profile.sections"), ("发展规划", "plan.sections")]


RECORD = "基本信息"


GUIDE = "填表说明"


THIN = Side(style="thin", color="999999")


BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")


KEY_FILL = PatternFill("solid", fgColor="F2F2F2")


@dataclass(frozen=True)
class Spec:
    """One fillable field: where it goes in the model and how a cell shows it."""

    path: tuple[str, ...]
    title: str
    kind: Kind
    required: bool
    unit: str | None = None
    choices: tuple[str, ...] = ()
    lookup: dict[str, str] | None = None

    @property
    def header(self) -> str:
        return f"{self.title}（{self.unit}）" if self.unit else self.title

    @property
    def key(self) -> str:
        return ".".join(self.path)


def _spec(path: tuple[str, ...], info: FieldInfo) -> Spec | None:
    """The Spec of a scalar field, or None for nested models and lists of models."""
    ann: Any = info.annotation
    meta: list[Any] = list(info.metadata)
    optional = False
    while True:
        origin = typing.get_origin(ann)
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(ann) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(ann))
            ann = args[0]
        elif origin is typing.Annotated:
            base, *extra = typing.get_args(ann)
            meta.extend(extra)
            ann = base
        else:
            break
    required = info.is_required() and not optional
    title = info.title or path[-1]
    unit = next((m for m in meta if isinstance(m, Unit)), None)
    lookup = next((m for m in meta if isinstance(m, Lookup)), None)
    if unit:
        return Spec(path, title, "money", required, unit=str(unit))
    if lookup is not None:
        return Spec(path, title, "choice", required, choices=tuple(lookup), lookup=dict(lookup))
    if typing.get_origin(ann) is Literal:
        return Spec(path, title, "choice", required, choices=tuple(str(a) for a in typing.get_args(ann)))
    if typing.get_origin(ann) is list:
        (item,) = typing.get_args(ann)
        return None if isinstance(item, type) and issubclass(item, BaseModel) else Spec(path, title, "list", required)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return None
    kind: Kind = {bool: "bool", int: "int", Decimal: "decimal", dt.date: "date"}.get(ann, "text")  # type: ignore[assignment]
    return Spec(path, title, kind, required, choices=("是", "否") if kind == "bool" else ())


def _model_at(path: str) -> type[BaseModel]:
    model: Any = ClusterData
    for step in path.split("."):
        ann = model.model_fields[step].annotation
        for arg in (*typing.get_args(ann), ann):
            inner = typing.get_args(arg)[0] if typing.get_origin(arg) is list else arg
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                model = inner
                break
    return model


def record_specs() -> list[tuple[str, list[Spec]]]:
    """基本信息: (group title, its scalar fields) for each group."""
    groups = []
    for name in RECORD_GROUPS:
        info = ClusterData.model_fields[name]
        spec = _spec((name,), info)
        if spec is not None:
            groups.append((info.title or name, [spec]))
            continue
        model = _model_at(name)
        specs = [s for f, i in model.model_fields.items() if (s := _spec((name, f), i)) is not None]
        if not info.is_required():  # an optional group: every field optional in the sheet
            specs = [Spec(s.path, s.title, s.kind, False, s.unit, s.choices, s.lookup) for s in specs]
        groups.append((info.title or name, specs))
    return groups


def table_specs(path: str) -> list[Spec]:
    model = _model_at(path)
    return [s for f, i in model.model_fields.items() if (s := _spec((f,), i)) is not None]


def _display(spec: Spec, value: Any) -> Any:
    """A model value as the cell shows it."""
    if value is None:
        return None
    if spec.kind == "money":
        return float(Decimal(value) / MONEY_UNITS[spec.unit or "万元"])
    if spec.kind == "choice" and spec.lookup:
        return next((name for name, code in spec.lookup.items() if code == value), value)
    if spec.kind == "bool":
        return "是" if value else "否"
    if spec.kind == "list":
        return "、".join(value)
    if spec.kind == "decimal":
        return float(value)
    return value


def _validation(ws: Any, spec: Spec, ref: str) -> None:
    if spec.choices:
        dv = DataValidation(type="list", formula1='"' + ",".join(spec.choices) + '"', allow_blank=not spec.required)
        dv.error, dv.errorTitle = "请从下拉列表中选择", "取值不在列表中"
    elif spec.kind in ("int", "money", "decimal"):
        dv = DataValidation(
            type="decimal" if spec.kind != "int" else "whole", operator="greaterThanOrEqual", formula1="0"
        )
        dv.error, dv.errorTitle = "请填数字（不带单位和千分位）", "应为数字"
    elif spec.kind == "date":
        dv = DataValidation(type="date", operator="greaterThan", formula1="1")
        dv.error, dv.errorTitle = "请填日期，如 2024-06-14", "应为日期"
    else:
        dv = DataValidation(allow_blank=True)
    dv.showErrorMessage = spec.kind != "text"
    dv.errorStyle = "warning"  # Excel warns; the tool is the judge, and says which cell is wrong
    prompt = _prompt(spec)
    if prompt:
        dv.promptTitle, dv.prompt, dv.showInputMessage = spec.title[:32], prompt[:250], True
    ws.add_data_validation(dv)
    dv.add(ref)


def _prompt(spec: Spec) -> str:
    if spec.kind == "money":
        return f"单位：{spec.unit}。填数字即可，如 186.45；也可写 1,234.5万元 这样带单位的金额，会按单位换算。"
    if spec.path[-1] == "credit_code":
        return "18位统一社会信用代码（GB 32100），工具会校验两级校验码。"
    if spec.kind == "date":
        return "日期，如 2024-06-14。"
    if spec.path[-1] == "city":
        return "从下拉列表选择所在市（山东省16市）。"
    return "必填。" if spec.required else ""


def _style_header(cell: Cell) -> None:
    cell.font = Font(name="黑体", bold=True)
    cell.fill = HEAD_FILL
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    cell.border = BOX


def _width(text: str) -> float:
    return sum(2.1 if ord(c) > 0x2E80 else 1.1 for c in text) + 2


def write(data: ClusterData | None, out: Path, programme_title: str, notice: str, programme_id: str) -> Path:
    """A workbook for ``data`` (or an empty one to fill in, for ``init``)."""
    wb = Workbook()
    guide = wb.active
    guide.title = GUIDE
    _guide(guide, programme_title, notice)
    dump = data.model_dump() if data is not None else {"programme": programme_id}

    # the sheets, in the order the reader finds them: 基本信息, one per list, one per long text
    _record_sheet(wb, dump)
    for title, path in TABLES:
        _table_sheet(wb, title, path, dump)
    for title, path in TEXTS:
        _text_sheet(wb, title, path, dump)
    _print_setup(guide, title_rows=False)

    # every cell was written with put(); as_data is the guarantee; the file is reproducible
    as_data(wb)
    wb.properties.created = wb.properties.modified = repro.instant().replace(tzinfo=None)
    wb.save(out)
    repro.fixed_zip(out)
    return out


def _record_sheet(wb: Workbook, dump: dict[str, Any]) -> None:
    """基本信息: one row per scalar field, its group, label, value and field key."""
    ws = wb.create_sheet(RECORD)
    for j, (text, width) in enumerate((("分组", 16), ("项目", 30), ("填写", 60), ("字段（请勿修改）", 30)), start=1):
        _style_header(put(ws, 1, j, text))
        ws.column_dimensions[get_column_letter(j)].width = width
    row = 2
    for group, specs in record_specs():
        for spec in specs:
            put(ws, row, 1, group).font = Font(bold=True)
            label = put(ws, row, 2, spec.header + (" *" if spec.required else ""))
            value = put(ws, row, 3, _display(spec, _get(dump, spec.path)))
            value.alignment = Alignment(wrap_text=True, vertical="top")
            if spec.kind == "date":
                value.number_format = "yyyy-mm-dd"
            key = put(ws, row, 4, spec.key)
            key.fill, key.font = KEY_FILL, Font(color="808080")
            for c in (ws.cell(row, 1), label, value, key):
                c.border = BOX
            _validation(ws, spec, f"C{row}")
            row += 1
    ws.freeze_panes = "C2"
    _print_setup(ws)


def _table_sheet(wb: Workbook, title: str, path: str, dump: dict[str, Any]) -> None:
    """One list as a table: a header of titles and units, one row per item, columns as wide as their text."""
    specs = table_specs(path)
    ts = wb.create_sheet(title)
    for j, spec in enumerate(specs, start=1):
        _style_header(put(ts, 1, j, spec.header + (" *" if spec.required else "")))
        ts.column_dimensions[get_column_letter(j)].width = max(10, min(40, _width(spec.header)))
        _validation(ts, spec, f"{get_column_letter(j)}2:{get_column_letter(j)}200")
    widths = [_width(spec.header) for spec in specs]
    for i, item in enumerate(_get(dump, tuple(path.split("."))) or [], start=2):
        for j, spec in enumerate(specs, start=1):
            cell = put(ts, i, j, _display(spec, item.get(spec.path[0])))
            cell.border = BOX
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            widths[j - 1] = max(widths[j - 1], _width(str(cell.value or "")))
            if spec.kind == "date":
                cell.number_format = "yyyy-mm-dd"
    for j, chars in enumerate(widths, start=1):
        ts.column_dimensions[get_column_letter(j)].width = max(10.0, min(36.0, chars))
    ts.freeze_panes = "A2"
    ts.row_dimensions[1].height = 32
    _print_setup(ts)


def _text_sheet(wb: Workbook, title: str, path: str, dump: dict[str, Any]) -> None:
    """A long text, one paragraph per row; each section's heading beside its first paragraph."""
    xs = wb.create_sheet(title)
    for j, (text, width) in enumerate((("章节标题（每章第一段填写）", 28), ("段落（每行一段）", 110)), start=1):
        _style_header(put(xs, 1, j, text))
        xs.column_dimensions[get_column_letter(j)].width = width
    r = 2
    for section in _get(dump, tuple(path.split("."))) or []:
        for k, para in enumerate(section["paragraphs"]):
            if k == 0:
                put(xs, r, 1, section["heading"])
            put(xs, r, 2, para).alignment = Alignment(wrap_text=True, vertical="top")
            r += 1
    xs.freeze_panes = "A2"
    _print_setup(xs)


def _print_setup(ws: Any, title_rows: bool = True) -> None:
    """Landscape A4, as wide as the page, header row on every printed page (Excel, WPS, Calc)."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = "1:1"


def _guide(ws: Any, programme_title: str, notice: str) -> None:
    lines = [
        (f"{programme_title} 申报数据填报表", True),
        (f"依据：{notice}。填好后运行 make bundle CLUSTER=<集群编号> 生成申报材料。", False),
        ("", False),
        ("各工作表", True),
        ("基本信息：集群、申报单位、主要经济指标等，每行一项，在 C 列填写；D 列是字段名，请勿修改。", False),
        ("龙头骨干企业、品牌与荣誉、媒体报道、创新与服务平台、发展目标、佐证材料：每行一条，表头写明单位。", False),
        ("发展情况简介、发展规划：每行一段；每章第一段在 A 列写章节标题。简介不超过3000字（按 Word 字数）。", False),
        ("", False),
        ("单位与格式", True),
        ("集群总额（营业收入、利润、税收等）以亿元填写，企业营业收入以万元填写；只填数字，不加千分位。", False),
        ("数据口径为上一年度统计数据；日期写成 2024-06-14；带 * 的是必填项；下拉列表的格子请从列表中选择。", False),
        ("统一社会信用代码为18位，工具会按 GB 32100 和 GB 11714 校验；文号用六角括号，如 鲁工信发〔2020〕5号。", False),
        (
            "佐证材料的文件放在 inputs/<集群编号>/attachments/ 下，在“佐证材料”表中填文件名；敏感材料填“是”则不进入申报材料。",
            False,
        ),
        ("", False),
        ("出错时，工具会指出工作表和单元格（如 基本信息!C7）以及字段名。", False),
    ]
    for i, (text, bold) in enumerate(lines, start=1):
        cell = put(ws, i, 1, text)
        cell.font = Font(name="黑体" if bold else "宋体", bold=bold, size=14 if i == 1 else 11)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 100


def _get(data: Any, path: tuple[str, ...]) -> Any:
    for step in path:
        if data is None:
            return None
        data = data.get(step) if isinstance(data, dict) else None
    return data


def to_plain(model: ClusterData) -> dict[str, Any]:
    """The model as YAML-ready data: amounts with their unit (186.45亿元), dates as ISO text."""

    def walk(obj: BaseModel) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, info in type(obj).model_fields.items():
            value = getattr(obj, name)
            if value is None or value == [] and not info.is_required():
                continue
            spec = _spec((name,), info)
            if isinstance(value, BaseModel):
                out[name] = walk(value)
            elif isinstance(value, list):
                out[name] = [walk(v) if isinstance(v, BaseModel) else v for v in value]
            elif spec is not None and spec.kind == "money":  # exact, in the unit people type it in
                unit = spec.unit or "万元"
                out[name] = f"{(value / MONEY_UNITS[unit]).normalize():f}{unit}"
            elif isinstance(value, Decimal):
                out[name] = float(value) if Decimal(str(float(value))) == value else str(value)
            elif isinstance(value, dt.date):
                out[name] = value.isoformat()
            else:
                out[name] = value
        return out

    return walk(model)
