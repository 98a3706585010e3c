"""The province's own form, filled: ``form adopt`` turns an official .docx into a template of a programme's document.

A form arrives as the province publishes it: tables of label cells and blank cells, paragraphs
with blanks (``集群名称：＿＿＿``, ``填报单位：＿＿＿（盖章）``), a header row over empty rows for a
list, headings followed by room to write. Each blank gets the tag of the field whose Chinese label
(``pipeline/labels.py``: the model's titles and ``templates/common/labels.yaml``) matches its
label; a list's empty rows become one docxtpl row loop; a heading over empty paragraphs gets the
long text it names. What cannot be placed is reported, with where it is, and so is every field the
document's current template shows that the form has no place for.

The form's own text stays text: a form that already holds template marks is refused."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from pipeline.errors import UsageError
from pipeline.forms import labels
from pipeline.forms.labels import SCALAR, TEXTS, Vocabulary, bare, normalise
from pipeline.kits import officefile

UNITS = ("户", "家", "个", "人", "项", "次", "万元", "亿元", "元", "%", "％", "平方公里", "年", "名", "份")


_FILL = re.compile(r"[\s＿_]+")


_BLANK = re.compile(r"[＿_]{2,}")


_MARKS = re.compile(r"\{\{|\{%|\{#|%\}|\}\}|#\}")


_CUT = "，。；、：:,;"  # a blank's label starts after the last of these before it


_BEFORE = ("本单位", "名单共", "共计", "其中", "合计", "共", "计", "为")  # words before a label, not part of it


_AFTER = ("为", "是", "共")


_COMPOUND = re.compile(r"及|和|/|、")


MAX_LABEL = 24  # a paragraph ending in ： is a label only when short (else a sentence: 说明如下：)


ITEM = "item"  # the loop variable of a generated row loop


@dataclass(frozen=True)
class Placed:
    where: str
    label: str
    tag: str  # as written: {{ item.name }}
    path: str  # the field: enterprises[].name


@dataclass(frozen=True)
class Unplaced:
    where: str
    label: str
    reason: str  # no field has this label / several fields do (candidates)


@dataclass
class Adoption:
    """What ``form adopt`` did: each blank placed, each label it could not place, each field with no place."""

    placed: list[Placed] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # fields the current template shows: "label (path)"
    by_hand: list[str] = field(default_factory=list)  # blanks left for the pen (（签字）)
    out: Path | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "template": str(self.out) if self.out else None,
            "placed": [vars(p) for p in self.placed],
            "unplaced": [vars(u) for u in self.unplaced],
            "missing": self.missing,
            "by_hand": self.by_hand,
        }


def _text(el: Any) -> str:
    return "".join(t.text or "" for t in el.iter(qn("w:t")))


def _cell_text(tc: Any) -> str:
    return "\n".join(_text(p) for p in tc.findall(qn("w:p")))


def is_blank(text: str) -> bool:
    """A cell or paragraph with nothing to read but room, underscores or a unit (``户``) is a blank."""
    rest = _FILL.sub("", text)
    return rest == "" or rest in UNITS


def _set_span(p: Any, start: int, end: int, text: str, rpr: Any = None) -> None:
    """Replace characters ``start:end`` of paragraph ``p``'s text with ``text`` (inserting a run if it has none)."""
    ts = list(p.iter(qn("w:t")))
    if not ts:
        r = OxmlElement("w:r")
        if rpr is not None:
            r.append(copy.deepcopy(rpr))
        t = OxmlElement("w:t")
        r.append(t)
        p.append(r)
        ts = [t]
    offset, done = 0, False
    for t in ts:
        value = t.text or ""
        lo, hi = offset, offset + len(value)
        offset = hi
        if hi < start or lo > end or (done and hi == start):
            continue
        a, b = max(0, start - lo), min(len(value), end - lo)
        if a > len(value) or b < 0:
            continue
        t.text = value[:a] + ("" if done else text) + value[b:]
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        done = True
    if not done:  # past the end: the last run takes it
        ts[-1].text = (ts[-1].text or "") + text


def _fill(p: Any, tag: str, rpr: Any = None) -> None:
    """A blank paragraph gets ``tag`` where its blank is, keeping a unit after it (``户``)."""
    text = _text(p)
    m = re.search(r"[\s＿_]+", text)
    if not text.strip() or _FILL.sub("", text) == "":
        _clear(p)
        _set_span(p, 0, 0, tag, rpr)
    elif m and m.start() == 0:  # blank then unit
        _set_span(p, m.start(), m.end(), tag)
    else:  # only a unit
        _set_span(p, 0, 0, tag)


