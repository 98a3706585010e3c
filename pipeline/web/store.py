"""What the web app reads and writes: the same ``inputs/<cluster>/`` the CLI reads, and nothing outside it.

A cluster's data stays in its own file, ``cluster.yaml`` or ``cluster.xlsx``, written whole or not
at all; the keys the programme's form does not hold (another programme's data) are kept as they
were. An uploaded proof is saved under ``attachments/`` by a name made here (the name the browser
sent is only a suggestion), a signed scan under ``signed/<programme>/<document>.pdf``.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipeline.core import limits, scratch
from pipeline.core.case import Paths
from pipeline.core.fields import default_programme
from pipeline.core.programme import Programme
from pipeline.core.raw import CLUSTER_ID, RawInput, check_cluster_id
from pipeline.core.written import WrittenFloat, WrittenInt
from pipeline.errors import ClusterpackError, UsageError
from pipeline.forms import workbook
from pipeline.forms.sheets import Spec
from pipeline.forms.workbook_read import cell_text
from pipeline.stages import read as reading
from pipeline.stages.programmes import load_programme
from pipeline.stages.proofs import KINDS
from pipeline.web.form import Form, raw_of

# What an uploaded file's first bytes must be, by its suffix: a name says nothing of what a file is.
MAGIC = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".docx": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
}
# A saved name's room: write_atomic's temporary file beside it is ``.<name>.work-<owner>-<random><suffix>``
# and _free may add ``-NNN``, all within the 255 bytes a Linux file name may have.
NAME_BYTES = limits.NAME_BYTES - 96
_UNSAFE = re.compile(r"[^\w\u3000-\u303f\u4e00-\u9fff\uff00-\uffef .()\-]+")
_locks: dict[str, threading.Lock] = {}
_locks_lock = threading.Lock()


@contextmanager
def locked(cluster_id: str) -> Iterator[None]:
    """One writer at a time for a cluster's folder (two tabs saving at once do not interleave)."""
    with _locks_lock:
        lock = _locks.setdefault(cluster_id, threading.Lock())
    with lock:
        yield


@dataclass(frozen=True)
class Entry:
    """A cluster of ``inputs/`` as the start page lists it."""

    id: str
    name: str
    programme: str
    city: str
    kind: str  # yaml or xlsx
    readable: bool = True


def clusters(paths: Paths) -> list[Entry]:
    """Every cluster folder with an input file at its top (data kept by year is the CLI's for now)."""
    out: list[Entry] = []
    if not paths.inputs.is_dir():
        return out
    for folder in sorted(p for p in paths.inputs.iterdir() if p.is_dir() and CLUSTER_ID.match(p.name)):
        kind = next((k for k in ("yaml", "xlsx") if (folder / f"cluster.{k}").is_file()), None)
        if kind is None:
            continue
        try:
            data = load(paths, folder.name).data
        except ClusterpackError:
            out.append(Entry(folder.name, folder.name, "", "", kind, readable=False))
            continue
        found = data.get("cluster")
        cluster: dict[str, Any] = found if isinstance(found, dict) else {}
        named = data.get("programme")
        programme = (default_programme(named) if isinstance(named, (str, list)) else None) or ""
        name, city = str(cluster.get("name") or folder.name), str(cluster.get("city") or "")
        out.append(Entry(folder.name, name, programme, city, kind))
    return out


def load(paths: Paths, cluster_id: str) -> RawInput:
    """The cluster's raw data as the CLI reads it (its file at the top of its folder)."""
    return reading.load_cluster(paths.inputs, check_cluster_id(cluster_id))


def input_file(paths: Paths, cluster_id: str) -> Path:
    """The cluster's input file (its YAML or workbook), found without reading it."""
    return reading.input_file(paths.inputs, check_cluster_id(cluster_id))


def programme_of(paths: Paths, raw: RawInput, programme_id: str | None = None) -> Programme:
    named = raw.data.get("programme")
    pid = programme_id or (default_programme(named) if isinstance(named, (str, list)) else None)
    if not pid:
        raise UsageError("数据没有写明申报项目 programme (the data names no programme)", code="E-WEB-NO-PROGRAMME")
    return load_programme(paths.templates, pid)


