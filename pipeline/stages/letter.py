"""The city's 推荐文件 as an official letter in GB/T 9704-2012 信函格式 (DOMAIN.md §4).

Layout is code (one place that knows the standard); the wording is data from the programme's
``programme.yaml`` (``city.letter``), rendered by the same sandboxed Jinja as the templates."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor

from pipeline.kits import docxkit, fonts
from pipeline.stages import render

RED = RGBColor(0xFF, 0x00, 0x00)


BODY_PT = 16.0  # 3号


TITLE_PT = 22.0  # 2号


PAGE_NO_PT = 14.0  # 4号


LINE_PITCH_TWIPS = 579  # 225 mm type area / 22 lines


LINE_PT = LINE_PITCH_TWIPS / 20


CHAR_SPACING_PT = -0.25  # 28 characters a line: 156 mm holds 27.6 字 of 16 pt


MARGINS_MM = (37, 35, 28, 26)  # top, bottom, left, right


@dataclass
class Letter:
    """What the letter says, already rendered from the programme's wording."""

    issuer: str  # 发文机关标志 (the bureau's full name)
    number: str  # 文号, 〔〕 form
    title: list[str]  # the title's lines, broken where the meaning allows (GB/T: 词意完整，排列对称)
    addressee: str  # 主送机关, without the colon
    body: list[str]  # paragraphs of 正文
    attachments: list[str]  # 附件说明 items, without numbers
    signatory: str
    date: str  # 2024年6月14日
    cc: list[str] = field(default_factory=list)


def em_width(text: str) -> float:
    """Width in 字 (one CJK character = 1, a Latin letter or digit ≈ ½)."""
    from pipeline.core.wordcount import is_wide

    return sum(1.0 if is_wide(ch) else 0.5 for ch in text)


AUTOSPACE_EM = 0.22  # LibreOffice's space between CJK and Latin characters (measured at 3号)


def set_width(text: str) -> float:
    """Width in 字 as set: ``em_width`` plus the space LibreOffice puts where CJK and Latin meet."""
    from pipeline.core.wordcount import is_wide

    meets = sum(1 for a, b in zip(text, text[1:], strict=False) if is_wide(a) != is_wide(b))
    return em_width(text) + AUTOSPACE_EM * meets


def _set_pt(text: str) -> float:
    """Width in pt of a short Latin ``text`` in the body's face and size, with the body's spacing."""
    from pipeline.kits.tablefit import Style, width_pt

    return width_pt(text, Style(docxkit.FANG, docxkit.LATIN, BODY_PT), spacing=CHAR_SPACING_PT)


MM_PT = 72 / 25.4


LINE_ASCENT = 0.8  # LibreOffice sets a line of exact height with its baseline at 80 % of the height


EM_TOP = 0.88  # a CJK face's ideographic em box runs from 0.12 em below the baseline to 0.88 em above


# GB/T 9704-2012 §10.1 信函格式, in mm from the paper's top (bottom) edge
ISSUER_TOP_MM = 30.0  # 发文机关标志: top of its ink 30 mm from the top edge


ISSUER_PT = 30.0


ISSUER_LINE_PT = 12.0


RULE_GAP_MM = 4.0  # the upper red double line 4 mm below the 标志


THICK_MM, GAP_MM, THIN_MM = 0.8, 0.35, 0.27  # one double line: 上粗下细 (upper), 上细下粗 (lower)


RULE_LEN_MM = 170.0


LOWER_RULE_MM = 20.0  # the lower red double line 20 mm from the bottom edge (its lower edge)


NUMBER_GAP = 7 / 8  # 发文字号 under the upper line by 7/8 of a 3号 character's height


PAGE_DASH_MM = 7.0  # 页码's 一字线 7 mm below the type area (§7.5.2)


PAGE_NO_LINE_PT = PAGE_NO_PT * 1.2


TITLE_LINE_PT = 35.0


