"""Where a packet is written: its key, whether it is up to date, and putting a finished one in place."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline.core import inherit, limits, repro, scratch
from pipeline.core.case import Paths, tool_version
from pipeline.core.raw import RawInput
from pipeline.kits import fonts
from pipeline.stages import cache, convert
from pipeline.stages.assemble import sha256


def packet_key(raw: RawInput, programme_id: str, paths: Paths, today: dt.date, accepted: str | None = None) -> str:
    """A digest of everything a packet is built from; equal keys mean nothing to rebuild.

    From the cluster's folder that is only what the build reads (the data file, the attachments
    it names, the signed scans), read in chunks: an unreferenced file is never read.
    """
    items = raw.data.get("attachments")
    named = [str(a["file"]) for a in items if isinstance(a, dict) and "file" in a] if isinstance(items, list) else []
    cluster = cache.inputs_digest(raw.file.parent, raw.file, named, limits.ATTACHMENT_BYTES())
    for earlier in raw.sources:  # the years before it that a yearly report compares with
        cluster += cache.inputs_digest(earlier.parent, earlier, [], limits.ATTACHMENT_BYTES())
    parts = [tool_version(), programme_id, str(today), convert.installed_version(), repro.pdf_date(), accepted or ""]
    parts.append(fonts.environment_digest())  # the faces: the role map and the user's fonts folder
    extra = "|".join([*parts, cluster])
    programme_folders = inherit.folders(paths.templates, programme_id)  # its own, and each it extends
    return cache.tree_digest([*programme_folders, paths.templates / "common", convert.FONTS_CONF], extra)


def up_to_date(final: Path, key: str) -> dict[str, Any] | None:
    """The manifest of the packet in ``final`` when it was built from exactly what ``key`` digests."""
    return _up_to_date(final, key)


def _up_to_date(final: Path, key: str) -> dict[str, Any] | None:
    manifest_file = final / "manifest.json"
    if not manifest_file.is_file():
        return None
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    if manifest.get("build_key") != key or not all((final / f["file"]).is_file() for f in manifest.get("files", [])):
        return None
    return dict(manifest)


def replace_folder(staging: Path, final: Path) -> None:
    """Put ``staging`` where ``final`` is, keeping the old one until the new one is in place."""
    scratch.replace_folder(staging, final)


@contextmanager
def staged(final: Path, name: str) -> Iterator[tuple[Path, Path]]:
    """A staging folder beside ``final`` and a work folder: the staging one takes ``final``'s place
    when the block completes; a failure (or a kill: scratch.py) leaves the previous ``final`` as it was."""
    # Named after this process: if it is killed, the next build removes them.
    staging = scratch.staging(final.parent, name)
    work = scratch.scratch("work")
    try:
        yield staging, work
        replace_folder(staging, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)


def manifest_files(out: Path) -> list[dict[str, Any]]:
    """Every file of an output folder with its digest, size and (for a PDF) its pages."""
    files = []
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        entry: dict[str, Any] = {
            "file": path.relative_to(out).as_posix(),
            "sha256": sha256(path),
            "bytes": path.stat().st_size,
        }
        if path.suffix == ".pdf":
            entry["pages"] = convert.check_pdf(path)
        files.append(entry)
    return files
