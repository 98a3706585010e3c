"""Build the .docx templates of ``templates/digital-apply`` (山东省数字产业集群申报, 鲁工信电子〔2024〕122号).

附件1 申报书: cover, 目录, 承诺书 and nine chapters (each its own document and bookmark); 附件2 汇总表.
The .docx files are what a clerk may open and edit in Word or WPS; this script is how they were made
(``.venv/bin/python scripts/templates_digital.py``). Every Jinja tag sits in a run of its own.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import templatelock  # noqa: E402  (the committed templates are the truth: see templatelock.py)
from make_templates import body, kv_table, title  # noqa: E402

from pipeline.kits.docxkit import (  # noqa: E402
    CENTER,
    FANG,
    HEI,
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

OUT = ROOT / "templates" / "digital-apply"
TEXT_MARGINS = (37, 35, 28, 26)  # GB/T 9704: a 156 mm type area
TABLE_PT = 10.5


def document():
    return new_document(margins_mm=TEXT_MARGINS)


def chapter(doc, text: str) -> None:
    """A chapter's title at the top of its page: 黑体 三号, centred."""
    para(doc, text, HEI, 16, align=CENTER, line_pt=28, after_pt=12, keep_next=True)


def subheading(doc, text: str) -> None:
    para(doc, text, KAI, 16, indent_chars=2, keep_next=True, before_pt=4)


def paragraphs(doc, expr: str) -> None:
    """One body paragraph per item of the list ``expr``."""
    tag(doc, "{%p for text in " + expr + " %}")
    body(doc, "{{ text }}")
    tag(doc, "{%p endfor %}")


def sections(doc, expr: str, east: str = KAI, bold: bool = False) -> None:
    """Headed sections (``heading`` and ``paragraphs``) of the list ``expr``."""
    tag(doc, "{%p for s in " + expr + " %}")
    p = para(doc, "", east, 16, indent_chars=2, keep_next=True)
    run(p, "{{ s.heading }}", east, 16, bold=bold)
    tag(doc, "{%p for text in s.paragraphs %}")
    body(doc, "{{ text }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")


def caption(doc, text: str) -> None:
    para(doc, text, HEI, 12, align=CENTER, line_pt=22, before_pt=6, after_pt=4, keep_next=True)


def note(doc, text: str, keep_next: bool = False) -> None:
    para(doc, text, SONG, TABLE_PT, line_pt=20, before_pt=4, after_pt=6, keep_next=keep_next)


def list_table(doc, widths, headers, loop, cells, aligns, totals=(), total_aligns=None, merge_to=0, pt=10.0):
    """A table with a header row repeated on each page, one row per item of ``loop``, and totals rows."""
    t = table(doc, widths)
    add_row(t, headers, HEI, pt, header=True)
    blanks = [""] * (len(widths) - 1)
    add_row(t, ["{%tr for " + loop + " %}", *blanks], SONG, pt)
    row_height(add_row(t, cells, SONG, pt, aligns=aligns), 7)
    add_row(t, ["{%tr endfor %}", *blanks], SONG, pt)
    for total in totals:
        row = add_row(t, total, HEI, pt, aligns=total_aligns)
        row_height(row, 7)
        if merge_to:
            merge(row, 0, merge_to)
    return t


def cell_bottom_border(cell) -> None:
    borders = OxmlElement("w:tcBorders")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "0"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    cell._tc.get_or_add_tcPr().append(borders)


def cover() -> None:
    doc = document()
    para(doc, "附件1", HEI, 16, line_pt=28)
    para(doc, "", line_pt=40, before_pt=60)
    para(doc, "{{ packet.title_line1 }}", XBS, 26, align=CENTER, line_pt=48)
    para(doc, "{{ packet.title_line2 }}", XBS, 36, align=CENTER, line_pt=60, after_pt=100)
    t = table(doc, [58, 98], border=False)
    for label, expr in (
        ("集群名称", "cluster.name"),
        ("申报主体（盖章）", "applicant.name"),
        ("所在市", "cluster.city"),
        ("主导产业", "cluster.leading_industry"),
        ("申报日期", "filing_date"),
    ):
        row = add_row(t, [label + "：", ""], HEI, 16, aligns=[RIGHT, CENTER])
        row.height = Mm(14)
        run(row.cells[1].paragraphs[0], "{{ " + expr + " }}", FANG, 16)
        cell_bottom_border(row.cells[1])
    templatelock.save(doc, OUT / "cover.docx")


