"""The ``clusterpack`` command: a thin layer over the library; errors become exit codes.

Exit codes: 0 done · 1 internal error · 2 usage (bad cluster id, unknown programme) ·
3 data invalid (nothing built) · 4 conditions unmet (a 草稿 draft was built; 0 with --draft) ·
5 LibreOffice conversion failed · 6 a system part is missing · 7 a programme's template is broken.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack

import click
from rich.console import Console
from rich.table import Table

from pipeline.core import case, limits, rules
from pipeline.core.fields import CITIES
from pipeline.errors import ClusterpackError, ExitCode, Problem, UsageError, unwritable


class _OnFirstUse:
    """A module imported when a command first uses it: ``clusterpack validate`` or ``--help`` need not load what
    building a packet or a city's tables does (python-docx, Jinja, openpyxl, numpy: ≈ 0.4 s of every start)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)


if TYPE_CHECKING:
    from pipeline.stages import check as checking
    from pipeline.workflows import batch, catalogue, cityinit, official, start
    from pipeline.workflows import city as city_packet
    from pipeline.workflows import packet as packets
else:
    checking = _OnFirstUse("pipeline.stages.check")
    batch = _OnFirstUse("pipeline.workflows.batch")
    catalogue = _OnFirstUse("pipeline.workflows.catalogue")
    cityinit = _OnFirstUse("pipeline.workflows.cityinit")
    official = _OnFirstUse("pipeline.workflows.official")
    start = _OnFirstUse("pipeline.workflows.start")
    city_packet = _OnFirstUse("pipeline.workflows.city")
    packets = _OnFirstUse("pipeline.workflows.packet")

EPILOG = (
    "退出码 (exit codes): 0 完成 done · 1 内部错误 internal · 2 用法错误 usage · 3 数据有误 data invalid · "
    "4 未满足申报条件 conditions unmet (draft built) · 5 转换失败 conversion failed · 6 缺少系统组件 environment · "
    "7 模板有误 template"
)


def _paths(root: str | None) -> case.Paths:
    if not root:
        return case.Paths()
    base = Path(root)
    return case.Paths(inputs=base / "inputs", templates=base / "templates", outputs=base / "outputs")


def _warn(cluster: str, warnings: Sequence[Problem]) -> None:
    for w in warnings:
        click.secho(w.render(cluster), fg="yellow", err=True)


def _fail(exc: ClusterpackError) -> None:
    click.secho(exc.user_message(), fg="red", err=True)
    sys.exit(exc.exit_code)


# click's own usage errors, by kind: each gets a stable code like the library's (exit 2).
_CLICK_CODES: list[tuple[type[click.UsageError], str]] = [
    (click.MissingParameter, "E-USAGE-MISSING"),
    (click.NoSuchOption, "E-USAGE-UNKNOWN-OPTION"),
    (click.BadParameter, "E-USAGE-BAD-VALUE"),
    (click.BadOptionUsage, "E-USAGE-BAD-OPTION"),
    (click.BadArgumentUsage, "E-USAGE-BAD-ARGUMENT"),
]


def click_code(exc: click.UsageError) -> str:
    """The stable code of one of click's usage errors (``E-USAGE-ARGS`` for the others, e.g. no such command)."""
    return next((code for kind, code in _CLICK_CODES if isinstance(exc, kind)), "E-USAGE-ARGS")


def _chinese_first(exc: click.UsageError) -> str:
    """click's message, after what to do in Chinese: a missing --programme lists the programmes."""
    said = exc.format_message()
    if isinstance(exc, click.MissingParameter) and exc.param is not None:
        option = (exc.param.opts or [exc.param.name or ""])[0]
        if exc.param.name == "programme_id":
            try:
                _programme_named(None, case.Paths())
            except UsageError as listed:
                return f"{listed} · {said}"
        return f"缺少 {option}，请补上 · {said}"
    return said


