"""The 特色产业集群 application's data (鲁工信发〔2020〕5号): model, context, checks, computed figures.

The model itself is ``pipeline.model.ClusterData`` (its field types are shared by every schema).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pipeline.core import units
from pipeline.core.fields import ClusterData, Indicators
from pipeline.core.layout import Layout, Record, Sections, Table
from pipeline.core.programme import Programme, Schema
from pipeline.core.raw import RawInput, problem_at
from pipeline.core.units import yi
from pipeline.errors import Problem
from pipeline.schemas._context import ATTACHMENTS_NOTE, PROVINCIAL, base, cluster_info
from pipeline.schemas._context import rows as _rows

PROFILE_LIMIT = 3000  # 第六条（二）: 发展情况简介（3000字以内）


def build_context(data: ClusterData, programme: Programme) -> dict[str, Any]:
    """Everything a template of ``programme`` may use, as strings."""
    c, ind = data.cluster, data.indicators
    # one entry per part of the packet, in the order of the notice's 附件; the 汇总表's row after the figures
    return {
        **base(programme, data.declaration.date),
        "cluster": cluster_info(c),
        "applicant": data.applicant.model_dump(),
        "ind": _indicators(ind),
        "row": {
            "area": units.number(c.area_km2, 2),
            "enterprises": units.count(ind.enterprises),
            "above_scale": units.count(ind.above_scale_enterprises),
            "revenue": units.yi(ind.revenue, unit=False),
            "leading_revenue": units.yi(ind.leading_industry_revenue, unit=False),
            "tax": units.yi(ind.tax, unit=False),
            "employees": units.count(ind.employees),
        },
        **_lists(data),
        "summary": _summary(data),
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


def _indicators(ind: Indicators) -> dict[str, Any]:
    """主要经济指标, as the application form shows them."""
    return {
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
    }


def _lists(data: ClusterData) -> dict[str, Any]:
    """The numbered tables: enterprises, brands, media, platforms."""
    return {
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
    }


def _summary(data: ClusterData) -> dict[str, Any]:
    """The tables' totals and counts."""
    ent_total = sum((e.revenue for e in data.enterprises), start=units.Decimal(0))
    return {
        "enterprise_revenue": units.wan(ent_total, unit=False),
        "enterprise_share": units.percent(ent_total, data.indicators.revenue),
        "brands_provincial": str(sum(b.level in PROVINCIAL for b in data.brands)),
        "media_provincial": str(sum(m.level in PROVINCIAL for m in data.media)),
        "platforms": str(len(data.platforms)),
        "platforms_national": str(sum(p.level == "国家级" for p in data.platforms)),
        "platforms_province": str(sum(p.level == "省级" for p in data.platforms)),
        "platforms_provincial": str(sum(p.level in PROVINCIAL for p in data.platforms)),
    }


def _at(raw: RawInput, path: tuple[str | int, ...], code: str, message: str, severity: str = "error") -> Problem:
    return problem_at(raw, path, code, message, severity, model=ClusterData)


def checks(raw: RawInput, model: ClusterData, programme: Programme) -> list[Problem]:
    """What the model alone cannot say: contradicting figures, units, 文号 corrected, the profile's length."""
    problems = _consistency(raw, model)
    count = model.profile.count
    where = raw.where(("profile",))
    if count.words > PROFILE_LIMIT:
        problems.append(
            Problem(
                "E-PROFILE-TOO-LONG",
                f"发展情况简介按 Word 计 {count.words} 字，超过 {PROFILE_LIMIT} 字的上限 {count.words - PROFILE_LIMIT} 字"
                f"（字符数不计空格 {count.chars_no_spaces}） (profile is over the 3000-字 limit of 第六条（二）)",
                field="profile",
                label="发展情况简介",
                location=where,
            )
        )
    elif count.words > PROFILE_LIMIT * 0.95 or count.chars_no_spaces > PROFILE_LIMIT:
        problems.append(
            Problem(
                "W-PROFILE-NEAR-LIMIT",
                f"发展情况简介按 Word 计 {count.words} 字（字符数不计空格 {count.chars_no_spaces}），接近 {PROFILE_LIMIT} 字上限；"
                "WPS 的计数可能更高 (profile is close to the limit)",
                field="profile",
                label="发展情况简介",
                location=where,
                severity="warning",
            )
        )
    return problems


