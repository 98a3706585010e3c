"""The rule engine: a programme's conditions, declared as data in programme.yaml, checked on a model.

A rule measures one figure (a model field, a count of list items, a sum of fields, or a named
computed figure), compares it with a threshold in a stated unit, and reports 通过 / 未达到 / 放宽 /
缺佐证 with the clause it comes from and the notice's own words (``quote``). A rule the notice states
with 原则上 is ``advisory``: missing it reads 未达到（原则上） and blocks nothing. Nothing here knows a
programme: new programmes add rules as data."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipeline.core.units import MONEY_UNITS, number, parse_money

PASS, FAIL, RELAXED, NO_EVIDENCE = "通过", "未达到", "放宽", "缺佐证"


ADVISORY = "未达到（原则上）"  # a 原则上 condition missed: reported everywhere, blocking nothing


STATUSES = (PASS, FAIL, ADVISORY, RELAXED, NO_EVIDENCE)


_OPS: dict[str, Callable[[Decimal, Decimal], bool]] = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
}


_OP_WORDS = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Scalar = str | int | float | bool


Comparison = dict[Literal[">=", ">", "<=", "<", "=="], Scalar]


class Measure(_Spec):
    """What a rule measures: exactly one of field, count, total, sum, ratio, computed.

    ``count`` and ``total`` go over a list's items, filtered by ``where`` (item field → allowed
    values, or a comparison such as ``{">=": "10亿元"}``); ``total`` adds the item fields ``of``.
    ``typed`` names a total the user typed for the same figure: when the list has matching items
    the list decides and a different typed total is noted; with no list at all the typed total is used.
    """

    field: str | None = None  # dotted model path: indicators.revenue
    count: str | None = None  # a list path: brands
    total: str | None = None  # a list path whose items' ``of`` fields are added up
    of: list[str] = Field(default_factory=list)
    where: dict[str, list[Scalar] | Comparison] = Field(default_factory=dict)
    sum: list[str] | None = None  # dotted paths added up
    ratio: Ratio | None = None  # of / to
    computed: str | None = None  # a figure the programme's schema computes
    typed: str | None = None  # dotted path of a typed total to cross-check a count or total
    unit: str | None = None  # inside a ratio: the unit its notes show this part in (亿元)

    @model_validator(mode="after")
    def _one(self) -> Measure:
        kinds = [k for k in ("field", "count", "total", "sum", "ratio", "computed") if getattr(self, k)]
        if len(kinds) != 1:
            raise ValueError("a measure names exactly one of field, count, total, sum, ratio, computed")
        if self.total and not self.of:
            raise ValueError("a total names the item fields it adds: of: [revenue]")
        if (self.where or self.of) and not (self.count or self.total):
            raise ValueError("where and of go with count or total")
        if self.typed and not (self.count or self.total):
            raise ValueError("typed goes with count or total")
        return self


class Ratio(_Spec):
    of: Measure
    to: Measure


Measure.model_rebuild()


class Relaxation(_Spec):
    """Either a claim (``flag`` holds a value, proven by attachments of ``proof``) or a condition (``when``).

    ``basis`` says the fact it rests on, with ``{fact}`` for the claim or the ``when`` values; the
    letter, the 汇总表 and the packet's own disclosure use it, so the wording is the programme's.
    """

    id: str
    clause: str
    title: str
    quote: str  # the notice's own words that allow it
    basis: str = "{fact}"  # e.g. 主导产业为{fact}
    flag: str | None = None  # dotted path; the relaxation is claimed when it holds a value
    evidence: str | None = None  # dotted path to the text that says where the fact comes from
    proof: str | None = None  # the material (proof category) whose attachments prove the claim
    proof_note: str = ""  # for a condition: where the packet shows the fact it rests on
    when: dict[str, list[Scalar]] | None = None  # dotted path → values for which the relaxation holds

    @model_validator(mode="after")
    def _kind(self) -> Relaxation:
        if bool(self.when) == bool(self.flag):
            raise ValueError(f"relaxation {self.id} needs either flag (with proof), or when")
        if self.flag and not self.proof:
            raise ValueError(f"relaxation {self.id}: a claim names the proof category (proof:) that proves it")
        return self

    def fact(self, model: Any) -> str:
        """The claim, or the ``when`` values, as the basis shows them."""
        if self.when:
            return "、".join(str(resolve(model, p)) for p in self.when)
        return str(resolve(model, self.flag or "") or "")

    def claimed(self, model: Any) -> bool:
        """Whether ``model`` claims (or, for a condition, meets) the relaxation."""
        if self.when:
            return all(resolve(model, path) in values for path, values in self.when.items())
        return bool(resolve(model, self.flag or ""))

    def proven(self, model: Any) -> int:
        """The attachments filed under the relaxation's proof category (for a condition: not needed)."""
        if self.proof is None:
            return 1
        return sum(getattr(a, "category", None) == self.proof for a in (getattr(model, "attachments", None) or []))

    def holds(self, model: Any) -> tuple[bool, str]:
        """Whether the relaxation applies to ``model``, and the note that says why (or why not)."""
        if not self.claimed(model):
            return False, ""
        basis = self.basis.format(fact=self.fact(model))
        if not self.proven(model):
            return False, f"声明了{basis}，但没有{self.title}的证明材料 (relaxation claimed without proof)"
        source = resolve(model, self.evidence) if self.evidence else None
        return True, f"依{self.clause}：{basis}" + (f"（依据：{source}）" if source else "")


