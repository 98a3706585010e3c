"""Builds started from the browser: one at a time per packet, in a thread, with the phases done so far.

A build is the library's own (``workflows.packet.bundle``, ``workflows.city.city_bundle``): staged
and swapped in whole, so a failed one leaves the last good packet where it was, downloadable. The
page asks for the job's state while it runs; its phases come from the build's own phase log.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pipeline.core import timing
from pipeline.errors import ClusterpackError, DataInvalid

PHASES = {  # the build's phases as the page names them
    "plan": "检查推荐名单与各集群数据",
    "check": "检查数据",
    "render": "填写 Word 文件",
    "convert": "转换为 PDF",
    "assemble": "合并、目录与页码",
    "city": "推荐文件、汇总表、报送清单与市级推荐材料",
}


@dataclass
class Job:
    """One build: its state (``running``, ``done``, ``failed``), the phases done and what it made or why it failed."""

    key: str
    state: str = "running"
    phases: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0
    result: dict[str, Any] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""
    thread: int = 0

    def as_dict(self) -> dict[str, Any]:
        elapsed = self.seconds or time.monotonic() - self.started
        return {
            "state": self.state,
            "phases": self.phases,
            "seconds": round(elapsed, 1),
            "result": self.result,
            "problems": self.problems,
            "message": self.message,
        }


class _PhaseLog(logging.Handler):
    """Each phase the build thread finishes, added to its job."""

    def __init__(self, jobs: Builds) -> None:
        super().__init__(logging.INFO)
        self.jobs = jobs

    def emit(self, record: logging.LogRecord) -> None:
        name = str(record.args[0]).strip() if isinstance(record.args, tuple) and record.args else ""
        job = self.jobs.by_thread(record.thread or 0)
        if job is not None and name in PHASES and PHASES[name] not in job.phases:
            job.phases.append(PHASES[name])


class Builds:
    """The builds of one app: a job per packet key, one build running at a time (they share two cores)."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._one = threading.Semaphore(1)
        handler = _PhaseLog(self)
        timing.log.addHandler(handler)
        if timing.log.level == logging.NOTSET or timing.log.level > logging.INFO:
            timing.log.setLevel(logging.INFO)
        timing.log.propagate = False

    def by_thread(self, ident: int) -> Job | None:
        with self._lock:
            return next((j for j in self._jobs.values() if j.thread == ident and j.state == "running"), None)

    def get(self, key: str) -> Job | None:
        with self._lock:
            return self._jobs.get(key)

    def start(self, key: str, work: Callable[[], dict[str, Any]]) -> Job:
        """Start ``work`` for ``key`` unless a build of it is already running (then that one is returned)."""
        with self._lock:
            running = self._jobs.get(key)
            if running is not None and running.state == "running":
                return running
            job = self._jobs[key] = Job(key)
        thread = threading.Thread(target=self._run, args=(job, work), name=f"build {key}", daemon=True)
        thread.start()
        return job

    def _run(self, job: Job, work: Callable[[], dict[str, Any]]) -> None:
        job.thread = threading.get_ident()
        try:
            with self._one:
                job.result = work()
            job.state = "done"
        except DataInvalid as exc:
            job.state, job.message = "failed", f"数据有 {len(exc.errors)} 处错误，未生成 (the data has errors)"
            job.problems = [problem_dict(p) for p in exc.problems]
        except ClusterpackError as exc:
            job.state, job.message = "failed", f"[{exc.code}] {exc}"
        except Exception as exc:  # noqa: BLE001 - a bug must reach the page, not kill the thread silently
            logging.getLogger(__name__).exception("build %s", job.key)
            job.state, job.message = "failed", f"[E-INTERNAL] 生成时出现内部错误 (internal error): {type(exc).__name__}"
        finally:
            job.seconds = time.monotonic() - job.started


def problem_dict(p: Any) -> dict[str, Any]:
    return {
        "code": p.code,
        "message": p.message,
        "field": p.field,
        "severity": p.severity,
        "where": str(p.location) if p.location else "",
    }
