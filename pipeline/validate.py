"""Raw input → typed model. Collects every problem with its location, then fails once."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import DataInvalid, Problem
from .load import RawInput
from .model import ClusterData

PROFILE_LIMIT = 3000  # 第六条（二）: 发展情况简介（3000字以内）

# pydantic's own error types, in the users' words.
_PYDANTIC_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("E-FIELD-MISSING", "缺少必填项 (required field is missing)"),
    "extra_forbidden": ("E-FIELD-UNKNOWN", "未知字段，请检查拼写 (unknown field: check its spelling)"),
    "int_parsing": ("E-NUMBER-INT", "应为整数 (must be a whole number)"),
    "int_type": ("E-NUMBER-INT", "应为整数 (must be a whole number)"),
    "int_from_float": ("E-NUMBER-INT", "应为整数，不能有小数 (must be a whole number)"),
    "decimal_parsing": ("E-NUMBER", "应为数字 (must be a number)"),
    "decimal_type": ("E-NUMBER", "应为数字 (must be a number)"),
    "string_type": ("E-TEXT-TYPE", "应为文字 (must be text)"),
    "list_type": ("E-LIST-TYPE", "应为列表（每项以 - 开头） (must be a list)"),
    "model_type": ("E-MAPPING-TYPE", "应为若干“键: 值”组成的项 (must be a mapping of keys)"),
    "model_attributes_type": ("E-MAPPING-TYPE", "应为若干“键: 值”组成的项 (must be a mapping of keys)"),
    "dict_type": ("E-MAPPING-TYPE", "应为若干“键: 值”组成的项 (must be a mapping of keys)"),
    "literal_error": ("E-CHOICE", "只能填 {expected} (must be one of the listed values)"),
    "greater_than": ("E-NUMBER-RANGE", "应大于 {gt} (must be greater than {gt})"),
    "greater_than_equal": ("E-NUMBER-RANGE", "不能小于 {ge} (must be at least {ge})"),
    "less_than_equal": ("E-NUMBER-RANGE", "不能大于 {le} (must be at most {le})"),
    "too_short": ("E-LIST-EMPTY", "至少要填 {min_length} 项 (needs at least {min_length} item(s))"),
    "string_pattern_mismatch": ("E-TEXT-PATTERN", "格式不对 (does not match the expected format)"),
    "bool_parsing": ("E-BOOL", "应为 是/否（true/false） (must be yes or no)"),
}


def field_label(model: type[BaseModel], loc: tuple[str | int, ...]) -> str:
    """The Chinese labels along ``loc``: ``申报单位 › 统一社会信用代码``; list items as ``第2项``."""
    labels: list[str] = []
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            labels.append(f"第{part + 1}项")
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or part not in current.model_fields:
            labels.append(str(part))
            current = None
            continue
        info = current.model_fields[part]
        labels.append(info.title or part)
        current = _inner_model(info.annotation)
    return " › ".join(labels)


def _inner_model(annotation: Any) -> Any:
    """The model class inside ``list[X]``, ``X | None`` or ``Annotated[X, ...]``."""
    stack = [annotation]
    while stack:
        ann = stack.pop()
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            return ann
        origin = typing.get_origin(ann)
        if origin in (list, typing.Union, types.UnionType, typing.Annotated):
            stack.extend(a for a in typing.get_args(ann) if a is not type(None))
    return None


def _problem(raw: RawInput, err: Any) -> Problem:
    loc = tuple(err["loc"])
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind.startswith("E-"):  # our own validators name their code as the error type
        code, message = kind, err["msg"]
    elif kind in _PYDANTIC_MESSAGES:
        code, template = _PYDANTIC_MESSAGES[kind]
        try:
            message = template.format(**{k: v for k, v in ctx.items()})
        except (KeyError, IndexError):
            message = template
    else:
        code, message = "E-VALUE", f"取值不对 (invalid value): {err['msg']}"
    if kind != "missing" and "input" in err and not isinstance(err["input"], (dict, list)):
        message += f"；填的是 {err['input']!r}"
    return Problem(
        code=code,
        message=message,
        field=".".join(str(p) for p in loc),
        label=field_label(ClusterData, loc),
        location=raw.where(loc),
    )


def validate(raw: RawInput, programme_id: str | None = None) -> tuple[ClusterData, list[Problem]]:
    """Build the model from ``raw``; raise ``DataInvalid`` with every error, else return warnings."""
    problems: list[Problem] = []
    model: ClusterData | None = None
    try:
        model = ClusterData.model_validate(raw.data)
    except ValidationError as exc:
        problems.extend(_problem(raw, e) for e in exc.errors(include_url=False))
    if model is not None:
        problems.extend(_data_checks(raw, model, programme_id))
    if any(p.severity == "error" for p in problems):
        raise DataInvalid(raw.cluster_id, problems)
    assert model is not None
    return model, problems


def _data_checks(raw: RawInput, model: ClusterData, programme_id: str | None) -> list[Problem]:
    problems: list[Problem] = []
    if programme_id and model.programme != programme_id:
        problems.append(
            Problem(
                "E-PROGRAMME-MISMATCH",
                f"数据写的申报项目是 {model.programme}，但要生成的是 {programme_id} (data is for another programme)",
                field="programme",
                label="申报项目",
                location=raw.where(("programme",)),
            )
        )
    count = model.profile.count
    where = raw.where(("profile",))
    if count.words > PROFILE_LIMIT:
        problems.append(
            Problem(
                "E-PROFILE-TOO-LONG",
                f"发展情况简介按 Word 计 {count.words} 字，超过 {PROFILE_LIMIT} 字的上限 {count.words - PROFILE_LIMIT} 字"
                f"（字符数不计空格 {count.chars_no_spaces}） (profile is over the 3000-字 limit of 第六条（二）)",
                field="profile",
                label="发展情况简介",
                location=where,
            )
        )
    elif count.words > PROFILE_LIMIT * 0.95 or count.chars_no_spaces > PROFILE_LIMIT:
        problems.append(
            Problem(
                "W-PROFILE-NEAR-LIMIT",
                f"发展情况简介按 Word 计 {count.words} 字（字符数不计空格 {count.chars_no_spaces}），接近 {PROFILE_LIMIT} 字上限；"
                "WPS 的计数可能更高 (profile is close to the limit)",
                field="profile",
                label="发展情况简介",
                location=where,
                severity="warning",
            )
        )
    return problems
