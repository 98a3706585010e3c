"""Bad input: every problem at once, each with its code, field path, label and YAML line."""

from __future__ import annotations

import copy

import pytest
from conftest import EXAMPLE, example_data, paths_of, write_cluster

from pipeline.core.raw import check_cluster_id
from pipeline.errors import DataInvalid, UsageError
from pipeline.stages import check as checking


def _problems(root, data) -> list:
    write_cluster(root, "bad", data)
    with pytest.raises(DataInvalid) as info:
        checking.prepare("bad", paths_of(root))
    return info.value.problems


def test_example_is_valid(root) -> None:
    _raw, data, programme, warnings = checking.prepare(EXAMPLE, paths_of(root))
    assert data.cluster.city_name == "潍坊市"
    assert 2350 <= data.profile.count.words <= 2650  # "about 2500 字"
    assert {w.code for w in warnings} <= {"W-PROGRAMME-EXPIRED"}


@pytest.mark.parametrize("bad", ["Qinglan", "a/b", "..", "../x", "has space", "", "中文", "a_b", "-a"])
def test_cluster_id_must_be_a_slug(bad: str) -> None:
    with pytest.raises(UsageError):
        check_cluster_id(bad)


def test_all_problems_reported_at_once_with_lines(root) -> None:
    text = (root / "inputs" / EXAMPLE / "cluster.yaml").read_text(encoding="utf-8")
    text = text.replace("credit_code: 11370790MB1K4Q2731", "credit_code: 11370790MB1K4Q2732")
    text = text.replace('city: "370700"', 'city: "371200"')
    text = text.replace("  enterprises: 268\n", "  enterprises: 二百六十八\n")
    text = text.replace("  revenue: 186.45亿元\n", "  revenue: 186.45\n")
    text = text.replace("  email: jiqun@qinglan-kfq.example.com\n", "  email: jiqun@\n  fax: 0536-1\n")
    problems = _problems(root, text)
    by_field = {p.field: p for p in problems}
    assert by_field["applicant.credit_code"].code == "E-USCC-CHECK"
    assert by_field["cluster.city"].code == "E-CITY-371200"
    assert by_field["indicators.enterprises"].code == "E-NUMBER-INT"
    assert by_field["indicators.revenue"].code == "E-MONEY-UNIT-MISSING"
    assert by_field["applicant.email"].code == "E-EMAIL-FORMAT"
    assert by_field["applicant.fax"].code == "E-FIELD-UNKNOWN"
    lines = text.splitlines()
    for p in problems:  # each location points at the line holding the key
        key = p.field.split(".")[-1]
        assert key in lines[p.location.line - 1], (p.field, p.location)
    credit = by_field["applicant.credit_code"]
    assert credit.label == "申报单位 › 统一社会信用代码"
    rendered = credit.render("bad")
    assert "集群 bad" in rendered and "cluster.yaml 第" in rendered and "(applicant.credit_code)" in rendered


def test_missing_fields_are_each_named(root) -> None:
    data = example_data()
    del data["applicant"]["phone"]
    del data["cluster"]["name"]
    data["enterprises"][1].pop("revenue")
    problems = _problems(root, data)
    missing = {p.field for p in problems if p.code == "E-FIELD-MISSING"}
    assert missing == {"applicant.phone", "cluster.name", "enterprises.1.revenue"}
    assert all(p.location and p.location.line for p in problems)


def test_money_units_are_converted_not_guessed(root) -> None:
    data = example_data()
    data["indicators"]["revenue"] = "1,864,500万元"
    data["enterprises"][0]["revenue"] = "４１２６００万元"  # full-width digits
    write_cluster(root, "units", data)
    _raw, model, _p, _w = checking.prepare("units", paths_of(root))
    assert model.indicators.revenue == 1864500
    assert model.enterprises[0].revenue == 412600


def test_control_character_is_a_clear_error(root) -> None:
    data = example_data()
    data["cluster"]["carrier"] = "青岚\x07产业园"
    (p,) = [p for p in _problems(root, data) if p.field == "cluster.carrier"]
    assert p.code == "E-TEXT-CONTROL-CHAR" and "U+0007" in p.message


def test_profile_over_3000_words_is_an_error_with_the_count(root) -> None:
    data = example_data()
    data["profile"]["sections"][0]["paragraphs"].append("集" * 600)
    (p,) = [p for p in _problems(root, data) if p.field == "profile"]
    assert p.code == "E-PROFILE-TOO-LONG"
    assert "3160 字" in p.message  # 2560 + 600


def test_yaml_syntax_error_names_the_line(root) -> None:
    problems = _problems(root, "programme: tese-apply\ncluster:\n  name: [unclosed\n")
    assert problems[0].code == "E-YAML-SYNTAX" and problems[0].location.line is not None


def test_duplicate_key_is_refused(root) -> None:
    problems = _problems(root, "programme: tese-apply\nprogramme: tese-apply\n")
    assert problems[0].code == "E-YAML-DUPLICATE-KEY" and problems[0].location.line == 2


def test_unknown_programme_is_a_usage_error(root) -> None:
    data = copy.deepcopy(example_data())
    data["programme"] = "no-such-programme"
    write_cluster(root, "prog", data)
    with pytest.raises(UsageError):
        checking.prepare("prog", paths_of(root))


def _example_text(root) -> str:
    return (root / "inputs" / EXAMPLE / "cluster.yaml").read_text(encoding="utf-8")


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_an_impossible_date_written_bare_is_a_date_error_at_its_line(root) -> None:
    # YAML reads a bare 2024-02-30 as a timestamp and fails: it must come back as the model's error.
    text = _example_text(root)
    bare = text.replace("  date: 2024-06-14", "  date: 2024-02-30", 1)
    assert bare != text
    (problem,) = [p for p in _problems(root, bare) if p.severity == "error"]
    assert problem.code == "E-DATE-FORMAT" and problem.field == "declaration.date"
    assert problem.location is not None and problem.location.line == _line_of(bare, "date: 2024-02-30")


def test_a_raw_control_character_is_named_with_its_line(root) -> None:
    text = _example_text(root)
    dirty = text.replace("  name: 青岚经济开发区管理委员会", "  name: 青岚经济开发区\x07管理委员会", 1)
    assert dirty != text
    (problem,) = _problems(root, dirty)
    assert problem.code == "E-TEXT-CONTROL-CHAR" and "U+0007" in problem.message
    assert problem.location is not None and problem.location.line == _line_of(dirty, "\x07")


def test_aliases_that_expand_without_end_are_refused_quickly(root) -> None:
    laughs = ["programme: tese-apply", 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for k in range(1, 9):
        laughs.append(f"{chr(97 + k)}: &{chr(97 + k)} [" + ", ".join([f"*{chr(96 + k)}"] * 9) + "]")
    (problem,) = _problems(root, "\n".join(laughs) + "\n")
    assert problem.code == "E-YAML-TOO-LARGE" and problem.location is not None and problem.location.line
