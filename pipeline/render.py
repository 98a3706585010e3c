"""Model context + .docx template → filled .docx (docxtpl in a sandboxed, strict Jinja)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from docx.enum.text import WD_BREAK
from docx.shared import Mm, RGBColor
from docxtpl import DocxTemplate
from jinja2.sandbox import ImmutableSandboxedEnvironment

from . import docxkit, repro
from .errors import TemplateProblem


def jinja_env() -> jinja2.Environment:
    """Templates a user edits must not reach Python: sandboxed, immutable, strict, autoescaped."""
    return ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=True)


def template_variables(template: Path) -> set[str]:
    """The top-level names a template uses (for the test that checks them against the model)."""
    return set(DocxTemplate(str(template)).get_undeclared_template_variables(jinja_env()))


def render(template: Path, context: dict[str, Any], out: Path) -> Path:
    """Fill ``template`` with ``context`` and save it as ``out``."""
    doc = DocxTemplate(str(template))
    try:
        doc.render(context, jinja_env=jinja_env(), autoescape=True)
    except jinja2.TemplateError as exc:
        raise TemplateProblem(
            f"模板 {template} 渲染失败 (template failed to render): {type(exc).__name__}: {exc}"
        ) from None
    _fix_core_properties(doc)
    doc.save(str(out))
    repro.fixed_zip(out)
    return out


def _fix_core_properties(doc: DocxTemplate) -> None:
    # Word shows these in File › Info; keep them neutral and stable.
    cp = doc.docx.core_properties
    cp.author = "clusterpack"
    cp.last_modified_by = "clusterpack"
    cp.created = cp.modified = repro.instant().replace(tzinfo=None)


def save(doc: object, out: Path) -> None:
    """Save a python-docx document with fixed timestamps."""
    cp = doc.core_properties  # type: ignore[attr-defined]
    cp.created = cp.modified = repro.instant().replace(tzinfo=None)
    doc.save(str(out))  # type: ignore[attr-defined]
    repro.fixed_zip(out)


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