class _Commands(click.Group):
    """The command group; its usage errors (click's as well as ours) say their code, and exit 2."""

    def main(  # type: ignore[override]
        self, args: Any = None, prog_name: str | None = None, standalone_mode: bool = True, **kwargs: Any
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, standalone_mode=False, **kwargs)
        try:
            rv = super().main(args, prog_name, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            if exc.ctx is not None:
                click.echo(exc.ctx.get_usage(), err=True)
                click.echo(f"运行 {exc.ctx.command_path} --help 查看用法 (try --help)", err=True)
            click.secho(f"错误 [{click_code(exc)}] {_chinese_first(exc)} (usage error)", fg="red", err=True)
            sys.exit(ExitCode.USAGE)
        except click.ClickException as exc:  # click's file errors and the like: still the user's call
            click.secho(f"错误 [E-USAGE-ARGS] {exc.format_message()} (usage error)", fg="red", err=True)
            sys.exit(ExitCode.USAGE)
        except click.Abort:
            click.echo("已中断 (aborted)", err=True)
            sys.exit(ExitCode.INTERRUPTED)
        sys.exit(rv if isinstance(rv, int) else ExitCode.OK)


@click.group(cls=_Commands, epilog=EPILOG)
@click.version_option(case.tool_version(), prog_name="clusterpack")
@click.option("-v", "--verbose", is_flag=True, help="Log each stage (日志).")
def main(verbose: bool) -> None:
    """clusterpack: 特色产业集群 / 数字产业集群 申报材料生成工具 (cluster data → submission packet)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if verbose:  # our own phases and steps, not the libraries' chatter
        logging.getLogger("pipeline").setLevel(logging.DEBUG)


@main.command(epilog=EPILOG)
@click.argument("clusters", nargs=-1)
@click.option(
    "--all", "all_", is_flag=True, help="Every cluster in inputs/, for every programme its data names (or --programme)."
)
@click.option("--programme", "programme_id", help="申报项目 (programme id), default: the one in the cluster's data.")
@click.option(
    "--root",
    type=click.Path(file_okay=False),
    help="Folder holding inputs/, templates/ and outputs/ (default: the repository).",
)
@click.option("--draft", is_flag=True, help="A packet that misses conditions is expected: exit 0 for the 草稿 draft.")
@click.option("--force", is_flag=True, help="Rebuild even when the inputs have not changed.")
@click.option(
    "--jobs", "-j", type=click.IntRange(1, 64), help="LibreOffice workers for a batch (default: one per core)."
)
@click.option(
    "--timeout",
    type=click.FloatRange(1),
    help="Seconds one conversion may take (default: CLUSTERPACK_CONVERT_TIMEOUT, else 120).",
)
@click.option(
    "--strict-dates",
    is_flag=True,
    help="Refuse (exit 2) to build under a programme that is expired, not yet in force, or past its deadline.",
)
@click.option(
    "--year",
    type=click.IntRange(1949, 2100),
    help="The year of data kept by year (inputs/CLUSTER/YEAR/); default: last year.",
)
def bundle(
    clusters: tuple[str, ...],
    all_: bool,
    programme_id: str | None,
    root: str | None,
    draft: bool,
    force: bool,
    jobs: int | None,
    timeout: float | None,
    strict_dates: bool,
    year: int | None,
) -> None:
    """Build the packet of CLUSTER (Word files, PDFs, merged 申报材料.pdf, 自查报告, manifest); several, or --all."""
    paths = _paths(root)
    if all_ or len(clusters) > 1:
        if all_:  # every cluster, for every programme its data names (or for --programme only)
            todo, left_out = batch.plan(paths.inputs, batch.all_clusters(paths.inputs), programme_id)
            if left_out:
                click.echo(
                    f"{len(left_out)} 个集群的数据未申报 {programme_id}，不生成：{'、'.join(left_out)} "
                    "(left out: their data does not name this programme)"
                )
        else:
            todo = [(c, programme_id) for c in clusters]
        sys.exit(_batch(todo, paths, draft, jobs, force=force, timeout=timeout, strict_dates=strict_dates))
    if len(clusters) != 1:
        _fail(
            UsageError(
                "给出一个集群编号，或多个，或 --all (name a cluster, several, or --all)", code="E-USAGE-NO-CLUSTER"
            )
        )
    cluster = clusters[0]
    try:
        result = packets.bundle(cluster, paths, programme_id, force=force, strict_dates=strict_dates, year=year)
    except ClusterpackError as exc:
        _fail(exc)
        return
    _warn(cluster, result.warnings)
    if result.skipped:
        click.echo(f"未变化，保留 {result.folder} (inputs unchanged: packet kept; --force rebuilds)")
    if result.draft:
        unmet = "；".join(result.unmet)
        click.secho(
            f"未满足申报条件，只生成了草稿（每页有“草稿”水印） (conditions unmet: draft only): {unmet}",
            fg="yellow",
            err=True,
        )
    headline = result.headline  # what the programme's schema says of the data, if anything
    click.echo(
        f"已生成 {result.folder} (built): {result.file} 共 {result.pages} 页" + (f"；{headline}" if headline else "")
    )
    if result.draft and not draft:
        sys.exit(ExitCode.CONDITIONS_UNMET)


def _batch(
    todo: list[tuple[str, str | None]],
    paths: case.Paths,
    draft: bool,
    jobs: int | None,
    **options: Unpack[batch.BatchOptions],
) -> int:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("剩余"),
        TimeRemainingColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("生成申报材料 (building)", total=len(todo))

        def tick(outcome: batch.Outcome) -> None:
            if outcome.status == batch.FAILED:
                bar.console.print(f"[red]失败 {outcome.label}[/]: {outcome.message}")
            bar.advance(task)

        result = batch.bundle_many(todo, paths, jobs, progress=tick, **options)
    s = result.stats
    clusters = len({cid for cid, _ in todo})
    several = f"、{len(todo)} 份材料" if len(todo) != clusters else ""  # a cluster built for several programmes
    click.echo(
        f"共 {clusters} 个集群{several}：生成 {result.count(batch.BUILT)}，草稿 {result.count(batch.DRAFT)}，"
        f"失败 {result.count(batch.FAILED)}，未变化跳过 {result.count(batch.SKIPPED)}；"
        f"转换 {s.converted} 个文档，复用 {s.reused} 个；用时 {result.seconds:.1f} 秒 "
        f"(built/draft/failed/skipped; documents converted/reused)"
    )
    for o in result.outcomes:
        if o.status in (batch.FAILED, batch.DRAFT):
            click.echo(f"  {o.status:7} {o.label}: {o.message}")
    if result.failed:  # the kind of the failures, from their errors: one kind says itself, data first otherwise
        kinds = {o.exit_code for o in result.outcomes if o.status == batch.FAILED}
        if len(kinds) == 1:
            return kinds.pop()
        return ExitCode.DATA_INVALID if ExitCode.DATA_INVALID in kinds else min(kinds - {ExitCode.INTERNAL} or kinds)
    if result.count(batch.DRAFT) and not draft:
        return ExitCode.CONDITIONS_UNMET
    return ExitCode.OK


_STYLE = {
    rules.PASS: "green",
    rules.FAIL: "red",
    rules.ADVISORY: "yellow",
    rules.RELAXED: "yellow",
    rules.NO_EVIDENCE: "magenta",
}


@main.command(epilog=EPILOG)
@click.argument("cluster")
@click.option("--programme", "programme_id", help="申报项目 (programme id).")
@click.option("--root", type=click.Path(file_okay=False), help="Folder holding inputs/ and templates/.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON (for machines).")
@click.option(
    "--year",
    type=click.IntRange(1949, 2100),
    help="The year of data kept by year (inputs/CLUSTER/YEAR/); default: last year.",
)
def check(cluster: str, programme_id: str | None, root: str | None, as_json: bool, year: int | None) -> None:
    """Check CLUSTER against every condition of its programme: condition, clause, required, actual, result."""
    try:
        report = checking.check(cluster, _paths(root), programme_id, year=year)
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
            f"缺佐证 {c[rules.NO_EVIDENCE]}，未达到（原则上） {c[rules.ADVISORY]} — {verdict}"
        )
        console.print(report.forms_note())
    if not report.passed:
        sys.exit(ExitCode.CONDITIONS_UNMET)


@main.command(epilog=EPILOG)
@click.argument("cluster")
@click.option("--programme", "programme_id", help="申报项目 (programme id).")
@click.option("--root", type=click.Path(file_okay=False), help="Folder holding inputs/ and templates/.")
@click.option(
    "--year",
    type=click.IntRange(1949, 2100),
    help="The year of data kept by year (inputs/CLUSTER/YEAR/); default: last year.",
)
def validate(cluster: str, programme_id: str | None, root: str | None, year: int | None) -> None:
    """Check CLUSTER's data without building anything; list every problem found."""
    try:
        c = checking.check(cluster, _paths(root), programme_id, year=year)
        data, programme, warnings = c.data, c.programme, c.warnings
    except ClusterpackError as exc:
        _fail(exc)
        return
    _warn(cluster, warnings)
    headline = programme.data_schema.headline(data)
    click.echo(
        f"数据有效 (data valid): {data.cluster.name} · {programme.title}" + (f"；{headline}" if headline else "")
    )


@main.command(epilog=EPILOG)
@click.argument("city_code")
@click.option("--programme", "programme_id", help="申报项目 (programme id), default: the one in the city's input.")
@click.option("--root", type=click.Path(file_okay=False), help="Folder holding inputs/, templates/ and outputs/.")
@click.option(
    "--strict-dates",
    is_flag=True,
    help="Refuse (exit 2) under a programme expired, not yet in force or past its deadline.",
)
def city(city_code: str, programme_id: str | None, root: str | None, strict_dates: bool) -> None:
    """Build a city bureau's 推荐文件, 汇总表, review sheet and its packet for the province (inputs/cities/CITY_CODE.yaml)."""

    try:
        result = city_packet.city_bundle(city_code, _paths(root), programme_id, strict_dates=strict_dates)
    except ClusterpackError as exc:
        _fail(exc)
        return
    for w in result.plan.warnings:
        click.secho(w.render(city_code, "市"), fg="yellow", err=True)
    names = "、".join(result.clusters)
    click.echo(
        f"已生成 {result.folder} (built): {result.packet} 共 {result.pages} 页；{len(result.clusters)} 个集群：{names}"
    )


@main.command(epilog=EPILOG)
@click.option("--city", "city_code", help="Only this city's clusters and report (行政区划代码, e.g. 370700).")
@click.option("--on", "on", type=click.DateTime(["%Y-%m-%d"]), help="The day to look from (default: today).")
@click.option("--root", type=click.Path(file_okay=False), help="Folder holding inputs/, templates/ and outputs/.")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON (for machines).")
def due(city_code: str | None, on: dt.datetime | None, root: str | None, as_json: bool) -> None:
    """What is due, when: 复核, 工作总结, the city's report, each named programme's deadline; built and passing or not."""
    from pipeline.stages import due as dues

    day = on.date() if on else case.build_date()
    try:
        if city_code is not None and city_code not in CITIES:
            raise UsageError(
                f"{city_code} 不是山东省16市的行政区划代码 (not a Shandong city code)", code="E-USAGE-CITY-CODE"
            )
        items = dues.due(_paths(root), day, city_code)
    except ClusterpackError as exc:
        _fail(exc)
        return
    if as_json:
        click.echo(json.dumps({"on": str(day), "items": [i.as_dict() for i in items]}, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"应报事项（截至 {day}） what is due")
    for column in ("截止 by", "单位 who", "事项 what", "项目 programme", "年度 year", "状态 status", "说明 note"):
        table.add_column(column, overflow="fold")
    for i in items:
        by = str(i.by) if i.by else "以通知为准"
        late = i.by is not None and i.by < day
        table.add_row(
            f"[red]{by}（已过）[/]" if late else by,
            f"{i.name}\n{i.who}",
            f"{i.what}（{i.clause}）",
            i.programme,
            str(i.year or ""),
            i.status,
            i.note,
        )
    Console(width=max(140, Console().width)).print(table)
    if not items:
        click.echo("没有应报事项 (nothing due)")


@main.command(epilog=EPILOG)
@click.argument("cluster", required=False)
@click.option(
    "--programme", "programme_id", help="申报项目 (programme id): a folder under templates/; init lists them."
)
@click.option("--city", "city_code", help="A city code (370600): write the city bureau's decision file instead.")
@click.option(
    "--form",
    type=click.Choice(["xlsx", "yaml"]),
    help="Input form to create (default: the Excel workbook where the programme has one, else YAML).",
)
@click.option("--root", type=click.Path(file_okay=False), help="Folder holding inputs/ and templates/.")
@click.option(
    "--from-year",
    "from_year",
    type=click.IntRange(1949, 2099),
    help="Start the next year's data (inputs/CLUSTER/YEAR+1/) from this year's: every value carried, the year's figures marked.",
)
def init(
    cluster: str | None,
    programme_id: str | None,
    city_code: str | None,
    form: str | None,
    root: str | None,
    from_year: int | None,
) -> None:
    """Create inputs/CLUSTER/ with an empty cluster.xlsx (or cluster.yaml) to fill in; with --city, the city's decision;
    with --from-year, next year's data from this year's."""
    if from_year is not None and cluster:
        _init_year(cluster, from_year, root)
        return
    paths = _paths(root)
    try:
        programme_id = _programme_named(programme_id, paths)
        if city_code is not None:
            if cluster:
                raise UsageError(
                    "--city 写的是市的推荐决定，不要同时给集群编号 (--city takes no cluster)",
                    code="E-USAGE-BAD-ARGUMENT",
                )
            out = cityinit.init_city(city_code, programme_id, paths)
            done = f"填好空着的项后运行 make city CITY={city_code} PROGRAMME={programme_id}"
        else:
            out = start.new_cluster(cluster, programme_id, form, paths)
            done = f"填好后运行 make validate CLUSTER={cluster} 检查，make bundle CLUSTER={cluster} 生成"
    except ClusterpackError as exc:
        _fail(exc)
        return
    click.echo(f"已创建 {out} (created)：{done}")


def _programme_named(programme_id: str | None, paths: case.Paths) -> str:
    """The programme asked for; without one, a usage error that lists every programme in Chinese."""
    if programme_id:
        return programme_id
    entries = [e for e in catalogue.catalogue(paths.templates, case.build_date()) if not e.error]
    choices = "；".join(f"{e.id}（{e.title}，{e.status}）" for e in entries) or "（templates/ 下没有申报项目）"
    raise UsageError(
        f"请用 --programme 指明申报项目（make 命令中写 PROGRAMME=…），可选：{choices} (name the programme)",
        code="E-USAGE-NO-PROGRAMME",
    )


def _init_year(cluster: str, from_year: int, root: str | None) -> None:
    try:
        done = start.next_year(cluster, from_year, _paths(root))
    except ClusterpackError as exc:
        _fail(exc)
        return
    click.echo(
        f"已创建 {done.file} (created)：照录{from_year}年数据，{len(done.marked)} 项标为“待更新”，复制佐证材料 {done.attachments} 份；"
        f"更新后运行 clusterpack bundle {cluster} --year {from_year + 1} --programme <项目>"
    )


@main.command(epilog=EPILOG)
@click.argument("cluster")
@click.option("--to", "to", type=click.Choice(["xlsx", "yaml"]), required=True, help="The form to write.")
@click.option(
    "--out", type=click.Path(dir_okay=False), help="Where to write (default: outputs/export/CLUSTER/cluster.EXT)."
)
@click.option("--replace", is_flag=True, help="Write into the cluster's folder and remove the other form.")
@click.option("--root", type=click.Path(file_okay=False), help="Folder holding inputs/, templates/ and outputs/.")
def export(cluster: str, to: str, out: str | None, replace: bool, root: str | None) -> None:
    """Write CLUSTER's data in the other form: YAML → Excel workbook, or workbook → YAML."""
    try:
        target = start.export(cluster, to, _paths(root), Path(out) if out else None, replace)
    except ClusterpackError as exc:
        _fail(exc)
        return
    click.echo(f"已写出 {target} (written)")


@main.command()
@click.option("--programme", "programme_id", required=True, help="申报项目 (programme id): a folder under templates/.")
@click.option("--root", type=click.Path(file_okay=False), help="Folder holding templates/.")
def schema(programme_id: str, root: str | None) -> None:
    """Print the JSON Schema of a programme's cluster.yaml, for editors that complete and check YAML."""
    from pipeline.stages.programmes import load_programme

    try:
        programme = load_programme(_paths(root).templates, programme_id)
    except ClusterpackError as exc:
        _fail(exc)
        return
    click.echo(json.dumps(programme.data_schema.model.model_json_schema(), ensure_ascii=False, indent=2))


@main.command(epilog=EPILOG)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Any address but loopback requires login (clusterpack user add).",
)
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port (0: a free one, printed).")
@click.option("--open", "open_browser", is_flag=True, help="Open the app in the browser.")
@click.option("--root", type=click.Path(file_okay=False), help="Folder holding inputs/, templates/, outputs/.")
def serve(host: str, port: int, open_browser: bool, root: str | None) -> None:
    """Start the web app: fill in a cluster, see every problem as you type, build, download."""
    from pipeline.web import server

    try:
        server.serve(_paths(root), host, port, open_browser)
    except ClusterpackError as exc:
        _fail(exc)


@main.group()
def user() -> None:
    """Accounts of the web app (needed when it listens on an address other than 127.0.0.1)."""


@user.command("add")
@click.argument("name")
@click.option("--cluster", "clusters", multiple=True, help="A cluster this operator may see and edit (repeatable).")
@click.option("--city", default="", help="The city code whose clerk this is (e.g. 370700).")
@click.password_option(help="The password (asked for when not given).")
@click.option("--root", type=click.Path(file_okay=False), help="Folder holding inputs/.")
def user_add(name: str, clusters: tuple[str, ...], city: str, password: str, root: str | None) -> None:
    """Add or replace an account: an operator (--cluster …) or a city clerk (--city …)."""
    from pipeline.web import auth

    try:
        file = auth.add_user(_paths(root).inputs, name, password, clusters, city)
    except ClusterpackError as exc:
        _fail(exc)
        return
    click.echo(f"已保存账户 {name} 到 {file} (account saved)")


@main.command("limits")
def limits_command() -> None:
    """Print every limit in force: its environment variable, value, default and what it bounds."""

    try:
        rows = [(lim.env, lim.shown(), f"{lim.default:g} {lim.unit}".strip(), lim.what) for lim in limits.ALL]
    except ClusterpackError as exc:
        _fail(exc)
        return
    table = Table(title="clusterpack 的各项上限 (limits; raise one by setting its variable)")
    for column in ("变量 variable", "当前 in force", "默认 default", "限制什么 what"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*row)
    Console(width=max(120, Console().width)).print(table)


@main.command("programmes")
@click.option("--root", type=click.Path(file_okay=False), help="Folder holding templates/.")
def programmes_(root: str | None) -> None:
    """List every programme: its notice, validity today and what it extends."""

    entries = catalogue.catalogue(_paths(root).templates, case.build_date())
    table = Table(title="申报项目 (programmes)")
    for column in ("项目 id", "名称 title", "通知 notice", "有效期 valid", "今天 today", "继承 extends"):
        table.add_column(column, overflow="fold")
    for e in entries:
        if e.error:
            table.add_row(e.id, f"[red]无法读取 (broken): {e.error}[/]", "", "", "", "")
            continue
        notice = e.notice + ("（示例 example）" if e.example else "")
        style = "green" if e.status == "有效" else "yellow"
        table.add_row(e.id, e.title, notice, e.valid, f"[{style}]{e.status}[/]", e.extends or "—")
    Console(width=max(140, Console().width)).print(table)


@main.group()
def programme() -> None:
    """A programme folder: show it resolved (with where each part comes from), or start a new one."""


@programme.command("show")
@click.argument("programme_id")
@click.option("--root", type=click.Path(file_okay=False), help="Folder holding templates/.")
@click.option("--json", "as_json", is_flag=True, help="Print the parts as JSON (for machines).")
def programme_show(programme_id: str, root: str | None, as_json: bool) -> None:
    """Print PROGRAMME_ID resolved: every part (notice, validity, documents, templates, rules…) and its source."""
    from pipeline.stages.programmes import load_programme

    templates = _paths(root).templates
    try:
        p = load_programme(templates, programme_id)
    except ClusterpackError as exc:
        _fail(exc)
        return
    parts = catalogue.describe(templates, p)
    if as_json:
        click.echo(json.dumps([vars(x) for x in parts], ensure_ascii=False, indent=2))
        return
    chain = " → ".join([p.id, *p.lineage])
    table = Table(title=f"{p.id} · {p.title}（{chain}）")
    for column in ("部分 section", "键 key", "值 value", "来自 from"):
        table.add_column(column, overflow="fold")
    for x in parts:
        source = x.source + (f"（改 {', '.join(x.changed)}）" if x.changed else "")
        table.add_row(x.section, x.key, x.value, f"[{'cyan' if x.source == p.id else 'white'}]{source}[/]")
    Console(width=max(140, Console().width)).print(table)


@programme.command("new")
@click.argument("programme_id")
@click.option("--from", "source", required=True, help="The programme the new one extends (e.g. last year's).")
@click.option("--root", type=click.Path(file_okay=False), help="Folder holding templates/.")
def programme_new(programme_id: str, source: str, root: str | None) -> None:
    """Create templates/PROGRAMME_ID/ with a commented programme.yaml that extends --from and says what to change."""

    try:
        file = catalogue.scaffold(_paths(root).templates, programme_id, source)
    except ClusterpackError as exc:
        _fail(exc)
        return
    click.echo(
        f"已创建 {file} (created)：改写其中标 TODO 的通知名称、文号、日期和有效期，再运行 "
        f"clusterpack programme show {programme_id} 核对"
    )


@main.group()
def form() -> None:
    """The province's own forms: adopt an official .docx (or the .xlsx 汇总表) as a programme's template."""


@form.command("adopt")
@click.argument("official_file", metavar="OFFICIAL", type=click.Path(dir_okay=False))
@click.option("--programme", "programme_id", required=True, help="The programme whose document it is.")
@click.option(
    "--document", required=True, help="The document id (programme show lists them), or summary for the .xlsx 汇总表."
)
@click.option("--replace", is_flag=True, help="Replace a template the programme's own folder already has.")
@click.option("--root", type=click.Path(file_okay=False), help="Folder holding templates/.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def form_adopt(
    official_file: str, programme_id: str, document: str, replace: bool, root: str | None, as_json: bool
) -> None:
    """Make OFFICIAL the document's template: each blank gets the field its label names; report the rest."""

    try:
        result = official.adopt_form(Path(official_file), _paths(root).templates, programme_id, document, replace)
    except ClusterpackError as exc:
        _fail(exc)
        return
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    from pipeline.forms.summarylayout import SummaryAdoption

    if isinstance(result, SummaryAdoption):
        lay = result.layout
        click.echo(
            f"已写出 {result.out} (written)：工作表 {lay.sheet}，表头第 {lay.header_row} 行，数据自第 {lay.first_row} 行；"
            f"对上 {len(lay.columns)} 列"
        )
        for line in result.unplaced:
            click.secho(f"  未对应（生成时留空）unknown column: {line}", fg="yellow")
        for line in result.missing:
            click.secho(f"  官方表没有的列 not in the official form: {line}", fg="yellow")
        return
    click.echo(f"已写出 {result.out} (written)：放入 {len(result.placed)} 个字段；programme.yaml 已标注 form: official")
    for u in result.unplaced:
        click.secho(f"  未放置 not placed: {u.where} “{u.label}”：{u.reason}", fg="yellow")
    for m in result.missing:
        click.secho(f"  表中没有位置 no place in the form: {m}", fg="yellow")
    for b in result.by_hand:
        click.echo(f"  留待手写 left for the pen: {b}")
    if result.unplaced or result.missing:
        click.echo("请在 Word/WPS 中打开该模板，补齐上面列出的项 (finish these by hand)")


def run() -> None:
    """Entry point that never shows a traceback to a user (set CLUSTERPACK_DEBUG=1 to see one)."""
    try:
        main(standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:
        if os.environ.get("CLUSTERPACK_DEBUG"):
            raise
        # A write the disk refused (read-only, full) is the machine's state, not a bug.
        refused = unwritable(exc, exc.filename or "outputs/") if isinstance(exc, OSError) else None
        if refused is not None:
            _fail(refused)
        click.secho(f"内部错误 (internal error): {type(exc).__name__}: {exc}", fg="red", err=True)  # a bug
        sys.exit(ExitCode.INTERNAL)