class Alternative(_Spec):
    """One way to meet an ``any_of`` rule."""

    label: str
    measure: Measure
    op: Literal[">=", ">", "<=", "<"]
    threshold: Decimal


class Rule(_Spec):
    """A condition: ``measure op threshold``, or ``any_of`` several such alternatives."""

    id: str
    clause: str
    title: str
    measure: Measure | None = None
    op: Literal[">=", ">", "<=", "<"] | None = None
    threshold: Decimal | None = None
    any_of: list[Alternative] | None = None
    unit: str
    quote: str  # the notice's own words this rule implements, copied exactly
    kind: Literal["threshold", "evidence"] = "threshold"  # evidence: failing means 缺佐证
    advisory: bool = False  # the notice says 原则上: missing it is reported, never blocking
    relaxed_by: str | None = None

    @model_validator(mode="after")
    def _form(self) -> Rule:
        parts = (self.measure is not None, self.op is not None, self.threshold is not None)
        if self.any_of is not None:
            if any(parts) or not self.any_of:
                raise ValueError(f"rule {self.id}: any_of lists alternatives, instead of measure, op and threshold")
        elif not all(parts):
            raise ValueError(f"rule {self.id} needs measure, op and threshold, or any_of")
        if self.advisory != ("原则上" in self.quote):
            raise ValueError(f"rule {self.id}: advisory: true exactly when the notice's words (quote) say 原则上")
        return self

    @property
    def alternatives(self) -> list[Alternative]:
        if self.any_of:
            return list(self.any_of)
        assert self.measure is not None and self.op is not None and self.threshold is not None
        return [Alternative(label="", measure=self.measure, op=self.op, threshold=self.threshold)]


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

    def computed_names(self) -> set[str]:
        """The computed figures the rules use (each programme's schema must provide them)."""
        names: set[str] = set()

        def walk(m: Measure) -> None:
            if m.computed:
                names.add(m.computed)
            if m.ratio:
                walk(m.ratio.of)
                walk(m.ratio.to)

        for rule in self.rules:
            for alt in rule.alternatives:
                walk(alt.measure)
        return names


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
    quote: str = ""
    relaxation: str = ""  # the id of the relaxation that made it 放宽

    @property
    def blocking(self) -> bool:
        return self.status in (FAIL, NO_EVIDENCE)

    @property
    def met(self) -> bool:
        return self.status == PASS

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "blocking": self.blocking}


def resolve(model: Any, path: str) -> Any:
    """The value at a dotted path (``indicators.revenue``); None where a step is missing."""
    value = model
    for step in path.split("."):
        if value is None:
            return None
        value = value[int(step)] if isinstance(value, list) else getattr(value, step, None)
    return value


@dataclass(frozen=True)
class Measured:
    value: Decimal
    note: str = ""  # how it was measured, when that matters (a typed total used, or contradicted)


Computed = Mapping[str, Callable[[Any], Decimal]]


def _limit(value: Scalar) -> Decimal:
    # Money in a condition (10亿元) compares with the model's 万元; other values as they are.
    if isinstance(value, str) and value.endswith(tuple(MONEY_UNITS)):
        return parse_money(value)
    return Decimal(str(value))


def _matches(item: Any, where: dict[str, list[Scalar] | Comparison]) -> bool:
    for key, cond in where.items():
        value = resolve(item, key)
        if isinstance(cond, dict):
            if value is None or not all(_COMPARE[op](Decimal(value), _limit(lim)) for op, lim in cond.items()):
                return False
        elif value not in cond and str(value) not in [str(c) for c in cond]:
            return False
    return True


