"""What a rebuild may skip: conversions already made, and packets whose inputs have not changed.

A conversion is keyed by the bytes of the .docx (rendering is reproducible, so same data → same
bytes), the font map and the user's fonts folder, the worker script, the LibreOffice package and
the tool's version. A packet is keyed by every file it is built from: its input, attachments and
signed scans, the programme's folders (its own and each it extends), the shared templates, the
font map and the fonts folder, the tool and the build date."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.core.case import Paths, tool_version
from pipeline.kits import fonts
from pipeline.stages import convert
from pipeline.stages.proofs import Refused, inside, locate


def environment_digest(tool_version: str) -> str:
    """What every conversion depends on besides its document."""
    h = hashlib.sha256(tool_version.encode())
    for path in (convert.FONTS_CONF, convert.WORKER):
        h.update(path.read_bytes())
    h.update(convert.installed_version().encode())
    h.update(fonts.environment_digest().encode())  # the faces: the role map and the user's fonts folder
    return h.hexdigest()


_CHUNK = 1 << 20


def _hash_file(h: Any, path: Path, limit: int | None = None) -> None:
    """Add ``path``'s bytes to ``h`` in chunks (memory stays flat); past ``limit`` only its size and time.

    A file over the limit is refused by the build anyway: reading it whole for a key would cost
    what the limit is there to spare.
    """
    st = path.stat()
    if limit is not None and st.st_size > limit:
        h.update(f"over-limit {st.st_size} {st.st_mtime_ns}".encode())
        return
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)


def _files_under(base: Path) -> list[Path]:
    """Regular files under ``base``, sorted; links are not followed out of it, nor into loops."""
    root = base.resolve()
    found = []
    for folder, dirs, names in os.walk(base, followlinks=False):
        dirs.sort()
        for name in names:
            path = Path(folder) / name
            try:
                if path.resolve().is_relative_to(root) and path.is_file():
                    found.append(path)
            except (OSError, RuntimeError):  # a link loop: the build refuses what it names
                continue
    return sorted(found)


def tree_digest(paths: list[Path], extra: str = "") -> str:
    """One digest of every file under ``paths`` (names and bytes, in a stable order; links kept inside)."""
    h = hashlib.sha256(extra.encode())
    for base in paths:
        files = _files_under(base) if base.is_dir() else ([base] if base.is_file() else [])
        for p in files:
            h.update(str(p.relative_to(base.parent)).encode())
            inner = hashlib.sha256()
            _hash_file(inner, p)
            h.update(inner.digest())
    return h.hexdigest()


def inputs_digest(folder: Path, data_file: Path, attachments: list[str], limit: int) -> str:
    """A digest of what a build reads from a cluster's folder, and nothing else.

    That is the data file, the attachments the data names (found as the build finds them: through
    links only while they stay in ``attachments/``), and the signed scans. A file nobody names (a
    4.5 GB video left in ``attachments/``) is not read; a named one over ``limit`` counts by its
    size and time, since the build refuses it.
    """
    h = hashlib.sha256()
    _hash_file(h, data_file)
    folder_ok = inside(folder / "attachments", folder)
    for name in attachments:
        h.update(b"\0attachment\0" + name.encode("utf-8", "replace"))
        try:
            path = locate(folder / "attachments", name) if folder_ok else None
        except Refused as refused:
            h.update(refused.code.encode())
            continue
        if path is not None:
            _hash_file(h, path, limit)
    signed = folder / "signed"
    if signed.is_dir() and inside(signed, folder):
        for p in _files_under(signed):
            h.update(b"\0signed\0" + str(p.relative_to(folder)).encode())
            _hash_file(h, p, limit)
    return h.hexdigest()


@dataclass
class Stats:
    """Conversions made and reused, counted across threads."""

    converted: int = 0
    reused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, converted: int = 0, reused: int = 0) -> None:
        with self.lock:
            self.converted += converted
            self.reused += reused


class CachedConverter:
    """Converts only what the cache does not hold, through a converter started when first needed."""

    lanes = 1  # conversions its converter makes at once

    def __init__(
        self, folder: Path, environment: str, start: Callable[[], Any], stats: Stats | None = None, eager: bool = False
    ) -> None:
        self.folder = folder
        self.environment = environment
        self._start = start
        folder.mkdir(parents=True, exist_ok=True)  # before LibreOffice starts: a read-only outputs/ starts nothing
        self._office: Any = start() if eager else None
        self.stats = stats or Stats()

    @property
    def version(self) -> str:
        return convert.installed_version()

    def convert(self, src: Path, dst: Path) -> int:
        return self.submit(src, dst).result()

    def submit(self, src: Path, dst: Path) -> Future[int]:
        """``convert``, without waiting for LibreOffice: a hit is done at once, a conversion is queued."""
        h = hashlib.sha256(self.environment.encode())
        h.update(src.read_bytes())
        key = h.hexdigest()
        hits = list((self.folder / key[:2]).glob(f"{key}.*.pdf"))
        if hits:  # the file name carries the page count, so a hit costs a copy and no parsing
            shutil.copyfile(hits[0], dst)
            self.stats.add(reused=1)
            return _done(int(hits[0].name.split(".")[1]))
        if self._office is None:
            self._office = self._start()
        if not hasattr(self._office, "submit"):  # a plain converter: one conversion at a time, here
            pages = int(self._office.convert(src, dst))
            self._store(key, dst, pages)
            return _done(pages)
        return self._office.submit(src, dst, lambda pages: self._store(key, dst, pages))  # type: ignore[no-any-return]

    def _store(self, key: str, dst: Path, pages: int) -> None:
        cached = self.folder / key[:2] / f"{key}.{pages}.pdf"
        cached.parent.mkdir(exist_ok=True)
        # Unique per process and thread (forked workers share thread idents); the rename is atomic,
        # so a half-written entry is never read, and two workers writing one key both succeed.
        tmp = cached.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp")
        shutil.copyfile(dst, tmp)
        tmp.replace(cached)
        self.stats.add(converted=1)

    def close(self) -> None:
        if self._office is not None and hasattr(self._office, "close"):
            self._office.close()
        self._office = None


def _done(pages: int) -> Future[int]:
    future: Future[int] = Future()
    future.set_result(pages)
    return future


def converter(
    paths: Paths,
    timeout: float | None = None,
    stats: Stats | None = None,
    eager: bool = False,
    memory: int | None = None,
    lanes: int = 1,
) -> CachedConverter:
    """The cached, self-restarting LibreOffice converter a build uses.

    LibreOffice starts when the cache first lacks a document, or at once in the background with
    ``eager`` (a single packet about to be built will almost always need it). ``memory`` is its
    data-memory limit (limits.office_memory: a batch shares the budget among its workers). ``lanes``
    LibreOffice workers convert at once (convert.Lanes), each under ``memory``.
    The cache is ``outputs/.cache/pdf``, or the folder ``CLUSTERPACK_CACHE`` names (one cache shared by
    several projects, e.g. a bureau's copies; entries are keyed by the document's bytes and the environment).
    """
    shared = os.environ.get("CLUSTERPACK_CACHE")
    made = CachedConverter(
        Path(shared) / "pdf" if shared else paths.outputs / ".cache" / "pdf",
        environment_digest(tool_version()),
        lambda: convert.Lanes(lanes, timeout=timeout, prestart=eager, memory=memory),
        stats,
        eager=eager,
    )
    made.lanes = max(1, lanes)
    return made