def _clear(p: Any) -> None:
    for t in p.iter(qn("w:t")):
        t.text = ""


def _first_rpr(*els: Any) -> Any:
    for el in els:
        for r in el.iter(qn("w:r")):
            rpr = r.find(qn("w:rPr"))
            if rpr is not None:
                return rpr
    return None


def _tcs(tr: Any) -> list[Any]:
    """A row's real cells (a cell merged down from above is not one)."""
    out = []
    for tc in tr.findall(qn("w:tc")):
        vm = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
        if vm is not None and vm.get(qn("w:val")) in (None, "continue"):
            continue
        out.append(tc)
    return out


class _Adopter:
    def __init__(self, vocab: Vocabulary, prefer: set[str]) -> None:
        self.vocab, self.prefer = vocab, prefer
        self.result = Adoption()

    # --- matching a label to fields
    def match(
        self, label: str, where: str, within: str | None = None, report: bool = True, long: bool = False
    ) -> list[str]:
        """The fields a label names (one, or one per part of 联系人及电话); [] (and reported) when none fits.

        A blank takes a value; ``long``: a heading's room takes a value or a long text (a list of paragraphs).
        """
        if any(mark in label for mark in self.vocab.by_hand):
            self.result.by_hand.append(f"{where}：{normalise(label)}")
            return []
        if not normalise(label) or self.vocab.ignored(label):
            return []
        found = self._one(label, within, long)
        if isinstance(found, str):
            return [found]
        parts = [x for x in _COMPOUND.split(bare(label)) if x]
        if len(parts) > 1 and all(isinstance(self._one(x, within, long), str) for x in parts):
            return [str(self._one(x, within, long)) for x in parts]
        if report:
            reason = f"有多个字段同名：{'、'.join(found)} (several fields)" if found else "没有对应字段 (no field)"
            self.result.unplaced.append(Unplaced(where, bare(label) or normalise(label), reason))
        return []

    def first(self, candidates: list[str], where: str, within: str | None = None) -> tuple[str, list[str]]:
        """The first of several readings of a label that names a field; the last is reported if none does."""
        for k, label in enumerate(candidates):
            paths = self.match(label, where, within, report=k == len(candidates) - 1)
            if paths:
                return label, paths
        return (candidates[-1] if candidates else ""), []

    def _one(self, label: str, within: str | None, long: bool = False) -> str | list[str]:
        found = [p for p in self.vocab.lookup(label, within) if long or self.vocab.fields[p].kind == SCALAR]
        if len(found) > 1:
            preferred = [p for p in found if p in self.prefer]
            found = preferred if len(preferred) == 1 else found
        return found[0] if len(found) == 1 else found

    def tags(self, where: str, label: str, paths: list[str], within: str | None = None) -> str:
        """Record ``paths`` as placed; the tags that show them (inside a row loop: of its item)."""
        out = []
        for path in paths:
            tag = "{{ " + (ITEM + path.removeprefix(f"{within}[]") if within is not None else path) + " }}"
            self.result.placed.append(Placed(where, bare(label) or normalise(label), tag, path))
            out.append(tag)
        return " ".join(out)

    # --- paragraphs
    def inline(self, p: Any, where: str, context: str = "", ends: bool = True) -> int:
        """Each ＿＿＿ blank (and, with ``ends``, a short ``label：`` at the end) gets its field; returns how many."""
        text = _text(p)
        spans = sorted([(m.start(), m.end()) for m in _BLANK.finditer(text)] + _underlined(p))
        stripped = text.rstrip()
        if ends and stripped.endswith(("：", ":")) and len(normalise(stripped)) <= MAX_LABEL and not spans:
            spans = [(len(text), len(text))]
        edits: list[tuple[int, int, str]] = []
        last = 0
        for start, end in spans:
            local = _label_before(text[last:start])
            following = text[end : next((s for s, _e in spans if s >= end), len(text))]
            last = end
            # the words before the blank (with the row's label before them), else the words after it, else the row's
            readings = [f"{bare(context)}{local}", local] if context and local else [local]
            if not local:
                readings = [_label_after(following), context]
            readings = [r for r in readings if r]
            if not readings:
                self.result.unplaced.append(
                    Unplaced(where, "（无标签的空白）", "空白前没有标签 (a blank with no label)")
                )
                continue
            label, paths = self.first(readings, where)
            if paths:
                edits.append((start, end, self.tags(where, label, paths)))
        for start, end, tag in reversed(edits):
            _set_span(p, start, end, tag)
        return len(spans)

    def block(self, items: list[Any], i: int, where: str) -> int:
        """A heading over empty paragraphs: the long text it names goes there. Returns paragraphs consumed."""
        heading = items[i]
        label = _BLANK.sub("", re.sub(r"\{\{.*?\}\}", "", _text(heading)))  # its words, without blanks or tags
        empties = []
        for el in items[i + 1 :]:
            if el.tag != qn("w:p") or _text(el).strip():
                break
            empties.append(el)
        if not empties:
            return 0
        paths = self.match(label, where, report=False, long=True)
        if not paths:  # one name for a value and a long text (发展成效和自评结论): the room is for the text
            found = [p for p in self.vocab.lookup(label) if self.vocab.fields[p].kind != SCALAR]
            paths = found if len(found) == 1 else []
        if len(paths) != 1:
            return 0
        path = paths[0]
        info = self.vocab.fields[path]
        if info.shape == "sections":
            lines = ["{%p for s in " + path + " %}", "{{ s.heading }}", "{%p for text in s.paragraphs %}", "{{ text }}"]
            lines += ["{%p endfor %}", "{%p endfor %}"]
        elif info.kind == TEXTS:
            lines = ["{%p for text in " + path + " %}", "{{ text }}", "{%p endfor %}"]
        elif info.kind == SCALAR:
            lines = ["{{ " + path + " }}"]
        else:
            return 0
        while len(empties) < len(lines):
            extra = copy.deepcopy(empties[-1])
            empties[-1].addnext(extra)
            empties.append(extra)
        for el, line in zip(empties, lines, strict=False):
            _clear(el)
            _set_span(el, 0, 0, line)
        self.tags(where, label, [path])
        return len(lines)

    # --- tables
    def table(self, tbl: Any, where: str) -> None:
        rows = tbl.findall(qn("w:tr"))
        k = 0
        while k < len(rows):
            cells = _tcs(rows[k])
            texts = [_cell_text(c) for c in cells]
            blank_rows = _blank_rows(rows, k + 1, len(cells))
            if len(cells) >= 2 and all(t.strip() for t in texts) and blank_rows:
                if self._list(rows, k, blank_rows, texts, f"{where} 第{k + 1}行"):
                    k += 1 + len(blank_rows)
                    continue
            heads = _header(rows, k)
            above = [heads.get(c, "") for c in _columns(rows[k])] if heads else None
            self._row(cells, texts, f"{where} 第{k + 1}行", texts_above=above)
            k += 1

    def _list(self, rows: list[Any], k: int, blank: list[Any], heads: list[str], where: str) -> bool:
        lists = [f for f in self.vocab.fields.values() if f.kind == "records"]
        scores = {f.path: sum(bool(self.vocab.lookup(h, f.path)) for h in heads) for f in lists}
        best = max(scores, key=lambda p: (scores[p], p in self.prefer), default=None)
        values = sum(bool(self.vocab.lookup(h)) for h in heads)
        for j, tc in enumerate(_tcs(rows[k])):  # a blank in the header itself: （＿＿＿年）, ＿＿＿年目标
            text = _cell_text(tc)
            if _BLANK.search(text) or is_blank(text):
                p = tc.find(qn("w:p"))
                if _BLANK.search(text):
                    self.inline(p, f"{where} 第{j + 1}列")
                elif paths := self.first([_label_after(_FILL.sub("", text))], f"{where} 第{j + 1}列")[1]:
                    _fill(p, self.tags(f"{where} 第{j + 1}列", text, paths))
        if best is not None and scores[best] >= 2 and scores[best] >= values:
            loop = "{%tr for " + ITEM + " in " + best + " %}"
            self.result.placed.append(Placed(where, "（列表）", loop, best))
            row = blank[0]
            for j, (tc, head) in enumerate(zip(_tcs(row), heads, strict=False)):
                if _BLANK.search(head) or is_blank(head):  # ＿＿＿年: the column of that year's values
                    head = _label_after(
                        _BLANK.sub("", _FILL.sub("", head)) if is_blank(head) else _BLANK.split(head)[-1]
                    )
                paths = self.match(head, f"{where} 第{j + 1}列", within=best)
                if paths:
                    tag = self.tags(f"{where} 第{j + 1}列", head, paths, within=best)
                    _fill(tc.find(qn("w:p")), tag, _first_rpr(tc, rows[k]))
            for extra in blank[1:]:
                extra.getparent().remove(extra)
            for text, before in (("{%tr for " + ITEM + " in " + best + " %}", True), ("{%tr endfor %}", False)):
                marker = copy.deepcopy(row)
                for p in marker.iter(qn("w:p")):
                    _clear(p)
                _set_span(marker.find(f"{qn('w:tc')}/{qn('w:p')}"), 0, 0, text, _first_rpr(rows[k]))
                (row.addprevious if before else row.addnext)(marker)
            return True
        if values >= 2:  # a header over one row of the cluster's own values (the 汇总表 row)
            row = blank[0]
            for j, (tc, head) in enumerate(zip(_tcs(row), heads, strict=False)):
                if not is_blank(_cell_text(tc)):
                    continue
                paths = self.match(head, f"{where} 第{j + 1}列")
                if paths:
                    _fill(tc.find(qn("w:p")), self.tags(f"{where} 第{j + 1}列", head, paths), _first_rpr(tc, rows[k]))
            return True
        return False

    def _row(self, cells: list[Any], texts: list[str], where: str, texts_above: list[str] | None) -> None:
        label = ""
        for j, (tc, text) in enumerate(zip(cells, texts, strict=True)):
            here = f"{where} 第{j + 1}格"
            if is_blank(text):
                head = texts_above[j] if texts_above and j < len(texts_above) else ""
                readings = ([f"{bare(label)}{bare(head)}"] if head and label else []) + ([label] if label else [])
                used, paths = self.first(readings, here) if readings else ("", [])
                if paths:
                    _fill(tc.find(qn("w:p")), self.tags(here, used, paths), _first_rpr(cells[j - 1] if j else tc))
                if not (head and label) or (paths and used == label):  # a totals row's 合计 heads each blank after it
                    label = ""
                continue
            then_blank = j + 1 < len(texts) and is_blank(texts[j + 1])  # 申报主体（公章）： ¦ ＿: the next cell
            found = sum(self.inline(p, here, label, ends=not then_blank) for p in tc.findall(qn("w:p")))
            label = "" if found else text


