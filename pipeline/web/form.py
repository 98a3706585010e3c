"""A programme's web form, from the same layout and field specs as its workbook (``core.layout``, ``forms.sheets``).

The page has one section per sheet. Every input is named by the dotted path of the value it holds
(``applicant.credit_code``, ``enterprises.2.name``), the path a ``Problem`` names, so that each
message lands beside its input. What the browser sends back is text, converted exactly as a cell
of the workbook is (``workbook_read.cell_text``): the web form and the workbook are one reader.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from pipeline.core.layout import Grid, Layout, Paragraphs, Record, Sections, Table
from pipeline.core.programme import Programme
from pipeline.core.raw import RawInput
from pipeline.errors import Location
from pipeline.forms.sheets import (
    Spec,
    get,
    grid_rows,
    hint,
    paragraph_parts,
    record_rows,
    table_columns,
)
from pipeline.forms.workbook import lookups_of
from pipeline.forms.workbook_read import cell_text

WEB = "网页表单"  # where a value typed in the browser came from, as a Location's file
INDEX = "#"  # a list item's index in a pattern (enterprises.#.name)
_DIGITS = re.compile(r"(?<=\.)\d+(?=\.|$)")

Convert = Callable[[Spec, str], Any]  # a typed text → the raw value kept
Kind = Literal["record", "grid", "table", "sections", "paragraphs"]


@dataclass(frozen=True)
class Input:
    """One input of the form: the spec of its value and the sentence that says how to write it."""

    spec: Spec
    name: str  # the dotted path; a table's has ``#`` for the row
    hint: str

    @property
    def multiline(self) -> bool:
        return self.spec.kind == "lines"


@dataclass(frozen=True)
class Part:
    """One section of the page: one sheet of the workbook."""

    kind: Kind
    title: str
    note: str
    anchor: str
    groups: tuple[tuple[str, tuple[Input, ...]], ...] = ()  # record: (group title, its inputs)
    columns: tuple[tuple[str, str], ...] = ()  # grid: (header, path of the instance)
    inputs: tuple[Input, ...] = ()  # grid rows (paths within the instance), table columns (within the item)
    path: str = ""  # table, sections: the list's path
    texts: tuple[tuple[str, str, bool], ...] = ()  # paragraphs: (title, path, required)
    heading: str = ""  # sections: the item's heading field and its paragraphs' field
    body: str = ""


@dataclass(frozen=True)
class Form:
    """The whole form of one programme, and the spec of every input by its pattern."""

    programme: Programme
    parts: tuple[Part, ...]
    specs: dict[str, tuple[Spec, str, str]] = field(default_factory=dict)  # pattern → (spec, part title, label)

    def spec_of(self, name: str) -> tuple[Spec, str, str] | None:
        """The spec of the input named ``name`` (``enterprises.3.name`` → the pattern ``enterprises.#.name``)."""
        return self.specs.get(_DIGITS.sub(INDEX, name))


def _inputs(specs: list[Spec], prefix: str = "") -> tuple[Input, ...]:
    return tuple(Input(s, f"{prefix}{s.key}", hint(s)) for s in specs)


def _record(model: Any, sheet: Record, layout: Layout, lookups: Any) -> Part:
    groups: dict[str, list[Spec]] = {}
    for title, spec in record_rows(model, sheet, layout, lookups):
        groups.setdefault(title, []).append(spec)
    shaped = tuple((t, _inputs(s)) for t, s in groups.items())
    return Part("record", sheet.title, sheet.note, "", groups=shaped)


def _part(model: Any, sheet: Any, layout: Layout, lookups: Any) -> Part:
    if isinstance(sheet, Record):
        return _record(model, sheet, layout, lookups)
    if isinstance(sheet, Grid):
        return Part("grid", sheet.title, sheet.note, "", columns=sheet.columns,
                    inputs=_inputs(grid_rows(model, sheet, lookups)))  # fmt: skip
    if isinstance(sheet, Table):
        return Part("table", sheet.title, sheet.note, "", path=sheet.path,
                    inputs=_inputs(table_columns(model, sheet, lookups)))  # fmt: skip
    if isinstance(sheet, Sections):
        return Part("sections", sheet.title, sheet.note, "", path=sheet.path, heading=sheet.heading, body=sheet.body)
    assert isinstance(sheet, Paragraphs)
    return Part("paragraphs", sheet.title, sheet.note, "", texts=tuple(paragraph_parts(model, sheet)))


def form_of(programme: Programme) -> Form:
    """The web form of ``programme``: its workbook's sheets as sections of one page."""
    layout = programme.data_schema.workbook
    if layout is None:
        raise LookupError(f"schema {programme.data_schema.name} has no layout")
    model, lookups = programme.data_schema.model, lookups_of(programme)
    parts = tuple(_anchored(_part(model, sheet, layout, lookups), n) for n, sheet in enumerate(layout.sheets, start=1))
    specs: dict[str, tuple[Spec, str, str]] = {}
    for part, pattern, spec, label in _patterns(parts):
        specs[pattern] = (spec, part.title, label)
    return Form(programme, parts, specs)


def _anchored(part: Part, n: int) -> Part:
    return replace(part, anchor=f"part-{n}")


def _text_spec(path: str, title: str, required: bool, kind: str = "lines") -> Spec:
    return Spec(tuple(path.split(".")), title, kind, required)  # type: ignore[arg-type]


def _patterns(parts: tuple[Part, ...]) -> Iterator[tuple[Part, str, Spec, str]]:
    """Every input's pattern, its spec and its label, part by part."""
    for part in parts:
        if part.kind == "record":
            for _title, inputs in part.groups:
                yield from ((part, i.name, i.spec, i.spec.header) for i in inputs)
        elif part.kind == "grid":
            for header, path in part.columns:
                yield from ((part, f"{path}.{i.name}", i.spec, f"{header} {i.spec.header}") for i in part.inputs)
        elif part.kind == "table":
            yield from ((part, f"{part.path}.{INDEX}.{i.name}", i.spec, i.spec.header) for i in part.inputs)
        elif part.kind == "sections":
            yield part, f"{part.path}.{INDEX}.{part.heading}", _text_spec(part.heading, "标题", True, "text"), "标题"
            yield part, f"{part.path}.{INDEX}.{part.body}", _text_spec(part.body, "段落", True), "段落"
        else:
            for title, path, required in part.texts:
                yield part, path, _text_spec(path, title, required), title


# --- the browser's text → the raw data the model converts, with a location for every value ---------------------


def raw_of(form: Form, cells: dict[str, str], cluster_id: str, file: Any, convert: Convert = cell_text) -> RawInput:
    """What the browser sent (input name → text) as the raw data a file gives, each value located on the form.

    A name the form has no input for is ignored; an empty text is no value; a table row whose cells
    are all empty is still a row (the operator added it), so the row numbers the problems name stay right.
    """
    data: dict[str, Any] = {}
    locations: dict[tuple[str | int, ...], Location] = {}
    for name, text in cells.items():
        found = form.spec_of(name)
        if found is None or not isinstance(text, str):
            continue
        spec, title, label = found
        path: tuple[str | int, ...] = tuple(int(p) if p.isdigit() else p for p in name.split("."))
        rows = [p for p in path if isinstance(p, int)]
        shown = f"第{rows[0] + 1}行 {label}" if rows else label
        locations[path] = Location(WEB, sheet=title, cell=shown)
        _put(data, path, convert(spec, text) if text.strip() else None)
    return RawInput(cluster_id=cluster_id, file=file, data=_listed(data), locations=locations)


def _put(data: dict[Any, Any], path: tuple[str | int, ...], value: Any) -> None:
    for step in path[:-1]:
        data = data.setdefault(step, {})
    if value is not None:
        data[path[-1]] = value


def _listed(value: Any) -> Any:
    """Mappings keyed 0, 1, 2… (table rows) as lists, in order; an empty mapping of a row stays a row."""
    if not isinstance(value, dict):
        return value
    if value and all(isinstance(k, int) for k in value):
        return [_listed(value[k]) for k in sorted(value)]
    return {k: _listed(v) for k, v in value.items() if not (isinstance(v, dict) and not v and not isinstance(k, int))}


# --- a file's raw data → the texts the inputs show -----------------------------------------------------------------


def cells_of(form: Form, data: dict[str, Any]) -> dict[str, str]:
    """The text of every input holding a value in ``data`` (raw, as a file gives it), by input name."""
    out: dict[str, str] = {}
    for part in form.parts:
        if part.kind == "record":
            for _title, inputs in part.groups:
                out.update((i.name, text_of(i.spec, get(data, i.spec.path))) for i in inputs)
        elif part.kind == "grid":
            for _header, path in part.columns:
                base = get(data, tuple(path.split(".")))
                out.update((f"{path}.{i.name}", text_of(i.spec, get(base, i.spec.path))) for i in part.inputs)
        elif part.kind == "table":
            for n, item in enumerate(_items(data, part.path)):
                out.update((f"{part.path}.{n}.{i.name}", text_of(i.spec, get(item, i.spec.path))) for i in part.inputs)
        elif part.kind == "sections":
            for n, item in enumerate(_items(data, part.path)):
                out[f"{part.path}.{n}.{part.heading}"] = _plain(item.get(part.heading))
                out[f"{part.path}.{n}.{part.body}"] = _lines(item.get(part.body))
        else:
            out.update((path, _lines(get(data, tuple(path.split("."))))) for _t, path, _r in part.texts)
    return {k: v for k, v in out.items() if v != ""} | {k: "" for k in _rows_only(form, data)}


def _items(data: dict[str, Any], path: str) -> list[dict[str, Any]]:
    items = get(data, tuple(path.split(".")))
    return [i if isinstance(i, dict) else {} for i in items] if isinstance(items, list) else []


def _rows_only(form: Form, data: dict[str, Any]) -> list[str]:
    """One name for each empty row of a table, so that the row is shown (its first input, empty)."""
    out = []
    for part in form.parts:
        if part.kind in ("table", "sections"):
            first = part.inputs[0].name if part.kind == "table" else part.heading
            out += [f"{part.path}.{n}.{first}" for n, item in enumerate(_items(data, part.path)) if not item]
    return out


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    written = getattr(value, "written", None)
    return str(written if written is not None else value)


def _lines(value: Any) -> str:
    return "\n".join(_plain(v) for v in value) if isinstance(value, list) else _plain(value)


def text_of(spec: Spec, value: Any) -> str:
    """A raw value as its input shows it: the text a cell of the workbook would hold."""
    if value is None:
        return ""
    if spec.kind == "money":
        if isinstance(value, dict):
            number, unit = _plain(value.get("value")), value.get("unit")
            return number if unit in (None, spec.unit) else f"{number}{unit}"
        text = _plain(value).strip()
        return text.removesuffix(spec.unit) if spec.unit and text.endswith(spec.unit) else text
    if spec.kind == "choice" and spec.lookup:
        names = {str(code): name for name, code in spec.lookup.items()}
        return names.get(_plain(value), _plain(value))
    if spec.kind in ("list", "names"):
        return "、".join(_plain(v) for v in value) if isinstance(value, list) else _plain(value)
    if spec.kind == "lines":
        return _lines(value)
    return _plain(value)
