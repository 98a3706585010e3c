"""A programme that extends another: ``programme.yaml`` files merged down the chain, with where each part comes from.

A folder whose ``programme.yaml`` says ``extends: <id>`` states only what its notice changes; the
rest is its parent's (and its parent's parent's). The merge is data, the same for every programme:

- ``id`` and ``extends`` are the folder's own, never inherited.
- ``valid`` is replaced whole: a new notice states its own validity (``from``, and ``until`` if any).
- ``notice``, ``packet``, ``data`` and ``city`` are mappings merged key by key, at every depth: a key
  given replaces the parent's, a key not given is inherited; a list inside them (``city.summary_columns``,
  ``city.submission.files``) is replaced whole; ``null`` sets a key to nothing.
- ``documents``, ``relaxations``, ``rules`` and ``materials`` are lists of items with an ``id``. A list
  replaces the parent's whole. A mapping edits it: ``drop: [id, …]`` removes items, ``change: {id: {key:
  value}}`` replaces only the keys given in an item, ``add: [item, …]`` appends new items (an added item
  may say ``before: <id>`` to go before that one).
- every other key (``title``, ``schema``) is replaced when given.

A rule or relaxation whose meaning changes (its threshold, measure, operator, alternatives,
condition, unit) must come with the new notice's words (``quote``), and a rule's ``title`` that
names the old threshold must change with it: the loader refuses otherwise.

Templates are not merged: a file in the child's folder with the name the programme uses is the
child's; any other is looked for in the parent's folder, then the grandparent's (``folders``)."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import TemplateProblem

FILE = "programme.yaml"


OWN = ("id", "extends")  # never inherited


WHOLE = ("valid",)  # replaced whole


MAPPINGS = ("notice", "packet", "data", "city", "years", "report")  # merged key by key


ID_LISTS = ("documents", "relaxations", "rules", "materials", "due")  # edited by id


EDITS = ("drop", "change", "add")


# What a rule or relaxation asks: changing any of these changes the notice's words it rests on.
MEANING = ("measure", "op", "threshold", "any_of", "when", "flag", "unit", "advisory")


QUOTED = ("rules", "relaxations")


DEPTH = 2  # where ``origins`` records a mapping's parts: notice.number, city.letter, data.year


@dataclass
class Resolved:
    """A programme's merged ``programme.yaml`` and where each part of it comes from."""

    id: str
    data: dict[str, Any]
    folders: list[Path]  # this programme's folder first, then each folder it extends
    chain: list[str]  # programme ids, this one first
    origins: dict[str, str] = field(default_factory=dict)  # part (notice.number, rules.revenue) → programme id
    changes: dict[str, list[str]] = field(default_factory=dict)  # part → the keys this programme set in it


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml where installed: the same YAML, 10× faster
_PARSED: dict[bytes, Any] = {}  # the file's digest → its data: a run parses each text once


def read(templates: Path, programme_id: str) -> dict[str, Any]:
    """One folder's own ``programme.yaml``, unmerged (a fresh copy: callers may change it)."""
    return plain_copy(_parsed(templates, programme_id))


def plain_copy(data: Any) -> Any:
    """A copy of parsed YAML (mappings, lists and immutable scalars): ``copy.deepcopy`` without its bookkeeping,
    several times faster. Anything else is deep-copied as usual."""
    kind = type(data)
    if kind is dict:
        return {k: plain_copy(v) for k, v in data.items()}
    if kind is list:
        return [plain_copy(v) for v in data]
    if kind in _IMMUTABLE:
        return data
    return copy.deepcopy(data)


_IMMUTABLE = frozenset({str, int, float, bool, type(None), dt.date, dt.datetime, bytes})


def _parsed(templates: Path, programme_id: str) -> dict[str, Any]:
    """One folder's own ``programme.yaml`` as parsed once per text: shared, never to be changed."""
    file = templates / programme_id / FILE
    try:
        text = file.read_bytes()
        key = hashlib.blake2b(text, digest_size=16).digest()
        if key not in _PARSED:
            if len(_PARSED) > 256:
                _PARSED.clear()
            _PARSED[key] = yaml.load(text.decode("utf-8"), Loader=_LOADER)  # noqa: S506 (a safe loader)
        data: Any = _PARSED[key]
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TemplateProblem(f"{file} 有误 (programme file is invalid): {exc}", code="E-TEMPLATE-PROGRAMME") from None
    if not isinstance(data, dict):
        raise TemplateProblem(f"{file} 应为键值对 (programme file is not a mapping)", code="E-TEMPLATE-PROGRAMME")
    return data


def folders(templates: Path, programme_id: str) -> list[Path]:
    """The folders a programme's files come from, its own first; never raises (the loader reports a broken chain)."""
    out: list[Path] = []
    pid: Any = programme_id
    while isinstance(pid, str) and (templates / pid / FILE).is_file() and templates / pid not in out:
        out.append(templates / pid)
        try:
            pid = _parsed(templates, pid).get("extends")
        except TemplateProblem:
            break
    return out or [templates / programme_id]


