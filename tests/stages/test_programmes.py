"""One cluster file, several programmes: the programme is picked from the data, PROGRAMME= overrides,
each programme reads its own keys, and proof filed for one programme stays out of the other's packet."""

from __future__ import annotations

import shutil
from pathlib import Path

import fastyaml
import pytest
from click.testing import CliRunner
from conftest import EXAMPLE, ROOT, paths_of

from pipeline.cli import main
from pipeline.errors import DataInvalid, ExitCode
from pipeline.stages import cache, proofs
from pipeline.stages import check as checking
from pipeline.workflows import batch
from pipeline.workflows import packet as packets

EVAL_EXAMPLE = "yuyang-textile-eval"


def _both(root: Path, programme: object) -> str:
    """The application example, which also carries the evaluation example's self-evaluation and proof."""
    apply = fastyaml.safe_load((ROOT / "inputs" / EXAMPLE / "cluster.yaml").read_text(encoding="utf-8"))
    evaluation = fastyaml.safe_load((ROOT / "inputs" / EVAL_EXAMPLE / "cluster.yaml").read_text(encoding="utf-8"))
    data = {**apply, "programme": programme, "evaluation": evaluation["evaluation"]}
    data["attachments"] = apply["attachments"] + evaluation["attachments"]
    folder = root / "inputs" / "both"
    shutil.copytree(ROOT / "inputs" / EXAMPLE, folder)
    shutil.copytree(ROOT / "inputs" / EVAL_EXAMPLE / "attachments", folder / "attachments", dirs_exist_ok=True)
    (folder / "cluster.yaml").write_text(
        fastyaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return "both"


def test_first_named_programme_is_the_default_and_the_other_can_be_asked_for(root: Path) -> None:
    cid = _both(root, ["tese-apply", "tese-eval"])
    paths = paths_of(root)
    _raw, data, programme, _w = checking.prepare(cid, paths)
    assert programme.id == "tese-apply"
    assert data.cluster.name == "青岚县智能农机装备特色产业集群"
    _raw, evaluation, programme, _w = checking.prepare(cid, paths, "tese-eval")
    assert programme.id == "tese-eval"
    # the evaluation reuses the application's cluster and applicant
    assert evaluation.cluster == data.cluster and evaluation.applicant == data.applicant


def test_a_programme_the_data_does_not_name_is_refused_with_the_fix(root: Path) -> None:
    cid = _both(root, "tese-apply")
    with pytest.raises(DataInvalid) as info:
        checking.prepare(cid, paths_of(root), "tese-eval")
    (problem,) = [p for p in info.value.problems if p.severity == "error"]
    assert problem.code == "E-PROGRAMME-MISMATCH"
    assert "programme: [tese-apply, tese-eval]" in problem.message
    assert problem.location is not None and problem.location.line is not None


def test_unknown_top_level_keys_are_still_refused(root: Path) -> None:
    cid = _both(root, ["tese-apply", "tese-eval"])
    file = root / "inputs" / cid / "cluster.yaml"
    file.write_text(file.read_text(encoding="utf-8") + "evaluaton: {}\n", encoding="utf-8")
    for pid in ("tese-apply", "tese-eval"):
        with pytest.raises(DataInvalid) as info:
            checking.prepare(cid, paths_of(root), pid)
        assert [p.field for p in info.value.problems if p.code == "E-FIELD-UNKNOWN"] == ["evaluaton"]


@pytest.mark.office
def test_each_packet_takes_only_its_own_proof(root: Path) -> None:
    cid = _both(root, ["tese-eval", "tese-apply"])
    paths = paths_of(root)
    office = cache.converter(paths)
    try:
        evaluation = packets.bundle(cid, paths, office=office)
        application = packets.bundle(cid, paths, "tese-apply", office=office)
    finally:
        office.close()
    assert evaluation.folder == root / "outputs" / "tese-eval" / cid
    assert application.folder == root / "outputs" / "tese-apply" / cid
    eval_proofs = {a["category"] for a in evaluation.manifest()["packet"]["attachments"]}
    apply_proofs = {a["category"] for a in application.manifest()["packet"]["attachments"]}
    assert eval_proofs == {"strength", "vitality", "innovation", "service", "key-areas"}
    assert apply_proofs == {"brands", "platforms", "informatisation", "other"}
    assert not evaluation.draft and not application.draft


def test_signed_scans_belong_to_the_default_programme_unless_filed_under_one(root: Path) -> None:
    from pipeline.stages.programmes import load_programme
    from pipeline.stages.read import load_cluster

    cid = _both(root, ["tese-apply", "tese-eval"])
    paths = paths_of(root)
    raw = load_cluster(paths.inputs, cid)
    apply, evaluation = (load_programme(paths.templates, p) for p in ("tese-apply", "tese-eval"))
    assert set(proofs.check_signed(raw, apply)[0]) == {"declaration"}  # signed/declaration.pdf
    assert proofs.check_signed(raw, evaluation)[0] == {}  # not the evaluation's, though ids may match
    own = root / "inputs" / cid / "signed" / "tese-eval"
    own.mkdir()
    shutil.copyfile(root / "inputs" / cid / "signed" / "declaration.pdf", own / f"{evaluation.documents[-1].id}.pdf")
    assert set(proofs.check_signed(raw, evaluation)[0]) == {evaluation.documents[-1].id}


@pytest.mark.office
def test_a_batch_of_all_clusters_builds_every_programme_each_names(root: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1718323200")
    _both(root, ["tese-apply", "tese-eval"])
    clusters = batch.all_clusters(root / "inputs")
    assert clusters == ["both", EXAMPLE]  # the example names tese-apply only
    jobs, left_out = batch.plan(root / "inputs", clusters)
    assert jobs == [("both", "tese-apply"), ("both", "tese-eval"), (EXAMPLE, "tese-apply")] and left_out == []
    # --programme picks one, and leaves out the clusters whose data does not name it
    assert batch.plan(root / "inputs", clusters, "tese-eval") == ([("both", "tese-eval")], [EXAMPLE])
    # unreadable data is still planned, so that its build says what is wrong
    (root / "inputs" / EXAMPLE / "cluster.yaml").write_text("programme: [tese-apply\n", encoding="utf-8")
    assert batch.plan(root / "inputs", clusters)[0][-1] == (EXAMPLE, None)

    result = CliRunner().invoke(main, ["bundle", "--all", "--root", str(root), "--jobs", "2"])
    assert result.exit_code == ExitCode.DATA_INVALID, result.output
    assert "共 2 个集群、3 份材料：生成 2，草稿 0，失败 1" in result.output
    assert "E-YAML-SYNTAX" in result.output and f"failed  {EXAMPLE}:" in result.output
    for pid, packet in (("tese-apply", "申报材料.pdf"), ("tese-eval", "综合评价材料.pdf")):
        assert (root / "outputs" / pid / "both" / packet).is_file()
