"""What a rebuild may skip: conversions already made, and packets whose inputs have not changed.

A conversion is keyed by the bytes of the .docx (rendering is reproducible, so same data → same
bytes), the font map, the worker script, the LibreOffice package and the tool's version. A packet
is keyed by every file it is built from: its input, attachments and signed scans, the programme's
folder, the shared templates, the font map, the tool and the build date.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import convert


def environment_digest(tool_version: str) -> str:
    """What every conversion depends on besides its document."""
    h = hashlib.sha256(tool_version.encode())
    for path in (convert.FONTS_CONF, convert.WORKER):
        h.update(path.read_bytes())
    h.update(convert.installed_version().encode())
    return h.hexdigest()


def tree_digest(paths: list[Path], extra: str = "") -> str:
    """One digest of every file under ``paths`` (names and bytes, in a stable order)."""
    h = hashlib.sha256(extra.encode())
    for base in paths:
        if base.is_dir():
            files = sorted(p for p in base.rglob("*") if p.is_file())
        else:
            files = [base] if base.exists() else []
        for p in files:
            h.update(str(p.relative_to(base.parent)).encode())
            h.update(hashlib.sha256(p.read_bytes()).digest())
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

    def __init__(
        self, folder: Path, environment: str, start: Callable[[], Any], stats: Stats | None = None, eager: bool = False
    ) -> None:
        self.folder = folder
        self.environment = environment
        self._start = start
        self._office: Any = start() if eager else None
        self.stats = stats or Stats()
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def version(self) -> str:
        return convert.installed_version()

    def convert(self, src: Path, dst: Path) -> int:
        h = hashlib.sha256(self.environment.encode())
        h.update(src.read_bytes())
        key = h.hexdigest()
        hits = list((self.folder / key[:2]).glob(f"{key}.*.pdf"))
        if hits:  # the file name carries the page count, so a hit costs a copy and no parsing
            shutil.copyfile(hits[0], dst)
            self.stats.add(reused=1)
            return int(hits[0].name.split(".")[1])
        if self._office is None:
            self._office = self._start()
        pages = int(self._office.convert(src, dst))
        cached = self.folder / key[:2] / f"{key}.{pages}.pdf"
        cached.parent.mkdir(exist_ok=True)
        # Unique per process and thread (forked workers share thread idents); the rename is atomic,
        # so a half-written entry is never read, and two workers writing one key both succeed.
        tmp = cached.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp")
        shutil.copyfile(dst, tmp)
        tmp.replace(cached)
        self.stats.add(converted=1)
        return pages

    def close(self) -> None:
        if self._office is not None and hasattr(self._office, "close"):
            self._office.close()
        self._office = None
