"""A city bureau's decision file as the clerk's page holds it: read, each cluster's status, written back whole.

The file is the CLI's own ``inputs/cities/<code>.yaml`` (or ``<code>-<programme>.yaml``, found by
``stages.recommend.city_file``); the keys the page does not hold (``signatory``, ``year``, any other)
are kept as they were. What is wrong with it is said by the library's own check (``recommend.plan``),
each cluster's status by ``stages.check.survey`` and ``stages.verdict``, in the letter's words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.core import scratch
from pipeline.core.case import Paths
from pipeline.core.fields import CITIES
from pipeline.core.programme import Programme
from pipeline.errors import ClusterpackError, DataInvalid, Problem, UsageError
from pipeline.stages import check as checking
from pipeline.stages.programmes import available, load_programme
from pipeline.stages.read import load_yaml
from pipeline.stages.recommend import SIGNED_SCANS, CityInput, city_file, plan
from pipeline.stages.verdict import Verdict
from pipeline.web import store
from pipeline.web.builds import problem_dict
from pipeline.workflows.city import stated
from pipeline.workflows.cityinit import city_clusters

LETTER = ("bureau", "document_number", "date", "contact", "phone")  # the letter's one-line fields, as the page has them
HELD = ("city", "programme", *LETTER, "cc", "clusters", "force")  # every key the page writes
MAX_TEXT, MAX_ITEMS = 2000, 200  # one value typed; clusters, reasons or cc lines in one save


@dataclass(frozen=True)
class Desk:
    """One city and programme on the clerk's page: the decision file (which may not exist yet)."""

    code: str
    programme: Programme
    file: Path
    paths: Paths
    today: dt.date

    @property
    def city_name(self) -> str:
        return CITIES[self.code]


def city_programmes(paths: Paths) -> dict[str, str]:
    """The programmes that have a city workflow: {id: title}."""
    out = {}
    for pid in available(paths.templates):
        try:
            programme = load_programme(paths.templates, pid)
        except ClusterpackError:
            continue
        if programme.city is not None:
            out[pid] = programme.title
    return out


def programme_of(paths: Paths, code: str, asked: str | None) -> Programme | None:
    """The programme asked for, else the one the city's decision file names; None when there is no telling."""
    if not asked:
        try:
            asked = str(load_yaml(city_file(paths.inputs, code), code).data.get("programme") or "") or None
        except ClusterpackError:
            return None
    if not asked:
        return None
    programme = load_programme(paths.templates, asked)
    if programme.city is None:
        raise UsageError(
            f"申报项目 {programme.id} 没有市级推荐流程 (the programme has no city workflow)",
            code="E-USAGE-NO-CITY-WORKFLOW",
        )
    return programme


def desk(paths: Paths, code: str, programme: Programme, today: dt.date) -> Desk:
    """The decision file for ``programme``: the one ``city_file`` finds if it is for that programme, else a new
    ``<code>-<programme>.yaml`` (as ``clusterpack init --city`` names it, and ``city_file`` then finds first)."""
    try:
        found: Path | None = city_file(paths.inputs, code, programme.id)
    except UsageError:
        found = None
    if found is not None and _named(found) in (programme.id, *programme.lineage):
        return Desk(code, programme, found, paths, today)
    return Desk(code, programme, paths.inputs / "cities" / f"{code}-{programme.id}.yaml", paths, today)


def _named(file: Path) -> str:
    try:
        return str(load_yaml(file, file.stem).data.get("programme") or "")
    except ClusterpackError:
        return ""


def current(d: Desk) -> dict[str, Any]:
    """The decision as the file holds it; for a file not yet written, what ``init --city`` would start from."""
    if d.file.is_file():
        return dict(load_yaml(d.file, d.code, root=d.paths.inputs.parent).data)
    spec = d.programme.city
    assert spec is not None
    return {
        "city": d.code,
        "programme": d.programme.id,
        "bureau": spec.bureau_of(d.code, d.city_name),
        "cc": [],
        "clusters": city_clusters(d.paths.inputs, d.code, d.programme),
        "force": {},
    }


# --- what the page shows -------------------------------------------------------------------------------------------


def cluster_status(d: Desk, cluster_id: str, year: int | None, reason: str | None) -> dict[str, Any]:
    """One cluster as the clerk weighs it: its errors, the conditions blocking, the verdict in the letter's words."""
    shown: dict[str, Any] = {"id": cluster_id, "name": cluster_id, "city": "", "readable": False}
    try:
        raw, programme = checking.read_for(d.paths, cluster_id, d.programme.id, year, d.today)
        s = checking.survey(raw, programme, d.paths, d.today)
    except ClusterpackError as exc:
        return shown | {"message": f"[{exc.code}] {exc}"}
    cluster = raw.data.get("cluster")
    named = cluster if isinstance(cluster, dict) else {}
    verdict = Verdict(s.results, reason or None)
    return shown | {
        "name": str(named.get("name") or cluster_id),
        "city": str(named.get("city") or ""),
        "readable": True,
        "errors": sum(p.severity == "error" for p in s.problems),
        "warnings": sum(p.severity == "warning" for p in s.problems),
        "blocking": [f"{r.clause} {r.title}" for r in verdict.unmet],
        "short": verdict.short,
        "sentence": stated(programme, verdict, s.data) if s.data is not None else "",
    }