def _underlined(p: Any) -> list[tuple[int, int]]:
    """Runs of underlined spaces: the fill-in line many forms draw instead of ＿＿＿."""
    spans, offset = [], 0
    for r in p.iter(qn("w:r")):
        value = "".join(t.text or "" for t in r.iter(qn("w:t")))
        u = r.find(f"{qn('w:rPr')}/{qn('w:u')}")
        if u is not None and u.get(qn("w:val")) not in (None, "none") and len(value) >= 2 and not value.strip():
            spans.append((offset, offset + len(value)))
        offset += len(value)
    return spans


def _label_before(text: str) -> str:
    """The words a blank answers: back to the last separator, without 其中 / 共 / 为."""
    text = text.rstrip(" 　：:\t")
    cut = max(text.rfind(c) for c in _CUT)
    label = text[cut + 1 :]
    opened = label.rfind("（")
    if opened > label.rfind("）"):
        label = label[opened + 1 :]
    label = label.strip()
    before = next((w for w in _BEFORE if label.startswith(w)), "")
    if len(label) > len(before):
        label = label.removeprefix(before)
    after = next((w for w in _AFTER if label.endswith(w)), "")
    if len(label) > len(after):
        label = label.removesuffix(after)
    return label.strip()


def _label_after(text: str) -> str:
    """For a blank with nothing before it (``＿＿＿年目标``): the words after it, to the next separator."""
    m = re.match(r"[^" + _CUT + "（）()]*", text.strip())
    words = m.group(0) if m else ""
    return "年度" if words == "年" else words  # a year's blank: （＿＿＿年）


