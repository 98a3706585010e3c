"""Faults, with the real LibreOffice: a build killed at any moment, a batch with bombs, links, a full disk.

Each test runs the real command in a subprocess with a private TMPDIR, so that the processes and
scratch folders it looks for are its own and not another build's on the same machine.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import hostile
import pytest
from conftest import EXAMPLE, example_data, write_cluster
from pypdf import PdfReader

from pipeline.core import limits
from pipeline.errors import ExitCode
from pipeline.stages import convert

pytestmark = [pytest.mark.office, pytest.mark.private_cache]
GIB = 1 << 30


def _env(tmp: Path) -> dict[str, str]:
    tmp.mkdir(exist_ok=True)
    return {**os.environ, "TMPDIR": str(tmp), "NO_COLOR": "1"}


def _command(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", *args, "--root", str(root)]


def _ours(tmp: Path) -> list[int]:
    """Processes whose command line names our private TMPDIR (our LibreOffice and its helper), zombies aside."""
    needle = str(tmp).encode()
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if (
                needle in (proc / "cmdline").read_bytes()
                and (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
            ):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _wait(condition, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, "the build finished before the moment to kill it came"
        assert time.monotonic() < deadline, "the moment to kill the build never came"
        time.sleep(0.005)


def _gone(tmp: Path, timeout: float = 10) -> list[int]:
    deadline = time.monotonic() + timeout
    while (left := _ours(tmp)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def test_a_build_killed_at_three_moments_leaves_the_packet_and_nothing_else(root: Path, tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    env = _env(tmp)
    first = subprocess.run(_command(root, "bundle", EXAMPLE), env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    packets = root / "outputs" / "tese-apply"
    good = _snapshot(packets / EXAMPLE)
    cache = root / "outputs" / ".cache" / "pdf"

    def staged(suffix: str):
        return lambda: any(p.suffix == suffix for s in packets.glob(f".{EXAMPLE}.staging-*") for p in s.iterdir())

    def cached_more(than: int):
        return lambda: len(list(cache.rglob("*.pdf"))) > than

    moments = [
        ("LibreOffice starting", lambda: bool(_ours(tmp)), False),
        ("mid-conversion", cached_more(0), True),  # the cache emptied: LibreOffice converts for real
        ("assembling", staged(".pdf"), False),
    ]
    for what, moment, cold in moments:
        if cold:
            shutil.rmtree(cache)
        proc = subprocess.Popen(
            _command(root, "bundle", EXAMPLE, "--force"), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _wait(moment, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert _gone(tmp) == [], f"LibreOffice outlived a build killed while {what}"
        assert _snapshot(packets / EXAMPLE) == good, f"the packet changed when a build was killed while {what}"
    again = subprocess.run(_command(root, "bundle", EXAMPLE), env=env, capture_output=True, text=True)
    assert again.returncode == 0 and "未变化" in again.stdout, again.stderr  # nothing to build: it still cleans
    assert _leftovers(packets) == []  # the killed builds' staging folders are gone
    left = [p.name for p in (tmp / f"clusterpack-{os.getuid()}").iterdir()]
    # their work folders and profiles are gone; only the seed a worker that quit in good order kept is there
    assert [n for n in left if not n.startswith("office-seed-")] == [] and len(left) <= 1, left
    assert _ours(tmp) == []


def _sampled_peak(proc: subprocess.Popen) -> int:
    """The largest sum of resident memory of ``proc`` and its descendants, sampled every 20 ms."""
    peak = 0
    while proc.poll() is None:
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        total, todo = 0, [proc.pid]
        while todo:
            pid = todo.pop()
            todo += children.get(pid, [])
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            except OSError:
                continue
        peak = max(peak, total)
        time.sleep(0.02)
    return peak


def test_a_batch_with_bombs_builds_the_others_within_two_gib(root: Path, tmp_path: Path) -> None:
    data = example_data()
    bombs = {
        "word-bomb": ("炸弹.docx", hostile.docx_bomb(60_000_000)),  # 60 MB of XML in ≈ 150 KB
        "pdf-bomb": ("炸弹.pdf", hostile.pdf_with_content([200_000_000, 200_000_000])),  # two 200 MB streams
    }
    for cid, (name, content) in bombs.items():
        folder = write_cluster(
            root, cid, {**data, "attachments": [{"title": "材料", "category": "other", "file": name}]}
        )
        hostile.write(folder / "attachments" / name, content)
    proc = subprocess.Popen(
        _command(root, "bundle", "--all", "--jobs", "2"),
        env=_env(tmp_path / "tmp"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = _sampled_peak(proc)
    out, err = proc.communicate()
    assert proc.returncode == ExitCode.DATA_INVALID, err
    assert (root / "outputs" / "tese-apply" / EXAMPLE / "申报材料.pdf").is_file()
    assert "E-LIMIT-UNZIPPED" in out + err and "E-LIMIT-PDF-STREAM" in out + err
    assert "Traceback" not in err
    assert peak < 2 * GIB, f"peak {peak / GIB:.2f} GiB"


def test_a_linked_picture_never_reaches_a_pdf(root: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(hostile.png_bytes((211, 97), (10, 200, 30)))  # a size no other picture has
    linking = hostile.docx_linking(secret.as_uri(), secret.read_bytes())
    # First line: as a proof it is refused before LibreOffice sees it.
    data = example_data()
    data["attachments"].append({"title": "链接的图片", "category": "other", "file": "链接.docx"})
    folder = write_cluster(root, EXAMPLE, data)
    hostile.write(folder / "attachments" / "链接.docx", linking)
    env = _env(tmp_path / "tmp")
    r = subprocess.run(_command(root, "bundle", EXAMPLE), env=env, capture_output=True, text=True)
    assert r.returncode == ExitCode.DATA_INVALID and "E-OFFICE-EXTERNAL" in r.stderr
    # Second line: LibreOffice itself, given the file anyway, does not fetch the picture.
    pdf = tmp_path / "linked.pdf"
    with convert.OfficeWorker() as office:
        office.convert(hostile.write(tmp_path / "linked.docx", linking), pdf)
        soffice = [p for p in _descendants(office._proc.pid) if b"soffice.bin" in _cmdline(p)]
        assert soffice, "no soffice.bin under the worker"
        limits_text = Path(f"/proc/{soffice[0]}/limits").read_text()
    images = [img for page in PdfReader(str(pdf)).pages for img in page.images]
    assert images == []
    data_line = next(line for line in limits_text.splitlines() if line.startswith("Max data size"))
    assert int(data_line.split()[3]) == limits.office_memory(1)  # the worker runs under its memory limit
    for path in (root / "outputs").rglob("*.pdf"):
        for page in PdfReader(str(path)).pages:
            assert all(img.image.size != (211, 97) for img in page.images), path


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            children.setdefault(int(stat.read_text().rsplit(")", 1)[1].split()[1]), []).append(int(stat.parent.name))
        except OSError:
            continue
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _can_mount() -> bool:
    if os.getuid() != 0 or not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    return probe.returncode == 0


def _run_with_outputs(root: Path, tmp: Path, mount: str) -> subprocess.CompletedProcess[str]:
    """The build, with outputs/ mounted as ``mount`` says in a mount namespace of its own (nothing else sees it)."""
    outputs = root / "outputs"
    command = " ".join(f"'{a}'" for a in _command(root, "bundle", EXAMPLE))
    script = {"ro": f"mount --bind '{outputs}' '{outputs}' && mount -o remount,ro,bind '{outputs}'",
              "full": f"mount -t tmpfs -o size=16k tmpfs '{outputs}'"}[mount]  # fmt: skip
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", f"{script} && exec {command}"], env=_env(tmp), capture_output=True, text=True
    )


@pytest.mark.parametrize(("mount", "code"), [("ro", "E-OUTPUT-READONLY"), ("full", "E-OUTPUT-FULL")])
def test_a_read_only_or_full_outputs_is_said_with_its_code(root: Path, tmp_path: Path, mount: str, code: str) -> None:
    if _can_mount():
        r = _run_with_outputs(root, tmp_path / "tmp", mount)
    elif mount == "ro":  # not root: permissions do what a read-only mount does
        (root / "outputs").chmod(0o555)
        try:
            r = subprocess.run(
                _command(root, "bundle", EXAMPLE), env=_env(tmp_path / "tmp"), capture_output=True, text=True
            )
        finally:
            (root / "outputs").chmod(0o755)
    else:
        pytest.skip("a full disk needs a tmpfs mount (root in a mount namespace)")
    assert r.returncode == ExitCode.ENVIRONMENT, r.stderr
    assert f"[{code}]" in r.stderr and "Traceback" not in r.stderr
    assert _ours(tmp_path / "tmp") == []
