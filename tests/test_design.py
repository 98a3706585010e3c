"""The design holds: a programme is a folder of data and templates, and the pipeline never names one.

What a programme needs beyond data is its schema (``pipeline/schemas/<name>.py``, named by
``programme.yaml``): the only documented hook. These tests read the source the way a reviewer would.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from conftest import ROOT

from pipeline import inherit, schema
from pipeline.programme import available, load_programme

PIPELINE = ROOT / "pipeline"


def _programme_ids() -> list[str]:
    return available(ROOT / "templates")


def _sources() -> list[Path]:
    return sorted(PIPELINE.rglob("*.py"))


def test_there_are_several_programmes() -> None:
    assert {"tese-apply", "tese-eval", "digital-apply"} <= set(_programme_ids())


def test_no_pipeline_code_names_a_programme() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in _sources()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        for pid in _programme_ids()
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
    # The pipeline reaches a schema through programme.yaml → schema.get(), never by importing it.
    for path in _sources():
        if path.parent.name == "schemas":
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"from \.?schemas\.\w+ import|import pipeline\.schemas\.\w+", text), path


def test_every_programme_loads_and_names_an_existing_schema() -> None:
    for pid in _programme_ids():
        programme = load_programme(ROOT / "templates", pid)
        raw = yaml.safe_load((ROOT / "templates" / pid / "programme.yaml").read_text(encoding="utf-8"))
        if "extends" in raw:  # a later round names its schema through the programme it extends
            raw = inherit.resolve(ROOT / "templates", pid).data
        assert raw["schema"] in schema.names()
        assert programme.data_schema.name == raw["schema"]
        # every computed figure a rule uses is provided by the schema
        assert programme.ruleset.computed_names() <= set(programme.data_schema.computed)


def test_schemas_agree_on_the_keys_they_share() -> None:
    # A key two schemas both read (cluster, applicant, attachments...) must mean the same thing in each,
    # so one cluster file can carry data for several programmes.
    seen: dict[str, tuple[str, object]] = {}
    for name in schema.names():
        for key, info in schema.get(name).model.model_fields.items():
            if key == "programme":
                continue
            if key in seen:
                other, annotation = seen[key]
                assert annotation == info.annotation, f"{key}: {other} and {name} read it differently"
            else:
                seen[key] = (name, info.annotation)