def toc() -> None:
    doc = document()
    para(doc, "目  录", HEI, 22, align=CENTER, line_pt=40, after_pt=24)
    tag(doc, "{%p for e in toc %}")
    p = para(doc, "", FANG, 16, line_pt=30)
    right_tab(p, 156)
    run(p, "{{ e.title }}", FANG, 16)
    run(p, "\t", FANG, 16)
    run(p, "{{ e.page }}", FANG, 16)
    tag(doc, "{%p endfor %}")
    templatelock.save(doc, OUT / "toc.docx")


def commitment() -> None:
    """承诺书: DOMAIN §5's declaration, the 三（七） commitment and the 五（三） consequence; one page."""
    doc = document()
    title(doc, "承  诺  书", after=18)
    para(doc, "山东省工业和信息化厅：", FANG, 16)
    for text in (
        "本单位申报山东省数字产业集群（{{ cluster.name }}），{{ packet.notice }}，郑重承诺：",
        "一、本单位在中华人民共和国境内注册，具有独立法人资格，运营和财务状况良好，无不良信用记录。",
        # 五（三）: 保证材料的真实、有效; 四（一）: 敏感材料请勿在申报材料中体现……请提报市工业和信息化局.
        "二、本单位按照申报要求认真组织材料，保证所提交申报材料的真实、有效"
        "{{ '；敏感证明材料未在申报材料中体现，已按要求提报市工业和信息化局' if sensitive else '' }}。",
        "三、集群内企业近三年未发生特别重大、重大生产安全事故，未发生特别重大、重大突发环境事件。",
        "四、如以虚假材料申报，本单位自愿接受三年内不得再次申报山东省数字产业集群并对社会公布的处理。",
        "特此承诺。",
    ):
        body(doc, text)
    para(doc, "", line_pt=24)
    t = table(doc, [6, 62, 88], border=False)
    for label, value in (("申报主体（公章）：", "{{ applicant.name }}"), ("法定代表人（签字）：", "")):
        row = add_row(t, ["", label, ""], FANG, 16, aligns=[LEFT, LEFT, LEFT])
        row.height = Mm(12)
        if value:
            run(row.cells[2].paragraphs[0], value, FANG, 16)
    p = para(doc, "{{ declaration.date }}", FANG, 16, align=RIGHT, before_pt=12)
    p.paragraph_format.right_indent = Mm(11)
    templatelock.save(doc, OUT / "00-commitment.docx")


def applicant() -> None:
    doc = document()
    chapter(doc, "一、申报主体基本情况")
    kv_table(
        doc,
        [
            ("申报主体名称", "{{ applicant.name }}"),
            ("统一社会信用代码", "{{ applicant.credit_code }}", "法人类型", "{{ operator.legal_form }}"),
            ("申报主体类型", "{{ operator.org_type }}", "成立日期", "{{ operator.established }}"),
            (
                "法定代表人",
                "{{ applicant.legal_representative }}",
                "注册资本（开办资金）",
                "{{ operator.registered_capital }}",
            ),
            ("通讯地址", "{{ applicant.address }}", "邮政编码", "{{ applicant.postcode }}"),
            ("联系人", "{{ applicant.contact }}", "职务", "{{ applicant.contact_title }}"),
            ("联系电话", "{{ applicant.phone }}", "手机", "{{ applicant.mobile }}"),
            ("电子邮箱", "{{ applicant.email }}", "专职工作人员", "{{ operator.staff }}人"),
            ("在境内注册", "{{ operator.registered_in_china }}", "具有独立法人资格", "{{ operator.legal_person }}"),
            ("不良信用记录", "{{ operator.credit }}", "近三年重大安全事故", "{{ compliance.safety }}"),
            ("近三年重大突发环境事件", "{{ compliance.environment }}"),
        ],
    )
    subheading(doc, "（一）主要职能和服务内容")
    body(doc, "{{ operator.duties }}")
    subheading(doc, "（二）组织架构和规章制度")
    body(doc, "{{ operator.organisation }}")
    subheading(doc, "（三）运营和财务状况")
    body(doc, "{{ operator.operation }}")
    templatelock.save(doc, OUT / "01-applicant.docx")


