"""Shared fixtures: a private copy of the project's inputs/templates, and the example packet built once."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from pipeline.core import case
from pipeline.workflows import city as city_packet
from pipeline.workflows import packet as packets

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = "qinglan-agrimachinery"


def normalise(text: str) -> str:
    """pypdf puts spaces where Latin and CJK fonts switch: drop all whitespace before matching."""
    return re.sub(r"\s+", "", text)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A throwaway project root with the real templates and the example input."""
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    shutil.copytree(ROOT / "inputs" / EXAMPLE, tmp_path / "inputs" / EXAMPLE)
    (tmp_path / "outputs").mkdir()
    return tmp_path


def paths_of(root: Path) -> case.Paths:
    return case.Paths(inputs=root / "inputs", templates=root / "templates", outputs=root / "outputs")


def example_data() -> dict:
    return yaml.safe_load((ROOT / "inputs" / EXAMPLE / "cluster.yaml").read_text(encoding="utf-8"))


def write_cluster(root: Path, cluster_id: str, data: dict | str) -> Path:
    """Write a cluster's YAML; it comes with the example's attachments/ and signed/ folders."""
    folder = root / "inputs" / cluster_id
    folder.mkdir(parents=True, exist_ok=True)
    for sub in ("attachments", "signed"):
        if not (folder / sub).exists():
            shutil.copytree(ROOT / "inputs" / EXAMPLE / sub, folder / sub)
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    (folder / "cluster.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def example_packet(tmp_path_factory: pytest.TempPathFactory) -> case.BuildResult:
    """The shipped example cluster built once with the real LibreOffice."""
    base = tmp_path_factory.mktemp("example")
    shutil.copytree(ROOT / "templates", base / "templates")
    shutil.copytree(ROOT / "inputs" / EXAMPLE, base / "inputs" / EXAMPLE)
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
    return {code: city_packet.city_bundle(code, paths_of(base)) for code in CITIES}