def create(paths: Paths, cluster_id: str, programme: Programme) -> Path:
    """A new cluster folder holding ``cluster.yaml`` with only its programme, and ``attachments/``."""
    folder = paths.inputs / check_cluster_id(cluster_id)
    with locked(cluster_id):
        if any((folder / n).exists() for n in ("cluster.yaml", "cluster.xlsx")):
            raise UsageError(f"集群 {cluster_id} 已存在 (the cluster exists already)", code="E-USAGE-INPUT-EXISTS")
        (folder / "attachments").mkdir(parents=True, exist_ok=True)
        text = f"# {programme.title}：由 clusterpack 网页表单创建 (made by the web form)\nprogramme: {programme.id}\n"
        return scratch.write_atomic(folder / "cluster.yaml", text)


# --- saving what the form holds ------------------------------------------------------------------------------------


class _Bare(str):
    """A number as typed, written to YAML as a plain scalar (so that it reads back as a number)."""


class _Dumper(yaml.SafeDumper):
    pass


def _plain_number(dumper: yaml.SafeDumper, value: Any) -> yaml.ScalarNode:
    written = getattr(value, "written", None) or (str(value) if isinstance(value, _Bare) else repr(value))
    tag = "int" if isinstance(value, int) or re.fullmatch(r"-?\d+", written) else "float"
    return dumper.represent_scalar(f"tag:yaml.org,2002:{tag}", written)


_Dumper.add_representer(_Bare, _plain_number)
_Dumper.add_representer(WrittenInt, _plain_number)
_Dumper.add_representer(WrittenFloat, _plain_number)


def yaml_text(data: dict[str, Any]) -> str:
    """``data`` as YAML in its own key order, Chinese as it is, numbers as they were written."""
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=200)


def yaml_value(spec: Spec, text: str) -> Any:
    """A typed text as YAML holds it: an amount with its unit, a count as a number, the rest as the workbook reads it."""
    value = cell_text(spec, text)
    if spec.kind == "money" and isinstance(value, dict):
        return f"{value['value']}{value['unit']}"
    if spec.kind in ("int", "decimal") and re.fullmatch(r"-?\d+(\.\d+)?", text.strip()):
        return _Bare(text.strip())
    return value


def save(paths: Paths, cluster_id: str, form: Form, cells: dict[str, str]) -> Path:
    """Write what the form holds to the cluster's own file (YAML or workbook), whole or not at all."""
    with locked(cluster_id):
        current = load(paths, cluster_id)
        file = current.file
        if file.suffix == ".xlsx":
            texts = raw_of(form, cells, cluster_id, file, convert=lambda _s, t: t).data
            workbook.write_texts(_split_texts(form, texts), file, form.programme)
            return file
        mine = raw_of(form, cells, cluster_id, file, convert=yaml_value).data
        kept = {k: v for k, v in current.data.items() if k not in form.programme.data_schema.model.model_fields}
        header = f"# {form.programme.title}：由 clusterpack 网页表单保存 (saved by the web form)\n"
        body = yaml_text({**mine, **kept})
        return scratch.write_atomic(file, header + body)


def _split_texts(form: Form, texts: dict[str, Any]) -> dict[str, Any]:
    """Long texts one paragraph a line, as the workbook's text sheets hold them (one paragraph a row)."""
    from pipeline.forms.sheets import get

    for part in form.parts:
        if part.kind == "sections":
            for item in get(texts, tuple(part.path.split("."))) or []:
                if isinstance(item, dict) and isinstance(item.get(part.body), str):
                    item[part.body] = [t for t in item[part.body].splitlines() if t.strip()]
        elif part.kind == "paragraphs":
            for _title, path, _required in part.texts:
                *head, last = path.split(".")
                parent = get(texts, tuple(head)) if head else texts
                if isinstance(parent, dict) and isinstance(parent.get(last), str):
                    parent[last] = [t for t in parent[last].splitlines() if t.strip()]
    return texts


# --- uploads -------------------------------------------------------------------------------------------------------


