"""A later round in a few lines: the packet built under the example that extends tese-apply (real LibreOffice).

The example changes the 文号, the dates and one threshold (年营业收入 100 → 120亿元): the cover
reads the new 文号, the 自查报告 the new threshold and its words, and both say the notice is an
example. The shipped packet under the expired tese-apply says on its 自查报告 that it is expired.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLE, ROOT, normalise, paths_of
from pypdf import PdfReader

from pipeline.core import case
from pipeline.workflows import packet as packets

CHILD = "tese-apply-example-2027"


@pytest.fixture(scope="module")
def next_round(tmp_path_factory: pytest.TempPathFactory) -> case.BuildResult:
    base = tmp_path_factory.mktemp("next-round")
    shutil.copytree(ROOT / "templates", base / "templates")
    shutil.copytree(ROOT / "inputs" / EXAMPLE, base / "inputs" / EXAMPLE)
    # the data says programme: tese-apply; it serves the round that extends it
    return packets.bundle(EXAMPLE, paths_of(base), CHILD, today=dt.date(2027, 1, 15))


def _text(pdf: Path, pages: slice = slice(None)) -> str:
    return normalise("".join(p.extract_text() for p in PdfReader(pdf).pages[pages]))


@pytest.mark.office
def test_the_cover_reads_the_new_wenhao(next_round: case.BuildResult) -> None:
    cover = _text(next_round.folder / "申报材料.pdf", slice(0, 1))
    assert "鲁工信示例〔2027〕1号" in cover and "鲁工信发〔2020〕5号" not in cover
    assert "示例，非真实通知" in cover  # the notice's title says it is an example
    assert PdfReader(next_round.folder / "申报材料.pdf").pages and next_round.manifest()["packet"]["cover_pages"] == 1


@pytest.mark.office
def test_the_self_check_reads_the_new_threshold_and_says_the_notice_is_an_example(next_round) -> None:
    text = _text(next_round.folder / "自查报告.pdf")
    assert "年营业收入120亿元以上" in text and "≥120亿元" in text
    assert "年营业收入100亿元以上" not in text
    assert "集群区域面积在100平方公里以内" in text  # inherited unchanged
    assert "鲁工信示例〔2027〕1号" in text and "有效期自2026年12月1日起至2027年12月31日" in text
    assert "在有效期内" in text and "本通知为示例，并非真实通知" in text


@pytest.mark.office
def test_the_manifest_records_the_chain_and_the_dates(next_round) -> None:
    manifest = json.loads((next_round.folder / "manifest.json").read_text(encoding="utf-8"))
    programme = manifest["programme"]
    assert programme["id"] == CHILD and programme["extends"] == ["tese-apply"]
    assert programme["number"] == "鲁工信示例〔2027〕1号"
    assert programme["validity"] == {
        "status": "in-force",
        "checked_on": "2027-01-15",
        "deadline": "2027-03-31",
        "deadline_passed": False,
        "successors": [],
        "example": True,
    }
    revenue = {r["id"]: r for r in manifest["checks"]["results"]}["revenue"]
    assert revenue["required"] == "≥120亿元" and revenue["status"] == "通过"
    assert next_round.folder == next_round.folder.parents[1] / CHILD / EXAMPLE
    assert "W-PROGRAMME-EXAMPLE" in {w["code"] for w in manifest["warnings"]}


def test_a_packet_under_an_expired_programme_says_so(example_packet) -> None:
    text = _text(example_packet.folder / "自查报告.pdf")
    assert "鲁工信发〔2020〕5号" in text and "已过有效期" in text and "请核对当年申报通知" in text
    validity = example_packet.manifest()["programme"]["validity"]
    today = case.build_date()
    assert validity["status"] == ("expired" if today > dt.date(2025, 10, 8) else "in-force")
