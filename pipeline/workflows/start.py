"""A new cluster's folder: its empty input file (the workbook, or YAML) and ``attachments/``."""

from __future__ import annotations

from pathlib import Path

from pipeline.core.case import Paths
from pipeline.core.programme import Programme
from pipeline.core.raw import check_cluster_id
from pipeline.errors import UsageError
from pipeline.forms import workbook
from pipeline.forms.skeleton import skeleton
from pipeline.stages.programmes import load_programme


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
