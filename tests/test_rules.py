"""Each condition of 第四条 at, just under and just over its threshold; relaxations; evidence; unit hints."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import EXAMPLE, example_data, paths_of, write_cluster

from pipeline import build, rules
from pipeline.errors import DataInvalid
from pipeline.model import Relaxation


@pytest.fixture
def base(root):
    return build.check(EXAMPLE, paths_of(root))


def _with(report, **changes):
    data = report.data
    for part, values in changes.items():
        data = data.model_copy(update={part: getattr(data, part).model_copy(update=values)})
    return {r.id: r for r in build.evaluate(data, report.programme)}


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


def test_relaxation_with_evidence_turns_failure_into_relaxed(base) -> None:
    data = base.data.model_copy(
        update={
            "indicators": base.data.indicators.model_copy(update={"enterprises": 80, "above_scale_enterprises": 40}),
            "relaxation": Relaxation(claim="全省同行业第一", evidence="《2023年山东省农机工业统计年报》第12页"),
        }
    )
    result = {r.id: r for r in build.evaluate(data, base.programme)}["enterprises"]
    assert result.status == rules.RELAXED and not result.blocking
    assert "第四条（二）第二款" in result.note and "统计年报" in result.note


def test_relaxation_does_not_cover_other_conditions(base) -> None:
    data = base.data.model_copy(
        update={
            "brands": [],
            "relaxation": Relaxation(claim="全国同行业前列", evidence="中国农机工业协会排名"),
        }
    )
    result = {r.id: r for r in build.evaluate(data, base.programme)}["brand"]
    assert result.status == rules.NO_EVIDENCE and result.blocking


def test_relaxation_claimed_without_evidence_is_refused(root) -> None:
    data = example_data()
    data["relaxation"] = {"claim": "全省同行业第一", "evidence": "  "}
    write_cluster(root, "noevidence", data)
    with pytest.raises(DataInvalid) as info:
        build.check("noevidence", paths_of(root))
    assert [p.field for p in info.value.problems] == ["relaxation.evidence"]


@pytest.mark.parametrize(
    ("rule_id", "part", "values"),
    [
        ("brand", None, {"brands": []}),
        ("media", None, {"media": []}),
        ("rd-platform", None, {"platforms": []}),
        ("industrial-internet", None, {"platforms": []}),
        ("service-platforms", None, {"platforms": []}),
    ],
)
def test_missing_supporting_items_are_no_evidence(base, rule_id, part, values) -> None:
    data = base.data.model_copy(update=values)
    result = {r.id: r for r in build.evaluate(data, base.programme)}[rule_id]
    assert result.status == rules.NO_EVIDENCE and result.blocking


def test_city_level_brand_does_not_count(base) -> None:
    city_only = [b.model_copy(update={"level": "市级"}) for b in base.data.brands]
    data = base.data.model_copy(update={"brands": city_only})
    assert {r.id: r for r in build.evaluate(data, base.programme)}["brand"].status == rules.NO_EVIDENCE


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
    s = rules.summary(build.evaluate(data, base.programme))
    assert s["passed"] is False and s["unmet"] == ["第四条（三） 被省级及以上媒体重点宣传报道"]
