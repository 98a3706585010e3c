"""The 数字产业集群 application's schema (鲁工信电子〔2024〕122号): context, checks, computed figures.

The model (what cluster.yaml holds for this notice) is in ``_digital_model.py``. Money is stored in
万元 like every model; the notice's thresholds are stated in programme.yaml.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from pipeline.core import units
from pipeline.core.layout import Layout, Paragraphs, Record, Sections, Table
from pipeline.core.programme import Programme, Schema
from pipeline.core.raw import RawInput, problem_at
from pipeline.errors import Problem
from pipeline.schemas._context import ATTACHMENTS_NOTE, base, rows
from pipeline.schemas._digital_model import (
    ABOVE_SCALE_MIN,
    ABOVE_SCALE_USUAL,
    LEGAL_FORM_PREFIX,
    YI,
    Compliance,
    DigitalClusterData,
    Firm,
    Operator,
    Scale,
)


def _total(values: list[Decimal]) -> Decimal:
    return sum(values, start=Decimal(0))


def _careful(value: Decimal, places: int = 2) -> str:
    """``value`` rounded, but never up onto a whole number such as the thresholds 50亿元 and 3% (49.996 → 49.99)."""
    q = Decimal(1).scaleb(-places)
    shown = value.quantize(q, rounding=ROUND_HALF_UP)
    if shown > value and shown == shown.to_integral_value():
        shown = value.quantize(q, rounding=ROUND_DOWN)
    return f"{shown:f}"


def _role_count(firms: list[Firm], role: str, floor: Decimal) -> int:
    return sum(f.role == role and f.revenue >= floor for f in firms)


def figures(m: DigitalClusterData) -> dict[str, Any]:
    """The figures the conditions are about, as the rules measure them: the lists decide, typed totals stand in.

    A typed total (``scale.above_scale_revenue`` ...) is used only when its list is empty, as in
    programme.yaml's rules; the values are Decimal 万元 for money, int for counts, None when unknown.
    """
    above = [f for f in m.firms if f.above_scale]
    listed = bool(m.firms)
    revenue = _total([f.revenue for f in above]) if listed else m.scale.above_scale_revenue
    rd = _total([f.rd_expense or Decimal(0) for f in above]) if listed else m.innovation.above_scale_rd
    plats = m.innovation.platforms
    ip = m.innovation.ip
    return {
        "above_scale_revenue": revenue,
        "leading_firms": sum(f.leading for f in above) if listed else m.scale.leading_above_scale_firms,
        "leaders": _role_count(m.firms, "领军企业", 10 * YI) if listed else m.chain.leader_firms,
        "backbones": _role_count(m.firms, "骨干企业", YI) if listed else m.chain.backbone_firms,
        "national": sum(p.level == "国家级" for p in plats) if plats else m.innovation.national_platforms,
        "provincial": sum(p.level == "省级" for p in plats) if plats else m.innovation.provincial_platforms,
        "ip_total": sum(y.awards + y.patents + y.software_copyrights for y in ip) if ip else m.innovation.ip_total,
        "rd": rd,
        "rd_ratio": rd * 100 / revenue if rd is not None and revenue else None,
    }


def _text(value: Any) -> Any:
    """A value as a template shows it: dates in Chinese, money in 万元, a missing value as —."""
    if value is None:
        return "—"
    if isinstance(value, dt.date):
        return units.cn_date(value)
    if isinstance(value, Decimal):
        return units.wan(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    return value


def _figure(n: int | None) -> str:
    """A count as the 汇总表 adds it up (a Figure), ``—`` when unknown."""
    return units.count(n)


def _strings(items: list[Any]) -> list[dict[str, Any]]:
    """Each model of ``items`` as a numbered row of strings."""
    return rows([{k: _text(v) for k, v in item.model_dump().items()} for item in items])


def build_context(data: DigitalClusterData, programme: Programme) -> dict[str, Any]:
    """Everything a template of ``programme`` may use, as strings."""
    shown = _shown(data)
    # one entry per part of the application form, in its order; the 汇总表's row last
    return {
        **base(programme, data.declaration.date),
        "cluster": _cluster(data),
        "applicant": data.applicant.model_dump(),
        "operator": {
            **{k: _text(v) for k, v in data.operator.model_dump().items()},
            "legal_person": _text(data.operator.independent_legal_person),
            "credit": "无" if data.operator.no_bad_credit_record else "有",
        },
        "positioning": [x.model_dump() for x in data.positioning],
        "scale": _scale(data, shown),
        "chain": _chain(data, shown),
        "firms": _firm_rows(data.firms),
        "innovation": _innovation(data, shown),
        "services": {"paragraphs": list(data.services.paragraphs), "partners": _strings(data.services.partners)},
        "support": {"paragraphs": list(data.support.paragraphs), "policies": _strings(data.support.policies)},
        "goals": {
            "base_year": str(data.digital.year),
            "target_year": str(data.goals.target_year),
            "paragraphs": list(data.goals.paragraphs),
            "targets": rows([x.model_dump() for x in data.goals.targets]),
            "measures": [x.model_dump() for x in data.goals.measures],
        },
        "compliance": {
            "safety": "未发生" if data.compliance.no_major_safety_accident else "发生过",
            "environment": "未发生" if data.compliance.no_major_environmental_event else "发生过",
        },
        "declaration": {"date": units.cn_date(data.declaration.date)},
        "row": _row(data, shown),
    }


@dataclass(frozen=True)
class _Shown:
    """The figures as the parts of the form show them."""

    fig: dict[str, Any]  # figures(): money as Decimal 万元, the rest as text
    revenue_yi: str  # 规上企业营业收入 in 亿元, "—" when unknown
    ratio: str  # 研发投入占比 with its %, "—" when unknown


def _shown(data: DigitalClusterData) -> _Shown:
    fig = {k: _text(v) if not isinstance(v, Decimal) else v for k, v in figures(data).items()}
    rev, ratio = fig["above_scale_revenue"], fig["rd_ratio"]
    revenue_yi = _careful(rev / YI) if isinstance(rev, Decimal) else "—"
    ratio_text = f"{_careful(ratio)}%" if isinstance(ratio, Decimal) else "—"
    return _Shown(fig, revenue_yi, ratio_text)


def _cluster(data: DigitalClusterData) -> dict[str, Any]:
    c, d = data.cluster, data.digital
    return {
        **c.model_dump(exclude={"area_km2"}),
        "city": c.city_name,
        "city_code": c.city,
        "leading_industry": d.leading_industry,  # the 十大工程 one; the cluster's own words below
        "industry": c.leading_industry,
        "area": f"{units.number(c.area_km2, 2)}平方公里",
        "year": str(d.year),
        "overview": list(d.overview),
    }


def _scale(data: DigitalClusterData, shown: _Shown) -> dict[str, Any]:
    s = data.scale
    return {
        **{k: units.yi(v) if isinstance(v, Decimal) else _text(v) for k, v in s.model_dump().items()},
        "above_scale_revenue": f"{shown.revenue_yi}亿元" if shown.revenue_yi != "—" else "—",
        "leading_share": units.percent(s.leading_revenue, s.revenue),
        "leading_firms": shown.fig["leading_firms"],
        "basis": "按五、产业链条所列企业名单计" if data.firms else "按填报的统计数计",
    }


def _chain(data: DigitalClusterData, shown: _Shown) -> dict[str, Any]:
    above = [f for f in data.firms if f.above_scale]
    return {
        "paragraphs": list(data.chain.paragraphs),
        "leaders": shown.fig["leaders"],
        "backbones": shown.fig["backbones"],
        "listed": str(len(data.firms)),
        "above_scale": str(len(above)),
        "leading": str(sum(f.leading for f in above)),
        "revenue": units.wan(_total([f.revenue for f in data.firms]), unit=False),
        "rd": units.wan(_total([f.rd_expense or Decimal(0) for f in data.firms]), unit=False),
        "above_scale_revenue": units.wan(_total([f.revenue for f in above]), unit=False),
        "above_scale_rd": units.wan(_total([f.rd_expense or Decimal(0) for f in above]), unit=False),
    }


def _firm_rows(firms: list[Firm]) -> list[dict[str, Any]]:
    return [
        {
            **row,
            "role": f.role.removesuffix("企业"),
            "revenue": units.wan(f.revenue, unit=False),
            "rd": units.wan(f.rd_expense, unit=False),
        }
        for row, f in zip(_strings(firms), firms, strict=True)
    ]


def _innovation(data: DigitalClusterData, shown: _Shown) -> dict[str, Any]:
    inn, fig, rd = data.innovation, shown.fig, shown.fig["rd"]
    ip = sorted(inn.ip, key=lambda y: y.year)
    inventions = [y.invention_patents for y in ip]
    return {
        "paragraphs": list(inn.paragraphs),
        "platforms": _strings(inn.platforms),
        "national": fig["national"],
        "provincial": fig["provincial"],
        "ip": [
            {**row, "invention": row["invention_patents"], "copyrights": row["software_copyrights"]}
            | {"total": str(y.awards + y.patents + y.software_copyrights)}
            for row, y in zip(_strings(ip), ip, strict=True)
        ],
        "ip_awards": str(sum(y.awards for y in ip)),
        "ip_patents": str(sum(y.patents for y in ip)),
        "ip_invention": "—" if not ip or None in inventions else str(sum(i or 0 for i in inventions)),
        "ip_copyrights": str(sum(y.software_copyrights for y in ip)),
        "ip_total": fig["ip_total"],
        "rd": units.yi(rd) if isinstance(rd, Decimal) else "—",
        "sales": f"{shown.revenue_yi}亿元" if shown.revenue_yi != "—" else "—",
        "rd_ratio": shown.ratio,
    }


def _row(data: DigitalClusterData, shown: _Shown) -> dict[str, Any]:
    """The cluster's row of the city's 汇总表: counts as Figures, which the table adds up."""
    revenue_yi, fig = shown.revenue_yi, shown.fig
    return {
        "revenue": units.Figure(revenue_yi, Decimal(revenue_yi)) if revenue_yi != "—" else "—",
        "leading_firms": _figure(figures(data)["leading_firms"]),
        "leaders": _figure(figures(data)["leaders"]),
        "backbones": _figure(figures(data)["backbones"]),
        "platforms": f"{fig['national']}/{fig['provincial']}",
        "ip": _figure(figures(data)["ip_total"]),
        "rd_ratio": shown.ratio,
    }


# The checks' messages, Chinese first and the English key after; W- codes are warnings.
MESSAGES = {
    "W-NOT-ELIGIBLE": "应当{what}（通知{clause}），否则不符合申报条件 (condition {clause} unmet)",
    "W-LEGAL-FORM-CODE": "法人类型为{form}，统一社会信用代码通常以 {prefix} 开头，实为 {actual}；请核对法人类型或信用代码 "
    "(legal form does not fit the credit code)",
    "E-FIRM-DUPLICATE": "{name} 与第{n}项的统一社会信用代码相同，同一企业只能列一次 (a firm is listed twice)",
    "E-ABOVE-SCALE-REVENUE": "{name} 营业收入 {revenue}，低于任何行业的规上标准（1000万元），不能计为规上企业 "
    "(below every above-scale threshold)",
    "W-ABOVE-SCALE-REVENUE": "{name} 营业收入 {revenue}，低于工业和软件信息技术服务业的规上标准（2000万元）；"
    "仅科学研究和技术服务业等以1000万元为标准，请核对 (check the firm's above-scale status)",
    "W-ROLE-REVENUE": "{name} {why} (role and revenue disagree)",
    "E-AMOUNT-CONTRADICTION": "{part} {value} 大于{whole} {total}{hint} (a part exceeds the whole)",
    "E-COUNT-CONTRADICTION": "{part} {value} 多于{whole} {total} (a part exceeds the whole)",
    "E-IP-YEAR": "{year}年{why} (only each of the last three years counts, once)",
    "E-PLATFORM-DUPLICATE": "创新平台 {name} 列了不止一次 (a platform is listed twice)",
    "E-GOAL-YEAR": "目标年份 {target} 应晚于数据年度 {year} (the target year must be ahead)",
    "E-DATA-YEAR": "数据年度应为申报之前的年度（上年度），填的是 {year} 年 (the data year must be a past year)",
    "E-DATA-YEAR-NOTICE": "通知（{number}）要求上年度数据，即 {expected} 年；填的是 {year} 年，请改用 {expected} 年的数据 "
    "(the notice asks for the figures of {expected})",
}
Add = Callable[..., None]  # add(path, code, **values) of ``checks``


def _unit_hint(part: Decimal, whole: Decimal) -> str:
    ratio = part / whole if whole else Decimal(0)
    if Decimal(1000) <= ratio <= Decimal(100000):
        return "，相差约一万倍，可能把集群总额的亿元填成了万元 (off by about 10⁴: likely a unit mistake)"
    return ""


def checks(raw: RawInput, m: DigitalClusterData, programme: Programme) -> list[Problem]:
    """What the model alone cannot say: the applicant's standing, contradicting figures, the IP years."""
    out: list[Problem] = []

    def add(path: tuple[str | int, ...], code: str, **values: Any) -> None:
        severity = "warning" if code.startswith("W-") else "error"
        message = MESSAGES[code].format(**values)
        out.append(problem_at(raw, path, code, message, severity, model=DigitalClusterData))

    # 二 and 三（七） are conditions (rules operator, safety); said here too, at the line to correct.
    for key, info in [*Operator.model_fields.items(), *Compliance.model_fields.items()]:
        block = "operator" if key in Operator.model_fields else "compliance"
        if info.annotation is bool and not getattr(getattr(m, block), key):
            add((block, key), "W-NOT-ELIGIBLE", what=info.title, clause="二" if block == "operator" else "三（七）")
    prefix, code = LEGAL_FORM_PREFIX[m.operator.legal_form], m.applicant.credit_code
    if not code.startswith(prefix):
        add(("operator", "legal_form"), "W-LEGAL-FORM-CODE", form=m.operator.legal_form, prefix=prefix, actual=code[:2])
    _firms(m, add)
    _figures(m, add)
    _data_year(m, programme, add)
    return out