def _rect(p, x_mm: float, y_mm: float, w_mm: float, h_mm: float, shape_id: int) -> None:
    """A red filled rectangle placed on the page (not in the text flow), anchored in paragraph ``p``."""
    emu = 36000
    xml = (
        f"<w:r {nsdecls('w', 'wp', 'a')}><w:drawing>"
        f'<wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="{shape_id}" '
        'behindDoc="0" locked="1" layoutInCell="1" allowOverlap="1">'
        '<wp:simplePos x="0" y="0"/>'
        f'<wp:positionH relativeFrom="page"><wp:posOffset>{round(x_mm * emu)}</wp:posOffset></wp:positionH>'
        f'<wp:positionV relativeFrom="page"><wp:posOffset>{round(y_mm * emu)}</wp:posOffset></wp:positionV>'
        f'<wp:extent cx="{round(w_mm * emu)}" cy="{round(h_mm * emu)}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
        f'<wp:wrapNone/><wp:docPr id="{shape_id}" name="红线{shape_id}"/><wp:cNvGraphicFramePr/>'
        '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        '<wps:wsp xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        "<wps:cNvSpPr/><wps:spPr>"
        f'<a:xfrm><a:off x="0" y="0"/><a:ext cx="{round(w_mm * emu)}" cy="{round(h_mm * emu)}"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:solidFill><a:srgbClr val="FF0000"/></a:solidFill>'
        "<a:ln><a:noFill/></a:ln></wps:spPr><wps:bodyPr/></wps:wsp></a:graphicData></a:graphic>"
        "</wp:anchor></w:drawing></w:r>"
    )
    p._p.append(parse_xml(xml))


def _frame(p, y_pt: float, height_pt: float, width_mm: float = 156, x_align: str | None = None) -> None:
    """Put paragraph ``p`` in a frame of exact height whose top is ``y_pt`` from the paper's top."""
    frame = OxmlElement("w:framePr")
    attrs = [
        ("w", str(round(Mm(width_mm).twips))),
        ("h", str(round(height_pt * 20))),
        ("hRule", "exact"),
        ("hAnchor", "margin"),
        ("vAnchor", "page"),
        ("y", str(round(y_pt * 20))),
        ("wrap", "notBeside"),
    ]
    attrs.append(("xAlign", x_align) if x_align else ("x", "0"))
    for k, v in attrs:
        frame.set(qn(f"w:{k}"), v)
    docxkit.ppr_add(p, frame)


def _exact(p, line_pt: float) -> None:
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    p.paragraph_format.line_spacing = Pt(line_pt)
    snap = OxmlElement("w:snapToGrid")  # its own pitch, off the 22-line grid
    snap.set(qn("w:val"), "0")
    docxkit.ppr_add(p, snap)


def _ink(text: str, east: str) -> tuple[float, float]:
    """(top, bottom) of ``text``'s ink in em above the baseline, in the face that draws ``east``."""
    m = fonts.metrics(east)
    spans = [m.vertical(ch) for ch in text if not ch.isspace()]
    return max(hi for _lo, hi in spans), min(lo for lo, _hi in spans)


def _masthead(section, issuer: str) -> tuple[float, float]:
    """标志 and the two red double lines on page 1.

    Returns the upper line's lower edge and where page 1's text starts (mm from the top): the 标志's
    line reaches below the top margin, and the text starts under the header. The 标志 is the header's
    own line (a frame would put it after the body in the PDF's text, where a reader meets it mid-letter).
    """
    header = section.first_page_header
    p = header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    r = docxkit.run(p, issuer, docxkit.XBS, ISSUER_PT)
    r.font.color.rgb = RED
    # The 标志's line must end above the top margin, or the header pushes page 1's text down by an
    # amount LibreOffice does not say; its glyphs are lowered (w:position) to their place instead.
    line = ISSUER_LINE_PT
    ink_top, ink_bottom = _ink(issuer, docxkit.XBS)
    baseline_pt = ISSUER_TOP_MM * MM_PT + ink_top * ISSUER_PT
    wanted = baseline_pt - (MARGINS_MM[0] - 1) * MM_PT + (1 - LINE_ASCENT) * line
    # LibreOffice reads w:position as a whole percentage of the size and lowers the glyphs by that
    # share of the face's height (ascent + descent): the percentage is chosen, the line placed after it.
    height = fonts.metrics(docxkit.XBS).height
    percent = max(1, round(100 * wanted / (height * ISSUER_PT)))
    lowered = percent / 100 * height * ISSUER_PT
    position = OxmlElement("w:position")
    position.set(qn("w:val"), str(round(2 * percent / 100 * ISSUER_PT) * -1))
    r._element.get_or_add_rPr().append(position)
    line_top = baseline_pt - lowered - LINE_ASCENT * line
    section.header_distance = Mm(line_top / MM_PT)
    _exact(p, line)
    anchor = p  # the red lines are placed on the page, anchored in the 标志's paragraph
    left = MARGINS_MM[2] + (210 - MARGINS_MM[2] - MARGINS_MM[3]) / 2 - RULE_LEN_MM / 2  # centred on the type area
    upper = (baseline_pt - ink_bottom * ISSUER_PT) / MM_PT + RULE_GAP_MM
    _rect(anchor, left, upper, RULE_LEN_MM, THICK_MM, 101)
    _rect(anchor, left, upper + THICK_MM + GAP_MM, RULE_LEN_MM, THIN_MM, 102)
    lower = 297 - LOWER_RULE_MM
    _rect(anchor, left, lower - THICK_MM, RULE_LEN_MM, THICK_MM, 103)
    _rect(anchor, left, lower - THICK_MM - GAP_MM - THIN_MM, RULE_LEN_MM, THIN_MM, 104)
    return upper + THICK_MM + GAP_MM + THIN_MM, max(MARGINS_MM[0], (line_top + line) / MM_PT)


