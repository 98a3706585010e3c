"""Start a year's data from the year before (``clusterpack init <cluster> --from-year 2025``).

Every value is carried; the year's own figures (the indicators, each firm's revenue, 第十一条's figures,
the dates, the 工作总结's text) are marked to be updated: in YAML by a comment on their line, in the
workbook by a yellow cell with a note. The data year moves on. A figure left unchanged is then said
on every build (``W-YEAR-NOT-UPDATED``). Proof files are copied (a certificate stays valid); sealed
scans are not (last year's signature does not sign this year's declaration)."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.core.raw import Path_, RawInput
from pipeline.errors import UsageError
from pipeline.kits import xlsxsafe

MARK = "待更新"

KEPT = ("year", "leading_industry_rank")  # the data year moves on by itself; a rank is a sentence, not a figure


@dataclass(frozen=True)
class Carried:
    """A new year's data started from the year before: where, and what is marked to update."""

    file: Path
    marked: tuple[str, ...]  # dotted paths
    attachments: int  # proof files copied


def to_update(data: dict[str, Any]) -> list[Path_]:
    """The paths of the year's own values: they must be updated for the new year."""
    paths: list[Path_] = []
    indicators = data.get("indicators")
    if isinstance(indicators, dict):
        paths += [("indicators", k) for k in indicators if k not in KEPT]
    firms = data.get("enterprises")
    if isinstance(firms, list):
        paths += [("enterprises", i, "revenue") for i, e in enumerate(firms) if isinstance(e, dict) and "revenue" in e]
    annual = data.get("annual")
    if isinstance(annual, dict):
        paths += [("annual", k) for k in annual]
    for key in ("declaration", "work_summary"):
        if isinstance(data.get(key), dict) and "date" in data[key]:
            paths.append((key, "date"))
    if isinstance(data.get("work_summary"), dict) and "sections" in data["work_summary"]:
        paths.append(("work_summary", "sections"))
    return paths


def _yaml(raw: RawInput, paths: list[Path_], source: int, target: int) -> str:
    lines = raw.file.read_text(encoding="utf-8").splitlines()
    note = f"  # ← {MARK}：仍是{source}年数据，请改为{target}年数据"
    for path in paths:
        where = raw.locations.get(path)
        if where is not None and where.line:
            lines[where.line - 1] += note
    year = raw.locations.get(("indicators", "year"))
    if year is not None and year.line:
        lines[year.line - 1] = re.sub(rf"(year:\s*){source}\b", rf"\g<1>{target}", lines[year.line - 1])
    head = [
        f"# {target}年数据，由{source}年数据生成（clusterpack init {raw.cluster_id} --from-year {source}）：",
        f"# 标“{MARK}”的数字和文字仍是{source}年的，请改为{target}年数据后删去该标记；其余各项已照录，请核对。",
    ]
    return "\n".join(head + lines) + "\n"


def _workbook(raw: RawInput, paths: list[Path_], source: int, target: int, out: Path) -> None:
    from openpyxl import load_workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    book = load_workbook(raw.file)
    fill = PatternFill("solid", fgColor="FFF2CC")
    for path in paths:
        where = raw.locations.get(path)
        if where is None or not where.sheet or not where.cell or where.sheet not in book.sheetnames:
            continue
        cell = book[where.sheet][where.cell]
        cell.fill = fill
        cell.comment = Comment(f"{MARK}：仍是{source}年数据，请改为{target}年数据", "clusterpack")
    year = raw.locations.get(("indicators", "year"))
    if year is not None and year.sheet and year.cell:
        xlsxsafe.set_value(book[year.sheet][year.cell], str(target))
    book.save(out)


def carry(raw: RawInput, source: int, target_folder: Path) -> Carried:
    """Write ``target_folder``'s data from ``raw`` (the year ``source``), marked; copy the proof files."""
    target = source + 1
    if any((target_folder / n).exists() for n in ("cluster.yaml", "cluster.xlsx")):
        raise UsageError(
            f"{target_folder} 已有输入文件，不覆盖 (an input file exists already)", code="E-USAGE-INPUT-EXISTS"
        )
    paths = to_update(raw.data)
    (target_folder / "attachments").mkdir(parents=True, exist_ok=True)
    out = target_folder / raw.file.name
    if raw.file.suffix == ".xlsx":
        _workbook(raw, paths, source, target, out)
    else:
        out.write_text(_yaml(raw, paths, source, target), encoding="utf-8")
    copied = 0
    for f in sorted((raw.file.parent / "attachments").glob("*")):
        if f.is_file() and not f.is_symlink() and not f.name.startswith("."):
            shutil.copyfile(f, target_folder / "attachments" / f.name)
            copied += 1
    return Carried(out, tuple(".".join(str(x) for x in p) for p in paths), copied)
