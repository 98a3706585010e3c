"""Benchmark of the web app's live check (issue 19: ≤ 100 ms median for a full cluster's data).

For each example cluster (one per programme), the app runs on a real loopback socket and the page's
own request is sent: POST /api/c/<cluster>/check with every input of the form filled from the
example's data, as the browser sends it while the operator types. Side by side in the same run:
the library's check of the same data in this process (the floor: what the web adds is the rest),
and the CLI's ``clusterpack validate`` of the cluster's file (what a check costs without the app).

    python scripts/bench_web.py [--requests 40] [--cli-runs 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.core import case  # noqa: E402
from pipeline.core.case import build_date  # noqa: E402
from pipeline.stages import check as checking  # noqa: E402
from pipeline.stages.programmes import load_programme  # noqa: E402
from pipeline.stages.read import load_cluster  # noqa: E402
from pipeline.web.form import cells_of, form_of, raw_of  # noqa: E402
from pipeline.web.server import running  # noqa: E402

EXAMPLES = [
    ("qinglan-agrimachinery", "tese-apply"),
    ("quanyue-software", "digital-apply"),
    ("yuyang-textile-eval", "tese-eval"),
]
TARGET_MS = 100.0


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.9) - 1] * 1000


def _root(base: Path, cluster: str) -> case.Paths:
    shutil.copytree(ROOT / "templates", base / "templates", dirs_exist_ok=True)
    shutil.copytree(ROOT / "inputs" / cluster, base / "inputs" / cluster)
    (base / "outputs").mkdir(exist_ok=True)
    return case.Paths(inputs=base / "inputs", templates=base / "templates", outputs=base / "outputs")


def _http(paths: case.Paths, cluster: str, body: dict, n: int) -> list[float]:
    out = []
    with running(paths) as url, httpx.Client(base_url=url, timeout=30) as client:
        page = client.get(f"/c/{cluster}")
        token = page.text.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
        headers = {"X-CSRF-Token": token}
        for i in range(n + 3):
            t = time.perf_counter()
            answer = client.post(f"/api/c/{cluster}/check", json=body, headers=headers)
            if i >= 3:  # the first answers warm the programme and the form
                out.append(time.perf_counter() - t)
            if answer.status_code != 200 or not answer.json().get("ok"):
                raise SystemExit(f"{cluster}: the check answered {answer.status_code}: {answer.text[:300]}")
    return out


def _library(paths: case.Paths, cluster: str, programme, cells: dict, n: int) -> list[float]:
    form, out = form_of(programme), []
    file = load_cluster(paths.inputs, cluster).file
    for _ in range(n):
        t = time.perf_counter()
        checking.survey(raw_of(form, cells, cluster, file), programme, paths, build_date())
        out.append(time.perf_counter() - t)
    return out


def _cli(paths: case.Paths, cluster: str, runs: int) -> list[float]:
    exe = Path(sys.executable).with_name("clusterpack")
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([str(exe), "validate", cluster, "--root", str(paths.inputs.parent)], capture_output=True)
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=40, help="live checks timed per cluster")
    ap.add_argument("--cli-runs", type=int, default=3, help="runs of clusterpack validate per cluster")
    args = ap.parse_args()
    print(f"{'live check of a full cluster':46} {'inputs':>6} {'web median':>11} {'web p90':>8} "
          f"{'library':>8} {'CLI validate':>13}")  # fmt: skip
    medians = []
    for cluster, pid in EXAMPLES:
        base = Path(tempfile.mkdtemp(prefix="clusterpack-bench-web-"))
        try:
            paths = _root(base, cluster)
            programme = load_programme(paths.templates, pid)
            cells = cells_of(form_of(programme), load_cluster(paths.inputs, cluster).data)
            web_median, web_p90 = _ms(_http(paths, cluster, {"programme": pid, "cells": cells}, args.requests))
            lib_median, _ = _ms(_library(paths, cluster, programme, cells, args.requests))
            cli_median, _ = _ms(_cli(paths, cluster, args.cli_runs))
        finally:
            shutil.rmtree(base, ignore_errors=True)
        medians.append(web_median)
        print(f"{cluster + ' (' + pid + ')':46} {len(cells):>6} {web_median:>9.1f}ms {web_p90:>6.1f}ms "
              f"{lib_median:>6.1f}ms {cli_median:>11.0f}ms")  # fmt: skip
    worst = max(medians)
    print(f"target: live check median ≤ {TARGET_MS:.0f} ms: {'met' if worst <= TARGET_MS else 'NOT met'} "
          f"(slowest cluster {worst:.1f} ms)")  # fmt: skip


if __name__ == "__main__":
    main()
