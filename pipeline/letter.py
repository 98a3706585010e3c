"""The city's 推荐文件 as an official letter in GB/T 9704-2012 信函格式 (DOMAIN.md §4).

Layout is code (one place that knows the standard); the wording is data from the programme's
``programme.yaml`` (``city.letter``), rendered by the same sandboxed Jinja as the templates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from . import docxkit, render

RED = RGBColor(0xFF, 0x00, 0x00)
BODY_PT = 16.0  # 3号
TITLE_PT = 22.0  # 2号
PAGE_NO_PT = 14.0  # 4号
LINE_PITCH_TWIPS = 579  # 225 mm type area / 22 lines
LINE_PT = LINE_PITCH_TWIPS / 20
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
    from .wordcount import is_wide

    return sum(1.0 if is_wide(ch) else 0.5 for ch in text)


def _border(p, side: str, style: str, size_eighths: int, space_pt: int) -> None:
    ppr = p._p.get_or_add_pPr()
    bdr = ppr.find(qn("w:pBdr"))
    if bdr is None:
        bdr = OxmlElement("w:pBdr")
        ppr.append(bdr)
    el = OxmlElement(f"w:{side}")
    el.set(qn("w:val"), style)
    el.set(qn("w:sz"), str(size_eighths))
    el.set(qn("w:space"), str(space_pt))
    el.set(qn("w:color"), "FF0000")
    bdr.append(el)


def _wide_line(p) -> None:
    """Red lines are 170 mm long: 7 mm beyond the 156 mm type area on each side."""
    p.paragraph_format.left_indent = Mm(-7)
    p.paragraph_format.right_indent = Mm(-7)


def _page_number(footer, align, indent_side: str) -> None:
    p = footer.paragraphs[0]
    p.alignment = align
    if indent_side == "right":
        p.paragraph_format.right_indent = Pt(PAGE_NO_PT)
    else:
        p.paragraph_format.left_indent = Pt(PAGE_NO_PT)
    docxkit.footer_page_number_into(p, pt=PAGE_NO_PT)


def _grid(section) -> None:
    sect = section._sectPr
    grid = sect.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))


def _body_para(doc, text: str, indent: bool = True, align=WD_ALIGN_PARAGRAPH.JUSTIFY):
    p = docxkit.para(doc, text, docxkit.FANG, BODY_PT, align=align, indent_chars=2 if indent else 0, line_pt=LINE_PT)
    return p


def write_letter(letter: Letter, out: Path) -> Path:
    """Lay the letter out per GB/T 9704-2012 信函格式 and save it as ``out``."""
    doc = docxkit.new_document(margins_mm=MARGINS_MM, body_font=docxkit.FANG, body_pt=BODY_PT)
    # 28 characters a line: 156 mm holds 27.6 字 of 16 pt, so characters sit 0.25 pt closer.
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), "-5")
    doc.styles["Normal"].element.get_or_add_rPr().append(spacing)
    section = doc.sections[0]
    _grid(section)
    section.different_first_page_header_footer = True
    doc.settings.odd_and_even_pages_header_footer = True

    # First page: 发文机关标志 30 mm from the paper's top, a red double line (thick over thin) 4 mm
    # below it; a red double line (thin over thick) 20 mm above the paper's foot; no page number.
    section.header_distance = Mm(30)
    header = section.first_page_header
    p = header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    r = docxkit.run(p, letter.issuer, docxkit.XBS, 30)
    r.font.color.rgb = RED
    _wide_line(p)
    _border(p, "bottom", "thickThinSmallGap", 24, 11)  # 11 pt ≈ 4 mm
    section.footer_distance = Mm(20)
    p = section.first_page_footer.paragraphs[0]
    docxkit.run(p, "", docxkit.SONG, 2)
    p.paragraph_format.line_spacing = Pt(2)
    _wide_line(p)
    _border(p, "top", "thinThickSmallGap", 24, 0)
    # Later pages: — N — in 4号宋体, odd pages right, even pages left, one character in.
    _page_number(section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right")
    _page_number(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")

    # 发文字号 at the right of the type area, under the double line.
    p = _body_para(doc, letter.number, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    p.paragraph_format.space_before = Pt(6)
    # Title: 2号 小标宋, centred, one blank line before and after.
    _body_para(doc, "", indent=False)
    for line in letter.title:
        p = docxkit.para(doc, line, docxkit.XBS, TITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER, line_pt=35)
        snap = OxmlElement("w:snapToGrid")  # the title keeps its own 35 pt pitch, off the 22-line grid
        snap.set(qn("w:val"), "0")
        p._p.get_or_add_pPr().append(snap)
    _body_para(doc, "", indent=False)
    _body_para(doc, f"{letter.addressee}：", indent=False)
    body = [_body_para(doc, text) for text in letter.body]
    # The signature never stands alone on a page (GB/T 9704 7.3.5: no page without 正文):
    # the last paragraph of the body, the 附件说明 and the signature block keep together.
    tail = body[-1:]
    if letter.attachments:
        tail.append(_body_para(doc, "", indent=False))
        for i, item in enumerate(letter.attachments, start=1):
            p = _body_para(
                doc, ("附件：" if i == 1 else "") + f"{i}.{item}", indent=False, align=WD_ALIGN_PARAGRAPH.LEFT
            )
            # 附件：1.…, and 2.… aligned under 1.
            p.paragraph_format.left_indent = Pt(BODY_PT * (2 if i == 1 else 5))
            tail.append(p)
    # Signature and date: the date 4 字 from the right, the signatory centred above it; room for the seal.
    date_w, sig_w = em_width(letter.date), em_width(letter.signatory)
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
    if letter.cc:
        # 版记 of the 信函格式: 抄送 only, no rules, at the foot of the last page's type area.
        p = docxkit.para(doc, "抄送：" + "，".join(letter.cc) + "。", docxkit.FANG, 14, line_pt=LINE_PT)
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
        p._p.get_or_add_pPr().insert(0, frame)
    render.save(doc, out)
    return out
