"""Property tests: whatever the input, only the project's own errors come out.

The YAML loader gets arbitrary text and fragments of YAML; the workbook reader gets workbooks
whose cells hold anything a cell can hold (formulas, NaN, huge numbers, dates, control
characters); the model gets each shipped example with values replaced by hostile ones; the rule
engine and the template context get every example the model accepts. Any exception other than
``DataInvalid`` (or, for a bad limit, ``UsageError``) is a bug a user would see as an internal error.

``make test`` runs a few hundred examples (the ``default`` profile); ``HYPOTHESIS_PROFILE=nightly``
runs ten thousand of each.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import os
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import fastyaml
import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from pydantic import BaseModel

from pipeline import schemas
from pipeline.core import case, rules
from pipeline.core.layout import Record, Sections, Table
from pipeline.core.raw import RawInput
from pipeline.errors import DataInvalid
from pipeline.forms.sheets import record_rows, table_columns
from pipeline.forms.workbook_read import read_loaded
from pipeline.stages.check import validate
from pipeline.stages.programmes import load_programme
from pipeline.stages.read import load_yaml

settings.register_profile(
    "default", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile(  # make test-fast: the same properties, a quick look
    "fast", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile(
    "nightly", max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck), print_blob=True
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

EXAMPLES = {
    "qinglan-agrimachinery": "tese-apply",
    "yuyang-textile-eval": "tese-eval",
    "quanyue-software": "digital-apply",
}
HOSTILE = [
    "sNaN", "NaN", "-inf", "Infinity", "nan亿元", "sNaN万元", "-1亿元", "-0.0万元", "1e999999亿元", "1E-999999万元",
    "９９.５亿元", "1,234,567.5万元", "186.45亿", "亿元", "=HYPERLINK(\"http://x\",\"y\")", "+1", "@SUM(A1)", "\t=1",
    "鲁工信发〔2020〕0号", "鲁工信发[2020]5号", "鲁工\x07信发〔2020〕5号", "〔〕号", "2024-02-30", "2024年13月1日",
    "0000-00-00", "9999-12-31", "1949-01-01", "37", "371200", "370700", "999999999999999999999", "0x1F", "1_000",
    "true", "是", "否", "maybe", "", " ", "\u200b", "\u202e反转", "{{ 7*7 }}", "{% for %}", "<w:t>", "&amp;", "]]>",
    "91371082775260043P", "12345", "9111000060003IOZSV", "a" * 300, "字" * 40, "\ufffe", "\U0001f600", "%", "100%",
    "≥3.5", "-5%", "101", "0536-1234567", "1380000000", "x@y", "1-3,5", "0-0", "3-1",
]  # fmt: skip


# Strategies are made once: making them per draw costs more than the code under test.
NUMBERISH = st.one_of(
    st.sampled_from(HOSTILE),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(10**40), max_value=10**40),
)
UNITS = st.sampled_from(["亿元", "万元", "元", "", "%", "户"])
MONEYISH = st.one_of(
    st.builds(lambda v, u: {"value": v, "unit": u}, NUMBERISH, UNITS),
    st.builds(lambda v, u: f"{v}{u}", NUMBERISH, UNITS),
)
SCALARS = st.one_of(
    MONEYISH,
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(HOSTILE),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.dates(min_value=dt.date(1, 1, 1)).map(str),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def _leaves(data: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in _leaves(v, (*path, k))] + [path]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in _leaves(v, (*path, i))] + [path]
    return [path]


def _set(data: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return data


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[case.Paths, dict[str, Any]]:
    base = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(ROOT / "templates", base / "templates")
    examples = {}
    for cid in EXAMPLES:
        shutil.copytree(ROOT / "inputs" / cid, base / "inputs" / cid)
        examples[cid] = fastyaml.safe_load((base / "inputs" / cid / "cluster.yaml").read_text(encoding="utf-8"))
    paths = case.Paths(inputs=base / "inputs", templates=base / "templates", outputs=base / "outputs")
    return _Project((paths, examples))


class _Project(tuple):
    """The fixture's value, shown briefly when hypothesis reports a failing example."""

    def __repr__(self) -> str:
        return "<project: the shipped examples>"


def _ours_only(run) -> Any:
    """Run ``run()``; return its result, or None when it refused the input as the project refuses data."""
    try:
        return run()
    except DataInvalid as exc:
        assert exc.problems and all(p.code.startswith(("E-", "W-", "N-")) for p in exc.problems)
        assert all(p.location is not None for p in exc.problems if p.severity == "error")
        return None


