"""Build the committed .docx templates of ``templates/tese-eval`` (2022年度特色产业集群综合评价).

The .docx files are what a clerk opens and edits in Word or WPS; this script is how they were first
made and how they are remade after a deliberate design change
(``.venv/bin/python scripts/templates_tese_eval.py``). Every Jinja tag sits in a run of its own; the
indicator tables are one looped table per group of the notice, their rows come from the schema's
catalogue (``pipeline/schemas/tese_evaluation.py``), so no indicator is written twice.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx.shared import Mm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import templatelock  # noqa: E402  (the committed templates are the truth: see templatelock.py)
from make_templates import body, heading, kv_table, text_document, title  # noqa: E402

from pipeline.kits.docxkit import (  # noqa: E402
    CENTER,
    FANG,
    HEI,
    JUSTIFY,
    KAI,
    LEFT,
    RIGHT,
    SONG,
    XBS,
    add_row,
    keep_rows_together,
    merge,
    new_document,
    para,
    right_tab,
    row_height,
    run,
    table,
    tag,
)

OUT = ROOT / "templates" / "tese-eval"
GB_MARGINS = (37, 35, 28, 26)  # GB/T 9704: type area 156 × 225 mm
TABLE_MARGINS = (30, 28, 28, 26)  # table pages: the same width, a little more height


def subheading(doc, text: str) -> None:
    para(doc, text, KAI, 16, indent_chars=2, keep_next=True)


def self_evaluation() -> None:
    doc = new_document(margins_mm=TABLE_MARGINS)
    title(doc, "{{ cluster.name }}", after=0)
    title(doc, "{{ evaluation.round }}综合评价自评报告", after=4)
    para(doc, "数据截止日期：{{ evaluation.cutoff }}", KAI, 14, align=CENTER, line_pt=26, after_pt=10)
    heading(doc, "一、基本情况")
    kv_table(
        doc,
        [
            ("集群名称", "{{ cluster.name }}"),
            ("所在市", "{{ cluster.city }}", "县（市、区）", "{{ cluster.county }}"),
            ("依托载体", "{{ cluster.carrier }}"),
            ("主导产业", "{{ cluster.leading_industry }}"),
            ("主要产品", "{{ cluster.main_products }}"),
            ("集群区域面积", "{{ cluster.area }}", "数据年度", "{{ evaluation.year }}年"),
            (
                "认定年份及文号",
                "{{ evaluation.recognised.year }}年认定，{{ evaluation.recognised.document_number }}",
            ),
            ("申报单位", "{{ applicant.name }}"),
            ("统一社会信用代码", "{{ applicant.credit_code }}", "法定代表人", "{{ applicant.legal_representative }}"),
            ("联系人", "{{ applicant.contact }}", "职务", "{{ applicant.contact_title }}"),
            ("联系电话", "{{ applicant.phone }}", "手机", "{{ applicant.mobile }}"),
            ("电子邮箱", "{{ applicant.email }}"),
        ],
    )
    para(doc, "二、评价指标", HEI, 16, indent_chars=2, keep_next=True, before_pt=10)
    para(
        doc,
        "说明：指标按通知所列综合实力、发展活力、研发创新能力、公共服务能力四个方面填列，数据截止至{{ evaluation.cutoff }}。"
        "“比上年增减”一栏，金额为增长率，数量为增减数，比例为增减百分点；“—”表示上年无可比数据。",
        SONG,
        10.5,
        align=JUSTIFY,
        line_pt=20,
        keep_next=True,
    )
    tag(doc, "{%p for g in groups %}")
    para(doc, "{{ g.no }}{{ g.title }}", KAI, 16, indent_chars=2, keep_next=True, before_pt=6)
    note = para(doc, "", SONG, 10.5, line_pt=20, keep_next=True)
    right_tab(note, 156, dots=False)
    run(note, "数据截止日期：{{ evaluation.cutoff }}", SONG, 10.5)
    run(note, "\t{{ g.unit_note }}", SONG, 10.5)
    # Six grid columns: a figure's title spans the first two; a description's label takes the first
    # (narrow) one and its text the other five, so a paragraph of text gets most of the width.
    t = table(doc, [30, 34, 14, 24, 24, 30])
    head = add_row(
        t,
        ["指标", "", "单位", "{{ evaluation.previous_year }}年", "{{ evaluation.year }}年", "比上年增减"],
        HEI,
        10.5,
        header=True,
    )
    merge(head, 0, 1)
    add_row(t, ["{%tr for r in g.figures %}", "", "", "", "", ""], SONG, 10.5)
    figure = add_row(
        t,
        ["{{ r.title }}", "", "{{ r.unit }}", "{{ r.previous }}", "{{ r.current }}", "{{ r.change }}"],
        SONG,
        10.5,
        aligns=[LEFT, LEFT, CENTER, RIGHT, RIGHT, RIGHT],
    )
    row_height(figure, 7.5)
    merge(figure, 0, 1)
    add_row(t, ["{%tr endfor %}", "", "", "", "", ""], SONG, 10.5)
    add_row(t, ["{%tr for x in g.texts %}", "", "", "", "", ""], SONG, 10.5)
    text = add_row(
        t, ["{{ x.title }}", "{{ x.text }}", "", "", "", ""], SONG, 10.5, aligns=[LEFT, JUSTIFY] + [LEFT] * 4
    )
    merge(text, 1, 5)
    add_row(t, ["{%tr endfor %}", "", "", "", "", ""], SONG, 10.5)
    # The heading, the header and the figures stay on one page; the spacer after the table ends
    # the keep-together chain, so the next group starts where it fits.
    for row in (head, figure):
        for cell in row.cells:
            for p in cell.paragraphs:
                p.paragraph_format.keep_with_next = True
    para(doc, "", SONG, 10.5, line_pt=8)
    tag(doc, "{%p endfor %}")
    templatelock.save(doc, OUT / "01-self-evaluation.docx")


def key_areas() -> None:
    doc = new_document(margins_mm=GB_MARGINS)
    title(doc, "重点领域工作开展情况及典型项目")
    tag(doc, "{%p for a in key_areas %}")
    para(doc, "{{ a.no }}、{{ a.area }}", HEI, 16, indent_chars=2, keep_next=True, before_pt=12)
    subheading(doc, "（一）工作开展情况")
    tag(doc, "{%p for text in a.work %}")
    body(doc, "{{ text }}")
    tag(doc, "{%p endfor %}")
    subheading(doc, "（二）典型项目")
    t = table(doc, [28, 128])
    for label, expr in (
        ("项目名称", "a.project.name"),
        ("承担单位", "a.project.undertaker"),
        ("主要内容", "a.project.content"),
        ("带动作用", "a.project.effect"),
    ):
        row = add_row(t, [label, "{{ " + expr + " }}"], SONG, 12, aligns=[CENTER, JUSTIFY])
        row_height(row, 10)
        for r in row.cells[0].paragraphs[0].runs:
            r.font.bold = True
    keep_rows_together(t)
    tag(doc, "{%p endfor %}")
    templatelock.save(doc, OUT / "02-key-areas.docx")


def summary() -> None:
    doc = text_document(
        "summary", "{{ cluster.name }}", "summary.sections", subtitle="{{ evaluation.round }}发展成效和自评结论"
    )
    templatelock.save(doc, OUT / "03-summary.docx")


def proof_list() -> None:
    doc = new_document(margins_mm=TABLE_MARGINS, body_font=SONG, body_pt=10.5)
    title(doc, "重要指标证明材料清单", after=6)
    para(
        doc,
        "集群：{{ cluster.name }}　　数据截止日期：{{ evaluation.cutoff }}",
        SONG,
        12,
        align=CENTER,
        line_pt=22,
        after_pt=6,
    )
    # A reviewer reads titles: the files' names are the applicant's business, not the list's.
    t = table(doc, [14, 86, 40, 16])
    head = add_row(t, ["编号", "材料名称", "证明的指标类别", "备注"], HEI, 10.5, header=True)
    row_height(head, 8)
    add_row(t, ["{%tr for p in proofs %}", "", "", ""], SONG, 10.5)
    row = add_row(
        t,
        ["{{ p.no }}", "{{ p.title }}", "{{ p.category }}", "{{ p.note }}"],
        SONG,
        10.5,
        aligns=[CENTER, LEFT, LEFT, CENTER],
    )
    row_height(row, 9)
    add_row(t, ["{%tr endfor %}", "", "", ""], SONG, 10.5)
    para(
        doc,
        "共{{ proof_count }}份。证明材料按上表编号附后，每页右上角标注“佐证材料”编号；"
        "标“另行报送”的材料不进入本材料，由市级主管部门另行报送。",
        SONG,
        10.5,
        line_pt=20,
        before_pt=6,
        align=JUSTIFY,
    )
    templatelock.save(doc, OUT / "04-proof-list.docx")


def declaration() -> None:
    doc = new_document(margins_mm=GB_MARGINS)
    title(doc, "对综合评价材料真实性的声明", after=24)
    para(doc, "山东省工业和信息化厅：", FANG, 16)
    for text in (
        # 三（一）: 自评依据实际工作数据及案例; 四（三）: 严禁任何单位捏造、虚报或篡改数据……给予通报并取消相关资格.
        "本单位郑重声明：本单位按照《{{ notice.title }}》（{{ notice.number }}）要求报送的{{ cluster.name }}"
        "综合评价自评报告、指标数据、重点领域典型项目及全部证明材料依据实际工作数据及案例填报，"
        "不存在捏造、虚报或篡改数据的情况，本单位对评价材料的真实性负责。",
        "如有违反，本单位愿意接受通报并取消相关资格的处理。",
        "特此声明。",
    ):
        body(doc, text)
    for text, before in (
        ("申报单位（公章）：{{ applicant.name }}", 48),
        ("法定代表人（签字）：", 24),
        ("{{ declaration.date }}", 24),
    ):
        p = para(doc, text, FANG, 16, align=RIGHT, before_pt=before)
        p.paragraph_format.right_indent = None
    templatelock.save(doc, OUT / "05-declaration.docx")


def cover() -> None:
    doc = new_document(margins_mm=GB_MARGINS)
    para(doc, "", line_pt=40, before_pt=40)
    para(doc, "{{ packet.title_line1 }}", XBS, 26, align=CENTER, line_pt=48)
    para(doc, "{{ packet.title_line2 }}", XBS, 36, align=CENTER, line_pt=60, after_pt=100)
    for label, expr in (
        ("集群名称", "cluster.name"),
        ("申报单位", "applicant.name"),
        ("所 在 市", "cluster.city"),
        ("认定文号", "evaluation.recognised.document_number"),
        ("填报日期", "filing_date"),
    ):
        p = para(doc, "", FANG, 16, line_pt=36)
        p.paragraph_format.left_indent = Mm(16)
        run(p, label + "：", HEI, 16)
        run(p, "{{ " + expr + " }}", FANG, 16)
    para(doc, "", line_pt=40, before_pt=30)
    para(doc, "{{ packet.notice }}", KAI, 14, align=CENTER, line_pt=24)
    templatelock.save(doc, OUT / "cover.docx")


def toc() -> None:
    doc = new_document(margins_mm=GB_MARGINS)
    para(doc, "目  录", HEI, 22, align=CENTER, line_pt=40, after_pt=24)
    tag(doc, "{%p for e in toc %}")
    p = para(doc, "", FANG, 16, line_pt=32)
    right_tab(p, 156)
    run(p, "{{ e.title }}", FANG, 16)
    run(p, "\t", FANG, 16)
    run(p, "{{ e.page }}", FANG, 16)
    tag(doc, "{%p endfor %}")
    templatelock.save(doc, OUT / "toc.docx")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for make in (self_evaluation, key_areas, summary, proof_list, declaration, cover, toc):
        make()
    print(f"templates checked in {OUT}")
