"""Golden text: every example packet read as a reviewer reads it, part by part, against tests/golden/.

Each packet's PDF is cut at its top-level bookmarks; each part's text (and each document the city
sends beside its packet) is compared with ``tests/golden/<case>/<nn>-<part>.txt``. A change in what
the province would read fails here with the lines that changed. After a deliberate change:
``make golden`` (pytest --refresh-golden) rewrites the files; review them in the diff before committing.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest
from conftest import bookmarks
from goldtext import GOLDEN, clean, parts
from pypdf import PdfReader

CITY_DOCUMENTS = ("推荐文件.pdf", "汇总表.pdf", "报送清单.pdf")


def _cases(example_cities: dict) -> dict[str, dict[str, str]]:
    """Every example packet the shipped cities send: each cluster's, and each city's with its documents."""
    cases: dict[str, dict[str, str]] = {}
    for code, result in sorted(example_cities.items()):
        outputs = result.folder.parents[1]
        for manifest in sorted(outputs.glob("*/manifest.json")):
            packet = manifest.parent / json.loads(manifest.read_text(encoding="utf-8"))["packet"]["file"]
            case = f"{outputs.name}-{packet.parent.name}"
            cases[case] = parts(packet) | {"自查报告.txt": clean(_text(packet.parent / "自查报告.pdf"))}
        city = {}
        for pdf in sorted(result.folder.glob("*.pdf")):
            city |= parts(pdf) if pdf.name not in CITY_DOCUMENTS else {f"{pdf.stem}.txt": clean(_text(pdf))}
        cases[f"{outputs.name}-city-{code}"] = city
    return cases


def _text(pdf: Path) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(str(pdf)).pages)


def test_every_example_packet_reads_as_its_golden_text(example_cities, request: pytest.FixtureRequest) -> None:
    cases = _cases(example_cities)
    assert len(cases) >= 8  # four cities' packets and the clusters they recommend
    if request.config.getoption("--refresh-golden"):
        for case, parts in cases.items():
            folder = GOLDEN / case
            folder.mkdir(parents=True, exist_ok=True)
            for old in folder.glob("*.txt"):
                old.unlink()
            for name, text in parts.items():
                (folder / name).write_text(text, encoding="utf-8")
        return
    changed: list[str] = []
    for case, parts in cases.items():
        folder = GOLDEN / case
        kept = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.txt")} if folder.exists() else {}
        for name in sorted(set(kept) | set(parts)):
            old, new = kept.get(name, ""), parts.get(name, "")
            if old != new:
                diff = difflib.unified_diff(old.splitlines(), new.splitlines(), f"golden/{case}/{name}", "built", n=1)
                changed.append("\n".join(list(diff)[:30]))
    assert not changed, "\n\n".join(changed) + "\n\n(a deliberate change? make golden, then review the diff)"


def test_every_bookmark_of_every_example_pdf_leads_to_a_page(example_cities) -> None:
    outputs = {result.folder.parents[2] for result in example_cities.values()}
    pdfs = [pdf for folder in outputs for pdf in folder.rglob("*.pdf")]
    lost = [(pdf.name, title) for pdf in pdfs for title, page, _l in bookmarks(PdfReader(str(pdf))) if page is None]
    assert len(pdfs) > 20 and lost == []