def _consistency(raw: RawInput, m: ClusterData) -> list[Problem]:
    """Figures that cannot contradict each other, and totals that look typed in the wrong unit."""
    out: list[Problem] = []
    ind = m.indicators
    for key in (
        "above_scale_enterprises",
        "high_tech_enterprises",
        "specialised_smes",
        "little_giants",
        "gazelles",
        "champions",
    ):
        part = getattr(ind, key)
        if part > ind.enterprises:
            title = _title(key)
            out.append(
                _at(
                    raw,
                    ("indicators", key),
                    "E-COUNT-CONTRADICTION",
                    f"{title} {part} 多于企业总户数 {ind.enterprises} (a part exceeds the total of enterprises)",
                )
            )
    for key in ("leading_industry_revenue", "profit", "tax", "rd_expense", "export"):
        value = getattr(ind, key)
        if value is not None and value > ind.revenue:
            hint = _unit_hint(value, ind.revenue)
            out.append(
                _at(
                    raw,
                    ("indicators", key),
                    "E-AMOUNT-CONTRADICTION",
                    f"{_title(key)} {yi(value)} 大于集群营业收入 {yi(ind.revenue)}{hint} (a part exceeds the cluster's revenue)",
                )
            )
    for i, e in enumerate(m.enterprises):
        if e.revenue > ind.revenue:
            out.append(
                _at(
                    raw,
                    ("enterprises", i, "revenue"),
                    "E-AMOUNT-CONTRADICTION",
                    f"{e.name} 的营业收入 {yi(e.revenue)} 大于集群营业收入 {yi(ind.revenue)}{_unit_hint(e.revenue, ind.revenue)} "
                    "(a firm's revenue exceeds the cluster's)",
                )
            )
    total = sum((e.revenue for e in m.enterprises), start=Decimal(0))
    if total > ind.revenue and not any(e.revenue > ind.revenue for e in m.enterprises):
        out.append(
            _at(
                raw,
                ("indicators", "revenue"),
                "W-AMOUNT-PARTS",
                f"龙头骨干企业营业收入合计 {yi(total)} 大于集群营业收入 {yi(ind.revenue)}{_unit_hint(total, ind.revenue)}；"
                "请核对企业收入是否只计集群内部分 (the listed firms add up to more than the cluster)",
                severity="warning",
            )
        )
    return out


def _unit_hint(part: Decimal, whole: Decimal) -> str:
    ratio = part / whole if whole else Decimal(0)
    if Decimal(1000) <= ratio <= Decimal(100000):
        return "，相差约一万倍，可能把集群总额的亿元填成了万元 (off by about 10⁴: likely a unit mistake)"
    return ""


def _title(key: str) -> str:
    return Indicators.model_fields[key].title or key


# The workbook (``clusterpack init``, ``export --to xlsx``): sheets after the 填表说明, in order.
WORKBOOK = Layout(
    sheets=(
        Record(
            "基本信息",
            ("programme", "cluster", "applicant", "indicators", "informatisation", "plan", "declaration", "relaxation"),
            note="集群总额（营业收入、利润、税收等）以亿元计，数据为上一年度统计数；适当放宽条件一组只在适用时填写",
        ),
        Table("龙头骨干企业", "enterprises", note="企业营业收入以万元计；荣誉称号多项用顿号分隔"),
        Table("品牌与荣誉", "brands"),
        Table("媒体报道", "media"),
        Table("创新与服务平台", "platforms"),
        Table("发展目标", "plan.targets"),
        Table("佐证材料", "attachments", note=ATTACHMENTS_NOTE),
        Sections("发展情况简介", "profile.sections", note=f"简介不超过{PROFILE_LIMIT}字（按 Word 字数计）"),
        Sections("发展规划", "plan.sections"),
    ),
)


SCHEMA = Schema(
    name="tese_application",
    model=ClusterData,
    context=build_context,
    checks=checks,
    computed={
        "profile_words": lambda m: Decimal(m.profile.count.words),
        "enterprise_revenue": lambda m: sum((e.revenue for e in m.enterprises), start=Decimal(0)),
    },
    facts=lambda m: {"profile": {"limit": PROFILE_LIMIT, **m.profile.count.as_dict()}},
    headline=lambda m: f"发展情况简介 {m.profile.count.words} 字（字符数不计空格 {m.profile.count.chars_no_spaces}）",
    workbook=WORKBOOK,
)
