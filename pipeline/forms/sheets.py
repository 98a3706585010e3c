"""What each cell of a workbook holds, resolved from a model and its layout (``core.layout``).

A ``Spec`` is one fillable field: where it goes in the model, how a cell shows it, and the one
sentence (``hint``) that says how to write it: the cell's input message, its alert and the
填表说明 sheet all say that sentence, and it is what the reader (``workbook_read``) accepts."""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from pipeline.core.fields import FromProgramme, Hint, Lookup, unit_of, unwrap
from pipeline.core.layout import Grid, Layout, Paragraphs, Record, Sections, Table
from pipeline.core.units import MONEY_UNITS
from pipeline.core.written import BOOL_HOW, COUNT_HOW

Kind = Literal["text", "int", "decimal", "date", "bool", "choice", "money", "list", "lines", "names"]

# Closed lists that come from the programme, not the model: name → {shown title: stored id}.
Lookups = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class Spec:
    """One fillable field: its path (a Record's full key; a Table's, a Grid's within the item), how a cell shows it."""

    path: tuple[str, ...]
    title: str
    kind: Kind
    required: bool
    unit: str | None = None
    choices: tuple[str, ...] = ()
    lookup: Mapping[str, str] | None = None  # shown name → stored value (市名 → 370700; a title → a category id)
    note: str = ""  # the field type's own sentence (a credit code's, a 文号's)

    @property
    def header(self) -> str:
        return f"{self.title}（{self.unit}）" if self.unit else self.title

    @property
    def label(self) -> str:
        """The header as a sheet shows it: ``营业收入（亿元） *`` for a required field."""
        return self.header + (" *" if self.required else "")

    @property
    def key(self) -> str:
        return ".".join(self.path)


def _is_model(ann: Any) -> bool:
    return isinstance(ann, type) and issubclass(ann, BaseModel)


def _one_or_list(annotation: Any) -> bool:
    """Whether a field takes one text or a list of them (a programme id, or a list of them)."""
    stack = [annotation]
    while stack:
        ann = stack.pop()
        origin = typing.get_origin(ann)
        if origin is typing.Annotated:
            stack.append(typing.get_args(ann)[0])
        elif origin in (typing.Union, types.UnionType):
            args = typing.get_args(ann)
            return any(typing.get_origin(a) is list for a in args) and not all(
                typing.get_origin(a) is list for a in args
            )
    return False


def spec_of(path: tuple[str, ...], info: FieldInfo, lookups: Lookups, lines: bool = False) -> Spec | None:
    """The Spec of a scalar field, or None for a model and a list of models (they have sheets or columns of their own)."""
    core, meta, optional = unwrap(info.annotation)
    meta = [*info.metadata, *meta]
    required = info.is_required() and not optional
    title = info.title or path[-1]
    note = next((str(m) for m in meta if isinstance(m, Hint)), "")
    base = Spec(path, title, "text", required, note=note)
    unit = unit_of(info)
    lookup = next((m for m in meta if isinstance(m, Lookup)), None)
    listed = next((lookups.get(m) for m in meta if isinstance(m, FromProgramme)), None)
    if unit:
        return replace(base, kind="money", unit=unit)
    if lookup is not None or listed:
        names = dict(lookup if lookup is not None else listed or {})
        return replace(base, kind="choice", choices=tuple(names), lookup=names)
    if typing.get_origin(core) is Literal:
        return replace(base, kind="choice", choices=tuple(str(a) for a in typing.get_args(core)))
    if _one_or_list(info.annotation):
        return replace(base, kind="names")
    if typing.get_origin(core) is list:
        (item,) = typing.get_args(core)
        return None if _is_model(unwrap(item)[0]) else replace(base, kind="lines" if lines else "list")
    if _is_model(core):
        return None
    kind: Kind = {bool: "bool", int: "int", Decimal: "decimal", dt.date: "date"}.get(core, "text")  # type: ignore[assignment]
    return replace(base, kind=kind, choices=("是", "否") if kind == "bool" else ())


def field_at(model: type[BaseModel], path: str) -> FieldInfo:
    """The field at a dotted path (a list's item model is stepped into)."""
    current: Any = model
    info: FieldInfo | None = None
    for step in path.split("."):
        info = current.model_fields[step]
        current = model_of(info)
    assert info is not None
    return info