def cluster() -> None:
    doc = document()
    chapter(doc, "二、集群基本情况")
    kv_table(
        doc,
        [
            ("集群名称", "{{ cluster.name }}"),
            ("所在市", "{{ cluster.city }}", "县（市、区）", "{{ cluster.county }}"),
            ("依托载体", "{{ cluster.carrier }}"),
            ("主导产业", "{{ cluster.leading_industry }}", "集群区域面积", "{{ cluster.area }}"),
            ("主导产业细分领域", "{{ cluster.industry }}"),
            ("主导产品", "{{ cluster.main_products }}"),
        ],
    )
    para(doc, "", line_pt=14)
    subheading(doc, "集群概况")
    paragraphs(doc, "cluster.overview")
    templatelock.save(doc, OUT / "02-cluster.docx")


def positioning() -> None:
    doc = document()
    chapter(doc, "三、发展定位")
    sections(doc, "positioning")
    templatelock.save(doc, OUT / "03-positioning.docx")


def scale() -> None:
    doc = document()
    chapter(doc, "四、规模效益")
    caption(doc, "主要经济指标（{{ cluster.year }}年）")
    kv_table(
        doc,
        [
            ("数字产业相关企业", "{{ scale.enterprises }}家", "规上企业", "{{ scale.above_scale_enterprises }}家"),
            ("集群数字产业营业收入", "{{ scale.revenue }}", "规上企业营业收入总额", "{{ scale.above_scale_revenue }}"),
            (
                "主导产业营业收入",
                "{{ scale.leading_revenue }}（占{{ scale.leading_share }}）",
                "主导产业相关规上企业",
                "{{ scale.leading_firms }}家",
            ),
            ("利润总额", "{{ scale.profit }}", "税收", "{{ scale.tax }}"),
            ("从业人员", "{{ scale.employees }}人"),
        ],
    )
    note(doc, "注：规上企业营业收入总额和主导产业相关规上企业数{{ scale.basis }}。")
    paragraphs(doc, "scale.paragraphs")
    templatelock.save(doc, OUT / "04-scale.docx")


def chain() -> None:
    doc = document()
    chapter(doc, "五、产业链条")
    subheading(doc, "（一）产业链条情况")
    paragraphs(doc, "chain.paragraphs")
    subheading(doc, "（二）集群企业名单")
    note(
        doc,
        "名单共{{ chain.listed }}家企业，其中规上企业{{ chain.above_scale }}家（主导产业相关{{ chain.leading }}家）；"
        "领军企业（年营业收入10亿元以上）{{ chain.leaders }}家，骨干企业（营业收入1亿元以上）{{ chain.backbones }}家。"
        "“主导产业”指属于主导产业（主要申报方向）的企业。",
        True,
    )
    list_table(
        doc,
        [8, 48, 38, 9, 10, 9, 17, 17],
        ["序号", "企业名称", "统一社会信用代码", "类型", "主导产业", "规上", "营业收入（万元）", "研发投入（万元）"],
        "f in firms",
        [
            "{{ f.no }}",
            "{{ f.name }}",
            "{{ f.credit_code }}",
            "{{ f.role }}",
            "{{ f.leading }}",
            "{{ f.above_scale }}",
            "{{ f.revenue }}",
            "{{ f.rd }}",
        ],
        [CENTER, LEFT, CENTER, CENTER, CENTER, CENTER, RIGHT, RIGHT],
        totals=[
            ["合计", "", "", "", "", "", "{{ chain.revenue }}", "{{ chain.rd }}"],
            ["其中：规上企业", "", "", "", "", "", "{{ chain.above_scale_revenue }}", "{{ chain.above_scale_rd }}"],
        ],
        total_aligns=[CENTER] * 6 + [RIGHT, RIGHT],
        merge_to=5,
        pt=9,
    )
    templatelock.save(doc, OUT / "05-chain.docx")