def _page_number(footer, align, indent_side: str) -> None:
    """— N — in 4号 半角宋体 digits, its 一字线 7 mm below the type area, one character in from the side."""
    p = footer.paragraphs[0]
    p.alignment = align
    if indent_side == "right":
        p.paragraph_format.right_indent = Pt(PAGE_NO_PT)
    else:
        p.paragraph_format.left_indent = Pt(PAGE_NO_PT)
    _exact(p, PAGE_NO_LINE_PT)
    docxkit.footer_page_number_into(p, pt=PAGE_NO_PT, latin=docxkit.SONG)


def _footer_distance_mm() -> float:
    """Where the footer must end for the 一字线 to sit 7 mm below the type area (§7.5.2).

    LibreOffice and Word set the footer's line on the footer's lower edge; an exact line has its
    baseline at 80 % of its height, and the dash's ink top is read from the face that draws it.
    """
    dash_top, _ = _ink("—", docxkit.SONG)
    baseline_mm = 297 - MARGINS_MM[1] + PAGE_DASH_MM + dash_top * PAGE_NO_PT / MM_PT
    return 297 - baseline_mm - (1 - LINE_ASCENT) * PAGE_NO_LINE_PT / MM_PT


def _grid(section) -> None:
    sect = section._sectPr
    grid = sect.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))


# LibreOffice will not break between a closing bracket and a digit (〕5号), so a justified line that
# ends before 〔2020〕5号 is stretched over its width; Word breaks there. A zero-width space (no glyph,
# not in the PDF's text) gives LibreOffice the same break.
_NO_BREAK_AFTER_CLOSE = re.compile(r"([〕》）」』】])(?=[0-9A-Za-z])")


def _body_para(doc, text: str, indent: bool = True, align=WD_ALIGN_PARAGRAPH.JUSTIFY):
    p = docxkit.para(doc, text, docxkit.FANG, BODY_PT, align=align, indent_chars=2 if indent else 0, line_pt=LINE_PT)
    return p


def write_letter(letter: Letter, out: Path) -> Path:
    """Lay the letter out per GB/T 9704-2012 信函格式 and save it as ``out``."""
    doc = _letter_document()
    section = doc.sections[0]
    # Page 1: 发文机关标志 and the red double lines placed on the page (§10.1); no page number.
    rule_bottom, text_top = _masthead(section, letter.issuer)
    _footers(section)
    # the head under the upper double line: 发文字号, title, 主送机关; then the 正文
    _number_and_title(doc, letter, rule_bottom, text_top)
    _body_para(doc, f"{letter.addressee}：", indent=False)
    body = [_body_para(doc, _NO_BREAK_AFTER_CLOSE.sub("\\1\u200b", text)) for text in letter.body]
    # The seal's top is within one line of the 正文 or 附件说明 (§7.3.5.1), so the signature and date
    # go with the last lines above them: the 附件说明's last item or the body's last paragraph. Nothing
    # more is kept together: the rest flows, and page 1 is filled.
    tail = _attachments(doc, letter.attachments) if letter.attachments else body[-1:]
    _signature(doc, letter, tail)
    if letter.cc:
        _cc(doc, letter.cc)
    render.save(doc, out, creator=letter.issuer)
    return out


def _letter_document():
    """An empty letter: 28 characters a line on a 22-line grid, page 1 and odd and even pages apart."""
    doc = docxkit.new_document(margins_mm=MARGINS_MM, body_font=docxkit.FANG, body_pt=BODY_PT)
    # 28 characters a line: 156 mm holds 27.6 字 of 16 pt, so characters sit 0.25 pt closer.
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(round(CHAR_SPACING_PT * 20)))
    doc.styles["Normal"].element.get_or_add_rPr().append(spacing)
    section = doc.sections[0]
    _grid(section)
    section.different_first_page_header_footer = True
    doc.settings.odd_and_even_pages_header_footer = True
    return doc


