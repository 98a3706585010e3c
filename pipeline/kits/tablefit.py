"""Tables that never split what must stay whole, and CJK punctuation drawn by the CJK face.

A pass over a rendered document, before it is saved: column widths come from the content, measured
with the metrics of the faces that draw it (``fonts``). A name, a phone number, a date, a credit code,
an amount with its unit or a 文号 must fit on one line of its cell; a column too narrow for one takes
the width from columns that can spare it. A cell that would still end with one character alone on its
last line is set a little tighter (character spacing, at most 1/10 of the size), else a little smaller,
so the character joins the line above: this is what a typesetter does (紧排), and it keeps every value
whole, where a no-wrap cell would run over its neighbour. The grid (``w:tblGrid``) is set with the
cells' widths: LibreOffice ignores a cell's width unless the grid says the same (DOMAIN §6).

East-Asian punctuation (“”‘’—…·) gets the run's east-Asian face for every script slot and
``w:hint="eastAsia"``: LibreOffice takes an opening “ at the start of a cell for Latin text and draws it
half-width in Times New Roman otherwise."""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from pipeline.core.wordcount import is_wide
from pipeline.kits import fonts

PUNCT = "“”‘’—…·"


JOINERS = "\u200b\u2060"  # no width: a break allowed, a break refused


# LibreOffice breaks a line at the hyphen of 0536-7861235 (before or after it): word joiners around it
# (no glyph, and not in the PDF's text) keep the number whole.
HYPHENATED = re.compile(r"(?<=(?<!\d)0\d\d)(?<=\d)-(?=\d{7,8}(?!\d))|(?<=(?<!\d)0\d{3})-(?=\d{7,8}(?!\d))")


AUTOSPACE_EM = 0.22  # LibreOffice's space where CJK and Latin characters meet


SAFETY_PT = 2.0  # how far our measure of a line may be from LibreOffice's, either way


MAX_CONDENSE = 0.10  # of the size, per character


MIN_PT = 7.5


# Values a line must never split (the whole cell's text, when it is short, is one too).
WHOLE = re.compile(
    r"[^\s，。、；：（）]{1,12}〔\d{4}〕\d+号"  # 文号
    r"|\d{4}年\d{1,2}月(?:\d{1,2}日)?"  # dates
    r"|第?[一二三四五六七八九十]+条?(?:（[一二三四五六七八九十末段]{1,3}）)+(?:第[一二三四五六七八九十]+款)?"  # clauses
    r"|第[一二三四五六七八九十百]+条"
    r"|[0-9A-Z]{18}"  # 统一社会信用代码
    r"|\+?\d[\d\-－]{5,}\d"  # phone numbers
    r"|[-+]?\d[\d.,]*(?:%|％|亿元|万元|元|平方公里|公里|万|亿|个|户|家|项|人|台|套|件|年)?"  # amounts with their unit
    r"|[A-Za-z][A-Za-z0-9.\-_/&]*"  # Latin words
)


SHORT = 4  # a cell of at most this many characters is a name or a short value: kept whole


SHORT_HEAD = 2  # in a heading row, only 序号-like labels: 主导/产业 may take two lines


NO_START = set("，。、；：！？）》」』】〕”’…—%％·")


NO_END = set("（《「『【〔“‘")


@dataclass(frozen=True)
class Style:
    east: str
    latin: str
    size: float


@functools.lru_cache(maxsize=4096)
def _tokens(text: str, whole: bool = True, short: int = SHORT) -> tuple[str, ...]:
    """Units a line may break between: whole values, else single characters.

    With ``whole`` false, as LibreOffice breaks: anywhere between CJK characters, not inside a run of
    Latin letters and digits.
    """
    out: list[str] = []
    if not whole:
        out = re.findall(r"[A-Za-z0-9.]+|.", text)
    elif len(text) <= short and " " not in text:
        return (text,)
    else:
        i = 0
        for m in WHOLE.finditer(text):
            out.extend(text[i : m.start()])
            out.append(m.group())
            i = m.end()
        out.extend(text[i:])
    # kinsoku: a closing mark goes with what precedes it, an opening one with what follows
    merged: list[str] = []
    for tok in out:
        if merged and (tok[0] in NO_START or merged[-1][-1] in NO_END):
            merged[-1] += tok
        else:
            merged.append(tok)
    return tuple(merged)


_FACES: dict[str, fonts.Metrics] = {}  # for one document: see fit()


