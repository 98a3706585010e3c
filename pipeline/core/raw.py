"""Raw input with the location of every value, and the typed model built from it with every problem located."""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from pipeline.core.fields import how_to_fill
from pipeline.core.written import BOOL_HOW, COUNT_HOW
from pipeline.errors import Location, Problem, UsageError

M = TypeVar("M", bound=BaseModel)


# pydantic's own error types, in the users' words.
_PYDANTIC_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("E-FIELD-MISSING", "缺少必填项 (required field is missing)"),
    "extra_forbidden": ("E-FIELD-UNKNOWN", "未知字段，请检查拼写 (unknown field: check its spelling)"),
    "int_parsing": ("E-NUMBER-INT", f"应为整数：{COUNT_HOW} (must be a whole number)"),
    "int_type": ("E-NUMBER-INT", f"应为整数：{COUNT_HOW} (must be a whole number)"),
    "int_from_float": ("E-NUMBER-INT", "应为整数，不能有小数，如 268 (must be a whole number)"),
    "decimal_parsing": ("E-NUMBER", "应为数字，如 12.6（不带单位） (must be a number)"),
    "decimal_type": ("E-NUMBER", "应为数字，如 12.6（不带单位） (must be a number)"),
    "string_type": ("E-TEXT-TYPE", "应为文字：直接填写即可 (must be text)"),
    "list_type": ("E-LIST-TYPE", "应为列表（每项以 - 开头） (must be a list)"),
    "model_type": ("E-MAPPING-TYPE", "应为若干“键: 值”组成的项 (must be a mapping of keys)"),
    "model_attributes_type": ("E-MAPPING-TYPE", "应为若干“键: 值”组成的项 (must be a mapping of keys)"),
    "dict_type": ("E-MAPPING-TYPE", "应为若干“键: 值”组成的项 (must be a mapping of keys)"),
    "literal_error": ("E-CHOICE", "只能填以下之一：{expected} (must be one of the listed values)"),
    "greater_than": ("E-NUMBER-RANGE", "应大于 {gt} (must be greater than {gt})"),
    "greater_than_equal": ("E-NUMBER-RANGE", "不能小于 {ge} (must be at least {ge})"),
    "less_than_equal": ("E-NUMBER-RANGE", "不能大于 {le} (must be at most {le})"),
    "too_short": ("E-LIST-EMPTY", "至少要填 {min_length} 项 (needs at least {min_length} item(s))"),
    "string_pattern_mismatch": ("E-TEXT-PATTERN", "格式不对 (does not match the expected format)"),
    "bool_parsing": ("E-BOOL", f"应为是/否：{BOOL_HOW} (must be yes or no)"),
    "bool_type": ("E-BOOL", f"应为是/否：{BOOL_HOW} (must be yes or no)"),
    "finite_number": ("E-NUMBER-NOT-FINITE", "应为有限的数，不能是 NaN 或无穷大 (must be a finite number)"),
    "decimal_max_digits": ("E-NUMBER", "数字位数太多 (too many digits)"),
    "decimal_max_places": ("E-NUMBER", "小数位数太多 (too many decimal places)"),
    "string_too_long": ("E-TEXT-TOO-LONG", "文字太长，最多 {max_length} 个字符 (text too long)"),
    "date_type": ("E-DATE-FORMAT", "应为日期，如 2024-06-14 (must be a date)"),
    "date_parsing": ("E-DATE-FORMAT", "应为日期，如 2024-06-14 (must be a date)"),
    "date_from_datetime_inexact": ("E-DATE-FORMAT", "应为日期，如 2024-06-14 (must be a date)"),
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
        current = inner_model(info.annotation)
    return " › ".join(labels)


def inner_model(annotation: Any) -> Any:
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


def _problem(raw: RawInput, err: Any, model: type[BaseModel]) -> Problem:
    loc = tuple(err["loc"])
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if "input" in err and err["input"] is None and kind != "missing":  # a key left empty (`name:`)
        code, message = _PYDANTIC_MESSAGES["missing"]
    elif kind.startswith("E-"):  # our own validators name their code as the error type
        code, message = kind, err["msg"]
    elif kind in _PYDANTIC_MESSAGES:
        code, template = _PYDANTIC_MESSAGES[kind]
        if kind == "literal_error":  # pydantic says "'a' or 'b'": the choices, listed as Chinese lists them
            ctx = {**ctx, "expected": "、".join(re.findall(r"'([^']*)'", str(ctx.get("expected", "")))) or "—"}
        try:
            message = template.format(**{k: v for k, v in ctx.items()})
        except (KeyError, IndexError):
            message = template
    else:
        code, message = "E-VALUE", f"取值不对 (invalid value): {err['msg']}"
    if code == "E-FIELD-MISSING":
        message = _missing(model, loc)
    if kind != "missing" and "input" in err and not isinstance(err["input"], (dict, list, type(None))):
        message += f"；填的是 {err['input']!r}"
    return problem_at(raw, loc, code, message, model=model)


def field_info(model: type[BaseModel], loc: tuple[str | int, ...]) -> FieldInfo | None:
    """The field at ``loc`` (list indices stepped over), None where the model has none."""
    current: Any = model
    info: FieldInfo | None = None
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or part not in current.model_fields:
            return None
        info = current.model_fields[part]
        current = inner_model(info.annotation)
    return info


def _missing(model: type[BaseModel], loc: tuple[str | int, ...]) -> str:
    info = field_info(model, loc)
    how = how_to_fill(info) if info is not None else ""
    return f"缺少必填项，请填写{'：' + how if how else ''} (required field is missing)"


def parse(raw: RawInput, model: type[M]) -> tuple[M | None, list[Problem]]:
    """``model`` built from ``raw``, or None with one problem per error (each with its location)."""
    try:
        return model.model_validate(raw.data), []
    except ValidationError as exc:
        return None, [_problem(raw, e, model) for e in exc.errors(include_url=False)]


def problem_at(
    raw: RawInput,
    path: tuple[str | int, ...],
    code: str,
    message: str,
    severity: str = "error",
    *,
    model: type[BaseModel],
) -> Problem:
    """A problem about the value at ``path``, with its label and where it came from."""
    return Problem(
        code=code,
        message=message,
        field=".".join(str(p) for p in path),
        label=field_label(model, path),
        location=raw.where(path),
        severity=severity,
    )


Path_ = tuple[str | int, ...]


CLUSTER_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass
class RawInput:
    """The data of one input file and the location of each value by its path."""

    cluster_id: str
    file: Path
    data: dict[str, Any]
    locations: dict[Path_, Location] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # found while reading (a workbook's cells)
    year: int | None = None  # the data year, for data kept by year (inputs/<cluster>/<year>/)
    sources: tuple[Path, ...] = ()  # the earlier years' files read beside it (under ``years``)

    def where(self, path: Path_) -> Location:
        """The location of ``path``, or of its nearest parent that has one."""
        p = tuple(path)
        while p:
            if p in self.locations:
                return self.locations[p]
            p = p[:-1]
        return Location(str(self.file))


def check_cluster_id(cluster_id: str) -> str:
    """Refuse ids that are not lowercase ASCII slugs (they become folder names)."""
    if not CLUSTER_ID.match(cluster_id) or len(cluster_id) > 64:
        raise UsageError(
            f"集群编号 {cluster_id!r} 不合规：只能用小写英文字母、数字和连字符，如 qinglan-agrimachinery "
            "(cluster id must be a lowercase ASCII slug: a-z, 0-9 and '-'; no slashes, '..' or spaces)",
            code="E-USAGE-CLUSTER-ID",
        )
    return cluster_id
