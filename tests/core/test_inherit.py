"""A programme that extends another states only what its notice changes; the rest is inherited.

LibreOffice-free: the merge, the refusals (a changed threshold without the new notice's words, a
loop, an unknown parent), where each part comes from, the scaffold, the list, and the dates.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from decimal import Decimal
from pathlib import Path

import fastyaml
import pytest
from click.testing import CliRunner
from conftest import EXAMPLE, ROOT, paths_of

from pipeline.cli import main
from pipeline.core import inherit
from pipeline.errors import ExitCode, TemplateProblem, UsageError
from pipeline.forms import labels
from pipeline.stages import check as checking
from pipeline.stages import render
from pipeline.stages.programmes import load_programme
from pipeline.workflows import catalogue, outbox
from pipeline.workflows import packet as packets

CHILD = "tese-apply-example-2027"


def _child(root: Path, pid: str, text: str) -> Path:
    folder = root / "templates" / pid
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "programme.yaml").write_text(text, encoding="utf-8")
    return folder


def _code(root: Path, pid: str) -> str:
    with pytest.raises(TemplateProblem) as info:
        load_programme(root / "templates", pid)
    return info.value.code


def test_the_example_changes_its_notice_dates_and_one_threshold_and_inherits_the_rest() -> None:
    parent, child = (load_programme(ROOT / "templates", p) for p in ("tese-apply", CHILD))
    assert child.extends == "tese-apply" and child.lineage == ("tese-apply",)
    assert child.notice.number == "鲁工信示例〔2027〕1号" and child.notice.example
    assert child.notice.issuer == parent.notice.issuer  # not given: inherited
    assert (child.valid.start, child.valid.until) == (dt.date(2026, 12, 1), dt.date(2027, 12, 31))
    rules = {r.id: r for r in child.rules}
    assert rules["revenue"].threshold == Decimal(120) and rules["revenue"].quote == "年营业收入120亿元以上"
    assert rules["revenue"].measure == {r.id: r for r in parent.rules}["revenue"].measure  # only the keys given
    assert [r.id for r in child.rules] == [r.id for r in parent.rules]
    assert [r for r in child.rules if r.id != "revenue"] == [r for r in parent.rules if r.id != "revenue"]
    assert child.documents == parent.documents and child.materials == parent.materials
    assert child.template("cover.docx") == ROOT / "templates" / "tese-apply" / "cover.docx"
    assert child.city is not None and child.city.deadline == dt.date(2027, 3, 31)
    assert child.city.letter == parent.city.letter  # type: ignore[union-attr]
    assert child.origins["rules.revenue"] == CHILD and child.origins["rules.area"] == "tese-apply"
    assert child.changes["rules.revenue"] == ["quote", "threshold", "title"]


def test_drop_change_add_and_a_template_of_the_childs_own(root: Path) -> None:
    folder = _child(
        root,
        "next",
        """
extends: tese-apply
rules:
  drop: [media]
  change:
    enterprises: {clause: 第四条（二）（新）}
  add:
    - {id: export, before: area, clause: 第四条（七）, title: 有出口, quote: 有出口, measure: {field: indicators.export}, op: ">", threshold: 0, unit: 亿元}
documents:
  change:
    application-form: {form: official}
