"""Make the evaluation example's proof attachments (all fictional): ``inputs/yuyang-textile-eval/attachments/``.

Run once after changing the example: ``.venv/bin/python scripts/make_eval_attachments.py``.
Every file says it is a fictional sample; each is a few tens of KB.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.core import repro  # noqa: E402
from pipeline.kits import docxkit  # noqa: E402
from pipeline.stages.convert import OfficeWorker  # noqa: E402

FOLDER = ROOT / "inputs" / "yuyang-textile-eval" / "attachments"
SANS = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
NOTE = "（示例材料，单位、文号、数据和内容均为虚构）"


def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(SANS, size, index=2)  # index 2: the SC face


def table_docx(
    path: Path,
    title: str,
    lead: str,
    head: list[str],
    rows: list[list[str]],
    issuer: str,
    widths: tuple[float, ...] = (12, 64, 44, 36),
) -> Path:
    """A one-page official-looking table: title, a line of context, the table, the issuer and date."""
    doc = docxkit.new_document(margins_mm=(30, 28, 28, 26), body_font=docxkit.SONG, body_pt=10.5)
    docxkit.para(doc, title, docxkit.XBS, 18, align=docxkit.CENTER, line_pt=30, after_pt=8)
    docxkit.para(doc, lead, docxkit.SONG, 11, line_pt=20, after_pt=6)
    t = docxkit.table(doc, list(widths))
    docxkit.add_row(t, head, docxkit.HEI, 10.5, header=True)
    for r in rows:
        docxkit.row_height(docxkit.add_row(t, r, docxkit.SONG, 10.5), 8)
    docxkit.para(doc, issuer, docxkit.SONG, 12, align=docxkit.RIGHT, line_pt=24, before_pt=24)
    docxkit.para(doc, "2022年6月", docxkit.SONG, 12, align=docxkit.RIGHT, line_pt=24)
    docxkit.para(doc, NOTE, docxkit.KAI, 11, align=docxkit.CENTER, before_pt=18)
    doc.save(str(path))
    return path


def text_docx(path: Path, title: str, paragraphs: list[str], issuer: str) -> Path:
    doc = docxkit.new_document(margins_mm=(37, 35, 28, 26))
    docxkit.para(doc, title, docxkit.XBS, 20, align=docxkit.CENTER, line_pt=34, after_pt=12)
    for text in paragraphs:
        docxkit.para(doc, text, docxkit.FANG, 16, indent_chars=2, line_pt=28)
    docxkit.para(doc, issuer, docxkit.FANG, 16, align=docxkit.RIGHT, before_pt=24)
    docxkit.para(doc, "2022年6月8日", docxkit.FANG, 16, align=docxkit.RIGHT)
    docxkit.para(doc, NOTE, docxkit.KAI, 12, align=docxkit.CENTER, before_pt=12)
    doc.save(str(path))
    return path


def platform_png(path: Path) -> None:
    """A screenshot of the industrial internet platform's dashboard."""
    im = Image.new("RGB", (1400, 860), (243, 246, 250))
    d = ImageDraw.Draw(im)
    d.rectangle((0, 0, 1400, 88), fill=(21, 101, 122))
    d.text((40, 44), "峪阳纺织行业工业互联网平台 · 运行总览", font=font(38), fill="white", anchor="lm")
    tiles = [("接入设备", "8612 台套"), ("服务企业", "216 家"), ("在线订单", "1349 单"), ("产能共享", "37 次/月")]
    for k, (label, value) in enumerate(tiles):
        x = 40 + k * 335
        d.rounded_rectangle((x, 130, x + 305, 300), radius=14, fill="white", outline=(200, 210, 220), width=2)
        d.text((x + 24, 170), label, font=font(30), fill=(90, 100, 110))
        d.text((x + 24, 225), value, font=font(44), fill=(21, 101, 122))
    d.text((40, 350), "近12个月接入设备数（台套）", font=font(30), fill=(40, 40, 40))
    heights = [52, 58, 61, 66, 70, 73, 77, 80, 83, 84, 85, 86]
    for k, h in enumerate(heights):
        x = 60 + k * 105
        d.rectangle((x, 720 - h * 3.6, x + 60, 720), fill=(64, 156, 180))
        d.text((x + 30, 745), f"{k + 1}月", font=font(24), fill=(90, 100, 110), anchor="mm")
    d.text((700, 815), NOTE, font=font(28), fill=(110, 110, 110), anchor="mm")
    im = im.quantize(colors=64)
    im.save(path, "PNG", optimize=True)


