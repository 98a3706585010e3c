"""Proof attachments (佐证材料): checked before anything is built, then turned into A4 PDF pages.

Files must sit under ``inputs/<cluster>/attachments/`` (links that leave it are refused) and be
PDF, JPEG/PNG or Word. Phone photos are turned upright by their EXIF orientation. Every page is
fitted to A4 inside margins that keep a band free at the top for the 佐证材料 label and at the
foot for the page number, so neither covers the content."""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import io
import os
import shutil
import stat
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.errors import DependencyError, PdfReadError, PyPdfError

from pipeline.core import limits, reading, repro
from pipeline.core.case import Proof, numbered
from pipeline.core.fields import Attachment, default_programme
from pipeline.core.programme import Material, Programme
from pipeline.core.raw import RawInput
from pipeline.errors import DataInvalid, Location, Problem
from pipeline.kits import officefile, pdfkit

KINDS = {".pdf": "pdf", ".jpg": "image", ".jpeg": "image", ".png": "image", ".docx": "word", ".doc": "word"}


A4 = (595.276, 841.89)


MM = 72 / 25.4


BOX_MM = {"left": 15, "right": 15, "top": 20, "bottom": 30}  # label band on top, page number at the foot


# Pillow's own guard, kept above limits.IMAGE_PIXELS (checked first, from the header): a file that
# slips past the check still cannot decode into gigabytes.
Image.MAX_IMAGE_PIXELS = 120_000_000


class Refused(Exception):
    """An attachment that cannot go in: its code and message (raised by the checks of one kind of file)."""

    def __init__(self, code: str, message: str, key: str = "file") -> None:
        super().__init__(message)
        self.code, self.message, self.key = code, message, key


def _page_list(spec: str | None, count: int) -> list[int] | None:
    if spec is None:
        return None
    pages: list[int] = []
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        a, b = int(lo), int(hi or lo)
        if not 1 <= a <= b <= count:
            raise ValueError(f"页码范围 {spec} 超出文件的 {count} 页 (page range outside the file)")
        pages.extend(range(a - 1, b))
    return pages


def inside(folder: Path, cluster: Path) -> bool:
    """Whether ``folder`` (followed through any link) lies in the cluster's folder."""
    try:
        return folder.resolve().is_relative_to(cluster.resolve())
    except (OSError, RuntimeError):  # a link loop
        return False


def locate(folder: Path, name: str) -> Path:
    """``name`` under ``folder`` (followed through links, which must stay in ``folder``); raises Refused.

    Names are checked before the disk is asked: a component over 255 bytes cannot exist, and a
    link loop or a link out of the folder is refused by what it is, not by the error it causes.
    """
    parts = Path(name).parts
    if any(len(part.encode("utf-8")) > limits.NAME_BYTES for part in parts):
        raise Refused(
            "E-ATTACHMENT-NAME-TOO-LONG",
            f"文件名过长（{len(name)} 个字符）：一级文件名最多 255 字节（约 85 个汉字）；请改短 "
            f"(a file name over 255 bytes): {name[:60]}…",
        )
    candidate = folder / name
    try:
        resolved = candidate.resolve()
    except RuntimeError:  # Python 3.11 says a symlink loop this way
        resolved = None
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise Refused(
                "E-ATTACHMENT-UNREADABLE", f"{name} 无法读取 (cannot read the file): {exc.strerror}"
            ) from None
        resolved = None
    if resolved is None:
        raise Refused("E-ATTACHMENT-LINK-LOOP", f"{name} 是循环的符号链接，不指向任何文件 (a symlink loop)")
    if not resolved.is_relative_to(folder.resolve()):
        raise Refused(
            "E-ATTACHMENT-OUTSIDE",
            f"{name} 指向集群 attachments/ 目录之外（含链接），不予使用 (file outside attachments/)",
        )
    try:
        regular = stat.S_ISREG(resolved.stat().st_mode)
    except FileNotFoundError:
        regular = False
    except OSError as exc:
        code = "E-ATTACHMENT-LINK-LOOP" if exc.errno == errno.ELOOP else "E-ATTACHMENT-UNREADABLE"
        raise Refused(code, f"{name} 无法读取 (cannot read the file): {exc.strerror}") from None
    if not regular:
        raise Refused("E-ATTACHMENT-MISSING", f"找不到文件 attachments/{name} (file not found)")
    return resolved


