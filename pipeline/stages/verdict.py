"""What a city bureau says of each cluster it recommends, made from the cluster's check results.

The letter, the 汇总表 and the 审核表 state the same verdict: every condition met (达到); met only
because the notice allows a relaxation (放宽, with the fact and the clause); a 原则上 condition
missed (未达到（原则上）); or conditions missed and recommended by the bureau's decision, with its
reason (未达到). The words are the programme's (``city.letter.status`` in programme.yaml)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipeline.core import rules
from pipeline.core.programme import LetterStatus
from pipeline.core.rules import Relaxation, Result

MET, RELAXED, ADVISORY, UNMET = "达到", "放宽", "未达到（原则上）", "未达到"


def _mention(r: Result) -> str:
    return f"{r.clause}“{r.title}”（实为{r.actual}）"


def _clauses(results: list[Result]) -> str:
    return "、".join(dict.fromkeys(r.clause for r in results))


@dataclass(frozen=True)
class Verdict:
    """One cluster's check results as the bureau states them."""

    results: tuple[Result, ...]
    reason: str | None = None  # the bureau's reason, for a cluster recommended although it misses a condition

    @property
    def unmet(self) -> list[Result]:
        return [r for r in self.results if r.blocking]

    @property
    def relaxed(self) -> list[Result]:
        return [r for r in self.results if r.status == rules.RELAXED]

    @property
    def advisory(self) -> list[Result]:
        return [r for r in self.results if r.status == rules.ADVISORY]

    @property
    def labels(self) -> list[str]:
        """The statuses that apply, most serious first (达到 when none)."""
        out = [UNMET] * bool(self.unmet) + [ADVISORY] * bool(self.advisory) + [RELAXED] * bool(self.relaxed)
        return out or [MET]

    @property
    def short(self) -> str:
        """For a table cell: 达到, or each status with the clauses concerned (放宽（三（四）））."""
        parts = []
        for label, results in ((UNMET, self.unmet), (ADVISORY, self.advisory), (RELAXED, self.relaxed)):
            if results:
                parts.append(f"{label}：{_clauses(results)}")
        return "；".join(parts) or MET

    def sentence(
        self,
        words: LetterStatus,
        relaxations: list[Relaxation],
        data: Any,
        say: Callable[[str, dict[str, Any]], str],
    ) -> str:
        """The letter's statement of this cluster's check results, in the programme's words."""
        pieces: list[str] = []
        if self.unmet:
            rules_ = "、".join(_mention(r) for r in self.unmet)
            pieces.append(say(words.forced, {"rules": rules_, "reason": self.reason or ""}))
        for relax in relaxations:
            mine = [r for r in self.relaxed if r.relaxation == relax.id]
            if mine:
                values = {
                    "basis": relax.basis.format(fact=relax.fact(data)),
                    "rules": "、".join(_mention(r) for r in mine),
                    "clause": relax.clause,
                }
                pieces.append(say(words.relaxed, values))
        if self.advisory:
            pieces.append(say(words.advisory, {"rules": "、".join(_mention(r) for r in self.advisory)}))
        if not pieces:
            return say(words.met, {})
        return "；".join(pieces) + "，" + say(words.rest, {})