def model_of(info: FieldInfo) -> type[BaseModel] | None:
    """The model a field holds (itself, in a list, or optional), None for a scalar."""
    core, _meta, _optional = unwrap(info.annotation)
    if typing.get_origin(core) is list:
        core = unwrap(typing.get_args(core)[0])[0]
    return core if _is_model(core) else None


def model_at(model: type[BaseModel], path: str) -> type[BaseModel]:
    """The model at a dotted path; ``KeyError`` when it holds none (a broken layout)."""
    inner = model_of(field_at(model, path))
    if inner is None:
        raise KeyError(f"{path} holds no model")
    return inner


def placed(layout: Layout) -> set[str]:
    """The paths that sheets other than Records hold: left out of their group's label/value rows."""
    out: set[str] = set()
    for sheet in layout.sheets:
        if isinstance(sheet, (Table, Sections)):
            out.add(sheet.path)
        elif isinstance(sheet, Paragraphs):
            out.update(sheet.paths)
        elif isinstance(sheet, Grid):
            out.update(path for _header, path in sheet.columns)
    return out


def record_rows(model: type[BaseModel], sheet: Record, layout: Layout, lookups: Lookups) -> list[tuple[str, Spec]]:
    """A Record sheet's rows: (the group's title, the Spec of one of its scalar fields)."""
    rows: list[tuple[str, Spec]] = []
    elsewhere = placed(layout)
    for group in sheet.groups:
        info = field_at(model, group)
        single = spec_of(tuple(group.split(".")), info, lookups)
        if single is not None:
            rows.append((info.title or group, single))
            continue
        optional = not info.is_required()
        for name, inner in model_at(model, group).model_fields.items():
            full = f"{group}.{name}"
            spec = spec_of(tuple(full.split(".")), inner, lookups) if full not in elsewhere else None
            if spec is not None:
                rows.append((info.title or group, replace(spec, required=spec.required and not optional)))
    return rows


def grid_rows(model: type[BaseModel], sheet: Grid, lookups: Lookups) -> list[Spec]:
    """A Grid's rows: the fields of its first column's model (paths within the instance)."""
    first = model_at(model, sheet.columns[0][1])
    return [s for name, info in first.model_fields.items() if (s := spec_of((name,), info, lookups)) is not None]


def grid_required(model: type[BaseModel], sheet: Grid) -> list[bool]:
    """Whether each column of a Grid must be filled (its instance is required and so are its fields)."""
    out = []
    for _header, path in sheet.columns:
        info = field_at(model, path)
        inner = model_at(model, path)
        out.append(info.is_required() and any(f.is_required() for f in inner.model_fields.values()))
    return out


def table_columns(model: type[BaseModel], sheet: Table, lookups: Lookups) -> list[Spec]:
    """A Table's columns: the item's scalar fields, and those of a model inside it (``project.name``)."""
    item = model_at(model, sheet.path)
    specs: list[Spec] = []
    for name, info in item.model_fields.items():
        spec = spec_of((name,), info, lookups, lines=name in sheet.lines)
        if spec is not None:
            specs.append(spec)
            continue
        inner = model_of(info)
        if inner is None or typing.get_origin(unwrap(info.annotation)[0]) is list:
            raise KeyError(f"{sheet.path}.{name}: a list of models cannot be a column")
        optional = not info.is_required()
        for sub, sub_info in inner.model_fields.items():
            nested = spec_of((name, sub), sub_info, lookups)
            if nested is not None:
                specs.append(replace(nested, required=nested.required and not optional))
    headers = [s.header for s in specs]
    if len(set(headers)) != len(headers):
        raise KeyError(f"{sheet.path}: two columns have the same header")
    return specs


def paragraph_parts(model: type[BaseModel], sheet: Paragraphs) -> list[tuple[str, str, bool]]:
    """A Paragraphs sheet's parts: (title, path, required)."""
    parts = []
    for path in sheet.paths:
        info = field_at(model, path)
        parts.append((info.title or path, path, info.is_required()))
    if len({t for t, _p, _r in parts}) != len(parts):
        raise KeyError(f"{sheet.title}: two parts have the same title")
    return parts


def hint(spec: Spec) -> str:
    """How to write ``spec``'s cell: the sentence its input message, its alert and the 填表说明 say."""
    parts = ["必填" if spec.required else "选填", how(spec)]
    return "。".join(p for p in parts if p) + "。"