def _check_pdf(path: Path, item: Attachment, material: Material) -> tuple[list[int] | None, int, list[tuple[str, ...]]]:
    """(pages taken, how many, warnings) of a PDF proof; raises Refused."""
    reader = _open_pdf(path)
    if reader is None:
        raise Refused("E-ATTACHMENT-ENCRYPTED", f"{item.file} 已加密，无法合并；请提供未加密的 PDF (encrypted PDF)")
    count = len(reader.pages)
    if count > limits.ATTACHMENT_PAGES():
        raise Refused(
            "E-LIMIT-PAGES",
            f"{item.file} 有 {count} 页，超过每份佐证材料 {limits.ATTACHMENT_PAGES.shown()} 页的上限；请用 pages 选取页码"
            f"或拆分文件 (too many pages: {limits.ATTACHMENT_PAGES.env})",
        )
    try:
        pages = _page_list(item.pages, count)
    except ValueError as exc:
        raise Refused("E-ATTACHMENT-PAGES", f"{item.file}：{exc}", "pages") from None
    decoded, limit = 0, limits.UNZIPPED_BYTES()
    for index in pages if pages is not None else range(count):
        decoded += content_size(reader.pages[index], item.file, index)
        if decoded > limit:  # each page under its limit, all of them together over the file's
            raise Refused(
                "E-LIMIT-PDF-STREAM",
                f"{item.file} 各页内容解压后共超过 {limits.UNZIPPED_BYTES.shown()} 的上限（解压炸弹？） "
                f"(the pages' content inflates past the limit: {limits.UNZIPPED_BYTES.env})",
            )
    taken = len(pages) if pages is not None else count
    warnings: list[tuple[str, ...]] = []
    if taken > material.max_pages:
        warnings.append(
            (
                "W-ATTACHMENT-MANY-PAGES",
                f"{item.file} 有 {taken} 页，{material.title}一般不超过 {material.max_pages} 页；请确认是否选对了文件或用 pages 选取页码",
                f"“{item.title}”有 {taken} 页，{material.title}一般不超过 {material.max_pages} 页，请确认是否选对了文件",
            )
        )
    return pages, taken, warnings


def content_size(page: PageObject, name: str, index: int) -> int:
    """The decoded size of a page's content streams, inflated with a bound; raises Refused past the limit.

    The build decodes these when it fits the page to A4: a stream that inflates to gigabytes is
    refused here instead. Flate (nearly every PDF) is inflated by hand with a bound; other filters
    go through pypdf's own bounded decoders.
    """
    limit = limits.PDF_STREAM_BYTES()
    total = 0
    for stream in pdfkit.content_streams(page):
        obj = stream.get_object()
        filters = obj.get("/Filter")
        names = [str(f) for f in filters] if isinstance(filters, list) else [str(filters)] if filters else []
        raw = getattr(obj, "_data", b"") or b""
        if not names:
            total += len(raw)
        elif names == ["/FlateDecode"] and "/DecodeParms" not in obj:
            total += _inflated(raw, limit - total + 1)
        else:
            total += len(obj.get_data())
        if total > limit:
            raise Refused(
                "E-LIMIT-PDF-STREAM",
                f"{name} 第{index + 1}页的内容解压后超过 {limits.PDF_STREAM_BYTES.shown()} 的上限（解压炸弹？） "
                f"(a page's content inflates past the limit: {limits.PDF_STREAM_BYTES.env})",
            )
    return total


def _inflated(data: bytes, limit: int) -> int:
    """How many bytes ``data`` inflates to, counting no further than ``limit``."""
    inflater = zlib.decompressobj()
    size = 0
    view = data
    while view and size < limit:
        try:
            out = inflater.decompress(view, min(1 << 20, limit - size))
        except zlib.error:
            break  # pypdf recovers what it can from a damaged stream; so does the build
        size += len(out)
        view = inflater.unconsumed_tail
        if not out:
            break
    return size


def _check_image(path: Path, item: Attachment) -> None:
    with officefile.image_header(path) as im:  # the header only: pixels are counted before they are decoded
        width, height = im.size
        if width * height > limits.IMAGE_PIXELS():
            raise Refused("E-LIMIT-PIXELS", officefile.pixels_finding(item.file, width, height).message)
        im.load()  # a truncated file fails here, not halfway through the packet
    if item.pages:
        raise Refused("E-ATTACHMENT-PAGES", "图片没有页码，不能指定 pages (pages given for an image)", "pages")


