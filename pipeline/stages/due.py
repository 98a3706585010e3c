"""What is due, when: for every cluster and city in ``inputs/``, from the programmes' ``due:`` and deadlines.

Dates come from the programmes' data (``due:`` in ``programme.yaml``, a round's ``city.deadline``) and
the clusters' recognitions, never from code. Whether a packet is built, and passes, is read from the
``manifest.json`` of the folder the build writes (nothing is built or written here)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pipeline.core.case import Paths
from pipeline.core.fields import CITIES, Recognition, programme_ids
from pipeline.core.programme import Due, Programme
from pipeline.core.raw import CLUSTER_ID
from pipeline.core.standing import IN_FORCE
from pipeline.errors import ClusterpackError
from pipeline.stages import programmes
from pipeline.stages.read import load_cluster, years_of


@dataclass(frozen=True)
class Item:
    """One thing to file: who, what, under which programme, by when, and how far its packet is."""

    who: str  # cluster id, or city code
    name: str  # the cluster's or city's name
    what: str
    programme: str
    clause: str
    by: dt.date | None  # None: the notice sets no date (以当年通知为准)
    year: int | None  # the data year it reports on
    status: str
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "by": str(self.by) if self.by else None}


@dataclass(frozen=True)
class Cluster:
    """What ``due`` reads of a cluster: its latest data, its recognition, the programmes it names."""

    id: str
    name: str
    city: str
    latest: int | None  # the latest year folder
    recognition: Recognition | None
    named: tuple[str, ...]


def _cluster(paths: Paths, cid: str) -> Cluster | None:
    years = years_of(paths.inputs, cid)
    latest = years[-1] if years else None
    try:
        raw = load_cluster(paths.inputs, cid, latest)
    except ClusterpackError:
        return None
    data = raw.data
    info: dict[str, Any] = data["cluster"] if isinstance(data.get("cluster"), dict) else {}
    try:
        recognition = Recognition.model_validate(data["recognition"]) if "recognition" in data else None
    except ValidationError:
        recognition = None  # the build reports it, at its line
    named = set(_named(data))
    if latest is not None:  # the application's own file names programmes too
        try:
            named |= set(_named(load_cluster(paths.inputs, cid).data))
        except ClusterpackError:
            pass
    return Cluster(
        cid, str(info.get("name", cid)), str(info.get("city", "")), latest, recognition, tuple(sorted(named))
    )


def _named(data: dict[str, Any]) -> list[str]:
    ref = data.get("programme")
    return [p for p in programme_ids(ref) if isinstance(p, str)] if isinstance(ref, (str, list)) else []


def clusters(paths: Paths) -> list[Cluster]:
    """Every cluster folder of ``inputs/`` that reads."""
    folders = sorted(p.name for p in paths.inputs.iterdir() if p.is_dir() and CLUSTER_ID.match(p.name))
    return [c for c in (_cluster(paths, cid) for cid in folders) if c is not None]


def _manifest(folder: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads((folder / "manifest.json").read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def packet_status(folder: Path, need: str = "") -> str:
    """How far a packet is: 未生成, 已生成（通过）, 已生成（草稿：…）; ``need`` says what is missing first."""
    if need:
        return need
    manifest = _manifest(folder)
    if manifest is None:
        return "未生成"
    checks = manifest.get("checks") or {}
    if checks.get("draft"):
        return "已生成（草稿：" + "；".join(checks.get("unmet") or []) + "）"
    return "已生成（通过）"


def yearly_deadline(due: Due, on: dt.date) -> dt.date:
    """The next yearly deadline on or after ``on``."""
    this = due.deadline(on.year)
    return this if this >= on else due.deadline(on.year + 1)


def _validity_note(programme: Programme, on: dt.date) -> str:
    standing = programmes.standing(programme, on)
    if standing.status == IN_FORCE:
        return ""
    when = f"有效期至{programme.valid.until}" if standing.status != "not-yet" else f"自{programme.valid.start}起施行"
    return f"依据的{programme.notice.number}{when}，请核对现行规定"


def _need_year(paths: Paths, c: Cluster, year: int) -> str:
    if year in years_of(paths.inputs, c.id):
        return ""
    start = f"clusterpack init {c.id} --from-year {c.latest}" if c.latest else f"clusterpack init {c.id}"
    return f"缺少{year}年数据（{start}）"


def cluster_items(paths: Paths, p: Programme, due: Due, c: Cluster, on: dt.date) -> list[Item]:
    """A recognised cluster's duty under ``due``: the next yearly report, or the 复核 in its expiry year."""
    if c.recognition is None:
        return []
    if due.when == "yearly":
        by = yearly_deadline(due, on)
        year = by.year - 1
    else:
        by = c.recognition.until(due.years)
        year = by.year - 1
        if on.year != by.year and not on <= by <= on + dt.timedelta(days=366):
            return []
    folder = paths.outputs / p.id / c.id / str(year)
    note = "；".join(x for x in (_recognised(c.recognition, due), _validity_note(p, on)) if x)
    status = packet_status(folder, _need_year(paths, c, year))
    return [Item(c.id, c.name, due.what, p.id, due.clause, by, year, status, note)]