data: {year: 2026}
""",
    )
    shutil.copyfile(root / "templates" / "tese-apply" / "cover.docx", folder / "01-application-form.docx")
    p = load_programme(root / "templates", "next")
    ids = [r.id for r in p.rules]
    assert "media" not in ids and ids[0] == "export" and ids[1] == "area"
    assert {r.id: r for r in p.rules}["enterprises"].clause == "第四条（二）（新）"
    assert p.documents[0].form == "official" and p.data == {"year": 2026}
    assert p.template("01-application-form.docx") == folder / "01-application-form.docx"  # the child's own
    assert p.template("02-profile.docx") == root / "templates" / "tese-apply" / "02-profile.docx"
    sources = {(x.section, x.key): x.source for x in catalogue.describe(root / "templates", p)}
    assert sources[("templates", "01-application-form.docx")] == "next"
    assert sources[("templates", "02-profile.docx")] == "tese-apply"
    assert sources[("rules", "export")] == "next" and sources[("rules", "area")] == "tese-apply"
    assert sources[("data", "year")] == "next" and sources[("notice", "number")] == "tese-apply"


def test_a_grandchild_inherits_through_its_parent(root: Path) -> None:
    _child(root, "middle", "extends: tese-apply\ndata: {year: 2026}\n")
    _child(root, "last", "extends: middle\nnotice: {number: 鲁工信发〔2028〕3号}\n")
    p = load_programme(root / "templates", "last")
    assert p.lineage == ("middle", "tese-apply") and p.data == {"year": 2026}
    assert p.notice.number == "鲁工信发〔2028〕3号" and p.notice.title == "山东省特色产业集群管理办法"
    assert p.origins["data.year"] == "middle" and p.origins["notice.number"] == "last"
    assert inherit.folders(root / "templates", "last") == [
        root / "templates" / x for x in ("last", "middle", "tese-apply")
    ]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ("{threshold: 120}", "E-PROGRAMME-QUOTE-STALE"),  # a new threshold with the old notice's words
        ("{threshold: 120, quote: 年营业收入100亿元以上}", "E-PROGRAMME-QUOTE-STALE"),  # the same words
        ("{threshold: 120, quote: 年营业收入120亿元以上}", "E-PROGRAMME-TITLE-STALE"),  # the title still says 100
        ("{op: '>', quote: 年营业收入超过100亿元}", None),  # the title names no changed figure: fine
    ],
)
def test_a_changed_condition_needs_the_new_notices_words(root: Path, change: str, code: str | None) -> None:
    _child(root, "next", f"extends: tese-apply\nrules:\n  change:\n    revenue: {change}\n")
    if code is None:
        assert {r.id: r for r in load_programme(root / "templates", "next").rules}["revenue"].op == ">"
    else:
        assert _code(root, "next") == code


@pytest.mark.parametrize(
    ("files", "code"),
    [
        ({"a": "extends: b\n", "b": "extends: a\n"}, "E-PROGRAMME-EXTENDS-CYCLE"),
        ({"a": "extends: a\n"}, "E-PROGRAMME-EXTENDS-CYCLE"),
        ({"a": "extends: no-such\n"}, "E-PROGRAMME-EXTENDS-UNKNOWN"),
        ({"a": "extends: tese-apply\nrules: {change: {no-such: {title: x}}}\n"}, "E-PROGRAMME-MERGE-ID"),
        ({"a": "extends: tese-apply\nrules: {drop: [no-such]}\n"}, "E-PROGRAMME-MERGE-ID"),
        ({"a": "extends: tese-apply\nrules: {add: [{id: area}]}\n"}, "E-PROGRAMME-MERGE-ID"),
        ({"a": "extends: tese-apply\nrules: {replace: []}\n"}, "E-PROGRAMME-MERGE"),
        ({"a": "id: b\nextends: tese-apply\n"}, "E-PROGRAMME-ID"),
    ],
)
def test_broken_chains_are_refused_with_their_code(root: Path, files: dict[str, str], code: str) -> None:
    for pid, text in files.items():
        _child(root, pid, text)
    assert _code(root, "a") == code


def test_programme_show_names_the_source_of_each_part() -> None:
    result = CliRunner().invoke(main, ["programme", "show", CHILD, "--json"])
    assert result.exit_code == 0, result.output
    parts = {(x["section"], x["key"]): x for x in json.loads(result.output)}
    assert parts[("notice", "number")]["source"] == CHILD
    assert parts[("notice", "issuer")]["source"] == "tese-apply"
    assert parts[("rules", "revenue")]["source"] == CHILD and parts[("rules", "revenue")]["changed"]
    assert parts[("rules", "area")]["source"] == "tese-apply"
    assert parts[("valid", "from – until")]["source"] == CHILD
    assert parts[("templates", "cover.docx")]["value"] == "templates/tese-apply/cover.docx"
    assert parts[("city", "deadline")]["source"] == CHILD and parts[("city", "letter")]["source"] == "tese-apply"
    text = CliRunner().invoke(main, ["programme", "show", CHILD]).output
    assert "鲁工信示例〔2027〕1号" in text and "templates/tese-apply/01-application-form.docx" in text


def test_programme_new_scaffolds_a_folder_that_loads_as_its_source(root: Path) -> None:
    result = CliRunner().invoke(
        main, ["programme", "new", "tese-apply-2027", "--from", "tese-apply", "--root", str(root)]
    )
    assert result.exit_code == 0, result.output
    text = (root / "templates" / "tese-apply-2027" / "programme.yaml").read_text(encoding="utf-8")
    assert "extends: tese-apply" in text and "TODO" in text and "quote" in text
    new, source = (load_programme(root / "templates", p) for p in ("tese-apply-2027", "tese-apply"))
    assert new.rules == source.rules and new.documents == source.documents and new.lineage == ("tese-apply",)
    again = CliRunner().invoke(
        main, ["programme", "new", "tese-apply-2027", "--from", "tese-apply", "--root", str(root)]
    )
    assert again.exit_code == ExitCode.USAGE


def test_programmes_lists_notice_validity_and_what_each_extends(root: Path) -> None:
    _child(root, "broken", "extends: nowhere\n")
    entries = {e.id: e for e in catalogue.catalogue(root / "templates", dt.date(2027, 1, 1))}
    assert entries[CHILD].extends == "tese-apply" and entries[CHILD].status == "有效" and entries[CHILD].example
    assert entries["tese-apply"].status == "已过期" and "鲁工信发〔2020〕5号" in entries["tese-apply"].notice
    assert "E-PROGRAMME-EXTENDS-UNKNOWN" in entries["broken"].error
    result = CliRunner().invoke(main, ["programmes", "--root", str(root)])
    assert result.exit_code == 0 and CHILD in result.output


def test_an_expired_programme_points_to_the_valid_one_that_extends_it(root: Path) -> None:
    today = dt.date(2027, 2, 1)
    _child(root, "tese-apply-2027", "extends: tese-apply\nvalid: {from: 2027-01-01, until: 2027-12-31}\n")
    g = checking.check(EXAMPLE, paths_of(root), today=today)
    (expired,) = [w for w in g.warnings if w.code == "W-PROGRAMME-EXPIRED"]
    assert "--programme tese-apply-2027" in expired.message  # the example (an invented notice) is not pointed to
    assert g.standing.successors == ("tese-apply-2027",)
    # the data names tese-apply: it serves the round that extends it
    g = checking.check(EXAMPLE, paths_of(root), "tese-apply-2027", today=today)
    assert g.programme.id == "tese-apply-2027" and not [w for w in g.warnings if w.code.startswith("W-PROGRAMME")]
    later = checking.check(EXAMPLE, paths_of(root), CHILD, today=dt.date(2027, 4, 1))
    assert {w.code for w in later.warnings} >= {"W-PROGRAMME-DEADLINE", "W-PROGRAMME-EXAMPLE"}


def test_strict_dates_refuses_before_anything_is_built(root: Path) -> None:
    with pytest.raises(UsageError) as info:
        packets.bundle(EXAMPLE, paths_of(root), today=dt.date(2026, 12, 1), strict_dates=True)
    assert info.value.code == "E-PROGRAMME-EXPIRED"
    with pytest.raises(UsageError) as info:
        packets.bundle(EXAMPLE, paths_of(root), CHILD, today=dt.date(2026, 11, 1), strict_dates=True)
    assert info.value.code == "E-PROGRAMME-NOT-YET"
    result = CliRunner().invoke(main, ["bundle", EXAMPLE, "--root", str(root), "--strict-dates"])
    assert result.exit_code == ExitCode.USAGE and "E-PROGRAMME-EXPIRED" in result.output
    assert not (root / "outputs" / "tese-apply").exists()


def test_a_packet_is_rebuilt_when_a_template_it_inherits_changes(root: Path) -> None:
    from pipeline.stages.read import load_cluster

    paths = paths_of(root)
    raw = load_cluster(paths.inputs, EXAMPLE)
    before = outbox.packet_key(raw, CHILD, paths, dt.date(2027, 1, 1))
    (root / "templates" / "tese-apply" / "cover.docx").write_bytes(b"changed")
    assert outbox.packet_key(raw, CHILD, paths, dt.date(2027, 1, 1)) != before


def test_the_example_programme_file_says_it_is_an_example() -> None:
    data = fastyaml.safe_load((ROOT / "templates" / CHILD / "programme.yaml").read_text(encoding="utf-8"))
    assert (
        data["notice"]["example"] is True and "示例" in data["notice"]["title"] and "示例" in data["notice"]["number"]
    )


def test_every_subcommand_has_help() -> None:
    import click

    for name, group in main.commands.items():
        if isinstance(group, click.Group):
            for sub, command in group.commands.items():
                assert command.help, f"{name} {sub}"
                assert CliRunner().invoke(main, [name, sub, "--help"]).exit_code == 0


def test_a_template_inherited_through_extends_is_inspected_like_any_other(root: Path) -> None:
    import hostile

    # the parent's template is hostile (a picture linked from outside the file): the child that inherits it refuses it
    parent = root / "templates" / "tese-apply" / "02-profile.docx"
    parent.write_bytes(hostile.docx_linking("file:///etc/clusterpack-secret.png", hostile.png_bytes((20, 20))))
    p = load_programme(root / "templates", CHILD)
    assert p.template("02-profile.docx") == parent
    with pytest.raises(TemplateProblem) as info:
        render.render(p.template("02-profile.docx"), {}, root / "out.docx")
    assert info.value.code == "E-TEMPLATE-EXTERNAL" and info.value.exit_code == ExitCode.TEMPLATE
    with pytest.raises(TemplateProblem) as info:  # form adopt reads the templates' fields: inspected first
        labels.vocabulary(p, root / "templates")
    assert info.value.code == "E-TEMPLATE-EXTERNAL"
    form = root / "form.docx"
    form.write_bytes(hostile.docx_bytes("集群名称：＿＿＿"))
    args = ["form", "adopt", str(form), "--programme", CHILD, "--document", "application-form"]
    result = CliRunner().invoke(main, [*args, "--root", str(root)])
    assert result.exit_code == ExitCode.TEMPLATE and "[E-TEMPLATE-EXTERNAL]" in result.output


def test_programme_new_writes_its_file_whole_or_not_at_all(root: Path, monkeypatch) -> None:
    from pipeline.errors import OutputUnwritable

    def full_disk(self: Path, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    with pytest.raises(OutputUnwritable) as info:
        catalogue.scaffold(root / "templates", "tese-apply-2028", "tese-apply")
    monkeypatch.undo()
    assert info.value.code == "E-OUTPUT-FULL"
    assert not (root / "templates" / "tese-apply-2028").exists()  # no folder with half a programme.yaml
    file = catalogue.scaffold(root / "templates", "tese-apply-2028", "tese-apply")
    assert [p.name for p in file.parent.iterdir()] == ["programme.yaml"]  # no temporary file left beside it