def _footers(section) -> None:
    """No page number on page 1; later pages: — N — odd pages right, even pages left, one character in (§7.5.2)."""
    section.footer_distance = Mm(_footer_distance_mm())
    p = section.first_page_footer.paragraphs[0]
    _exact(p, 1)
    docxkit.run(p, "", docxkit.SONG, 1)
    _page_number(section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right")
    _page_number(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")


def _number_and_title(doc, letter: Letter, rule_bottom: float, text_top: float) -> None:
    # 发文字号 at the right of the type area, 7/8 of a 3号 character under the upper double line.
    number_top_mm = rule_bottom + NUMBER_GAP * BODY_PT / MM_PT
    baseline_pt = number_top_mm * MM_PT + EM_TOP * BODY_PT
    spacer = docxkit.para(doc, "", line_pt=None)
    _exact(spacer, baseline_pt - LINE_ASCENT * LINE_PT - text_top * MM_PT)
    docxkit.run(spacer, "", docxkit.SONG, 1)
    p = _body_para(doc, letter.number, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _exact(p, LINE_PT)
    # Title: 2号 小标宋, centred, two lines below the 文号 (§10.1: 与其上最后一个要素相距二行), baseline
    # to baseline, and one blank line before the 主送机关.
    gap = _body_para(doc, "", indent=False)
    _exact(gap, 2 * LINE_PT - (1 - LINE_ASCENT) * LINE_PT - LINE_ASCENT * TITLE_LINE_PT)
    for line in letter.title:
        p = docxkit.para(doc, line, docxkit.XBS, TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER)
        _exact(p, TITLE_LINE_PT)  # the title keeps its own pitch, off the 22-line grid
    _body_para(doc, "", indent=False)


def _attachments(doc, attachments: list[str]) -> list:
    """The 附件说明 after a blank line; returns its last item, which goes with the signature."""
    _body_para(doc, "", indent=False)
    for i, item in enumerate(attachments, start=1):
        p = _body_para(doc, ("附件：" if i == 1 else "") + f"{i}.{item}", indent=False, align=WD_ALIGN_PARAGRAPH.LEFT)
        # 附件：1.…, and 2.… aligned under 1.; a long name's next line under its first character
        # (§7.3.4: 附件名称较长需回行时，应当与上一行附件名称的首字对齐)
        number = _set_pt(f"{i}.")
        p.paragraph_format.left_indent = Pt(BODY_PT * 5 + number)
        p.paragraph_format.first_line_indent = Pt(-(BODY_PT * (3 if i == 1 else 0) + number))
    return [p]


def _signature(doc, letter: Letter, tail: list) -> None:
    """Signature and date: the date 4 字 from the right, the signatory centred above it; room for the seal."""
    date_w, sig_w = set_width(letter.date), set_width(letter.signatory)
    date_right = 4.0
    sig_right = date_right + (date_w - sig_w) / 2
    if sig_right < 2:  # a long name: keep it 2 字 in and move the date to stay centred under it
        sig_right = 2.0
        date_right = sig_right + (sig_w - date_w) / 2
    for _ in range(2):  # room above the signature for the seal, which presses on signature and date
        tail.append(_body_para(doc, "", indent=False))
    p = _body_para(doc, letter.signatory, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    tail.append(p)
    for q in tail:
        q.paragraph_format.keep_with_next = True
    p.paragraph_format.right_indent = Pt(BODY_PT * sig_right)
    p = _body_para(doc, letter.date, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    p.paragraph_format.right_indent = Pt(BODY_PT * date_right)
    p.paragraph_format.keep_together = True


def _cc(doc, cc: list[str]) -> None:
    """版记 of the 信函格式: 抄送 only, no rules, at the foot of the last page's type area."""
    p = docxkit.para(doc, "抄送：" + "，".join(cc) + "。", docxkit.FANG, 14, line_pt=LINE_PT)
    p.paragraph_format.left_indent = Pt(14)
    frame = OxmlElement("w:framePr")
    for k, v in (
        ("w", str(int(Mm(156).twips))),
        ("hAnchor", "margin"),
        ("vAnchor", "margin"),
        ("yAlign", "bottom"),
        ("xAlign", "left"),
        ("wrap", "notBeside"),
    ):
        frame.set(qn(f"w:{k}"), v)
    docxkit.ppr_add(p, frame)
