"""The 特色产业集群 annual comprehensive evaluation (鲁工信非公〔2022〕107号): model, context, checks, facts.

A cluster's self-evaluation (集群自评) lives under one top-level key, ``evaluation:``; the cluster,
the applicant, the declaration and the proof attachments are the keys every schema shares, so a
cluster file that already carries its 特色产业集群 application data only adds ``evaluation:``.

The notice's indicators are kept in ONE catalogue (:data:`CATALOGUE`): the figure models of this
year and last year, the descriptive texts and the rows of the 自评报告's four tables are all made
from it, so an indicator added to the catalogue appears in the data, the checks and the documents.
"""

from __future__ import annotations

import datetime as dt
import typing
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, create_model
from pydantic_core import PydanticCustomError

from pipeline.core import units
from pipeline.core.case import numbered
from pipeline.core.fields import (
    Applicant,
    Attachment,
    ClusterInfo,
    Count,
    Date,
    Declaration,
    Hint,
    Model,
    Money,
    ProgrammeRef,
    Section,
    SignedMoney,
    Text,
    WenHao,
    Year,
)
from pipeline.core.layout import Grid, Layout, Record, Sections, Table
from pipeline.core.programme import Programme, Schema
from pipeline.core.raw import RawInput, problem_at
from pipeline.errors import Problem
from pipeline.schemas._context import ATTACHMENTS_NOTE, base, cluster_info
from pipeline.schemas._context import rows as _rows

# 二（一）指标数据截止至… and the data year are the notice's facts: programme.yaml ``data: {year, cutoff}``.
CN_NUMBERS = "一二三四五六七八九十"


def _percent(value: object) -> Decimal:
    """``53.4``, ``"53.4%"`` → Decimal 53.4; refused outside 0–100."""
    if isinstance(value, bool):
        raise PydanticCustomError("E-PERCENT-FORMAT", "百分比应为数字，如 53.4 (percentage must be a number)")
    text = str(value).strip().rstrip("%％").strip() if isinstance(value, str) else str(value)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise PydanticCustomError("E-PERCENT-FORMAT", "百分比应为数字，如 53.4 (percentage must be a number)") from None
    if not number.is_finite() or not 0 <= number <= 100:
        raise PydanticCustomError("E-PERCENT-RANGE", "百分比应在 0—100 之间 (percentage must be within 0-100)")
    return number


Percent = Annotated[Decimal, BeforeValidator(_percent), Hint("百分比，填数字，如 53.4（可带 %）")]
Kind = Literal["count", "money", "percent", "text"]
_TYPES: dict[str, Any] = {"count": Count, "money": Money, "percent": Percent, "text": Text}


@dataclass(frozen=True)
class Indicator:
    """One indicator of the notice: its group, key in the data, title and unit in the tables."""

    group: str
    key: str
    title: str
    unit: str  # "" for a descriptive text
    kind: Kind
    signed: bool = False  # money that may be negative (a loss); every other amount is a size


# 二（一）1–4: the four groups, in the notice's order.
GROUPS: dict[str, str] = {
    "strength": "综合实力",
    "vitality": "发展活力",
    "innovation": "研发创新能力",
    "service": "公共服务能力",
}

