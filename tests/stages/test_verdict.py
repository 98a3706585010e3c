"""The bureau's words for each verdict, made from check results alone (no documents built)."""

from __future__ import annotations

from pipeline.core import rules
from pipeline.core.programme import LetterStatus
from pipeline.core.rules import Relaxation, Result
from pipeline.stages.verdict import Verdict

WORDS = LetterStatus(
    met="符合申报条件",
    relaxed="{{ basis }}，{{ rules }}按{{ clause }}适当放宽",
    advisory="{{ rules }}未达到（该项为“原则上”要求）",
    forced="{{ rules }}未达到，我局推荐理由：{{ reason }}",
    rest="其余条件均符合",
)
RELAX = Relaxation(
    id="ai", clause="三（末段）", title="t", quote="q", basis="主导产业为{fact}", when={"industry": ["人工智能"]}
)


class Data:
    industry = "人工智能"


def say(template: str, values: dict) -> str:
    import jinja2

    return jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(template).render(values)


def result(rid: str, status: str, relaxation: str = "") -> Result:
    return Result(rid, "三（四）", f"条件{rid}", "≥3家", "2家", status, "error", "", "q", relaxation)


def sentence(*results: Result, reason: str | None = None) -> str:
    return Verdict(results, reason).sentence(WORDS, [RELAX], Data(), say)


def test_every_condition_met() -> None:
    v = Verdict((result("a", rules.PASS),))
    assert (v.short, v.labels) == ("达到", ["达到"])
    assert sentence(result("a", rules.PASS)) == "符合申报条件"


def test_met_by_a_relaxation_names_the_fact_the_condition_and_the_clause() -> None:
    r = result("a", rules.RELAXED, "ai")
    assert Verdict((r,)).short == "放宽：三（四）"
    assert sentence(result("b", rules.PASS), r) == (
        "主导产业为人工智能，三（四）“条件a”（实为2家）按三（末段）适当放宽，其余条件均符合"
    )


def test_a_yuanze_shang_condition_missed_is_said_so() -> None:
    r = result("a", rules.ADVISORY)
    assert Verdict((r,)).short == "未达到（原则上）：三（四）"
    assert sentence(r) == "三（四）“条件a”（实为2家）未达到（该项为“原则上”要求），其余条件均符合"


def test_a_forced_cluster_names_what_it_misses_and_the_reason() -> None:
    r = result("a", rules.FAIL)
    missing = result("b", rules.NO_EVIDENCE)
    assert Verdict((r, missing), "理由").short == "未达到：三（四）"
    assert sentence(r, missing, reason="带动作用突出") == (
        "三（四）“条件a”（实为2家）、三（四）“条件b”（实为2家）未达到，我局推荐理由：带动作用突出，其余条件均符合"
    )


def test_several_at_once_most_serious_first() -> None:
    got = sentence(result("a", rules.ADVISORY), result("b", rules.RELAXED, "ai"), result("c", rules.FAIL), reason="r")
    assert got.index("我局推荐理由") < got.index("适当放宽") < got.index("原则上")
    v = Verdict((result("a", rules.ADVISORY), result("b", rules.RELAXED, "ai"), result("c", rules.FAIL)))
    assert v.labels == ["未达到", "未达到（原则上）", "放宽"]
