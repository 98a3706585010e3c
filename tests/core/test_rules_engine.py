"""The rule engine on its own: each kind of measure, comparisons, typed totals, alternatives, relaxations.

A toy model stands in for a programme's data, so these tests say what the engine does, not what a
programme declares (the programmes' own rules are tested in test_rules.py and test_digital.py).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import BaseModel, ValidationError

from pipeline.core import rules


class Firm(BaseModel):
    name: str
    revenue: Decimal  # 万元, as the models store money
    above_scale: bool
    patents: int = 0
    copyrights: int = 0
    rd: Decimal = Decimal(0)


class Totals(BaseModel):
    revenue: Decimal | None = None
    firms: int | None = None


class Cluster(BaseModel):
    industry: str


class Toy(BaseModel):
    cluster: Cluster
    firms: list[Firm] = []
    totals: Totals = Totals()


def firm(name: str, yi: str, above: bool = True, **kw: int | Decimal) -> Firm:
    return Firm(name=name, revenue=Decimal(yi) * 10000, above_scale=above, **kw)


def rule(**spec) -> rules.RuleSet:
    return rules.RuleSet.model_validate(
        {
            "relaxations": spec.pop("relaxations", []),
            "rules": [{"id": "r", "clause": "三", "title": "t", "quote": "t", **spec}],
        }
    )


def one(model: Toy, ruleset: rules.RuleSet) -> rules.Result:
    (result,) = rules.evaluate(model, ruleset)
    return result


def test_where_compares_money_in_the_models_unit() -> None:
    leaders = rule(measure={"count": "firms", "where": {"revenue": {">=": "10亿元"}}}, op=">=", threshold=1, unit="家")
    at = Toy(cluster=Cluster(industry="x"), firms=[firm("a", "10"), firm("b", "9.99")])
    under = Toy(cluster=Cluster(industry="x"), firms=[firm("a", "9.99")])
    assert (one(at, leaders).status, one(at, leaders).actual) == (rules.PASS, "1家")
    assert one(under, leaders).status == rules.FAIL


def test_where_matches_booleans_and_lists_of_values() -> None:
    above = rule(measure={"count": "firms", "where": {"above_scale": [True]}}, op=">=", threshold=2, unit="家")
    model = Toy(cluster=Cluster(industry="x"), firms=[firm("a", "1"), firm("b", "1", above=False), firm("c", "2")])
    assert one(model, above).actual == "2家"


def test_total_adds_item_fields_over_matching_items_in_the_rules_unit() -> None:
    revenue = rule(
        measure={"total": "firms", "of": ["revenue"], "where": {"above_scale": [True]}},
        op=">=",
        threshold=50,
        unit="亿元",
    )
    model = Toy(
        cluster=Cluster(industry="x"), firms=[firm("a", "30"), firm("b", "20.01"), firm("c", "99", above=False)]
    )
    result = one(model, revenue)
    assert (result.status, result.actual, result.required) == (rules.PASS, "50.01亿元", "≥50亿元")
    ip = rule(measure={"total": "firms", "of": ["patents", "copyrights"]}, op=">=", threshold=1000, unit="项")
    model = Toy(cluster=Cluster(industry="x"), firms=[firm("a", "1", patents=600, copyrights=399)])
    assert (one(model, ip).actual, one(model, ip).status) == ("999项", rules.FAIL)


def test_typed_total_used_without_a_list_and_noted_when_it_disagrees() -> None:
    spec = rule(
        measure={"total": "firms", "of": ["revenue"], "typed": "totals.revenue"}, op=">=", threshold=50, unit="亿元"
    )
    typed_only = Toy(cluster=Cluster(industry="x"), totals=Totals(revenue=Decimal(500000)))
    result = one(typed_only, spec)
    assert (result.status, result.actual) == (rules.PASS, "50.00亿元")
    assert "按填报总数" in result.note
    both = Toy(cluster=Cluster(industry="x"), firms=[firm("a", "40")], totals=Totals(revenue=Decimal(550000)))
    result = one(both, spec)
    assert result.status == rules.FAIL  # the list decides
    assert "名单合计40.00亿元" in result.note and "填报总数55.00亿元" in result.note and "不一致" in result.note
    agree = Toy(cluster=Cluster(industry="x"), firms=[firm("a", "55")], totals=Totals(revenue=Decimal(550000)))
    assert one(agree, spec).note == ""


def test_ratio_in_percent() -> None:
    spec = rule(
        measure={"ratio": {"of": {"total": "firms", "of": ["rd"]}, "to": {"total": "firms", "of": ["revenue"]}}},
        op=">=",
        threshold=3,
        unit="%",
    )
    # R&D 3000, 2999, 3001 万元 on sales of 10亿元: at, under and over 3 %; never shown rounded onto the line
    for rd, status, shown in (
        ("3000", rules.PASS, "3%"),
        ("2999", rules.FAIL, "2.999%"),
        ("3001", rules.PASS, "3.00%"),
    ):
        model = Toy(cluster=Cluster(industry="x"), firms=[firm("a", "10", rd=Decimal(rd))])
        result = one(model, spec)
        assert (result.status, result.actual) == (status, shown), rd


def test_any_of_passes_when_one_alternative_does() -> None:
    spec = rule(
        any_of=[
            {"label": "国家级", "measure": {"count": "firms", "where": {"name": ["n"]}}, "op": ">=", "threshold": 1},
            {"label": "省级", "measure": {"count": "firms", "where": {"name": ["p"]}}, "op": ">=", "threshold": 3},
        ],
        unit="个",
    )
    base = Cluster(industry="x")
    assert one(Toy(cluster=base, firms=[firm("n", "1")]), spec).status == rules.PASS
    assert one(Toy(cluster=base, firms=[firm("p", "1")] * 3), spec).status == rules.PASS
    result = one(Toy(cluster=base, firms=[firm("p", "1")] * 2), spec)
    assert (result.status, result.required, result.actual) == (rules.FAIL, "国家级≥1个或省级≥3个", "国家级0个，省级2个")


def test_conditional_relaxation_turns_a_failure_into_relaxed_only_where_it_holds() -> None:
    spec = rule(
        measure={"count": "firms"},
        op=">=",
        threshold=20,
        unit="家",
        relaxed_by="core",
        relaxations=[
            {
                "id": "core",
                "clause": "三（七）",
                "title": "核心和前沿领域可适当放宽",
                "quote": "对集成电路等核心领域、人工智能等前沿领域，上述条件可适当放宽",
                "basis": "主导产业为{fact}",
                "when": {"cluster.industry": ["集成电路", "人工智能"]},
            }
        ],
    )
    for industry, status in (("集成电路", rules.RELAXED), ("人工智能", rules.RELAXED), ("高端软件", rules.FAIL)):
        result = one(Toy(cluster=Cluster(industry=industry)), spec)
        assert result.status == status, industry
    relaxed = one(Toy(cluster=Cluster(industry="集成电路")), spec)
    assert not relaxed.blocking and "集成电路" in relaxed.note and "三（七）" in relaxed.note


@pytest.mark.parametrize(
    "bad",
    [
        {"measure": {"count": "firms", "sum": ["a"]}, "op": ">=", "threshold": 1},  # two measures
        {"measure": {"total": "firms"}, "op": ">=", "threshold": 1},  # a total without fields
        {"measure": {"field": "a", "where": {"b": [1]}}, "op": ">=", "threshold": 1},  # where without a list
        {"measure": {"field": "a"}, "op": ">=", "threshold": 1, "any_of": []},  # both forms
        {"op": ">=", "threshold": 1},  # no measure
    ],
)
def test_malformed_rules_are_refused(bad: dict) -> None:
    with pytest.raises(ValidationError):
        rule(unit="个", **bad)


def test_typed_totals_inside_a_ratio_are_noted_in_their_own_unit() -> None:
    spec = rule(
        measure={
            "ratio": {
                "of": {"total": "firms", "of": ["rd"], "typed": "totals.firms", "unit": "万元"},
                "to": {"total": "firms", "of": ["revenue"], "typed": "totals.revenue", "unit": "亿元"},
            }
        },
        op=">=",
        threshold=3,
        unit="%",
    )
    model = Toy(
        cluster=Cluster(industry="x"),
        firms=[firm("a", "10", rd=Decimal(3500))],
        totals=Totals(revenue=Decimal(120000), firms=3500),
    )
    result = one(model, spec)
    assert result.status == rules.PASS and result.actual == "3.50%"
    assert "名单合计10.00亿元，填报总数12.00亿元" in result.note
    assert "万元" not in result.note  # the R&D part agrees, so only the revenue part is noted


def test_an_advisory_rule_reports_yuanze_shang_and_blocks_nothing() -> None:
    spec = rule(measure={"count": "firms"}, op=">=", threshold=2, unit="家", quote="原则上不低于2家", advisory=True)
    result = one(Toy(cluster=Cluster(industry="x"), firms=[firm("a", "1")]), spec)
    assert (result.status, result.blocking) == (rules.ADVISORY, False)
    assert rules.summary([result])["passed"] and rules.summary([result])["advisory"] == ["三 t"]


def test_advisory_goes_with_the_words_yuanze_shang_and_only_with_them() -> None:
    with pytest.raises(ValidationError):
        rule(measure={"count": "firms"}, op=">=", threshold=2, unit="家", quote="不低于2家", advisory=True)
    with pytest.raises(ValidationError):
        rule(measure={"count": "firms"}, op=">=", threshold=2, unit="家", quote="原则上不低于2家")


class Proof(BaseModel):
    category: str


class Claimed(BaseModel):
    cluster: Cluster
    firms: list[Firm] = []
    claim: str | None = None
    attachments: list[Proof] = []


def test_a_claimed_relaxation_holds_only_with_its_proof_attached() -> None:
    spec = rule(
        measure={"count": "firms"},
        op=">=",
        threshold=2,
        unit="家",
        relaxed_by="rank",
        relaxations=[
            {
                "id": "rank",
                "clause": "二",
                "title": "居全省第一",
                "quote": "q",
                "basis": "主导产业{fact}",
                "flag": "claim",
                "proof": "ranking",
            }  # fmt: skip
        ],
    )
    base = Claimed(cluster=Cluster(industry="x"), claim="居全省同行业第一位")
    unproven = one(base, spec)
    assert unproven.status == rules.FAIL and "没有" in unproven.note
    proven = one(base.model_copy(update={"attachments": [Proof(category="ranking")]}), spec)
    assert (proven.status, proven.relaxation) == (rules.RELAXED, "rank")
    assert "主导产业居全省同行业第一位" in proven.note


def test_a_claim_relaxation_must_name_its_proof_category() -> None:
    with pytest.raises(ValidationError):
        rule(
            measure={"count": "firms"}, op=">=", threshold=2, unit="家", relaxed_by="rank",
            relaxations=[{"id": "rank", "clause": "二", "title": "t", "quote": "q", "flag": "claim"}],
        )  # fmt: skip
