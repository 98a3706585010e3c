"""Converted parts → the packet: merged, numbered, bookmarked PDF; the Word bundle; the manifest."""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docxcompose.composer import Composer
from pypdf import PdfReader, PdfWriter, Transformation

from pipeline.core import repro
from pipeline.errors import TemplateProblem
from pipeline.kits import docxkit, pdfkit, wordfile


@dataclass(frozen=True)
class Part:
    """One entry of the packet: a document, a category of proof, or one proof; its title and pages.

    Level 1 entries are bookmarks of their own; level 2 (proofs) sit under the category before
    them. An entry with no PDF has no pages: a category heading, or a proof delivered separately
    (``note`` says so in the 目录).
    """

    id: str
    title: str
    docx: Path | None
    pdf: Path | None
    pages: int
    level: int = 1
    note: str = ""
    scan: bool = False  # a signed, sealed scan: its foot band is blanked before the packet's number goes on


def toc_entries(parts: list[Part], first_page: int) -> list[dict[str, str]]:
    """目录 rows: each entry's title (indented by level) and the packet page it starts on."""
    rows, page = [], first_page
    for part in parts:
        shown = part.note if part.note else str(page)
        rows.append({"title": "　　" * (part.level - 1) + part.title, "page": shown})
        page += part.pages
    return rows


def compose(
    documents: list[tuple[str, Part | None]],
    materials: list[Any],
    proofs: list[Any],
    pdfs: dict[str, tuple[Path, int]],
) -> list[Part]:
    """The packet's entries in order: each document, then the proof categories placed after it.

    ``documents`` are the programme's, in order, with None for one this packet leaves out: the proof
    placed after it then follows the document before it.
    """
    entries: list[Part] = []
    for doc_id, doc in documents:
        if doc is not None:
            entries.append(doc)
        for material in materials:
            if material.after != doc_id:
                continue
            items = [p for p in proofs if p.material.id == material.id]
            if not items:
                continue
            shown = [p for p in items if not p.item.sensitive]
            heading = f"佐证材料{items[0].number.split('-')[0]}：{material.title}"
            entries.append(Part(f"material-{material.id}", heading, None, None, 0, 1, "" if shown else "另行报送"))
            for p in items:
                title = f"{p.number} {p.item.title}"
                if p.item.sensitive:
                    entries.append(Part(f"proof-{p.number}", title + "（敏感材料）", None, None, 0, 2, "另行报送"))
                else:
                    pdf, pages = pdfs[p.number]
                    entries.append(Part(f"proof-{p.number}", title, None, pdf, pages, 2))
    return entries


def _stamp(painter: pdfkit.Painter, page: Any, stamp: Any) -> None:
    """Put the page-number stamp (a portrait A4 page) at the bottom centre of ``page``."""
    width = float(page.mediabox.width)
    dx = (width - float(stamp.mediabox.width)) / 2
    painter.draw(page, painter.form(stamp), Transformation().translate(dx, 0))


def _foot_band(page: Any) -> tuple[float, float, float, float]:
    width = float(page.mediabox.width)
    w, h = (v * 72 / 25.4 for v in FOOT_BAND_MM)
    return (float(page.mediabox.left) + (width - w) / 2, float(page.mediabox.bottom), w, h)


def watermark(pdf: Path, mark: Path, angle: float = 35.0) -> None:
    """Lay ``mark`` (one page) under every page of ``pdf``, turned by ``angle`` about the centres."""
    stamp = PdfReader(str(mark)).pages[0]
    sw, sh = float(stamp.mediabox.width), float(stamp.mediabox.height)
    writer = PdfWriter(clone_from=PdfReader(str(pdf)))
    painter = pdfkit.Painter(writer)
    form = painter.form(stamp)
    for page in writer.pages:
        pw, ph = float(page.mediabox.width), float(page.mediabox.height)
        t = Transformation().translate(-sw / 2, -sh / 2).rotate(angle).translate(pw / 2, ph / 2)
        painter.draw(page, form, t, under=True)
    repro.finish_pdf(writer, pdf)


def number_pages(src: Path, stamps: Path, dst: Path, skip_first: bool) -> None:
    """Write ``src`` with ``— N —`` on page N (taken from page N of ``stamps``)."""
    reader, stamp_reader = PdfReader(str(src)), PdfReader(str(stamps))
    writer = PdfWriter(clone_from=reader)
    painter = pdfkit.Painter(writer)
    for i, page in enumerate(writer.pages):
        if skip_first and i == 0:
            continue
        _stamp(painter, page, stamp_reader.pages[i])
    repro.finish_pdf(writer, dst)


# Where a page number sits on a page of ours (``— N —`` centred in the footer): blanked on a scan.
FOOT_BAND_MM = (60.0, 24.0)  # width centred on the page, height from the bottom edge


