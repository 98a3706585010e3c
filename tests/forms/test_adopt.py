"""The province's own form, adopted: every shipped template stripped of its tags (as an official form
arrives: labels, blank cells, blank rows, ＿＿＿ where a value goes in a sentence) comes back from
``form adopt`` as a template that renders the example to the same text, or reports exactly what it
could not place, and that is named here. LibreOffice-free.

Left out: the disclosures of a relaxation (``include: relaxed``): the tool's own statement, one
block per relaxation, for which no notice has a form.
"""

from __future__ import annotations

import re
from pathlib import Path

import hostile
import pytest
from click.testing import CliRunner
from conftest import ROOT
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl import Workbook

from pipeline.cli import main
from pipeline.core import case, scratch
from pipeline.errors import ExitCode, OutputUnwritable, TemplateProblem, UsageError
from pipeline.forms import adopt, labels
from pipeline.kits import jinja
from pipeline.stages import check as checking
from pipeline.stages import packet_context as packet_ctx
from pipeline.stages import render
from pipeline.stages.programmes import load_programme
from pipeline.workflows import official

EXAMPLES = {
    "tese-apply": "qinglan-agrimachinery",
    "tese-eval": "yuyang-textile-eval",
    "digital-apply": "quanyue-software",
}
TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
BLANK = "＿＿＿"

# What each form cannot give back, by template: (labels not placed, fields with no place).
# A title that is a field alone on its line (集群名称 over 发展情况简介) leaves an empty line with no
# label; a date alone on its line likewise; a paragraph loop around a table (the evaluation's
# indicator groups and key areas) is not a form; blanks in the middle of a sentence are not labels.
LOSSES: dict[str, tuple[list[str], list[str]]] = {
    "tese-apply/02-profile.docx": ([], ["cluster.name"]),
    "tese-apply/03-plan.docx": ([], ["plan.sections", "plan.title"]),
    "tese-apply/08-declaration.docx": ([], ["declaration.date"]),
    "tese-eval/01-self-evaluation.docx": (["单位", "（无标签的空白）"], ["evaluation.previous_year", "groups"]),
    "tese-eval/02-key-areas.docx": (
        ["主要内容", "带动作用", "承担单位", "项目名称", "（无标签的空白）", "（无标签的空白）"],
        ["key_areas"],
    ),
    "tese-eval/03-summary.docx": ([], ["cluster.name"]),
    "tese-eval/05-declaration.docx": (
        ["按照《", "（无标签的空白）", "）要求报送的"],
        ["cluster.name", "declaration.date", "notice.number", "notice.title"],
    ),
    "digital-apply/00-commitment.docx": (
        ["有效", "（无标签的空白）", "（无标签的空白）"],
        ["cluster.name", "declaration.date", "packet.notice", "sensitive"],
    ),
    "digital-apply/04-scale.docx": ([], ["scale.paragraphs"]),
}


def _text(el) -> str:
    return "".join(t.text or "" for t in el.iter(qn("w:t")))


def strip(template: Path, out: Path) -> Path:
    """The form as it would arrive: loop and block tags gone (their rows and lines left empty), a field alone
    in its cell or line gone (a unit after it stays: ``户``), a field inside a sentence a ＿＿＿ blank."""
    doc = Document(str(template))
    for p in doc.element.body.iter(qn("w:p")):
        text = _text(p)
        if not TAG.search(text):
            continue
        rest = TAG.sub("", text)
        if re.fullmatch(r"\s*\{%.*?%\}\s*", text) or (len(TAG.findall(text)) == 1 and adopt.is_blank(rest)):
            new = rest.strip()
        else:
            new = TAG.sub(BLANK, text)
        ts = list(p.iter(qn("w:t")))
        ts[0].text = new
        for t in ts[1:]:
            t.text = ""
    doc.save(str(out))
    return out


def lines(docx: Path) -> list[str]:
    """Every non-empty paragraph, in body order, tables included, without spaces."""
    doc = Document(str(docx))
    return [t for p in doc.element.body.iter(qn("w:p")) if (t := re.sub(r"\s+", "", _text(p)))]


@pytest.fixture(scope="module")
def contexts() -> dict:
    out = {}
    for pid, cluster in EXAMPLES.items():
        g = checking.check(cluster, case.Paths(), pid)
        ctx = packet_ctx.packet_context(g.programme, g.data, list(g.results), list(g.proofs))
        out[pid] = (g.programme, ctx, labels.vocabulary(g.programme, ROOT / "templates"))
    return out


