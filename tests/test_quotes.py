"""Every rule is as strict as the notice and no stricter: each carries the notice's own words.

The notices are fixtures (``tests/fixtures/notices/``); a quote must be found in its notice word for
word (line breaks and spaces aside, as the published text wraps lines).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT

from pipeline.programme import available, load_programme

NOTICES = Path(__file__).resolve().parent / "fixtures" / "notices"


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("*", "")


def _notice(programme_id: str) -> str:
    (file,) = NOTICES.glob(f"{programme_id}-*.txt")
    return _flat(file.read_text(encoding="utf-8"))


def _quotes(programme_id: str) -> list[tuple[str, str]]:
    p = load_programme(ROOT / "templates", programme_id)
    out = [(f"rule {r.id}", r.quote) for r in p.rules]
    out += [(f"relaxation {r.id}", r.quote) for r in p.relaxations]
    if p.city is not None:
        out.append(("submission", p.city.submission.quote))
        out += [(f"submission {f.what}", f.quote) for f in p.city.submission.files if f.quote]
    return out


@pytest.mark.parametrize("programme_id", available(ROOT / "templates"))
def test_every_quote_is_the_notices_own_words(programme_id: str) -> None:
    notice = _notice(programme_id)
    quotes = _quotes(programme_id)
    assert quotes
    missing = [(what, q) for what, q in quotes if not q or _flat(q) not in notice]
    assert missing == []


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
