"""统一社会信用代码: both checks of GB 32100 / GB 11714 (DOMAIN.md §3)."""

import pytest

from pipeline.core.codes import UsccProblem, make_uscc, uscc_problem


@pytest.mark.parametrize(
    "code", ["91110000600037341L", "91371082775260043P", "91310115MA1K3BTP2B", "9144030071526726XG"]
)
def test_valid_codes(code: str) -> None:
    assert uscc_problem(code) is None


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("91110000600037341N", UsccProblem.CHECK),
        ("9111000060003IOZSV", UsccProblem.CHARS),
        ("12345", UsccProblem.LENGTH),
    ],
)
def test_invalid_codes(code: str, problem: UsccProblem) -> None:
    assert uscc_problem(code) is problem


def test_organisation_code_check_is_applied() -> None:
    # Change the 组织机构代码 check (position 17) and repair the USCC check: only GB 11714 catches it.
    good = make_uscc("91", "370790", "16932754")
    body = good[:16] + ("1" if good[16] != "1" else "2")
    from pipeline.core.codes import uscc_check_char

    bad = body + uscc_check_char(body)
    assert uscc_problem(bad) is UsccProblem.ORG_CHECK


def test_example_codes_are_valid() -> None:
    from conftest import example_data

    data = example_data()
    codes = [data["applicant"]["credit_code"]] + [e["credit_code"] for e in data["enterprises"]]
    assert all(uscc_problem(str(c)) is None for c in codes)
