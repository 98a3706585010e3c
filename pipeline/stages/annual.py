"""The city's yearly report beside its letter: the charts across its clusters (第十二条).

Each value is the model's number that the cluster's context carries (a ``Figure`` keeps it), never
a number read back from display text; a cluster without the figure has no bar."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from pipeline.core.programme import ChartSpec, Programme
from pipeline.core.units import Figure
from pipeline.core.yearly import ChartData
from pipeline.kits import charts, docxkit
from pipeline.stages import render


def _number(cell: Any) -> Decimal | None:
    return cell.value if isinstance(cell, Figure) else None


def _short(name: str) -> str:
    """A cluster's name as a chart's axis shows it: without 特色产业集群."""
    return name.removesuffix("特色产业集群") or name


def city_chart(programme: Programme, spec: ChartSpec, contexts: list[dict[str, Any]], year: str) -> ChartData:
    """One chart across the clusters: one figure this year and last, or several figures this year."""
    report = programme.report
    assert report is not None
    names = tuple(_short(c["cluster"]["name"]) for c in contexts)
    series: tuple[tuple[str, tuple[Decimal | None, ...]], ...]
    if len(spec.figures) == 1:
        cells = [c["change"][spec.figures[0]] for c in contexts]
        last = str(int(year) - 1) if year.isdigit() else "上年"
        series = (
            (f"{year}年", tuple(_number(x["now"]) for x in cells)),
            (f"{last}年", tuple(_number(x["before"]) for x in cells)),
        )
    else:
        series = tuple(
            (
                f"{report.figures[fid].label}（{report.figures[fid].unit}）",
                tuple(_number(c["change"][fid]["now"]) for c in contexts),
            )
            for fid in spec.figures
        )
    return ChartData(spec.id, spec.title, names, series, spec.kind)


def city_charts_docx(programme: Programme, contexts: list[dict[str, Any]], title: str, year: str, out: Path) -> Path:
    """The 附件 of charts: a title, then each chart with its caption, in the house style."""
    report = programme.report
    assert report is not None
    doc = docxkit.new_document(margins_mm=(37, 35, 28, 26))
    docxkit.para(doc, title, docxkit.XBS, 22, align=docxkit.CENTER, line_pt=36, after_pt=12)
    for n, spec in enumerate(report.city_charts, start=1):
        p = docxkit.para(doc, "", docxkit.SONG, 10.5, align=docxkit.CENTER, line_pt=None, keep_next=True)
        charts.add_chart(p, doc, city_chart(programme, spec, contexts, year))
        docxkit.para(doc, f"图{n}　{spec.title}", docxkit.HEI, 12, align=docxkit.CENTER, line_pt=22, after_pt=10)
    render.save(doc, out)
    return out