def main() -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp())
    docs = {
        "主要经济指标统计表.pdf": table_docx(
            work / "a.docx",
            "峪阳县功能纺织产业集群2021年度主要经济指标统计表",
            "统计范围：峪阳经济开发区纺织产业园及配套片区；统计时点：2021年12月31日。",
            ["序号", "指标", "2020年", "2021年"],
            [
                ["1", "各类市场主体（户）", "1186", "1342"],
                ["2", "规模以上工业企业（家）", "118", "131"],
                ["3", "营业收入（亿元）", "312.46", "356.82"],
                ["4", "利润总额（亿元）", "17.85", "21.37"],
                ["5", "工业增加值（亿元）", "71.30", "82.15"],
                ["6", "从业人员（人）", "41200", "43650"],
            ],
            "峪阳县统计局（示例）",
            (12, 64, 40, 40),
        ),
        "纳税情况说明.pdf": text_docx(
            work / "b.docx",
            "关于峪阳县功能纺织产业集群企业2021年度纳税情况的说明",
            [
                "经核查，2021年峪阳县功能纺织产业集群企业共缴纳各项税收11.08亿元，较2020年的9.62亿元增长15.2%。",
                "其中规模以上工业企业缴纳税收9.74亿元，占集群税收总额的87.9%。",
            ],
            "国家税务总局峪阳县税务局（示例）",
        ),
        "专精特新瞪羚企业名单.pdf": table_docx(
            work / "c.docx",
            "峪阳县功能纺织产业集群专精特新、瞪羚、单项冠军企业名单（摘录）",
            "截至2021年12月31日，集群有专精特新企业19家、瞪羚企业5家、单项冠军企业2家（以下为摘录）。",
            ["序号", "企业名称", "称号", "认定年份"],
            [
                ["1", "山东峪阳纺织集团有限公司", "制造业单项冠军企业", "2021"],
                ["2", "峪阳华纶功能面料股份有限公司", "瞪羚企业", "2020"],
                ["3", "峪阳锦程家纺有限公司", "专精特新中小企业", "2021"],
                ["4", "峪阳数码印花装备科技有限公司", "专精特新中小企业", "2021"],
            ],
            "峪阳县工业和信息化局（示例）",
        ),
        "研发中心名单.pdf": table_docx(
            work / "d.docx",
            "峪阳县功能纺织产业集群省级技术研发中心名单（摘录）",
            "截至2021年12月31日，集群有国家级技术研发中心1个、省级技术研发中心11个（以下为摘录）。",
            ["序号", "研发中心名称", "依托单位", "级别"],
            [
                ["1", "功能纤维工程技术研究中心", "山东峪阳纺织集团有限公司", "国家级"],
                ["2", "功能面料企业技术中心", "峪阳华纶功能面料股份有限公司", "省级"],
                ["3", "家纺设计“一企一技术”研发中心", "峪阳锦程家纺有限公司", "省级"],
            ],
            "峪阳县工业和信息化局（示例）",
        ),
        "典型项目实施情况汇总.pdf": table_docx(
            work / "e.docx",
            "峪阳县功能纺织产业集群重点领域典型项目实施情况汇总",
            "五个重点领域各一个典型项目，实施情况截至2021年12月31日。",
            ["序号", "重点领域", "典型项目", "承担单位"],
            [
                ["1", "产业链协作配套", "功能纤维—面料—家纺一体化协同配套项目", "山东峪阳纺织集团有限公司"],
                ["2", "产业转型升级", "年产3000万米功能面料智能化改造项目", "峪阳华纶功能面料股份有限公司"],
                ["3", "创新能力建设", "功能纺织材料协同创新中心建设项目", "峪阳纺织产业技术研究院有限公司"],
                ["4", "提升非营利性服务机构水平", "纺织行业公共服务能力提升项目", "峪阳县纺织行业协会"],
                ["5", "产业集群品牌建设", "“峪阳功能纺织”区域品牌培育推广项目", "峪阳锦程家纺有限公司"],
            ],
            "峪阳经济开发区管理委员会（示例）",
            (12, 34, 62, 48),
        ),
    }
    with OfficeWorker() as office:
        for name, docx in docs.items():
            office.convert(docx, FOLDER / name)
            repro.fix_pdf(FOLDER / name)  # fixed dates and id: the same bytes on every run
    platform_png(FOLDER / "工业互联网平台截图.png")
    for p in sorted(FOLDER.iterdir()):
        print(f"  {p.relative_to(ROOT).as_posix()}  {p.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
