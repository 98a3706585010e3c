"""The committed .docx templates are the truth; the generator scripts only propose.

Every generator script saves through :func:`save`. A template is written only when what the script
makes differs from the file in content (the parts of the .docx and their bytes, not the zip's own
timestamps), so ``make templates`` on a clean tree touches no file. ``templates.lock.json`` records the
content digest of each template as a script last wrote it: a file whose content differs from that
record was edited by hand (in Word, WPS, by ``form adopt``…) and is kept — the script says what it
would change and exits 1 — unless ``--force`` (``make templates FORCE=1``) is given.
"""

from __future__ import annotations

import atexit
import datetime as dt
import difflib
import hashlib
import io
import json
import os
import sys
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOCK = Path(__file__).resolve().parent / "templates.lock.json"
FORCE = "--force" in sys.argv or os.environ.get("TEMPLATES_FORCE") == "1"
STAMP = (1980, 1, 1, 0, 0, 0)  # a template's bytes do not depend on the day it was made
REFUSED: list[str] = []
WRITTEN: list[str] = []


def digest(data: bytes) -> str:
    """The content of a .docx: each part's name and bytes, in order (zip timestamps and compression left out)."""
    h = hashlib.sha256()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            h.update(info.filename.encode() + b"\0" + hashlib.sha256(z.read(info.filename)).digest())
    return h.hexdigest()


def _bytes(doc: Any) -> bytes:
    """The document as the script made it, with fixed metadata and zip timestamps."""
    props = doc.core_properties
    props.author = props.last_modified_by = "clusterpack"
    props.created = props.modified = dt.datetime(2000, 1, 1)
    props.revision = 1
    raw = io.BytesIO()
    doc.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=STAMP)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def _text(data: bytes) -> list[str]:
    """The document's paragraphs and table cells, one a line, for showing a difference."""
    from docx import Document

    doc = Document(io.BytesIO(data))
    lines = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        lines += [" | ".join(c.text for c in row.cells) for row in t.rows]
    return lines


def _difference(old: bytes, new: bytes) -> str:
    diff = list(
        difflib.unified_diff(_text(old), _text(new), "模板现状 (the file now)", "脚本生成 (the script)", lineterm="")
    )
    if not diff:
        with zipfile.ZipFile(io.BytesIO(old)) as a, zipfile.ZipFile(io.BytesIO(new)) as b:
            parts = sorted({i.filename for i in a.infolist()} ^ {i.filename for i in b.infolist()})
            parts += [n for n in a.namelist() if n in b.namelist() and a.read(n) != b.read(n)]
        return "  文字相同，格式或结构不同 (same text; these parts differ): " + ", ".join(parts)
    return "\n".join("  " + line for line in diff[:40]) + ("\n  …" if len(diff) > 40 else "")


def _lock() -> dict[str, str]:
    return dict(json.loads(LOCK.read_text(encoding="utf-8"))) if LOCK.exists() else {}


def save(doc: Any, path: Path) -> None:
    """Write ``doc`` to ``path`` unless it is the same in content, or the file was edited by hand (kept)."""
    path = Path(path)
    rel = path.resolve().relative_to(ROOT).as_posix()
    new = _bytes(doc)
    lock = _lock()
    old = path.read_bytes() if path.exists() else None
    if old is not None and digest(old) == digest(new):
        if lock.get(rel) != digest(new):
            _record(lock, rel, digest(new))
        return
    if old is not None and lock.get(rel) not in (None, digest(old)) and not FORCE:
        REFUSED.append(rel)
        print(f"保留手工修改 (kept, edited by hand): {rel}\n{_difference(old, new)}", file=sys.stderr)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(new)
    tmp.replace(path)
    WRITTEN.append(rel)
    _record(lock, rel, digest(new))


def _record(lock: dict[str, str], rel: str, value: str) -> None:
    lock[rel] = value
    tmp = LOCK.with_name(f".{LOCK.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(dict(sorted(lock.items())), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(LOCK)


@atexit.register
def _report() -> None:
    for rel in WRITTEN:
        print(f"已写入 (written): {rel}")
    if REFUSED:
        print(
            f"{len(REFUSED)} 个模板已被手工修改，未覆盖；确需覆盖请用 make templates FORCE=1 "
            f"(templates edited by hand were kept; FORCE=1 overwrites them)",
            file=sys.stderr,
        )
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)