_ORPHANS: dict[tuple[str, Style, float, float], bool] = {}  # for one document: widening asks the same again


def _face(name: str) -> fonts.Metrics:
    if name not in _FACES:
        _FACES[name] = fonts.metrics(name)
    return _FACES[name]


def width_pt(text: str, style: Style, spacing: float = 0.0) -> float:
    """The width of ``text`` as LibreOffice sets it: each character in the face of its script."""
    return _extend(0.0, "", text, _Setting(_face(style.east), _face(style.latin), style.size, spacing))


class _Setting(NamedTuple):
    """How a text is set: the faces of its two scripts, its size and the spacing between characters."""

    east: fonts.Metrics
    latin: fonts.Metrics
    size: float
    spacing: float


def _extend(total: float, prev: str, text: str, setting: _Setting) -> float:
    """``total`` (the width of a text ending in ``prev``) with ``text`` set after it, character by character.

    The same additions in the same order as measuring the whole from its start: a line measured as it
    grows has exactly the width of the line measured at once.
    """
    east, latin, size, spacing = setting
    for ch in text:
        if ch in JOINERS:
            prev = ch
            continue
        wide = is_wide(ch) or ch in PUNCT
        total += (east if wide else latin).advance(ch) * size + spacing
        if prev and (is_wide(prev) or prev in PUNCT) != wide and (ch if not wide else prev).isalnum():
            total += AUTOSPACE_EM * size  # only between CJK and a Latin letter or digit
        prev = ch
    return total


def lines(text: str, style: Style, avail: float, spacing: float = 0.0, whole: bool = True) -> list[str]:
    """Greedy line breaking of ``text`` in ``avail`` pt (a unit wider than the line goes alone)."""
    setting = _Setting(_face(style.east), _face(style.latin), style.size, spacing)
    out: list[str] = []
    cur, width = "", 0.0
    for tok in _tokens(text, whole):
        grown = _extend(width, cur[-1:], tok, setting)
        if cur and grown > avail:
            out.append(cur)
            cur, width = tok, _extend(0.0, "", tok, setting)
        else:
            cur, width = cur + tok, grown
    if cur:
        out.append(cur)
    return out


def _orphan(text: str, style: Style, avail: float, spacing: float = 0.0) -> bool:
    """Would one character stand alone on the last line, for any width LibreOffice may find near ours?"""
    key = (text, style, avail, spacing)
    found = _ORPHANS.get(key)
    if found is None:  # read once: another document's fit() may clear the memo in between
        found = _ORPHANS[key] = _may_orphan(text, style, avail, spacing)
    return found


def _may_orphan(text: str, style: Style, avail: float, spacing: float) -> bool:
    for room in (avail - SAFETY_PT, avail - SAFETY_PT / 2, avail, avail + SAFETY_PT / 2):
        for whole in (True, False):
            got = lines(text, style, room, spacing, whole)
            if len(got) > 1 and len(got[-1].strip()) == 1:
                return True
    return False


def _style(run: Any, defaults: Style) -> Style:
    rpr = run.find(qn("w:rPr"))
    east, latin, size = defaults.east, defaults.latin, defaults.size
    if rpr is not None:
        rf = rpr.find(qn("w:rFonts"))
        if rf is not None:
            east = rf.get(qn("w:eastAsia")) or east
            latin = rf.get(qn("w:ascii")) or latin
        sz = rpr.find(qn("w:sz"))
        if sz is not None and sz.get(qn("w:val"), "").isdigit():
            size = int(sz.get(qn("w:val"))) / 2
    return Style(east, latin, size)


@dataclass
class Cell:
    tc: Any
    col: int
    span: int
    paras: list[tuple[str, Style, list[Any]]]  # text, style of its first run, its runs
    head: bool = False  # in a heading row


def _cells(tbl: Any, defaults: Style) -> list[Cell]:
    out = []
    for tr in tbl.iterchildren(qn("w:tr")):
        col = 0
        trpr = tr.find(qn("w:trPr"))
        head = trpr is not None and trpr.find(qn("w:tblHeader")) is not None
        for tc in tr.iterchildren(qn("w:tc")):
            tcpr = tc.find(qn("w:tcPr"))
            span_el = tcpr.find(qn("w:gridSpan")) if tcpr is not None else None
            span = int(span_el.get(qn("w:val"))) if span_el is not None else 1
            paras = []
            for p in tc.iterchildren(qn("w:p")):
                runs = [r for r in p.iterchildren(qn("w:r")) if r.find(qn("w:t")) is not None]
                text = "".join(t.text or "" for r in runs for t in r.iterchildren(qn("w:t")))
                text = text.translate({ord(j): None for j in JOINERS})
                if text.strip():
                    paras.append((text.strip(), _style(runs[0], defaults), runs))
            out.append(Cell(tc, col, span, paras, head))
            col += span
    return out


