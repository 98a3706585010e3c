"""Golden text: every example packet read as a reviewer reads it, part by part, against tests/golden/.

Each packet's PDF is cut at its top-level bookmarks; each part's text (and each document the city
sends beside its packet) is compared with ``tests/golden/<case>/<nn>-<part>.txt``. A change in what
the province would read fails here with the lines that changed. After a deliberate change:
``make golden`` (pytest --refresh-golden) rewrites the files; review them in the diff before committing.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from pathlib import Path

import pytest
from conftest import bookmarks
from pypdf import PdfReader

GOLDEN = Path(__file__).resolve().parent / "golden"
CITY_DOCUMENTS = ("推荐文件.pdf", "汇总表.pdf", "报送清单.pdf")


def _today(text: str) -> str:
    """The build date appears where a packet says when it was made: one placeholder for it."""
    d = dt.date.today()
    for shown in (d.isoformat(), f"{d.year}年{d.month}月{d.day}日", f"{d.year}-{d.month}-{d.day}"):
        text = text.replace(shown, "〈生成日期〉")
    return text


def _clean(text: str) -> str:
    # pypdf puts spaces where Latin and CJK fonts switch: a line's spaces are dropped, as a reader ignores them
    lines = (_today(re.sub(r"\s+", "", line)) for line in text.splitlines())
    return "\n".join(line for line in lines if line) + "\n"


UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')  # characters a file name should not carry


def _name(n: int, title: str) -> str:
    return f"{n:02d}-{UNSAFE.sub('_', title)[:40]}.txt"


def _parts(pdf: Path) -> dict[str, str]:
    """{file name: text} for each top-level part of a bookmarked packet (the whole file where it has none)."""
    reader = PdfReader(str(pdf))
    top = [(title, page) for title, page, level in bookmarks(reader) if level == 1]
    if not top:
        return {_name(0, pdf.stem): _clean("\n".join(p.extract_text() for p in reader.pages))}
    ends = [page for _t, page in top[1:]] + [len(reader.pages)]
    return {
        _name(n, title): _clean("\n".join(reader.pages[i].extract_text() for i in range(start, end)))
        for n, ((title, start), end) in enumerate(zip(top, ends, strict=True), start=1)
    }


def _cases(example_cities: dict) -> dict[str, dict[str, str]]:
    """Every example packet the shipped cities send: each cluster's, and each city's with its documents."""
    cases: dict[str, dict[str, str]] = {}
    for code, result in sorted(example_cities.items()):
        outputs = result.folder.parents[1]
        for manifest in sorted(outputs.glob("*/manifest.json")):
            packet = manifest.parent / json.loads(manifest.read_text(encoding="utf-8"))["packet"]["file"]
            case = f"{outputs.name}-{packet.parent.name}"
            cases[case] = _parts(packet) | {"自查报告.txt": _clean(_text(packet.parent / "自查报告.pdf"))}
        city = {}
        for pdf in sorted(result.folder.glob("*.pdf")):
            city |= _parts(pdf) if pdf.name not in CITY_DOCUMENTS else {f"{pdf.stem}.txt": _clean(_text(pdf))}
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