def measure(model: Any, spec: Measure, computed: Computed | None = None, unit: str = "") -> Measured:
    """``spec`` measured on ``model``; money stays in 万元 (the rule converts). Notes show figures in ``unit``."""
    if spec.field:
        value = resolve(model, spec.field)
        return Measured(Decimal(value) if value is not None else Decimal(0))
    if spec.sum:
        return Measured(sum((Decimal(resolve(model, p) or 0) for p in spec.sum), start=Decimal(0)))
    if spec.ratio:
        num = measure(model, spec.ratio.of, computed, spec.ratio.of.unit or "")
        den = measure(model, spec.ratio.to, computed, spec.ratio.to.unit or "")
        scale = Decimal(100) if unit in ("%", "％") else Decimal(1)
        value = num.value / den.value * scale if den.value else Decimal(0)
        return Measured(value, "；".join(n for n in (num.note, den.note) if n))
    if spec.computed:
        return Measured((computed or {})[spec.computed](model))
    listed = resolve(model, spec.count or spec.total or "") or []
    items = [i for i in listed if _matches(i, spec.where)]
    if spec.count:
        value = Decimal(len(items))
    else:
        value = sum((Decimal(resolve(i, f) or 0) for i in items for f in spec.of), start=Decimal(0))
    typed = resolve(model, spec.typed) if spec.typed else None
    if typed is None:
        return Measured(value)
    typed = Decimal(typed)
    if not listed:
        return Measured(typed, "未填名单，按填报总数计 (no list given: typed total used)")
    if typed != value:
        listed_shown, typed_shown = _show(_in_unit(value, unit), unit), _show(_in_unit(typed, unit), unit)
        return Measured(
            value,
            f"名单合计{listed_shown}，填报总数{typed_shown}，两者不一致，以名单为准 (list and typed total disagree)",
        )
    return Measured(value)


_COMPARE: dict[str, Callable[[Decimal, Decimal], bool]] = {**_OPS, "==": lambda a, b: a == b}


def _in_unit(value: Decimal, unit: str) -> Decimal:
    # Money is stored in 万元; a rule states its unit (亿元) and is compared in it.
    return value / MONEY_UNITS[unit] if unit in MONEY_UNITS else value


def _show(value: Decimal, unit: str, exact: bool = False, op: str = "", threshold: Decimal | None = None) -> str:
    """``value`` with its unit; never rounded so far that it seems to meet a threshold it misses, or the reverse."""
    integral = value == value.to_integral_value()
    places = 0 if integral and (exact or unit not in MONEY_UNITS) else 2
    if op and threshold is not None and not integral:
        ok = _OPS[op](value, threshold)
        while places < 6 and _OPS[op](Decimal(number(value, places).replace(",", "")), threshold) != ok:
            places += 1
    return f"{number(value, places)}{unit}"


def _unit_hint(op: str, threshold: Decimal, unit: str, value: Decimal) -> str:
    """A figure off by 10⁴ from the threshold is most likely typed in the wrong unit."""
    if unit not in MONEY_UNITS or value <= 0 or threshold <= 0:
        return ""
    ratio = value / threshold
    if ratio < Decimal("0.001") and _OPS[op](value * 10000, threshold):
        return f"数值只有门槛的{number(ratio * 100, 4)}%，可能把亿元填成了万元 (likely a unit mistake: 万元 for 亿元)"
    if ratio > 1000 and not _OPS[op](value, threshold):
        return "数值是门槛的一千倍以上，可能把万元填成了亿元 (likely a unit mistake: 亿元 for 万元)"
    return ""


def evaluate(model: Any, ruleset: RuleSet, computed: Computed | None = None) -> list[Result]:
    """Check every rule of ``ruleset`` on ``model``."""
    relaxations = {r.id: r for r in ruleset.relaxations}
    results = []
    for rule in ruleset.rules:
        shown, notes, hints, ok = [], [], [], False
        for alt in rule.alternatives:
            measured = measure(model, alt.measure, computed, rule.unit)
            value = _in_unit(measured.value, rule.unit)
            passed = _OPS[alt.op](value, alt.threshold)
            ok = ok or passed
            prefix = f"{alt.label}" if alt.label else ""
            shown.append(prefix + _show(value, rule.unit, op=alt.op, threshold=alt.threshold))
            if measured.note:
                notes.append(prefix + measured.note)
            if not passed:
                hints.append(_unit_hint(alt.op, alt.threshold, rule.unit, value))
        required = "或".join(
            f"{a.label}{_OP_WORDS[a.op]}{_show(a.threshold, rule.unit, exact=True)}" for a in rule.alternatives
        )
        status, relaxed_by = PASS, ""
        if not ok:
            status = NO_EVIDENCE if rule.kind == "evidence" else ADVISORY if rule.advisory else FAIL
            notes.extend(h for h in hints if h)
            relax = relaxations.get(rule.relaxed_by or "")
            if relax:
                holds, why = relax.holds(model)
                if holds:
                    status, relaxed_by = RELAXED, relax.id
                if why:
                    notes.insert(0, why)
        actual = "，".join(shown)
        results.append(
            Result(
                rule.id,
                rule.clause,
                rule.title,
                required,
                actual,
                status,
                "advisory" if rule.advisory else "error",
                "；".join(notes),
                rule.quote,
                relaxed_by,
            )
        )
    return results


def summary(results: list[Result]) -> dict[str, Any]:
    counts = {s: sum(r.status == s for r in results) for s in STATUSES}
    blocking = [r for r in results if r.blocking]
    return {
        "passed": not blocking,
        "counts": counts,
        "unmet": [f"{r.clause} {r.title}" for r in blocking],
        "advisory": [f"{r.clause} {r.title}" for r in results if r.status == ADVISORY],
        "relaxed": [f"{r.clause} {r.title}" for r in results if r.status == RELAXED],
    }
