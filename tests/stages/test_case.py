"""One Case: a cluster is read and checked once, and every problem it has comes out of that one pass."""

from __future__ import annotations

import pytest
from conftest import EXAMPLE, ROOT, example_data, paths_of, run_cli, write_cluster

from pipeline.core.case import Case
from pipeline.errors import DataInvalid
from pipeline.stages import check as checking


def _four_problems(root):
    data = example_data()
    data["indicators"]["employees"] = "很多"  # a wrong type
    data["applicant"]["credit_code"] = "11370790MB1K4Q2732"  # a bad check character
    data["attachments"][0]["category"] = "no-such-category"  # an unknown proof category
    data["attachments"][1]["file"] = "不存在.pdf"  # a missing file
    return write_cluster(root, "four", data)


EXPECTED = {
    "indicators.employees": "E-NUMBER-INT",
    "applicant.credit_code": "E-USCC-CHECK",
    "attachments.0.category": "E-ATTACHMENT-CATEGORY",
    "attachments.1.file": "E-ATTACHMENT-MISSING",
}


def test_every_problem_of_a_cluster_comes_in_one_run(root) -> None:
    _four_problems(root)
    with pytest.raises(DataInvalid) as info:
        checking.check("four", paths_of(root))
    found = {p.field: p.code for p in info.value.problems if p.severity == "error"}
    assert found == EXPECTED
    assert all(p.location is not None and p.location.line for p in info.value.problems if p.severity == "error")


@pytest.mark.parametrize("command", ["validate", "bundle"])
def test_validate_and_bundle_say_the_same_four_problems(root, command) -> None:
    _four_problems(root)
    r = run_cli(command, "four", "--root", str(root))
    assert r.returncode == 3, r.stderr
    for field, code in EXPECTED.items():
        line = next(line for line in r.stderr.splitlines() if f"({field})" in line)
        assert f"[{code}]" in line and "第" in line and "行" in line, line
    assert "Traceback" not in r.stderr
    assert not (root / "outputs" / "tese-apply" / "four").exists()


def test_the_case_is_immutable_and_holds_what_later_stages_read(root) -> None:
    case = checking.check(EXAMPLE, paths_of(root))
    assert isinstance(case, Case) and case.passed and case.cluster_id == EXAMPLE
    assert case.proofs and case.results and case.signed and case.standing.today == case.today
    with pytest.raises(AttributeError):
        case.data = None  # type: ignore[misc]
    with pytest.raises(TypeError):
        case.signed["x"] = ROOT  # type: ignore[index]
