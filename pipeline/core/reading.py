"""Raw data read as the person meant it: a proof's category by its Chinese title, an amount's unit converted.

Both are said, never done behind the user's back: a category written by its title is simply the
category (the workbook's dropdown shows titles), and an amount written in another unit than its
field's (``41500万元`` where the form shows 亿元) is converted with a notice (``N-MONEY-CONVERTED``)
that ``validate`` prints with its place."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from pipeline.core.fields import unit_of
from pipeline.core.programme import Material
from pipeline.core.raw import RawInput, inner_model, problem_at
from pipeline.core.units import MONEY_UNITS, parse_money, written_unit
from pipeline.errors import Problem

# A category as the 证明材料清单 prints it drops this ending (综合实力指标证明材料 → 综合实力指标).
_ENDINGS = ("证明材料", "佐证材料")


def name_key(name: str) -> str:
    """A name as compared: full-width forms folded (NFKC), without spaces, lower case."""
    return "".join(unicodedata.normalize("NFKC", name).split()).lower()


def material_names(materials: Iterable[Material]) -> dict[str, str]:
    """Every way a category may be written (id, title, title without 证明材料) → its id; ambiguous names left out."""
    names: dict[str, set[str]] = {}
    for m in materials:
        forms = {m.id, m.title, *(m.title.removesuffix(e) for e in _ENDINGS if m.title.endswith(e))}
        for form in forms:
            if form:
                names.setdefault(name_key(form), set()).add(m.id)
    return {name: next(iter(ids)) for name, ids in names.items() if len(ids) == 1}


def categories(raw: RawInput, materials: Iterable[Material]) -> RawInput:
    """``raw`` with each attachment's category written by its title (or id, in any case) as the category's id."""
    names = material_names(materials)
    items = raw.data.get("attachments")
    if not names or not isinstance(items, list):
        return raw
    changed = []
    for item in items:
        category = item.get("category") if isinstance(item, dict) else None
        known = names.get(name_key(category)) if isinstance(category, str) else None
        changed.append({**item, "category": known} if known and known != category else item)
    data = {**raw.data, "attachments": changed}
    return RawInput(raw.cluster_id, raw.file, data, raw.locations, raw.problems)


def conversions(raw: RawInput, model: type[BaseModel]) -> list[Problem]:
    """A notice for each amount written in another unit than the one its field is shown in, with the result."""
    out: list[Problem] = []

    def walk(cls: Any, value: Any, path: tuple[str | int, ...]) -> None:
        if isinstance(value, list):
            for i, item in enumerate(value):
                walk(cls, item, (*path, i))
            return
        if not isinstance(value, dict) or not (isinstance(cls, type) and issubclass(cls, BaseModel)):
            return
        for name, info in cls.model_fields.items():
            if name not in value:
                continue
            unit = unit_of(info)
            if unit is None:
                walk(inner_model(info.annotation), value[name], (*path, name))
                continue
            shown = converted(value[name], unit)
            if shown:
                out.append(problem_at(raw, (*path, name), "N-MONEY-CONVERTED", shown, "notice", model=model))

    walk(model, raw.data, ())
    return out


def converted(value: Any, unit: str) -> str | None:
    """What a conversion of ``value`` into ``unit`` says (None when it is in ``unit`` or does not read)."""
    typed = written_unit(value)
    if typed is None or typed == unit:
        return None
    try:
        wan = parse_money(value)
    except ValueError:  # the model says what is wrong with it
        return None
    result = f"{(wan / MONEY_UNITS[unit]).normalize():f}"  # 万元 ↔ 亿元 ↔ 元 divide by powers of ten: exact
    written = value if isinstance(value, str) else f"{value.get('value')}{typed}"
    return f"填的是 {written}，已按本项的单位换算为 {result}{unit} (amount converted to {unit})"
