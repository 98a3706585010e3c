"""A cluster's input files made for it: a new folder (the empty workbook, or YAML, and ``attachments/``),
its data in the other form (``export``), next year's data from this year's (``next_year``)."""

from __future__ import annotations

from pathlib import Path

import yaml

from pipeline.core.case import Paths
from pipeline.core.programme import Programme
from pipeline.core.raw import check_cluster_id
from pipeline.errors import UsageError
from pipeline.forms import workbook
from pipeline.forms.carry import Carried, carry
from pipeline.forms.skeleton import skeleton
from pipeline.stages import check as checking
from pipeline.stages.programmes import load_programme
from pipeline.stages.read import input_file, load_cluster


def needs_workbook(programme: Programme) -> None:
    """Refuse a workbook for a programme whose schema has no workbook layout (YAML only)."""
    if not programme.data_schema.workbook:
        raise UsageError(
            f"{programme.title} 的数据暂不支持 Excel 填报表，请用 cluster.yaml 填写（参照 inputs/ 下的示例，"
            f"字段说明见 clusterpack schema --programme {programme.id}） (no workbook layout for this programme yet)",
            code="E-USAGE-NO-WORKBOOK",
        )


def new_cluster(cluster: str | None, programme_id: str, form: str | None, paths: Paths) -> Path:
    """A new cluster folder with its empty input file and attachments/; the input file's path."""
    if not cluster:
        raise UsageError(
            "请给出新集群的编号，如 clusterpack init yantai-xx --programme … (name the cluster)",
            code="E-USAGE-NO-CLUSTER",
        )
    check_cluster_id(cluster)
    programme = load_programme(paths.templates, programme_id)
    form = form or ("xlsx" if programme.data_schema.workbook else "yaml")
    if form == "xlsx":
        needs_workbook(programme)
    folder = paths.inputs / cluster
    if any((folder / n).exists() for n in ("cluster.yaml", "cluster.xlsx")):
        raise UsageError(f"{folder} 已有输入文件，不覆盖 (an input file exists already)", code="E-USAGE-INPUT-EXISTS")
    (folder / "attachments").mkdir(parents=True, exist_ok=True)
    if form == "xlsx":
        return workbook.write(None, folder / "cluster.xlsx", programme)
    out = folder / "cluster.yaml"
    out.write_text(skeleton(programme.data_schema.model, programme.id, programme.title), encoding="utf-8")
    return out


def export(cluster: str, to: str, paths: Paths, out: Path | None = None, replace: bool = False) -> Path:
    """Write the cluster's data in the other form (``xlsx`` or ``yaml``); the file written.

    By default into ``outputs/export/<cluster>/``; with ``replace`` into the cluster's folder, the
    other form then removed (a folder holds one input file)."""
    source = input_file(paths.inputs, cluster)
    _raw, data, programme, _w = checking.prepare(cluster, paths)
    default = source.with_name(f"cluster.{to}") if replace else paths.outputs / "export" / cluster / f"cluster.{to}"
    target = out or default
    target.parent.mkdir(parents=True, exist_ok=True)
    if to == "xlsx":
        needs_workbook(programme)
        workbook.write(data, target, programme)
    else:
        text = yaml.safe_dump(workbook.to_plain(data), allow_unicode=True, sort_keys=False, width=1000)
        target.write_text(text, encoding="utf-8")
    if replace and target.resolve() != source.resolve():
        source.unlink()
    return target


def next_year(cluster: str, from_year: int, paths: Paths) -> Carried:
    """``inputs/<cluster>/<from_year + 1>/`` started from ``from_year``'s data: every value carried, the year's
    own figures marked to update, the proofs copied."""
    raw = load_cluster(paths.inputs, cluster, from_year)
    return carry(raw, from_year, raw.file.parent.parent / str(from_year + 1))
