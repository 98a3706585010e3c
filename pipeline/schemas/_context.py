"""What every programme's template context shares: the programme, the packet's cover lines, numbered rows.

Each schema (``pipeline/schemas/``) builds its own context on top of :func:`base`; the common
templates (cover, 目录, 自查报告) and the city's workflow read only the keys made here plus
``cluster.name``, ``cluster.city`` and ``applicant.name``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pipeline.core import units
from pipeline.core.fields import ClusterInfo
from pipeline.core.programme import Programme

PROVINCIAL = ("国家级", "省级")


def rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``items`` numbered from 1 as ``no`` (a table's 序号 column)."""
    return [{"no": str(i), **item} for i, item in enumerate(items, start=1)]


def cluster_info(c: ClusterInfo) -> dict[str, str]:
    """The shared ``cluster:`` block, formatted (the city by name, the area with its unit)."""
    return {
        "name": c.name,
        "city": c.city_name,
        "city_code": c.city,
        "county": c.county,
        "carrier": c.carrier,
        "leading_industry": c.leading_industry,
        "area": f"{units.number(c.area_km2, 2)}平方公里",
        "main_products": c.main_products,
    }


def base(programme: Programme, filing_date: dt.date) -> dict[str, Any]:
    """The keys every programme's context has."""
    notice = programme.notice
    title = programme.packet.title
    line1, line2 = title, ""
    for suffix in ("申报材料", "申报书", "材料"):
        if title.endswith(suffix) and len(title) > len(suffix):
            line1, line2 = title.removesuffix(suffix), " ".join(suffix)
            break
    return {
        "programme": {"id": programme.id, "title": programme.title},
        "packet": {
            "title_line1": line1,
            "title_line2": line2,
            "notice": f"依据《{notice.title}》（{notice.number}）",
            "notice_short": f"《{notice.title}》（{notice.number}）",
        },
        "filing_date": units.cn_date(filing_date),
    }
