"""The 填表说明 sheet of a workbook: what each sheet holds, and how each kind of value is written.

Its sentences are the cells' own (``sheets.how``): the guide, the input messages and the alerts
say one thing, and it is what the reader accepts."""

from __future__ import annotations

from typing import Any

from openpyxl.styles import Alignment, Font

from pipeline.core.layout import Grid, Layout, Paragraphs, Record, Sections, Sheet, Table
from pipeline.core.programme import Programme
from pipeline.forms.sheets import Spec, how
from pipeline.kits.xlsxsafe import put

_KIND = {
    Record: "每行一项，在 C 列填写；D 列是字段名，工具按它读取，请勿修改",
    Grid: "每行一个指标，在各年度列中填写；最后一列是字段名，请勿修改",
    Table: "每行一条；表头写明单位，带 * 的列必填；空行不读",
    Sections: "每行一段；每章的第一段在 A 列写章节标题",
    Paragraphs: "每行一段；每部分的第一段在 A 列从下拉列表选择部分名称，其后各段 A 列留空",
}

# What a kind of value is called in the guide, where its sentence is the kind's (not the field's own).
_KIND_LABEL = {
    "int": "户数、家数、人数等整数",
    "decimal": "数字",
    "bool": "是/否",
    "list": "多项",
    "lines": "多段文字",
    "names": "申报项目",
}


def _sheet_line(sheet: Sheet) -> str:
    note = f"。{sheet.note}" if sheet.note else ""
    return f"{sheet.title}：{_KIND[type(sheet)]}{note}。"


def _label(spec: Spec) -> str:
    if spec.kind == "money":
        return f"金额（{spec.unit}）"
    if spec.kind == "date":
        return "日期"
    if spec.note or spec.lookup:
        return spec.title
    if spec.kind == "choice":
        return "下拉列表的格子"
    return _KIND_LABEL.get(spec.kind, "")


def format_lines(specs: list[Spec]) -> list[str]:
    """Each distinct way of writing a value, once: ``金额（亿元）：单位：亿元。只填数字…``."""
    seen: dict[str, str] = {}
    for spec in specs:
        label, text = _label(spec), how(spec)
        if label and text and text not in seen.values() and label not in seen:
            seen[label] = text
    return [f"{label}：{text}。" for label, text in seen.items()]


def fill(ws: Any, programme: Programme, layout: Layout, specs: list[Spec]) -> None:
    """Write the guide of ``programme``'s workbook into ``ws``."""
    notice = programme.notice
    lines: list[tuple[str, str]] = [
        (f"{programme.title} 申报数据填报表", "title"),
        (
            f"依据：《{notice.title}》（{notice.number}）。填好后运行 make validate CLUSTER=<集群编号> 检查，"
            "make bundle CLUSTER=<集群编号> 生成申报材料。",
            "",
        ),  # fmt: skip
        ("", ""),
        ("各工作表", "head"),
        *((_sheet_line(s), "") for s in layout.sheets),
        ("", ""),
        ("怎样填写", "head"),
        ("带 * 的是必填项；下拉列表之外的值 Excel 只提示，由工具判断并指出单元格。", ""),
        *((line, "") for line in format_lines(specs)),
        *((line, "") for line in layout.notes),
        ("", ""),
        ("出错时，工具会指出工作表和单元格（如 基本信息!C7）、字段及怎样改。", ""),
    ]
    for i, (text, kind) in enumerate(lines, start=1):
        cell = put(ws, i, 1, text)
        cell.font = Font(name="黑体" if kind else "宋体", bold=bool(kind), size=14 if kind == "title" else 11)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 110
