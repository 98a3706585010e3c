"""The schemas of cluster data, one module per shape, each exposing ``SCHEMA`` (a ``core.programme.Schema``).

A programme names its schema in ``programme.yaml`` (``schema: <name>``); this registry finds the
module ``pipeline/schemas/<name>.py`` by that name, so no other module imports a schema module.
Modules whose names start with ``_`` are helpers (shared context, a schema's model), not schemas.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from pipeline.core.programme import SCHEMA_NAME_CHARS, Schema


@cache
def get(name: str) -> Schema:
    """The schema ``name`` from ``pipeline/schemas/<name>.py``; ``KeyError`` when there is none."""
    if not name or not set(name) <= SCHEMA_NAME_CHARS or name not in names():
        raise KeyError(name)
    module = importlib.import_module(f"{__name__}.{name}")
    schema = getattr(module, "SCHEMA", None)
    if not isinstance(schema, Schema):
        raise KeyError(name)
    return schema


@cache
def names() -> tuple[str, ...]:
    """Every schema module's name."""
    return tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")))


def other_keys(schema: Schema) -> frozenset[str]:
    """Top-level keys that belong to some other schema: data for another programme, not a typo."""
    keys: set[str] = set()
    for name in names():
        if name != schema.name:
            keys |= get(name).keys
    return frozenset(keys - schema.keys)
