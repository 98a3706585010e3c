"""`clusterpack serve` (what `make serve` runs) starts the app, says where it is, and stops on Ctrl-C."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx
from conftest import EXAMPLE, ROOT


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
