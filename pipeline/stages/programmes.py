"""A programme folder read and resolved (extends), its schema attached; its standing on a day."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pipeline import schemas
from pipeline.core import inherit
from pipeline.core.programme import Programme
from pipeline.core.raw import CLUSTER_ID
from pipeline.core.standing import EXPIRED, IN_FORCE, NOT_YET, Standing
from pipeline.errors import ClusterpackError, Problem, TemplateProblem, UsageError


def standing(programme: Programme, today: dt.date, templates: Path | None = None) -> Standing:
    """Where ``today`` falls for ``programme``; with ``templates``, the valid programmes that extend an expired one."""
    v = programme.valid
    status = NOT_YET if today < v.start else EXPIRED if v.until is not None and today > v.until else IN_FORCE
    deadline = programme.city.deadline if programme.city else None
    found = _successors(templates, programme.id, today) if templates is not None and status == EXPIRED else ()
    return Standing(programme, today, status, deadline, found)


_FOUND: dict[tuple[Any, ...], tuple[str, ...]] = {}


def _successors(templates: Path, programme_id: str, today: dt.date) -> tuple[str, ...]:
    """``successors``, remembered while no programme.yaml under ``templates`` changes (the web form asks at
    every keystroke; each answer would read every programme)."""
    files = sorted(templates.glob("*/programme.yaml"))
    key = (str(templates), programme_id, today, tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files))
    if key not in _FOUND:
        if len(_FOUND) > 64:
            _FOUND.clear()
        _FOUND[key] = tuple(successors(templates, load_programme(templates, programme_id), today))
    return _FOUND[key]


def refuse(problems: list[Problem]) -> None:
    """``--strict-dates``: raise the first date error (exit 2) with every such problem in its message."""
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        text = "；".join(f"[{p.code}] {p.message}" for p in errors)
        raise UsageError(
            f"{text}；--strict-dates 不生成过期或未生效项目的材料 (refused by --strict-dates)", code=errors[0].code
        )


def successors(templates: Path | None, programme: Programme, today: dt.date) -> list[str]:
    """Programmes in force on ``today`` that extend ``programme`` (directly or further down), nearest first.

    An example programme is never pointed to: it is not a notice anyone can apply under.
    """
    if templates is None:
        return []
    found: list[tuple[int, str]] = []
    for pid in available(templates):
        if pid == programme.id:
            continue
        try:
            other = load_programme(templates, pid)
        except ClusterpackError:
            continue
        if programme.id in other.lineage and not other.notice.example:
            v = other.valid
            if v.start <= today and (v.until is None or today <= v.until):
                found.append((other.lineage.index(programme.id), pid))
    return [pid for _, pid in sorted(found)]


def available(templates: Path) -> list[str]:
    return sorted(p.parent.name for p in templates.glob("*/programme.yaml"))


_LOADED: dict[tuple[Any, ...], Programme] = {}


def load_programme(templates: Path, programme_id: str) -> Programme:
    """Read and check a programme folder; every template it names must exist.

    A programme (frozen) is remembered while no file in its folders changes: a run, a batch or the web app
    asks for the same one many times.
    """
    file = _programme_file(templates, programme_id)
    key = (str(templates), programme_id, _folders_state(templates, programme_id))
    if key not in _LOADED:
        if len(_LOADED) >= 64:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[key] = _load(templates, programme_id, file)
    return _LOADED[key]


def _folders_state(templates: Path, programme_id: str) -> tuple[Any, ...]:
    """What every file of the programme's folders (its own and those it extends) is now: name, size, times."""
    state: list[tuple[Any, ...]] = []
    for folder in inherit.folders(templates, programme_id):
        try:
            with os.scandir(folder) as entries:
                for e in entries:
                    st = e.stat()
                    state.append((folder.name, e.name, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
        except OSError:
            state.append((folder.name, None))
    return tuple(sorted(state, key=repr))


def _load(templates: Path, programme_id: str, file: Path) -> Programme:
    # the merged programme.yaml as a typed Programme, then what its parts name: templates, schema, ids
    programme = _validated(inherit.resolve(templates, programme_id), templates / programme_id, file)
    _check_templates(programme, file)
    _attach_schema(programme, file)
    _check_references(programme, file)
    return programme


def _programme_file(templates: Path, programme_id: str) -> Path:
    """The programme.yaml of ``programme_id``, after checking the id and that the folder exists."""
    if not CLUSTER_ID.match(programme_id):
        raise UsageError(
            f"申报项目编号 {programme_id!r} 不合规 (programme id must be a lowercase slug)", code="E-USAGE-PROGRAMME-ID"
        )
    file = templates / programme_id / "programme.yaml"
    if not file.is_file():
        raise UsageError(
            f"没有申报项目 {programme_id}；可用：{', '.join(available(templates)) or '无'} (unknown programme)",
            code="E-USAGE-NO-PROGRAMME",
        )
    return file


def _validated(resolved: inherit.Resolved, folder: Path, file: Path) -> Programme:
    try:
        return Programme.model_validate(
            {
                **resolved.data,
                "folder": folder,
                "folders": tuple(resolved.folders),
                "lineage": tuple(resolved.chain[1:]),
                "origins": resolved.origins,
                "changes": resolved.changes,
            }
        )
    except (ValidationError, TypeError) as exc:
        chain = f"（合并自 {' → '.join(resolved.chain)}）" if len(resolved.chain) > 1 else ""
        raise TemplateProblem(
            f"{file}{chain} 有误 (programme file is invalid): {exc}", code="E-TEMPLATE-PROGRAMME"
        ) from None


def _check_templates(programme: Programme, file: Path) -> None:
    names = programme.template_names()
    missing = [n for n in names if not programme.template(n).is_file()]
    if missing:
        raise TemplateProblem(
            f"{file} 引用的模板不存在 (templates missing): {', '.join(missing)}", code="E-TEMPLATE-MISSING"
        )


def _attach_schema(programme: Programme, file: Path) -> None:
    """The rules checked, the programme's data schema attached, and every computed figure a rule names defined."""
    try:
        programme.ruleset  # noqa: B018 - checks that each rule's relaxation exists
    except ValidationError as exc:
        raise TemplateProblem(f"{file} 的规则有误 (rules are invalid): {exc}", code="E-TEMPLATE-RULES") from None
    try:
        data_schema = schemas.get(programme.schema_name)
        programme.with_schema(data_schema)
    except KeyError:
        raise TemplateProblem(
            f"{file}: schema: {programme.schema_name} 不存在；可用：{', '.join(schemas.names())} (unknown data schema)",
            code="E-TEMPLATE-SCHEMA",
        ) from None
    unknown = sorted(n for n in programme.ruleset.computed_names() if n not in data_schema.computed)
    if unknown:
        raise TemplateProblem(
            f"{file}: 规则引用了未定义的计算指标 {', '.join(unknown)} (unknown computed figures)",
            code="E-TEMPLATE-RULES",
        )


def _check_references(programme: Programme, file: Path) -> None:
    """Document ids are unique; a material comes after a document; a relaxation's proof is a material."""
    ids = [d.id for d in programme.documents]
    if len(set(ids)) != len(ids):
        raise TemplateProblem(f"{file} 中文档 id 重复 (duplicate document ids)", code="E-TEMPLATE-PROGRAMME")
    for m in programme.materials:
        if m.after not in ids:
            raise TemplateProblem(
                f"{file}: 材料类别 {m.id} 的 after: {m.after} 不是文档 id (unknown document)",
                code="E-TEMPLATE-PROGRAMME",
            )
    categories = {m.id for m in programme.materials}
    for r in programme.relaxations:
        if r.proof is not None and r.proof not in categories:
            raise TemplateProblem(
                f"{file}: 放宽条件 {r.id} 的 proof: {r.proof} 不是材料类别 (unknown proof category)",
                code="E-TEMPLATE-PROGRAMME",
            )