CATALOGUE: tuple[Indicator, ...] = (
    # 1. 综合实力
    Indicator("strength", "market_entities", "各类市场主体数量", "户", "count"),
    Indicator("strength", "above_scale", "规模以上工业企业数量", "家", "count"),
    Indicator("strength", "over_100m", "亿元以上工业企业数量", "家", "count"),
    Indicator("strength", "over_1b", "10亿元以上工业企业数量", "家", "count"),
    Indicator("strength", "revenue", "营业收入", "亿元", "money"),
    Indicator("strength", "profit", "利润总额", "亿元", "money", signed=True),
    Indicator("strength", "tax", "税收", "亿元", "money"),
    Indicator("strength", "value_added", "工业增加值", "亿元", "money"),
    Indicator("strength", "employees", "从业人员数量", "人", "count"),
    # 2. 发展活力
    Indicator("vitality", "fixed_investment", "固定资产投资", "亿元", "money"),
    Indicator("vitality", "upgrade_investment", "技改投资", "亿元", "money"),
    Indicator("vitality", "specialised", "专精特新企业数量", "家", "count"),
    Indicator("vitality", "gazelles", "瞪羚企业数量", "家", "count"),
    Indicator("vitality", "unicorns", "（准）独角兽企业数量", "家", "count"),
    Indicator("vitality", "champions", "单项冠军企业数量", "家", "count"),
    Indicator("vitality", "innovation_centres", "制造业创新中心数量", "个", "count"),
    Indicator("vitality", "first_sets", "首台（套）重大技术装备数量", "台套", "count"),
    # 3. 研发创新能力
    Indicator("innovation", "national_rd_centres", "国家级技术研发中心数量", "个", "count"),
    Indicator("innovation", "provincial_rd_centres", "省级技术研发中心数量", "个", "count"),
    Indicator("innovation", "one_firm_one_tech", "一企一技术企业数量", "家", "count"),
    Indicator("innovation", "rd_share", "有研发活动的企业比例", "%", "percent"),
    Indicator("innovation", "cooperation_projects", "与科研院所、院校合作项目数量", "项", "count"),
    Indicator("innovation", "cooperation", "与科研院所、院校合作情况", "", "text"),
    # 4. 公共服务能力
    Indicator("service", "incubators", "双创基地、众创空间等双创载体数量", "个", "count"),
    Indicator("service", "sme_platforms", "中小企业公共服务平台数量", "个", "count"),
    Indicator("service", "internet_platforms", "行业领域工业互联网平台数量", "个", "count"),
    Indicator("service", "sme_platforms", "中小企业公共服务平台建设情况", "", "text"),
    Indicator("service", "internet_platforms", "行业领域工业互联网平台建设情况", "", "text"),
    Indicator("service", "financing", "融资服务体系建设情况", "", "text"),
    Indicator("service", "promotion", "产品及品牌推广情况", "", "text"),
    Indicator("service", "attraction", "双招双引情况", "", "text"),
)
FIGURES = tuple(i for i in CATALOGUE if i.kind != "text")
TEXTS = tuple(i for i in CATALOGUE if i.kind == "text")

# Parts that cannot exceed their whole (either year): (part, whole).
PARTS: tuple[tuple[str, str], ...] = (
    ("over_1b", "over_100m"),
    ("over_100m", "above_scale"),
    ("above_scale", "market_entities"),
    ("profit", "revenue"),
    ("tax", "revenue"),
    ("value_added", "revenue"),
    ("upgrade_investment", "fixed_investment"),
)


def _model(name: str, items: tuple[Indicator, ...], optional: bool, doc: str) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for i in items:
        kind = SignedMoney if i.signed else _TYPES[i.kind]
        title = f"{i.title}（{i.unit}）" if i.unit and i.kind != "money" else i.title
        fields[i.key] = (kind | None, Field(default=None, title=title)) if optional else (kind, Field(title=title))
    model = create_model(name, __base__=Model, __doc__=doc, __module__=__name__, **fields)
    return model


if TYPE_CHECKING:
    Figures = BaseModel
    PreviousFigures = BaseModel
    Descriptions = BaseModel
else:
    Figures = _model("Figures", FIGURES, False, "The evaluation year's figures: every indicator required.")
    PreviousFigures = _model(
        "PreviousFigures", FIGURES, True, "Last year's figures, for comparison: any may be left out (shown as —)."
    )
    Descriptions = _model("Descriptions", TEXTS, False, "The indicators the notice asks about as 情况: a text each.")

Area = Literal["产业链协作配套", "产业转型升级", "创新能力建设", "提升非营利性服务机构水平", "产业集群品牌建设"]
AREAS: tuple[str, ...] = typing.get_args(Area)  # 二（二）1–5, in the notice's order


class Recognition(Model):
    """When and by which document the cluster was published as a 山东省特色产业集群."""

    year: Year = Field(title="认定年份")
    document_number: WenHao = Field(title="认定文号")


class TypicalProject(Model):
    """四（二）: 每个方面要确定一个典型项目，包括承担单位、主要内容、带动作用."""

    name: Text = Field(title="项目名称")
    undertaker: Text = Field(title="承担单位")
    content: Text = Field(title="主要内容")
    effect: Text = Field(title="带动作用")


class KeyArea(Model):
    area: Area = Field(title="重点领域")
    work: list[Text] = Field(min_length=1, title="工作开展情况")
    project: TypicalProject = Field(title="典型项目")


class Evaluation(Model):
    """The cluster's self-evaluation: figures of two years, the notice's 情况 texts, key areas, summary."""

    year: Year = Field(title="数据年度")
    cutoff: Date = Field(title="数据截止日期")
    recognised: Recognition = Field(title="认定情况")
    current: Figures = Field(title="本年度指标")
    previous: PreviousFigures = Field(default_factory=PreviousFigures, title="上年度指标")
    descriptions: Descriptions = Field(title="指标情况说明")
    key_areas: list[KeyArea] = Field(title="重点领域工作开展情况")
    summary: list[Section] = Field(min_length=1, title="自评总结")