def _check_word(path: Path, item: Attachment) -> None:
    findings = officefile.inspect(path, "docx") if path.suffix.lower() == ".docx" else officefile.inspect_doc(path)
    if findings:
        first = findings[0]
        raise Refused(first.code, f"{item.file}：" + "；".join(f.message for f in findings))
    if item.pages:
        raise Refused(
            "E-ATTACHMENT-PAGES", "Word 文件不能指定 pages，请转为 PDF 后选页 (pages given for a Word file)", "pages"
        )


_SEEN: OrderedDict[tuple[Any, ...], tuple[str, list[int] | None, int, list] | Refused] = OrderedDict()
_SEEN_MAX = 512
_DIGESTS: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()  # (path, size, times, inode) → the content's digest


def _digest(path: Path) -> bytes:
    """The digest of a file's bytes, read again only when its path, size, times or inode changed."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    found = _DIGESTS.get(key)
    if found is None:
        h = hashlib.blake2b(digest_size=16)
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        found = _DIGESTS[key] = h.digest()
        if len(_DIGESTS) > _SEEN_MAX:
            _DIGESTS.popitem(last=False)
    return found


def _check_one(path: Path, item: Attachment, material: Material) -> tuple[str, list[int] | None, int, list]:
    """(kind, pages taken, page count, warnings) of one proof; raises Refused.

    Remembered for the same content, entry and limits in force: the web form checks the proofs again at every
    keystroke, and a batch or a city meets the same scan in many clusters' folders.
    """
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("CLUSTERPACK_")))
    key = (_digest(path), item.model_dump_json(), material.id, env)
    if key not in _SEEN:
        try:
            _SEEN[key] = _inspect_one(path, item, material)
        except Refused as refused:
            _SEEN[key] = refused
        if len(_SEEN) > _SEEN_MAX:
            _SEEN.popitem(last=False)
    _SEEN.move_to_end(key)
    found = _SEEN[key]
    if isinstance(found, Refused):
        raise Refused(found.code, found.message, found.key)
    kind, pages, count, warnings = found
    return kind, list(pages) if pages is not None else None, count, list(warnings)


def _inspect_one(path: Path, item: Attachment, material: Material) -> tuple[str, list[int] | None, int, list]:
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise Refused(
            "E-ATTACHMENT-TYPE", f"{item.file}：不支持的文件类型，只收 PDF、JPEG、PNG、DOCX、DOC (unsupported type)"
        )
    size = path.stat().st_size
    if size > limits.ATTACHMENT_BYTES():
        raise Refused(
            "E-ATTACHMENT-SIZE",
            f"{item.file} 有 {limits.mb(size)}，超过 {limits.ATTACHMENT_BYTES.shown()} 的上限 (file too large: "
            f"{limits.ATTACHMENT_BYTES.env})",
        )
    try:
        if kind == "pdf":
            pages, count, warnings = _check_pdf(path, item, material)
            return kind, pages, count, warnings
        if kind == "image":
            _check_image(path, item)
            return kind, None, 1, []
        _check_word(path, item)
        return kind, None, 0, []  # a Word file's pages are known once converted
    except Refused:
        raise
    except (PyPdfError, OSError, UnidentifiedImageError, Image.DecompressionBombError, ValueError, KeyError) as exc:
        raise Refused(
            "E-ATTACHMENT-UNREADABLE",
            f"{item.file} 无法读取，文件可能已损坏或不完整 (corrupt or truncated file): {exc}",
        ) from None


def check(
    raw: RawInput,
    attached: list[Attachment | None],
    programme: Programme,
    max_mb: float | None = None,
    others: set[str] | frozenset[str] = frozenset(),
) -> tuple[list[Proof], list[Problem]]:
    """Check every attachment (place, type, size, content); number them in packet order.

    ``attached`` are the data's entries in order (None for one the model refused: its line is
    reported there). Attachments filed under ``others`` (categories of another programme the data is also for) are
    skipped. ``max_mb`` overrides ``CLUSTERPACK_MAX_ATTACHMENT_MB`` (limits.ATTACHMENT_BYTES).
    """
    cluster = raw.file.parent
    folder = cluster / "attachments"
    # an attachments/ folder linked out of the cluster's is refused whole
    if attached and folder.exists() and not inside(folder, cluster):
        return [], [_folder_outside(raw)]
    # each attachment on its own: its category, then its file and content
    materials = {m.id: m for m in programme.materials}
    problems: list[Problem] = []
    found: list[_Found] = []
    for i, item in enumerate(attached):
        if item is None:
            continue
        material = materials.get(item.category)
        if material is None and reading.name_key(item.category) in others:
            continue
        if material is None:
            known = "、".join(f"{m.title}（{m.id}）" for m in programme.materials) or "无"
            message = (
                f"材料类别 {item.category} 不在本项目的材料清单中；请填以下类别的名称或括号中的编号：{known} "
                "(the category is not one of the programme's materials)"
            )
            problems.append(_problem(raw, i, "E-ATTACHMENT-CATEGORY", message, "category"))
            continue
        one, said = _check_attachment(raw, i, item, material, folder, max_mb)
        problems.extend(said)
        if one is not None:
            found.append(one)
    # the packet's proofs together against their limits, then numbered in packet order
    going = [f for f in found if not f.item.sensitive]
    problems.extend(_packet_totals(raw, sum(f.size for f in going), sum(f.count for f in going)))
    return _numbered(raw, programme, found), problems


@dataclass(frozen=True)
class _Found:
    """An attachment that passed its checks, before it is numbered."""

    item: Attachment
    material: Material
    path: Path
    kind: str
    pages: list[int] | None  # the pages taken, None for all
    count: int  # pages going into the packet (0 for a Word file until it is converted)
    size: int  # bytes
    where: Location


def _problem(raw: RawInput, i: int, code: str, message: str, key: str = "file", severity: str = "error") -> Problem:
    """A problem of the ``i``-th attachment, at its line in the data."""
    path = ("attachments", i, key)
    return Problem(
        code,
        message,
        field=".".join(map(str, path)),
        label=f"佐证材料 › 第{i + 1}项",
        location=raw.where(path),
        severity=severity,
    )


def _warned(raw: RawInput, i: int, code: str, message: str, page: str) -> Problem:
    """A warning of the ``i``-th attachment; ``page`` is what a printed page says of it."""
    return dataclasses.replace(_problem(raw, i, code, message, severity="warning"), page=page)


def _folder_outside(raw: RawInput) -> Problem:
    return Problem(
        "E-ATTACHMENT-FOLDER-OUTSIDE",
        "attachments/ 目录是指向集群目录之外的链接，不予使用；请把佐证材料放进集群目录下的 attachments/ "
        "(attachments/ links out of the cluster's folder)",
        field="attachments",
        label="佐证材料",
        location=raw.where(("attachments",)),
    )


def _check_attachment(
    raw: RawInput, i: int, item: Attachment, material: Material, folder: Path, max_mb: float | None
) -> tuple[_Found | None, list[Problem]]:
    """The ``i``-th attachment found and checked, with its warnings; or None and why it cannot go in."""
    try:
        resolved = locate(folder, item.file)
        if max_mb is not None and resolved.stat().st_size > max_mb * 1e6:
            raise Refused(
                "E-ATTACHMENT-SIZE",
                f"{item.file} 有 {resolved.stat().st_size / 1e6:.1f} MB，超过 {max_mb:g} MB 的上限 (file too large)",
            )
        kind, pages, count, warnings = _check_one(resolved, item, material)
    except Refused as refusal:
        return None, [_problem(raw, i, refusal.code, refusal.message, refusal.key)]
    # (code, message[, what a printed page says])
    said = [_warned(raw, i, code, message, "".join(page)) for code, message, *page in warnings]
    size = resolved.stat().st_size
    return _Found(item, material, resolved, kind, pages, count, size, raw.where(("attachments", i, "file"))), said


def _numbered(raw: RawInput, programme: Programme, found: list[_Found]) -> list[Proof]:
    """The proofs numbered as the packet shows them (佐证材料 2-1 …), in that order."""
    numbers = {id(item): number for number, item, _m in numbered(programme.materials, [f.item for f in found])}
    proofs = [
        Proof(f.item, f.material, numbers[id(f.item)], f.path, f.kind, f.pages, raw.cluster_id, f.where) for f in found
    ]
    proofs.sort(key=lambda p: tuple(int(x) for x in p.number.split("-")))
    return proofs


def _packet_totals(raw: RawInput, size: int, pages: int) -> list[Problem]:
    """The proofs of one packet together: bytes and pages, each against its limit."""
    out = []
    if size > limits.PACKET_BYTES():
        out.append(
            (
                "E-LIMIT-PACKET-SIZE",
                f"进入申报材料的佐证材料共 {limits.mb(size)}，超过 {limits.PACKET_BYTES.shown()} 的上限；请压缩扫描件"
                f"或把部分材料标为 sensitive 另行报送 (attachments over the packet limit: {limits.PACKET_BYTES.env})",
            )
        )
    if pages > limits.PACKET_PAGES():
        out.append(
            (
                "E-LIMIT-PACKET-PAGES",
                f"进入申报材料的佐证材料共 {pages} 页，超过 {limits.PACKET_PAGES.shown()} 页的上限；请用 pages 选取页码 "
                f"(attachment pages over the packet limit: {limits.PACKET_PAGES.env})",
            )
        )
    return [
        Problem(code, message, field="attachments", label="佐证材料", location=raw.where(("attachments",)))
        for code, message in out
    ]


def _open_pdf(path: Path) -> PdfReader | None:
    """A reader of the PDF at ``path``; None when it is encrypted, RC4 or AES alike.

    pypdf tries the empty password itself, and for AES it needs a library this tool does not use;
    either way a password-protected file cannot go into a packet.
    """
    try:
        reader = PdfReader(str(path))
    except DependencyError:
        return None
    return None if reader.is_encrypted else reader


def image_pdf(path: Path) -> bytes:
    """A phone photo or scan as a one-page PDF, turned upright by its EXIF orientation."""
    with Image.open(path) as im:
        upright = ImageOps.exif_transpose(im)
        rgb = upright.convert("RGB")
    buf = io.BytesIO()
    rgb.save(buf, format="PDF", resolution=150.0)
    return buf.getvalue()


def fit_to_a4(src: PdfReader, pages: list[int] | None, dst: Path) -> int:
    """Each chosen page scaled into the A4 box (landscape pages onto landscape A4); return the count."""
    writer = PdfWriter()
    painter = pdfkit.Painter(writer)
    for index in pages if pages is not None else range(len(src.pages)):
        page: PageObject = src.pages[index]
        upright, (w, h) = pdfkit.upright(page)
        pw, ph = (A4[1], A4[0]) if w > h else A4
        bw = pw - (BOX_MM["left"] + BOX_MM["right"]) * MM
        bh = ph - (BOX_MM["top"] + BOX_MM["bottom"]) * MM
        s = min(bw / w, bh / h)
        x = BOX_MM["left"] * MM + (bw - w * s) / 2
        y = BOX_MM["bottom"] * MM + (bh - h * s) / 2
        blank = writer.add_blank_page(pw, ph)
        painter.draw(blank, painter.form(page), upright.scale(s, s).translate(x, y))
    repro.finish_pdf(writer, dst)
    return len(writer.pages)


def label_pages(pdf: Path, label_page: PageObject) -> None:
    """Stamp the label (drawn at the top right of a portrait A4 page) on every page of ``pdf``."""
    writer = PdfWriter(clone_from=PdfReader(str(pdf)))
    painter = pdfkit.Painter(writer)
    label = painter.form(label_page)
    sw, sh = float(label_page.mediabox.width), float(label_page.mediabox.height)
    for page in writer.pages:
        pw, ph = float(page.mediabox.width), float(page.mediabox.height)
        painter.draw(page, label, Transformation().translate(pw - sw, ph - sh))
    repro.finish_pdf(writer, pdf)


def check_signed(raw: RawInput, programme: Programme) -> tuple[dict[str, Path], list[Problem]]:
    """Signed, sealed scans (named by document id or output name) that replace a document.

    They live in ``signed/<programme>/``; scans directly in ``signed/`` serve the programme the
    data names first (its default), so a file for several programmes never mixes their scans.
    """
    base = raw.file.parent / "signed"
    folders = [base / programme.id] + ([base] if default_programme(raw.data.get("programme")) == programme.id else [])
    found: dict[str, Path] = {}
    problems: list[Problem] = []
    outside = [f for f in folders if f.exists() and not inside(f, raw.file.parent)]
    if outside:
        shown = outside[0].relative_to(raw.file.parent).as_posix()
        return {}, [
            Problem("E-SIGNED-OUTSIDE", f"{shown}/ 是指向集群目录之外的链接，不予使用 (links out of the cluster)")
        ]
    for doc in programme.documents:
        for folder, name in ((f, n) for f in folders if f.is_dir() for n in (f"{doc.id}.pdf", f"{doc.output}.pdf")):
            path = folder / name
            shown = path.relative_to(raw.file.parent).as_posix()
            if not path.is_file():
                continue
            if not path.resolve().is_relative_to(folder.resolve()):
                problems.append(Problem("E-SIGNED-OUTSIDE", f"{shown} 指向目录之外，不予使用", location=None))
                break
            try:
                if path.stat().st_size > limits.ATTACHMENT_BYTES():
                    raise Refused(
                        "E-SIGNED-SIZE",
                        f"签章扫描件 {shown} 超过 {limits.ATTACHMENT_BYTES.shown()} 的上限 (file too large: "
                        f"{limits.ATTACHMENT_BYTES.env})",
                    )
                signed_reader = _open_pdf(path)
                if signed_reader is None:
                    problems.append(Problem("E-SIGNED-ENCRYPTED", f"签章扫描件 {shown} 已加密 (encrypted PDF)"))
                    break
                if not signed_reader.pages:
                    raise PdfReadError("no pages")
                if len(signed_reader.pages) > limits.ATTACHMENT_PAGES():
                    raise Refused(
                        "E-LIMIT-PAGES", f"签章扫描件 {shown} 超过 {limits.ATTACHMENT_PAGES.shown()} 页的上限"
                    )
                for index, page in enumerate(signed_reader.pages):
                    content_size(page, shown, index)
            except Refused as refusal:
                problems.append(Problem(refusal.code, refusal.message))
                break
            except (PyPdfError, OSError, ValueError, KeyError) as exc:
                problems.append(Problem("E-SIGNED-UNREADABLE", f"签章扫描件 {shown} 无法读取 (corrupt PDF): {exc}"))
                break
            found[doc.id] = path
            break
    return found, problems


FIT_VERSION = b"fit-1"  # change when fit_to_a4 or image_pdf draws differently: the cache's entries then miss


def _fitted_key(proof: Proof) -> str:
    h = hashlib.sha256(FIT_VERSION + proof.kind.encode() + repr(proof.pages).encode() + repr(BOX_MM).encode())
    h.update(proof.path.read_bytes())
    return h.hexdigest()


def make_pdfs(proofs: list[Proof], convert_word, work: Path, cache: Path | None = None) -> dict[str, tuple[Path, int]]:
    """Each proof not marked sensitive as an A4 PDF in ``work``: {number: (pdf, pages)}.

    With ``cache``, a PDF or image proof fitted once is kept there by its bytes (and pages taken), so that
    the next packet with the same file copies it instead of redrawing every page (a Word proof's
    conversion is cached by the converter)."""
    out: dict[str, tuple[Path, int]] = {}
    for proof in proofs:
        if proof.item.sensitive:
            continue
        dst = work / f"proof-{proof.number}.pdf"
        key = _fitted_key(proof) if cache is not None and proof.kind != "word" else ""
        hits = list((cache / key[:2]).glob(f"{key}.*.pdf")) if cache is not None and key else []
        if hits:
            shutil.copyfile(hits[0], dst)
            out[proof.number] = (dst, int(hits[0].name.split(".")[1]))
            continue
        out[proof.number] = (dst, _fit_one(proof, convert_word, work, dst))
        if cache is not None and key:
            _keep(cache / key[:2] / f"{key}.{out[proof.number][1]}.pdf", dst)
    return out


def _keep(entry: Path, made: Path) -> None:
    """Copy ``made`` into the cache as ``entry``, whole or not at all (two builds may write one key)."""
    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = entry.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp")
    shutil.copyfile(made, tmp)
    tmp.replace(entry)


def _fit_one(proof: Proof, convert_word, work: Path, dst: Path) -> int:
    """One proof as A4 pages in ``dst``; the page count."""
    if proof.kind == "pdf":
        reader = PdfReader(str(proof.path))
    elif proof.kind == "image":
        reader = PdfReader(io.BytesIO(image_pdf(proof.path)))
    else:
        converted = work / f"proof-{proof.number}-word.pdf"
        count = convert_word(proof.path, converted)
        if count > limits.ATTACHMENT_PAGES():
            raise DataInvalid(
                proof.cluster,
                [
                    Problem(
                        "E-LIMIT-PAGES",
                        f"{proof.item.file} 转为 PDF 后有 {count} 页，超过每份佐证材料 {limits.ATTACHMENT_PAGES.shown()} "
                        f"页的上限 (too many pages: {limits.ATTACHMENT_PAGES.env})",
                        field="attachments",
                        location=proof.where,
                    )
                ],
            )
        reader = PdfReader(str(converted))
    return fit_to_a4(reader, proof.pages, dst)
