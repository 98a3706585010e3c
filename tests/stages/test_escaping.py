"""User text is data, never template code: it comes out literally in the .docx and the PDF."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import example_data, normalise, paths_of, write_cluster
from docx import Document
from pypdf import PdfReader

from pipeline.stages.convert import OfficeWorker
from pipeline.workflows import packet as packets

TRICKY = {
    "amp": "龙头&骨干<企业>",
    "quote": '他说"好"',
    "jinja": "{{ 7*7 }}",
    "block": "{% if %}",
    "tab": "左\t右",
    "emoji": "农机🚜",
}


@pytest.mark.office
def test_tricky_text_comes_out_literally(root: Path) -> None:
    data = example_data()
    data["cluster"]["main_products"] = " ".join(TRICKY.values())
    data["enterprises"][0]["products"] = TRICKY["amp"]
    data["profile"]["sections"][0]["paragraphs"].append("模板{{ cluster.name }}与{% for x in y %}原样输出")
    write_cluster(root, "tricky", data)
    result = packets.bundle("tricky", paths_of(root))

    form = result.folder / "01-山东省特色产业集群申请表.docx"
    doc = Document(form)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    for value in TRICKY.values():
        assert value in cells, value
    profile_text = "\n".join(p.text for p in Document(result.folder / "02-发展情况简介.docx").paragraphs)
    assert "模板{{ cluster.name }}与{% for x in y %}原样输出" in profile_text
    assert "49" not in cells  # {{ 7*7 }} was not evaluated

    pdf_text = normalise("".join(p.extract_text() for p in PdfReader(result.folder / "申报材料.pdf").pages))
    for value in ("龙头&骨干<企业>", '他说"好"', "{{7*7}}", "{%if%}", "{{cluster.name}}", "农机🚜"):
        assert normalise(value) in pdf_text, value

    # The emoji is drawn by an outline face (the colour bitmap face exports as blank space).
    fonts = subprocess.run(["pdffonts", str(result.folder / "申报材料.pdf")], capture_output=True, text=True).stdout
    assert "Symbola" in fonts and "NotoColorEmoji" not in fonts

    # Every .docx still opens: LibreOffice reopens and converts each one.
    with OfficeWorker() as office:
        for docx in sorted(result.folder.glob("*.docx")):
            assert office.convert(docx, root / f"{docx.stem}.reopened.pdf") >= 1
