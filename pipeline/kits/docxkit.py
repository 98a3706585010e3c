"""Small python-docx helpers for building official-style Chinese .docx templates.

Used by ``scripts/make_templates.py`` (the committed templates) and by the pipeline for the technical
page-number stamp. Every run names its east-Asian font (``w:eastAsia``) and the language is zh-CN,
so a template is right in Word/WPS on a reviewer's PC and in LibreOffice here."""

from __future__ import annotations

import functools
import io
from typing import Any, TypedDict, Unpack

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

LATIN = "Times New Roman"


SONG, FANG, HEI, KAI, XBS = "宋体", "仿宋_GB2312", "黑体", "楷体_GB2312", "方正小标宋简体"


CENTER, RIGHT, LEFT, JUSTIFY = (
    WD_ALIGN_PARAGRAPH.CENTER,
    WD_ALIGN_PARAGRAPH.RIGHT,
    WD_ALIGN_PARAGRAPH.LEFT,
    WD_ALIGN_PARAGRAPH.JUSTIFY,
)


def set_fonts(rpr, east: str, latin: str = LATIN) -> None:
    """Set ascii/hAnsi/eastAsia/cs fonts on an ``w:rPr`` and drop theme fonts that would win."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in list(rfonts.attrib):
        if attr.endswith("Theme"):
            del rfonts.attrib[attr]
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:eastAsia"), east)
    rfonts.set(qn("w:cs"), latin)


def _lang(rpr) -> None:
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    lang.set(qn("w:bidi"), "ar-SA")


# The styles these helpers use; python-docx's default template brings 164 (780 KB of XML with its
# stylesWithEffects copy), which LibreOffice reads for every conversion: a third of its time for a
# short document. The rest, Word's latent-style list and the template's thumbnail go.
KEPT_STYLES = ("Normal", "TableGrid", "Header", "Footer")


_DROPPED_PARTS = ("stylesWithEffects", "customXml", "thumbnail")


def lean(doc) -> None:
    """Keep only the styles documents made here use (with what they are based on) and drop extras."""
    styles = doc.styles.element
    by_id = {s.get(qn("w:styleId")): s for s in styles.iterchildren(qn("w:style"))}
    keep = {i for i, s in by_id.items() if s.get(qn("w:default")) == "1"} | set(KEPT_STYLES)
    numbering = doc.part.numbering_part.element
    keep |= {e.get(qn("w:val")) for e in numbering.iter(qn("w:pStyle"), qn("w:styleLink"), qn("w:numStyleLink"))}
    todo = list(keep)
    while todo:
        style = by_id.get(todo.pop())
        for tag in ("w:basedOn", "w:link", "w:next"):
            ref = style.find(qn(tag)) if style is not None else None
            if ref is not None and ref.get(qn("w:val")) not in keep:
                keep.add(ref.get(qn("w:val")))
                todo.append(ref.get(qn("w:val")))
    for style_id, style in by_id.items():
        if style_id not in keep:
            styles.remove(style)
    latent = styles.find(qn("w:latentStyles"))
    if latent is not None:
        styles.remove(latent)
    for rels in (doc.part.rels, doc.part.package.rels):
        for r_id, rel in list(rels.items()):
            if rel.reltype.rsplit("/", 1)[-1] in _DROPPED_PARTS:
                rels.pop(r_id)


@functools.cache
def _lean_base() -> bytes:
    """python-docx's template made lean, without theme fonts: made once, each new document opened from it
    (opening the full template and thinning it was most of the cost of a short document)."""
    doc = Document()
    lean(doc)
    for rfonts in doc.styles.element.iter(qn("w:rFonts")):
        for attr in list(rfonts.attrib):
            if attr.endswith("Theme"):
                del rfonts.attrib[attr]
    saved = io.BytesIO()
    doc.save(saved)
    return saved.getvalue()


def new_document(landscape: bool = False, margins_mm=(30, 25, 28, 26), body_font=FANG, body_pt=16.0):
    """An A4 document with Chinese defaults: no theme fonts, zh-CN, the body font on Normal."""
    doc = Document(io.BytesIO(_lean_base()))
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(defaults, body_font)
    _lang(defaults)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(body_pt)
    set_fonts(normal.element.get_or_add_rPr(), body_font)
    pf = normal.paragraph_format
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    # Core properties: neutral, reproducible.
    cp = doc.core_properties
    cp.author = "clusterpack"
    cp.last_modified_by = "clusterpack"
    cp.title = ""
    cp.comments = ""
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    if landscape:
        sec.orientation = WD_ORIENT.LANDSCAPE
        sec.page_width, sec.page_height = Mm(297), Mm(210)
    top, bottom, left, right = margins_mm
    sec.top_margin, sec.bottom_margin = Mm(top), Mm(bottom)
    sec.left_margin, sec.right_margin = Mm(left), Mm(right)
    sec.header_distance, sec.footer_distance = Mm(15), Mm(15)
    # python-docx's template starts with one empty paragraph: remove it.
    body = doc.element.body
    for p in list(body.iterchildren(qn("w:p"))):
        body.remove(p)
    return doc


_PPR_ORDER = tuple(
    f"w:{t}"
    for t in (
        "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd tabs "
        "suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
        "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection "
        "textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange"
    ).split()
)


def ppr_add(p, el) -> None:
    """Put ``el`` into paragraph ``p``'s properties where the schema orders it (Word is strict about it)."""
    ppr = p._p.get_or_add_pPr()
    old = ppr.find(el.tag)
    if old is not None:
        ppr.remove(old)
    if el.tag == qn("w:framePr"):
        # LibreOffice moves a framed paragraph to the next page when a keepNext or pageBreakBefore,
        # even one that says "0", comes before its framePr: these defaults are left out.
        for name in ("w:keepNext", "w:pageBreakBefore"):
            off = ppr.find(qn(name))
            if off is not None and off.get(qn("w:val")) in ("0", "false"):
                ppr.remove(off)
    seq = _PPR_ORDER
    tag = el.tag.split("}")[1]
    ppr.insert_element_before(el, *seq[seq.index(f"w:{tag}") + 1 :])


