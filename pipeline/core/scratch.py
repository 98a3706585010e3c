"""Folders a run writes before its results are in place, named after the process that owns them.

A build writes into ``outputs/<programme>/.<cluster>.staging-<owner>-…`` and swaps it in when
complete; its work files and its LibreOffice profile live in ``$TMPDIR/clusterpack-<uid>/``. The
owner is the process id with the process's start time (``/proc/<pid>/stat``), so a folder whose
owner has died, even if the id was reused since, is recognised: the next run that looks there
removes it, kills a LibreOffice still running on its profile, and puts back a previous packet
that a killed swap had set aside. A build killed at any moment therefore leaves nothing that the
next build does not clean, and never loses the last good packet. A single file written into a
programme folder (``form adopt``, ``programme new``) is written beside its place and renamed over it
(:func:`write_atomic`), so it is the old file or the new one, never half of one."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import functools
import logging
import os
import re
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)


KINDS = ("staging", "old", "work")


# .<name>.<kind>-<pid>.<start>-<random>, as made by staging() and set_aside().
_OUTPUT = re.compile(r"^\.(?P<name>.+)\.(?P<kind>staging|old|work)-(?P<owner>\d+\.\d+)(?:-.*)?$")


# <kind>-<pid>.<start>-<random> under the scratch root.
_SCRATCH = re.compile(r"^(?P<kind>[a-z]+)-(?P<owner>\d+\.\d+)-")


_RENAME_EXCHANGE = 2


_AT_FDCWD = -100


def _start_time(pid: int) -> str:
    """The start time of process ``pid`` in clock ticks since boot ("0" where /proc cannot say)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "0"
    return stat[stat.rfind(")") + 2 :].split()[19]


@functools.cache
def _own_token(pid: int) -> str:
    return f"{pid}.{_start_time(pid)}"


def owner() -> str:
    """This process as folder names record it: ``<pid>.<start time>``."""
    return _own_token(os.getpid())  # keyed by pid: a forked child gets its own


def alive(token: str) -> bool:
    """Whether the process a folder name records is still the one running under that id."""
    pid_text, _, start = token.partition(".")
    pid = int(pid_text)
    if pid == os.getpid():
        return start == _start_time(pid) or start == "0"
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: alive
    return start == "0" or _start_time(pid) in (start, "0")


def staging(parent: Path, name: str, kind: str = "staging") -> Path:
    """A new folder ``parent/.<name>.<kind>-<owner>-…`` (stale ones of dead owners are cleaned first)."""
    parent.mkdir(parents=True, exist_ok=True)
    clean_outputs(parent)
    folder = Path(tempfile.mkdtemp(prefix=f".{name}.{kind}-{owner()}-", dir=parent))
    folder.chmod(0o755)
    return folder


def clean_outputs(parent: Path) -> list[Path]:
    """Remove the staging, set-aside and work folders of dead owners in ``parent``; return what was handled.

    A set-aside packet (``.<name>.old-…``) whose swap was killed before the new packet moved in is
    put back in place instead of removed.
    """
    handled = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return []
    for entry in entries:
        m = _OUTPUT.match(entry.name)
        if not m or alive(m["owner"]):
            continue
        if not entry.is_dir():  # a file a killed write_atomic left beside its target
            if m["kind"] == "work" and entry.is_file():
                with contextlib.suppress(OSError):
                    entry.unlink()
                    handled.append(entry)
            continue
        final = parent / m["name"]
        if m["kind"] == "old" and not final.exists():
            with contextlib.suppress(OSError):
                entry.rename(final)
                log.warning("restored %s, set aside by a build that was stopped", final)
                handled.append(final)
                continue
        shutil.rmtree(entry, ignore_errors=True)
        handled.append(entry)
    return handled


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path`` to write; renamed over ``path`` when the block ends without an error.

    ``path`` is then the old file or the new one, never half of one. The temporary file is named
    after this process (``.<name>.work-<owner>-…``): :func:`clean_outputs` removes it should the
    process die before the rename.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.work-{owner()}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        tmp.chmod(mode)
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_atomic(path: Path, data: bytes | str) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` whole or not at all (:func:`replacing`)."""
    with replacing(path) as tmp:
        tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def copy_atomic(source: Path, path: Path) -> Path:
    """Copy ``source`` to ``path`` whole or not at all (:func:`replacing`)."""
    with replacing(path) as tmp:
        shutil.copyfile(source, tmp)
    return path


def root() -> Path:
    """This user's scratch root: ``$TMPDIR/clusterpack-<uid>/`` (made private on first use)."""
    base = Path(tempfile.gettempdir()) / f"clusterpack-{os.getuid()}"
    base.mkdir(mode=0o700, exist_ok=True)
    return base


def scratch(kind: str) -> Path:
    """A new work folder ``<root>/<kind>-<owner>-…``, after the folders of dead owners are cleaned."""
    base = root()
    clean_scratch(base)
    return Path(tempfile.mkdtemp(prefix=f"{kind}-{owner()}-", dir=base))


def clean_scratch(base: Path | None = None) -> list[Path]:
    """Remove the work folders of dead owners; first kill any LibreOffice still running on one."""
    base = base or root()
    handled = []
    try:
        entries = list(base.iterdir())
    except OSError:
        return []
    for entry in entries:
        m = _SCRATCH.match(entry.name)
        if not m or alive(m["owner"]):
            continue
        kill_users_of(entry)
        for line in _read(entry / "sockets").splitlines():
            with contextlib.suppress(OSError):
                Path(line).unlink()
        shutil.rmtree(entry, ignore_errors=True)
        handled.append(entry)
    return handled


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def kill_users_of(folder: Path) -> list[int]:
    """SIGKILL every process of this user whose command line names ``folder`` (an orphaned soffice)."""
    needle = str(folder).encode()
    killed = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if proc.stat().st_uid != os.getuid() or int(proc.name) == os.getpid():
                continue
            if needle not in (proc / "cmdline").read_bytes():
                continue
            os.kill(int(proc.name), signal.SIGKILL)
            killed.append(int(proc.name))
        except (OSError, ValueError):
            continue
    if killed:
        log.warning("killed %s, left running by a build that was stopped", killed)
    return killed


def exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step (Linux renameat2); False where the system cannot."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(a))


def replace_folder(new: Path, final: Path) -> None:
    """Put ``new`` where ``final`` is. The old one is swapped out atomically where the system can, else set
    aside under a name :func:`clean_outputs` recognises (and restores, should this process die in between)."""
    if final.exists():
        if exchange(new, final):
            shutil.rmtree(new, ignore_errors=True)  # holds the old packet now
            return
        old = Path(tempfile.mkdtemp(prefix=f".{final.name}.old-{owner()}-", dir=final.parent))
        old.rmdir()
        final.rename(old)
        new.rename(final)
        shutil.rmtree(old, ignore_errors=True)
        return
    new.rename(final)


_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (prctl PR_SET_PDEATHSIG); no-op elsewhere."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(libc_name, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
