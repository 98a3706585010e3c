"""A recognised 特色产业集群's year (鲁工信发〔2020〕5号 第十一条至第十三条): model, context, checks.

The context is the application's (a 复核 goes 按照申报条件和程序, with the application's documents)
plus the year's report: each theme's figures with the change on last year, the charts over the
years, the 工作总结's text, the recognition, and the years of development beside the conditions.
Which figures, themes and charts is the programme's data (``report:``); figures come from the models."""

from __future__ import annotations

from typing import Any

from pipeline.core import rules, units, yearly
from pipeline.core.programme import Programme, Schema
from pipeline.core.raw import RawInput, problem_at
from pipeline.errors import Problem
from pipeline.schemas import tese_application
from pipeline.schemas._annual_model import AnnualData

CN_NUMERALS = "一二三四五六七八九十"

FLOWS = ("revenue", "leading_industry_revenue", "profit", "tax", "rd_expense")  # a year's own, never the same twice


def models(data: AnnualData, programme: Programme) -> dict[int, Any]:
    """The models of the years the programme reads, oldest first: history, the earlier folders, this year."""
    this = data.indicators.year
    spec = programme.years
    first = this - (spec.earlier if spec else 1)
    out: dict[int, Any] = {}
    if spec is None or spec.history:
        out.update({h.year: yearly.History(h) for h in data.history if first <= h.year < this})
    out.update({y: m for y, m in data.years.items() if first <= y < this})
    out[this] = data
    return dict(sorted(out.items()))


def changes(data: AnnualData, programme: Programme) -> dict[str, yearly.Change]:
    """Every figure of the report this year and last."""
    report = programme.report
    if report is None:
        return {}
    by_year = models(data, programme)
    last = by_year.get(data.indicators.year - 1)
    return {
        fid: yearly.Change(yearly.value(data, spec), yearly.value(last, spec)) for fid, spec in report.figures.items()
    }


def _themes(programme: Programme, found: dict[str, yearly.Change]) -> list[dict[str, Any]]:
    report = programme.report
    assert report is not None
    out = []
    for i, theme in enumerate(report.themes):
        rows = []
        for fid in theme.figures:
            spec = report.figures[fid]
            rows.append({"label": spec.label, "unit": spec.unit, **found[fid].cells(spec)})
        out.append({"no": CN_NUMERALS[i], "title": theme.title, "quote": theme.quote, "rows": units_rows(rows)})
    return out


def units_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"no": str(i), **r} for i, r in enumerate(rows, start=1)]


def charts(data: AnnualData, programme: Programme) -> dict[str, yearly.ChartData]:
    """The report's charts over the years it reads, one series per figure."""
    report = programme.report
    if report is None:
        return {}
    by_year = models(data, programme)
    labels = [f"{y}年" for y in by_year]
    out = {}
    for c in report.charts:
        rows = [(report.figures[f], list(yearly.series(by_year, report.figures[f]).values())) for f in c.figures]
        keep = [k for k in range(len(labels)) if any(values[k] is not None for _, values in rows)]  # years it has
        rows = [(spec, [values[k] for k in keep]) for spec, values in rows]
        out[c.id] = yearly.chart(c.id, c.title, c.kind, [labels[k] for k in keep], rows)
    return out


def _development(data: AnnualData, programme: Programme) -> dict[str, Any]:
    """The conditions (rules measuring one field) and the development figures, for each of the last years."""
    report = programme.report
    count = int(programme.data.get("recognition_years", 5))
    by_year = models(data, programme)
    years = list(range(data.indicators.year - count + 1, data.indicators.year + 1))
    wanted: list[tuple[str, str, yearly.FigureSpec, str]] = []
    for r in rules.evaluate(data, programme.ruleset, programme.data_schema.computed):
        rule = next(x for x in programme.rules if x.id == r.id)
        measured = rule.measure
        if measured is None or measured.computed or (measured.count or "").startswith("attachments"):
            continue  # alternatives, computed figures and proof files are not a year's figures
        places = 2 if rule.unit in ("平方公里", "亿元") else 0
        spec = yearly.FigureSpec(label=rule.title, unit=rule.unit, measure=measured, places=places)
        wanted.append((rule.title, r.required, spec, r.status))
    for fid in report.development if report else []:
        figure = report.figures[fid] if report else None
        assert figure is not None
        wanted.append((f"{figure.label}（{figure.unit}）", "—", figure, "—"))
    rows = [
        {
            "title": t,
            "required": req,
            "cells": [yearly.shown(yearly.value(by_year.get(y), s), s) for y in years],
            "result": res,
        }
        for t, req, s, res in wanted
    ]
    return {"years": [f"{y}年" for y in years], "rows": units_rows(rows)}


