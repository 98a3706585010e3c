"""An empty cluster.yaml for any programme, written from its schema's model: every key, its Chinese
label, whether it is required, and its unit or choices, as comments. ``init`` writes it where a
programme has no Excel workbook layout; a user fills it in and ``validate`` says what is missing."""

from __future__ import annotations

import datetime as dt
import json
import typing
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from pipeline.core.fields import Hint, Lookup, Unit, unwrap


def _comment(info: FieldInfo, core: Any, meta: list[Any]) -> str:
    parts = [info.title or ""]
    parts.append("必填" if info.is_required() else "选填")
    meta = [*meta, *info.metadata]
    unit = next((m for m in meta if isinstance(m, Unit)), None)
    if unit:
        parts.append(f"金额带单位，如 12.5{unit}")
    if any(isinstance(m, Lookup) for m in meta):
        parts.append("市行政区划代码，如 370700")
    if typing.get_origin(core) is Literal:
        parts.append("可选：" + "、".join(str(a) for a in typing.get_args(core)))
    return "，".join(p for p in parts if p)


def _lines(model: type[BaseModel], indent: str) -> list[str]:
    out: list[str] = []
    for key, info in model.model_fields.items():
        core, meta, _optional = unwrap(info.annotation)
        comment = _comment(info, core, meta)
        if typing.get_origin(core) is list:
            (item,) = typing.get_args(core)
            item = unwrap(item)[0]
            out.append(f"{indent}{key}:  # {comment}；每项以 - 开头")
            if isinstance(item, type) and issubclass(item, BaseModel):
                inner = _lines(item, indent + "    ")
                out.append(f"{indent}  - {inner[0].lstrip()}")
                out.extend(inner[1:])
            else:
                out.append(f"{indent}  -")
        elif isinstance(core, type) and issubclass(core, BaseModel):
            out.append(f"{indent}{key}:  # {comment}")
            out.extend(_lines(core, indent + "  "))
        else:
            out.append(f"{indent}{key}:  # {comment}")
    return out


def skeleton(model: type[BaseModel], programme_id: str, title: str) -> str:
    """The text of an empty cluster.yaml for ``model``, naming ``programme_id``."""
    lines = [f"# {title}：申报数据（填写后运行 make validate CLUSTER=… 检查，make bundle CLUSTER=… 生成）", ""]
    for line in _lines(model, ""):
        if line.startswith("programme:"):
            line = f"programme: {json.dumps(programme_id)}  # 申报项目"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _yaml_scalar(value: Any) -> str:
    """A value as YAML writes it unambiguously: text quoted (a code stays text), a date as ISO."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return json.dumps(value, ensure_ascii=False)


def _key_comment(info: FieldInfo) -> str:
    core, meta, _optional = unwrap(info.annotation)
    hint = next((str(m) for m in [*info.metadata, *meta] if isinstance(m, Hint)), "")
    parts = [info.title or "", "必填" if info.is_required() else "选填", hint, info.description or ""]
    return "，".join(p for p in parts if p)


def filled(
    model: type[BaseModel], values: Mapping[str, Any], header: list[str], notes: Mapping[str, str] | None = None
) -> str:
    """A YAML file of ``model``'s keys, each with its Chinese label as a comment, ``values`` filled in.

    A key the tool cannot know, or a list with nothing known yet, is left empty after its colon
    (``clusters:``), so that items are simply written below it; ``notes`` adds to a key's comment."""
    lines = [f"# {line}" for line in header] + [""]
    for key, info in model.model_fields.items():
        comment = "，".join(p for p in (_key_comment(info), (notes or {}).get(key, "")) if p)
        value = values.get(key)
        if isinstance(value, (list, dict)) and value:
            lines.append(f"{key}:  # {comment}")
            items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
            lines += [f"  {k}: {_yaml_scalar(v)}" if k else f"  - {_yaml_scalar(v)}" for k, v in items]
        elif value is None or isinstance(value, (list, dict)):
            lines.append(f"{key}:  # {comment}")
        else:
            lines.append(f"{key}: {_yaml_scalar(value)}  # {comment}")
    return "\n".join(lines) + "\n"
