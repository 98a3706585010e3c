""".docx → .pdf with a real LibreOffice, headless.

One ``OfficeWorker`` is one LibreOffice process with a private profile, driven over UNO by a small
helper (``resources/uno_worker.py``) that runs under the Python owning LibreOffice's ``uno`` module.
A packet's documents go through one worker, or two at once (``Lanes``), so LibreOffice starts
once per packet and worker. Every conversion has a timeout, and its PDF is checked to exist and
read back."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import queue
import re
import shutil
import signal
import subprocess
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Protocol

from pypdf import PdfReader

from pipeline.core import limits, scratch
from pipeline.errors import ConversionFailed, EnvironmentMissing
from pipeline.kits import fonts

log = logging.getLogger(__name__)


RESOURCES = Path(__file__).resolve().parents[1] / "resources"


FONTS_CONF = RESOURCES / "fonts.conf"


WORKER = RESOURCES / "uno_worker.py"


QUIT = '{"quit": true}'  # asks the helper to let LibreOffice quit in good order (its protocol, uno_worker.py)


INSTALL_HINT = (
    "sudo apt-get install -y --no-install-recommends libreoffice-writer-nogui libreoffice-calc-nogui python3-uno "
    "fonts-noto-cjk fonts-lxgw-wenkai fonts-liberation2 fonts-symbola poppler-utils qpdf"
    " (and, as root, bash scripts/ensure-system.sh for the free 仿宋 face)"
)


class Converter(Protocol):
    """What the build needs from a conversion backend."""

    version: str

    def convert(self, src: Path, dst: Path) -> int:
        """Convert ``src`` to the PDF ``dst``; return its page count."""
        ...

    def close(self) -> None: ...


def find_soffice() -> str:
    for candidate in (
        os.environ.get("CLUSTERPACK_SOFFICE"),
        shutil.which("soffice"),
        "/usr/lib/libreoffice/program/soffice",
    ):
        if candidate and Path(candidate).exists():
            return candidate
    raise EnvironmentMissing(
        f"找不到 LibreOffice（soffice）(LibreOffice is not installed). 请运行 / run: {INSTALL_HINT}",
        code="E-ENV-NO-LIBREOFFICE",
    )


@cache
def find_uno_python() -> str:
    """A Python interpreter that can ``import uno`` (Debian's /usr/bin/python3 with python3-uno)."""
    candidates = [os.environ.get("CLUSTERPACK_UNO_PYTHON"), "/usr/bin/python3", "/usr/lib/libreoffice/program/python"]
    for candidate in candidates:
        if not candidate or not Path(candidate).exists():
            continue
        ok = subprocess.run([candidate, "-c", "import uno"], capture_output=True, timeout=30).returncode == 0
        if ok:
            return candidate
    raise EnvironmentMissing(
        f"找不到带 uno 模块的 Python（python3-uno）(no Python can import uno). 请运行 / run: {INSTALL_HINT}",
        code="E-ENV-NO-UNO",
    )


@cache
def installed_version() -> str:
    """The installed LibreOffice, as the package manager names it (stable, and known without starting it)."""
    for package in ("libreoffice-core-nogui", "libreoffice-core"):
        try:
            out = subprocess.run(
                ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.TimeoutExpired):
            break
        if out.returncode == 0 and out.stdout.strip():
            return f"LibreOffice {out.stdout.strip()}"
    return f"LibreOffice ({find_soffice()})"


def office_env(home: Path) -> dict[str, str]:
    """LibreOffice's environment: a private home and caches, and clusterpack's font map."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    for sub in ("cache", "runtime", "config", "tmp"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    (home / "runtime").chmod(0o700)
    env.update(
        HOME=str(home),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_RUNTIME_DIR=str(home / "runtime"),
        XDG_CONFIG_HOME=str(home / "config"),
        TMPDIR=str(home / "tmp"),  # LibreOffice's lu*.tmp folders go with the worker, not into /tmp
        FONTCONFIG_FILE=str(fonts.config_file()),  # the user's fonts folder first, then the role map
        SAL_USE_VCLPLUGIN="svp",
        LC_ALL="C.UTF-8",
    )
    return env


def font_map() -> dict[str, dict[str, object]]:
    """Which face and file serve each official font name, as fontconfig resolves it for LibreOffice."""
    return fonts.font_map()


def _sockets(pipe: str, profile_url: str) -> list[Path]:
    """The sockets a LibreOffice process makes in /tmp (whatever TMPDIR says), which a killed one leaves.

    One is the UNO pipe we name; the other is its single-instance pipe, named after the MD5 of the
    profile's URL in UTF-16, each byte in hex without its leading zero (as LibreOffice writes it).
    """
    uid = os.getuid()
    digest = hashlib.md5(profile_url.encode("utf-16-le"), usedforsecurity=False).digest()
    ipc = "".join(f"{byte:x}" for byte in digest)
    return [Path("/tmp") / f"OSL_PIPE_{uid}_{pipe}", Path("/tmp") / f"OSL_PIPE_{uid}_SingleOfficeIPC_{ipc}"]


# Written into every worker's fresh profile before LibreOffice first starts. A document may link
# a picture (or more) from elsewhere on the disk instead of embedding it; LibreOffice would fetch
# and embed it in the PDF. Proofs that link anything are refused before conversion
# (officefile.py); this is the second line: links from documents outside trusted locations (there
# are none) are not followed, and no macro runs.
PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="BlockUntrustedRefererLinks" \
oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" \
oor:op="fuse"><value>true</value></prop></item>
{last_version}</oor:items>
"""


# LibreOffice runs its graphics self-tests (≈ 0.65 s of a 0.8 s start, measured) whenever the profile
# has not seen its version (utl::isProductVersionUpgraded), and headless it never records one: the
# profile says it has. The tests only write a log (GraphicsRenderTests.log); rendering is unchanged.
LAST_VERSION = """<item oor:path="/org.openoffice.Setup/Product"><prop oor:name="ooSetupLastVersion" \
oor:op="fuse"><value>{version}</value></prop></item>
"""


@cache
def product_version() -> str | None:
    """LibreOffice's major.minor as its registry states it (``ooSetupVersion``); None where it cannot be read."""
    try:
        registry = Path(find_soffice()).resolve().parent.parent / "share" / "registry" / "main.xcd"
        text = registry.read_text(encoding="utf-8", errors="replace")
    except (OSError, EnvironmentMissing):
        return None
    m = re.search(r'oor:name="ooSetupVersion"[^>]*>\s*<value>(\d+\.\d+)</value>', text)
    return m.group(1) if m else None


def profile_settings() -> str:
    """The settings of a fresh profile: the security ones, and the version it has seen."""
    version = product_version()
    return PROFILE_SETTINGS.format(last_version=LAST_VERSION.format(version=version) if version else "")


SECURITY_SETTINGS = ("BlockUntrustedRefererLinks", "DisableMacrosExecution")  # a seed must keep both


def _seed_folder() -> Path:
    """Where a profile LibreOffice has set up is kept, for the next worker to start from (per version).

    A fresh profile costs LibreOffice's first start (registering its extensions, then restarting
    itself, testing its renderer): ≈ 0.15 s a worker, measured. The seed holds no document's trace
    (documents are opened hidden and read-only) and lives in this user's private scratch root."""
    digest = hashlib.sha256(f"{installed_version()}\n{profile_settings()}".encode()).hexdigest()[:16]
    return scratch.root() / f"office-seed-{digest}"


def _start_from_seed(seed: Path, profile: Path) -> bool:
    """Make ``profile`` from ``seed`` if there is a usable one (and say so), else a fresh one with our settings."""
    settings = seed / "user" / "registrymodifications.xcu"
    try:
        text = settings.read_text(encoding="utf-8")
        if all(f'oor:name="{name}"' in text for name in SECURITY_SETTINGS):
            shutil.copytree(seed, profile, symlinks=True)
            return True
    except (OSError, UnicodeDecodeError, shutil.Error):
        shutil.rmtree(profile, ignore_errors=True)
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(profile_settings(), encoding="utf-8")
    return False


def _keep_seed(profile: Path, seed: Path) -> None:
    """Keep ``profile`` as the seed, unless there is one; written aside and renamed, so never half a seed.

    The copy aside is named like a work folder of this process, so that one left by a killed run is
    removed by the next (scratch.clean_scratch)."""
    if seed.exists():
        return
    aside = seed.with_name(f"seed-{scratch.owner()}-{uuid.uuid4().hex[:8]}")
    try:
        shutil.copytree(profile, aside, symlinks=True)
        aside.rename(seed)
    except OSError:  # another worker kept its own first, or the disk is full: nothing is lost
        pass
    finally:
        shutil.rmtree(aside, ignore_errors=True)


class OfficeWorker:
    """One LibreOffice process with its own profile, converting documents one at a time.

    It runs in a process group of its own under a data-memory limit (``memory`` bytes, RLIMIT_DATA),
    its profile and logs in a scratch folder named after this process (scratch.py), and it dies
    with this process: the UNO helper kills the group when its stdin closes.
    """

    def __init__(
        self, timeout: float | None = None, start_timeout: float | None = None, memory: int | None = None
    ) -> None:
        self.timeout = timeout if timeout is not None else limits.CONVERT_SECONDS.value()
        start_timeout = start_timeout if start_timeout is not None else limits.START_SECONDS.value()
        self._home = scratch.scratch("office")
        self._log = self._home / "soffice.log"
        soffice = find_soffice()
        python = find_uno_python()
        pipe = f"clusterpack-{uuid.uuid4().hex}"
        profile = (self._home / "profile").as_uri()
        self._seed = _seed_folder()
        self._seeded = _start_from_seed(self._seed, self._home / "profile")
        self._sockets = _sockets(pipe, profile)
        # so that a run after this process was killed can remove them (scratch.clean_scratch)
        (self._home / "sockets").write_text("\n".join(map(str, self._sockets)), encoding="utf-8")
        env = office_env(self._home)
        env["CLUSTERPACK_OFFICE_START_TIMEOUT"] = str(start_timeout)
        env["CLUSTERPACK_OFFICE_DATA_LIMIT"] = str(memory if memory is not None else limits.office_memory(1))
        self._stderr = open(self._home / "worker.log", "wb")  # noqa: SIM115 - closed in close()
        self._proc = subprocess.Popen(
            [python, str(WORKER), soffice, profile, pipe, str(self._log)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
            text=True,
            encoding="utf-8",
            start_new_session=True,  # so that killing the group also ends soffice
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        ready = self._next(start_timeout + 10, "启动 LibreOffice (starting LibreOffice)")
        if not ready.get("ready"):
            if self._seeded:  # a seed that does not start is not used again
                shutil.rmtree(self._seed, ignore_errors=True)
            self.close()
            raise ConversionFailed(
                f"LibreOffice 启动失败 (LibreOffice failed to start): {ready.get('error')}{self._tail()}",
                code="E-CONVERT-START",
            )
        self.version = str(ready.get("version", ""))
        self.memory = int(env["CLUSTERPACK_OFFICE_DATA_LIMIT"])
        log.debug("LibreOffice worker ready: %s", self.version)

    def data_memory(self) -> int:
        """The data memory (VmData, bytes) of this worker's soffice.bin now; 0 where /proc cannot say."""
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) != self._proc.pid or b"soffice.bin" not in (stat.parent / "cmdline").read_bytes():
                    continue
                for line in (stat.parent / "status").read_text().splitlines():
                    if line.startswith("VmData:"):
                        return int(line.split()[1]) * 1024
            except (OSError, ValueError, IndexError):
                continue
        return 0

    def worn(self) -> bool:
        """Whether LibreOffice has grown close to its data limit (it grows over hundreds of documents)."""
        return self.data_memory() > WORN * self.memory

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _next(self, timeout: float, what: str) -> dict[str, object]:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            self.close()
            raise ConversionFailed(
                f"{what} 超时 {timeout:.0f} 秒 (timed out){self._tail()}", code="E-CONVERT-TIMEOUT"
            ) from None
        if line is None:
            self.close()
            raise ConversionFailed(
                f"{what} 时 LibreOffice 意外退出 (LibreOffice exited){self._tail()}", code="E-CONVERT-EXITED"
            )
        return dict(json.loads(line))

    def _tail(self) -> str:
        texts = []
        for f in (self._home / "worker.log", self._log):
            if f.exists():
                texts.append(f.read_text(errors="replace")[-1500:].strip())
        joined = "\n".join(t for t in texts if t)
        return f"\n{joined}" if joined else ""

    def convert(self, src: Path, dst: Path) -> int:
        """Convert ``src`` to ``dst``; return the page count of the PDF written."""
        if self._proc.poll() is not None:
            raise ConversionFailed("LibreOffice 进程已退出 (the LibreOffice worker is gone)", code="E-CONVERT-EXITED")
        dst.unlink(missing_ok=True)
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps({"src": str(src.resolve()), "dst": str(dst.resolve())}) + "\n")
        self._proc.stdin.flush()
        answer = self._next(self.timeout, f"转换 {src.name} (converting)")
        if not answer.get("ok"):
            raise ConversionFailed(
                f"LibreOffice 无法转换 {src.name} (conversion failed): {answer.get('error')}", code="E-CONVERT-FAILED"
            )
        return check_pdf(dst)

    def close(self) -> None:
        """Stop LibreOffice: asked to quit while its profile may become the seed, else killed at once
        (its profile is thrown away; quitting in good order takes ≈ 0.1 s more)."""
        if self._proc.poll() is None and not (self._seeded or self._seed.exists()):
            try:
                assert self._proc.stdin is not None
                self._proc.stdin.write(QUIT + "\n")  # else the helper takes the closing for our death
                self._proc.stdin.flush()
                self._proc.stdin.close()
                self._proc.wait(timeout=20)
            except (subprocess.TimeoutExpired, OSError, BrokenPipeError):
                pass
        # Whatever is left of the group (a hung soffice.bin) goes too.
        try:
            os.killpg(self._proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._proc.wait()
        if not self._seeded and self._proc.returncode == 0:  # LibreOffice quit in good order: its profile is whole
            _keep_seed(self._home / "profile", self._seed)
        for stream in (self._proc.stdin, self._proc.stdout, self._stderr):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        shutil.rmtree(self._home, ignore_errors=True)
        for socket in self._sockets:
            socket.unlink(missing_ok=True)

    def __enter__(self) -> OfficeWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_pdf(path: Path) -> int:
    """The page count of ``path``; an error unless it exists and reads back as a PDF with pages."""
    if not path.is_file() or path.stat().st_size == 0:
        raise ConversionFailed(f"LibreOffice 没有生成 {path.name} (no PDF was written)", code="E-CONVERT-NO-PDF")
    try:
        pages = len(PdfReader(str(path)).pages)
    except Exception as exc:  # pypdf raises many kinds on a damaged file
        raise ConversionFailed(
            f"{path.name} 无法读取 (the PDF does not read back): {exc}", code="E-CONVERT-BAD-PDF"
        ) from None
    if pages == 0:
        raise ConversionFailed(f"{path.name} 没有页面 (the PDF has no pages)", code="E-CONVERT-BAD-PDF")
    return pages


# LibreOffice's data memory grows from ≈ 120 to ≈ 370 MiB over a few hundred documents (measured):
# past this share of its limit it is restarted between two documents, before a conversion fails.
WORN = 0.8


CHECK_EVERY = 10  # conversions between two looks at its memory (a look scans /proc: ≈ 2 ms)


class ResilientWorker:
    """A worker that is killed and restarted when it hangs or dies; the document is retried once.

    With ``prestart`` LibreOffice starts in the background at once, so that its ≈ 1–2 s start
    overlaps the rendering that comes before the first conversion.
    """

    def __init__(
        self,
        timeout: float | None = None,
        factory: type[OfficeWorker] | None = None,
        prestart: bool = False,
        memory: int | None = None,
    ) -> None:
        self.timeout = timeout if timeout is not None else limits.CONVERT_SECONDS.value()
        self.memory = memory
        self._factory = factory or OfficeWorker
        self._worker: OfficeWorker | None = None
        self.restarts = 0
        self.recycled = 0  # restarts made before LibreOffice reached its memory limit
        self.conversions = 0
        self._starting: threading.Thread | None = None
        self._start_error: BaseException | None = None
        if prestart:
            self._starting = threading.Thread(target=self._start, daemon=True)
            self._starting.start()

    def _start(self) -> None:
        try:
            self._worker = self._factory(timeout=self.timeout, memory=self.memory)
        except BaseException as exc:  # reported when the first conversion needs the worker
            self._start_error = exc

    def _ready(self) -> None:
        if self._starting is not None:
            self._starting.join()
            self._starting = None
            if self._start_error is not None:
                error, self._start_error = self._start_error, None
                raise error

    @property
    def version(self) -> str:
        return installed_version()

    def convert(self, src: Path, dst: Path) -> int:
        self._ready()
        for attempt in (1, 2):
            if self._worker is None:
                self._worker = self._factory(timeout=self.timeout, memory=self.memory)
            try:
                pages = self._worker.convert(src, dst)
            except ConversionFailed as exc:
                self._worker.close()
                self._worker = None
                self.restarts += 1
                if attempt == 2:
                    raise ConversionFailed(
                        f"{src.name} 重启 LibreOffice 重试后仍失败 (failed again after a restart): {exc}",
                        code=exc.code,
                    ) from None
                log.warning("conversion of %s failed (%s); restarting LibreOffice and retrying once", src.name, exc)
                continue
            self.conversions += 1
            if self.conversions % CHECK_EVERY == 0 and self._worker.worn():
                log.debug("LibreOffice grew close to its memory limit: restarting it before the next document")
                self._worker.close()
                self._worker = None
                self.recycled += 1
            return pages
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._starting is not None:
            self._starting.join()
            self._starting = None
        if self._worker is not None:
            self._worker.close()
            self._worker = None


class Lanes:
    """Conversions on ``count`` self-restarting workers at once, each worker taking its share in order.

    The n-th conversion asked for goes to worker n mod ``count`` and waits there behind the ones
    asked before it, so that the same conversions asked in the same order are made by the same
    LibreOffice in the same order (its PDF's bytes depend on what that process converted before).
    ``submit`` returns at once; the caller renders the next document while LibreOffice converts.
    """

    def __init__(
        self, count: int = 1, timeout: float | None = None, prestart: bool = False, memory: int | None = None
    ) -> None:
        self.count = max(1, count)
        self._workers = [ResilientWorker(timeout=timeout, prestart=prestart, memory=memory) for _ in range(self.count)]
        self._threads = [ThreadPoolExecutor(1, thread_name_prefix=f"office-{k}") for k in range(self.count)]
        self._asked = 0

    @property
    def version(self) -> str:
        return installed_version()

    def submit(self, src: Path, dst: Path, then: Callable[[int], None] | None = None) -> Future[int]:
        """Convert ``src`` to ``dst`` on the next worker; the future's value is the page count.

        ``then(pages)`` runs on the worker's thread once the PDF is checked (the cache's copy).
        """
        k = self._asked % self.count
        self._asked += 1
        worker = self._workers[k]

        def run() -> int:
            pages = worker.convert(src, dst)
            if then is not None:
                then(pages)
            return pages

        return self._threads[k].submit(run)

    def convert(self, src: Path, dst: Path) -> int:
        return self.submit(src, dst).result()

    def close(self) -> None:
        """Wait for the conversion under way (or its timeout), drop those not started, stop LibreOffice."""
        for thread in self._threads:
            thread.shutdown(wait=True, cancel_futures=True)
        for worker in self._workers:
            worker.close()
