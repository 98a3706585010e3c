"""Raw input → typed model. Collects every problem with its location, then fails once."""

from __future__ import annotations

import types
import typing
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .codes import normalise_wenhao
from .errors import DataInvalid, Problem
from .load import RawInput
from .model import ClusterData, Indicators
from .units import yi

M = TypeVar("M", bound=BaseModel)
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


def _problem(raw: RawInput, err: Any, model: type[BaseModel] = ClusterData) -> Problem:
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
    return _problem_at(raw, loc, code, message, model=model)


def parse(raw: RawInput, model: type[M]) -> tuple[M | None, list[Problem]]:
    """``model`` built from ``raw``, or None with one problem per error (each with its location)."""
    try:
        return model.model_validate(raw.data), []
    except ValidationError as exc:
        return None, [_problem(raw, e, model) for e in exc.errors(include_url=False)]


def validate(raw: RawInput, programme_id: str | None = None) -> tuple[ClusterData, list[Problem]]:
    """Build the model from ``raw``; raise ``DataInvalid`` with every error, else return warnings."""
    model, parsed = parse(raw, ClusterData)
    seen = {p.field for p in raw.problems}  # a cell already reported is not reported again as missing
    problems = [*raw.problems, *(p for p in parsed if p.field not in seen)]
    problems.extend(_corrected_wenhao(raw))  # from the raw text, so it is said even beside errors
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
    problems.extend(_consistency(raw, model))
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


def _problem_at(
    raw: RawInput,
    path: tuple[str | int, ...],
    code: str,
    message: str,
    severity: str = "error",
    model: type[BaseModel] = ClusterData,
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


def _consistency(raw: RawInput, m: ClusterData) -> list[Problem]:
    """Figures that cannot contradict each other, and totals that look typed in the wrong unit."""
    out: list[Problem] = []
    ind = m.indicators
    for key in (
        "above_scale_enterprises",
        "high_tech_enterprises",
        "specialised_smes",
        "little_giants",
        "gazelles",
        "champions",
    ):
        part = getattr(ind, key)
        if part > ind.enterprises:
            title = _title(key)
            out.append(
                _problem_at(
                    raw,
                    ("indicators", key),
                    "E-COUNT-CONTRADICTION",
                    f"{title} {part} 多于企业总户数 {ind.enterprises} (a part exceeds the total of enterprises)",
                )
            )
    for key in ("leading_industry_revenue", "profit", "tax", "rd_expense", "export"):
        value = getattr(ind, key)
        if value is not None and value > ind.revenue:
            hint = _unit_hint(value, ind.revenue)
            out.append(
                _problem_at(
                    raw,
                    ("indicators", key),
                    "E-AMOUNT-CONTRADICTION",
                    f"{_title(key)} {yi(value)} 大于集群营业收入 {yi(ind.revenue)}{hint} (a part exceeds the cluster's revenue)",
                )
            )
    for i, e in enumerate(m.enterprises):
        if e.revenue > ind.revenue:
            out.append(
                _problem_at(
                    raw,
                    ("enterprises", i, "revenue"),
                    "E-AMOUNT-CONTRADICTION",
                    f"{e.name} 的营业收入 {yi(e.revenue)} 大于集群营业收入 {yi(ind.revenue)}{_unit_hint(e.revenue, ind.revenue)} "
                    "(a firm's revenue exceeds the cluster's)",
                )
            )
    total = sum((e.revenue for e in m.enterprises), start=Decimal(0))
    if total > ind.revenue and not any(e.revenue > ind.revenue for e in m.enterprises):
        out.append(
            _problem_at(
                raw,
                ("indicators", "revenue"),
                "W-AMOUNT-PARTS",
                f"龙头骨干企业营业收入合计 {yi(total)} 大于集群营业收入 {yi(ind.revenue)}{_unit_hint(total, ind.revenue)}；"
                "请核对企业收入是否只计集群内部分 (the listed firms add up to more than the cluster)",
                severity="warning",
            )
        )
    return out


def _unit_hint(part: Decimal, whole: Decimal) -> str:
    ratio = part / whole if whole else Decimal(0)
    if Decimal(1000) <= ratio <= Decimal(100000):
        return "，相差约一万倍，可能把集群总额的亿元填成了万元 (off by about 10⁴: likely a unit mistake)"
    return ""


def _title(key: str) -> str:
    return Indicators.model_fields[key].title or key


def _corrected_wenhao(raw: RawInput) -> list[Problem]:
    """文号 typed with [] or 【】 were corrected to 〔〕: say so, so the source gets fixed too."""
    out: list[Problem] = []
    for list_key in ("brands", "platforms"):
        for i, item in enumerate(raw.data.get(list_key) or []):
            typed = item.get("document_number") if isinstance(item, dict) else None
            if typed is None:
                continue
            try:
                fixed, changed = normalise_wenhao(str(typed))
            except ValueError:
                continue  # reported as an error by the model
            if changed:
                out.append(
                    _problem_at(
                        raw,
                        (list_key, i, "document_number"),
                        "W-WENHAO-CORRECTED",
                        f"文号 {typed} 已改为 {fixed}：年份用六角括号〔〕 (brackets corrected to 〔〕)",
                        severity="warning",
                    )
                )
    return out
