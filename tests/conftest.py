"""Shared fixtures: a private copy of the project's inputs/templates, and the example packet built once.

Two lanes: ``make test`` runs everything with the real LibreOffice; ``make test-fast`` (CLUSTERPACK_TEST_FAST=1)
runs the tests not marked ``office`` and fails any unmarked test that starts LibreOffice, so the marks stay true.
Conversions are cached in one folder for the session (CLUSTERPACK_CACHE, keyed by the document's bytes, as for a
user), except in tests marked ``private_cache``, which watch the cache or LibreOffice at work.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import fastyaml
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from pipeline.core import case

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = "qinglan-agrimachinery"
FAST = os.environ.get("CLUSTERPACK_TEST_FAST") == "1"
OFFICE_FIXTURES = {"example_packet", "example_cities"}  # built with LibreOffice: a test using one needs it
# One conversion cache for the whole run: xdist's workers inherit the controller's (set before they start).
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
_SHARED_CACHE = os.environ.get("CLUSTERPACK_TEST_CACHE") or tempfile.mkdtemp(prefix="clusterpack-test-cache-")
os.environ["CLUSTERPACK_TEST_CACHE"] = _SHARED_CACHE


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--refresh-golden", action="store_true", help="rewrite tests/golden/ from the built packets")


def pytest_configure(config: pytest.Config) -> None:
    os.environ["CLUSTERPACK_CACHE"] = _SHARED_CACHE
    if FAST:  # a batch's worker processes, which the fixture below cannot reach, find no LibreOffice either
        os.environ["CLUSTERPACK_SOFFICE"] = "/bin/false"


def pytest_unconfigure(config: pytest.Config) -> None:
    if _WORKER is None:  # the controller (or a run without workers) removes it, once every worker is done
        shutil.rmtree(_SHARED_CACHE, ignore_errors=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if OFFICE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.office)
    if FAST:
        kept = [i for i in items if i.get_closest_marker("office") is None]
        config.hook.pytest_deselected(items=[i for i in items if i.get_closest_marker("office")])
        items[:] = kept


@pytest.fixture(autouse=True)
def _lane(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test's cache (shared, or its own outputs/.cache) and, in the fast lane, no LibreOffice at all."""
    if request.node.get_closest_marker("private_cache"):
        monkeypatch.delenv("CLUSTERPACK_CACHE", raising=False)
    if FAST:
        from pipeline.stages import convert

        def refuse(*_a, **_k):
            pytest.fail(f"{request.node.nodeid} starts LibreOffice: mark it @pytest.mark.office (make test runs it)")

        monkeypatch.setattr(convert.OfficeWorker, "__init__", refuse)


@dataclass(frozen=True)
class Ran:
    """What a command said: its exit code and its two streams, as a terminal would show them."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, env: dict[str, str] | None = None) -> Ran:
    """``clusterpack ARGS`` in this process (click's runner over the real command group), no colour, 200 columns.

    The same commands, options, messages and exit codes as the installed script, without a new Python each time
    (≈ 1.3 s of start-up a call). An exception the command does not turn into a message fails the test here, as
    the script would print 内部错误 (internal error). ``tests/cli/test_cli.py`` runs the script itself as a process.
    """
    from pipeline.cli import main  # the CLI imports every workflow: only the tests that use it pay for that

    result = CliRunner().invoke(main, list(args), env={"NO_COLOR": "1", "COLUMNS": "200", **(env or {})})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Ran(result.exit_code, result.stdout, result.stderr)


def normalise(text: str) -> str:
    """pypdf puts spaces where Latin and CJK fonts switch: drop all whitespace before matching."""
    return re.sub(r"\s+", "", text)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A throwaway project root with the real templates and the example input."""
    shutil.copytree(ROOT / "templates", tmp_path / "templates", copy_function=shutil.copyfile)  # content, not times
    shutil.copytree(ROOT / "inputs" / EXAMPLE, tmp_path / "inputs" / EXAMPLE, copy_function=shutil.copyfile)
    (tmp_path / "outputs").mkdir()
    return tmp_path


def paths_of(root: Path) -> case.Paths:
    return case.Paths(inputs=root / "inputs", templates=root / "templates", outputs=root / "outputs")


def example_data() -> dict:
    return fastyaml.safe_load((ROOT / "inputs" / EXAMPLE / "cluster.yaml").read_text(encoding="utf-8"))


def write_cluster(root: Path, cluster_id: str, data: dict | str) -> Path:
    """Write a cluster's YAML; it comes with the example's attachments/ and signed/ folders."""
    folder = root / "inputs" / cluster_id
    folder.mkdir(parents=True, exist_ok=True)
    for sub in ("attachments", "signed"):
        if not (folder / sub).exists():
            shutil.copytree(ROOT / "inputs" / EXAMPLE / sub, folder / sub, copy_function=shutil.copyfile)
    text = data if isinstance(data, str) else fastyaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    (folder / "cluster.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def example_packet(tmp_path_factory: pytest.TempPathFactory) -> case.BuildResult:
    """The shipped example cluster built once with the real LibreOffice."""
    base = tmp_path_factory.mktemp("example")
    shutil.copytree(ROOT / "templates", base / "templates")
    shutil.copytree(ROOT / "inputs" / EXAMPLE, base / "inputs" / EXAMPLE)
    from pipeline.workflows import packet as packets  # imported where used: xdist's controller needs none of it

    return packets.bundle(EXAMPLE, paths_of(base))


def bookmarks(reader: PdfReader) -> list[tuple[str, int, int]]:
    """A PDF's bookmarks as (title, page index, level), in order, nested lists flattened."""
    out: list[tuple[str, int, int]] = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                out.append((item.title, reader.get_destination_page_number(item), level))

    walk(reader.outline, 1)
    return out


CITIES = ("370100", "370200", "370300", "370700")  # the shipped city examples


@pytest.fixture(scope="session")
def example_cities(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every shipped city example built once, in one project copy: {city code: CityResult}."""

    base = tmp_path_factory.mktemp("cities")
    shutil.copytree(ROOT / "templates", base / "templates")
    shutil.copytree(ROOT / "inputs", base / "inputs")
    from pipeline.workflows import city as city_packet

    return {code: city_packet.city_bundle(code, paths_of(base)) for code in CITIES}