def _forms() -> list[tuple[str, str]]:
    return [
        (pid, d.template)
        for pid in EXAMPLES
        for d in load_programme(ROOT / "templates", pid).documents
        if d.include == "always"
    ]


@pytest.mark.parametrize(("pid", "name"), _forms())
def test_a_stripped_template_adopted_renders_the_same_text(contexts, tmp_path: Path, pid: str, name: str) -> None:
    programme, context, vocab = contexts[pid]
    original = programme.template(name)
    form = strip(original, tmp_path / "form.docx")
    result = adopt.adopt_docx(form, vocab, tmp_path / "adopted.docx", set(labels.template_paths(original)))
    missing = sorted(m.split("（")[-1].rstrip("）") for m in result.missing)
    assert (sorted(u.label for u in result.unplaced), missing) == LOSSES.get(f"{pid}/{name}", ([], []))
    got = lines(render.render(tmp_path / "adopted.docx", context, tmp_path / "a.docx"))
    want = lines(render.render(original, context, tmp_path / "o.docx"))
    if f"{pid}/{name}" not in LOSSES:
        assert got == want
    else:  # what was placed shows what the original shows; what was not stays a visible blank
        assert [x for x in got if x not in want and BLANK not in x and not adopt.is_blank(x)] == []


def test_the_round_trip_places_nearly_everything(contexts, tmp_path: Path) -> None:
    placed = unplaced = 0
    for pid, name in _forms():
        programme, _ctx, vocab = contexts[pid]
        original = programme.template(name)
        form = strip(original, tmp_path / "form.docx")
        result = adopt.adopt_docx(form, vocab, tmp_path / "adopted.docx", set(labels.template_paths(original)))
        placed += len(result.placed)
        unplaced += len(result.unplaced) + len(result.missing)
    assert placed >= 270 and unplaced <= 32, (placed, unplaced)


def _official_style_form(path: Path) -> Path:
    """A form the way the province prints one: ＿＿＿ blanks, a seal and a signature, a field we do not have."""
    doc = Document()
    doc.add_paragraph("山东省特色产业集群申请表")
    doc.add_paragraph("集群名称：＿＿＿＿＿＿＿＿")
    t = doc.add_table(rows=2, cols=4)
    for cell, text in zip(t.rows[0].cells, ["申报单位", "", "统一社会信用代码", ""], strict=True):
        cell.text = text
    for cell, text in zip(t.rows[1].cells, ["联系人及电话", "", "集群注册类型", ""], strict=True):
        cell.text = text
    doc.add_paragraph("龙头骨干企业")
    t = doc.add_table(rows=4, cols=3)
    for cell, text in zip(t.rows[0].cells, ["序号", "企业名称", "营业收入（万元）"], strict=True):
        cell.text = text
    p = doc.add_paragraph("所在市：")
    run = p.add_run("            ")
    run.underline = True
    run.font.size = Pt(12)
    doc.add_paragraph("法定代表人（签字）：")
    doc.add_paragraph("填报单位：＿＿＿＿＿（盖章）")
    doc.save(str(path))
    return path


def test_an_official_style_form_is_filled_and_what_is_new_is_reported(contexts, tmp_path: Path) -> None:
    programme, context, vocab = contexts["tese-apply"]
    form = _official_style_form(tmp_path / "official.docx")
    result = adopt.adopt_docx(form, vocab, tmp_path / "adopted.docx")
    placed = {x.path for x in result.placed}
    assert {"cluster.name", "applicant.name", "applicant.credit_code", "applicant.contact", "applicant.phone"} <= placed
    assert {"enterprises", "enterprises[].no", "enterprises[].name", "enterprises[].revenue"} <= placed
    assert "cluster.city" in placed and [u.label for u in result.unplaced] == ["集群注册类型"]
    assert len(result.by_hand) == 1 and "法定代表人" in result.by_hand[0]
    text = lines(render.render(tmp_path / "adopted.docx", context, tmp_path / "out.docx"))
    assert "集群名称：青岚县智能农机装备特色产业集群" in text and "填报单位：青岚经济开发区管理委员会（盖章）" in text
    assert text.count("山东青岚农业装备集团有限公司") == 1 and "法定代表人（签字）：" in text
    assert "所在市：潍坊市" in text  # the underlined fill-in line holds the value


