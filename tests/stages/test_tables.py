"""Tables read from the PDFs: no cell ends with one character alone, and whole values stay on one line.

Every document of every example packet (each city builds its clusters' packets) and each city's
letter and 汇总表, read cell by cell with pdfplumber (cells from the ruled lines, lines by baseline).
The merged packets add only the applicants' own proof files, which are converted as they are given.
"""

from __future__ import annotations

import re
from pathlib import Path

import fastyaml
import pdfplumber
import pytest
from conftest import ROOT
from docx import Document
from docx.oxml.ns import qn

MERGED = {"申报材料.pdf", "综合评价材料.pdf", "申报书.pdf", "推荐材料.pdf"}
PHONE = re.compile(r"(?<!\d)(?:0\d{2,3}-\d{7,8}|1[3-9]\d{9})(?!\d)")
ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def _cell_lines(page, box) -> list[str]:
    x0, top, x1, bottom = box
    rows: dict[int, list] = {}
    for c in page.chars:
        if (
            c["text"].strip()
            and c["x0"] >= x0 - 0.5
            and c["x1"] <= x1 + 0.5
            and c["top"] >= top - 0.5
            and c["bottom"] <= bottom + 0.5
        ):
            rows.setdefault(round(c["matrix"][5]), []).append(c)
    return ["".join(c["text"] for c in sorted(rows[y], key=lambda c: c["x0"])) for y in sorted(rows, reverse=True)]


def _cells(pdf: Path) -> list[tuple[int, list[str]]]:
    out = []
    with pdfplumber.open(pdf) as doc:
        for number, page in enumerate(doc.pages, start=1):
            for table in page.find_tables():
                for row in table.rows:
                    for box in row.cells:
                        if box is not None:
                            lines = _cell_lines(page, box)
                            if lines:
                                out.append((number, lines))
    return out


@pytest.fixture(scope="module")
def documents(example_cities) -> dict[Path, list[tuple[int, list[str]]]]:
    outputs = next(iter(example_cities.values())).folder.parents[2]
    pdfs = sorted(p for p in outputs.rglob("*.pdf") if p.name not in MERGED and ".cache" not in p.parts)
    assert len(pdfs) > 40  # every document of four packets, the self-checks, the cities' letters and tables
    return {p: _cells(p) for p in pdfs}


def _known_values() -> set[str]:
    """The contact's name, each phone and each date the example inputs hold."""
    values: set[str] = set()
    for f in (ROOT / "inputs").rglob("*.yaml"):
        text = f.read_text(encoding="utf-8")
        values |= set(PHONE.findall(text))
        values |= {f"{y}年{int(m)}月{int(d)}日" for y, m, d in ISO_DATE.findall(text)}
    for f in (ROOT / "inputs" / "cities").glob("*.yaml"):
        data = fastyaml.safe_load(f.read_text(encoding="utf-8"))
        values.add(str(data["contact"]))
    return values


def test_no_cell_ends_with_one_character_alone(documents) -> None:
    alone = [
        (pdf.relative_to(pdf.parents[2]).as_posix(), page, "/".join(lines))
        for pdf, cells in documents.items()
        for page, lines in cells
        if len(lines) > 1 and len(lines[-1]) == 1
    ]
    assert not alone, alone


def test_whole_values_stay_on_one_line(documents) -> None:
    values = _known_values()
    assert any("年" in v for v in values) and any("-" in v for v in values)
    found, broken = 0, []
    for pdf, cells in documents.items():
        for page, lines in cells:
            joined = "".join(lines)
            for value in values:
                whole = sum(line.count(value) for line in lines)
                if joined.count(value) > whole:
                    broken.append((pdf.name, page, value, "/".join(lines)))
                found += whole
    assert not broken, broken
    assert found > 20  # the values are in the tables, not only in prose


def test_cjk_punctuation_is_drawn_by_the_cjk_face(example_cities) -> None:
    # An opening “ at the start of a cell is East-Asian text: its run names the CJK face in every slot.
    outputs = next(iter(example_cities.values())).folder.parents[2]
    quoted = 0
    for docx in outputs.rglob("*.docx"):
        for r in Document(str(docx)).element.body.iter(qn("w:r")):
            text = "".join(t.text or "" for t in r.iter(qn("w:t")))
            if "“" in text or "”" in text:
                rf = r.find(qn("w:rPr")).find(qn("w:rFonts"))
                assert rf.get(qn("w:ascii")) == rf.get(qn("w:eastAsia")), (docx.name, text)
                assert rf.get(qn("w:hint")) == "eastAsia"
                quoted += 1
    assert quoted
    with pdfplumber.open(outputs / "tese-apply" / "qinglan-agrimachinery" / "04-品牌荣誉和宣传报道情况.pdf") as doc:
        quotes = [c for page in doc.pages for c in page.chars if c["text"] in "“”"]
    assert quotes and all(c["x1"] - c["x0"] > 0.8 * c["size"] for c in quotes)  # full width, both of them
