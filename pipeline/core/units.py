"""Amounts with explicit units: parsed into one canonical unit (万元), formatted for documents."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from pydantic_core import PydanticCustomError

# Factor from each accepted unit to the canonical 万元.
MONEY_UNITS: dict[str, Decimal] = {"亿元": Decimal(10000), "万元": Decimal(1), "元": Decimal("0.0001")}


_MONEY = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*(亿元|万元|元)$")


def _normalise(text: str) -> str:
    # NFKC turns full-width digits and punctuation (１２３．４５) into ASCII.
    return unicodedata.normalize("NFKC", text).replace(",", "").replace(" ", "").strip()


def how_to_write(unit: str | None) -> str:
    """What an amount shown in ``unit`` may be written as: the one sentence hints, alerts and errors share."""
    example = "186.45亿元" if unit == "亿元" else "412600万元"
    shown = f"本项以{unit}列示；" if unit else ""
    return f"{shown}金额写数字加单位，如 {example}，单位可写亿元、万元或元，按单位换算；可带千分位，如 1,234.5万元"


def parse_money(value: Any, default_unit: str | None = None, field_unit: str | None = None) -> Decimal:
    """Parse ``546.63亿元``, ``1,234.5万元`` or ``{value:, unit:}`` into Decimal 万元.

    A bare number is refused unless the caller knows the unit (a workbook column header does):
    a figure typed in 万元 must never be read as 亿元. ``field_unit`` (the unit the field is shown
    in) is only for the message that says how to write it.
    """
    if isinstance(value, dict):
        unit = str(value.get("unit", ""))
        number = value.get("value")
        if unit not in MONEY_UNITS or number is None:
            raise PydanticCustomError(
                "E-MONEY-FORMAT",
                "金额应同时给出 value（数值）和 unit（亿元/万元/元） (amount mapping needs value and unit)",
            )
        return _to_decimal(number) * MONEY_UNITS[unit]
    if isinstance(value, bool):
        raise PydanticCustomError("E-MONEY-FORMAT", "金额不能是是/否 (amount cannot be a yes/no value)")
    if isinstance(value, (int, float, Decimal)):
        if default_unit is None:
            raise PydanticCustomError(
                "E-MONEY-UNIT-MISSING",
                "只填了数字，不知道单位是亿元还是万元，请写明单位：{how} (amount needs an explicit unit: 亿元, 万元 or 元)",
                {"how": how_to_write(field_unit)},
            )
        return _to_decimal(value) * MONEY_UNITS[default_unit]
    if isinstance(value, str):
        text = _normalise(value)
        m = _MONEY.match(text)
        if m:
            return _checked(Decimal(m.group(1))) * MONEY_UNITS[m.group(2)]
        if default_unit is not None:
            try:
                number = Decimal(text)
            except InvalidOperation:
                pass
            else:
                return _checked(number) * MONEY_UNITS[default_unit]
        raise PydanticCustomError(
            "E-MONEY-FORMAT",
            "无法识别的金额 {text}：{how} (cannot read amount; write a number and 亿元/万元/元)",
            {"text": value, "how": how_to_write(field_unit or default_unit)},
        )
    raise PydanticCustomError("E-MONEY-FORMAT", "金额格式不对 (amount has the wrong type)")


def written_unit(value: Any) -> str | None:
    """The unit an amount was written with (``41500万元`` → 万元, ``{value:, unit:}`` → its unit), else None."""
    if isinstance(value, dict):
        unit = value.get("unit")
        return unit if isinstance(unit, str) and unit in MONEY_UNITS else None
    if isinstance(value, str):
        m = _MONEY.match(_normalise(value))
        return m.group(2) if m else None
    return None


def _to_decimal(number: Any) -> Decimal:
    if isinstance(number, bool) or not isinstance(number, (int, float, str, Decimal)):
        raise PydanticCustomError("E-MONEY-FORMAT", "金额数值无法识别 (amount is not a number)")
    try:
        value = Decimal(_normalise(number) if isinstance(number, str) else str(number))
    except InvalidOperation:
        raise PydanticCustomError("E-MONEY-FORMAT", "金额数值无法识别 (amount is not a number)") from None
    return _checked(value)


# An exponent beyond this is no amount of money (10²⁰ 元); refused before arithmetic can overflow.
_MAX_EXPONENT = 20


def _checked(value: Decimal) -> Decimal:
    """``value`` when it is a finite number of sane size; NaN, sNaN and infinities are refused."""
    if not value.is_finite():
        raise PydanticCustomError(
            "E-MONEY-NOT-FINITE",
            "金额 {text} 不是一个数 (NaN、无穷大不能作金额)；请填实际数值 (amount is not a finite number)",
            {"text": str(value)},
        )
    if value.adjusted() > _MAX_EXPONENT:
        raise PydanticCustomError(
            "E-AMOUNT-IMPLAUSIBLE",
            "金额 {text} 大得不像一个集群或企业的数字，请核对 (implausibly large amount)",
            {"text": f"{value:e}"},
        )
    return value


def _fixed(value: Decimal, places: int) -> str:
    q = Decimal(1).scaleb(-places)
    return f"{value.quantize(q, rounding=ROUND_HALF_UP):f}"


class Figure(str):
    """A figure as a document shows it, that still knows its number (the 汇总表 adds them up from it)."""

    value: Decimal

    def __new__(cls, text: str, value: Decimal | int) -> Figure:
        figure = super().__new__(cls, text)
        figure.value = Decimal(value)
        return figure

    @property
    def places(self) -> int:
        """The decimals the text shows (2 for ``186.45``)."""
        return len(self.split(".")[1]) if "." in self else 0


def count(n: int | None) -> str:
    """A count for a table cell, as a Figure; ``—`` when missing."""
    return "—" if n is None else Figure(str(n), n)


def yi(wan: Decimal | None, unit: bool = True) -> str:
    """万元 → ``186.45亿元`` (two decimals, no separators); ``—`` for a missing value.

    Without its unit the figure is a :class:`Figure` (a table cell that a total adds up).
    """
    if wan is None:
        return "—"
    text = _fixed(wan / Decimal(10000), 2)
    return f"{text}亿元" if unit else Figure(text, Decimal(text))


def wan(value: Decimal | None, unit: bool = True) -> str:
    """万元 → ``412600万元`` (whole 万元 unless there is a fraction, then two decimals)."""
    if value is None:
        return "—"
    text = _fixed(value, 0) if value == value.to_integral_value() else _fixed(value, 2)
    return f"{text}万元" if unit else text


def number(value: Decimal | int | None, places: int = 0) -> str:
    """A plain figure for a table cell; ``—`` when missing."""
    if value is None:
        return "—"
    if isinstance(value, int):
        return Figure(str(value), value)
    text = _fixed(Decimal(value), places)
    return Figure(text, Decimal(text))


def percent(part: Decimal | None, whole: Decimal | None, places: int = 1) -> str:
    """``part / whole`` as ``79.8%``; ``—`` when it cannot be computed."""
    if part is None or not whole:
        return "—"
    return f"{_fixed(part * 100 / whole, places)}%"


def cn_date(d: date) -> str:
    """A date as official documents write it: ``2024年6月14日``."""
    return f"{d.year}年{d.month}月{d.day}日"


_CN_DIGITS = "零一二三四五六七八九"


def cn_count(n: int) -> str:
    """A small count in Chinese numerals, as notices write them (一式两份): 1–99."""
    if n == 2:
        return "两"
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")
