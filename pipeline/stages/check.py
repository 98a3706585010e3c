"""Raw input → the Case: the model, the proofs, the signed scans, the rule results, every problem at once."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ValidationError

from pipeline import schemas
from pipeline.core import reading, rules
from pipeline.core.case import Case, Paths, Proof, build_date
from pipeline.core.codes import normalise_wenhao
from pipeline.core.fields import Attachment, default_programme, programme_ids
from pipeline.core.programme import Programme, Schema
from pipeline.core.raw import RawInput, parse, problem_at
from pipeline.core.standing import Standing
from pipeline.errors import ClusterpackError, DataInvalid, Location, Problem
from pipeline.stages import programmes, proofs
from pipeline.stages.programmes import available, load_programme
from pipeline.stages.read import load_cluster, load_series


def own_data(raw: RawInput, schema: Schema) -> RawInput:
    """``raw`` with only the top-level keys ``schema`` reads: another programme's data is left out.

    A key no schema knows stays in, so that the model reports it as unknown (a typo, most likely).
    """
    others = schemas.other_keys(schema)
    data = {k: v for k, v in raw.data.items() if k not in others}
    return dataclasses.replace(raw, data=data)


def validate(raw: RawInput, programme: Programme) -> tuple[Any, list[Problem]]:
    """``programme``'s model built from ``raw`` (None where it cannot be), and every problem found on the way."""
    schema = programme.data_schema
    mine = reading.categories(own_data(raw, schema), programme.materials)  # a category by its title is its id
    model: Any
    model, parsed = parse(mine, schema.model)
    seen = {p.field for p in raw.problems}  # a cell already reported is not reported again as missing
    problems = [*raw.problems, *(p for p in parsed if p.field not in seen)]
    problems.extend(reading.conversions(mine, schema.model))  # 41500万元 in a 亿元 field: converted, and said
    problems.extend(_corrected_wenhao(mine, schema.model))  # from the raw text: said even beside errors
    if model is not None:
        problems.extend(_programme_named(raw, model.programme, programme.id, programme.lineage))
        problems.extend(schema.checks(mine, model, programme))
        problems.extend(_relaxations_proven(mine, model, programme))
    return model, problems


def _relaxations_proven(raw: RawInput, model: Any, programme: Programme) -> list[Problem]:
    """A relaxation claimed in the data needs its proof among the attachments (a claim is not a proof)."""
    out: list[Problem] = []
    materials = {m.id: m for m in programme.materials}
    for relax in programme.relaxations:
        if relax.flag and relax.claimed(model) and not relax.proven(model):
            material = materials.get(relax.proof or "")
            title = material.title if material else relax.proof
            out.append(
                problem_at(
                    raw,
                    tuple(relax.flag.split(".")),
                    "E-RELAXATION-PROOF",
                    f"声明了“{relax.fact(model)}”（{relax.clause}适当放宽条件），但没有证明材料：请在 attachments 中列出"
                    f"至少一份 category: {relax.proof}（{title}）的文件 (a claimed relaxation needs a proof attachment)",
                    model=type(model),
                )
            )
    return out


def _programme_named(
    raw: RawInput, ref: str | list[str], programme_id: str, lineage: tuple[str, ...] = ()
) -> list[Problem]:
    # Data for a programme serves every later round that extends it (the same data, next year's notice).
    named = programme_ids(ref)
    if programme_id in named or any(p in named for p in lineage):
        return []
    return [
        Problem(
            "E-PROGRAMME-MISMATCH",
            f"数据写的申报项目是 {'、'.join(named)}，但要生成的是 {programme_id}；"
            f"如这份数据也用于 {programme_id}，请写 programme: [{', '.join([*named, programme_id])}] "
            "(data is for another programme)",
            field="programme",
            label="申报项目",
            location=raw.where(("programme",)),
        )
    ]