def _data_year(m: DigitalClusterData, programme: Programme, add: Add) -> None:
    """三（四）“上年度”: the figures are those of the year before the application (programme.yaml ``data.year``)."""
    year = m.digital.year
    expected = programme.data.get("year")
    if isinstance(expected, int) and year != expected:
        add(("digital", "year"), "E-DATA-YEAR-NOTICE", year=year, expected=expected, number=programme.notice.number)
    elif year >= m.declaration.date.year:
        add(("digital", "year"), "E-DATA-YEAR", year=year)


def _firms(m: DigitalClusterData, add: Add) -> None:
    seen: dict[str, int] = {}
    cluster = m.scale.revenue
    for i, f in enumerate(m.firms):
        if f.credit_code in seen:
            add(("firms", i, "credit_code"), "E-FIRM-DUPLICATE", name=f.name, n=seen[f.credit_code] + 1)
        seen.setdefault(f.credit_code, i)
        if f.above_scale and f.revenue < ABOVE_SCALE_USUAL:
            code = "E-ABOVE-SCALE-REVENUE" if f.revenue < ABOVE_SCALE_MIN else "W-ABOVE-SCALE-REVENUE"
            add(("firms", i, "above_scale"), code, name=f.name, revenue=units.wan(f.revenue))
        if f.rd_expense is not None and f.rd_expense > f.revenue:
            add(("firms", i, "rd_expense"), "E-AMOUNT-CONTRADICTION", part=f"{f.name} 研发投入",
                value=units.wan(f.rd_expense), whole="营业收入", total=units.wan(f.revenue), hint="")  # fmt: skip
        if f.revenue > cluster:
            add(("firms", i, "revenue"), "E-AMOUNT-CONTRADICTION", part=f"{f.name} 营业收入",
                value=units.yi(f.revenue), whole="集群数字产业营业收入", total=units.yi(cluster),
                hint=_unit_hint(f.revenue, cluster))  # fmt: skip
        # 三（三） counts 领军企业 at ≥10亿元 and 骨干企业 at ≥1亿元 by the role given: say when they disagree.
        why = ""
        if f.role == "领军企业" and f.revenue < 10 * YI:
            why = f"标为领军企业，但营业收入 {units.yi(f.revenue)} 不足10亿元，不计入三（三）领军企业"
        elif f.role == "骨干企业" and f.revenue < YI:
            why = f"标为骨干企业，但营业收入 {units.wan(f.revenue)} 不足1亿元，不计入三（三）骨干企业"
        elif f.role == "其他企业" and f.revenue >= YI:
            why = f"营业收入 {units.yi(f.revenue)} 已达骨干企业标准，但标为其他企业，不计入三（三）"
        if why:
            add(("firms", i, "role"), "W-ROLE-REVENUE", name=f.name, why=why)


