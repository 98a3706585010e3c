"""A programme's workbook layout, as data: which sheets, holding which parts of the model.

Each schema declares one (``Schema.workbook``); one engine (``pipeline/forms/workbook.py`` and
``workbook_read.py``) writes and reads every layout, so a programme needs no workbook code of its own.
Paths are the model's dotted keys (``applicant``, ``innovation.platforms``). What a sheet holds:

- ``Record``: label/value rows, one per scalar field of each group named (a sub-model, or one field);
  column D holds the field key the reader goes by.
- ``Grid``: the fields of one model as rows, several instances of it as columns (本年度, 上年度).
- ``Table``: one item of a list a row, the item's fields (and those of a model inside it) as columns.
- ``Sections``: a long text in sections: a heading in column A starts a section, one paragraph a row in B.
- ``Paragraphs``: several lists of paragraphs on one sheet: column A names the part, one paragraph a row.

A field that a ``Table``, ``Sections`` or ``Paragraphs`` sheet holds is left out of the ``Record``
rows of its group; every field of the model is placed exactly once (tests/forms/test_workbook_engine.py).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Record:
    """Label/value rows for the scalar fields of each group (a sub-model's dotted path, or a field's)."""

    title: str
    groups: tuple[str, ...]
    note: str = ""  # what the 填表说明 says of the sheet, beside what every sheet of its kind says


@dataclass(frozen=True)
class Grid:
    """The fields of one model as rows; each column one instance of it: (header, dotted path)."""

    title: str
    columns: tuple[tuple[str, str], ...]
    note: str = ""


@dataclass(frozen=True)
class Table:
    """One item of the list at ``path`` a row; ``lines``: list-of-text fields held one paragraph a line in a cell."""

    title: str
    path: str
    lines: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Sections:
    """The list of sections at ``path`` (each a heading and its paragraphs), one paragraph a row."""

    title: str
    path: str
    heading: str = "heading"  # the item's field that column A fills
    body: str = "paragraphs"  # the item's list of paragraphs that column B fills
    note: str = ""


@dataclass(frozen=True)
class Paragraphs:
    """The lists of paragraphs at ``paths`` on one sheet: column A names the part (by its title)."""

    title: str
    paths: tuple[str, ...]
    note: str = ""


Sheet = Record | Grid | Table | Sections | Paragraphs


@dataclass(frozen=True)
class Layout:
    """The sheets of one schema's workbook, after its 填表说明 sheet, in order."""

    sheets: tuple[Sheet, ...]
    notes: tuple[str, ...] = ()  # lines of the 填表说明 that are this programme's own (a length limit)

    @property
    def titles(self) -> tuple[str, ...]:
        return tuple(s.title for s in self.sheets)