class ParaFormat(TypedDict, total=False):
    """How :func:`para` sets its paragraph out (keyword arguments, each optional; the default after it)."""

    bold: bool  # False
    align: Any  # a WD_ALIGN_PARAGRAPH; None keeps the style's
    indent_chars: float  # first-line indent in characters of the paragraph's size; 0
    line_pt: float | None  # exact line spacing in points, 28; None keeps single spacing
    before_pt: float  # space before, 0
    after_pt: float  # space after, 0
    keep_next: bool  # False
    page_break_before: bool  # False


def para(container, text: str = "", east: str = FANG, pt: float = 16.0, **fmt: Unpack[ParaFormat]):
    """Add a paragraph holding ``text`` in one run (so a Jinja tag never splits across runs)."""
    p = container.add_paragraph()
    pf = p.paragraph_format
    align = fmt.get("align")
    if align is not None:
        p.alignment = align
    indent_chars = fmt.get("indent_chars", 0)
    if indent_chars:
        pf.first_line_indent = Pt(pt * indent_chars)
    line_pt = fmt.get("line_pt", 28.0)
    if line_pt:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(line_pt)
    pf.space_before, pf.space_after = Pt(fmt.get("before_pt", 0)), Pt(fmt.get("after_pt", 0))
    pf.keep_with_next = fmt.get("keep_next", False)
    pf.page_break_before = fmt.get("page_break_before", False)
    pf.widow_control = True
    if text:
        run(p, text, east, pt, fmt.get("bold", False))
    return p


def run(p, text: str, east: str = FANG, pt: float = 16.0, bold: bool = False, latin: str = LATIN):
    r = p.add_run(text)
    r.font.size = Pt(pt)
    r.font.bold = bold
    set_fonts(r._element.get_or_add_rPr(), east, latin)
    return r


def tag(container, text: str):
    """A paragraph holding only a docxtpl block tag (``{%p ... %}``), removed at render time."""
    return para(container, text, pt=10, line_pt=None)