def _corrected_wenhao(raw: RawInput, model: type[BaseModel]) -> list[Problem]:
    """文号 (any ``document_number``) typed with [] or 【】 were corrected to 〔〕: say so, so the source gets fixed too."""
    out: list[Problem] = []

    def walk(value: Any, path: tuple[str | int, ...]) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "document_number" and item is not None and not isinstance(item, (dict, list)):
                    try:
                        fixed, changed = normalise_wenhao(str(item))
                    except ValueError:
                        continue  # reported as an error by the model
                    if changed:
                        out.append(
                            problem_at(
                                raw,
                                (*path, key),
                                "W-WENHAO-CORRECTED",
                                f"文号 {item} 已改为 {fixed}：年份用六角括号〔〕 (brackets corrected to 〔〕)",
                                "warning",
                                model=model,
                            )
                        )
                else:
                    walk(item, (*path, key))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, (*path, i))

    walk(raw.data, ())
    return out


def programme_of(raw: RawInput, override: str | None = None, templates: Path | None = None) -> str:
    """The programme to build: the override (``--programme``), else the (first) one the data names."""
    pid = override or default_programme(raw.data.get("programme"))
    if not pid:
        raise DataInvalid(
            raw.cluster_id,
            [
                Problem(
                    "E-FIELD-MISSING",
                    "缺少申报项目 programme；可选："
                    + "、".join(available(templates or Paths().templates))
                    + " (which programme?)",
                    field="programme",
                    label="申报项目",
                    location=Location(str(raw.file)),
                )
            ],
        )
    return pid


def prepare(
    cluster_id: str, paths: Paths, programme_id: str | None = None, today: dt.date | None = None
) -> tuple[RawInput, Any, Programme, tuple[Problem, ...]]:
    """The Case's input, model, programme and warnings (for callers that want only those)."""
    c = check(cluster_id, paths, programme_id, today)
    return c.raw, c.data, c.programme, c.warnings


def check(
    cluster_id: str,
    paths: Paths | None = None,
    programme_id: str | None = None,
    today: dt.date | None = None,
    strict_dates: bool = False,
    year: int | None = None,
) -> Case:
    """Read a cluster and check it for its programme, once: the Case, or ``DataInvalid`` with every problem.

    With ``strict_dates`` a programme not in force on ``today`` (or past its deadline) is refused
    (``UsageError``, exit 2) instead of warned about. ``year`` picks a year of data kept by year.
    """
    paths = paths or Paths()
    today = today or build_date()
    # --- read: the input file and the programme it is for
    raw, programme = read_for(paths, cluster_id, programme_id, year, today)
    return check_raw(raw, programme, paths, today, strict_dates)


def data_year(programme: Programme, year: int | None, today: dt.date) -> int | None:
    """The year of data a programme reads: the one asked for, else (data kept by year) the year before today."""
    if programme.years is None:
        return year
    return year if year is not None else today.year - 1


def read_for(
    paths: Paths, cluster_id: str, programme_id: str | None, year: int | None, today: dt.date
) -> tuple[RawInput, Programme]:
    """The cluster's data for the programme it is built for: the root file, or a year with the years before it."""
    if programme_id is not None:
        programme = load_programme(paths.templates, programme_id)
        year = data_year(programme, year, today)
        raw = load_cluster(paths.inputs, cluster_id, year)
    else:
        raw = load_cluster(paths.inputs, cluster_id, year)
        programme = load_programme(paths.templates, programme_of(raw, None, paths.templates))
        year = data_year(programme, year, today)
        if year != raw.year:
            raw = load_cluster(paths.inputs, cluster_id, year)
    if programme.years is not None and year is not None:
        raw = load_series(paths.inputs, cluster_id, year, programme.years.earlier)
    return raw, programme


