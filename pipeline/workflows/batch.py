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
from typing import Any

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


def _run_share(
    share: list[Job],
    paths: case.Paths,
    today: dt.date | None,
    timeout: float | None,
    force: bool,
    events: Any,
    parent: int = 0,
    memory: int | None = None,
    strict_dates: bool = False,
) -> None:
    """One worker process: its clusters in order through one cached, self-restarting LibreOffice."""
    scratch.die_with_parent()  # a batch that is killed takes its workers (and so their LibreOffice) along
    if parent and os.getppid() != parent:  # it died before the line above
        os._exit(1)
    stats = cache.Stats()
    try:
        with writing(paths.outputs):
            office = cache.converter(paths, timeout=timeout, stats=stats, memory=memory)
    except ClusterpackError as exc:  # outputs/ cannot be written: every cluster of the share says so
        for cid, pid in share:
            events.put(
                ("outcome", Outcome(cid, FAILED, 0.0, exc.user_message(), exit_code=exc.exit_code, programme=pid))
            )
        events.put(("done", (0, 0)))
        return
    try:
        for cid, pid in share:
            t0 = time.monotonic()
            try:
                options: packets.Options = {"office": office, "force": force, "strict_dates": strict_dates}
                if today is not None:
                    options["today"] = today
                r = packets.bundle(cid, paths, pid, **options)
            except ClusterpackError as exc:
                lines = exc.user_message().splitlines()
                outcome = Outcome(
                    cid,
                    FAILED,
                    time.monotonic() - t0,
                    lines[0] if lines else "",
                    exit_code=exc.exit_code,
                    programme=pid,
                )
            except Exception as exc:  # a bug in one cluster must not stop the others
                message = f"内部错误 (internal error): {type(exc).__name__}: {exc}"
                outcome = Outcome(cid, FAILED, time.monotonic() - t0, message, exit_code=1, programme=pid)
            else:
                status = SKIPPED if r.skipped else DRAFT if r.draft else BUILT
                unmet = "；".join(r.unmet) if r.draft else ""
                outcome = Outcome(cid, status, time.monotonic() - t0, unmet, r.folder, programme=pid)
            events.put(("outcome", outcome))
    finally:
        office.close()
        events.put(("done", (stats.converted, stats.reused)))


def bundle_many(
    clusters: list[str] | list[Job],
    paths: case.Paths | None = None,
    jobs: int | None = None,
    programme_id: str | None = None,
    today: dt.date | None = None,
    timeout: float | None = None,
    force: bool = False,
    progress: Callable[[Outcome], None] | None = None,
    strict_dates: bool = False,
) -> BatchResult:
    """Build every cluster of ``clusters``; report each as built, draft, failed or skipped.

    ``clusters`` are cluster ids (built for ``programme_id``, or each for its default) or jobs
    from :func:`plan`. Each job is a process of its own (rendering and assembling are Python work: threads would
    share one core), with its own LibreOffice worker.
    """
    paths = paths or case.Paths()
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
    memory = limits.office_memory(jobs)
    result = BatchResult()
    started = time.monotonic()
    todo: list[Job] = [c if isinstance(c, tuple) else (c, programme_id) for c in clusters]
    ctx = mp.get_context("fork")
    events = ctx.Queue()
    shares = [todo[k::jobs] for k in range(jobs)]
    procs = [
        ctx.Process(
            target=_run_share,
            args=(share, paths, today, timeout, force, events, os.getpid(), memory, strict_dates),
            name=f"worker-{k}",
        )
        for k, share in enumerate(shares)
        if share
    ]
    for p in procs:
        p.start()
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
    for p in procs:
        p.join()
    for cid, pid in todo:  # the jobs of a process that died outright
        if (cid, pid) not in seen:
            outcome = Outcome(
                cid, FAILED, 0.0, "工作进程意外退出 (the worker process died)", exit_code=1, programme=pid
            )
            result.outcomes.append(outcome)
            if progress:
                progress(outcome)
    order = {job: i for i, job in enumerate(todo)}
    result.outcomes.sort(key=lambda o: order[(o.cluster, o.programme)])
    result.seconds = time.monotonic() - started
    return result
