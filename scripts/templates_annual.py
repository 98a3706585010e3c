"""Build the committed .docx templates of ``templates/tese-annual`` (年度工作总结) and ``templates/tese-review`` (复核).

The house style of the other programmes (scripts/make_templates.py): A4, GB/T 9704 margins, title in
2号小标宋, body 3号仿宋, headings 黑体; every Jinja tag in a run of its own. A chart is a paragraph
holding ``{{ charts.<id> }}``: the render stage draws the chart there (vector, with a PNG for old Word)."""

from __future__ import annotations

import sys
from pathlib import Path

from docx.shared import Mm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import templatelock  # noqa: E402  (the committed templates are the truth: see templatelock.py)

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
    merge,
    new_document,
    para,
    run,
    table,
    tag,
)

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
ANNUAL, REVIEW = TEMPLATES / "tese-annual", TEMPLATES / "tese-review"
MARGINS = (37, 35, 28, 26)


def title(doc, text: str, after: float = 12) -> None:
    para(doc, text, XBS, 22, align=CENTER, line_pt=36, after_pt=after)


def body(doc, text: str) -> None:
    para(doc, text, FANG, 16, align=JUSTIFY, indent_chars=2)


def cover(out: Path, lines: tuple[str, str], rows: list[tuple[str, str]], foot: list[str]) -> None:
    doc = new_document(margins_mm=MARGINS)
    para(doc, "", line_pt=40, before_pt=60)
    para(doc, lines[0], XBS, 26, align=CENTER, line_pt=48)
    para(doc, lines[1], XBS, 36, align=CENTER, line_pt=60, after_pt=90)
    for label, expr in rows:
        p = para(doc, "", FANG, 16, line_pt=36)
        p.paragraph_format.left_indent = Mm(16)
        run(p, label + "：", HEI, 16)
        run(p, "{{ " + expr + " }}", FANG, 16)
    para(doc, "", line_pt=40, before_pt=50)
    for text in foot:
        para(doc, text, KAI, 14, align=CENTER, line_pt=24)
    templatelock.save(doc, out)


def theme_table(doc) -> None:
    """Each theme of 第十一条, its figures this year and last, the change (absolute and %)."""
    t = table(doc, [10, 52, 14, 22, 22, 20, 16])
    heads = ["序号", "指标", "单位", "{{ year.this }}年", "{{ year.last }}年", "增减", "增长"]
    add_row(t, heads, HEI, 10.5, header=True)
    add_row(t, ["{%tr for t in themes %}", "", "", "", "", "", ""], SONG, 10.5)
    row = add_row(
        t, ["{{ t.no }}、{{ t.title }}（{{ t.quote }}）", "", "", "", "", "", ""], HEI, 10.5, aligns=[LEFT] * 7
    )
    merge(row, 0, 6)
    add_row(t, ["{%tr for r in t.rows %}", "", "", "", "", "", ""], SONG, 10.5)
    add_row(
        t,
        [
            "{{ r.no }}",
            "{{ r.label }}",
            "{{ r.unit }}",
            "{{ r.now }}",
            "{{ r.before }}",
            "{{ r.delta }}",
            "{{ r.pct }}",
        ],
        SONG,
        10.5,
        aligns=[CENTER, LEFT, CENTER, RIGHT, RIGHT, RIGHT, RIGHT],
    )
    add_row(t, ["{%tr endfor %}", "", "", "", "", "", ""], SONG, 10.5)
    add_row(t, ["{%tr endfor %}", "", "", "", "", "", ""], SONG, 10.5)


def chart(doc, n: int, chart_id: str) -> None:
    para(doc, "{{ charts." + chart_id + " }}", SONG, 10.5, align=CENTER, line_pt=None, keep_next=True)
    para(doc, f"图{n}　" + "{{ charts." + chart_id + ".title }}", HEI, 12, align=CENTER, line_pt=22, after_pt=10)