@functools.cache
def _programme(templates: Path, programme_id: str) -> Any:
    return load_programme(templates, programme_id)


def _through_the_pipeline(raw: RawInput, paths: case.Paths, programme_id: str) -> None:
    """Validate; where the data is accepted, run the rules, the context and what the manifest says of it."""
    programme = _programme(paths.templates, programme_id)
    model, problems = validate(raw, programme)
    assert all(p.code.startswith(("E-", "W-", "N-")) for p in problems)
    assert all(p.location is not None for p in problems if p.severity == "error")
    if model is None or any(p.severity == "error" for p in problems):
        assert model is not None or any(p.severity == "error" for p in problems)  # a refusal says why
        return
    _accepted(model, programme)


def _accepted(data: Any, programme: Any) -> None:
    """What happens to data the model accepted: rules, their summary, the context, the manifest's facts."""
    results = rules.evaluate(data, programme.ruleset, programme.data_schema.computed)
    assert all(r.status in rules.STATUSES for r in results)
    rules.summary(results)
    programme.data_schema.context(data, programme)
    programme.data_schema.headline(data)
    programme.data_schema.facts(data)


# --- the YAML loader ------------------------------------------------------------------------------

FRAGMENTS = [
    "a: 1", "- x", "  - y", "b:", "  c: d", "&x 1", "*x", "<<: *x", "!!python/name:os.system", "!!binary", "!local",
    "!!bool maybe", "!!timestamp x", "!!int x", "!!float sNaN", "[", "]", "{", "}", ": ", "? k", "---", "...",
    '"\\x07"', "'", '"', "#", "%YAML 1.1", "\t", "key: &a [*a]", "x: !!set {a}", "y: !!omap [a: 1]", "|", ">",
]  # fmt: skip


