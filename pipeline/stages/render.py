"""Model context + .docx template → filled .docx (docxtpl in a sandboxed, strict Jinja)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import jinja2
from docx.enum.text import WD_BREAK
from docx.shared import Mm, RGBColor
from docxtpl import DocxTemplate
from lxml import etree

from pipeline.core import limits
from pipeline.errors import TemplateProblem
from pipeline.kits import charts, docxkit, tablefit, wordfile
from pipeline.kits.jinja import _TimedOut, check_template, deadline, jinja_env, remembered

_PATCHED: dict[str, str] = {}  # a template's XML → the same cleaned for Jinja (see _Template)


_PATCHED_MAX = 64


class _Template(DocxTemplate):  # type: ignore[misc]
    """docxtpl's template, its XML cleaned for Jinja once per text.

    ``patch_xml`` is a function of the XML alone (a series of regular expressions over it), and in a
    batch every packet renders the same templates: a third of rendering went there, again and again.
    """

    def patch_xml(self, src_xml: str) -> str:
        return remembered(_PATCHED, src_xml, lambda: str(super(_Template, self).patch_xml(src_xml)), _PATCHED_MAX)


def render(template: Path, context: dict[str, Any], out: Path) -> Path:
    """Fill ``template`` with ``context`` and save it as ``out``."""
    check_template(template)
    doc = _Template(str(template))
    seconds = limits.RENDER_SECONDS.value()
    try:
        with deadline(seconds):
            doc.render(context, jinja_env=jinja_env(), autoescape=True)
    except _TimedOut:
        raise TemplateProblem(
            f"模板 {template} 渲染超过 {seconds:g} 秒，已停止（模板里有很大的循环？） (template rendering timed out: "
            f"{limits.RENDER_SECONDS.env})",
            code="E-TEMPLATE-TIMEOUT",
        ) from None
    except (jinja2.TemplateError, OverflowError, RecursionError, etree.LxmlError) as exc:
        raise TemplateProblem(
            f"模板 {template} 渲染失败 (template failed to render): {type(exc).__name__}: {exc}",
            code="E-TEMPLATE-RENDER",
        ) from None
    charts.place(doc.docx, context.get("charts") or {})  # a chart's paragraph gets the chart
    tablefit.fit(doc.docx)  # column widths from the content, CJK punctuation in the CJK face
    saved = io.BytesIO()
    doc.save(saved)
    applicant = context.get("applicant")
    wordfile.tidy(out, applicant.get("name", "") if isinstance(applicant, dict) else "", saved=saved.getvalue())
    return out


def save(doc: object, out: Path, creator: str = "") -> None:
    """Save a python-docx document; its author is ``creator``, its dates the build date."""
    tablefit.fit(doc)
    saved = io.BytesIO()
    doc.save(saved)  # type: ignore[attr-defined]
    wordfile.tidy(out, creator, saved=saved.getvalue())


def render_page_stamp(pages: int, out: Path) -> Path:
    """A document of ``pages`` blank A4 pages whose footers read ``— N —`` (for numbering a merged PDF)."""
    doc = docxkit.new_document(margins_mm=(37, 35, 28, 26))
    section = doc.sections[0]
    section.footer_distance = Mm(18)
    docxkit.footer_page_number(section, pt=14)
    for i in range(pages):
        p = docxkit.para(doc, "", line_pt=None)
        if i < pages - 1:
            p.add_run().add_break(WD_BREAK.PAGE)
    save(doc, out)
    return out


def render_watermark(lines: list[str], out: Path) -> Path:
    """One A4 page with a large grey 草稿 and the unmet conditions, centred (overlaid on draft pages)."""
    doc = docxkit.new_document(margins_mm=(20, 20, 20, 20))
    grey = RGBColor(0xC8, 0xC8, 0xC8)
    # The block must sit at the page's centre, the point the overlay turns about; LibreOffice
    # ignores vertical page alignment, so space before it places it there.
    p = docxkit.para(doc, "", align=docxkit.CENTER, line_pt=None, before_pt=270 - 14 * len(lines))
    docxkit.run(p, "草  稿", docxkit.HEI, 110).font.color.rgb = grey
    for line in ["未满足申报条件（draft: conditions unmet）", *lines]:
        p = docxkit.para(doc, "", align=docxkit.CENTER, line_pt=None)
        docxkit.run(p, line, docxkit.HEI, 13).font.color.rgb = grey
    save(doc, out)
    return out


def render_labels(labels: list[str], out: Path) -> Path:
    """One A4 page per label, the label alone at the top right inside the 20 mm band (for stamping)."""
    doc = docxkit.new_document(margins_mm=(7, 20, 15, 15))
    for i, label in enumerate(labels):
        p = docxkit.para(doc, "", align=docxkit.RIGHT, line_pt=None)
        docxkit.run(p, label, docxkit.HEI, 10.5)
        if i < len(labels) - 1:
            p.add_run().add_break(WD_BREAK.PAGE)
    save(doc, out)
    return out


def render_list(
    title: str, subtitle: str, headers: list[str], widths: list[float], rows: list[list[str]], out: Path
) -> Path:
    """A plain one-table document (the 敏感材料清单)."""
    doc = docxkit.new_document(margins_mm=(30, 25, 28, 26), body_font=docxkit.SONG, body_pt=10.5)
    docxkit.para(doc, title, docxkit.XBS, 20, align=docxkit.CENTER, line_pt=34, after_pt=4)
    docxkit.para(doc, subtitle, docxkit.SONG, 11, align=docxkit.CENTER, line_pt=20, after_pt=8)
    t = docxkit.table(doc, widths)
    docxkit.add_row(t, headers, docxkit.HEI, 10.5, header=True)
    for row in rows:
        docxkit.add_row(t, row, docxkit.SONG, 10.5, aligns=[docxkit.CENTER] + [docxkit.LEFT] * (len(row) - 1))
    save(doc, out)
    return out


def for_pdf(docx: Path, work: Path) -> Path:
    """The file LibreOffice converts: ``docx`` itself, or a copy whose charts are their SVG (vector in the PDF)."""
    swapped = charts.for_pdf(docx.read_bytes())
    if swapped is None:
        return docx
    copy = work / f"{docx.stem}.vector.docx"
    copy.write_bytes(swapped)
    return copy
