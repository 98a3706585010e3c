"""`clusterpack serve` (what `make serve` runs) starts the app, says where it is, and stops on Ctrl-C."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import httpx
import pytest
from conftest import EXAMPLE, ROOT

from pipeline.core.case import Paths
from pipeline.web.app import create_app

with warnings.catch_warnings():  # starlette asks for httpx2 (not installed here); its client works on httpx as it is
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient


def _root(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    shutil.copytree(ROOT / "inputs" / EXAMPLE, tmp_path / "inputs" / EXAMPLE)
    (tmp_path / "outputs").mkdir()
    return tmp_path


def test_serve_prints_its_address_answers_there_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    root = _root(tmp_path)
    with subprocess.Popen(
        [sys.executable, "-m", "pipeline", "serve", "--root", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
            assert found, line
            page = httpx.get(found.group(0), timeout=20)
            assert page.status_code == 200 and EXAMPLE in page.text
            assert "Content-Security-Policy" in page.headers
        finally:
            proc.send_signal(signal.SIGINT)
            _out, err = proc.communicate(timeout=20)
    assert proc.returncode in (0, -signal.SIGINT, 130), err
    assert "Traceback" not in err


def test_serve_beyond_loopback_without_accounts_is_refused_with_what_to_do(tmp_path: Path) -> None:
    root = _root(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "serve", "--host", "0.0.0.0", "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "E-USAGE-NO-ACCOUNTS" in done.stderr and "clusterpack user add" in done.stderr
    assert "Traceback" not in done.stderr


def test_user_add_keeps_a_hash_and_serve_then_asks_for_a_login(tmp_path: Path) -> None:
    root = _root(tmp_path)
    added = subprocess.run(
        [sys.executable, "-m", "pipeline", "user", "add", "qinglan", "--cluster", EXAMPLE, "--root", str(root)],
        input="a-long-password\na-long-password\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert added.returncode == 0, added.stderr
    accounts = (root / "inputs" / "web-accounts.yaml").read_text(encoding="utf-8")
    assert "a-long-password" not in accounts and "scrypt$" in accounts


@pytest.mark.office
@pytest.mark.private_cache
def test_the_apps_builds_share_one_libreoffice_and_it_stops_with_the_app(tmp_path: Path) -> None:
    root = _root(tmp_path)
    shutil.copytree(ROOT / "inputs" / "yuyang-textile-eval", root / "inputs" / "yuyang-textile-eval")
    app = create_app(Paths(inputs=root / "inputs", templates=root / "templates", outputs=root / "outputs"))
    client = TestClient(app, base_url="http://127.0.0.1:8000")
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").text).group(1)

    def build(cluster: str, programme: str) -> list[int]:
        client.post(f"/api/c/{cluster}/build", json={"programme": programme}, headers={"X-CSRF-Token": token})
        deadline = time.monotonic() + 300
        while (job := client.get(f"/api/c/{cluster}/build?programme={programme}").json()["job"])["state"] == "running":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert job["state"] == "done", job
        lanes = app.state.web.office._office
        return [w._worker._proc.pid for w in lanes._workers if w._worker is not None]

    first = build(EXAMPLE, "tese-apply")
    second = build("yuyang-textile-eval", "tese-eval")
    assert first and second == first  # the second packet converted by the LibreOffice the first one started
    app.state.web.close()
    assert all(not Path(f"/proc/{pid}").exists() or _zombie(pid) for pid in first)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