def build_context(data: AnnualData, programme: Programme) -> dict[str, Any]:
    """The application's context and the year's: recognition, themes with changes, charts, 工作总结, development."""
    context = tese_application.build_context(data, programme)
    rec, this = data.recognition, data.indicators.year
    years = int(programme.data.get("recognition_years", 5))
    found = changes(data, programme)
    report = programme.report
    context.update(
        {
            "year": {"this": str(this), "last": str(this - 1), "next": str(this + 1)},
            "recognition": {
                "year": str(rec.year),
                "number": rec.document_number,
                "list_title": rec.list_title,
                "date": units.cn_date(rec.date),
                "until": units.cn_date(rec.until(years)),
                "years": str(years),
            },
            "report": {"title": report.title if report else ""},
            "themes": _themes(programme, found) if report else [],
            "change": {fid: c.cells(report.figures[fid]) for fid, c in found.items()} if report else {},
            "charts": charts(data, programme),
            "work": {
                "date": units.cn_date(data.work_summary.date) if data.work_summary else "",
                "sections": [s.model_dump() for s in data.work_summary.sections] if data.work_summary else [],
            },
            "development": _development(data, programme),
        }
    )
    return context


def checks(raw: RawInput, model: AnnualData, programme: Programme) -> list[Problem]:
    """The application's checks, and the year's: folder and data year agree, last year's figures not carried unchanged."""
    problems = tese_application.checks(raw, model, programme)
    if raw.year is not None and model.indicators.year != raw.year:
        problems.append(
            _at(
                raw,
                ("indicators", "year"),
                "E-YEAR-FOLDER",
                f"数据年度 {model.indicators.year} 与所在目录 {raw.year}/ 不符 (the data year differs from its folder)",
            )
        )
    for y, earlier in model.years.items():
        if earlier.indicators.year != y:
            problems.append(
                _at(
                    raw,
                    ("years", y, "indicators", "year"),
                    "E-YEAR-FOLDER",
                    f"数据年度 {earlier.indicators.year} 与所在目录 {y}/ 不符 (the data year differs from its folder)",
                )
            )
    problems += _carried(raw, model)
    for key in programme.data.get("requires", []):
        if getattr(model, key, None) is None:
            title = AnnualData.model_fields[key].title or key
            problems.append(
                _at(raw, (key,), "E-FIELD-MISSING", f"缺少{title}（{key}），{programme.title}需要它 (required here)")
            )
    return problems


def _carried(raw: RawInput, model: AnnualData) -> list[Problem]:
    """Last year's figures still standing in this year's data (init --from-year carries them to be updated)."""
    last = model.years.get(model.indicators.year - 1)
    if last is None:
        return []
    same = [k for k in FLOWS if getattr(model.indicators, k) == getattr(last.indicators, k)]
    if not same:
        return []
    titles = "、".join(type(model.indicators).model_fields[k].title or k for k in same)
    return [
        _at(
            raw,
            ("indicators", same[0]),
            "W-YEAR-NOT-UPDATED",
            f"{titles}与{model.indicators.year - 1}年完全相同：是否仍是上一年的数据？请更新为{model.indicators.year}年数据 "
            "(figures equal to last year's: not updated?)",
            "warning",
        )
    ]


def _at(raw: RawInput, path: tuple[str | int, ...], code: str, message: str, severity: str = "error") -> Problem:
    return problem_at(raw, path, code, message, severity, model=AnnualData)


SCHEMA = Schema(
    name="tese_annual",
    model=AnnualData,
    context=build_context,
    checks=checks,
    computed=tese_application.SCHEMA.computed,
    facts=lambda m: {**tese_application.SCHEMA.facts(m), "year": m.indicators.year},
    headline=lambda m: f"{m.indicators.year}年数据；认定文号 {m.recognition.document_number}",
    workbook=None,  # a year kept as a workbook holds only the application part (README)
)
