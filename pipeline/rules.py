"""The rule engine: a programme's conditions, declared as data in programme.yaml, checked on a model.

A rule measures one figure (a model field, a count of list items, a sum of fields, or a named
computed figure), compares it with a threshold in a stated unit, and reports 通过 / 未通过 / 放宽 /
缺佐证 with the clause it comes from. Nothing here knows a programme: new programmes add rules as data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .units import MONEY_UNITS, number

PASS, FAIL, RELAXED, NO_EVIDENCE = "通过", "未通过", "放宽", "缺佐证"
_OPS: dict[str, Callable[[Decimal, Decimal], bool]] = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
}
_OP_WORDS = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Measure(_Spec):
    """What a rule measures: exactly one of field, count, sum, computed."""

    field: str | None = None  # dotted model path: indicators.revenue
    count: str | None = None  # a list path: brands
    where: dict[str, list[str]] = Field(default_factory=dict)  # item field → allowed values
    sum: list[str] | None = None  # dotted paths added up
    computed: str | None = None  # a figure from COMPUTED

    @model_validator(mode="after")
    def _one(self) -> Measure:
        kinds = [k for k in ("field", "count", "sum", "computed") if getattr(self, k)]
        if len(kinds) != 1:
            raise ValueError("a measure names exactly one of field, count, sum, computed")
        if self.computed and self.computed not in COMPUTED:
            raise ValueError(f"unknown computed figure {self.computed}; known: {', '.join(COMPUTED)}")
        return self


class Relaxation(_Spec):
    id: str
    clause: str
    title: str
    flag: str  # dotted path; the relaxation is claimed when it holds a value
    evidence: str  # dotted path to the text that names the proof


class Rule(_Spec):
    id: str
    clause: str
    title: str
    measure: Measure
    op: Literal[">=", ">", "<=", "<"]
    threshold: Decimal
    unit: str
    kind: Literal["threshold", "evidence"] = "threshold"  # evidence: failing means 缺佐证
    severity: Literal["error", "warning"] = "error"
    relaxed_by: str | None = None


class RuleSet(_Spec):
    relaxations: list[Relaxation] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _refs(self) -> RuleSet:
        ids = {r.id for r in self.relaxations}
        for rule in self.rules:
            if rule.relaxed_by and rule.relaxed_by not in ids:
                raise ValueError(f"rule {rule.id} names unknown relaxation {rule.relaxed_by}")
        return self


@dataclass(frozen=True)
class Result:
    """One condition's outcome, as the terminal table, the JSON and the 自查报告 show it."""

    id: str
    clause: str
    title: str
    required: str
    actual: str
    status: str
    severity: str
    note: str = ""

    @property
    def blocking(self) -> bool:
        return self.severity == "error" and self.status in (FAIL, NO_EVIDENCE)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "blocking": self.blocking}


# Figures that are not a field: computed from the model by a named function.
COMPUTED: dict[str, Callable[[Any], Decimal]] = {
    "profile_words": lambda m: Decimal(m.profile.count.words),
    "enterprise_revenue": lambda m: sum((e.revenue for e in m.enterprises), start=Decimal(0)),
}


def resolve(model: Any, path: str) -> Any:
    """The value at a dotted path (``indicators.revenue``); None where a step is missing."""
    value = model
    for step in path.split("."):
        if value is None:
            return None
        value = value[int(step)] if isinstance(value, list) else getattr(value, step, None)
    return value


def measure(model: Any, spec: Measure) -> Decimal:
    if spec.field:
        value = resolve(model, spec.field)
        return Decimal(value) if value is not None else Decimal(0)
    if spec.count:
        items = resolve(model, spec.count) or []
        return Decimal(sum(all(str(getattr(i, k)) in v for k, v in spec.where.items()) for i in items))
    if spec.sum:
        return sum((Decimal(resolve(model, p) or 0) for p in spec.sum), start=Decimal(0))
    assert spec.computed
    return COMPUTED[spec.computed](model)


def _in_unit(value: Decimal, unit: str) -> Decimal:
    # Money is stored in 万元; a rule states its unit (亿元) and is compared in it.
    return value / MONEY_UNITS[unit] if unit in MONEY_UNITS else value


def _show(value: Decimal, unit: str, exact: bool = False) -> str:
    integral = value == value.to_integral_value()
    places = 0 if integral and (exact or unit not in MONEY_UNITS) else 2
    return f"{number(value, places)}{unit}"


def _unit_hint(rule: Rule, value: Decimal) -> str:
    """A figure off by 10⁴ from the threshold is most likely typed in the wrong unit."""
    if rule.unit not in MONEY_UNITS or value <= 0 or rule.threshold <= 0:
        return ""
    ratio = value / rule.threshold
    if ratio < Decimal("0.001") and _OPS[rule.op](value * 10000, rule.threshold):
        return f"数值只有门槛的{number(ratio * 100, 4)}%，可能把亿元填成了万元 (likely a unit mistake: 万元 for 亿元)"
    if ratio > 1000 and not _OPS[rule.op](value, rule.threshold):
        return "数值是门槛的一千倍以上，可能把万元填成了亿元 (likely a unit mistake: 亿元 for 万元)"
    return ""


def evaluate(model: Any, ruleset: RuleSet) -> list[Result]:
    """Check every rule of ``ruleset`` on ``model``."""
    relaxations = {r.id: r for r in ruleset.relaxations}
    results = []
    for rule in ruleset.rules:
        value = _in_unit(measure(model, rule.measure), rule.unit)
        ok = _OPS[rule.op](value, rule.threshold)
        required = f"{_OP_WORDS[rule.op]}{_show(rule.threshold, rule.unit, exact=True)}"
        status, note = PASS, ""
        if not ok:
            status = NO_EVIDENCE if rule.kind == "evidence" else FAIL
            note = _unit_hint(rule, value)
            relax = relaxations.get(rule.relaxed_by or "")
            if relax and resolve(model, relax.flag):
                if resolve(model, relax.evidence):
                    status = RELAXED
                    note = f"依{relax.clause}：{resolve(model, relax.flag)}，佐证：{resolve(model, relax.evidence)}"
                else:
                    note = f"声明了{relax.title}，但没有佐证材料 (relaxation claimed without evidence)"
        results.append(
            Result(rule.id, rule.clause, rule.title, required, _show(value, rule.unit), status, rule.severity, note)
        )
    return results


def summary(results: list[Result]) -> dict[str, Any]:
    counts = {s: sum(r.status == s for r in results) for s in (PASS, FAIL, RELAXED, NO_EVIDENCE)}
    blocking = [r for r in results if r.blocking]
    return {"passed": not blocking, "counts": counts, "unmet": [f"{r.clause} {r.title}" for r in blocking]}