def test_a_form_that_already_holds_template_marks_is_refused(contexts, tmp_path: Path) -> None:
    doc = Document()
    doc.add_paragraph("集群名称：{{ cluster.__class__ }}")
    doc.save(str(tmp_path / "x.docx"))
    with pytest.raises(UsageError) as info:
        adopt.adopt_docx(tmp_path / "x.docx", contexts["tese-apply"][2], tmp_path / "out.docx")
    assert info.value.code == "E-FORM-HAS-TAGS"
    (tmp_path / "y.docx").write_bytes(b"not a zip")  # a renamed file is refused by its inspection (officefile.py)
    with pytest.raises(UsageError) as info:
        adopt.adopt_docx(tmp_path / "y.docx", contexts["tese-apply"][2], tmp_path / "out.docx")
    assert info.value.code == "E-OFFICE-NOT-ZIP"
    wb = Workbook()  # a safe Office file that is not a Word document: python-docx cannot read it
    wb.save(tmp_path / "z.docx")
    with pytest.raises(UsageError) as info:
        adopt.adopt_docx(tmp_path / "z.docx", contexts["tese-apply"][2], tmp_path / "out.docx")
    assert info.value.code == "E-FORM-UNREADABLE"


def _folder_state(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "E-OFFICE-EMPTY"),
        ("这是一个文本文件，改了扩展名".encode(), "E-OFFICE-NOT-ZIP"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "E-OFFICE-NOT-OOXML"),
        (hostile.docx_with_entity(), "E-OFFICE-DTD"),
        (hostile.docx_linking("file:///etc/clusterpack-secret.png", hostile.png_bytes((20, 20))), "E-OFFICE-EXTERNAL"),
        (hostile.docx_with_field('INCLUDETEXT "C:\\\\secret.docx"'), "E-OFFICE-EXTERNAL"),
        (hostile.docx_bytes()[:-200], "E-OFFICE-CORRUPT"),
    ],
)
def test_a_hostile_form_is_refused_with_its_code_before_it_is_opened(root: Path, content: bytes, code: str) -> None:
    form = hostile.write(root / "附件1.docx", content)
    folder = root / "templates" / "tese-apply-example-2027"
    before = _folder_state(folder)
    with pytest.raises(UsageError) as info:
        official.adopt_form(form, root / "templates", "tese-apply-example-2027", "application-form")
    assert info.value.code == code and info.value.exit_code == ExitCode.USAGE
    assert "附件1.docx" in str(info.value)
    assert _folder_state(folder) == before  # nothing written, programme.yaml untouched
    result = CliRunner().invoke(
        main,
        ["form", "adopt", str(form), "--programme", "tese-apply-example-2027", "--document", "application-form"]
        + ["--root", str(root)],
    )
    assert result.exit_code == ExitCode.USAGE and f"[{code}]" in result.output


def test_a_form_bomb_is_refused_by_its_size_before_python_docx_reads_it(root: Path, monkeypatch) -> None:
    monkeypatch.setenv("CLUSTERPACK_MAX_XML_PART_MB", "1")
    form = hostile.write(root / "炸弹.docx", hostile.docx_bomb(3_000_000))
    with pytest.raises(UsageError) as info:
        official.adopt_form(form, root / "templates", "tese-apply-example-2027", "application-form")
    assert info.value.code == "E-LIMIT-UNZIPPED" and "word/document.xml" in str(info.value)


def test_the_template_form_adopt_writes_passes_the_template_inspection(root: Path, monkeypatch) -> None:
    # the written template is inspected like every other (jinja.check_template) before it is put in place
    form = strip(ROOT / "templates" / "tese-apply" / "01-application-form.docx", root / "form.docx")
    folder = root / "templates" / "tese-apply-example-2027"
    before = _folder_state(folder)
    seen: list[Path] = []
    real = jinja.check_template

    def refuse_adopted(template: Path, kind: str = "docx") -> None:
        seen.append(template)
        if template.parent.name.startswith("adopt-"):  # the staged result, in this run's scratch folder
            raise TemplateProblem("refused", code="E-TEMPLATE-EXTERNAL")
        real(template, kind)

    monkeypatch.setattr(labels, "check_template", refuse_adopted)
    with pytest.raises(TemplateProblem) as info:
        official.adopt_form(form, root / "templates", "tese-apply-example-2027", "application-form")
    assert info.value.code == "E-TEMPLATE-EXTERNAL"
    assert any(p.name == "01-application-form.docx" and p.parent.name.startswith("adopt-") for p in seen)
    assert _folder_state(folder) == before