def _margins(tbl: Any) -> float:
    mar = tbl.find(qn("w:tblPr"))
    total = 0.0
    for side in ("left", "right"):
        el = mar.find(f"{qn('w:tblCellMar')}/{qn('w:' + side)}") if mar is not None else None
        total += int(el.get(qn("w:w"))) / 20 if el is not None else 5.4  # Word's default 0.19 cm
    return total


def _condense(cell: Cell, text: str, style: Style, runs: list[Any], avail: float) -> None:
    """Set the runs of one paragraph tighter, else smaller, until no character stands alone."""
    for tenth in range(1, 11):
        spacing = -style.size * MAX_CONDENSE * tenth / 10
        if not _orphan(text, style, avail, spacing):
            for r in runs:
                rpr = r.get_or_add_rPr()
                sp = rpr.find(qn("w:spacing"))
                if sp is None:
                    sp = OxmlElement("w:spacing")
                    rpr.append(sp)
                sp.set(qn("w:val"), str(round(spacing * 20 - 1)))
            return
    size = style.size
    while size > MIN_PT and _orphan(text, Style(style.east, style.latin, size), avail):
        size -= 0.5
    for r in runs:
        r.get_or_add_rPr().get_or_add_sz().set(qn("w:val"), str(round(size * 2)))


@dataclass
class _Columns:
    """One table being fitted: its cells, their margins, and each column's width and the width it needs."""

    cells: list[Cell]
    margin: float  # left and right cell margins together, in points
    need: list[float]  # per column: its widest whole unit (a word, a number) on one line
    width: list[float]  # per column, as fitted so far


def _widen(c: Cell, text: str, style: Style, table: _Columns) -> bool:
    """Give ``c``'s column up to three characters more from one column that can spare them."""
    cells, width, need, margin = table.cells, table.width, table.need, table.margin
    for k in range(1, 4):
        extra = k * style.size
        if _orphan(text, style, width[c.col] + extra - margin):
            continue
        for d in sorted(range(len(width)), key=lambda j: need[j] - width[j]):
            if d == c.col or width[d] - extra < need[d]:
                continue
            trial = list(width)
            trial[d] -= extra
            trial[c.col] += extra
            touched = [e for e in cells if any(e.col <= j < e.col + e.span for j in (d, c.col))]
            if any(
                _orphan(t, s, sum(trial[e.col : e.col + e.span]) - margin)
                and not _orphan(t, s, sum(width[e.col : e.col + e.span]) - margin)
                for e in touched
                for t, s, _ in e.paras
            ):
                continue  # it would leave another character alone
            width[:] = trial
            return True
    return False


def _join_numbers(tbl: Any) -> None:
    for t in tbl.iter(qn("w:t")):
        if t.text and HYPHENATED.search(t.text):
            t.text = HYPHENATED.sub("\u2060-\u2060", t.text)


def fit_table(tbl: Any, defaults: Style) -> None:
    _join_numbers(tbl)
    grid = tbl.find(qn("w:tblGrid"))
    cols = [int(g.get(qn("w:w"))) / 20 for g in grid.iterchildren(qn("w:gridCol"))] if grid is not None else []
    if not cols:
        return
    margin = _margins(tbl)
    cells = _cells(tbl, defaults)
    t = _Columns(cells, margin, _needs(cells, len(cols), margin), list(cols))
    # each column gets its widest whole unit, from the columns that have more than theirs
    _give_needs(t)
    # columns whose every cell stays on one line give their spare width to the columns that wrap
    _give_spare(t)
    # a cell that still ends with one character alone: its column takes a little more, else condense
    _widen_orphans(t)
    _condense_orphans(t)
    # the widths written: the grid's columns, then each cell's
    if grid is not None:
        for g, w in zip(grid.iterchildren(qn("w:gridCol")), t.width, strict=True):
            g.set(qn("w:w"), str(round(w * 20)))
    _cell_widths(t)


