"""A city bureau's decision file to start from: ``clusterpack init --city CODE --programme P``.

It writes ``inputs/cities/<code>-<programme>.yaml`` with every key of the decision, each with its
Chinese label as a comment, filled where the tool knows: the city, the programme, the bureau's
name, the city's clusters whose data names the programme (in folder order: reorder them), and,
in its head, the notice, the deadline and the quota. What only the bureau knows (文号, date,
contact, phone) is left empty, and ``make city`` names each one until it is filled."""

from __future__ import annotations

from pathlib import Path

from pipeline.core import scratch
from pipeline.core.case import Paths
from pipeline.core.fields import CITIES, programme_ids
from pipeline.core.programme import Programme
from pipeline.core.units import cn_date
from pipeline.errors import ClusterpackError, UsageError, writing
from pipeline.forms.skeleton import filled
from pipeline.stages.programmes import load_programme
from pipeline.stages.read import load_cluster
from pipeline.stages.recommend import CityInput
from pipeline.workflows.batch import all_clusters


def city_code(code: str) -> str:
    """``code`` when it is one of Shandong's 16 cities; a usage error saying what it is otherwise."""
    if code in CITIES:
        return code
    hint = "；371200（原莱芜市）已并入济南市 370100" if code == "371200" else ""
    shown = "、".join(f"{c} {n}" for c, n in CITIES.items())
    raise UsageError(
        f"{code} 不是山东省16市的行政区划代码{hint}；可选：{shown} (not a Shandong city code)", code="E-USAGE-CITY-CODE"
    )


def city_clusters(inputs: Path, code: str, programme: Programme) -> list[str]:
    """The clusters under ``inputs/`` in city ``code`` whose data names ``programme`` (or one it extends)."""
    wanted = {programme.id, *programme.lineage}
    out = []
    for cid in all_clusters(inputs) if inputs.is_dir() else []:
        try:
            data = load_cluster(inputs, cid).data
        except ClusterpackError:  # a cluster whose file does not read cannot be recommended: `make city` says why
            continue
        named = data.get("programme")
        cluster = data.get("cluster")
        ids = programme_ids(named) if isinstance(named, (str, list)) else []
        if wanted & set(ids) and isinstance(cluster, dict) and str(cluster.get("city")) == code:
            out.append(cid)
    return out


def _header(programme: Programme, code: str, bureau: str) -> list[str]:
    notice, spec = programme.notice, programme.city
    lines = [
        f"{bureau}推荐{programme.title}的决定（clusterpack init 生成；每项后面是它的中文名称和写法）",
        f"依据《{notice.title}》（{notice.number}）",
    ]
    if spec is not None and spec.deadline:
        lines.append(f"申报截止：{cn_date(spec.deadline)}")
    if spec is not None and spec.quota:
        lines.append(f"{CITIES[code]}最多推荐 {spec.quota.limit(code)} 个集群（{spec.quota.clause}）")
    lines.append(f"填好空着的项后运行 make city CITY={code} PROGRAMME={programme.id}")
    return lines


def init_city(code: str, programme_id: str, paths: Paths) -> Path:
    """Write the city's decision file for ``programme_id``; refuse to overwrite one."""
    programme = load_programme(paths.templates, programme_id)
    if programme.city is None:
        raise UsageError(
            f"申报项目 {programme.id}（{programme.title}）没有市级推荐流程 (the programme has no city workflow)",
            code="E-USAGE-NO-CITY-WORKFLOW",
        )
    code = city_code(code)
    target = paths.inputs / "cities" / f"{code}-{programme.id}.yaml"
    if target.exists():
        raise UsageError(f"{target} 已存在，不覆盖 (the city file exists already)", code="E-USAGE-INPUT-EXISTS")
    bureau = programme.city.bureau_of(code, CITIES[code])
    values = {
        "city": code,
        "programme": programme.id,
        "bureau": bureau,
        "cc": [],
        "clusters": city_clusters(paths.inputs, code, programme),
        "force": {},
    }
    text = filled(CityInput, values, _header(programme, code, bureau), notes={"city": CITIES[code]})
    with writing(target.parent):
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch.write_atomic(target, text.encode("utf-8"))
    return target