class EvaluationData(Model):
    """Everything the 综合评价 packet needs about one cluster."""

    programme: ProgrammeRef = Field(title="申报项目")
    cluster: ClusterInfo = Field(title="集群基本情况")
    applicant: Applicant = Field(title="申报单位")
    evaluation: Evaluation = Field(title="综合评价")
    declaration: Declaration = Field(title="真实性声明")
    attachments: list[Attachment] = Field(default_factory=list, title="佐证材料")


# --- context -------------------------------------------------------------------------------------


def _value(i: Indicator, value: Any) -> str:
    if value is None:
        return "—"
    if i.kind == "money":
        return units.yi(value, unit=False)
    if i.kind == "percent":
        return units.number(value, 1)
    return units.count(value) if i.kind == "count" else str(value)


def _signed(value: Decimal, places: int) -> str:
    # The sign follows the figure as printed: +0.04 shows as 0.0, never +0.0 or -0.0.
    text = units.number(value, places).removeprefix("-")
    if Decimal(text) == 0:
        return text
    return f"+{text}" if value > 0 else f"-{text}"


def change(i: Indicator, current: Any, previous: Any) -> str:
    """This year against last: money as a growth rate, counts as a difference, shares in 个百分点."""
    if current is None or previous is None:
        return "—"
    if i.kind == "money":
        if previous <= 0:
            return "—"  # a rate over nothing (or over a loss) says nothing
        return _signed((Decimal(current) - previous) * 100 / previous, 1) + "%"
    if i.kind == "percent":
        return _signed(Decimal(current) - previous, 1) + "个百分点"
    diff = int(current) - int(previous)
    return f"+{diff}" if diff > 0 else str(diff)


def _figure(i: Indicator, ev: Evaluation) -> dict[str, str]:
    now, before = getattr(ev.current, i.key), getattr(ev.previous, i.key)
    return {
        "key": i.key,
        "title": i.title,
        "unit": i.unit,
        "current": _value(i, now),
        "previous": _value(i, before),
        "change": change(i, now, before),
    }


def _title_lines(title: str) -> tuple[str, str]:
    # A long packet title breaks after the programme's name: 2022年度山东省特色产业集群 / 综合评价材料.
    head, sep, tail = title.partition("特色产业集群")
    return (head + sep, tail) if sep and tail else (title, "")


def proof_rows(data: EvaluationData, programme: Programme) -> list[dict[str, str]]:
    """The 证明材料清单: each attachment with the number it carries in the packet (佐证材料 n-k)."""
    return [
        {
            "no": number,
            "title": a.title,
            "category": material.title.removesuffix("证明材料"),
            "note": "另行报送" if a.sensitive else "附后",
        }
        for number, a, material in numbered(programme.materials, list(data.attachments))
    ]


def build_context(data: EvaluationData, programme: Programme) -> dict[str, Any]:
    """Everything a template of ``programme`` may use, as strings."""
    c, ev = data.cluster, data.evaluation
    common = base(programme, data.declaration.date)
    line1, line2 = _title_lines(programme.packet.title)
    if line2:
        common["packet"] = {**common["packet"], "title_line1": line1, "title_line2": line2}
    # the figures once, then shown by group, by key, and in the 汇总表's row
    figures = {i.key: _figure(i, ev) for i in FIGURES}
    areas = _areas(ev)
    proofs = proof_rows(data, programme)
    return {
        **common,
        "notice": {"title": programme.notice.title, "number": programme.notice.number},
        "cluster": cluster_info(c),
        "applicant": data.applicant.model_dump(),
        "evaluation": {
            "round": f"{programme.notice.date.year}年度",
            "year": str(ev.year),
            "previous_year": str(ev.year - 1),
            "cutoff": units.cn_date(ev.cutoff),
            "recognised": {"year": str(ev.recognised.year), "document_number": ev.recognised.document_number},
        },
        "groups": _groups(ev, figures),
        "figures": figures,
        "key_areas": areas,
        "summary": {"sections": [s.model_dump() for s in ev.summary]},
        "proofs": proofs,
        "proof_count": str(len(proofs)),
        "declaration": {"date": units.cn_date(data.declaration.date)},
        "row": _row(data, figures, len(areas)),
    }


