"""Make the proof attachments of the two 数字产业集群 example clusters (all fictional).

Run once after changing an example: ``.venv/bin/python scripts/make_digital_attachments.py``.
Tables are filled from the cluster's own data, so a proof agrees with the figures it proves. Every
file says it is a fictional sample; each is well under 100 KB.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.core import case, units  # noqa: E402
from pipeline.kits import docxkit  # noqa: E402
from pipeline.stages.check import validate  # noqa: E402
from pipeline.stages.convert import OfficeWorker  # noqa: E402
from pipeline.stages.programmes import load_programme  # noqa: E402
from pipeline.stages.read import load_cluster  # noqa: E402

CLUSTERS = ("quanyue-software", "lanwan-ai")
SANS = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SERIF = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
NOTE = "（示例材料，单位、文号和内容均为虚构）"


def font(size: int, serif: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(SERIF if serif else SANS, size, index=2)  # index 2: the SC face


def document(title: str, lines: list[str], table: tuple[list[float], list[list[str]]] | None = None, issuer: str = ""):
    doc = docxkit.new_document(margins_mm=(30, 25, 26, 26))
    docxkit.para(doc, title, docxkit.XBS, 18, align=docxkit.CENTER, line_pt=30, after_pt=10)
    for text in lines:
        docxkit.para(doc, text, docxkit.FANG, 14, indent_chars=2, line_pt=24)
    if table:
        widths, rows = table
        t = docxkit.table(doc, widths)
        docxkit.add_row(t, rows[0], docxkit.HEI, 9, header=True)
        for row in rows[1:]:
            docxkit.add_row(
                t, row, docxkit.SONG, 9, aligns=[docxkit.CENTER, docxkit.LEFT] + [docxkit.RIGHT] * (len(row) - 2)
            )
    if issuer:
        docxkit.para(doc, issuer, docxkit.FANG, 14, align=docxkit.RIGHT, before_pt=18, line_pt=24)
    docxkit.para(doc, NOTE, docxkit.KAI, 11, align=docxkit.CENTER, before_pt=10)
    return doc


def licence_png(path: Path, heading: str, fields: list[tuple[str, str]]) -> None:
    """A certificate (营业执照 / 登记证书) as a photographed page: small, greyscale, PNG."""
    im = Image.new("L", (1100, 780), 250)
    d = ImageDraw.Draw(im)
    d.rectangle((30, 30, 1070, 750), outline=90, width=8)
    d.rectangle((46, 46, 1054, 734), outline=150, width=2)
    d.text((550, 120), heading, font=font(58, serif=True), fill=30, anchor="mm")
    for i, (label, value) in enumerate(fields):
        y = 220 + i * 62
        d.text((110, y), label, font=font(28), fill=40, anchor="lm")
        d.text((380, y), value, font=font(28, serif=True), fill=20, anchor="lm")
    d.ellipse((820, 540, 980, 700), outline=110, width=5)
    d.text((900, 620), "示例印章", font=font(24), fill=110, anchor="mm")
    d.text((550, 712), NOTE, font=font(22), fill=110, anchor="mm")
    im.save(path, "PNG", optimize=True)


def credit_png(path: Path, name: str, code: str) -> None:
    im = Image.new("L", (1200, 560), 246)
    d = ImageDraw.Draw(im)
    d.rectangle((0, 0, 1200, 80), fill=70)
    d.text((40, 40), "“信用中国”信用信息查询结果（截图）", font=font(34), fill=255, anchor="lm")
    for i, (label, value) in enumerate(
        (
            ("主体名称", name),
            ("统一社会信用代码", code),
            ("行政处罚", "无"),
            ("严重失信主体名单", "无"),
            ("经营异常名录", "无"),
        )
    ):
        y = 140 + i * 66
        d.text((60, y), label, font=font(28), fill=60, anchor="lm")
        d.text((420, y), value, font=font(28), fill=20, anchor="lm")
        d.line((40, y + 33, 1160, y + 33), fill=200, width=2)
    d.text((600, 520), NOTE, font=font(24), fill=120, anchor="mm")
    im.save(path, "PNG", optimize=True)


def make(cluster_id: str, office: OfficeWorker, work: Path) -> list[Path]:
    """Every proof the cluster's ``attachments:`` names, made from its data."""
    paths = case.Paths()
    raw = load_cluster(paths.inputs, cluster_id)
    data, _ = validate(raw, load_programme(paths.templates, "digital-apply"))
    att = raw.file.parent / "attachments"
    att.mkdir(exist_ok=True)
    county, year, a = data.cluster.county, data.digital.year, data.applicant
    above = [f for f in data.firms if f.above_scale]
    total = sum((f.revenue for f in above), start=units.Decimal(0))
    rd = sum((f.rd_expense or units.Decimal(0) for f in above), start=units.Decimal(0))
    leaders = [f for f in data.firms if f.role != "其他企业"]
    plats = [p for p in data.innovation.platforms if p.level in ("国家级", "省级")]
    policy = data.support.policies[0] if data.support.policies else None
    docs = {
        "规上企业营业收入统计汇总表.pdf": lambda: document(
            f"{data.cluster.name}{year}年规上企业营业收入统计汇总表",
            [f"经核实，{year}年集群数字产业相关规上企业{len(above)}家，营业收入合计{units.yi(total)}。"],
            (
                [12, 100, 44],
                [["序号", "企业名称", f"{year}年营业收入（万元）"]]
                + [[str(i), f.name, units.wan(f.revenue, unit=False)] for i, f in enumerate(above, start=1)]
                + [["", "合计", units.wan(total, unit=False)]],
            ),
            f"{county}统计局（示例）",
        ),
        "领军骨干企业审计报告摘要.pdf": lambda: document(
            f"领军企业和骨干企业{year}年度审计报告摘要",
            [f"以下{len(leaders)}家企业{year}年度财务报表经会计师事务所审计，营业收入如下。"],
            (
                [12, 96, 22, 26],
                [["序号", "企业名称", "类型", "营业收入（万元）"]]
                + [[str(i), f.name, f.role, units.wan(f.revenue, unit=False)] for i, f in enumerate(leaders, 1)],
            ),
            "示例会计师事务所",
        ),
        "重点企业核心客户和合同清单.pdf": lambda: document(
            "重点企业核心客户和合同清单", ["本清单涉及企业商业秘密，仅报市工业和信息化局，不在申报材料中体现。"]
        ),
        "创新平台认定文件.pdf": lambda: document(
            "创新平台认定文件（汇编）",
            [f"{p.name}：{p.year}年由{p.approved_by}认定（{p.level}），依托单位{p.owner}。" for p in plats],
        ),
        "知识产权汇总清单.pdf": lambda: document(
            "近三年规上企业科技奖励和知识产权汇总清单",
            ["专利、软件著作权以授权（登记）证书为准，明细清单随附电子版。"],
            (
                [24, 34, 34, 34, 30],
                [["年度", "科技奖励（项）", "专利（项）", "软件著作权（项）", "合计（项）"]]
                + [
                    [str(y.year), str(y.awards), str(y.patents), str(y.software_copyrights)]
                    + [str(y.awards + y.patents + y.software_copyrights)]
                    for y in data.innovation.ip
                ],
            ),
        ),
        "研发费用汇总表.pdf": lambda: document(
            f"{year}年规上企业研发费用汇总表",
            [
                f"集群规上企业{year}年研发投入合计{units.yi(rd)}，销售收入合计{units.yi(total)}，"
                f"研发投入占比{units.percent(rd, total, 2)}。数据来源于企业研发费用加计扣除申报表。"
            ],
            issuer=f"{county}科学技术局（示例）",
        ),
        "支持政策文件.pdf": lambda: document(
            policy.title if policy else "支持政策",
            [
                f"{policy.issuer}（{policy.document_number}），{units.cn_date(policy.date)}印发。",
                f"主要内容：{policy.content}。",
            ]
            if policy
            else [],
        ),
        "安全生产和生态环境情况说明.pdf": lambda: document(
            "情况说明",
            [
                f"经查，{data.cluster.name}内企业近三年（{year - 2}—{year}年）未发生特别重大、重大生产安全事故，"
                "未发生特别重大、重大突发环境事件。",
                "特此说明。",
            ],
            issuer=f"{county}应急管理局　生态环境分局（示例）",
        ),
    }
    licence = [
        ("名　　称", a.name),
        ("统一社会信用代码", a.credit_code),
        ("法定代表人", a.legal_representative),
        ("住　　所", a.address),
        ("成立日期", units.cn_date(data.operator.established)),
    ]
    images = {
        "营业执照副本.png": lambda path: licence_png(path, "营 业 执 照", licence),
        "社会团体法人登记证书.png": lambda path: licence_png(path, "社会团体法人登记证书", licence),
        "信用中国查询结果.png": lambda path: credit_png(path, a.name, a.credit_code),
    }
    made: list[Path] = []
    for item in data.attachments:
        out = att / item.file
        if item.file in docs:
            docx = work / f"{cluster_id}-{len(made)}.docx"
            docs[item.file]().save(str(docx))
            office.convert(docx, out)
        else:
            images[item.file](out)
        made.append(out)
    return made


def main() -> None:
    work = Path(tempfile.mkdtemp())
    with OfficeWorker() as office:
        for cluster_id in CLUSTERS:
            for path in make(cluster_id, office, work):
                print(f"  {path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")
                twin = ROOT / "inputs" / f"{cluster_id}-xlsx" / "attachments"  # the example as a workbook: same proofs
                if twin.is_dir():
                    shutil.copyfile(path, twin / path.name)


if __name__ == "__main__":
    main()