def innovation() -> None:
    doc = document()
    chapter(doc, "六、创新能力")
    subheading(doc, "（一）创新能力情况")
    paragraphs(doc, "innovation.paragraphs")
    subheading(doc, "（二）创新平台")
    note(doc, "国家级创新平台{{ innovation.national }}家，省级创新平台{{ innovation.provincial }}家：", True)
    list_table(
        doc,
        [8, 44, 23, 12, 30, 29, 10],
        ["序号", "平台名称", "类别", "级别", "依托单位", "认定部门", "年份"],
        "p in innovation.platforms",
        [
            "{{ p.no }}",
            "{{ p.name }}",
            "{{ p.category }}",
            "{{ p.level }}",
            "{{ p.owner }}",
            "{{ p.approved_by }}",
            "{{ p.year }}",
        ],
        [CENTER, LEFT, CENTER, CENTER, LEFT, LEFT, CENTER],
        pt=9,
    )
    subheading(doc, "（三）近三年科技奖励和知识产权")
    note(doc, "统计口径：集群内规上企业获得的科技奖励及数字经济相关核心技术和自主知识产权（专利及软件著作权）。", True)
    t = list_table(
        doc,
        [26, 26, 26, 26, 26, 26],
        ["年度", "科技奖励（项）", "专利（项）", "其中：发明专利（项）", "软件著作权（项）", "合计（项）"],
        "y in innovation.ip",
        [
            "{{ y.year }}",
            "{{ y.awards }}",
            "{{ y.patents }}",
            "{{ y.invention }}",
            "{{ y.copyrights }}",
            "{{ y.total }}",
        ],
        [CENTER] * 6,
        totals=[
            [
                "合计",
                "{{ innovation.ip_awards }}",
                "{{ innovation.ip_patents }}",
                "{{ innovation.ip_invention }}",
                "{{ innovation.ip_copyrights }}",
                "{{ innovation.ip_total }}",
            ]
        ],
        total_aligns=[CENTER] * 6,
    )
    keep_rows_together(t)
    subheading(doc, "（四）研发投入（{{ cluster.year }}年）")
    kv_table(
        doc,
        [
            ("规上企业研发投入总额", "{{ innovation.rd }}", "规上企业销售收入总额", "{{ innovation.sales }}"),
            ("研发投入占销售收入比重", "{{ innovation.rd_ratio }}"),
        ],
    )
    templatelock.save(doc, OUT / "06-innovation.docx")


def services() -> None:
    doc = document()
    chapter(doc, "七、服务体系")
    subheading(doc, "（一）公共服务能力")
    paragraphs(doc, "services.paragraphs")
    subheading(doc, "（二）长期合作单位")
    list_table(
        doc,
        [8, 44, 22, 64, 18],
        ["序号", "合作单位", "类型", "合作内容", "起始年份"],
        "p in services.partners",
        ["{{ p.no }}", "{{ p.name }}", "{{ p.kind }}", "{{ p.content }}", "{{ p.since }}"],
        [CENTER, LEFT, CENTER, LEFT, CENTER],
    )
    templatelock.save(doc, OUT / "07-services.docx")


