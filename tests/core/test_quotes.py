"""Every rule is as strict as the notice and no stricter: each carries the notice's own words.

The notices are fixtures (``tests/fixtures/notices/``); a quote must be found in its notice word for
word (line breaks and spaces aside, as the published text wraps lines).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT

from pipeline.stages.programmes import available, load_programme

NOTICES = Path(__file__).resolve().parents[1] / "fixtures" / "notices"


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("*", "")


def _notice(programme_id: str) -> str | None:
    files = list(NOTICES.glob(f"{programme_id}-*.txt"))
    return _flat(files[0].read_text(encoding="utf-8")) if len(files) == 1 else None


def _source(p, part: str) -> str:
    """The programme a part comes from (a programme that extends another inherits most of its parts)."""
    best = max((k for k in p.origins if part == k or part.startswith(f"{k}.")), key=len, default="")
    below = {v for k, v in p.origins.items() if k.startswith(f"{part}.")}
    return p.origins[best] if best else (below.pop() if len(below) == 1 else p.id)


def _quotes(programme_id: str) -> list[tuple[str, str, str]]:
    """(what, quote, the programme whose notice it is from) for every quote of a programme."""
    p = load_programme(ROOT / "templates", programme_id)
    out = [(f"rule {r.id}", r.quote, _source(p, f"rules.{r.id}")) for r in p.rules]
    out += [(f"relaxation {r.id}", r.quote, _source(p, f"relaxations.{r.id}")) for r in p.relaxations]
    if p.city is not None:
        where = _source(p, "city.submission")
        out.append(("submission", p.city.submission.quote, where))
        out += [(f"submission {f.what}", f.quote, where) for f in p.city.submission.files if f.quote]
    return out


# A programme whose notice is invented (``notice.example: true``, the worked example of a later
# round) has no published text: its quotes inherited from a real programme are checked against that
# programme's notice, and the quotes it states itself cannot be checked against any text. They are
# listed here, so that an example never quietly gains quotes no one has read.
EXAMPLE_OWN_QUOTES = {"tese-apply-example-2027": ["rule revenue"]}


@pytest.mark.parametrize("programme_id", available(ROOT / "templates"))
def test_every_quote_is_the_notices_own_words(programme_id: str) -> None:
    p = load_programme(ROOT / "templates", programme_id)
    quotes = _quotes(programme_id)
    assert quotes
    unread = [what for what, _q, source in quotes if _notice(source) is None]
    if p.notice.example:
        assert unread == EXAMPLE_OWN_QUOTES[programme_id]  # invented notice: its own quotes have no text
    else:
        assert unread == []  # a real notice's programme keeps the notice's text in tests/fixtures/notices/
    missing = [
        (what, q) for what, q, source in quotes if (n := _notice(source)) is not None and (not q or _flat(q) not in n)
    ]
    assert missing == []


def test_only_an_example_programme_has_no_notice_text() -> None:
    for pid in available(ROOT / "templates"):
        if _notice(pid) is None:
            assert load_programme(ROOT / "templates", pid).notice.example, pid


@pytest.mark.parametrize("programme_id", available(ROOT / "templates"))
def test_a_rule_is_advisory_exactly_when_the_notice_says_yuanze_shang(programme_id: str) -> None:
    for rule in load_programme(ROOT / "templates", programme_id).rules:
        assert rule.advisory == ("原则上" in rule.quote), rule.id


def test_the_digital_leading_firms_rule_is_advisory_and_the_others_are_not() -> None:
    rules = {r.id: r for r in load_programme(ROOT / "templates", "digital-apply").rules}
    assert rules["leading-firms"].advisory
    assert [r.id for r in rules.values() if r.advisory] == ["leading-firms"]


def test_tese_rules_invent_no_platform_threshold() -> None:
    # 第四条（四）（五）name no R&D platform and no 工业互联网平台: no rule counts platforms.
    for rule in load_programme(ROOT / "templates", "tese-apply").rules:
        for alt in rule.alternatives:
            assert alt.measure.count != "platforms", rule.id
