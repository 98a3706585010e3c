"""Proof attachments (佐证材料): checked before anything is built, then turned into A4 PDF pages.

Files must sit under ``inputs/<cluster>/attachments/`` (links that leave it are refused) and be
PDF, JPEG/PNG or Word. Phone photos are turned upright by their EXIF orientation. Every page is
fitted to A4 inside margins that keep a band free at the top for the 佐证材料 label and at the
foot for the page number, so neither covers the content.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.errors import DependencyError, PdfReadError

from . import pdfkit, repro
from .errors import Problem
from .load import RawInput
from .model import Attachment, default_programme
from .programme import Material, Programme

KINDS = {".pdf": "pdf", ".jpg": "image", ".jpeg": "image", ".png": "image", ".docx": "word", ".doc": "word"}
DEFAULT_MAX_MB = float(os.environ.get("CLUSTERPACK_MAX_ATTACHMENT_MB", "50"))
A4 = (595.276, 841.89)
MM = 72 / 25.4
BOX_MM = {"left": 15, "right": 15, "top": 20, "bottom": 30}  # label band on top, page number at the foot
Image.MAX_IMAGE_PIXELS = 120_000_000  # a 12 000 × 10 000 scan is fine; a decompression bomb is not


@dataclass(frozen=True)
class Proof:
    """An attachment that passed the checks, numbered in the packet's order (佐证材料 3-2)."""

    item: Attachment
    material: Material
    number: str
    path: Path
    kind: str
    pages: list[int] | None  # 0-based page indices to take from a PDF, None = all

    @property
    def label(self) -> str:
        return f"佐证材料 {self.number}"


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