def _blank_rows(rows: list[Any], start: int, width: int) -> list[Any]:
    """The rows from ``start`` that hold nothing (a number in the first cell at most), as many cells wide."""
    out = []
    for row in rows[start:]:
        cells = _tcs(row)
        texts = [_cell_text(c) for c in cells]
        numbered = bool(texts) and (texts[0].strip().isdigit() or is_blank(texts[0]))
        if len(cells) != width or not numbered or not all(is_blank(t) for t in texts[1:]):
            break
        out.append(row)
    return out


def _columns(tr: Any) -> list[int]:
    """The grid column each real cell of a row starts at (a merged cell spans several)."""
    out, col = [], 0
    for tc in tr.findall(qn("w:tc")):
        span = tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}")
        vm = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
        if vm is None or vm.get(qn("w:val")) == "restart":
            out.append(col)
        col += int(span.get(qn("w:val"))) if span is not None else 1
    return out


def _header(rows: list[Any], k: int) -> dict[int, str] | None:
    """The nearest row above ``k`` whose cells are all labels, by grid column: the heads of a totals row."""
    for row in reversed(rows[:k]):
        texts = [_cell_text(c) for c in _tcs(row)]
        if any(_MARKS.search(t) for t in texts):  # a row loop made above: not a header
            continue
        if len(texts) >= 2 and all(t.strip() and not is_blank(t) for t in texts):
            return dict(zip(_columns(row), texts, strict=True))
    return None


