"""A model as the YAML a person would write: amounts with their unit, dates as ISO text (``export --to yaml``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from pipeline.core.fields import unit_of
from pipeline.core.units import MONEY_UNITS


def to_plain(model: BaseModel) -> dict[str, Any]:
    """The model as YAML-ready data: amounts with their unit (186.45亿元), dates as ISO text."""
    out: dict[str, Any] = {}
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if value is None or value == [] and not info.is_required():
            continue
        unit = unit_of(info)
        if unit is not None and isinstance(value, Decimal):  # exact, in the unit people type it in
            out[name] = f"{(value / MONEY_UNITS[unit]).normalize():f}{unit}"
        else:
            out[name] = _plain(value)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return to_plain(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return float(value) if Decimal(str(float(value))) == value else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