def _needs(cells: list[Cell], ncols: int, margin: float) -> list[float]:
    """What each column needs: its widest whole unit."""
    need = [0.0] * ncols
    for c in cells:
        if c.span == 1 and c.col < ncols:
            for text, style, _runs in c.paras:
                units = _tokens(text, short=SHORT_HEAD if c.head else SHORT)
                widest = max((width_pt(t.strip(), style) for t in units), default=0.0)
                need[c.col] = max(need[c.col], widest + margin + SAFETY_PT)
    return need


def _give_needs(t: _Columns) -> None:
    width, need = t.width, t.need
    for j in range(len(width)):
        short = need[j] - width[j]
        if short <= 0:
            continue
        donors = [k for k in range(len(width)) if k != j and width[k] > need[k]]
        spare = sum(width[k] - need[k] for k in donors)
        take = min(short, spare)
        for k in donors:
            width[k] -= take * (width[k] - need[k]) / spare
        width[j] += take


def _give_spare(t: _Columns) -> None:
    """Spare width goes to the columns that wrap, in proportion to what these lack for one line."""
    width, need, ncols = t.width, t.need, len(t.width)
    full = [0.0] * ncols
    for c in t.cells:
        if c.span == 1 and c.col < ncols:
            for text, style, _runs in c.paras:
                full[c.col] = max(full[c.col], width_pt(text, style) + t.margin + SAFETY_PT)
    spare_of = {k: width[k] - max(need[k], full[k]) for k in range(ncols) if width[k] > max(need[k], full[k])}
    lack = {k: full[k] - width[k] for k in range(ncols) if full[k] > width[k]}
    if spare_of and lack:
        give = min(sum(spare_of.values()), sum(lack.values()))
        for k, v in spare_of.items():
            width[k] -= give * v / sum(spare_of.values())
        total_lack = sum(lack.values())
        for k, v in lack.items():
            width[k] += give * v / total_lack


def _widen_orphans(t: _Columns) -> None:
    for _round in range(4):
        changed = False
        for c in t.cells:
            for text, style, _runs in c.paras:
                avail = sum(t.width[c.col : c.col + c.span]) - t.margin
                if _orphan(text, style, avail) and c.span == 1 and _widen(c, text, style, t):
                    changed = True
        if not changed:
            break


def _condense_orphans(t: _Columns) -> None:
    for c in t.cells:
        for text, style, runs in c.paras:
            avail = sum(t.width[c.col : c.col + c.span]) - t.margin
            if _orphan(text, style, avail):
                _condense(c, text, style, runs, avail)


def _cell_widths(t: _Columns) -> None:
    for c in t.cells:
        tcpr = c.tc.get_or_add_tcPr()
        tcw = tcpr.find(qn("w:tcW"))
        if tcw is None:
            tcw = OxmlElement("w:tcW")
            tcpr.insert(0, tcw)
        tcw.set(qn("w:w"), str(round(sum(t.width[c.col : c.col + c.span]) * 20)))
        tcw.set(qn("w:type"), "dxa")


def route_punctuation(body: Any) -> None:
    """Give East-Asian punctuation the run's east-Asian face in every slot (split into its own run)."""
    for r in list(body.iter(qn("w:r"))):
        children = [ch for ch in r if ch.tag != qn("w:rPr")]
        if len(children) != 1 or children[0].tag != qn("w:t"):
            continue
        text = children[0].text or ""
        if not any(ch in PUNCT for ch in text):
            continue
        rpr = r.find(qn("w:rPr"))
        rf = rpr.find(qn("w:rFonts")) if rpr is not None else None
        east = rf.get(qn("w:eastAsia")) if rf is not None else None
        if not east:
            continue
        parts = re.findall(f"[{PUNCT}]+|[^{PUNCT}]+", text)
        for part in parts:
            new = copy.deepcopy(r)
            t = new.find(qn("w:t"))
            t.text = part
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            if part[0] in PUNCT:
                nrf = new.find(qn("w:rPr")).find(qn("w:rFonts"))
                for slot in ("ascii", "hAnsi", "cs"):
                    nrf.set(qn(f"w:{slot}"), east)
                nrf.set(qn("w:hint"), "eastAsia")
            r.addprevious(new)
        r.getparent().remove(r)


def fit(document: Any) -> None:
    """Fit every table of a python-docx ``document`` to its content; route CJK punctuation."""
    _FACES.clear()  # the faces may change between documents (the user's fonts folder)
    _ORPHANS.clear()
    body = document.element.body
    route_punctuation(body)
    defaults = Style(fonts.OFFICIAL[0], "Times New Roman", 10.5)
    for tbl in body.iter(qn("w:tbl")):
        fit_table(tbl, defaults)
