"""Batches: every cluster built with a pool of workers; faults contained; the cache at work."""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest
from conftest import EXAMPLE, ROOT, paths_of

from pipeline.errors import ConversionFailed
from pipeline.stages import convert
from pipeline.workflows import batch

pytestmark = pytest.mark.private_cache  # it watches the cache or LibreOffice at work

IDS = ["alpha", "bravo", "charlie"]


@pytest.fixture
def province(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # The build date is part of a packet's key: pin it, or a run that crosses midnight rebuilds.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1718323200")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    for cid in IDS:
        shutil.copytree(ROOT / "inputs" / EXAMPLE, tmp_path / "inputs" / cid)
    return tmp_path


@pytest.mark.office
def test_batch_then_no_change_then_one_field(province: Path) -> None:
    paths = paths_of(province)
    first = batch.bundle_many(IDS, paths, jobs=2)
    assert [o.status for o in first.outcomes] == ["built"] * 3 and first.stats.converted > 0
    # the same documents in three clusters: after the first, conversions are reused
    assert first.stats.reused > 0

    again = batch.bundle_many(IDS, paths, jobs=2)
    assert [o.status for o in again.outcomes] == ["skipped"] * 3
    assert again.stats.converted == 0 and again.stats.reused == 0  # skipped before any conversion

    f = province / "inputs" / "bravo" / "cluster.yaml"
    f.write_text(
        f.read_text(encoding="utf-8").replace("contact_title: 经济发展局副局长", "contact_title: 经济发展局局长"),
        encoding="utf-8",
    )
    changed = batch.bundle_many(IDS, paths, jobs=2)
    assert [o.status for o in changed.outcomes] == ["skipped", "built", "skipped"]
    # only the 申请表 shows the contact's title: one document converted, the rest reused
    assert changed.stats.converted == 1 and changed.stats.reused > 10


@pytest.mark.office
def test_one_failure_does_not_stop_the_others(province: Path) -> None:
    f = province / "inputs" / "bravo" / "cluster.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("enterprises: 268", "enterprises: -5"), encoding="utf-8")
    result = batch.bundle_many(IDS, paths_of(province), jobs=2)
    assert [o.status for o in result.outcomes] == ["built", "failed", "built"]
    assert result.outcomes[1].exit_code == 3 and result.failed


@pytest.mark.office
def test_killed_worker_mid_batch_is_restarted_and_the_document_retried(province: Path, monkeypatch) -> None:
    real = convert.OfficeWorker.convert
    calls = {"n": 0}  # per worker process: each kills its own LibreOffice once
    killed = province / "killed.log"

    def killing(self, src, dst):
        calls["n"] += 1
        if calls["n"] == 5:  # kill this worker's LibreOffice (and its helper) as it is about to convert
            os.killpg(self._proc.pid, signal.SIGKILL)
            with killed.open("a") as fh:
                fh.write(f"{src.name}\n")
            time.sleep(0.2)
        return real(self, src, dst)

    monkeypatch.setattr(convert.OfficeWorker, "convert", killing)
    result = batch.bundle_many(IDS, paths_of(province), jobs=2)
    assert [o.status for o in result.outcomes] == ["built"] * 3, [o.message for o in result.outcomes]
    # at least one worker was killed mid-batch (the other may find its documents already in the cache)
    assert len(killed.read_text().splitlines()) >= 1


class SleepyWorker(convert.OfficeWorker):
    """A stub, for this fault test only: charlie's 发展规划 never comes back, as a hung LibreOffice would."""

    def convert(self, src: Path, dst: Path) -> int:
        if src.name.startswith("03-") and b"2029" in _document_xml(src):  # only charlie's plan says 2029
            time.sleep(self.timeout)
            self.close()
            raise ConversionFailed(f"转换 {src.name} 超时 {self.timeout:.0f} 秒 (timed out)")
        return super().convert(src, dst)


@pytest.mark.office
def test_hanging_conversion_fails_its_cluster_only(province: Path, monkeypatch) -> None:
    # only charlie's plan hangs: mark it so the stub can tell it from the others' identical plan
    f = province / "inputs" / "charlie" / "cluster.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("target_year: 2028", "target_year: 2029"), encoding="utf-8")
    real_init = convert.ResilientWorker.__init__

    def init(self, timeout: float = 120.0, factory=None, prestart: bool = False, memory=None) -> None:
        real_init(self, timeout=timeout, factory=SleepyWorker, prestart=prestart, memory=memory)

    monkeypatch.setattr(convert.ResilientWorker, "__init__", init)
    result = batch.bundle_many(
        IDS, paths_of(province), jobs=2, timeout=6
    )  # room for real conversions on a busy machine
    assert [o.status for o in result.outcomes] == ["built", "built", "failed"]
    assert "重试后仍失败" in result.outcomes[2].message or "超时" in result.outcomes[2].message
    assert result.outcomes[2].exit_code == 5


def _document_xml(docx: Path) -> bytes:
    import zipfile

    return zipfile.ZipFile(docx).read("word/document.xml")


@pytest.mark.office
def test_real_worker_times_out_and_leaves_no_process() -> None:
    worker = convert.OfficeWorker(timeout=0.01)
    pid = worker._proc.pid
    with pytest.raises(ConversionFailed, match="超时"):
        worker.convert(ROOT / "templates" / "tese-apply" / "02-profile.docx", Path("/tmp/never.pdf"))
    time.sleep(0.5)
    alive = []  # every process of the worker's group (helper and soffice), zombies aside
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pid and fields[0] != "Z":
            alive.append(stat.parent.name)
    assert alive == []
    assert not worker._home.exists()  # its profile and LibreOffice's lu*.tmp folders (TMPDIR) went with it
    # the sockets LibreOffice makes in /tmp (its UNO pipe and its single-instance pipe) went too
    assert len(worker._sockets) == 2 and not any(s.exists() for s in worker._sockets)
