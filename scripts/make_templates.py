"""Build the committed .docx templates of ``templates/tese-apply``.

The .docx files are the source of truth a clerk may open and edit in Word or WPS; this script is
how they were first made and how they are remade after a deliberate design change
(``python scripts/make_templates.py``). Every Jinja tag sits in a run of its own.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import templatelock  # noqa: E402  (the committed templates are the truth: see templatelock.py)

from pipeline.kits.docxkit import (
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

OUT = Path(__file__).resolve().parent.parent / "templates" / "tese-apply"
W = 156  # type area width in mm (A4, margins 28/26)


def title(doc, text: str, after: float = 12) -> None:
    para(doc, text, XBS, 22, align=CENTER, line_pt=36, after_pt=after)


def heading(doc, text: str, east: str = HEI) -> None:
    para(doc, text, east, 16, indent_chars=2, keep_next=True)


def body(doc, text: str) -> None:
    para(doc, text, FANG, 16, align=JUSTIFY, indent_chars=2)


def kv_table(doc, rows: list[tuple[str, ...]]) -> None:
    """Label/value rows; a 2-tuple spans the value over three columns."""
    t = table(doc, [34, 44, 34, 44])
    for r in rows:
        cells = list(r) + [""] * (4 - len(r))
        row = add_row(t, cells, SONG, 10.5, aligns=[CENTER, LEFT, CENTER, LEFT])
        row_height(row, 9)
        for i in (0, 2):
            if cells[i]:
                for rr in row.cells[i].paragraphs[0].runs:
                    rr.font.bold = True
        if len(r) == 2:
            merge(row, 1, 3)


def application_form(heading: str = "山东省特色产业集群申请表", out: Path | None = None) -> None:
    """The 申请表; the 复核 (templates/tese-review) has the same form under its own title."""
    doc = new_document(margins_mm=(30, 25, 28, 26), body_font=SONG, body_pt=10.5)
    title(doc, heading, after=6)
    para(doc, "填报日期：{{ filing_date }}", SONG, 12, align=RIGHT, line_pt=22, after_pt=4)
    para(doc, "一、基本情况", HEI, 14, line_pt=26, keep_next=True)
    kv_table(
        doc,
        [
            ("集群名称", "{{ cluster.name }}"),
            ("所在市", "{{ cluster.city }}", "县（市、区）", "{{ cluster.county }}"),
            ("依托载体", "{{ cluster.carrier }}"),
            ("主导产业", "{{ cluster.leading_industry }}", "集群区域面积", "{{ cluster.area }}"),
            ("主要产品", "{{ cluster.main_products }}"),
            ("申报单位", "{{ applicant.name }}"),
            ("统一社会信用代码", "{{ applicant.credit_code }}", "法定代表人", "{{ applicant.legal_representative }}"),
            ("通讯地址", "{{ applicant.address }}", "邮政编码", "{{ applicant.postcode }}"),
            ("联系人", "{{ applicant.contact }}", "职务", "{{ applicant.contact_title }}"),
            ("联系电话", "{{ applicant.phone }}", "手机", "{{ applicant.mobile }}"),
            ("电子邮箱", "{{ applicant.email }}"),
        ],
    )
    para(doc, "二、主要经济指标（{{ ind.year }}年）", HEI, 14, line_pt=26, before_pt=8, keep_next=True)
    kv_table(
        doc,
        [
            ("相关生产、服务企业", "{{ ind.enterprises }}户", "规模以上企业", "{{ ind.above_scale_enterprises }}户"),
            (
                "营业收入",
                "{{ ind.revenue }}",
                "主导产业营业收入",
                "{{ ind.leading_industry_revenue }}（占{{ ind.leading_share }}）",
            ),
            ("利润总额", "{{ ind.profit }}", "税收", "{{ ind.tax }}"),
            ("出口额", "{{ ind.export }}", "研发经费投入", "{{ ind.rd_expense }}（占营业收入{{ ind.rd_ratio }}）"),
            ("从业人员", "{{ ind.employees }}人", "高新技术企业", "{{ ind.high_tech_enterprises }}家"),
            ("专精特新中小企业", "{{ ind.specialised_smes }}家", "专精特新“小巨人”企业", "{{ ind.little_giants }}家"),
            ("瞪羚企业", "{{ ind.gazelles }}家", "制造业单项冠军企业", "{{ ind.champions }}家"),
            (
                "“一企一技术”研发中心",
                "{{ ind.one_firm_one_tech }}家",
                "省级以上平台",
                "{{ summary.platforms_provincial }}个",
            ),
            ("主导产业位次", "{{ ind.leading_industry_rank }}"),
            (
                "品牌与宣传",
                "省级以上品牌和荣誉{{ summary.brands_provincial }}项；省级以上媒体报道{{ summary.media_provincial }}次",
            ),
        ],
    )
    para(doc, "三、龙头骨干企业", HEI, 14, line_pt=26, before_pt=8, keep_next=True)
    widths = [8, 34, 37, 10, 27, 16, 24]
    t = table(doc, widths)
    add_row(
        t,
        ["序号", "企业名称", "统一社会信用代码", "类型", "主要产品", "营业收入（万元）", "荣誉称号"],
        HEI,
        9,
        header=True,
    )
    add_row(t, ["{%tr for e in enterprises %}"] + [""] * 6, SONG, 9)
    add_row(
        t,
        [
            "{{ e.no }}",
            "{{ e.name }}",
            "{{ e.credit_code }}",
            "{{ e.role_short }}",
            "{{ e.products }}",
            "{{ e.revenue }}",
            "{{ e.titles }}",
        ],
        SONG,
        9,
        aligns=[CENTER, LEFT, CENTER, CENTER, LEFT, RIGHT, LEFT],
    )
    add_row(t, ["{%tr endfor %}"] + [""] * 6, SONG, 9)
    total = add_row(
        t,
        ["合计", "", "", "", "", "{{ summary.enterprise_revenue }}", "占集群{{ summary.enterprise_share }}"],
        HEI,
        9,
        aligns=[CENTER, CENTER, CENTER, CENTER, CENTER, RIGHT, LEFT],
    )
    merge(total, 0, 4)
    para(doc, "四、审核意见", HEI, 14, line_pt=26, before_pt=8, keep_next=True)
    t = table(doc, [34, 122])
    for label, signer in (
        ("申报单位意见", "申报单位（盖章）"),
        ("县（市、区）工业和信息化主管部门意见", "（盖章）"),
        ("市工业和信息化局（民营经济发展局）推荐意见", "（盖章）"),
    ):
        row = add_row(t, [label, ""], SONG, 10.5, aligns=[CENTER, LEFT])
        row_height(row, 26)
        cell = row.cells[1]
        cell.paragraphs[0].text = ""
        for text in ("", signer, "年    月    日"):
            p = cell.add_paragraph()
            p.alignment = RIGHT
            p.paragraph_format.right_indent = None
            if text:
                run(p, text + "    ", SONG, 10.5)
    keep_rows_together(t)
    templatelock.save(doc, out or OUT / "01-application-form.docx")


def text_document(name: str, heading_expr: str, loop: str, subtitle: str = ""):
    doc = new_document(margins_mm=(37, 35, 28, 26))
    if subtitle:  # a long title breaks where the meaning does, not where the line ends
        title(doc, heading_expr, after=0)
        title(doc, subtitle)
    else:
        title(doc, heading_expr)
    tag(doc, "{%p for s in " + loop + " %}")
    heading(doc, "{{ s.heading }}")
    tag(doc, "{%p for text in s.paragraphs %}")
    body(doc, "{{ text }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")
    return doc


def profile() -> None:
    doc = text_document("profile", "{{ cluster.name }}", "profile.sections", subtitle="发展情况简介")
    templatelock.save(doc, OUT / "02-profile.docx")


def plan() -> None:
    doc = text_document("plan", "{{ plan.title }}", "plan.sections")
    para(doc, "附表：主要发展目标", HEI, 16, before_pt=12, after_pt=6, keep_next=True, align=CENTER)
    t = table(doc, [12, 62, 22, 30, 30])
    add_row(t, ["序号", "指标", "单位", "{{ plan.base_year }}年", "{{ plan.target_year }}年目标"], HEI, 12, header=True)
    add_row(t, ["{%tr for x in plan.targets %}", "", "", "", ""], SONG, 12)
    add_row(
        t,
        ["{{ x.no }}", "{{ x.indicator }}", "{{ x.unit }}", "{{ x.current }}", "{{ x.target }}"],
        SONG,
        12,
        aligns=[CENTER, LEFT, CENTER, CENTER, CENTER],
    )
    add_row(t, ["{%tr endfor %}", "", "", "", ""], SONG, 12)
    templatelock.save(doc, OUT / "03-plan.docx")


def brands() -> None:
    doc = new_document(margins_mm=(30, 25, 28, 26), body_font=SONG, body_pt=10.5)
    title(doc, "品牌、荣誉和宣传报道情况")
    para(doc, "一、名牌产品、驰（著）名商标和产业荣誉称号", HEI, 14, line_pt=26, keep_next=True, after_pt=4)
    t = table(doc, [8, 40, 18, 12, 32, 36, 10])
    add_row(t, ["序号", "名称", "类别", "级别", "获得单位", "认定（授予）单位", "年份"], HEI, 10, header=True)
    add_row(t, ["{%tr for b in brands %}"] + [""] * 6, SONG, 10)
    add_row(
        t,
        [
            "{{ b.no }}",
            "{{ b.name }}",
            "{{ b.category }}",
            "{{ b.level }}",
            "{{ b.holder }}",
            "{{ b.issuer }}",
            "{{ b.year }}",
        ],
        SONG,
        10,
        aligns=[CENTER, LEFT, CENTER, CENTER, LEFT, LEFT, CENTER],
    )
    add_row(t, ["{%tr endfor %}"] + [""] * 6, SONG, 10)
    para(doc, "二、省级及以上媒体宣传报道", HEI, 14, line_pt=26, before_pt=10, keep_next=True, after_pt=4)
    t = table(doc, [8, 40, 12, 70, 26])
    add_row(t, ["序号", "媒体", "级别", "报道标题", "日期"], HEI, 10, header=True)
    add_row(t, ["{%tr for m in media %}", "", "", "", ""], SONG, 10)
    add_row(
        t,
        ["{{ m.no }}", "{{ m.outlet }}", "{{ m.level }}", "{{ m.title }}", "{{ m.date }}"],
        SONG,
        10,
        aligns=[CENTER, LEFT, CENTER, LEFT, CENTER],
    )
    add_row(t, ["{%tr endfor %}", "", "", "", ""], SONG, 10)
    templatelock.save(doc, OUT / "04-brands-media.docx")


def platforms() -> None:
    doc = new_document(margins_mm=(30, 25, 28, 26), body_font=SONG, body_pt=10.5)
    title(doc, "创新研发中心和公共服务平台建设情况")
    t = table(doc, [8, 44, 22, 10, 32, 30, 10])
    add_row(t, ["序号", "平台名称", "类别", "级别", "依托单位", "认定部门", "年份"], HEI, 10, header=True)
    add_row(t, ["{%tr for p in platforms %}"] + [""] * 6, SONG, 10)
    add_row(
        t,
        [
            "{{ p.no }}",
            "{{ p.name }}",
            "{{ p.category }}",
            "{{ p.level }}",
            "{{ p.owner }}",
            "{{ p.approved_by }}",
            "{{ p.year }}",
        ],
        SONG,
        10,
        aligns=[CENTER, LEFT, CENTER, CENTER, LEFT, LEFT, CENTER],
    )
    add_row(t, ["{%tr endfor %}"] + [""] * 6, SONG, 10)
    para(
        doc,
        "共计{{ summary.platforms }}个，其中国家级{{ summary.platforms_national }}个、省级{{ summary.platforms_province }}个。",
        SONG,
        12,
        line_pt=24,
        before_pt=6,
    )
    templatelock.save(doc, OUT / "05-platforms.docx")


def informatisation() -> None:
    doc = new_document(margins_mm=(37, 35, 28, 26))
    title(doc, "产业集群信息化智能化建设情况")
    body(doc, "{{ info.summary }}")
    for label, expr in (
        ("一、计算能力", "info.computing"),
        ("二、存储能力", "info.storage"),
        ("三、数据的存储、分析和使用", "info.data_use"),
    ):
        heading(doc, label)
        body(doc, "{{ " + expr + " }}")
    templatelock.save(doc, OUT / "06-informatisation.docx")


def declaration() -> None:
    doc = new_document(margins_mm=(37, 35, 28, 26))
    title(doc, "对申报材料真实性的声明", after=24)
    para(doc, "山东省工业和信息化厅：", FANG, 16)
    for text in (
        # 第六条: 申报主体……对申报材料真实性负责; （八）对申报材料真实性的声明. No other assurance.
        "本单位郑重声明：本单位申报{{ cluster.name }}所提交的申请表、发展情况简介、发展规划及全部佐证材料和数据真实，"
        "本单位对申报材料的真实性负责。",
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
    templatelock.save(doc, OUT / "08-declaration.docx")


def summary_table() -> None:
    doc = new_document(landscape=True, margins_mm=(25, 20, 20, 20), body_font=SONG, body_pt=10.5)
    title(doc, "山东省特色产业集群申报信息汇总表", after=6)
    p = para(doc, "填报单位：{{ applicant.name }}（盖章）", SONG, 12, line_pt=22, after_pt=4)
    right_tab(p, 257, dots=False)
    run(p, "\t填报日期：{{ filing_date }}", SONG, 12)
    widths = [9, 15, 36, 30, 20, 15, 13, 13, 17, 17, 15, 15, 24, 18]
    t = table(doc, widths)
    add_row(
        t,
        [
            "序号",
            "所在市",
            "集群名称",
            "依托载体",
            "主导产业",
            "区域面积（平方公里）",
            "企业户数",
            "规上企业户数",
            "营业收入（亿元）",
            "主导产业营业收入（亿元）",
            "税收（亿元）",
            "从业人员（人）",
            "申报单位",
            "联系人及电话",
        ],
        HEI,
        9,
        header=True,
    )
    add_row(
        t,
        [
            "1",
            "{{ cluster.city }}",
            "{{ cluster.name }}",
            "{{ cluster.carrier }}",
            "{{ cluster.leading_industry }}",
            "{{ row.area }}",
            "{{ row.enterprises }}",
            "{{ row.above_scale }}",
            "{{ row.revenue }}",
            "{{ row.leading_revenue }}",
            "{{ row.tax }}",
            "{{ row.employees }}",
            "{{ applicant.name }}",
            "{{ applicant.contact }} {{ applicant.phone }}",
        ],
        SONG,
        9,
        aligns=[CENTER, CENTER, LEFT, LEFT, CENTER] + [RIGHT] * 7 + [LEFT, LEFT],
    )
    para(doc, "注：金额单位为亿元，保留两位小数；数据年度为{{ ind.year }}年。", SONG, 10.5, line_pt=20, before_pt=6)
    templatelock.save(doc, OUT / "09-summary-row.docx")


def cover() -> None:
    doc = new_document(margins_mm=(37, 35, 28, 26))
    para(doc, "", line_pt=40, before_pt=60)
    para(doc, "{{ packet.title_line1 }}", XBS, 26, align=CENTER, line_pt=48)
    para(
        doc, "{{ packet.title_line2 }}", XBS, 36, align=CENTER, line_pt=60, after_pt=110
    )  # room for a notice on 3 lines
    for label, expr in (
        ("集群名称", "cluster.name"),
        ("申报单位", "applicant.name"),
        ("所 在 市", "cluster.city"),
        ("申报日期", "filing_date"),
    ):
        p = para(doc, "", FANG, 16, line_pt=36)
        p.paragraph_format.left_indent = None
        from docx.shared import Mm

        p.paragraph_format.left_indent = Mm(16)
        run(p, label + "：", HEI, 16)
        run(p, "{{ " + expr + " }}", FANG, 16)
    para(doc, "", line_pt=40, before_pt=60)
    para(doc, "{{ packet.notice }}", KAI, 14, align=CENTER, line_pt=24)
    templatelock.save(doc, OUT / "cover.docx")


def toc_document():
    """The 目录: one row per part, its page at the right (the yearly programmes use the same)."""
    doc = new_document(margins_mm=(37, 35, 28, 26))
    para(doc, "目  录", HEI, 22, align=CENTER, line_pt=40, after_pt=24)
    tag(doc, "{%p for e in toc %}")
    p = para(doc, "", FANG, 16, line_pt=32)
    right_tab(p, 156)
    run(p, "{{ e.title }}", FANG, 16)
    run(p, "\t", FANG, 16)
    run(p, "{{ e.page }}", FANG, 16)
    tag(doc, "{%p endfor %}")
    return doc


def toc() -> None:
    templatelock.save(toc_document(), OUT / "toc.docx")


def self_check() -> None:
    """The one-page 自查报告 printed beside any programme's packet (templates/common)."""
    doc = new_document(margins_mm=(25, 20, 25, 20), body_font=SONG, body_pt=10.5)
    title(doc, "申报条件自查报告", after=4)
    para(
        doc,
        "{{ programme.title }}　依据《{{ programme.notice }}》（{{ programme.number }}）",
        SONG,
        11,
        align=CENTER,
        line_pt=20,
    )
    para(
        doc,
        "集群：{{ cluster.name }}（{{ cluster.city }}）　申报单位：{{ applicant.name }}",
        SONG,
        11,
        align=CENTER,
        line_pt=20,
        after_pt=2,
    )
    # the rules' validity and where the build's date falls (an expired programme says so here)
    para(doc, "{{ checks.validity }}", SONG, 10, line_pt=18, after_pt=6)
    t = table(doc, [8, 62, 24, 28, 28, 20])
    add_row(t, ["序号", "条件", "条款", "要求", "实际", "结果"], HEI, 10, header=True)
    add_row(t, ["{%tr for r in checks.results %}", "", "", "", "", ""], SONG, 10)
    add_row(
        t,
        ["{{ r.no }}", "{{ r.title }}", "{{ r.clause }}", "{{ r.required }}", "{{ r.actual }}", "{{ r.status }}"],
        SONG,
        10,
        aligns=[CENTER, LEFT, CENTER, CENTER, CENTER, CENTER],
    )
    add_row(t, ["{%tr endfor %}", "", "", "", "", ""], SONG, 10)
    para(doc, "{{ checks.summary }}", HEI, 11, line_pt=22, before_pt=8)
    tag(doc, "{%p for n in checks.notes %}")
    para(doc, "{{ n }}", SONG, 10, line_pt=18)
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p for w in checks.warnings %}")
    para(doc, "{{ w }}", SONG, 10, line_pt=18)
    tag(doc, "{%p endfor %}")
    para(
        doc,
        "{{ checks.forms }}本报告由集群申报材料生成工具（{{ checks.tool }} 版）于 {{ checks.date }} 根据申报数据自动生成，"
        "供申报单位和市级主管部门合规性审核参考。",
        SONG,
        9,
        line_pt=16,
        before_pt=10,
    )
    common = OUT.parent / "common"
    common.mkdir(exist_ok=True)
    templatelock.save(doc, common / "self-check.docx")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for make in (
        application_form,
        profile,
        plan,
        brands,
        platforms,
        informatisation,
        declaration,
        summary_table,
        cover,
        toc,
        self_check,
    ):
        make()
    print(f"templates checked in {OUT}")