def support() -> None:
    doc = document()
    chapter(doc, "八、属地政府支持")
    subheading(doc, "（一）支持情况")
    paragraphs(doc, "support.paragraphs")
    subheading(doc, "（二）支持政策")
    list_table(
        doc,
        [8, 36, 22, 30, 26, 34],
        ["序号", "政策文件名称", "发文机关", "文号", "印发日期", "主要支持内容"],
        "p in support.policies",
        ["{{ p.no }}", "{{ p.title }}", "{{ p.issuer }}", "{{ p.document_number }}", "{{ p.date }}", "{{ p.content }}"],
        [CENTER, LEFT, LEFT, CENTER, CENTER, LEFT],
        pt=9,
    )
    templatelock.save(doc, OUT / "08-support.docx")


def goals() -> None:
    doc = document()
    chapter(doc, "九、发展目标和主要措施")
    subheading(doc, "（一）发展目标")
    paragraphs(doc, "goals.paragraphs")
    caption(doc, "主要发展目标")
    t = list_table(
        doc,
        [12, 62, 22, 30, 30],
        ["序号", "指标", "单位", "{{ goals.base_year }}年", "{{ goals.target_year }}年目标"],
        "x in goals.targets",
        ["{{ x.no }}", "{{ x.indicator }}", "{{ x.unit }}", "{{ x.current }}", "{{ x.target }}"],
        [CENTER, LEFT, CENTER, CENTER, CENTER],
    )
    keep_rows_together(t)
    para(doc, "", line_pt=14)
    subheading(doc, "（二）主要措施")
    sections(doc, "goals.measures", east=FANG, bold=True)
    templatelock.save(doc, OUT / "09-goals.docx")


def summary_table() -> None:
    doc = new_document(landscape=True, margins_mm=(25, 20, 20, 20), body_font=SONG, body_pt=10.5)
    para(doc, "附件2", HEI, 16, line_pt=28)
    title(doc, "山东省数字产业集群申报信息汇总表", after=6)
    p = para(doc, "填报单位：{{ applicant.name }}（盖章）", SONG, 12, line_pt=22, after_pt=4)
    right_tab(p, 257, dots=False)
    run(p, "\t填报日期：{{ filing_date }}", SONG, 12)
    widths = [9, 15, 36, 16, 36, 19, 15, 12, 12, 17, 17, 14, 14, 25]
    t = table(doc, widths)
    add_row(
        t,
        [
            "序号",
            "所在市",
            "集群名称",
            "主导产业",
            "申报主体",
            "规上企业营业收入（亿元）",
            "主导产业规上企业数",
            "领军企业数",
            "骨干企业数",
            "国家级/省级创新平台",
            "科技奖励和知识产权（项）",
            "研发投入占比",
            "联系人",
            "联系电话",
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
            "{{ cluster.leading_industry }}",
            "{{ applicant.name }}",
            "{{ row.revenue }}",
            "{{ row.leading_firms }}",
            "{{ row.leaders }}",
            "{{ row.backbones }}",
            "{{ row.platforms }}",
            "{{ row.ip }}",
            "{{ row.rd_ratio }}",
            "{{ applicant.contact }}",
            "{{ applicant.phone }}",
        ],
        SONG,
        9,
        aligns=[CENTER, CENTER, LEFT, CENTER, LEFT] + [CENTER] * 9,
    )
    note(
        doc,
        "注：数据年度为{{ cluster.year }}年；规上企业营业收入为集群数字产业相关规上企业年营业收入总额；"
        "领军企业指年营业收入10亿元以上企业，骨干企业指营业收入1亿元以上企业；"
        "科技奖励和知识产权为近三年集群内规上企业获得的科技奖励、专利和软件著作权合计；"
        "研发投入占比为规上企业上年度研发投入总额占销售收入总额比重。",
    )
    templatelock.save(doc, OUT / "10-summary-row.docx")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for make in (
        cover,
        toc,
        commitment,
        applicant,
        cluster,
        positioning,
        scale,
        chain,
        innovation,
        services,
        support,
        goals,
        summary_table,
    ):
        make()
    print(f"templates checked in {OUT}")