@dataclasses.dataclass(frozen=True)
class Survey:
    """Everything one pass over a cluster's data finds, whether or not it builds: what ``check_raw``
    turns into the Case (or refuses), and what the web form shows as the operator types."""

    raw: RawInput
    data: Any  # the model, None where it does not build
    proofs: tuple[Proof, ...]
    signed: dict[str, Path]
    problems: tuple[Problem, ...]
    standing: Standing
    results: tuple[rules.Result, ...]  # the conditions, where the model builds (empty otherwise)

    @property
    def errors(self) -> bool:
        return self.data is None or any(p.severity == "error" for p in self.problems)


def survey(raw: RawInput, programme: Programme, paths: Paths, today: dt.date, strict_dates: bool = False) -> Survey:
    """``raw`` checked for ``programme``, every problem found, and the conditions wherever the model builds."""
    # --- the data: types, units, codes, cross-field checks, relaxations proven
    raw = reading.categories(raw, programme.materials)
    data, problems = validate(raw, programme)
    # --- the evidence: proof files and signed scans, checked even where the data did not build
    attached = list(data.attachments) if data is not None else attachments_of(raw, programme)
    found, signed, evidence_problems = evidence(raw, attached, programme, paths)
    problems += evidence_problems
    # --- the programme on this day: in force, expired (and what valid programme extends it), its deadline
    standing = programmes.standing(programme, today, paths.templates)
    dated = standing.problems(strict=strict_dates)
    programmes.refuse(dated)
    where = raw.where(("programme",)) if "programme" in raw.data else Location(str(raw.file))
    problems += [dataclasses.replace(w, location=where) for w in dated]
    # --- the conditions
    results = tuple(evaluate(data, programme)) if data is not None else ()
    return Survey(raw, data, tuple(found), signed, tuple(problems), standing, results)


def check_raw(raw: RawInput, programme: Programme, paths: Paths, today: dt.date, strict_dates: bool = False) -> Case:
    """``raw`` checked for ``programme``: every problem of the cluster is found before any is raised."""
    s = survey(raw, programme, paths, today, strict_dates)
    if s.errors:
        raise DataInvalid(raw.cluster_id, list(s.problems))
    return Case(s.raw, programme, s.data, s.proofs, MappingProxyType(s.signed), s.results, s.problems, s.standing)


def attachments_of(raw: RawInput, programme: Programme) -> list[Attachment | None]:
    """The attachment entries that are valid on their own, where the whole model is not (None for the others).

    Their files are checked anyway, so that a wrong type elsewhere does not hide a missing file.
    """
    items = raw.data.get("attachments")
    out: list[Attachment | None] = []
    for item in items if isinstance(items, list) else []:
        try:
            out.append(Attachment.model_validate(item))
        except ValidationError:
            out.append(None)  # reported by the model, at its line
    return out


def evidence(
    raw: RawInput, attached: list[Attachment | None], programme: Programme, paths: Paths
) -> tuple[list[Proof], dict[str, Path], list[Problem]]:
    """The cluster's proof attachments and signed scans, checked; with every problem found.

    In a file with data for several programmes, proof filed under another named programme's
    categories belongs to that programme's packet and is left out of this one.
    """
    named = raw.data.get("programme")
    others = {
        name  # each of its categories as it may be written: id or title
        for other in (programme_ids(named) if isinstance(named, (str, list)) else [])
        if isinstance(other, str) and other != programme.id and other not in programme.lineage  # an earlier round's
        for name in reading.material_names(_materials_of(paths, other))
    }
    found, problems = proofs.check(raw, attached, programme, others=others)
    signed, signed_problems = proofs.check_signed(raw, programme)
    return found, signed, problems + signed_problems


def _materials_of(paths: Paths, programme_id: str) -> list[Any]:
    try:
        return list(load_programme(paths.templates, programme_id).materials)
    except ClusterpackError:  # a programme the data names that does not exist: the model says so
        return []


def evaluate(data: Any, programme: Programme) -> list[rules.Result]:
    """``data`` checked against every condition of ``programme``."""
    return rules.evaluate(data, programme.ruleset, programme.data_schema.computed)
