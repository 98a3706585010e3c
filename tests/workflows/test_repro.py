"""Reproducible output: the same inputs give byte-identical files, dated by SOURCE_DATE_EPOCH."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import EXAMPLE, ROOT, paths_of
from pypdf import PdfReader

from pipeline.workflows import packet as packets

pytestmark = pytest.mark.private_cache  # it watches the cache or LibreOffice at work


def _tree(base: Path) -> Path:
    shutil.copytree(ROOT / "templates", base / "templates")
    shutil.copytree(ROOT / "inputs" / EXAMPLE, base / "inputs" / EXAMPLE)
    return base


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.office
def test_two_builds_are_byte_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1718323200")  # 2024-06-14
    a = packets.bundle(EXAMPLE, paths_of(_tree(tmp_path / "a")))
    b = packets.bundle(EXAMPLE, paths_of(_tree(tmp_path / "b")))
    da, db = _digests(a.folder), _digests(b.folder)
    assert da == db
    assert {"申报材料.pdf", "申报材料.docx", "manifest.json", "01-山东省特色产业集群申请表.docx"} <= set(da)
    # the manifest's checksums are those of the files
    listed = {f["file"]: f["sha256"] for f in a.manifest()["files"]}
    assert all(da[name] == digest for name, digest in listed.items())
    # dates are the epoch's, in the PDF and in the .docx zip entries
    info = PdfReader(a.folder / "申报材料.pdf").metadata
    assert info["/CreationDate"] == "D:20240614000000Z"
    stamps = {i.date_time for i in zipfile.ZipFile(a.folder / "申报材料.docx").infolist()}
    assert stamps == {(2024, 6, 14, 0, 0, 0)}
