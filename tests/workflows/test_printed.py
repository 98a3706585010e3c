"""Printed pages are Chinese only: no field key, no English word on any page of any example's packet,
its 自查报告 or the city's outputs (keys stay in terminal messages and the manifest)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT
from pypdf import PdfReader

from pipeline import schemas
from pipeline.forms import sheets
from pipeline.stages.programmes import available, load_programme
from pipeline.stages.recommend import CityInput

# An address a page must show as it is: e-mail and web addresses.
_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|https?://\S+|www\.\S+")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
# The clerk's own checklist lists the zip's file names and where a scan goes: it is not sent (its last line says so).
CLERKS_LIST = "报送清单.pdf"


def _keys() -> set[str]:
    """Every key a user's data or a programme is written with: fields, proof categories, programme and document ids."""
    keys = {k for name in schemas.names() for k in _names(schemas.get(name).model)}
    keys |= set(CityInput.model_fields)
    for pid in available(ROOT / "templates"):
        p = load_programme(ROOT / "templates", pid)
        keys |= {pid, *(m.id for m in p.materials), *(d.id for d in p.documents)}
    return {k for k in keys if len(k) > 1}


def _names(model) -> set[str]:
    out: set[str] = set()
    for path in sheets.leaves(model):
        out |= {part.removesuffix("[]") for part in path.split(".")}
    return out


def _pages(folder: Path) -> list[tuple[str, str]]:
    out = []
    for pdf in sorted(folder.rglob("*.pdf")):
        if any(part.startswith(".") for part in pdf.relative_to(folder).parts):  # the cache, a staging folder
            continue
        for n, page in enumerate(PdfReader(pdf).pages, start=1):
            text = re.sub(r"-\s+", "-", page.extract_text() or "")  # an address broken at its hyphen by a table cell
            out.append((f"{pdf.relative_to(folder)} 第{n}页", _ADDRESS.sub(" ", text)))
    return out


@pytest.fixture(scope="module")
def pages(example_cities) -> list[tuple[str, str]]:
    """Every page the shipped examples print: each cluster's packet and documents, 自查报告, every city output."""
    outputs = next(iter(example_cities.values())).folder.parents[2]
    found = _pages(outputs)
    assert len({where.split(" ")[0].split("/")[0] for where, _t in found}) == 3  # the three programmes
    return found


def test_no_field_key_on_any_printed_page(pages) -> None:
    keys = _keys()
    assert {"credit_code", "revenue", "brands", "attachments"} <= keys
    found = sorted({(where, w) for where, text in pages for w in _WORD.findall(text) if w in keys})
    assert found == []


def test_no_english_word_on_a_page_a_reviewer_reads(pages) -> None:
    # lower-case words: a credit code's letters, units (PB, PFLOPS) and the notices' own words (PDF, EMS) are upper case
    found = sorted(
        {
            (where, w)
            for where, text in pages
            if CLERKS_LIST not in where
            for w in _WORD.findall(text)
            if w.islower() or "_" in w
        }
    )
    assert found == []


def test_a_warning_on_the_self_check_is_said_without_its_gloss() -> None:
    from pipeline.errors import Problem

    w = Problem(
        "W-X",
        "营业收入 186.45亿元 大于 (a part exceeds the whole)",
        label="主要经济指标 › 营业收入",
        severity="warning",
    )
    assert w.printed == "主要经济指标 › 营业收入：营业收入 186.45亿元 大于"