def _figures(m: DigitalClusterData, add: Add) -> None:
    s, year = m.scale, m.digital.year
    listed = sum(f.above_scale for f in m.firms)
    for key, part, value, whole, total in (
        ("above_scale_enterprises", "规上企业", s.above_scale_enterprises, "企业总数", s.enterprises),
        ("above_scale_enterprises", "名单中的规上企业", listed, "填报的规上企业", s.above_scale_enterprises),
        ("leading_above_scale_firms", "主导产业相关规上企业", s.leading_above_scale_firms, "规上企业",
         s.above_scale_enterprises),
    ):  # fmt: skip
        if value is not None and value > total:
            add(("scale", key), "E-COUNT-CONTRADICTION", part=part, value=f"{value}家", whole=whole, total=f"{total}家")
    amounts = [(k, Scale.model_fields[k].title, getattr(s, k)) for k in ("above_scale_revenue", "leading_revenue")]
    amounts += [(k, Scale.model_fields[k].title, getattr(s, k)) for k in ("profit", "tax")]
    if not any(f.revenue > s.revenue for f in m.firms):  # else said firm by firm
        amounts.append(("revenue", "名单中规上企业营业收入合计", _total([f.revenue for f in m.firms if f.above_scale])))
    for key, title, value in amounts:
        if value is not None and value > s.revenue:
            add(("scale", key), "E-AMOUNT-CONTRADICTION", part=title, value=units.yi(value),
                whole="集群数字产业营业收入", total=units.yi(s.revenue), hint=_unit_hint(value, s.revenue))  # fmt: skip
    years = Counter(y.year for y in m.innovation.ip)
    for i, y in enumerate(m.innovation.ip):
        if not year - 2 <= y.year <= year:
            add(("innovation", "ip", i, "year"), "E-IP-YEAR", year=y.year,
                why=f"不在近三年（{year - 2}—{year}年，数据年度{year}年）之内")  # fmt: skip
        elif years[y.year] > 1:
            add(("innovation", "ip", i, "year"), "E-IP-YEAR", year=y.year, why="填了不止一次")
        if y.invention_patents is not None and y.invention_patents > y.patents:
            add(("innovation", "ip", i, "invention_patents"), "E-COUNT-CONTRADICTION", part=f"{y.year}年发明专利",
                value=f"{y.invention_patents}项", whole="专利", total=f"{y.patents}项")  # fmt: skip
    names = [p.name for p in m.innovation.platforms]
    for i, name in enumerate(names):
        if names.index(name) != i:
            add(("innovation", "platforms", i, "name"), "E-PLATFORM-DUPLICATE", name=name)
    if m.goals.target_year <= year:
        add(("goals", "target_year"), "E-GOAL-YEAR", target=m.goals.target_year, year=year)