@pytest.fixture(scope="module")
def scratch_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One file every example overwrites (a folder per example would pile up ten thousand of them)."""
    return tmp_path_factory.mktemp("yaml") / "cluster.yaml"


@given(st.text(max_size=200))
def test_the_yaml_loader_refuses_any_text_with_its_own_error(scratch_file: Path, text: str) -> None:
    path = scratch_file
    path.write_text(text, encoding="utf-8", errors="surrogatepass") if _encodable(text) else path.write_bytes(b"\xff")
    _ours_only(lambda: load_yaml(path, "fuzz"))


@given(st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=10), max_size=30))
def test_the_yaml_loader_refuses_fragments_of_yaml_with_its_own_error(scratch_file: Path, lines: list[str]) -> None:
    path = scratch_file
    text = "\n".join(lines)
    if not _encodable(text):
        return
    path.write_text(text, encoding="utf-8")
    _ours_only(lambda: load_yaml(path, "fuzz"))


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# --- the model, the rules and the context, from each example with hostile values ------------------


@pytest.mark.parametrize("cid", sorted(EXAMPLES))
@settings(max_examples=max(20, settings.default.max_examples // 3))
@given(data=st.data())
def test_the_model_and_rules_take_any_value_in_any_field(project, cid: str, data) -> None:
    paths, examples = project
    tree = copy.deepcopy(examples[cid])
    paths_in = _leaves(tree)
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        where = data.draw(st.sampled_from(paths_in))
        if where and where[0] == "programme":
            continue
        try:
            tree = _set(tree, where, data.draw(VALUES))
        except (KeyError, IndexError, TypeError):  # the path went away with an earlier change
            continue
    folder = paths.inputs / cid
    text = fastyaml.safe_dump(tree, allow_unicode=True, sort_keys=False)
    (folder / "cluster.yaml").write_text(text, encoding="utf-8")
    try:
        raw = _ours_only(lambda: load_yaml(folder / "cluster.yaml", cid, root=paths.inputs.parent))
        if raw is not None:
            _through_the_pipeline(raw, paths, EXAMPLES[cid])
    finally:
        (folder / "cluster.yaml").write_text(fastyaml.safe_dump(examples[cid], allow_unicode=True), encoding="utf-8")


FIGURE_DECIMALS = st.decimals(min_value=0, max_value=10**8, places=2, allow_nan=False, allow_infinity=False)
FIGURE_INTS = st.integers(min_value=0, max_value=10**6)


def _redraw(model: Any, data: Any) -> Any:
    """``model`` with every amount and count drawn anew and every list cut short, validation bypassed.

    The rule engine runs on models the checks accepted; here it gets any figures a model can hold
    (zero where a ratio divides, a part larger than its whole, empty lists), as a schema's checks
    might one day let through.
    """
    if not isinstance(model, BaseModel):
        return model
    update: dict[str, Any] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, bool) or name in ("year", "target_year"):
            continue
        if isinstance(value, Decimal):
            update[name] = data.draw(FIGURE_DECIMALS)
        elif isinstance(value, int):
            update[name] = data.draw(FIGURE_INTS)
        elif isinstance(value, BaseModel):
            update[name] = _redraw(value, data)
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            keep = data.draw(st.integers(min_value=0, max_value=len(value)))
            update[name] = [_redraw(v, data) for v in value[:keep]]
    return model.model_copy(update=update)


@pytest.mark.parametrize("cid", sorted(EXAMPLES))
@settings(max_examples=max(20, settings.default.max_examples // 3))
@given(data=st.data())
def test_the_rules_and_context_hold_on_any_figures(project, cid: str, data) -> None:
    paths, _examples = project
    programme = _programme(paths.templates, EXAMPLES[cid])
    _accepted(_redraw(_valid_model(paths.inputs, paths.templates, cid), data), programme)


@functools.cache
def _valid_model(inputs: Path, templates: Path, cid: str) -> Any:
    raw = load_yaml(inputs / cid / "cluster.yaml", cid, root=inputs.parent)
    return validate(raw, _programme(templates, EXAMPLES[cid]))[0]


def _get(data: Any, path: tuple) -> Any:
    for step in path:
        data = data[step]
    return data


# --- the workbook reader --------------------------------------------------------------------------


def _storable(text: str) -> bool:
    return not any(0xD800 <= ord(c) <= 0xDFFF for c in text)


CELLS = st.one_of(
    NUMBERISH.filter(lambda v: not isinstance(v, int) or abs(v) < 10**15),
    st.builds(lambda v, u: f"{v}{u}", NUMBERISH, UNITS),
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20).filter(_storable),
    st.sampled_from(HOSTILE),
    st.sampled_from(["=1+1", "=SUM(A1:A3)", '=HYPERLINK("x")', "={1,2}"]),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
    st.times(),
)
_TESE = schemas.get("tese_application")
_LAYOUT = _TESE.workbook
RECORD = next(s for s in _LAYOUT.sheets if isinstance(s, Record))
TABLES = [s for s in _LAYOUT.sheets if isinstance(s, Table)]
TEXTS = [s for s in _LAYOUT.sheets if isinstance(s, Sections)]
SPECS = [s for _g, s in record_rows(_TESE.model, RECORD, _LAYOUT, {})]
ROWS = st.lists(st.sampled_from(SPECS), max_size=25)
SMALL = [st.integers(min_value=0, max_value=n) for n in range(5)]


def _put(ws, row: int, column: int, value: Any) -> None:
    import re

    if isinstance(value, str):
        value = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", value)  # what openpyxl cannot store
    ws.cell(row, column, value)


@given(data=st.data())
def test_the_workbook_reader_takes_any_cell(project, data) -> None:
    paths, _examples = project
    wb = Workbook()
    ws = wb.active
    ws.title = RECORD.title
    for row, spec in enumerate(data.draw(ROWS), start=2):
        ws.cell(row, 4, spec.key)
        _put(ws, row, 3, data.draw(CELLS))
    ws.cell(2, 4, "programme")
    ws.cell(2, 3, "tese-apply")
    for table in TABLES:
        ts = wb.create_sheet(table.title)
        specs_t = table_columns(_TESE.model, table, {})
        for j, spec in enumerate(specs_t, start=1):
            ts.cell(1, j, spec.header)
        for i in range(2, 2 + data.draw(SMALL[3])):
            for j in range(1, len(specs_t) + 2):
                _put(ts, i, j, data.draw(CELLS))
    for text in TEXTS:
        xs = wb.create_sheet(text.title)
        for i in range(2, 2 + data.draw(SMALL[4])):
            _put(xs, i, 1, data.draw(CELLS))
            _put(xs, i, 2, data.draw(CELLS))
    file = paths.inputs / "fuzz-xlsx" / "cluster.xlsx"
    raw = read_loaded(wb, file, "fuzz-xlsx", "inputs/fuzz-xlsx/cluster.xlsx", cached=Workbook())
    _through_the_pipeline(raw, paths, "tese-apply")