def check(
    raw: RawInput,
    data: Any,
    programme: Programme,
    max_mb: float = DEFAULT_MAX_MB,
    others: set[str] | frozenset[str] = frozenset(),
) -> tuple[list[Proof], list[Problem]]:
    """Check every attachment (place, type, size, readability); number them in packet order.

    Attachments filed under ``others`` (categories of another programme the data is also for) are skipped.
    """
    folder = raw.file.parent / "attachments"
    root = folder.resolve()
    materials = {m.id: m for m in programme.materials}
    problems: list[Problem] = []
    found: list[tuple[int, Attachment, Material, Path, str, list[int] | None]] = []

    def problem(i: int, code: str, message: str, key: str = "file", severity: str = "error") -> None:
        path = ("attachments", i, key)
        problems.append(
            Problem(
                code,
                message,
                field=".".join(map(str, path)),
                label=f"佐证材料 › 第{i + 1}项",
                location=raw.where(path),
                severity=severity,
            )
        )

    for i, item in enumerate(data.attachments):
        material = materials.get(item.category)
        if material is None and item.category in others:
            continue
        if material is None:
            known = "、".join(f"{m.id}（{m.title}）" for m in programme.materials) or "无"
            problem(
                i,
                "E-ATTACHMENT-CATEGORY",
                f"材料类别 {item.category} 不在本项目的材料清单中；可选：{known}",
                "category",
            )
            continue
        candidate = folder / item.file
        resolved = candidate.resolve()
        if not resolved.is_relative_to(root):
            problem(
                i,
                "E-ATTACHMENT-OUTSIDE",
                f"{item.file} 指向集群 attachments/ 目录之外（含链接），不予使用 (file outside attachments/)",
            )
            continue
        if not resolved.is_file():
            problem(i, "E-ATTACHMENT-MISSING", f"找不到文件 attachments/{item.file} (file not found)")
            continue
        kind = KINDS.get(resolved.suffix.lower())
        if kind is None:
            problem(
                i,
                "E-ATTACHMENT-TYPE",
                f"{item.file}：不支持的文件类型，只收 PDF、JPEG、PNG、DOCX、DOC (unsupported type)",
            )
            continue
        size_mb = resolved.stat().st_size / 1e6
        if size_mb > max_mb:
            problem(
                i, "E-ATTACHMENT-SIZE", f"{item.file} 有 {size_mb:.1f} MB，超过 {max_mb:g} MB 的上限 (file too large)"
            )
            continue
        pages: list[int] | None = None
        try:
            if kind == "pdf":
                reader = _open_pdf(resolved)
                if reader is None:
                    problem(
                        i, "E-ATTACHMENT-ENCRYPTED", f"{item.file} 已加密，无法合并；请提供未加密的 PDF (encrypted PDF)"
                    )
                    continue
                count = len(reader.pages)
                pages = _page_list(item.pages, count)
                taken = len(pages) if pages is not None else count
                if taken > material.max_pages:
                    problem(
                        i,
                        "W-ATTACHMENT-MANY-PAGES",
                        f"{item.file} 有 {taken} 页，{material.title}一般不超过 {material.max_pages} 页；请确认是否选对了文件或用 pages 选取页码",
                        severity="warning",
                    )
            elif kind == "image":
                with Image.open(resolved) as im:
                    im.load()  # a truncated file fails here, not halfway through the packet
                if item.pages:
                    problem(i, "E-ATTACHMENT-PAGES", "图片没有页码，不能指定 pages (pages given for an image)", "pages")
                    continue
        except ValueError as exc:
            problem(i, "E-ATTACHMENT-PAGES", f"{item.file}：{exc}", "pages")
            continue
        except (PdfReadError, OSError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
            problem(
                i,
                "E-ATTACHMENT-UNREADABLE",
                f"{item.file} 无法读取，文件可能已损坏或不完整 (corrupt or truncated file): {exc}",
            )
            continue
        found.append((i, item, material, resolved, kind, pages))

    numbers = {id(item): number for number, item, _m in numbered(programme.materials, [f[1] for f in found])}
    proofs = [Proof(item, m, numbers[id(item)], path, kind, pages) for _i, item, m, path, kind, pages in found]
    proofs.sort(key=lambda p: tuple(int(x) for x in p.number.split("-")))
    return proofs, problems


def numbered(materials: list[Material], items: list[Attachment]) -> list[tuple[str, Attachment, Material]]:
    """Attachments numbered as the packet shows them (佐证材料 n-k): categories in the programme's
    order, counting only those that have proof, so the numbers run without gaps."""
    out: list[tuple[str, Attachment, Material]] = []
    n = 0
    for material in materials:
        mine = [a for a in items if a.category == material.id]
        if mine:
            n += 1
            out.extend((f"{n}-{k}", a, material) for k, a in enumerate(mine, start=1))
    return out


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
                signed_reader = _open_pdf(path)
                if signed_reader is None:
                    problems.append(Problem("E-SIGNED-ENCRYPTED", f"签章扫描件 {shown} 已加密 (encrypted PDF)"))
                    break
                if not signed_reader.pages:
                    raise PdfReadError("no pages")
            except (PdfReadError, OSError) as exc:
                problems.append(Problem("E-SIGNED-UNREADABLE", f"签章扫描件 {shown} 无法读取 (corrupt PDF): {exc}"))
                break
            found[doc.id] = path
            break
    return found, problems


def make_pdfs(proofs: list[Proof], convert_word, work: Path) -> dict[str, tuple[Path, int]]:
    """Each proof not marked sensitive as an A4 PDF in ``work``: {number: (pdf, pages)}."""
    out: dict[str, tuple[Path, int]] = {}
    for proof in proofs:
        if proof.item.sensitive:
            continue
        dst = work / f"proof-{proof.number}.pdf"
        if proof.kind == "pdf":
            reader = PdfReader(str(proof.path))
        elif proof.kind == "image":
            reader = PdfReader(io.BytesIO(image_pdf(proof.path)))
        else:
            converted = work / f"proof-{proof.number}-word.pdf"
            convert_word(proof.path, converted)
            reader = PdfReader(str(converted))
        out[proof.number] = (dst, fit_to_a4(reader, proof.pages, dst))
    return out
