"""`clusterpack init --city`: the city bureau's decision file to start from; `init` without a programme lists them."""

from __future__ import annotations

import shutil
from pathlib import Path

import fastyaml
import pytest
from click.testing import CliRunner
from conftest import ROOT, paths_of

from pipeline.cli import main
from pipeline.errors import DataInvalid
from pipeline.stages import recommend
from pipeline.workflows import city as city_packet

CODE, PROGRAMME = "370600", "digital-apply"  # 烟台市, which has no shipped example


@pytest.fixture
def yantai(tmp_path: Path) -> Path:
    """A project with one 烟台 digital cluster (the 济南 example moved to 烟台) and one cluster of another city."""
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    moved = tmp_path / "inputs" / "yantai-soft"
    shutil.copytree(ROOT / "inputs" / "quanyue-software", moved)
    text = (moved / "cluster.yaml").read_text(encoding="utf-8")
    (moved / "cluster.yaml").write_text(text.replace('city: "370100"', 'city: "370600"', 1), encoding="utf-8")
    shutil.copytree(ROOT / "inputs" / "lanwan-ai", tmp_path / "inputs" / "lanwan-ai")  # 青岛: not listed
    (tmp_path / "outputs").mkdir()
    return tmp_path


def _init(root: Path, *args: str):
    return CliRunner().invoke(main, ["init", *args, "--root", str(root)])


def _city_file(root: Path) -> Path:
    r = _init(root, "--city", CODE, "--programme", PROGRAMME)
    assert r.exit_code == 0, r.output
    return root / "inputs" / "cities" / f"{CODE}-{PROGRAMME}.yaml"


def _fill(file: Path) -> None:
    """What only the bureau knows, written as a clerk would: after each empty key's colon."""
    text = file.read_text(encoding="utf-8")
    for key, value in {
        "document_number": "烟工信字〔2024〕35号",
        "date": "2024-06-24",
        "contact": "刘海波",
        "phone": "0535-6788123",
    }.items():
        assert f"\n{key}:  # " in text, key
        text = text.replace(f"\n{key}:  # ", f"\n{key}: {value}  # ", 1)
    file.write_text(text, encoding="utf-8")


def test_init_without_a_programme_lists_them_in_chinese(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    r = _init(tmp_path, "new-x")
    assert r.exit_code == 2 and "E-USAGE-NO-PROGRAMME" in r.output and "Traceback" not in r.output
    assert "digital-apply（山东省数字产业集群申报" in r.output and not (tmp_path / "inputs" / "new-x").exists()


def test_the_city_file_has_every_key_with_its_label_and_what_the_tool_knows(yantai: Path) -> None:
    file = _city_file(yantai)
    text = file.read_text(encoding="utf-8")
    for key, info in recommend.CityInput.model_fields.items():  # every key, its Chinese label beside it
        assert f"\n{key}:" in text and info.title in text, key
    data = fastyaml.safe_load(text)
    assert (data["city"], data["programme"], data["bureau"]) == (CODE, PROGRAMME, "烟台市工业和信息化局")
    assert data["clusters"] == ["yantai-soft"]  # the city's clusters naming the programme; 青岛's is not
    assert "鲁工信电子〔2024〕122号" in text and "最多推荐 2 个集群" in text
    # as written, the check names exactly what only the bureau knows
    with pytest.raises(DataInvalid) as info:
        recommend.plan(CODE, paths_of(yantai), PROGRAMME)
    assert sorted(p.field for p in info.value.errors) == ["contact", "date", "document_number", "phone"]
    assert set(info.value.codes) == {"E-FIELD-MISSING"}


def test_the_city_file_is_not_overwritten_and_a_bad_code_is_said(yantai: Path) -> None:
    _city_file(yantai)
    again = _init(yantai, "--city", CODE, "--programme", PROGRAMME)
    assert again.exit_code == 2 and "E-USAGE-INPUT-EXISTS" in again.output
    laiwu = _init(yantai, "--city", "371200", "--programme", PROGRAMME)
    assert laiwu.exit_code == 2 and "E-USAGE-CITY-CODE" in laiwu.output


def test_the_city_file_once_filled_is_a_valid_recommendation(yantai: Path) -> None:
    _fill(_city_file(yantai))
    plan = recommend.plan(CODE, paths_of(yantai), PROGRAMME)  # every check of the city's packet, before building
    assert [r.cluster_id for r in plan.reports] == ["yantai-soft"] and plan.bureau == "烟台市工业和信息化局"


@pytest.mark.office
def test_a_city_file_from_init_builds_the_city_packet(tmp_path: Path) -> None:
    # 济南's shipped cluster, unchanged (its conversions are those the digital tests made), its city file from init
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    shutil.copytree(ROOT / "inputs" / "quanyue-software", tmp_path / "inputs" / "quanyue-software")
    r = _init(tmp_path, "--city", "370100", "--programme", PROGRAMME)
    assert r.exit_code == 0, r.output
    _fill(tmp_path / "inputs" / "cities" / f"370100-{PROGRAMME}.yaml")
    result = city_packet.city_bundle("370100", paths_of(tmp_path), PROGRAMME)
    assert (result.folder / "推荐文件.pdf").is_file() and result.pages > 1 and len(result.clusters) == 1


def test_a_missing_programme_option_lists_the_programmes_in_chinese() -> None:
    from pipeline.cli import main as entry

    r = CliRunner().invoke(entry, ["schema"])  # click's own missing-option error, through the group
    assert r.exit_code == 2 and "E-USAGE-MISSING" in r.output and "tese-eval（" in r.output
