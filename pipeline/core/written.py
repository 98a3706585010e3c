"""Values as a person writes them: a number that is text (a postcode), 是/否 for yes and no.

The YAML reader keeps the text of every bare number (``WrittenInt``, ``WrittenFloat``) so that a
field that wants text takes what was typed (``0531`` stays ``0531``, not the octal 345, and
``3.50`` stays ``3.50``); a field that wants a number takes the number. Nothing here imports
the rest of the pipeline."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

from pydantic_core import PydanticCustomError


class WrittenInt(int):
    """An integer as YAML read it, with the text it was written as."""

    written: str

    def __new__(cls, value: int, written: str) -> WrittenInt:
        number = super().__new__(cls, value)
        number.written = written
        return number


class WrittenFloat(float):
    """A decimal number as YAML read it, with the text it was written as."""

    written: str

    def __new__(cls, value: float, written: str) -> WrittenFloat:
        number = super().__new__(cls, value)
        number.written = written
        return number


def as_text(value: object) -> object:
    """A number where text is expected, as the text it was written as; anything else unchanged."""
    if isinstance(value, bool):
        return value  # refused by the text field, with what to write
    written = getattr(value, "written", None)
    if isinstance(written, str):
        return written
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (float, Decimal)):
        return format(Decimal(str(value)).normalize(), "f") if Decimal(str(value)).is_finite() else str(value)
    return value


YES = ("是", "true", "yes", "y", "1", "对", "√")
NO = ("否", "false", "no", "n", "0", "不是", "×")
BOOL_HOW = "请填 是 或 否（也可写 true/false）"


def yes_no(value: object) -> object:
    """是/否, true/false (any case), yes/no as a bool; refused with what to write otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().lower()
        if text in YES:
            return True
        if text in NO:
            return False
    raise PydanticCustomError(
        "E-BOOL",
        "应为是/否：{how} (must be yes or no: 是/否 or true/false)",
        {"how": BOOL_HOW},
    )


# The unit words a count is typed with (268户, 12家, 3台套): dropped, the number kept.
COUNT_WORDS = ("台套", "户", "家", "人", "个", "项", "名", "件", "台", "套")
COUNT_HOW = "填整数，如 268；可带单位字（268户、12家）、全角数字或千分位（1,234）"


def whole_number(value: object) -> object:
    """``２６８户``, ``1,234`` → ``268``, ``1234``: a count as typed, for the integer field to judge."""
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFKC", value).replace(",", "").replace(" ", "").strip()
    for word in COUNT_WORDS:
        if text.endswith(word) and text[: -len(word)]:
            return text[: -len(word)]
    return text