def test_form_adopt_writes_atomically_and_leaves_no_temporary_file(root: Path, monkeypatch) -> None:
    form = strip(ROOT / "templates" / "tese-apply" / "01-application-form.docx", root / "form.docx")
    folder = root / "templates" / "tese-apply-example-2027"
    yaml_before = (folder / "programme.yaml").read_bytes()

    def full_disk(*args, **kwargs):  # the copy into place fails half-way: the disk is full
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(scratch.shutil, "copyfile", full_disk)
    with pytest.raises(OutputUnwritable) as info:
        official.adopt_form(form, root / "templates", "tese-apply-example-2027", "application-form")
    assert info.value.code == "E-OUTPUT-FULL" and info.value.exit_code == ExitCode.ENVIRONMENT
    monkeypatch.undo()
    assert not (folder / "01-application-form.docx").exists()  # no half-written template
    assert (folder / "programme.yaml").read_bytes() == yaml_before
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []
    official.adopt_form(form, root / "templates", "tese-apply-example-2027", "application-form")
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []
    assert (folder / "01-application-form.docx").stat().st_mode & 0o777 == 0o644


def test_form_adopt_puts_the_template_in_the_programme_folder_and_marks_it_official(root: Path) -> None:
    form = strip(ROOT / "templates" / "tese-apply" / "01-application-form.docx", root / "form.docx")
    args = ["form", "adopt", str(form), "--programme", "tese-apply-example-2027", "--document", "application-form"]
    result = CliRunner().invoke(main, [*args, "--root", str(root)])
    assert result.exit_code == 0, result.output
    p = load_programme(root / "templates", "tese-apply-example-2027")
    assert (
        p.template("01-application-form.docx")
        == root / "templates" / "tese-apply-example-2027" / "01-application-form.docx"
    )
    assert {d.id: d.form for d in p.documents}["application-form"] == "official"
    assert load_programme(root / "templates", "tese-apply").documents[0].form == "reconstructed"  # the parent as it was
    assert CliRunner().invoke(main, [*args, "--root", str(root)]).exit_code == 2
    with pytest.raises(UsageError) as info:  # kept unless --replace
        official.adopt_form(form, root / "templates", "tese-apply-example-2027", "application-form")
    assert info.value.code == "E-FORM-EXISTS"
    with pytest.raises(UsageError) as info:
        official.adopt_form(form, root / "templates", "tese-apply", "nope")
    assert info.value.code == "E-FORM-DOCUMENT"
    official.adopt_form(form, root / "templates", "tese-apply", "application-form", replace=True)
    assert load_programme(root / "templates", "tese-apply").documents[0].form == "official"  # its own list, edited


def test_every_synonym_names_a_field_of_the_example_context(contexts) -> None:
    # labels.yaml is data: a path renamed in a schema's context must not leave a synonym pointing nowhere
    data = labels.load_labels(ROOT / "templates")
    schemas = {programme.data_schema.name: (programme, ctx) for programme, ctx, _v in contexts.values()}
    for section, entries in data["synonyms"].items():
        if section == "items":
            continue
        for name, (_programme, ctx) in schemas.items():
            if section not in ("common", name):
                continue
            for path in entries:
                value: object = ctx
                for step in path.replace("[]", ".0").split("."):
                    if isinstance(value, list):
                        value = value[int(step)] if value else None
                    elif isinstance(value, dict):
                        assert step in value, (name, path)
                        value = value[step]
                    if value is None:
                        break


def test_a_file_a_killed_write_left_is_cleaned_and_a_live_ones_is_kept(root: Path) -> None:
    folder = root / "templates" / "tese-apply-example-2027"
    dead = folder / ".programme.yaml.work-999999999.1-abcd1234"  # no process has this id
    live = folder / f".programme.yaml.work-{scratch.owner()}-efgh5678"
    for f in (dead, live):
        f.write_text("half", encoding="utf-8")
    form = strip(ROOT / "templates" / "tese-apply" / "01-application-form.docx", root / "form.docx")
    official.adopt_form(form, root / "templates", "tese-apply-example-2027", "application-form")
    assert not dead.exists() and live.exists()
