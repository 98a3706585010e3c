"""Golden text: a packet's PDF cut at its top-level bookmarks, each part's text as a reviewer reads it.

Shared by tests/workflows/test_golden.py (which keeps tests/golden/) and the browser test that
downloads a packet (tests/web/test_web_operator.py)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from conftest import bookmarks
from pypdf import PdfReader

GOLDEN = Path(__file__).resolve().parent / "golden"


def _today(text: str) -> str:
    """The build date appears where a packet says when it was made: one placeholder for it."""
    d = dt.date.today()
    for shown in (d.isoformat(), f"{d.year}年{d.month}月{d.day}日", f"{d.year}-{d.month}-{d.day}"):
        text = text.replace(shown, "〈生成日期〉")
    return text


def clean(text: str) -> str:
    # pypdf puts spaces where Latin and CJK fonts switch: a line's spaces are dropped, as a reader ignores them
    lines = (_today(re.sub(r"\s+", "", line)) for line in text.splitlines())
    return "\n".join(line for line in lines if line) + "\n"


UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')  # characters a file name should not carry


def _name(n: int, title: str) -> str:
    return f"{n:02d}-{UNSAFE.sub('_', title)[:40]}.txt"


def parts(pdf: Path) -> dict[str, str]:
    """{file name: text} for each top-level part of a bookmarked packet (the whole file where it has none)."""
    reader = PdfReader(str(pdf))
    top = [(title, page) for title, page, level in bookmarks(reader) if level == 1]
    if not top:
        return {_name(0, pdf.stem): clean("\n".join(p.extract_text() for p in reader.pages))}
    ends = [page for _t, page in top[1:]] + [len(reader.pages)]
    return {
        _name(n, title): clean("\n".join(reader.pages[i].extract_text() for i in range(start, end)))
        for n, ((title, start), end) in enumerate(zip(top, ends, strict=True), start=1)
    }
