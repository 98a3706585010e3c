"""What the packet itself says of its checks: the template context beyond the schema's."""

from __future__ import annotations

from typing import Any

from pipeline.core import case, rules
from pipeline.core.programme import Programme

CN_ORDINALS = "一二三四五六七八九十"


def relaxations_in_effect(
    programme: Programme, data: Any, results: list[rules.Result], proofs: list[Any]
) -> list[dict[str, Any]]:
    """Each relaxation a condition was met by: the notice's words, the fact, the conditions, the proof."""
    out: list[dict[str, Any]] = []
    for relax in programme.relaxations:
        relaxed = [r for r in results if r.status == rules.RELAXED and r.relaxation == relax.id]
        if not relaxed:
            continue
        shown = [p for p in proofs if relax.proof and p.material.id == relax.proof]
        proof = "；".join(f"佐证材料{p.number}　{p.item.title}（附后）" for p in shown) or relax.proof_note
        out.append(
            {
                "no": CN_ORDINALS[len(out)],
                "id": relax.id,
                "title": relax.title,
                "clause": relax.clause,
                "quote": relax.quote,
                "basis": relax.basis.format(fact=relax.fact(data)),
                "proof": proof,
                "rules": [
                    {"no": str(i), "clause": r.clause, "title": r.title, "required": r.required, "actual": r.actual}
                    for i, r in enumerate(relaxed, start=1)
                ],
            }
        )
    return out


def packet_context(
    programme: Programme, data: Any, results: list[rules.Result], proofs: list[case.Proof]
) -> dict[str, Any]:
    """The schema's template context, with what the packet itself says of its checks and proofs."""
    context = programme.data_schema.context(data, programme)
    context["relaxations"] = relaxations_in_effect(programme, data, results, proofs)
    context["sensitive"] = any(p.item.sensitive for p in proofs)
    return context