def work_summary() -> None:
    doc = new_document(margins_mm=MARGINS)
    title(doc, "{{ cluster.name }}", after=0)
    title(doc, "{{ year.this }}年度工作总结")
    para(
        doc,
        "（{{ recognition.year }}年认定为山东省特色产业集群，{{ recognition.number }}；有效期至{{ recognition.until }}）",
        KAI,
        14,
        align=CENTER,
        line_pt=24,
        after_pt=12,
    )
    tag(doc, "{%p for s in work.sections %}")
    para(doc, "{{ s.heading }}", HEI, 16, indent_chars=2, keep_next=True)
    tag(doc, "{%p for text in s.paragraphs %}")
    body(doc, "{{ text }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")
    para(
        doc,
        "附表　{{ year.this }}年主要指标及与{{ year.last }}年比较",
        HEI,
        16,
        align=CENTER,
        before_pt=12,
        after_pt=6,
        keep_next=True,
    )
    theme_table(doc)
    para(
        doc,
        "注：金额单位为亿元，保留两位小数；增长为与上年相比的百分比，百分数指标的增减为百分点。",
        SONG,
        10.5,
        line_pt=20,
        before_pt=6,
    )
    para(doc, "附图　主要指标历年变化", HEI, 16, align=CENTER, before_pt=12, after_pt=6, keep_next=True)
    for n, cid in enumerate(("revenue", "firms", "platforms"), start=1):
        chart(doc, n, cid)
    para(doc, "", FANG, 16)
    para(doc, "{{ applicant.name }}", FANG, 16, align=RIGHT)
    para(doc, "{{ work.date }}", FANG, 16, align=RIGHT)
    templatelock.save(doc, ANNUAL / "01-work-summary.docx")


def review_note() -> None:
    doc = new_document(margins_mm=MARGINS)
    title(doc, "{{ cluster.name }}", after=0)
    title(doc, "复核申请说明")
    body(
        doc,
        "{{ cluster.name }}于{{ recognition.year }}年经《{{ recognition.list_title }}》（{{ recognition.number }}）认定为山东省特色产业集群，"
        "有效期{{ recognition.years }}年，至{{ recognition.until }}届满。根据{{ packet.notice_short }}第十三条“有效期满当年，"
        "须按照申报条件和程序申请复核”的规定，{{ applicant.name }}按申报条件和程序提交复核申请材料，材料目录见前。",
    )
    body(doc, "认定以来集群主要指标与申报条件对照如下（数据年度为{{ year.this }}年，金额单位亿元）：")
    t = table(doc, [9, 45, 20, 14, 14, 14, 14, 14, 12])
    add_row(
        t,
        ["序号", "条件或指标", "要求", *("{{ development.years[" + str(i) + "] }}" for i in range(5)), "结果"],
        HEI,
        9,
        header=True,
    )
    add_row(t, ["{%tr for r in development.rows %}", *[""] * 8], SONG, 9)
    add_row(
        t,
        [
            "{{ r.no }}",
            "{{ r.title }}",
            "{{ r.required }}",
            *("{{ r.cells[" + str(i) + "] }}" for i in range(5)),
            "{{ r.result }}",
        ],
        SONG,
        9,
        aligns=[CENTER, LEFT, CENTER, *[RIGHT] * 5, CENTER],
    )
    add_row(t, ["{%tr endfor %}", *[""] * 8], SONG, 9)
    para(doc, "注：“—”为当年未统计该项；条件的结果按{{ year.this }}年数据判定。", SONG, 10.5, line_pt=20, before_pt=6)
    para(doc, "", FANG, 16)
    para(doc, "{{ applicant.name }}", FANG, 16, align=RIGHT)
    para(doc, "{{ declaration.date }}", FANG, 16, align=RIGHT)
    templatelock.save(doc, REVIEW / "00-review.docx")


def main() -> None:
    ANNUAL.mkdir(exist_ok=True)
    REVIEW.mkdir(exist_ok=True)
    cover(
        ANNUAL / "cover.docx",
        ("{{ cluster.name }}", "{{ year.this }}年度工作总结"),
        [
            ("集群名称", "cluster.name"),
            ("总结单位", "applicant.name"),
            ("所 在 市", "cluster.city"),
            ("总结日期", "work.date"),
        ],
        ["{{ packet.notice }}第十一条", "认定文号：{{ recognition.number }}（{{ recognition.year }}年认定）"],
    )
    from make_templates import toc_document

    templatelock.save(toc_document(), ANNUAL / "toc.docx")  # the application's 目录, the same design
    work_summary()
    cover(
        REVIEW / "cover.docx",
        ("山东省特色产业集群", "复 核 申 报 材 料"),
        [
            ("集群名称", "cluster.name"),
            ("申报单位", "applicant.name"),
            ("所 在 市", "cluster.city"),
            ("申报日期", "filing_date"),
        ],
        [
            "{{ packet.notice }}第十三条",
            "认定文号：{{ recognition.number }}（{{ recognition.year }}年认定，有效期至{{ recognition.until }}）",
        ],
    )
    review_note()
    from make_templates import application_form

    application_form("山东省特色产业集群复核申请表", REVIEW / "01-application-form.docx")  # the same form, titled 复核
    print(f"templates written to {ANNUAL} and {REVIEW}")


if __name__ == "__main__":
    main()