def check_form(path: Path, kind: str = "docx") -> None:
    """Refuse an official form that is not safe to open (``officefile.inspect``), as a proof is refused: by the finding's code.

    The province's .docx or .xlsx is looked at before python-docx or openpyxl reads it: a zip
    bomb, a DTD, an external link or a renamed file is said with its code (``E-OFFICE-DTD``,
    ``E-LIMIT-UNZIPPED``…), and nothing is written.
    """
    findings = officefile.inspect(path, kind)
    if findings:
        raise UsageError(
            f"{path.name} 不能作为官方表格读取 (the form is not a safe .{kind}): "
            + "；".join(f.message for f in findings),
            code=findings[0].code,
        )


def _open(path: Path) -> Any:
    try:
        return Document(str(path))
    except Exception as exc:  # python-docx raises many kinds on a file that is not a Word document
        raise UsageError(
            f"{path} 无法作为 Word .docx 读取（.doc 请先另存为 .docx） (not a readable .docx): {type(exc).__name__}",
            code="E-FORM-UNREADABLE",
        ) from None


def marks(path: Path) -> list[str]:
    """Where a .docx already holds template marks ({{ }}, {% %}): a form must be plain text."""
    check_form(path, "docx")
    doc = _open(path)
    found = [_text(p)[:40] for p in doc.element.body.iter(qn("w:p")) if _MARKS.search(_text(p))]
    return found


def adopt_docx(source: Path, vocab: Vocabulary, out: Path, prefer: set[str] | None = None) -> Adoption:
    """Write ``out``: the form ``source`` with each blank holding its field's tag; report the rest."""
    found = marks(source)
    if found:
        raise UsageError(
            f"{source} 已含模板标记（如“{found[0]}”），不是原样的官方表格；请用通知附件的原件 "
            "(the form already holds template marks)",
            code="E-FORM-HAS-TAGS",
        )
    doc = _open(source)
    adopter = _Adopter(vocab, prefer or set())
    items = list(doc.element.body.iterchildren())
    tables = 0
    i = 0
    while i < len(items):
        el = items[i]
        if el.tag == qn("w:tbl"):
            tables += 1
            adopter.table(el, f"表{tables}")
        elif el.tag == qn("w:p") and _text(el).strip():
            where = f"第{i + 1}段"
            adopter.inline(el, where)
            # a heading (its blanks filled or not) over empty paragraphs: the long text it names goes there
            used = adopter.block(items, i, where)
            if used:
                items = list(doc.element.body.iterchildren())
                i += used
        i += 1
    result = adopter.result
    result.missing = _missing(vocab, prefer or set(), {x.path for x in result.placed})
    doc.save(str(out))
    result.out = out
    return result


def _missing(vocab: Vocabulary, shown: set[str], placed: set[str]) -> list[str]:
    """Fields the document's current template shows that the adopted form has no place for."""
    out = []
    for path in sorted(shown):
        info = vocab.fields.get(path)
        if info is None or path in placed or path.endswith("[]"):
            continue
        scope = labels._scope(path)
        # an item field is missing only where its own list was placed; a list inside a placed block is placed
        if scope is not None and (scope not in placed or any(scope.startswith(f"{x}[]") for x in placed)):
            continue
        if scope is not None and vocab.fields[scope].shape in ("sections", TEXTS):  # a long text placed whole
            continue
        if any(path.startswith(f"{x}[]") for x in placed):
            continue
        label = info.labels[0] if info.labels else ""
        out.append(f"{label}（{path}）" if label else path)
    return out
