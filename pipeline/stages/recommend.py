"""A city bureau's recommendation: its input, and the checks made before anything is built."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from pipeline.core.case import Case, Paths, build_date
from pipeline.core.fields import CITIES, CityCode, Date, Model, Phone, Text, WenHao, Year
from pipeline.core.programme import CitySpec, Programme
from pipeline.core.raw import RawInput, check_cluster_id, parse
from pipeline.core.standing import Standing
from pipeline.errors import ClusterpackError, DataInvalid, Location, Problem, UsageError
from pipeline.forms import summarylayout
from pipeline.stages import check as checking
from pipeline.stages import programmes
from pipeline.stages.programmes import load_programme
from pipeline.stages.read import load_yaml


def _slug(value: str) -> str:
    try:
        return check_cluster_id(value)
    except UsageError as exc:
        from pydantic_core import PydanticCustomError

        raise PydanticCustomError("E-CLUSTER-ID", str(exc)) from None


ClusterId = Annotated[str, AfterValidator(_slug)]


def _none_is_empty(value: object) -> object:
    # `cc:` left empty, as `clusterpack init --city` writes it: nobody to copy to
    return [] if value is None else value


def _force(value: object) -> object:
    # force: {cluster-id: reason}. A bare list of ids says which, but not why: the letter must say why.
    if value is None:  # `force:` left empty: no cluster forced
        return {}
    if isinstance(value, (list, str)):
        from pydantic_core import PydanticCustomError

        raise PydanticCustomError(
            "E-CITY-FORCE-REASON",
            "force 要写明推荐理由，如 force: {qinglan-agrimachinery: 该集群主导产业……}；推荐文件会写明未达到的条件和理由 "
            "(force names each cluster with the bureau's reason)",
        )
    return value


SIGNED_SCANS = {"letter": "推荐文件.pdf", "summary": "汇总表.pdf"}  # in inputs/cities/<city file stem>/signed/


class CityInput(Model):
    """``inputs/cities/<city-code>.yaml``: what the bureau decided and how its letter is signed."""

    # description: how a clerk writes the key (the comment ``clusterpack init --city`` writes beside it)
    city: CityCode = Field(title="市（行政区划代码）")
    programme: Text = Field(title="申报项目")
    bureau: Text | None = Field(default=None, title="主管部门名称（发文机关）", description="不填即按申报项目的规定")
    document_number: WenHao = Field(title="推荐文件文号")
    date: Date = Field(title="成文日期")
    signatory: Text | None = Field(
        default=None, title="发文机关署名", description="落款处的机关名称，不填即为主管部门名称"
    )
    contact: Text = Field(title="联系人", description="推荐文件中写的联系人姓名")
    phone: Phone = Field(title="联系电话")
    cc: Annotated[list[Text], BeforeValidator(_none_is_empty)] = Field(
        default_factory=list, title="抄送", description="每个机关一行，如 - 烟台市人民政府办公室"
    )
    year: Year | None = Field(
        default=None, title="报告年度（按年度报告的项目）", description="年度报告的项目才填，如 2025"
    )
    clusters: list[ClusterId] = Field(
        min_length=1, title="推荐的集群（按推荐顺序）", description="每个集群编号一行，如 - qinglan-agrimachinery"
    )
    force: Annotated[dict[ClusterId, Text], BeforeValidator(_force)] = Field(
        default_factory=dict,
        title="虽未满足条件仍推荐的集群及推荐理由",
        description="每个一行，写成 集群编号: 推荐理由；推荐文件会写明未达到的条件和理由",
    )

    @property
    def city_name(self) -> str:
        return CITIES[self.city]


@dataclass
class CityPlan:
    """A checked recommendation: the city, its programme, and each cluster's check report in order."""

    city: CityInput
    programme: Programme
    bureau: str
    reports: list[Case]
    warnings: list[Problem] = field(default_factory=list)
    file: Path = Path()  # the city's input file
    signed: dict[str, Path] = field(default_factory=dict)  # letter / summary → its sealed scan
    standing: Standing | None = None  # the programme on the day: validity, deadline
    summary_layout: summarylayout.SummaryLayout | None = None  # the province's own 汇总表, if adopted

    def reason(self, cluster_id: str) -> str | None:
        """The bureau's reason for recommending a cluster that misses a condition (None: not forced)."""
        return self.city.force.get(cluster_id)


