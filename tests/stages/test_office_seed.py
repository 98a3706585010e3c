"""A LibreOffice worker starts from the profile an earlier one set up (its seed), never from a doubtful one."""

from __future__ import annotations

import tempfile
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from pipeline.stages import convert


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch root of the test's own, so that no seed of another run is found."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    return tmp_path


def _document(path: Path) -> Path:
    d = docx.Document()
    d.add_paragraph("种子配置 seed profile")
    d.save(str(path))
    return path


def _settings(worker: convert.OfficeWorker) -> str:
    return (worker._home / "profile" / "user" / "registrymodifications.xcu").read_text(encoding="utf-8")


@pytest.mark.office
def test_the_second_worker_starts_from_the_first_ones_profile_with_the_security_settings(private_tmp: Path) -> None:
    src = _document(private_tmp / "a.docx")
    with convert.OfficeWorker() as first:
        assert not first._seeded
        first.convert(src, private_tmp / "a.pdf")
    seed = convert._seed_folder()
    assert (seed / "user" / "registrymodifications.xcu").is_file()
    assert not list(seed.parent.glob("seed-*")), "a seed is written aside and renamed: nothing is left aside"
    with convert.OfficeWorker() as second:
        assert second._seeded
        text = _settings(second)
        assert all(f'oor:name="{name}"' in text for name in convert.SECURITY_SETTINGS)
        assert second.convert(src, private_tmp / "b.pdf") == 1
    assert "种子配置" in PdfReader(str(private_tmp / "b.pdf")).pages[0].extract_text()


@pytest.mark.office
def test_a_seed_without_the_security_settings_is_not_used(private_tmp: Path) -> None:
    seed = convert._seed_folder()
    (seed / "user").mkdir(parents=True)
    (seed / "user" / "registrymodifications.xcu").write_text(
        '<?xml version="1.0"?><oor:items xmlns:oor="http://openoffice.org/2001/registry"></oor:items>',
        encoding="utf-8",
    )
    (seed / "user" / "marker").write_text("from the doubtful seed", encoding="utf-8")
    with convert.OfficeWorker() as worker:
        assert not worker._seeded
        assert not (worker._home / "profile" / "user" / "marker").exists()
        text = _settings(worker)
        assert all(f'oor:name="{name}"' in text for name in convert.SECURITY_SETTINGS)
        worker.convert(_document(private_tmp / "a.docx"), private_tmp / "a.pdf")


def test_a_seed_in_place_is_not_replaced(private_tmp: Path) -> None:
    seed = private_tmp / "seed"
    (seed / "user").mkdir(parents=True)
    (seed / "user" / "kept").write_text("first", encoding="utf-8")
    profile = private_tmp / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "other").write_text("second", encoding="utf-8")
    convert._keep_seed(profile, seed)
    assert sorted(p.name for p in (seed / "user").iterdir()) == ["kept"]
    assert sorted(p.name for p in private_tmp.iterdir()) == ["profile", "seed", "tmp"]
    convert._keep_seed(profile, private_tmp / "new-seed")
    assert (private_tmp / "new-seed" / "user" / "other").read_text(encoding="utf-8") == "second"


@pytest.mark.office
def test_a_fresh_profile_has_seen_its_version_so_no_graphics_self_tests_run(private_tmp: Path) -> None:
    version = convert.product_version()
    assert version is not None and version.count(".") == 1, version
    with convert.OfficeWorker() as worker:
        assert not worker._seeded
        assert f"<value>{version}</value>" in _settings(worker)
        worker.convert(_document(private_tmp / "a.docx"), private_tmp / "a.pdf")
        # LibreOffice writes this log when it runs them (≈ 0.65 s of every start otherwise)
        assert not (worker._home / "profile" / "user" / "GraphicsRenderTests.log").exists()


def test_a_seed_copy_left_by_a_killed_run_is_cleaned_by_the_next(
    private_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.core import scratch

    class Killed(BaseException):
        pass

    def killed(*_a: object) -> None:
        raise Killed  # the run dies between the copy and the rename

    profile = private_tmp / "profile"
    (profile / "user").mkdir(parents=True)
    seed = convert._seed_folder()
    with monkeypatch.context() as m:
        m.setattr(Path, "rename", killed)
        m.setattr(convert.shutil, "rmtree", lambda *_a, **_k: None)  # a killed run removes nothing
        with pytest.raises(Killed):
            convert._keep_seed(profile, seed)
    (left,) = [p for p in seed.parent.iterdir() if p.name.startswith("seed-")]
    (seed / "user").mkdir(parents=True)
    monkeypatch.setattr(scratch, "alive", lambda token: False)  # its owner has gone
    scratch.clean_scratch(seed.parent)
    assert not left.exists() and seed.exists()  # the half-made copy goes, the seed stays
