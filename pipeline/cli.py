"""The ``clusterpack`` command: a thin layer over the library; errors become exit codes.

Exit codes: 0 done · 1 internal error · 2 usage (bad cluster id, unknown programme) ·
3 data invalid (nothing built) · 4 conditions unmet (a 草稿 draft was built; 0 with --draft) ·
5 LibreOffice conversion failed · 6 a system part is missing · 7 a programme's template is broken.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from . import build, rules
from .errors import ClusterpackError, ExitCode, Problem

EPILOG = (
    "退出码 (exit codes): 0 完成 done · 1 内部错误 internal · 2 用法错误 usage · 3 数据有误 data invalid · "
    "4 未满足申报条件 conditions unmet (draft built) · 5 转换失败 conversion failed · 6 缺少系统组件 environment · "
    "7 模板有误 template"
)


def _paths(root: str | None) -> build.Paths:
    if not root:
        return build.Paths()
    base = Path(root)
    return build.Paths(inputs=base / "inputs", templates=base / "templates", outputs=base / "outputs")


def _warn(cluster: str, warnings: list[Problem]) -> None:
    for w in warnings:
        click.secho(w.render(cluster), fg="yellow", err=True)


def _fail(exc: ClusterpackError) -> None:
    click.secho(exc.user_message(), fg="red", err=True)
    sys.exit(exc.exit_code)


@click.group(epilog=EPILOG)
@click.version_option(build.tool_version(), prog_name="clusterpack")
@click.option("-v", "--verbose", is_flag=True, help="Log each stage (日志).")
def main(verbose: bool) -> None:
    """clusterpack: 特色产业集群 / 数字产业集群 申报材料生成工具 (cluster data → submission packet)."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


@main.command(epilog=EPILOG)
@click.argument("cluster")
@click.option("--programme", "programme_id", help="申报项目 (programme id), default: the one in the cluster's data.")
@click.option(
    "--root",
    type=click.Path(file_okay=False),
    help="Folder holding inputs/, templates/ and outputs/ (default: the repository).",
)
@click.option("--draft", is_flag=True, help="A packet that misses conditions is expected: exit 0 for the 草稿 draft.")
def bundle(cluster: str, programme_id: str | None, root: str | None, draft: bool) -> None:
    """Build the complete packet of CLUSTER (Word files, PDFs, merged 申报材料.pdf, 自查报告, manifest)."""
    try:
        result = build.bundle(cluster, _paths(root), programme_id)
    except ClusterpackError as exc:
        _fail(exc)
        return
    _warn(cluster, result.warnings)
    if result.draft:
        unmet = "；".join(result.report.summary()["unmet"])
        click.secho(
            f"未满足申报条件，只生成了草稿（每页有“草稿”水印） (conditions unmet: draft only): {unmet}",
            fg="yellow",
            err=True,
        )
    packet = result.manifest["packet"]
    profile = result.manifest["profile"]
    click.echo(
        f"已生成 {result.folder} (built): {packet['file']} 共 {packet['pages']} 页；"
        f"发展情况简介 {profile['words']} 字（字符数不计空格 {profile['chars_no_spaces']}）"
    )
    if result.draft and not draft:
        sys.exit(ExitCode.CONDITIONS_UNMET)


_STYLE = {rules.PASS: "green", rules.FAIL: "red", rules.RELAXED: "yellow", rules.NO_EVIDENCE: "magenta"}


@main.command(epilog=EPILOG)
@click.argument("cluster")
@click.option("--programme", "programme_id", help="申报项目 (programme id).")
@click.option("--root", type=click.Path(file_okay=False), help="Folder holding inputs/ and templates/.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON (for machines).")
def check(cluster: str, programme_id: str | None, root: str | None, as_json: bool) -> None:
    """Check CLUSTER against every condition of its programme: condition, clause, required, actual, result."""
    try:
        report = build.check(cluster, _paths(root), programme_id)
    except ClusterpackError as exc:
        _fail(exc)
        return
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        _warn(cluster, report.warnings)
        table = Table(title=f"{report.data.cluster.name} · {report.programme.title} 申报条件自查")
        for column in ("条件 condition", "条款 clause", "要求 required", "实际 actual", "结果 result"):
            table.add_column(column, overflow="fold")
        for r in report.results:
            table.add_row(r.title, r.clause, r.required, r.actual, f"[{_STYLE[r.status]}]{r.status}[/]")
            if r.note:
                table.add_row(f"  └ {r.note}", "", "", "", "")
        console = Console(width=max(120, Console().width))
        console.print(table)
        s = report.summary()
        c = s["counts"]
        verdict = "符合申报条件 (all conditions met)" if s["passed"] else "不符合申报条件 (conditions unmet)"
        console.print(
            f"共 {len(report.results)} 项：通过 {c[rules.PASS]}，未通过 {c[rules.FAIL]}，放宽 {c[rules.RELAXED]}，"
            f"缺佐证 {c[rules.NO_EVIDENCE]} — {verdict}"
        )
    if not report.passed:
        sys.exit(ExitCode.CONDITIONS_UNMET)


@main.command(epilog=EPILOG)
@click.argument("cluster")
@click.option("--programme", "programme_id", help="申报项目 (programme id).")
@click.option("--root", type=click.Path(file_okay=False), help="Folder holding inputs/ and templates/.")
def validate(cluster: str, programme_id: str | None, root: str | None) -> None:
    """Check CLUSTER's data without building anything; list every problem found."""
    try:
        _raw, data, _programme, warnings = build.prepare(cluster, _paths(root), programme_id)
    except ClusterpackError as exc:
        _fail(exc)
        return
    _warn(cluster, warnings)
    count = data.profile.count
    click.echo(f"数据有效 (data valid): {data.cluster.name}；发展情况简介 {count.words} 字")


@main.command(epilog=EPILOG)
@click.argument("city_code")
@click.option("--programme", "programme_id", help="申报项目 (programme id), default: the one in the city's input.")
@click.option("--root", type=click.Path(file_okay=False), help="Folder holding inputs/, templates/ and outputs/.")
def city(city_code: str, programme_id: str | None, root: str | None) -> None:
    """Build a city bureau's 推荐文件, 汇总表, review sheet and its packet for the province (inputs/cities/CITY_CODE.yaml)."""
    from . import citybuild

    try:
        result = citybuild.city_bundle(city_code, _paths(root), programme_id)
    except ClusterpackError as exc:
        _fail(exc)
        return
    for w in result.plan.warnings:
        click.secho(w.render(city_code, "市"), fg="yellow", err=True)
    m = result.manifest
    names = "、".join(c["name"] for c in m["clusters"])
    click.echo(
        f"已生成 {result.folder} (built): 推荐材料.pdf 共 {m['packet']['pages']} 页；推荐 {len(m['clusters'])} 个集群：{names}"
    )


def run() -> None:
    """Entry point that never shows a traceback to a user (set CLUSTERPACK_DEBUG=1 to see one)."""
    try:
        main(standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # a bug: say so plainly
        if os.environ.get("CLUSTERPACK_DEBUG"):
            raise
        click.secho(f"内部错误 (internal error): {type(exc).__name__}: {exc}", fg="red", err=True)
        sys.exit(ExitCode.INTERNAL)