def city_file(inputs: Path, city_code: str, programme_id: str | None = None) -> Path:
    """The city's recommendation input: ``cities/CODE.yaml``, or ``cities/CODE-PROGRAMME.yaml`` where a
    city recommends for several programmes (``--programme`` picks one)."""
    if city_code not in CITIES:
        hint = "；371200（原莱芜市）已并入济南市 370100" if city_code == "371200" else ""
        raise UsageError(
            f"{city_code} 不是山东省16市的行政区划代码{hint} (not a Shandong city code)", code="E-USAGE-CITY-CODE"
        )
    folder = inputs / "cities"
    plain = folder / f"{city_code}.yaml"
    if programme_id and (folder / f"{city_code}-{programme_id}.yaml").is_file():
        return folder / f"{city_code}-{programme_id}.yaml"
    named = sorted(folder.glob(f"{city_code}-*.yaml")) if folder.is_dir() else []
    if plain.is_file():
        return plain
    if len(named) == 1 and not programme_id:
        return named[0]
    if named and not programme_id:
        raise UsageError(
            f"{city_code} 有多份推荐输入（{'、'.join(f.name for f in named)}），请用 --programme（make city PROGRAMME=…）指明 "
            "(several city inputs: name the programme)",
            code="E-USAGE-CITY-AMBIGUOUS",
        )
    raise UsageError(
        f"找不到 {plain} 或 {city_code}-<申报项目>.yaml (no city input for {city_code})", code="E-USAGE-NO-CITY-INPUT"
    )


def plan(
    city_code: str,
    paths: Paths,
    programme_id: str | None = None,
    today: dt.date | None = None,
    strict_dates: bool = False,
) -> CityPlan:
    """Read a city's input and check the recommendation as a whole; raise with every problem.

    With ``strict_dates`` a programme not in force on ``today``, or past its deadline, is refused (exit 2).
    """
    # read: the city's file, and the programme it recommends for
    file = city_file(paths.inputs, city_code, programme_id)
    raw = load_yaml(file, f"city {city_code}", root=paths.inputs.parent)
    city, problems = parse(raw, CityInput)
    if city is None:
        raise DataInvalid(city_code, problems, subject="市")
    if city.city != city_code:
        message = f"文件名是 {city_code}，内容写的是 {city.city} (file name and city differ)"
        problems.append(_p(raw, ("city",), "E-CITY-FILE", message))
    programme = load_programme(paths.templates, programme_id or city.programme)
    spec = _city_workflow(programme)
    if programme.id != city.programme and city.programme not in programme.lineage:  # a later round serves it
        message = f"推荐文件写的是 {city.programme}，要生成的是 {programme.id}"
        problems.append(_p(raw, ("programme",), "E-PROGRAMME-MISMATCH", message))
    today = today or build_date()
    # the recommendation as a whole: the quota, each cluster checked once, the clusters forced
    problems.extend(_quota(raw, city, programme, spec))
    reports = _check_clusters(raw, city, programme, paths, today, problems)
    problems.extend(_forced(raw, city, reports))
    # what goes with the letter: the official 汇总表's columns we cannot fill, the sealed scans, the deadline
    layout = summarylayout.read_layout(programme)
    if layout is not None:  # the official 汇总表: its columns we cannot fill are said on every build
        problems.extend(
            dataclasses.replace(w, location=Location(str(programme.template(summarylayout.LAYOUT_FILE))))
            for w in summarylayout.problems(programme, layout)
        )
    signed, signed_problems = signed_scans(file, paths.inputs, spec.letter_name)
    problems.extend(signed_problems)
    problems.extend(_past_deadline(raw, city, programme, spec.deadline, today))
    # the programme on this day (the deadline is the letter's, checked above); --strict-dates refuses
    standing = programmes.standing(programme, today, paths.templates)
    dated = standing.problems(strict=strict_dates)
    dated = [d for d in dated if strict_dates or d.code != "W-PROGRAMME-DEADLINE"]  # W-CITY-DEADLINE says it
    programmes.refuse(dated)
    problems.extend(dataclasses.replace(d, location=raw.where(("programme",))) for d in dated)
    # every error at once, or the plan with its warnings
    if any(p.severity == "error" for p in problems):
        raise DataInvalid(city_code, problems, subject="市")
    bureau = city.bureau or spec.bureau_of(city.city, city.city_name)
    warnings = [p for p in problems if p.severity == "warning"]
    return CityPlan(city, programme, bureau, reports, warnings, file, signed, standing, layout)


