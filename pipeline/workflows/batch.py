"""Many clusters at once: one process and one LibreOffice worker per job, each cluster's failure its own.

Clusters are dealt to the workers in a fixed order (worker k takes clusters k, k+N, …), so the
same batch converts the same documents in the same process in the same order, which keeps its
output byte-identical from run to run. Unchanged packets are skipped before any worker starts."""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing as mp
import os
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict, Unpack

from pipeline.core import case, limits, scratch
from pipeline.core.fields import programme_ids
from pipeline.core.raw import CLUSTER_ID
from pipeline.errors import ClusterpackError, writing
from pipeline.stages import cache
from pipeline.stages.read import load_cluster
from pipeline.workflows import packet as packets

log = logging.getLogger(__name__)


BUILT, DRAFT, FAILED, SKIPPED = "built", "draft", "failed", "skipped"


# One packet to build: a cluster and the programme to build it for (None: the one its data names first).
Job = tuple[str, str | None]


@dataclass
class Outcome:
    cluster: str
    status: str  # built | draft | failed | skipped
    seconds: float
    message: str = ""
    folder: Path | None = None
    exit_code: int = 0
    programme: str | None = None  # as asked for; None: the cluster's default

    @property
    def label(self) -> str:
        return f"{self.cluster} [{self.programme}]" if self.programme else self.cluster


@dataclass
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)
    stats: cache.Stats = field(default_factory=cache.Stats)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def failed(self) -> bool:
        return self.count(FAILED) > 0


def all_clusters(inputs: Path) -> list[str]:
    """Every cluster folder under ``inputs/`` (``cities/`` is not a cluster)."""
    return sorted(
        p.name
        for p in inputs.iterdir()
        if p.is_dir() and CLUSTER_ID.match(p.name) and any((p / f).is_file() for f in ("cluster.yaml", "cluster.xlsx"))
    )


def plan(inputs: Path, clusters: list[str], programme_id: str | None = None) -> tuple[list[Job], list[str]]:
    """The packets a batch of whole clusters builds, and the clusters left out.

    Each cluster is built for every programme its data names (one file may serve several), or,
    with ``programme_id``, for that one only, leaving out the clusters whose data does not name it.
    A cluster whose data cannot be read is still planned, so that its build reports why.
    """
    jobs: list[Job] = []
    left_out: list[str] = []
    for cid in clusters:
        try:
            named = programme_ids(load_cluster(inputs, cid).data.get("programme") or [])
        except (ClusterpackError, TypeError):
            named = []
        named = [p for p in named if isinstance(p, str)]
        if programme_id is not None and named and programme_id not in named:
            left_out.append(cid)
        elif programme_id is not None or not named:
            jobs.append((cid, programme_id))
        else:
            jobs.extend((cid, p) for p in named)
    return jobs, left_out


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


class BatchOptions(TypedDict, total=False):
    """How a batch builds its packets (every key optional)."""

    programme_id: str | None  # for clusters given by id: the programme (None: each its data's default)
    today: dt.date | None  # the build's date (None: SOURCE_DATE_EPOCH, else today)
    timeout: float | None  # seconds one conversion may take (None: the limit's default)
    force: bool  # rebuild although nothing has changed
    strict_dates: bool  # refuse a programme not in force on the day (exit 2), instead of warning


@dataclass(frozen=True)
class _Share:
    """One worker's part of a batch: its jobs, in order, and how it builds them."""

    jobs: list[Job]
    paths: case.Paths
    today: dt.date | None
    timeout: float | None
    force: bool
    strict_dates: bool
    parent: int = 0  # the batch's process: a worker whose parent is gone exits
    memory: int | None = None  # its LibreOffice's share of the memory budget


def _run_share(share: _Share, events: Any) -> None:
    """One worker process: its clusters in order through one cached, self-restarting LibreOffice."""
    scratch.die_with_parent()  # a batch that is killed takes its workers (and so their LibreOffice) along
    if share.parent and os.getppid() != share.parent:  # it died before the line above
        os._exit(1)
    stats = cache.Stats()
    try:
        with writing(share.paths.outputs):
            office = cache.converter(share.paths, timeout=share.timeout, stats=stats, memory=share.memory)
    except ClusterpackError as exc:  # outputs/ cannot be written: every cluster of the share says so
        for cid, pid in share.jobs:
            events.put(
                ("outcome", Outcome(cid, FAILED, 0.0, exc.user_message(), exit_code=exc.exit_code, programme=pid))
            )
        events.put(("done", (0, 0)))
        return
    try:
        for cid, pid in share.jobs:
            events.put(("outcome", _build_one(share, office, cid, pid)))
    finally:
        office.close()
        events.put(("done", (stats.converted, stats.reused)))


