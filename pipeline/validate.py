"""Raw input → typed model. Collects every problem with its location, then fails once."""

from __future__ import annotations

import types
import typing
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from .codes import normalise_wenhao
from .errors import DataInvalid, Problem
from .load import RawInput
from .model import programme_ids

if TYPE_CHECKING:
    from .programme import Programme
    from .schema import Schema

M = TypeVar("M", bound=BaseModel)

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
    "bool_type": ("E-BOOL", "应为 是/否（true/false） (must be yes or no)"),
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
        try:
            message = template.format(**{k: v for k, v in ctx.items()})
        except (KeyError, IndexError):
            message = template
    else:
        code, message = "E-VALUE", f"取值不对 (invalid value): {err['msg']}"
    if kind != "missing" and "input" in err and not isinstance(err["input"], (dict, list, type(None))):
        message += f"；填的是 {err['input']!r}"
    return problem_at(raw, loc, code, message, model=model)


def parse(raw: RawInput, model: type[M]) -> tuple[M | None, list[Problem]]:
    """``model`` built from ``raw``, or None with one problem per error (each with its location)."""
    try:
        return model.model_validate(raw.data), []
    except ValidationError as exc:
        return None, [_problem(raw, e, model) for e in exc.errors(include_url=False)]


def own_data(raw: RawInput, schema: Schema) -> RawInput:
    """``raw`` with only the top-level keys ``schema`` reads: another programme's data is left out.

    A key no schema knows stays in, so that the model reports it as unknown (a typo, most likely).
    """
    from .schema import other_keys

    others = other_keys(schema)
    data = {k: v for k, v in raw.data.items() if k not in others}
    return RawInput(raw.cluster_id, raw.file, data, raw.locations, raw.problems)


def validate(raw: RawInput, programme: Programme) -> tuple[Any, list[Problem]]:
    """Build ``programme``'s model from ``raw``; raise ``DataInvalid`` with every error, else return warnings."""
    schema = programme.data_schema
    mine = own_data(raw, schema)
    model: Any
    model, parsed = parse(mine, schema.model)
    seen = {p.field for p in raw.problems}  # a cell already reported is not reported again as missing
    problems = [*raw.problems, *(p for p in parsed if p.field not in seen)]
    problems.extend(_corrected_wenhao(mine, schema.model))  # from the raw text: said even beside errors
    if model is not None:
        problems.extend(_programme_named(raw, model.programme, programme.id, programme.lineage))
        problems.extend(schema.checks(mine, model, programme))
        problems.extend(_relaxations_proven(mine, model, programme))
    if any(p.severity == "error" for p in problems):
        raise DataInvalid(raw.cluster_id, problems)
    assert model is not None
    return model, problems


def _relaxations_proven(raw: RawInput, model: Any, programme: Programme) -> list[Problem]:
    """A relaxation claimed in the data needs its proof among the attachments (a claim is not a proof)."""
    out: list[Problem] = []
    materials = {m.id: m for m in programme.materials}
    for relax in programme.relaxations:
        if relax.flag and relax.claimed(model) and not relax.proven(model):
            material = materials.get(relax.proof or "")
            title = material.title if material else relax.proof
            out.append(
                problem_at(
                    raw,
                    tuple(relax.flag.split(".")),
                    "E-RELAXATION-PROOF",
                    f"声明了“{relax.fact(model)}”（{relax.clause}适当放宽条件），但没有证明材料：请在 attachments 中列出"
                    f"至少一份 category: {relax.proof}（{title}）的文件 (a claimed relaxation needs a proof attachment)",
                    model=type(model),
                )
            )
    return out


def _programme_named(
    raw: RawInput, ref: str | list[str], programme_id: str, lineage: tuple[str, ...] = ()
) -> list[Problem]:
    # Data for a programme serves every later round that extends it (the same data, next year's notice).
    named = programme_ids(ref)
    if programme_id in named or any(p in named for p in lineage):
        return []
    return [
        Problem(
            "E-PROGRAMME-MISMATCH",
            f"数据写的申报项目是 {'、'.join(named)}，但要生成的是 {programme_id}；"
            f"如这份数据也用于 {programme_id}，请写 programme: [{', '.join([*named, programme_id])}] "
            "(data is for another programme)",
            field="programme",
            label="申报项目",
            location=raw.where(("programme",)),
        )
    ]


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


def _corrected_wenhao(raw: RawInput, model: type[BaseModel]) -> list[Problem]:
    """文号 (any ``document_number``) typed with [] or 【】 were corrected to 〔〕: say so, so the source gets fixed too."""
    out: list[Problem] = []

    def walk(value: Any, path: tuple[str | int, ...]) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "document_number" and item is not None and not isinstance(item, (dict, list)):
                    try:
                        fixed, changed = normalise_wenhao(str(item))
                    except ValueError:
                        continue  # reported as an error by the model
                    if changed:
                        out.append(
                            problem_at(
                                raw,
                                (*path, key),
                                "W-WENHAO-CORRECTED",
                                f"文号 {item} 已改为 {fixed}：年份用六角括号〔〕 (brackets corrected to 〔〕)",
                                "warning",
                                model=model,
                            )
                        )
                else:
                    walk(item, (*path, key))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, (*path, i))

    walk(raw.data, ())
    return out
