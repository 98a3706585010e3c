"""The city's tables: the 汇总表 as .xlsx and as a landscape .docx, and the clerk's review sheet."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from pipeline.core import repro, rules
from pipeline.core.case import Case
from pipeline.core.programme import SUMMARY_NO_WIDTH, Column, Programme
from pipeline.core.units import Figure
from pipeline.errors import TemplateProblem
from pipeline.forms import summarylayout
from pipeline.forms.summarylayout import SummaryLayout
from pipeline.kits import docxkit, xlsxsafe
from pipeline.stages import render
from pipeline.stages.verdict import Verdict

THIN = Side(style="thin", color="000000")


BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


FILLS = {
    rules.PASS: PatternFill("solid", fgColor="E2EFDA"),
    rules.FAIL: PatternFill("solid", fgColor="F8CBAD"),
    rules.RELAXED: PatternFill("solid", fgColor="FFF2CC"),
    rules.ADVISORY: PatternFill("solid", fgColor="FCE4D6"),
    rules.NO_EVIDENCE: PatternFill("solid", fgColor="F4B6C2"),
}


UNIT_NOTE = "金额单位为亿元，保留两位小数；按推荐顺序排列。"


@dataclass(frozen=True)
class CityTables:
    """What the city's 汇总表 shows: its title, issuer, date, columns, one context per cluster."""

    title: str
    issuer: str
    date: str
    columns: list[Column]
    contexts: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)  # per cluster: its verdict, where it is not simply 达到
    label: str = ""  # 附件N, as the letter's 附件说明 numbers it
    # the province's own 汇总表 (form adopt): the .xlsx is a copy of it, filled in its layout
    official: tuple[Programme, SummaryLayout] | None = None
    unit_note: str = UNIT_NOTE  # the 注's first line (the programme's ``city.summary_note``)

    def note_lines(self) -> list[str]:
        """注: the unit, then each cluster whose verdict needs words, by its 序号."""
        lines = [f"注：{self.unit_note}"]
        for i, note in enumerate(self.notes, start=1):
            if note:
                lines.append(f"{i}.{self.contexts[i - 1]['cluster']['name']}：{note}。")
        return lines


def _value(context: dict[str, Any], path: str) -> str:
    value: Any = context
    for step in path.split("."):
        value = value[step]
    return value if isinstance(value, str) else str(value)  # a Figure stays one


def _number(text: str) -> Decimal | None:
    """The number a cell shows, for Excel: a Figure's own value (never parsed back from display text)."""
    return text.value if isinstance(text, Figure) else None


def summary_rows(columns: list[Column], contexts: list[dict[str, Any]]) -> tuple[list[list[str]], list[str]]:
    """One row of strings per cluster (序号 first), and the totals row, added up from the figures' numbers."""
    rows = [[str(i)] + [_value(ctx, c.value) for c in columns] for i, ctx in enumerate(contexts, start=1)]
    totals = ["合计"]  # the first column's cell is merged into it
    for j, col in enumerate(columns, start=1):
        if not col.total:
            totals.append("")
            continue
        figures = [cell for cell in (r[j] for r in rows) if isinstance(cell, Figure)]
        if len(figures) != sum(r[j] != "—" for r in rows):
            raise TemplateProblem(
                f"汇总表“{col.title}”列要合计，但 {col.value} 不是数字 (a totalled column's value is not a figure)",
                code="E-TEMPLATE-SUMMARY-TOTAL",
            )
        total = sum((f.value for f in figures), start=Decimal(0))
        places = max((f.places for f in figures), default=0)
        totals.append(Figure(f"{total:.{places}f}", total))
    return rows, totals