def resolve(templates: Path, programme_id: str, _below: tuple[str, ...] = ()) -> Resolved:
    """``programme_id``'s ``programme.yaml`` merged with every one it extends."""
    own = read(templates, programme_id)
    own.setdefault("id", programme_id)
    file = templates / programme_id / FILE
    if own["id"] != programme_id:
        raise TemplateProblem(
            f"{file}: id: {own['id']} 与文件夹名 {programme_id} 不同；请改成一致 (id and folder name differ)",
            code="E-PROGRAMME-ID",
        )
    parent_id = own.get("extends")
    if parent_id is None:
        origins = {part: programme_id for part in _parts(own)}
        return Resolved(programme_id, own, [templates / programme_id], [programme_id], origins)
    if not isinstance(parent_id, str) or not (templates / parent_id / FILE).is_file():
        raise TemplateProblem(
            f"{file}: extends: {parent_id} 不是已有的申报项目（templates/ 下没有该文件夹） (extends an unknown programme)",
            code="E-PROGRAMME-EXTENDS-UNKNOWN",
        )
    if parent_id == programme_id or parent_id in _below:
        loop = " → ".join([*reversed(_below), programme_id, parent_id])
        raise TemplateProblem(
            f"{file}: extends 形成循环 {loop}；请让链条终止于一个不含 extends 的项目 (programmes extend each other in a loop)",
            code="E-PROGRAMME-EXTENDS-CYCLE",
        )
    parent = resolve(templates, parent_id, (*_below, programme_id))
    merged, origins, changes = _merge(parent, own, programme_id, file)
    return Resolved(
        programme_id,
        merged,
        [templates / programme_id, *parent.folders],
        [programme_id, *parent.chain],
        origins,
        changes,
    )


def _parts(data: dict[str, Any]) -> list[str]:
    """The parts of a programme.yaml as ``origins`` names them."""
    parts: list[str] = []
    for key, value in data.items():
        if key in ID_LISTS and isinstance(value, list):
            parts += [f"{key}.{item.get('id')}" for item in value if isinstance(item, dict)]
        elif key in MAPPINGS and isinstance(value, dict):
            parts += _mapping_parts(key, value)
        else:
            parts.append(key)
    return parts


def _mapping_parts(prefix: str, value: dict[str, Any], depth: int = 1) -> list[str]:
    out: list[str] = []
    for key, sub in value.items():
        path = f"{prefix}.{key}"
        if isinstance(sub, dict) and depth < DEPTH:
            out += _mapping_parts(path, sub, depth + 1)
        else:
            out.append(path)
    return out


@dataclass
class _Merging:
    """One programme's merge onto its parent: whose parts they become, its file, and what it records."""

    programme_id: str
    file: Path
    origins: dict[str, str]  # part → programme id, as Resolved.origins
    changes: dict[str, list[str]] = field(default_factory=dict)  # part → the keys set, as Resolved.changes


def _merge(
    parent: Resolved, own: dict[str, Any], programme_id: str, file: Path
) -> tuple[dict[str, Any], dict[str, str], dict[str, list[str]]]:
    merged = plain_copy(parent.data)
    m = _Merging(programme_id, file, {k: v for k, v in parent.origins.items() if not k.startswith(OWN)})
    origins = m.origins
    for key in OWN:
        merged.pop(key, None)
    for key, value in own.items():
        if key in OWN:
            merged[key] = value
            origins[key] = programme_id
        elif key in ID_LISTS:
            merged[key] = _edit_list(key, merged.get(key) or [], value, m)
        elif key in MAPPINGS and isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge_mapping(merged[key], value, key, m)
        else:
            merged[key] = plain_copy(value)
            for part in [p for p in origins if p == key or p.startswith(f"{key}.")]:
                del origins[part]
            mapping = key in MAPPINGS and isinstance(value, dict) and value
            for part in _mapping_parts(key, value) if mapping else [key]:
                origins[part] = programme_id
    return merged, origins, m.changes


def _merge_mapping(
    base: dict[str, Any], over: dict[str, Any], path: str, m: _Merging, depth: int = 1
) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        here = f"{path}.{key}"
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            out[key] = _merge_mapping(base[key], value, here, m, depth + 1)
            continue
        out[key] = plain_copy(value)
        if depth <= DEPTH:
            m.origins[here] = m.programme_id
            if depth == DEPTH or not isinstance(value, dict):
                continue
            for part in [p for p in m.origins if p.startswith(f"{here}.")]:
                del m.origins[part]
        else:  # deeper than origins go: the part at DEPTH is this programme's, in the keys named
            top = ".".join(here.split(".")[: DEPTH + 1])
            m.origins[top] = m.programme_id
            m.changes.setdefault(top, []).append(here.removeprefix(f"{top}."))
    return out


def _edit_list(key: str, base: list[Any], over: Any, m: _Merging) -> list[Any]:
    """The parent's list ``base`` replaced by a list, or edited by a mapping of drop, change and add."""
    if isinstance(over, list):  # replaced whole
        return _replace_list(key, over, m)
    _check_edits(key, over, m.file)
    items = [plain_copy(i) for i in base]
    ids = [i.get("id") for i in items]  # the parent's ids, which every edit names
    # the edits in their order: drop, then change what is left, then add
    items = _drop(key, items, ids, over, m)
    _change(key, items, ids, over, m)
    _add(key, items, ids, over, m)
    return items


