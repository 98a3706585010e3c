"""A failed run never leaves a half-written packet and never damages the last good one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLE, paths_of

from pipeline.errors import ConversionFailed, DataInvalid
from pipeline.stages import convert
from pipeline.workflows import packet as packets

pytestmark = pytest.mark.private_cache  # it watches the cache or LibreOffice at work


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.office
def test_failed_conversion_keeps_previous_packet(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = paths_of(root)
    good = packets.bundle(EXAMPLE, paths)
    before = _snapshot(good.folder)

    real_convert = convert.OfficeWorker.convert

    def failing(self, src, dst):  # one document fails, mid-packet, and again after the restart
        if src.name.startswith("03-"):
            raise ConversionFailed("simulated LibreOffice failure")
        return real_convert(self, src, dst)

    monkeypatch.setattr(convert.OfficeWorker, "convert", failing)
    shutil.rmtree(paths.outputs / ".cache")  # so that the document is converted, not reused
    with pytest.raises(ConversionFailed, match="重试后仍失败"):
        packets.bundle(EXAMPLE, paths, force=True)
    assert _snapshot(good.folder) == before
    leftovers = [p.name for p in good.folder.parent.iterdir() if p.name != EXAMPLE]
    assert leftovers == []


def test_invalid_data_writes_nothing(root: Path) -> None:
    yaml_file = root / "inputs" / EXAMPLE / "cluster.yaml"
    yaml_file.write_text(
        yaml_file.read_text(encoding="utf-8").replace("enterprises: 268", "enterprises: -1"), encoding="utf-8"
    )
    with pytest.raises(DataInvalid):
        packets.bundle(EXAMPLE, paths_of(root))
    assert not any(p for p in (root / "outputs").rglob("*") if ".cache" not in p.parts)