def _city_workflow(programme: Programme) -> CitySpec:
    if programme.city is None:
        raise UsageError(
            f"申报项目 {programme.id} 没有市级推荐流程 (the programme has no city workflow)",
            code="E-USAGE-NO-CITY-WORKFLOW",
        )
    return programme.city


def _quota(raw: RawInput, city: CityInput, programme: Programme, spec: CitySpec) -> list[Problem]:
    quota = spec.quota
    if quota and len(city.clusters) > quota.limit(city.city):
        message = (
            f"{city.city_name}最多推荐{quota.limit(city.city)}个集群（{programme.notice.number} {quota.clause}），"
            f"这里列了{len(city.clusters)}个 (over the city's quota)"
        )
        return [_p(raw, ("clusters",), "E-CITY-QUOTA", message)]
    return []


def _check_clusters(
    raw: RawInput, city: CityInput, programme: Programme, paths: Paths, today: dt.date, problems: list[Problem]
) -> list[Case]:
    """Each cluster recommended, checked once, in order; what is wrong with any is added to ``problems``."""
    seen: set[str] = set()
    reports: list[Case] = []
    for i, cid in enumerate(city.clusters):
        if cid in seen:
            problems.append(_p(raw, ("clusters", i), "E-CITY-DUPLICATE", f"集群 {cid} 重复推荐 (listed twice)"))
            continue
        seen.add(cid)
        try:
            report = checking.check(cid, paths, programme.id, today, year=city.year)
        except DataInvalid as exc:
            message = f"集群 {cid} 的数据有误，见下 (the cluster's data is invalid)"
            problems.append(_p(raw, ("clusters", i), "E-CITY-CLUSTER-INVALID", message))
            problems.extend(exc.problems)
            continue
        except ClusterpackError as exc:
            problems.append(_p(raw, ("clusters", i), "E-CITY-CLUSTER-MISSING", exc.user_message()))
            continue
        problems.extend(_recommendable(raw, i, cid, city, report))
        reports.append(report)
    return reports


def _recommendable(raw: RawInput, i: int, cid: str, city: CityInput, report: Case) -> list[Problem]:
    """The ``i``-th cluster is the city's own, and meets the conditions or is forced with a reason."""
    out = []
    if report.data.cluster.city != city.city:
        out.append(
            _p(
                raw,
                ("clusters", i),
                "E-CITY-OTHER-CITY",
                f"集群 {cid} 属于{report.data.cluster.city_name}，不能由{city.city_name}推荐 (the cluster belongs to another city)",
            )
        )
    if not report.passed:
        unmet = "；".join(report.summary()["unmet"])
        if cid in city.force:
            message = f"集群 {cid} 未满足：{unmet}；按 force 强制推荐，已列入审核表"
            out.append(_p(raw, ("force",), "W-CITY-FORCED", message, "warning"))
        else:
            message = f"集群 {cid} 未满足申报条件：{unmet}；如确需推荐，请在 force 中列出 (conditions unmet)"
            out.append(_p(raw, ("clusters", i), "E-CITY-CLUSTER-UNMET", message))
    return out