def _replace_list(key: str, over: list[Any], m: _Merging) -> list[Any]:
    for part in [p for p in m.origins if p.startswith(f"{key}.")]:
        del m.origins[part]
    for item in over:
        if isinstance(item, dict):
            m.origins[f"{key}.{item.get('id')}"] = m.programme_id
    return plain_copy(over)


def _check_edits(key: str, over: Any, file: Path) -> None:
    """An edit of a list is a mapping of drop, change and add, and nothing else."""
    if not isinstance(over, dict) or not set(over) <= set(EDITS):
        extra = sorted(set(over) - set(EDITS)) if isinstance(over, dict) else [type(over).__name__]
        raise TemplateProblem(
            f"{file}: {key}: 应为完整列表（整体替换上级的），或 drop / change / add 的组合；不认识 {', '.join(map(str, extra))} "
            f"(a list replaces the parent's; a mapping edits it with drop, change, add)",
            code="E-PROGRAMME-MERGE",
        )


def _unknown(key: str, what: str, item_id: object, ids: list[Any], file: Path) -> TemplateProblem:
    return TemplateProblem(
        f"{file}: {key}.{what}: {item_id} 不是上级项目中的 id；上级有：{', '.join(map(str, ids))} "
        f"(no such {key[:-1]} in the programme extended)",
        code="E-PROGRAMME-MERGE-ID",
    )


def _drop(key: str, items: list[Any], ids: list[Any], over: dict[str, Any], m: _Merging) -> list[Any]:
    drop = over.get("drop") or []
    for item_id in drop:
        if item_id not in ids:
            raise _unknown(key, "drop", item_id, ids, m.file)
        m.origins.pop(f"{key}.{item_id}", None)
    return [i for i in items if i.get("id") not in drop]


def _change(key: str, items: list[Any], ids: list[Any], over: dict[str, Any], m: _Merging) -> None:
    drop = over.get("drop") or []
    for item_id, change in (over.get("change") or {}).items():
        if item_id not in ids or item_id in drop:
            raise _unknown(key, "change", item_id, ids, m.file)
        if not isinstance(change, dict):
            raise TemplateProblem(
                f"{m.file}: {key}.change.{item_id} 应为键值对，只写要改的键 (a change names the keys it replaces)",
                code="E-PROGRAMME-MERGE",
            )
        item = next(i for i in items if i.get("id") == item_id)
        if key in QUOTED:
            _quote_changes_with(key, item, change, m.file)
        item.update(plain_copy(change))
        m.origins[f"{key}.{item_id}"] = m.programme_id
        m.changes[f"{key}.{item_id}"] = sorted(change)


def _add(key: str, items: list[Any], ids: list[Any], over: dict[str, Any], m: _Merging) -> None:
    for new in over.get("add") or []:
        if not isinstance(new, dict) or "id" not in new:
            raise TemplateProblem(
                f"{m.file}: {key}.add 的每一项要有 id (each added item has an id)", code="E-PROGRAMME-MERGE"
            )
        if new["id"] in [i.get("id") for i in items]:
            raise TemplateProblem(
                f"{m.file}: {key}.add: {new['id']} 已存在；要修改请写在 change 下 (the id exists: change it instead)",
                code="E-PROGRAMME-MERGE-ID",
            )
        new = plain_copy(new)
        before = new.pop("before", None)
        at = next((n for n, i in enumerate(items) if i.get("id") == before), None)
        if before is not None and at is None:
            raise _unknown(key, "add.before", before, ids, m.file)
        items.insert(len(items) if at is None else at, new)
        m.origins[f"{key}.{new['id']}"] = m.programme_id


def _quote_changes_with(key: str, item: dict[str, Any], change: dict[str, Any], file: Path) -> None:
    """A condition that changes is the new notice's: its words (quote) and a title naming the old figure change too."""
    changed = [k for k in MEANING if k in change and change[k] != item.get(k)]
    if not changed:
        return
    what = "规则" if key == "rules" else "放宽条件"
    shown = "、".join(f"{k}（{item.get(k)} → {change[k]}）" if k == "threshold" else k for k in changed)
    if change.get("quote") in (None, item.get("quote")):
        raise TemplateProblem(
            f"{file}: {what} {item.get('id')} 改了 {shown}，但 quote 仍是上级通知的原文“{item.get('quote')}”；"
            f"请在同一 change 中写上新通知规定该条件的原话 quote: … (a changed condition needs the new notice's own words)",
            code="E-PROGRAMME-QUOTE-STALE",
        )
    old = item.get("threshold")
    if "threshold" in changed and "title" not in change and old is not None and str(old) in str(item.get("title", "")):
        raise TemplateProblem(
            f"{file}: 规则 {item.get('id')} 的门槛改为 {change['threshold']}，但标题“{item.get('title')}”仍写着 {old}；"
            "请在 change 中一并改写 title (the rule's title still names the old threshold)",
            code="E-PROGRAMME-TITLE-STALE",
        )
