"""Field checks wherever the value appears: 文号, percentages, contradicting counts, unit slips."""

from __future__ import annotations

import pytest
from conftest import example_data, paths_of, write_cluster

from pipeline.core.codes import normalise_wenhao
from pipeline.errors import DataInvalid
from pipeline.stages import check as checking


@pytest.mark.parametrize(
    ("typed", "fixed", "changed"),
    [
        ("鲁工信发〔2020〕5号", "鲁工信发〔2020〕5号", False),
        ("鲁工信发[2020]5号", "鲁工信发〔2020〕5号", True),
        ("鲁工信电子【2024】122号", "鲁工信电子〔2024〕122号", True),
    ],
)
def test_wenhao_brackets(typed, fixed, changed) -> None:
    assert normalise_wenhao(typed) == (fixed, changed)


@pytest.mark.parametrize(
    "bad", ["鲁工信发〔2020〕05号", "鲁工信发〔2020〕第5号", "鲁工信发(2020)5号", "〔2020〕5号", "鲁工信发〔20〕5号"]
)
def test_wenhao_refused(bad) -> None:
    with pytest.raises(ValueError):
        normalise_wenhao(bad)


def _outcome(root, data):
    write_cluster(root, "fc", data)
    try:
        _raw, _model, _p, warnings = checking.prepare("fc", paths_of(root))
    except DataInvalid as exc:
        return [p for p in exc.problems if p.severity != "notice"]  # a unit converted is said, not a finding
    return [w for w in warnings if w.severity != "notice"]


def test_wenhao_in_data_corrected_with_warning(root) -> None:
    data = example_data()
    data["brands"][0]["document_number"] = "鲁质强办[2022]3号"
    data["platforms"][1]["document_number"] = "鲁工信发〔2021〕0号"
    problems = _outcome(root, data)
    codes = {p.field: p.code for p in problems}
    assert codes["platforms.1.document_number"] == "E-WENHAO-FORMAT"
    assert codes["brands.0.document_number"] == "W-WENHAO-CORRECTED"


def test_corrected_wenhao_is_used(root) -> None:
    data = example_data()
    data["brands"][0]["document_number"] = "鲁质强办【2022】3号"
    write_cluster(root, "fc", data)
    _raw, model, _p, warnings = checking.prepare("fc", paths_of(root))
    assert model.brands[0].document_number == "鲁质强办〔2022〕3号"
    assert any(w.code == "W-WENHAO-CORRECTED" for w in warnings)


@pytest.mark.parametrize(
    ("value", "code"), [("101", "E-PERCENT-RANGE"), ("-1", "E-PERCENT-RANGE"), ("六成", "E-PERCENT-FORMAT")]
)
def test_percentages_within_0_100(root, value, code) -> None:
    data = example_data()
    data["plan"]["targets"][5]["target"] = value  # 零部件本地配套率, unit %
    problems = _outcome(root, data)
    assert [p.code for p in problems if p.field == "plan.targets.5"] == [code]


def test_percentage_with_comparison_accepted(root) -> None:
    problems = _outcome(root, example_data())
    assert not [p for p in problems if p.severity == "error"]


def test_above_scale_cannot_exceed_all_enterprises(root) -> None:
    data = example_data()
    data["indicators"]["above_scale_enterprises"] = 300
    (p,) = [p for p in _outcome(root, data) if p.field == "indicators.above_scale_enterprises"]
    assert p.code == "E-COUNT-CONTRADICTION" and p.location.line


def test_leader_revenue_cannot_exceed_cluster(root) -> None:
    data = example_data()
    data["enterprises"][0]["revenue"] = "900亿元"  # the cluster's is 186.45亿元
    (p,) = [p for p in _outcome(root, data) if p.field == "enterprises.0.revenue"]
    assert p.code == "E-AMOUNT-CONTRADICTION" and "186.45亿元" in p.message


def test_a_firm_revenue_typed_in_the_wrong_unit_is_implausible(root) -> None:
    data = example_data()
    data["enterprises"][0]["revenue"] = "412600亿元"  # 万元 meant: 41万亿元, no firm has that
    (p,) = [p for p in _outcome(root, data) if p.field == "enterprises.0.revenue"]
    assert p.code == "E-AMOUNT-IMPLAUSIBLE" and "万元" in p.message and p.location.line


def test_cluster_total_typed_in_wrong_unit_against_its_parts(root) -> None:
    data = example_data()
    data["indicators"]["revenue"] = "186.45万元"  # 亿元 meant
    problems = _outcome(root, data)
    assert any(p.code == "E-AMOUNT-CONTRADICTION" and "一万倍" in p.message for p in problems)


def test_phone_and_email_formats(root) -> None:
    data = example_data()
    data["applicant"]["phone"] = "7861235"
    data["applicant"]["email"] = "jiqun.example.com"
    codes = {p.field: p.code for p in _outcome(root, data)}
    assert codes["applicant.phone"] == "E-PHONE-FORMAT" and codes["applicant.email"] == "E-EMAIL-FORMAT"


def test_dates_accept_chinese_form_and_refuse_nonsense(root) -> None:
    data = example_data()
    data["declaration"]["date"] = "2024年6月14日"
    data["media"][0]["date"] = "2024-13-40"
    codes = {p.field: p.code for p in _outcome(root, data) if p.severity == "error"}
    assert codes == {"media.0.date": "E-DATE-FORMAT"}