def how(spec: Spec) -> str:
    """How to write a value of ``spec``'s kind (its type's own sentence first), without whether it is required."""
    kind = {
        "money": _money_hint(spec.unit or "万元"),
        "int": COUNT_HOW,
        "decimal": "填数字，如 12.6",
        "bool": BOOL_HOW,
        "choice": _choice_hint(spec),
        "list": "多项用顿号“、”分隔",
        "lines": "每段一行：在单元格内换行（Excel 按 Alt+Enter，WPS 和 LibreOffice 按 Ctrl+Enter）",
        "names": "申报项目编号；数据用于几个项目时用顿号“、”分隔",
    }.get(spec.kind, "")
    return "；".join(p for p in (spec.note, kind) if p)


def _money_hint(unit: str) -> str:
    other = "万元" if unit == "亿元" else "亿元"
    example = {"亿元": ("186.45", "41500万元"), "万元": ("412600", "4.15亿元")}.get(unit, ("100", "1万元"))
    return (
        f"单位：{unit}。只填数字即按{unit}计，如 {example[0]}；写了单位的金额（如 {example[1]}）按所写单位换算为{unit}，"
        f"检查时会提示；可带千分位，如 1,234.5；不要把{other}数当作{unit}填"
    )


def _choice_hint(spec: Spec) -> str:
    if spec.kind == "bool" or not spec.lookup:
        return "从下拉列表选择"
    stored = next(iter(spec.lookup.values()), "")
    return f"从下拉列表选择，也可填对应的代码，如 {stored}"


def shown(spec: Spec, value: Any) -> Any:
    """A model value (``model_dump``) as its cell shows it."""
    if value is None:
        return None
    if spec.kind == "money":
        number = Decimal(value) / MONEY_UNITS[spec.unit or "万元"]
        return float(number) if Decimal(repr(float(number))) == number else f"{number.normalize():f}{spec.unit}"
    if spec.kind == "choice" and spec.lookup:
        return next((name for name, code in spec.lookup.items() if code == value), value)
    if spec.kind == "bool":
        return "是" if value else "否"
    if spec.kind in ("list", "names"):
        return "、".join(value) if isinstance(value, list) else value
    if spec.kind == "lines":
        return "\n".join(value)
    if spec.kind == "decimal":
        number = Decimal(value)
        return float(number) if Decimal(repr(float(number))) == number else f"{number.normalize():f}"
    return value


def get(data: Any, path: tuple[str, ...]) -> Any:
    """The value at ``path`` of a dump, None where any step is missing."""
    for step in path:
        if not isinstance(data, dict):
            return None
        data = data.get(step)
    return data


def put(data: dict[str, Any], path: tuple[str | int, ...], value: Any) -> None:
    """Set the value at ``path``, making the mappings on the way."""
    for step in path[:-1]:
        data = data.setdefault(str(step), {})
    data[str(path[-1])] = value


def leaves(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every value's path in ``model`` (``[]`` for a list's items): what a layout must place."""
    out: list[str] = []
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        if spec_of((name,), info, {}) is not None:
            out.append(path)
            continue
        inner = model_of(info)
        if inner is not None:
            many = typing.get_origin(unwrap(info.annotation)[0]) is list
            out += leaves(inner, f"{path}[]." if many else f"{path}.")
    return out


def covered(model: type[BaseModel], layout: Layout) -> list[str]:
    """Every value's path that ``layout``'s sheets hold, once per sheet that holds it."""
    out: list[str] = []
    for sheet in layout.sheets:
        if isinstance(sheet, Record):
            out += [s.key for _g, s in record_rows(model, sheet, layout, {})]
        elif isinstance(sheet, Grid):
            out += [f"{path}.{s.key}" for _h, path in sheet.columns for s in grid_rows(model, sheet, {})]
        elif isinstance(sheet, Table):
            out += [f"{sheet.path}[].{s.key}" for s in table_columns(model, sheet, {})]
        elif isinstance(sheet, Sections):
            out += [f"{sheet.path}[].{sheet.heading}", f"{sheet.path}[].{sheet.body}"]
        else:
            out += [path for _t, path, _r in paragraph_parts(model, sheet)]
    return out