def _forced(raw: RawInput, city: CityInput, reports: list[Case]) -> list[Problem]:
    """Each cluster under force is recommended, and misses a condition."""
    out = []
    for cid in city.force:
        if cid not in city.clusters:
            out.append(_p(raw, ("force", cid), "E-CITY-FORCE-UNKNOWN", f"force 中的 {cid} 不在推荐名单中"))
        elif all(r.passed for r in reports if r.cluster_id == cid):
            out.append(
                _p(
                    raw,
                    ("force", cid),
                    "W-CITY-FORCE-UNNEEDED",
                    f"集群 {cid} 已满足申报条件，不需要 force；推荐文件按符合申报条件表述 (force not needed)",
                    "warning",
                )
            )
    return out


def _past_deadline(
    raw: RawInput, city: CityInput, programme: Programme, deadline: dt.date | None, today: dt.date
) -> list[Problem]:
    """The letter's date, else today, past the programme's deadline: a warning."""
    if deadline:
        for when, label in ((city.date, "成文日期"), (today, "今天")):
            if when > deadline:
                message = f"{label} {when} 已过申报截止日期 {deadline}（{programme.notice.number}） (past the deadline)"
                return [_p(raw, ("date",), "W-CITY-DEADLINE", message, "warning")]
    return []


def signed_scans(file: Path, inputs: Path, letter_name: str = "推荐文件") -> tuple[dict[str, Path], list[Problem]]:
    """The sealed scans that go with one city file: ``cities/<its stem>/signed/推荐文件.pdf``, ``汇总表.pdf``.

    Each city file has its own folder, so a city recommending for two programmes keeps two sealed
    letters apart. ``cities/<code>/signed/`` belongs to ``<code>.yaml``; with only per-programme
    files beside it, a scan there would serve several programmes, and is refused.
    """
    from pipeline.stages.proofs import _open_pdf

    folder = file.parent / file.stem / "signed"
    code = file.stem.split("-")[0]
    shared = file.parent / code / "signed"
    rel = inputs.parent
    problems: list[Problem] = []
    if shared != folder and not (file.parent / f"{code}.yaml").is_file():
        stray = sorted(shared.glob("*.pdf")) if shared.is_dir() else []
        if stray:
            places = "、".join(str(f.parent.relative_to(rel)) + "/" for f in (folder / "x", shared / "x"))
            problems.append(
                Problem(
                    "E-CITY-SIGNED-AMBIGUOUS",
                    f"{stray[0].relative_to(rel)} 所在目录可能用于多个申报项目；盖章扫描件请放在 {places.split('、')[0]}，"
                    f"不要放在 {places.split('、')[1]} (a sealed scan in a folder that serves several programmes)",
                    field="signed",
                    location=Location(str(stray[0].relative_to(rel))),
                )
            )
    found: dict[str, Path] = {}
    for what, name in {**SIGNED_SCANS, "letter": f"{letter_name}.pdf"}.items():
        path = folder / name
        if not path.is_file():
            continue
        shown = str(path.relative_to(rel))
        try:
            reader = _open_pdf(path)
            if reader is None or not reader.pages:
                raise ValueError("encrypted or empty")
        except Exception as exc:  # pypdf raises many kinds on a damaged file
            problems.append(
                Problem(
                    "E-SIGNED-UNREADABLE",
                    f"盖章扫描件 {shown} 无法读取 (the sealed scan does not read): {exc}",
                    field="signed",
                    location=Location(shown),
                )  # fmt: skip
            )
            continue
        found[what] = path
    return found, problems


def _p(raw: RawInput, path: tuple[str | int, ...], code: str, message: str, severity: str = "error") -> Problem:
    loc: Location = raw.where(path)
    return Problem(code, message, field=".".join(str(x) for x in path), location=loc, severity=severity)