def _recognised(r: Recognition, due: Due) -> str:
    if due.when != "expiry":
        return ""
    return f"{r.year}年认定（{r.document_number}），有效期至{r.until(due.years)}"


def city_items(paths: Paths, p: Programme, due: Due, city: str, on: dt.date) -> list[Item]:
    """A city's yearly report: its file, and the packet the city workflow writes."""
    by = yearly_deadline(due, on)
    year = by.year - 1
    file = paths.inputs / "cities" / f"{city}-{p.id}.yaml"
    folder = paths.outputs / p.id / "cities" / city
    manifest = _manifest(folder) or {}
    need = "" if file.is_file() else f"缺少 inputs/cities/{file.name}（报告的文号、日期、集群）"
    if not need and manifest and (manifest.get("city") or {}).get("year") != year:
        need = f"已生成的是{(manifest.get('city') or {}).get('year')}年度的报告"
    status = packet_status(folder, need)
    return [Item(city, CITIES.get(city, city), due.what, p.id, due.clause, by, year, status, _validity_note(p, on))]


def named_items(paths: Paths, p: Programme, c: Cluster, on: dt.date) -> list[Item]:
    """A programme in force that the cluster's data names: its deadline (the city's), and the packet."""
    standing = programmes.standing(p, on)
    if p.due or standing.status != IN_FORCE or p.notice.example:
        return []
    by = standing.deadline
    note = "" if by else "截止日期以当年通知为准"
    status = packet_status(paths.outputs / p.id / c.id)
    return [Item(c.id, c.name, p.title, p.id, p.notice.number, by, None, status, note)]


def due(paths: Paths, on: dt.date, city: str | None = None) -> list[Item]:
    """Everything due for the clusters and cities of ``inputs/`` on ``on`` (``city``: that city's only), by date."""
    loaded = []
    for pid in programmes.available(paths.templates):
        try:
            loaded.append(programmes.load_programme(paths.templates, pid))
        except ClusterpackError:
            continue  # a broken programme is reported where it is built
    found = [c for c in clusters(paths) if city is None or c.city == city]
    items: list[Item] = []
    seen: set[tuple[str, str, str]] = set()
    for p in (p for p in loaded if not p.notice.example):
        for d in p.due:
            if (d.id, d.who, d.what) in seen:  # a later round inheriting the same duty: the first programme says it
                continue
            seen.add((d.id, d.who, d.what))
            if d.who == "cluster":
                items += [i for c in found for i in cluster_items(paths, p, d, c, on)]
            else:
                cities = sorted({c.city for c in found if c.recognition is not None and c.city})
                items += [i for code in cities for i in city_items(paths, p, d, code, on)]
    for c in found:
        items += [i for p in loaded if p.id in c.named for i in named_items(paths, p, c, on)]
    return sorted(items, key=lambda i: (i.by or dt.date.max, i.who, i.what))