def _build_one(share: _Share, office: cache.CachedConverter, cid: str, pid: str | None) -> Outcome:
    """One packet of the share, whatever happens: built, draft, skipped, or failed with why."""
    t0 = time.monotonic()
    try:
        options: packets.Options = {"office": office, "force": share.force, "strict_dates": share.strict_dates}
        if share.today is not None:
            options["today"] = share.today
        r = packets.bundle(cid, share.paths, pid, **options)
    except ClusterpackError as exc:
        lines = exc.user_message().splitlines()
        return Outcome(
            cid,
            FAILED,
            time.monotonic() - t0,
            lines[0] if lines else "",
            exit_code=exc.exit_code,
            programme=pid,
        )
    except Exception as exc:  # a bug in one cluster must not stop the others
        message = f"内部错误 (internal error): {type(exc).__name__}: {exc}"
        return Outcome(cid, FAILED, time.monotonic() - t0, message, exit_code=1, programme=pid)
    status = SKIPPED if r.skipped else DRAFT if r.draft else BUILT
    unmet = "；".join(r.unmet) if r.draft else ""
    return Outcome(cid, status, time.monotonic() - t0, unmet, r.folder, programme=pid)


def bundle_many(
    clusters: list[str] | list[Job],
    paths: case.Paths | None = None,
    jobs: int | None = None,
    progress: Callable[[Outcome], None] | None = None,
    **options: Unpack[BatchOptions],
) -> BatchResult:
    """Build every cluster of ``clusters``; report each as built, draft, failed or skipped.

    ``clusters`` are cluster ids (built for ``programme_id``, or each for its default) or jobs
    from :func:`plan`. Each job is a process of its own (rendering and assembling are Python work: threads would
    share one core), with its own LibreOffice worker.
    """
    paths = paths or case.Paths()
    jobs = _workers(jobs)
    result = BatchResult()
    started = time.monotonic()
    todo: list[Job] = [c if isinstance(c, tuple) else (c, options.get("programme_id")) for c in clusters]
    # worker k takes jobs k, k+N, …: the same batch converts the same documents in the same order
    memory = limits.office_memory(jobs)
    shares = [
        _Share(
            todo[k::jobs],
            paths,
            options.get("today"),
            options.get("timeout"),
            options.get("force", False),
            options.get("strict_dates", False),
            os.getpid(),
            memory,
        )
        for k in range(jobs)
    ]
    ctx = mp.get_context("fork")
    events = ctx.Queue()
    procs = [
        ctx.Process(target=_run_share, args=(share, events), name=f"worker-{k}")
        for k, share in enumerate(shares)
        if share.jobs
    ]
    for p in procs:
        p.start()
    # the outcomes as they come; then the jobs of a worker that died outright; in the order asked
    seen = _collect(procs, events, result, progress)
    for p in procs:
        p.join()
    _died(todo, seen, result, progress)
    order = {job: i for i, job in enumerate(todo)}
    result.outcomes.sort(key=lambda o: order[(o.cluster, o.programme)])
    result.seconds = time.monotonic() - started
    return result


def _workers(jobs: int | None) -> int:
    """The workers asked for (default: one per core), as many as fit in the memory budget together."""
    jobs = max(1, jobs or default_jobs())
    if jobs > limits.max_jobs():  # the memory budget is for all of them together
        log.warning(
            "%d workers do not fit in %s of memory (%s): using %d",
            jobs,
            limits.MEMORY_BYTES.shown(),
            limits.MEMORY_BYTES.env,
            limits.max_jobs(),
        )
        jobs = limits.max_jobs()
    return jobs


def _collect(
    procs: list[Any], events: Any, result: BatchResult, progress: Callable[[Outcome], None] | None
) -> set[Job]:
    """Every outcome the workers send, until each is done (or all are dead); returns the jobs reported."""
    running = len(procs)
    seen: set[Job] = set()
    while running:
        try:
            kind, payload = events.get(timeout=5)
        except queue.Empty:
            if not any(p.is_alive() for p in procs):  # a worker process died without saying so
                break
            continue
        if kind == "outcome":
            result.outcomes.append(payload)
            seen.add((payload.cluster, payload.programme))
            if progress:
                progress(payload)
        else:
            running -= 1
            result.stats.add(converted=payload[0], reused=payload[1])
    return seen


def _died(todo: list[Job], seen: set[Job], result: BatchResult, progress: Callable[[Outcome], None] | None) -> None:
    for cid, pid in todo:  # the jobs of a process that died outright
        if (cid, pid) not in seen:
            outcome = Outcome(
                cid, FAILED, 0.0, "工作进程意外退出 (the worker process died)", exit_code=1, programme=pid
            )
            result.outcomes.append(outcome)
            if progress:
                progress(outcome)