def right_tab(p, pos_mm: float, dots: bool = True) -> None:
    p.paragraph_format.tab_stops.add_tab_stop(
        Mm(pos_mm), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS if dots else WD_TAB_LEADER.SPACES
    )


def table(doc, widths_mm: list[float], rows: int = 0, border: bool = True, cell_margin_mm: float = 1.0):
    """A fixed-layout table whose grid widths are set (LibreOffice ignores cell widths otherwise)."""
    t = doc.add_table(rows=rows, cols=len(widths_mm))
    if border:
        t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    tbl_pr = t._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    mar = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(int(Mm(cell_margin_mm).twips)))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    tbl_pr.append(mar)
    grid = t._tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths_mm, strict=True):
        col.set(qn("w:w"), str(int(Mm(w).twips)))
    t._widths = widths_mm  # type: ignore[attr-defined]
    return t


class RowFormat(TypedDict, total=False):
    """How :func:`add_row` sets its cells out (keyword arguments, each optional; the default after it)."""

    bold: bool  # False
    header: bool  # a header row, repeated on every page; False
    align: Any  # every cell's WD_ALIGN_PARAGRAPH; CENTER
    aligns: list[Any] | None  # one per cell, instead of align; None


def add_row(t, texts: list[str], east: str = SONG, pt: float = 10.5, **fmt: Unpack[RowFormat]):
    """Append a row; each text goes in one run of its cell. Rows never split across pages."""
    row = t.add_row()
    trpr = row._tr.get_or_add_trPr()
    cant = OxmlElement("w:cantSplit")
    trpr.append(cant)
    if fmt.get("header", False):
        h = OxmlElement("w:tblHeader")
        trpr.append(h)
    aligns, align, bold = fmt.get("aligns"), fmt.get("align", CENTER), fmt.get("bold", False)
    for i, (cell, text) in enumerate(zip(row.cells, texts, strict=True)):
        cell.width = Mm(t._widths[i])
        _valign(cell)
        p = cell.paragraphs[0]
        p.alignment = aligns[i] if aligns else align
        p.paragraph_format.line_spacing = 1.15
        if text:
            run(p, text, east, pt, bold)
    return row


def _valign(cell) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    v = OxmlElement("w:vAlign")
    v.set(qn("w:val"), "center")
    tcpr.append(v)


def row_height(row, mm: float) -> None:
    row.height = Mm(mm)


def keep_rows_together(t) -> None:
    """Keep a short table on one page: every paragraph but the last row's keeps with the next."""
    for row in t.rows[:-1]:
        for cell in row.cells:
            for p in cell.paragraphs:
                p.paragraph_format.keep_with_next = True


def merge(row, start: int, end: int):
    """Merge cells ``start..end`` of ``row``; the first cell's text is kept."""
    a, b = row.cells[start], row.cells[end]
    keep = a.paragraphs[0]
    merged = a.merge(b)
    # python-docx moves the other cells' (empty) paragraphs in: keep only the first.
    for p in merged.paragraphs:
        if p._p is not keep._p:
            p._p.getparent().remove(p._p)
    return merged


def footer_page_number(section, pt: float = 14.0, dash: bool = True, east: str = SONG) -> None:
    """Centre ``— PAGE —`` in the section's footer."""
    p = section.footer.paragraphs[0]
    p.alignment = CENTER
    footer_page_number_into(p, pt, dash, east)


def footer_page_number_into(p, pt: float = 14.0, dash: bool = True, east: str = SONG, latin: str = LATIN) -> None:
    """Append ``— PAGE —`` (a PAGE field between em dashes) to paragraph ``p``; digits in ``latin``."""
    if dash:
        run(p, "— ", east, pt, latin=latin)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        r = run(p, "", east, pt, latin=latin)  # each part of the field in its own run, as Word writes them
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            r._element.append(fld)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            r._element.append(instr)
        else:
            t = OxmlElement("w:t")
            t.text = text
            r._element.append(t)
    if dash:
        run(p, " —", east, pt, latin=latin)
