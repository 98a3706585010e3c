"""``clusterpack form adopt``: the province's form made a programme's template, and marked ``form: official``.

A Word form becomes the document's template in the programme's own folder (a programme that
extends another overrides the inherited file by its name); ``programme.yaml`` then says
``form: official`` for that document. The Excel 汇总表 becomes a layout beside it. Nothing is
written when the form cannot be read; the old template is kept unless ``replace`` is asked for."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from pipeline.core import inherit, scratch
from pipeline.core.programme import Programme
from pipeline.errors import ClusterpackError, TemplateProblem, UsageError, writing
from pipeline.forms import adopt, labels, summarylayout
from pipeline.stages.programmes import load_programme

SUMMARY = "summary"  # --document summary: the city's 汇总表 (an .xlsx form)


def adopt_form(
    source: Path, templates: Path, programme_id: str, document: str, replace: bool = False
) -> adopt.Adoption | summarylayout.SummaryAdoption:
    """Adopt the official form ``source`` as ``document`` of ``programme_id``; report what was placed and what not."""
    if not source.is_file():
        raise UsageError(f"找不到文件 {source} (no such file)", code="E-FORM-MISSING")
    programme = load_programme(templates, programme_id)
    folder = templates / programme_id
    with writing(folder):  # a read-only or full disk is said as such (exit 6), not as a bug
        return _adopt(source, templates, programme, document, replace)


def _adopt(
    source: Path, templates: Path, programme: Programme, document: str, replace: bool
) -> adopt.Adoption | summarylayout.SummaryAdoption:
    programme_id = programme.id
    folder = templates / programme_id
    scratch.clean_outputs(folder)  # a file a killed adopt left half-written beside its place
    vocab = labels.vocabulary(programme, templates)
    suffix = source.suffix.lower()
    if document == SUMMARY and suffix == ".xlsx":
        return summarylayout.adopt_xlsx(source, programme, vocab, folder)
    if suffix != ".docx":
        raise UsageError(
            f"{source.name}：表格应为 Word .docx（汇总表为 Excel .xlsx，配 --document summary）；.doc 请先在 Word/WPS 中另存为 .docx "
            "(a form is a .docx; the 汇总表 an .xlsx)",
            code="E-FORM-TYPE",
        )
    doc = next((d for d in programme.documents if d.id == document), None)
    if doc is None:
        ids = ", ".join([d.id for d in programme.documents] + ([SUMMARY] if programme.city else []))
        raise UsageError(f"{programme_id} 没有文档 {document}；可选：{ids} (unknown document)", code="E-FORM-DOCUMENT")
    target = folder / doc.template
    if target.is_file() and not replace:
        raise UsageError(
            f"{target} 已存在；要以官方表格替换它，请加 --replace（原文件可从版本库找回） (the template exists: --replace)",
            code="E-FORM-EXISTS",
        )
    current = programme.template(doc.template)
    prefer = set(labels.template_paths(current)) if current.is_file() else set()
    work = scratch.scratch("adopt")  # named after this process, cleaned by the next run should it die
    try:
        staged = work / doc.template
        result = adopt.adopt_docx(source, vocab, staged, prefer)  # the form is inspected before it is opened
        # the result passes the inspection every template passes (render.check_template) and parses
        labels.template_paths(staged)
        backup = (
            (target.read_bytes() if target.is_file() else None),
            (folder / inherit.FILE).read_text(encoding="utf-8"),
        )
        scratch.copy_atomic(staged, target)  # the old template or the new one, never half of one
    finally:
        shutil.rmtree(work, ignore_errors=True)
    try:
        mark_official(folder / inherit.FILE, document)
        load_programme(templates, programme_id)
    except ClusterpackError:
        if backup[0] is None:
            target.unlink()
        else:
            scratch.write_atomic(target, backup[0])
        scratch.write_atomic(folder / inherit.FILE, backup[1])
        raise
    result.out = target
    return result


def mark_official(file: Path, document: str) -> None:
    """Say ``form: official`` for ``document`` in ``programme.yaml``, keeping its comments (the file rewritten atomically)."""
    text = file.read_text(encoding="utf-8")
    lines = text.splitlines()
    own = inherit.read(file.parent.parent, file.parent.name)
    docs = own.get("documents")
    if isinstance(docs, list):  # the folder's own list: the item's form: line
        start = next(
            (i for i, line in enumerate(lines) if re.match(rf"\s*-\s+id:\s*{re.escape(document)}\s*(#.*)?$", line)),
            None,
        )
        if start is not None:
            indent = len(lines[start]) - len(lines[start].lstrip()) + 2
            for i in range(start + 1, len(lines)):
                line = lines[i]
                if line.strip() and (len(line) - len(line.lstrip()) < indent or line.lstrip().startswith("- ")):
                    break
                if re.match(r"\s*form:", line):
                    lines[i] = re.sub(r"form:\s*\S+", "form: official", line, count=1)
                    scratch.write_atomic(file, "\n".join(lines) + "\n")
                    return
    elif docs is None:  # a programme that extends another: a change of its documents
        block = f"\n# {document}: the province's own form (clusterpack form adopt)\ndocuments:\n  change:\n    {document}: {{form: official}}\n"
        scratch.write_atomic(file, text.rstrip("\n") + "\n" + block)
        return
    elif isinstance(docs, dict) and document in (docs.get("change") or {}):
        raise TemplateProblem(
            f"{file}: documents.change.{document} 已有内容；未改动任何文件，请在其中写上 form: official 后重新运行 "
            "(add form: official there yourself, then run again)",
            code="E-FORM-MARK",
        )
    elif isinstance(docs, dict):
        for i, line in enumerate(lines):
            if re.match(r"\s+change:\s*(#.*)?$", line) and i > 0:
                indent = len(line) - len(line.lstrip()) + 2
                lines.insert(i + 1, " " * indent + f"{document}: {{form: official}}")
                scratch.write_atomic(file, "\n".join(lines) + "\n")
                return
        if not docs.get("change"):
            for i, line in enumerate(lines):
                if re.match(r"documents:\s*(#.*)?$", line):
                    lines.insert(i + 1, f"  change:\n    {document}: {{form: official}}")
                    scratch.write_atomic(file, "\n".join(lines) + "\n")
                    return
    raise TemplateProblem(
        f"{file}: 无法自动标注 {document} 的 form: official；未改动任何文件，请在 programme.yaml 中该文档下写上 "
        "form: official 后重新运行 (mark the document form: official by hand, then run again)",
        code="E-FORM-MARK",
    )