def merge_packet(cover: Path, toc: Path, parts: list[Part], stamps: Path, dst: Path, metadata: dict[str, str]) -> int:
    """Cover + 目录 + parts → one PDF with a bookmark per entry and page numbers from the 目录 on.

    A signed scan of a document of ours may show the number its printout had: that band is painted
    white before the packet's own number goes on, so a scanned page shows one number.
    """
    writer = PdfWriter()
    stamp_pages = PdfReader(str(stamps)).pages
    outline: list[tuple[str, int, int]] = []
    scanned: set[int] = set()
    for part in [Part("cover", "封面", None, cover, 1), Part("toc", "目录", None, toc, 1), *parts]:
        if part.pdf is None:
            if part.pages == 0 and not part.note:  # a category heading points at its first proof
                outline.append((part.title, len(writer.pages), part.level))
            continue
        outline.append((part.title, len(writer.pages), part.level))
        first = len(writer.pages)
        writer.append(str(part.pdf), import_outline=False)
        if part.scan:
            scanned.update(range(first, len(writer.pages)))
    painter = pdfkit.Painter(writer)
    for i, page in enumerate(writer.pages):
        if i in scanned:
            painter.blank(page, *_foot_band(page))
        if i > 0:  # the cover carries no number
            _stamp(painter, page, stamp_pages[i])
    parent = None
    for title, index, level in outline:
        item = writer.add_outline_item(title=title, page_number=index, parent=parent if level > 1 else None)
        if level == 1:
            parent = item
    writer.page_mode = "/UseOutlines"
    writer.add_metadata(metadata)
    repro.finish_pdf(writer, dst)
    return len(writer.pages)


def _section_break_after(body: Any) -> None:
    """Close the body's last section with a paragraph holding a copy of its properties."""
    sect = body.find(qn("w:sectPr"))
    p = OxmlElement("w:p")
    ppr = OxmlElement("w:pPr")
    ppr.append(copy.deepcopy(sect))
    p.append(ppr)
    sect.addprevious(p)


def _page_setup_of(doc: Any) -> Any:
    """The last section properties of ``doc`` without header/footer references or title page flag."""
    sect = copy.deepcopy(doc.element.body.find(qn("w:sectPr")))
    for child in list(sect):
        if child.tag in (qn("w:headerReference"), qn("w:footerReference"), qn("w:titlePg")):
            sect.remove(child)
    type_ = sect.find(qn("w:type"))
    if type_ is not None:
        sect.remove(type_)
    return sect


class _Composer(Composer):
    """docxcompose's composer, minus its list of every style for elements that name no style.

    ``add_styles`` builds that list for each body element it is given; most of ours use direct
    formatting only, and for them it has nothing to do.
    """

    def add_styles(self, doc: Any, element: Any) -> None:
        if element.xpath(".//w:tblStyle|.//w:pStyle|.//w:rStyle"):
            super().add_styles(doc, element)


def word_bundle(cover: Path, parts: list[Part], dst: Path) -> None:
    """Cover + parts in one .docx, each part a new section (keeping its page size), pages numbered."""
    master = Document(str(cover))
    section = master.sections[0]
    section.different_first_page_header_footer = True  # no number on the cover
    docxkit.footer_page_number(section, pt=14)
    composer = _Composer(master)
    body = master.element.body
    for part in parts:
        if part.docx is None:  # proofs are PDFs and pictures: they live in the PDF packet only
            continue
        doc = Document(str(part.docx))
        _section_break_after(body)
        composer.append(doc)
        old = body.find(qn("w:sectPr"))
        new = _page_setup_of(doc)
        old.addprevious(new)
        body.remove(old)
    creator = master.core_properties.author  # the cover's: the applicant
    composer.save(str(dst))
    wordfile.tidy(dst, creator)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def write_manifest(dst: Path, manifest: dict[str, Any]) -> None:
    dst.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def settle_toc(render_toc: Any, rows_for: Any, office: Any, toc_pdf: Path, attempts: int = 3) -> tuple[Path, int]:
    """The 目录 lists where each part starts, which depends on its own length: render until it settles.

    ``render_toc(rows)`` writes the 目录 .docx; ``rows_for(toc_pages)`` gives its rows when it has
    that many pages. An 目录 that never settles is an error, never shipped as it stands.
    """
    toc_pages = 1
    for _ in range(attempts):
        pages = office.convert(render_toc(rows_for(toc_pages)), toc_pdf)
        if pages == toc_pages:
            return toc_pdf, toc_pages
        toc_pages = pages
    raise TemplateProblem("目录页数无法稳定 (the 目录 page count does not settle)", code="E-TEMPLATE-TOC")
