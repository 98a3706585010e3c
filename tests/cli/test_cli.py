"""The command line: exit codes by kind, messages in Chinese with the English key, no tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from conftest import EXAMPLE, run_cli

from pipeline.cli import main
from pipeline.errors import ExitCode


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}
    )


def test_every_command_has_help() -> None:
    runner = CliRunner()
    for name, command in main.commands.items():
        assert command.help, name
        assert runner.invoke(main, [name, "--help"]).exit_code == 0


def test_bad_cluster_id_is_a_usage_error_without_traceback() -> None:
    r = _cli("bundle", "../etc")
    assert r.returncode == ExitCode.USAGE
    assert "集群编号" in r.stderr and "Traceback" not in r.stderr


def test_invalid_data_exit_code_and_message(root: Path) -> None:
    f = root / "inputs" / EXAMPLE / "cluster.yaml"
    f.write_text(
        f.read_text(encoding="utf-8").replace("credit_code: 11370790MB1K4Q2731", "credit_code: 12345"), encoding="utf-8"
    )
    r = _cli("validate", EXAMPLE, "--root", str(root))
    assert r.returncode == ExitCode.DATA_INVALID
    assert "E-USCC-LENGTH" in r.stderr and "(applicant.credit_code)" in r.stderr and "第" in r.stderr
    assert "Traceback" not in r.stderr


def test_validate_example_succeeds(root: Path) -> None:
    r = run_cli("validate", EXAMPLE, "--root", str(root))
    assert r.returncode == 0, r.stderr
    assert "数据有效" in r.stdout


def test_init_yaml_skeleton_names_every_field_and_validation_lists_what_is_missing(tmp_path) -> None:
    import shutil

    from conftest import ROOT

    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    runner = CliRunner()
    made = runner.invoke(
        main, ["init", "new-one", "--programme", "tese-apply", "--form", "yaml", "--root", str(tmp_path)]
    )
    assert made.exit_code == 0, made.output
    text = (tmp_path / "inputs" / "new-one" / "cluster.yaml").read_text(encoding="utf-8")
    assert 'programme: "tese-apply"' in text
    assert "credit_code:  # 统一社会信用代码，必填" in text
    assert "revenue:  # 营业收入，必填，金额带单位" in text
    checked = runner.invoke(main, ["validate", "new-one", "--root", str(tmp_path)])
    assert checked.exit_code == 3, checked.output
    assert (
        "E-FIELD-MISSING" in checked.output and "申报单位 › 统一社会信用代码 (applicant.credit_code)" in checked.output
    )
    assert "填的是 None" not in checked.output
