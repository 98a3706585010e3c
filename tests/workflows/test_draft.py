"""Bundling respects the checks: a packet that misses a condition is a 草稿 on every page, exit 4."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import EXAMPLE, Ran, normalise, run_cli
from pypdf import PdfReader

from pipeline.errors import ExitCode


def _cli(*args: str) -> Ran:
    return run_cli(*args)


def _set(root: Path, old: str, new: str) -> None:
    f = root / "inputs" / EXAMPLE / "cluster.yaml"
    text = f.read_text(encoding="utf-8")
    assert old in text
    f.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.office
def test_unmet_condition_builds_a_watermarked_draft_and_exits_4(root: Path) -> None:
    _set(root, "  enterprises: 268\n", "  enterprises: 99\n")
    r = _cli("bundle", EXAMPLE, "--root", str(root))
    assert r.returncode == ExitCode.CONDITIONS_UNMET, r.stderr
    assert "草稿" in r.stderr and "第四条（二）" in r.stderr
    out = root / "outputs" / "tese-apply" / EXAMPLE
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["checks"]["draft"] is True
    assert manifest["checks"]["unmet"] == ["第四条（二） 相关生产、服务等企业户数在100户以上"]
    for pdf in [out / "申报材料.pdf", *out.glob("0*.pdf")]:
        for page in PdfReader(pdf).pages:
            text = normalise(page.extract_text())
            assert "草稿" in text and "相关生产、服务等企业户数在100户以上" in text, pdf.name
    report = normalise(PdfReader(out / "自查报告.pdf").pages[0].extract_text())
    assert "未达到" in report and "不符合申报条件" in report


@pytest.mark.office
def test_draft_flag_makes_a_draft_the_expected_outcome(root: Path) -> None:
    _set(root, "area_km2: 46.8", "area_km2: 146.8")
    r = _cli("bundle", EXAMPLE, "--root", str(root), "--draft")
    assert r.returncode == 0, r.stderr
    assert "草稿" in r.stderr


def test_invalid_data_builds_nothing(root: Path) -> None:
    _set(root, "credit_code: 11370790MB1K4Q2731", "credit_code: 91110000600037341N")
    r = _cli("bundle", EXAMPLE, "--root", str(root))
    assert r.returncode == ExitCode.DATA_INVALID
    assert "E-USCC-CHECK" in r.stderr
    assert not (root / "outputs" / "tese-apply").exists()


def test_check_table_and_json(root: Path) -> None:
    r = _cli("check", EXAMPLE, "--root", str(root))
    assert r.returncode == 0, r.stderr
    for text in ("条件 condition", "条款 clause", "第四条（二）", "≥100亿元", "186.45亿元", "通过", "符合申报条件"):
        assert text in r.stdout, text
    data = json.loads(_cli("check", EXAMPLE, "--root", str(root), "--json").stdout)
    assert data["summary"]["passed"] is True
    assert {r["id"] for r in data["results"]} >= {"area", "enterprises", "revenue", "brand", "profile-length"}


def test_check_shows_each_problem_with_its_clause(root: Path) -> None:
    _set(root, "  enterprises: 268\n", "  enterprises: 99\n")
    _set(root, "  revenue: 186.45亿元\n", "  revenue: 186.45万元\n")
    r = _cli("check", EXAMPLE, "--root", str(root), "--json")
    assert r.returncode == ExitCode.DATA_INVALID  # 186.45万元 < the firms' revenues: a contradiction
    assert "E-AMOUNT-CONTRADICTION" in r.stderr and "一万倍" in r.stderr


def test_over_long_profile_is_refused_with_its_location(root: Path) -> None:
    f = root / "inputs" / EXAMPLE / "cluster.yaml"
    text = f.read_text(encoding="utf-8").replace(
        '    - heading: "二、产业规模和经济效益"',
        '        - "' + "长" * 500 + '"\n    - heading: "二、产业规模和经济效益"',
        1,
    )
    f.write_text(text, encoding="utf-8")
    r = _cli("check", EXAMPLE, "--root", str(root))
    assert r.returncode == ExitCode.DATA_INVALID
    assert "E-PROFILE-TOO-LONG" in r.stderr and "3060 字" in r.stderr and "(profile)" in r.stderr
