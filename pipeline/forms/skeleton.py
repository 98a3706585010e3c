"""An empty cluster.yaml for any programme, written from its schema's model: every key, its Chinese
label, whether it is required, and its unit or choices, as comments. ``init`` writes it where a
programme has no Excel workbook layout; a user fills it in and ``validate`` says what is missing."""

from __future__ import annotations

import json
import types
import typing
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from pipeline.core.fields import Lookup, Unit


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """The core type of an annotation (without Optional/Annotated) and its metadata."""
    meta: list[Any] = []
    while True:
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0]
        elif origin is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            meta.extend(extra)
        else:
            return annotation, meta


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
        core, meta = _unwrap(info.annotation)
        comment = _comment(info, core, meta)
        if typing.get_origin(core) is list:
            (item,) = typing.get_args(core)
            item, _ = _unwrap(item)
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
