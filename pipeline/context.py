"""Model → the values templates see, already formatted (amounts with units, Chinese dates)."""

from __future__ import annotations

from typing import Any

from . import units
from .model import ClusterData
from .programme import Programme

PROVINCIAL = ("国家级", "省级")


def _rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"no": str(i), **item} for i, item in enumerate(items, start=1)]


def build_context(data: ClusterData, programme: Programme) -> dict[str, Any]:
    """Everything a template of ``programme`` may use, as strings."""
    c, a, ind = data.cluster, data.applicant, data.indicators
    ent_total = sum((e.revenue for e in data.enterprises), start=units.Decimal(0))
    notice = programme.notice
    return {
        "programme": {"id": programme.id, "title": programme.title},
        "packet": {
            "title_line1": programme.packet.title.removesuffix("申报材料"),
            "title_line2": "申 报 材 料",
            "notice": f"依据《{notice.title}》（{notice.number}）",
        },
        "filing_date": units.cn_date(data.declaration.date),
        "cluster": {
            "name": c.name,
            "city": c.city_name,
            "city_code": c.city,
            "county": c.county,
            "carrier": c.carrier,
            "leading_industry": c.leading_industry,
            "area": f"{units.number(c.area_km2, 2)}平方公里",
            "main_products": c.main_products,
        },
        "applicant": a.model_dump(),
        "ind": {
            "year": str(ind.year),
            "enterprises": str(ind.enterprises),
            "above_scale_enterprises": str(ind.above_scale_enterprises),
            "revenue": units.yi(ind.revenue),
            "leading_industry_revenue": units.yi(ind.leading_industry_revenue),
            "leading_share": units.percent(ind.leading_industry_revenue, ind.revenue),
            "profit": units.yi(ind.profit),
            "tax": units.yi(ind.tax),
            "export": units.yi(ind.export),
            "rd_expense": units.yi(ind.rd_expense),
            "rd_ratio": units.percent(ind.rd_expense, ind.revenue),
            "employees": str(ind.employees),
            "high_tech_enterprises": str(ind.high_tech_enterprises),
            "specialised_smes": str(ind.specialised_smes),
            "little_giants": str(ind.little_giants),
            "gazelles": str(ind.gazelles),
            "champions": str(ind.champions),
            "one_firm_one_tech": str(ind.one_firm_one_tech),
            "leading_industry_rank": ind.leading_industry_rank,
        },
        "row": {
            "area": units.number(c.area_km2, 2),
            "enterprises": str(ind.enterprises),
            "above_scale": str(ind.above_scale_enterprises),
            "revenue": units.yi(ind.revenue, unit=False),
            "leading_revenue": units.yi(ind.leading_industry_revenue, unit=False),
            "tax": units.yi(ind.tax, unit=False),
            "employees": str(ind.employees),
        },
        "enterprises": _rows(
            [
                {
                    "name": e.name,
                    "credit_code": e.credit_code,
                    "role": e.role,
                    "role_short": e.role.removesuffix("企业"),
                    "products": e.products,
                    "revenue": units.wan(e.revenue, unit=False),
                    "titles": "、".join(e.titles) or "—",
                }
                for e in data.enterprises
            ]
        ),
        "brands": _rows([{**b.model_dump(), "year": str(b.year)} for b in data.brands]),
        "media": _rows(
            [
                {"outlet": m.outlet, "level": m.level, "title": m.title, "date": units.cn_date(m.date)}
                for m in data.media
            ]
        ),
        "platforms": _rows([{**p.model_dump(), "year": str(p.year)} for p in data.platforms]),
        "summary": {
            "enterprise_revenue": units.wan(ent_total, unit=False),
            "enterprise_share": units.percent(ent_total, ind.revenue),
            "brands_provincial": str(sum(b.level in PROVINCIAL for b in data.brands)),
            "media_provincial": str(sum(m.level in PROVINCIAL for m in data.media)),
            "platforms": str(len(data.platforms)),
            "platforms_national": str(sum(p.level == "国家级" for p in data.platforms)),
            "platforms_province": str(sum(p.level == "省级" for p in data.platforms)),
            "platforms_provincial": str(sum(p.level in PROVINCIAL for p in data.platforms)),
        },
        "info": data.informatisation.model_dump(),
        "profile": {"sections": [s.model_dump() for s in data.profile.sections]},
        "plan": {
            "title": data.plan.title,
            "base_year": str(ind.year),
            "target_year": str(data.plan.target_year),
            "targets": _rows([t.model_dump() for t in data.plan.targets]),
            "sections": [s.model_dump() for s in data.plan.sections],
        },
        "declaration": {"date": units.cn_date(data.declaration.date)},
    }