def _facts(m: DigitalClusterData) -> dict[str, Any]:
    fig, d = figures(m), m.digital
    ratio = f"{_careful(fig['rd_ratio'])}%" if fig["rd_ratio"] is not None else None
    revenue = units.yi(fig["above_scale_revenue"])
    facts = {"leading_industry": d.leading_industry, "data_year": d.year, "firms_listed": len(m.firms)}
    return {"digital": {**facts, "above_scale_revenue": revenue, "rd_ratio": ratio}}


# The workbook (``clusterpack init``, ``export --to xlsx``): sheets after the 填表说明, in order.
WORKBOOK = Layout(
    sheets=(
        Record(
            "基本信息",
            (
                "programme",
                "cluster",
                "applicant",
                "operator",
                "digital",
                "scale",
                "chain",
                "innovation",
                "goals",
                "compliance",
                "declaration",
            ),  # fmt: skip
            note="集群总额以亿元计，企业数字以万元计，均为上年度数据；统计数一项只在未列企业、平台、知识产权名单时填写",
        ),
        Paragraphs(
            "各部分正文",
            (
                "digital.overview",
                "scale.paragraphs",
                "chain.paragraphs",
                "innovation.paragraphs",
                "services.paragraphs",
                "support.paragraphs",
                "goals.paragraphs",
            ),  # fmt: skip
            note="申报书各部分的正文",
        ),
        Sections("发展定位", "positioning"),
        Table("集群企业名单", "firms", note="营业收入、研发投入以万元计；领军企业、骨干企业按三（三）计数"),
        Table("创新平台", "innovation.platforms"),
        Table("科技奖励和知识产权", "innovation.ip", note="近三年，每年一行"),
        Table("长期合作单位", "services.partners"),
        Table("支持政策", "support.policies"),
        Table("主要指标", "goals.targets"),
        Sections("主要措施", "goals.measures"),
        Table("佐证材料", "attachments", note=ATTACHMENTS_NOTE),
    ),
)


SCHEMA = Schema(
    name="digital_application",
    model=DigitalClusterData,
    context=build_context,
    checks=checks,
    computed={
        # 二、申报主体: registered in China, an independent legal person, no bad credit record (3 of 3).
        "operator_qualifications": lambda m: Decimal(
            sum((m.operator.registered_in_china, m.operator.independent_legal_person, m.operator.no_bad_credit_record))
        ),
        # 三（七）: no especially serious or serious safety accident, nor environmental event (2 of 2).
        "compliance_items": lambda m: Decimal(
            sum((m.compliance.no_major_safety_accident, m.compliance.no_major_environmental_event))
        ),
    },
    facts=_facts,
    workbook=WORKBOOK,
)
