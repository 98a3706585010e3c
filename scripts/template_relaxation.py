"""The 关于适用放宽条件的说明 template, shared by the programmes whose notice allows a relaxation.

A packet carries it only where a condition is met because the notice allows it to be relaxed
(``include: relaxed`` in programme.yaml): the claim, the clause and its words, each condition
concerned with what is required and what the cluster has, and the proof that follows it.
``python scripts/template_relaxation.py`` writes it into each such programme folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import templatelock  # noqa: E402  (the committed templates are the truth: see templatelock.py)

from pipeline.kits.docxkit import CENTER, FANG, HEI, JUSTIFY, LEFT, SONG, XBS, add_row, new_document, para, table, tag

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
TARGETS = {"tese-apply": "07-relaxation.docx", "digital-apply": "09a-relaxation.docx"}


def relaxation(out: Path) -> None:
    doc = new_document(margins_mm=(37, 35, 28, 26))
    para(doc, "关于适用放宽条件的说明", XBS, 22, align=CENTER, line_pt=36, after_pt=12)
    para(
        doc,
        "{{ cluster.name }}申报{{ programme.title }}，以下申报条件依据{{ packet.notice_short }}的规定适当放宽，"
        "说明如下：",
        FANG,
        16,
        align=JUSTIFY,
        indent_chars=2,
    )
    tag(doc, "{%p for r in relaxations %}")
    para(doc, "{{ r.no }}、{{ r.title }}", HEI, 16, indent_chars=2, keep_next=True)
    para(doc, "通知原文（{{ r.clause }}）：“{{ r.quote }}”", FANG, 16, align=JUSTIFY, indent_chars=2)
    para(doc, "适用依据：{{ r.basis }}。", FANG, 16, align=JUSTIFY, indent_chars=2)
    para(doc, "适用放宽的条件：", FANG, 16, indent_chars=2, keep_next=True)
    t = table(doc, [12, 22, 56, 30, 36])
    add_row(t, ["序号", "条款", "条件", "要求", "实际"], HEI, 10.5, header=True)
    add_row(t, ["{%tr for x in r.rules %}", "", "", "", ""], SONG, 10.5)
    add_row(
        t,
        ["{{ x.no }}", "{{ x.clause }}", "{{ x.title }}", "{{ x.required }}", "{{ x.actual }}"],
        SONG,
        10.5,
        aligns=[CENTER, CENTER, LEFT, CENTER, CENTER],
    )
    add_row(t, ["{%tr endfor %}", "", "", "", ""], SONG, 10.5)
    para(doc, "证明材料：{{ r.proof }}。", FANG, 16, align=JUSTIFY, indent_chars=2, before_pt=6)
    tag(doc, "{%p endfor %}")
    templatelock.save(doc, out)


def main() -> None:
    for programme, name in TARGETS.items():
        relaxation(TEMPLATES / programme / name)


if __name__ == "__main__":
    main()
