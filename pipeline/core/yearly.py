"""A cluster's figures year by year, and the change on the year before: read from the models, never from text.

A figure (``programme.yaml`` › ``report.figures``) is measured with the rule engine's measures on each
year's model. A year that does not hold what a figure measures (an older year kept only as a few
typed figures, ``history:``) has no value for it: shown as ``—``, never as 0."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pipeline.core import rules, units
from pipeline.core.programme import Figure as FigureSpec
from pipeline.core.rules import Measure
from pipeline.core.units import MONEY_UNITS, Figure


def _present(model: Any, spec: Measure) -> bool:
    """Whether ``model`` holds what ``spec`` measures (a field with a value, a list)."""
    if spec.field:
        return rules.resolve(model, spec.field) is not None
    if spec.sum:
        return all(rules.resolve(model, p) is not None for p in spec.sum)
    if spec.ratio:
        return _present(model, spec.ratio.of) and _present(model, spec.ratio.to)
    if spec.computed:
        return True
    return rules.resolve(model, spec.count or spec.total or "") is not None


def value(model: Any, spec: FigureSpec) -> Decimal | None:
    """The figure measured on one year's model, in its own unit (money from 万元); None where the year lacks it."""
    if model is None or not _present(model, spec.measure):
        return None
    measured = rules.measure(model, spec.measure, None, spec.unit).value
    if spec.unit in MONEY_UNITS and not spec.measure.ratio:
        measured = measured / MONEY_UNITS[spec.unit]
    return measured


def shown(number: Decimal | None, spec: FigureSpec) -> str:
    """A value as a table cell: a Figure with the figure's decimals (2 for 亿元), ``—`` when missing."""
    if number is None:
        return "—"
    places = 2 if spec.unit in MONEY_UNITS else spec.places
    return Figure(units.number(number, places), number)


@dataclass(frozen=True)
class Change:
    """A figure this year and last, and the change: absolute and in % of last year's."""

    now: Decimal | None
    before: Decimal | None

    @property
    def delta(self) -> Decimal | None:
        return None if self.now is None or self.before is None else self.now - self.before

    @property
    def pct(self) -> Decimal | None:
        if self.delta is None or not self.before:
            return None
        return self.delta / self.before * 100

    def cells(self, spec: FigureSpec) -> dict[str, str]:
        """``now``, ``before``, ``delta`` (signed) and ``pct`` (signed, 1 decimal; in points for a %)."""
        places = 2 if spec.unit in MONEY_UNITS else spec.places
        delta, pct = self.delta, self.pct
        percent_unit = spec.unit in ("%", "％")
        return {
            "now": shown(self.now, spec),
            "before": shown(self.before, spec),
            "delta": "—" if delta is None else _signed(delta, places) + ("个百分点" if percent_unit else ""),
            "pct": "—" if pct is None or percent_unit else _signed(pct, 1) + "%",
            "said": self.said(spec),
        }

    def said(self, spec: FigureSpec) -> str:
        """The change in words, as a report says it: 增加22.19亿元、增长10.9%; 提高3个百分点; 持平."""
        delta, pct = self.delta, self.pct
        if delta is None:
            return "上年无可比数据"
        places = 2 if spec.unit in MONEY_UNITS else spec.places
        amount = units.number(abs(delta), places)
        if Decimal(amount) == 0:
            return "持平"
        if spec.unit in ("%", "％"):
            return ("提高" if delta > 0 else "下降") + f"{amount}个百分点"
        text = ("增加" if delta > 0 else "减少") + f"{amount}{spec.unit}"
        if pct is not None:
            text += ("、增长" if delta > 0 else "、下降") + f"{units.number(abs(pct), 1)}%"
        return text


def _signed(number: Decimal, places: int) -> str:
    text = units.number(abs(number), places)
    if Decimal(text) == 0:
        return text
    return ("+" if number > 0 else "−") + text


@dataclass(frozen=True)
class History:
    """An earlier year kept only as typed figures: its ``indicators`` are the row, it holds no lists."""

    indicators: Any


def series(models: dict[int, Any], spec: FigureSpec) -> dict[int, Decimal | None]:
    """The figure for each year, oldest first."""
    return {y: value(models[y], spec) for y in sorted(models)}


CHART_MARK = "［图表：{}］"  # what a chart's paragraph holds until the render stage draws it there


@dataclass(frozen=True)
class ChartData:
    """A chart as data: categories (years, or clusters) and one series per figure, numbers from the models."""

    id: str
    title: str
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[Decimal | None, ...]], ...]  # (label with unit, a value per category)
    kind: str = "bar"
    unit: str = ""

    def __str__(self) -> str:
        return CHART_MARK.format(self.id)

    def texts(self) -> list[str]:
        """Every text the chart draws (for the glyph check)."""
        return [self.title, self.unit, *self.categories, *(label for label, _ in self.series)]


def chart(spec_id: str, title: str, kind: str, categories: list[str], rows: list[tuple[FigureSpec, list]]) -> ChartData:
    """A chart of figures (each with its values per category)."""
    units_used = sorted({f.unit for f, _ in rows})
    return ChartData(
        spec_id,
        title,
        tuple(categories),
        tuple((f"{f.label}（{f.unit}）", tuple(values)) for f, values in rows),
        kind,
        "、".join(units_used),
    )