def _groups(ev: Evaluation, figures: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """The four aspects of the notice, each with its figures and its texts."""
    groups = []
    for n, (key, title) in enumerate(GROUPS.items()):
        groups.append(
            {
                "no": f"（{CN_NUMBERS[n]}）",
                "key": key,
                "title": title,
                "figures": _rows([figures[i.key] for i in FIGURES if i.group == key]),
                "unit_note": "金额单位：亿元" if any(i.kind == "money" for i in FIGURES if i.group == key) else "",
                "texts": [{"title": i.title, "text": getattr(ev.descriptions, i.key)} for i in TEXTS if i.group == key],
            }
        )
    return groups


def _areas(ev: Evaluation) -> list[dict[str, Any]]:
    by_area = {a.area: a for a in ev.key_areas}
    return [
        {
            "no": CN_NUMBERS[n],
            "area": area,
            "work": list(by_area[area].work),
            "project": by_area[area].project.model_dump(),
        }
        for n, area in enumerate(AREAS)
        if area in by_area
    ]


def _row(data: EvaluationData, figures: dict[str, dict[str, str]], key_areas: int) -> dict[str, str]:
    """The cluster's row of the city's 汇总表: this year's figures."""
    revenue = figures["revenue"]
    return {
        "recognised": str(data.evaluation.recognised.year),
        "market_entities": figures["market_entities"]["current"],
        "above_scale": figures["above_scale"]["current"],
        "revenue": revenue["current"],
        "revenue_change": revenue["change"],
        "profit": figures["profit"]["current"],
        "tax": figures["tax"]["current"],
        "value_added": figures["value_added"]["current"],
        "employees": figures["employees"]["current"],
        "specialised": figures["specialised"]["current"],
        "key_areas": str(key_areas),
        "contact": f"{data.applicant.contact}\n{data.applicant.phone}",  # two lines in the 汇总表's cell
    }


# --- checks --------------------------------------------------------------------------------------


def _at(raw: RawInput, path: tuple[str | int, ...], code: str, message: str, severity: str = "error") -> Problem:
    return problem_at(raw, path, code, message, severity, model=EvaluationData)


_BY_KEY = {i.key: i for i in FIGURES}


def _shown(key: str, value: Any) -> str:
    i = _BY_KEY[key]
    return units.yi(value) if i.kind == "money" else f"{value}{i.unit}"


def _unit_hint(part: Decimal, whole: Decimal) -> str:
    """A part many times its whole that would fit once divided by 10⁴: a 万元 figure typed as 亿元."""
    if whole > 0 and part >= whole * 50 and part / 10000 <= whole:
        return "，相差数十倍以上，可能把万元数填成了亿元 (far above its whole: likely a 万元 figure typed as 亿元)"
    return ""


def _notice_dates(raw: RawInput, model: EvaluationData, programme: Programme) -> list[Problem]:
    """The notice's data year and cut-off (programme.yaml ``data:``), and a recognition not yet made."""
    ev, out = model.evaluation, []
    year, cutoff = programme.data.get("year"), programme.data.get("cutoff")
    if isinstance(year, int) and ev.year != year:
        out.append(
            _at(
                raw,
                ("evaluation", "year"),
                "E-EVAL-DATA-YEAR",
                f"《{programme.notice.title}》（{programme.notice.number}）评价的是{year}年的数据，这里填的是{ev.year}年 "
                f"(the notice evaluates the figures of {year})",
            )
        )
    if isinstance(cutoff, dt.date) and ev.cutoff != cutoff:
        out.append(
            _at(
                raw,
                ("evaluation", "cutoff"),
                "W-EVAL-CUTOFF",
                f"通知要求指标数据截止至{units.cn_date(cutoff)}，这里填的是{units.cn_date(ev.cutoff)}；请核对 "
                f"(the notice's data cut-off date is {cutoff})",
                "warning",
            )
        )
    if ev.recognised.year > model.declaration.date.year:
        out.append(
            _at(
                raw,
                ("evaluation", "recognised", "year"),
                "E-EVAL-RECOGNISED-FUTURE",
                f"认定年份 {ev.recognised.year} 晚于声明日期 {units.cn_date(model.declaration.date)}，尚未认定的集群不能参加评价 "
                "(recognised after the declaration date)",
            )
        )
    return out


def checks(raw: RawInput, model: EvaluationData, programme: Programme) -> list[Problem]:
    """What the model alone cannot say: the notice's dates, the five key areas, parts above wholes, unit slips."""
    ev = model.evaluation
    out: list[Problem] = _notice_dates(raw, model, programme)
    if ev.cutoff.year != ev.year:
        out.append(
            _at(
                raw,
                ("evaluation", "cutoff"),
                "E-EVAL-CUTOFF-YEAR",
                f"数据截止日期 {units.cn_date(ev.cutoff)} 不在数据年度 {ev.year} 年内 (cut-off date is not in the data year)",
            )
        )
    out += _key_areas(raw, ev)
    for year, figures in (("current", ev.current), ("previous", ev.previous)):
        label = f"{ev.year}年" if year == "current" else f"{ev.year - 1}年"
        for part, whole in PARTS:
            p, w = getattr(figures, part), getattr(figures, whole)
            if p is None or w is None or p <= w:
                continue
            money = _BY_KEY[part].kind == "money"
            hint = _unit_hint(p, w) if money else ""
            out.append(
                _at(
                    raw,
                    ("evaluation", year, part),
                    "E-AMOUNT-CONTRADICTION" if money else "E-COUNT-CONTRADICTION",
                    f"{label}{_BY_KEY[part].title} {_shown(part, p)} 大于{_BY_KEY[whole].title} {_shown(whole, w)}{hint}"
                    " (a part exceeds its whole)",
                )
            )
    for i in FIGURES:
        now, before = getattr(ev.current, i.key), getattr(ev.previous, i.key)
        if i.kind != "money" or now is None or before is None or now <= 0 or before <= 0:
            continue
        if now / before >= 1000 or before / now >= 1000:
            out.append(
                _at(
                    raw,
                    ("evaluation", "current", i.key),
                    "W-EVAL-UNIT",
                    f"{i.title} {ev.year}年 {units.yi(now)}、{ev.year - 1}年 {units.yi(before)}，相差约一万倍，"
                    "可能有一年把亿元和万元填混了 (the two years differ about 10⁴-fold: likely a unit mistake)",
                    "warning",
                )
            )
    return out


def _key_areas(raw: RawInput, ev: Evaluation) -> list[Problem]:
    """四（二）: 重点领域工作开展情况5个方面，每个方面要确定一个典型项目 — exactly one per area."""
    out: list[Problem] = []
    first: dict[str, int] = {}
    for n, item in enumerate(ev.key_areas):
        if item.area in first:
            out.append(
                _at(
                    raw,
                    ("evaluation", "key_areas", n, "area"),
                    "E-EVAL-AREA-DUPLICATE",
                    f"重点领域“{item.area}”重复：第{first[item.area] + 1}项已填，每个方面只确定一个典型项目 "
                    "(each key area has exactly one typical project)",
                )
            )
        else:
            first[item.area] = n
    for area in AREAS:
        if area not in first:
            out.append(
                _at(
                    raw,
                    ("evaluation", "key_areas"),
                    "E-EVAL-AREA-MISSING",
                    f"缺少重点领域“{area}”的工作开展情况和典型项目；通知要求5个方面各确定一个典型项目 "
                    "(a key area and its typical project are missing)",
                )
            )
    return out


def facts(model: EvaluationData) -> dict[str, Any]:
    """The manifest's ``evaluation`` entry: data year, cut-off, indicators given, key areas covered."""
    ev = model.evaluation
    return {
        "evaluation": {
            "year": ev.year,
            "cutoff": ev.cutoff.isoformat(),
            "recognised": ev.recognised.document_number,
            "figures": len(FIGURES),
            "descriptions": len(TEXTS),
            "previous_given": sum(getattr(ev.previous, i.key) is not None for i in FIGURES),
            "key_areas": len({a.area for a in ev.key_areas}),
        }
    }


# The workbook (``clusterpack init``, ``export --to xlsx``): sheets after the 填表说明, in order.
WORKBOOK = Layout(
    sheets=(
        Record(
            "基本信息",
            ("programme", "cluster", "applicant", "evaluation", "evaluation.recognised", "declaration"),
        ),
        Grid(
            "评价指标",
            (("本年度", "evaluation.current"), ("上年度", "evaluation.previous")),
            note="本年度为评价的数据年度，全部必填；上年度用于对比，可空；金额以亿元计",
        ),
        Record("指标情况说明", ("evaluation.descriptions",), note="通知要求说明“情况”的指标，每项一段"),
        Table(
            "重点领域",
            "evaluation.key_areas",
            lines=("work",),
            note="5个方面各一行，每个方面确定一个典型项目；工作开展情况每段在单元格内另起一行",
        ),
        Sections("自评总结", "evaluation.summary"),
        Table("佐证材料", "attachments", note=ATTACHMENTS_NOTE),
    ),
)


SCHEMA = Schema(
    name="tese_evaluation",
    model=EvaluationData,
    context=build_context,
    checks=checks,
    facts=facts,
    workbook=WORKBOOK,
)
