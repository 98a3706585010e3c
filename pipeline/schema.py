"""The one hook a programme has beyond data: the schema of its cluster data.

A programme folder (``templates/<id>/programme.yaml``) is data: documents, rules, materials, the
city's letter. What cannot be data is the *shape* of the cluster data its templates read: a typed
model, how that model becomes template context, the cross-field checks a model alone cannot
express, and the named figures its rules may compute. ``programme.yaml`` names these by
``schema: <name>``, and ``pipeline/schemas/<name>.py`` provides them as ``SCHEMA``.

Nothing in the pipeline branches on a programme or a schema: it asks the schema.
Several programmes may share a schema, and one cluster file may carry data for several
programmes (each schema reads its own top-level keys; keys of other schemas are left alone).

Every schema's model has these fields, which the pipeline reads:
``programme`` (one id or a list), ``cluster`` (``.name``, ``.city``, ``.city_name``),
``applicant`` (``.name``) and ``attachments`` (``list[model.Attachment]``).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from .errors import Problem
    from .load import RawInput
    from .programme import Programme

SCHEMA_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


def _no_checks(raw: RawInput, data: Any, programme: Programme) -> list[Problem]:
    return []


def _no_facts(data: Any) -> dict[str, Any]:
    return {}


def _no_headline(data: Any) -> str:
    return ""


@dataclass(frozen=True)
class Schema:
    """What a programme's templates need from cluster data, beyond what programme.yaml declares."""

    name: str
    model: type[BaseModel]  # the typed cluster data (pydantic), validated at the boundary
    context: Callable[[Any, Programme], dict[str, Any]]  # model → template context, values formatted
    # cross-field checks, with locations; the programme gives the notice's facts (``data:``) they read
    checks: Callable[[RawInput, Any, Programme], list[Problem]] = _no_checks
    computed: Mapping[str, Callable[[Any], Decimal]] = field(default_factory=dict)  # figures for rules
    facts: Callable[[Any], dict[str, Any]] = _no_facts  # extra entries for manifest.json
    headline: Callable[[Any], str] = _no_headline  # one line the CLI shows after building or validating
    workbook: bool = False  # the Excel workbook layout (pipeline/workbook.py) covers this model

    @property
    def keys(self) -> frozenset[str]:
        """The top-level keys of a cluster file this schema reads."""
        return frozenset(self.model.model_fields)


@cache
def get(name: str) -> Schema:
    """The schema ``name`` from ``pipeline/schemas/<name>.py``; ``KeyError`` when there is none."""
    if not name or not set(name) <= SCHEMA_NAME_CHARS or name not in names():
        raise KeyError(name)
    module = importlib.import_module(f"{__package__}.schemas.{name}")
    schema = getattr(module, "SCHEMA", None)
    if not isinstance(schema, Schema):
        raise KeyError(name)
    return schema


@cache
def names() -> tuple[str, ...]:
    from . import schemas

    return tuple(sorted(m.name for m in pkgutil.iter_modules(schemas.__path__) if not m.name.startswith("_")))


def other_keys(schema: Schema) -> frozenset[str]:
    """Top-level keys that belong to some other schema: data for another programme, not a typo."""
    keys: set[str] = set()
    for name in names():
        if name != schema.name:
            keys |= get(name).keys
    return frozenset(keys - schema.keys)
