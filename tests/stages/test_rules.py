"""Each condition of 第四条 at, just under and just over its threshold; relaxations; evidence; unit hints."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import EXAMPLE, example_data, paths_of, write_cluster

from pipeline.core import rules
from pipeline.core.fields import Attachment, Relaxation
from pipeline.errors import DataInvalid
from pipeline.stages import check as checking


@pytest.fixture
def base(root):
    return checking.check(EXAMPLE, paths_of(root))


def _with(report, **changes):
    data = report.data
    for part, values in changes.items():  # a dict changes fields of a block; a list replaces a list
        new = values if isinstance(values, list) else getattr(data, part).model_copy(update=values)
        data = data.model_copy(update={part: new})
    return {r.id: r for r in checking.evaluate(data, report.programme)}


def _status(report, rule_id, **changes):
    return _with(report, **changes)[rule_id].status


def test_example_meets_every_condition(base) -> None:
    assert base.passed
    assert {r.status for r in base.results} == {rules.PASS}
    assert [r.clause for r in base.results][:3] == ["第四条（二）"] * 3


@pytest.mark.parametrize(
    ("value", "status"), [(Decimal("100"), rules.PASS), (Decimal("99.99"), rules.PASS), (Decimal("100.01"), rules.FAIL)]
)
def test_area_at_most_100_km2(base, value, status) -> None:
    assert _status(base, "area", cluster={"area_km2": value}) == status


@pytest.mark.parametrize(("value", "status"), [(100, rules.PASS), (99, rules.FAIL), (101, rules.PASS)])
def test_at_least_100_enterprises(base, value, status) -> None:
    assert _status(base, "enterprises", indicators={"enterprises": value, "above_scale_enterprises": 50}) == status


@pytest.mark.parametrize(
    ("wan", "status"), [(Decimal(1000000), rules.PASS), (Decimal(999999), rules.FAIL), (Decimal(1000001), rules.PASS)]
)
def test_revenue_at_least_100_yi(base, wan, status) -> None:
    # 100亿元 = 1000000万元: compared in the rule's unit, never in the unit the user typed
    assert _status(base, "revenue", indicators={"revenue": wan}) == status


RANKING = Attachment(title="2023年山东省农机工业统计年报（摘录）", category="relaxation", file="统计监测月报摘要.pdf")


def test_relaxation_with_its_proof_turns_failure_into_relaxed(base) -> None:
    data = base.data.model_copy(
        update={
            "indicators": base.data.indicators.model_copy(update={"enterprises": 80, "above_scale_enterprises": 40}),
            "relaxation": Relaxation(claim="全省同行业第一", evidence="《2023年山东省农机工业统计年报》第12页"),
            "attachments": [*base.data.attachments, RANKING],
        }
    )
    result = {r.id: r for r in checking.evaluate(data, base.programme)}["enterprises"]
    assert result.status == rules.RELAXED and not result.blocking
    assert "第四条（二）第二款" in result.note and "统计年报" in result.note


def test_relaxation_does_not_cover_other_conditions(base) -> None:
    data = base.data.model_copy(
        update={
            "brands": [],
            "relaxation": Relaxation(claim="全国同行业前列", evidence="中国农机工业协会排名"),
        }
    )
    result = {r.id: r for r in checking.evaluate(data, base.programme)}["brand"]
    assert result.status == rules.NO_EVIDENCE and result.blocking


def test_relaxation_claimed_without_a_proof_attachment_is_a_data_error_at_its_line(root) -> None:
    data = example_data()
    data["relaxation"] = {"claim": "全省同行业第一", "evidence": "2023年山东省农机工业统计年报第12页"}
    write_cluster(root, "noproof", data)
    with pytest.raises(DataInvalid) as info:
        checking.check("noproof", paths_of(root))
    (problem,) = info.value.errors
    assert (problem.code, problem.field) == ("E-RELAXATION-PROOF", "relaxation.claim")
    assert problem.location is not None and problem.location.line


def test_relaxation_claimed_without_evidence_is_refused(root) -> None:
    data = example_data()
    data["relaxation"] = {"claim": "全省同行业第一", "evidence": "  "}
    write_cluster(root, "noevidence", data)
    with pytest.raises(DataInvalid) as info:
        checking.check("noevidence", paths_of(root))
    assert [p.field for p in info.value.errors] == ["relaxation.evidence"]


@pytest.mark.parametrize(
    ("rule_id", "part", "values"),
    [
        ("brand", None, {"brands": []}),
        ("media", None, {"media": []}),
        ("industrial-internet", None, {"attachments": []}),
        ("service-platforms", None, {"attachments": []}),
    ],
)
def test_missing_supporting_items_are_no_evidence(base, rule_id, part, values) -> None:
    data = base.data.model_copy(update=values)
    result = {r.id: r for r in checking.evaluate(data, base.programme)}[rule_id]
    assert result.status == rules.NO_EVIDENCE and result.blocking


def test_platforms_are_not_required_by_the_tese_conditions(base) -> None:
    # 第四条（四）（五）（六）name no platform count: without any listed platform, only the proofs decide.
    results = _with(base, platforms=[])
    assert all(r.status == rules.PASS for r in results.values()), [r.id for r in results.values() if not r.met]


@pytest.mark.parametrize(
    ("category", "level", "counts"),
    [
        ("名牌产品", "省级", True),
        ("驰名商标", "国家级", True),
        ("著名商标", "省级", True),
        ("产业荣誉称号", "国家级", True),  # 国家行业协会（商会）认定的产业荣誉称号
        ("产业荣誉称号", "省级", False),  # not a national association's
        ("其他", "省级", False),
        ("优质品牌", "省级", False),  # not named by 第四条（三）
        ("名牌产品", "市级", False),
    ],
)
def test_brand_rule_counts_what_the_notice_names(base, category, level, counts) -> None:
    brand = base.data.brands[0].model_copy(update={"category": category, "level": level})
    status = _with(base, brands=[brand])["brand"].status
    assert status == (rules.PASS if counts else rules.NO_EVIDENCE)


def test_city_level_brand_does_not_count(base) -> None:
    city_only = [b.model_copy(update={"level": "市级"}) for b in base.data.brands]
    data = base.data.model_copy(update={"brands": city_only})
    assert {r.id: r for r in checking.evaluate(data, base.programme)}["brand"].status == rules.NO_EVIDENCE


def test_technology_counts_titles(base) -> None:
    zero = dict.fromkeys(["one_firm_one_tech", "specialised_smes", "little_giants", "gazelles", "champions"], 0)
    assert _status(base, "technology", indicators=zero) == rules.NO_EVIDENCE
    assert _status(base, "technology", indicators={**zero, "champions": 1}) == rules.PASS


def test_revenue_typed_in_wan_for_yi_gets_a_unit_hint(base) -> None:
    # 186.45 typed as 万元 where 亿元 was meant: 0.0186亿元, off by 10⁴
    result = _with(base, indicators={"revenue": Decimal("186.45")})["revenue"]
    assert result.status == rules.FAIL
    assert "可能把亿元填成了万元" in result.note


def test_profile_length_rule_reports_the_count(base) -> None:
    result = _with(base)["profile-length"]
    assert result.actual == "2560字" and result.required == "≤3000字"


def test_summary_names_unmet_conditions(base) -> None:
    data = base.data.model_copy(update={"media": []})
    s = rules.summary(checking.evaluate(data, base.programme))
    assert s["passed"] is False and s["unmet"] == ["第四条（三） 被省级及以上媒体重点宣传报道"]
