"""Cells written as data, never as formulas: the one way the project puts a value into a spreadsheet.

A text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is what Excel, WPS and
LibreOffice take for a formula (the OWASP CSV-injection rule): a cluster named
``=HYPERLINK("http://…","…")`` would be a live link in the city's 汇总表. Such a text is written
as a string cell with Excel's quote prefix, so it shows and stays exactly as typed, and a clerk
editing the cell does not turn it into a formula either. Numbers stay numbers."""

from __future__ import annotations

from typing import Any

from openpyxl.cell.cell import Cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_risky(value: object) -> bool:
    """Whether ``value`` is a text a spreadsheet would read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def set_value(cell: Cell, value: Any) -> Cell:
    """Put ``value`` into ``cell`` as data: a formula-like text as a quoted string."""
    cell.value = value
    if is_risky(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def put(ws: Any, row: int, column: int, value: Any) -> Cell:
    """``ws.cell(row, column, value)``, with the value written as data (:func:`set_value`)."""
    return set_value(ws.cell(row, column), value)


def as_data(wb: Any) -> None:
    """Every cell of ``wb`` as data: run on each workbook just before it is saved.

    The project writes no formulas (totals are computed in Python), so a formula cell can only be
    a text that openpyxl took for one; it and every formula-like text become quoted strings.
    """
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" or is_risky(cell.value):
                    set_value(cell, cell.value)
