"""The design holds: a programme is a folder of data and templates, and the pipeline never names one.

What a programme needs beyond data is its schema (``pipeline/schemas/<name>.py``, named by
``programme.yaml``): the only documented hook. These tests read the source the way a reviewer would.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import fastyaml
from conftest import ROOT

from pipeline import schemas
from pipeline.core import inherit
from pipeline.stages.programmes import available, load_programme

PIPELINE = ROOT / "pipeline"


def _programme_ids() -> list[str]:
    return available(ROOT / "templates")


def _sources() -> list[Path]:
    return sorted(PIPELINE.rglob("*.py"))


def test_there_are_several_programmes() -> None:
    assert {"tese-apply", "tese-eval", "digital-apply"} <= set(_programme_ids())


def test_no_pipeline_code_names_a_programme() -> None:
    ids = _programme_ids()
    offenders = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in _sources()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        for pid in ids
        if pid in line
    ]
    assert offenders == []


def test_no_pipeline_code_branches_on_a_programme_or_schema_name() -> None:
    branch = re.compile(r"(programme_id|programme\.id|\bpid|schema_name|schema\.name)\s*(==|!=|\bin\b)\s*[\"'(\[{]")
    offenders = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in _sources()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if branch.search(line)
    ]
    assert offenders == []


def test_schema_modules_only_declare_their_schema_and_no_other_module_imports_one() -> None:
    # The pipeline reaches a schema through programme.yaml → schemas.get(), never by importing it.
    for path in _sources():
        if path.parent.name == "schemas":
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"from (pipeline)?\.?schemas\.\w+ import|import pipeline\.schemas\.\w+", text), path


def test_every_programme_loads_and_names_an_existing_schema() -> None:
    for pid in _programme_ids():
        programme = load_programme(ROOT / "templates", pid)
        raw = fastyaml.safe_load((ROOT / "templates" / pid / "programme.yaml").read_text(encoding="utf-8"))
        if "extends" in raw:  # a later round names its schema through the programme it extends
            raw = inherit.resolve(ROOT / "templates", pid).data
        assert raw["schema"] in schemas.names()
        assert programme.data_schema.name == raw["schema"]
        # every computed figure a rule uses is provided by the schema
        assert programme.ruleset.computed_names() <= set(programme.data_schema.computed)


def test_schemas_agree_on_the_keys_they_share() -> None:
    # A key two schemas both read (cluster, applicant, attachments...) must mean the same thing in each,
    # so one cluster file can carry data for several programmes.
    seen: dict[str, tuple[str, object]] = {}
    for name in schemas.names():
        for key, info in schemas.get(name).model.model_fields.items():
            if key == "programme":
                continue
            if key in seen:
                other, annotation = seen[key]
                assert annotation == info.annotation, f"{key}: {other} and {name} read it differently"
            else:
                seen[key] = (name, info.annotation)


# --- the house: layers that show in the folders, data moving one way -----------------------------

LAYERS = ("errors", "core", "kits", "schemas", "forms", "stages", "workflows", "web", "cli", "__main__")


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


@functools.cache
def _nodes(path: Path) -> tuple:
    """Every node of a source file's syntax tree, parsed once for all the tests that read it."""
    import ast

    return tuple(ast.walk(ast.parse(path.read_text(encoding="utf-8"))))


@functools.cache
def _imports() -> tuple[tuple[str, str, int], ...]:
    import ast

    out = []
    for path in _sources():
        if "resources" in path.parts:
            continue
        me = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for node in _nodes(path):
            if isinstance(node, ast.ImportFrom) and node.level:
                out.append((me, "(relative)", node.lineno))
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipeline"):
                targets = [node.module] if node.module != "pipeline" else [f"pipeline.{a.name}" for a in node.names]
                out += [(me, t, node.lineno) for t in targets]
    return tuple(out)


def test_every_module_sits_in_a_layer_and_imports_only_what_is_below_it() -> None:
    rank = {name: i for i, name in enumerate(LAYERS)}
    offenders = []
    for me, target, line in _imports():
        assert target != "(relative)", f"{me}:{line}: imports are absolute (pipeline.layer.module)"
        if me == "pipeline":
            continue
        mine, theirs = _layer(me), _layer(target)
        assert mine in rank, f"{me} is in no layer: put it under one of {LAYERS}"
        if rank.get(theirs, -1) > rank[mine]:
            offenders.append(f"{me}:{line} imports {target} ({theirs} is above {mine})")
    assert offenders == []


def test_no_import_circles_between_modules() -> None:
    graph: dict[str, set[str]] = {}
    for me, target, _line in _imports():
        graph.setdefault(me, set()).add(target)
    seen: dict[str, int] = {}  # 1 = on the path, 2 = done

    def visit(node: str, path: list[str]) -> None:
        seen[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if seen.get(nxt) == 1:
                raise AssertionError("import circle: " + " → ".join([*path[path.index(nxt) :], nxt]))
            if nxt not in seen:
                visit(nxt, [*path, nxt])
        seen[node] = 2

    for module in sorted(graph):
        if module not in seen:
            visit(module, [module])


MAX_LINES, MAX_PARAMS = 60, 6


def _functions():
    import ast

    for path in _sources():
        if "resources" in path.parts:  # the UNO helper runs under LibreOffice's own Python, apart
            continue
        for node in _nodes(path):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield path, node


def _is_click_command(node) -> bool:
    # a click command's parameters are its options, one each, turned into one library call
    return any("command" in ast_text(d) or "option" in ast_text(d) for d in node.decorator_list)


def ast_text(node) -> str:
    import ast

    return ast.unparse(node)


def test_no_function_is_longer_than_a_screen() -> None:
    long = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {node.end_lineno - node.lineno + 1} lines"
        for path, node in _functions()
        if node.end_lineno - node.lineno + 1 > MAX_LINES
    ]
    assert long == []


def test_no_function_takes_more_than_six_parameters() -> None:
    many = []
    for path, node in _functions():
        a = node.args
        names = [x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs) if x.arg not in ("self", "cls")]
        if len(names) > MAX_PARAMS and not _is_click_command(node):
            many.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {len(names)} parameters")
    assert many == []