def review(d: Desk) -> dict[str, Any]:
    """The library's check of the decision file (``recommend.plan``): every problem with its code."""
    if not d.file.is_file():
        return {"problems": [], "errors": 0, "warnings": 0, "checked": False}
    try:
        problems: list[Problem] = list(plan(d.code, d.paths, d.programme.id, d.today).warnings)
    except DataInvalid as exc:
        problems = list(exc.problems)
    except ClusterpackError as exc:
        problems = [Problem(exc.code, str(exc))]
    return {
        "problems": [problem_dict(p) for p in problems],
        "errors": sum(p.severity == "error" for p in problems),
        "warnings": sum(p.severity == "warning" for p in problems),
        "checked": True,
    }


def state(d: Desk) -> dict[str, Any]:
    """Everything the page shows: the letter's fields, the clusters in order with their status, the check."""
    data = current(d)
    listed = [str(c) for c in data.get("clusters") or [] if isinstance(c, (str, int))]
    found = data.get("force")
    force: dict[str, Any] = found if isinstance(found, dict) else {}
    year = data.get("year") if isinstance(data.get("year"), int) else None
    others = [c for c in city_clusters(d.paths.inputs, d.code, d.programme) if c not in listed]
    rows = []
    for cid, chosen in [(c, True) for c in dict.fromkeys(listed)] + [(c, False) for c in others]:
        reason = str(force.get(cid) or "")
        rows.append(cluster_status(d, cid, year, reason) | {"chosen": chosen, "reason": reason})
    spec = d.programme.city
    assert spec is not None
    quota = spec.quota
    return {
        "city": d.code,
        "city_name": d.city_name,
        "programme": d.programme.id,
        "file": d.file.relative_to(d.paths.inputs.parent).as_posix(),
        "exists": d.file.is_file(),
        "quota": {"limit": quota.limit(d.code), "clause": quota.clause} if quota else None,
        "fields": {k: _text(data.get(k)) for k in LETTER} | {"cc": [_text(c) for c in data.get("cc") or []]},
        "clusters": rows,
        "review": review(d),
        "scans": scans(d),
    }


def _scan_names(d: Desk) -> dict[str, str]:
    """The sealed scans a city file may have: {what: file name} (the letter's name is the programme's)."""
    spec = d.programme.city
    letter = spec.letter_name if spec is not None else "推荐文件"
    return {**SIGNED_SCANS, "letter": f"{letter}.pdf"}


def scan_folder(d: Desk) -> Path:
    """``inputs/cities/<the decision file's stem>/signed/``: where the CLI looks for this file's sealed scans."""
    return d.file.parent / d.file.stem / "signed"


def scans(d: Desk) -> list[dict[str, Any]]:
    """The sealed scans of the letter and the 汇总表: which is in place (a scan replaces the generated PDF)."""
    folder = scan_folder(d)
    return [{"what": w, "name": n, "present": (folder / n).is_file()} for w, n in _scan_names(d).items()]


def save_scan(d: Desk, what: str, data: bytes) -> Path:
    """Save the sealed scan ``what`` (letter or summary) of this decision file, whole or not at all."""
    names = _scan_names(d)
    if what not in names:
        raise UsageError(f"没有这份盖章文件：{what[:40]} (no such sealed document)", code="E-WEB-SIGNED-DOCUMENT")
    store.check_upload(names[what], data)
    with store.locked(f"cities/{d.file.name}"):
        return scratch.write_atomic(scan_folder(d) / names[what], data)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


# --- what a save writes --------------------------------------------------------------------------------------------


def _string(body: dict[str, Any], key: str) -> str:
    value = body.get(key, "")
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise UsageError(f"{key} 应为不超过 {MAX_TEXT} 字的文字 (a text)", code="E-WEB-REQUEST")
    return value.strip()


def _strings(value: Any, key: str) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_ITEMS or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{key} 应为文字的列表 (a list of texts)", code="E-WEB-REQUEST")
    return [v.strip() for v in value if v.strip() and len(v) <= MAX_TEXT]


def held(d: Desk, body: dict[str, Any]) -> dict[str, Any]:
    """What the page sent, as the decision file writes it (a value that is wrong is written as typed, and checked)."""
    reasons = body.get("force", {})
    if not isinstance(reasons, dict) or len(reasons) > MAX_ITEMS:
        raise UsageError("force 应为 {集群: 理由} (a mapping of reasons)", code="E-WEB-REQUEST")
    out: dict[str, Any] = {"city": d.code}
    out |= {k: _string(body, k) for k in LETTER}
    try:
        out["date"] = dt.date.fromisoformat(out["date"])  # written as a YAML date, as a clerk writes it
    except ValueError:
        pass  # kept as typed: the check says what is wrong with it
    out["cc"] = _strings(body.get("cc", []), "cc")
    out["clusters"] = _strings(body.get("clusters", []), "clusters")
    out["force"] = {str(k): _string(reasons, k) for k in list(reasons) if _string(reasons, k)}
    return {k: v for k, v in out.items() if v != "" or k != "bureau"}  # no bureau: the programme's own name


def write(d: Desk, body: dict[str, Any]) -> Path:
    """Write the decision file whole: what the page holds, and the keys it does not hold as they were."""
    with store.locked(f"cities/{d.file.name}"):
        was = current(d) if d.file.is_file() else {"programme": d.programme.id}
        mine = held(d, body) | {"programme": was.get("programme") or d.programme.id}
        kept = {k: v for k, v in was.items() if k not in HELD}
        order = [*CityInput.model_fields, *kept]
        data = {k: (mine | kept)[k] for k in order if k in mine or k in kept}
        header = f"# {d.city_name}推荐{d.programme.title}的决定：由 clusterpack 网页保存 (saved by the web page)\n"
        d.file.parent.mkdir(parents=True, exist_ok=True)
        return scratch.write_atomic(d.file, header + store.yaml_text(data))