def safe_name(suggested: str) -> str:
    """A file name made from what the browser sent: its last part only, no path, no hidden file, a known suffix."""
    base = unicodedata.normalize("NFC", suggested.replace("\\", "/").rsplit("/", 1)[-1])
    stem, dot, suffix = base.rpartition(".")
    suffix = "." + suffix.lower() if dot else ""
    if suffix not in KINDS:
        raise UsageError(
            f"文件类型 {suffix or '（无扩展名）'} 不受支持：佐证材料只能是 {'、'.join(sorted(KINDS))} (unsupported file type)",
            code="E-WEB-UPLOAD-TYPE",
        )
    stem = _UNSAFE.sub("_", stem).strip(" ._") or "材料"
    while len((stem + suffix).encode("utf-8")) > NAME_BYTES:
        stem = stem[:-1]
    return stem + suffix


def check_upload(name: str, data: bytes) -> None:
    """Refuse a file over the attachment limit or whose content is not what its suffix says."""
    if len(data) > limits.ATTACHMENT_BYTES():
        raise UsageError(
            f"{name} 有 {limits.mb(len(data))}，超过 {limits.ATTACHMENT_BYTES.shown()} 的上限 (file too large)",
            code="E-WEB-UPLOAD-SIZE",
        )
    suffix = Path(name).suffix.lower()
    if not any(data.startswith(m) for m in MAGIC.get(suffix, ())):
        raise UsageError(
            f"{name} 的内容不是 {suffix} 文件（文件头不符），请上传原文件 (the content does not match the file type)",
            code="E-WEB-UPLOAD-CONTENT",
        )


def _free(folder: Path, name: str, data: bytes) -> Path:
    """``name`` in ``folder``, or ``name-2``, ``name-3``… when another file holds it (the same file is the same)."""
    stem, suffix = Path(name).stem, Path(name).suffix
    for n in range(1, 1000):
        path = folder / (name if n == 1 else f"{stem}-{n}{suffix}")
        if not path.exists() or (path.is_file() and path.read_bytes() == data):
            return path
    raise UsageError(f"{name}: 同名文件过多 (too many files of that name)", code="E-WEB-UPLOAD-NAME")


def save_proof(paths: Paths, cluster_id: str, suggested: str, data: bytes) -> str:
    """Save an uploaded proof under ``attachments/``; the name it was saved by (relative to attachments/)."""
    name = safe_name(suggested)
    check_upload(name, data)
    folder = paths.inputs / check_cluster_id(cluster_id) / "attachments"
    with locked(cluster_id):
        folder.mkdir(parents=True, exist_ok=True)
        path = _free(folder, name, data)
        if not path.resolve().is_relative_to(folder.resolve()):  # a link planted in attachments/
            raise UsageError(f"{name}: 目标位于 attachments/ 之外 (outside attachments/)", code="E-WEB-UPLOAD-NAME")
        scratch.write_atomic(path, data)
    return path.name


def save_signed(paths: Paths, cluster_id: str, programme: Programme, document: str, data: bytes) -> Path:
    """Save a signed, sealed scan of one of the programme's documents as ``signed/<programme>/<document>.pdf``."""
    ids = {d.id for d in programme.documents}
    if document not in ids:
        raise UsageError(f"没有这份文件：{document} (no such document)", code="E-WEB-SIGNED-DOCUMENT")
    check_upload(f"{document}.pdf", data)
    folder = paths.inputs / check_cluster_id(cluster_id) / "signed" / programme.id
    with locked(cluster_id):
        folder.mkdir(parents=True, exist_ok=True)
        return scratch.write_atomic(folder / f"{document}.pdf", data)


def signed_of(paths: Paths, cluster_id: str, programme: Programme) -> dict[str, Path]:
    """The signed scans in place for ``programme``'s documents (its own folder, or signed/ for its default)."""
    folder = paths.inputs / check_cluster_id(cluster_id) / "signed"
    out = {}
    for doc in programme.documents:
        for path in (folder / programme.id / f"{doc.id}.pdf", folder / f"{doc.id}.pdf"):
            if path.is_file():
                out[doc.id] = path
                break
    return out
