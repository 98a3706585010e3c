"""Templates: every variable exists in the context; fonts and language are set for Chinese; sandboxed."""

from __future__ import annotations

import pytest
from conftest import EXAMPLE, ROOT, paths_of
from docx import Document
from docx.oxml.ns import qn

from pipeline.errors import TemplateProblem
from pipeline.kits import jinja
from pipeline.schemas.tese_application import build_context
from pipeline.stages import check as checking
from pipeline.stages import packet_context as packet_ctx
from pipeline.stages import render
from pipeline.stages.programmes import load_programme

TEMPLATES = ROOT / "templates"


def _programme():
    return load_programme(TEMPLATES, "tese-apply")


def _all_templates():
    p = _programme()
    return [p.packet.cover, p.packet.toc, *(d.template for d in p.documents)]


def _context(root):
    g = checking.check(EXAMPLE, paths_of(root))
    return {
        **packet_ctx.packet_context(g.programme, g.data, list(g.results), list(g.proofs)),
        "toc": [],
    }


def test_the_packet_context_is_the_schemas_plus_what_the_checks_say(root) -> None:
    _raw, data, programme, _w = checking.prepare(EXAMPLE, paths_of(root))
    assert set(_context(root)) == {*build_context(data, programme), "toc", "relaxations", "sensitive"}


@pytest.mark.parametrize("name", _all_templates())
def test_template_variables_exist_in_the_context(root, name: str) -> None:
    used = jinja.template_variables(TEMPLATES / "tese-apply" / name)
    assert used, name
    assert used <= set(_context(root)), used - set(_context(root))


@pytest.mark.parametrize("name", _all_templates())
def test_every_template_renders_with_the_example(root, tmp_path, name: str) -> None:
    ctx = {**_context(root), "toc": [{"title": "甲", "page": "3"}]}
    out = render.render(TEMPLATES / "tese-apply" / name, ctx, tmp_path / "out.docx")
    assert "{{" not in "".join(p.text for p in Document(out).paragraphs)


@pytest.mark.parametrize("name", _all_templates())
def test_runs_name_an_east_asian_font_and_zh_cn(name: str) -> None:
    doc = Document(TEMPLATES / "tese-apply" / name)
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    assert not [a for el in styles.iter(qn("w:rFonts")) for a in el.attrib if a.endswith("Theme")]
    official = {"宋体", "仿宋_GB2312", "黑体", "楷体_GB2312", "方正小标宋简体"}
    fonts = set()
    for rfonts in doc.element.body.iter(qn("w:rFonts")):
        fonts.add(rfonts.get(qn("w:eastAsia")))
    assert fonts and fonts <= official, fonts


@pytest.mark.parametrize(
    "tag",
    [
        "{{ cluster.__class__.__mro__[1].__subclasses__() }}",  # a user-edited template must not reach Python
        "{{ cluster.no_such_field }}",  # a typo is an error, not a blank
    ],
)
def test_template_mistakes_are_errors(root, tmp_path, tag: str) -> None:
    doc = Document()
    doc.add_paragraph(tag)
    doc.save(tmp_path / "bad.docx")
    with pytest.raises(TemplateProblem):
        render.render(tmp_path / "bad.docx", _context(root), tmp_path / "out.docx")


def test_missing_template_named_in_programme_is_reported(root) -> None:
    (root / "templates" / "tese-apply" / "03-plan.docx").unlink()
    with pytest.raises(TemplateProblem, match="03-plan.docx"):
        load_programme(root / "templates", "tese-apply")