def summary_xlsx(t: CityTables, out: Path) -> Path:
    title, issuer, date, columns = t.title, t.issuer, t.date, t.columns
    rows, totals = summary_rows(columns, t.contexts)
    if t.official is not None:  # the province's workbook, filled in its own layout
        programme, layout = t.official
        return summarylayout.fill(programme, layout, rows, totals, t.note_lines(), out)
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总表"
    width = len(columns) + 1
    ws.cell(1, 1, title).font = Font(name="方正小标宋简体", size=18)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 36
    ws.cell(2, 1, f"填报单位：{issuer}（盖章）").font = Font(name="宋体", size=11)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width // 2)
    ws.cell(2, width - 2, f"填报日期：{date}").font = Font(name="宋体", size=11)
    ws.merge_cells(start_row=2, start_column=width - 2, end_row=2, end_column=width)
    ws.cell(2, width - 2).alignment = Alignment(horizontal="right")
    headers = ["序号"] + [c.title for c in columns]
    for j, text in enumerate(headers, start=1):
        cell = ws.cell(3, j, text)
        cell.font = Font(name="黑体", size=10, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BOX
    ws.row_dimensions[3].height = 42
    numeric = [False] + [c.number for c in columns]
    for i, row in enumerate([*rows, totals], start=4):
        for j, text in enumerate(row, start=1):
            value: Any = text
            if numeric[j - 1] and text and (n := _number(text)) is not None:
                value = int(n) if n == n.to_integral_value() and "." not in text else float(n)
            cell = ws.cell(i, j, value)
            cell.font = Font(name="宋体", size=10, bold=(row is totals))
            cell.alignment = Alignment(
                horizontal="right" if numeric[j - 1] else ("center" if j == 1 else "left"),
                vertical="center",
                wrap_text=True,
            )
            cell.border = BOX
            if numeric[j - 1] and isinstance(value, float):
                places = len(text.split(".")[1]) if "." in text else 0
                cell.number_format = "0." + "0" * places if places else "0"
    for k, line in enumerate(t.note_lines()):
        ws.cell(5 + len(rows) + k, 1, line).font = Font(name="宋体", size=10)
    ws.column_dimensions["A"].width = 6
    for j, col in enumerate(columns, start=2):
        ws.column_dimensions[get_column_letter(j)].width = max(8, col.width * 0.6)
    ws.freeze_panes = "B4"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "3:3"
    _save(wb, out)
    return out


def summary_docx(tables: CityTables, out: Path) -> Path:
    title, issuer, date, columns = tables.title, tables.issuer, tables.date, tables.columns
    rows, totals = summary_rows(columns, tables.contexts)
    doc = docxkit.new_document(landscape=True, margins_mm=(25, 20, 20, 20), body_font=docxkit.SONG, body_pt=10.5)
    if tables.label:  # GB/T 9704 8: 附件 carries its number at the top left
        docxkit.para(doc, tables.label, docxkit.HEI, 16, line_pt=24)
    docxkit.para(doc, title, docxkit.XBS, 20, align=docxkit.CENTER, line_pt=32, after_pt=6)
    p = docxkit.para(doc, f"填报单位：{issuer}（盖章）", docxkit.SONG, 12, line_pt=22, after_pt=4)
    docxkit.right_tab(p, 257, dots=False)
    docxkit.run(p, f"\t填报日期：{date}", docxkit.SONG, 12)
    t = docxkit.table(doc, [SUMMARY_NO_WIDTH] + [c.width for c in columns])
    docxkit.add_row(t, ["序号"] + [c.title for c in columns], docxkit.HEI, 9, header=True)
    aligns = [docxkit.CENTER] + [docxkit.RIGHT if c.number else docxkit.LEFT for c in columns]
    for row in rows:
        docxkit.add_row(t, row, docxkit.SONG, 9, aligns=aligns)
    total_row = docxkit.add_row(t, totals, docxkit.HEI, 9, aligns=aligns)
    docxkit.merge(total_row, 0, 1)  # 合计 spans 序号 and the first column
    for k, line in enumerate(tables.note_lines()):
        docxkit.para(doc, line, docxkit.SONG, 10.5, line_pt=20, before_pt=6 if k == 0 else 0)
    render.save(doc, out, creator=issuer)
    return out


def review_xlsx(reports: list[Case], verdicts: list[Verdict], sentences: list[str], out: Path) -> Path:
    """Every cluster's check results side by side, for the clerk's 合规性审核, with the verdict the letter states."""
    wb = Workbook()
    ws = wb.active
    ws.title = "审核表"
    head = ["条件", "条款", "要求"]
    for r in reports:
        head += [f"{r.data.cluster.name}\n实际", "结果"]
    for j, text in enumerate(head, start=1):
        cell = ws.cell(1, j, text)
        cell.font = Font(name="黑体", bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BOX
    ws.row_dimensions[1].height = 48
    first = reports[0].results if reports else []
    for i, base in enumerate(first, start=2):
        for j, text in enumerate([base.title, base.clause, base.required], start=1):
            ws.cell(i, j, text).border = BOX
            ws.cell(i, j).alignment = Alignment(wrap_text=True, vertical="center")
        for k, report in enumerate(reports):
            result = report.results[i - 2]
            actual = ws.cell(i, 4 + 2 * k, result.actual)
            status = ws.cell(i, 5 + 2 * k, result.status)
            status.fill = FILLS[result.status]
            for cell in (actual, status):
                cell.border = BOX
                cell.alignment = Alignment(horizontal="center", vertical="center")
    end = len(first) + 2
    for k, label in enumerate(("审核结论", "推荐文件表述", "强制推荐理由（force）", "数据提示")):
        ws.cell(end + k, 1, label).font = Font(bold=True)
    for k, (report, verdict, sentence) in enumerate(zip(reports, verdicts, sentences, strict=True)):
        col = 4 + 2 * k
        ws.cell(end, col, verdict.short)
        ws.cell(end + 1, col, sentence)
        ws.cell(end + 2, col, verdict.reason or "否")
        ws.cell(end + 3, col, "\n".join(w.message for w in report.warnings) or "—")
        for row in (end, end + 1, end + 2, end + 3):
            ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=col + 1)
            ws.cell(row, col).alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 14
    ws.column_dimensions["C"].width = 14
    for k in range(len(reports)):
        ws.column_dimensions[get_column_letter(4 + 2 * k)].width = 22
        ws.column_dimensions[get_column_letter(5 + 2 * k)].width = 10
    ws.freeze_panes = "D2"
    _save(wb, out)
    return out


def _save(wb: Workbook, out: Path) -> None:
    xlsxsafe.as_data(wb)  # a cluster named =HYPERLINK(…) is text in the clerk's table, not a formula
    wb.properties.created = wb.properties.modified = repro.instant().replace(tzinfo=None)
    wb.save(out)
    repro.fixed_zip(out)
