"""Make the example cluster's proof attachments and its signed declaration scan (all fictional).

Run once after changing the example: ``.venv/bin/python scripts/make_example_attachments.py``.
Every file says it is a fictional sample. The committed outputs are small (a few hundred KB).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.core import case  # noqa: E402
from pipeline.kits import docxkit  # noqa: E402
from pipeline.stages.convert import OfficeWorker  # noqa: E402
from pipeline.workflows import packet as packets  # noqa: E402

CLUSTER = "qinglan-agrimachinery"
FOLDER = ROOT / "inputs" / CLUSTER
SANS = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SERIF = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
NOTE = "（示例材料，单位、文号和内容均为虚构）"


def font(size: int, serif: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(SERIF if serif else SANS, size, index=2)  # index 2: the SC face


def text_docx(path: Path, title: str, paragraphs: list[str], pages: int = 1) -> Path:
    doc = docxkit.new_document(margins_mm=(37, 35, 28, 26))
    for page in range(pages):
        docxkit.para(
            doc,
            title if page == 0 else f"{title}（续{page}）",
            docxkit.XBS,
            20,
            align=docxkit.CENTER,
            line_pt=34,
            after_pt=12,
            page_break_before=page > 0,
        )
        for text in paragraphs:
            docxkit.para(doc, text, docxkit.FANG, 16, indent_chars=2, line_pt=28)
        docxkit.para(doc, NOTE, docxkit.KAI, 12, align=docxkit.CENTER, before_pt=12)
    doc.save(str(path))
    return path


def plaque_jpeg(path: Path) -> None:
    """A phone photo of a plaque, stored sideways with EXIF orientation 6 as phones do."""
    im = Image.new("RGB", (1600, 1000), (120, 110, 100))
    d = ImageDraw.Draw(im)
    d.rectangle((120, 120, 1480, 880), fill=(176, 141, 60), outline=(90, 60, 20), width=14)
    d.text((800, 330), "中国智能农机装备特色产业基地", font=font(84, serif=True), fill=(60, 20, 10), anchor="mm")
    d.text((800, 520), "中国农业机械工业协会", font=font(60, serif=True), fill=(60, 20, 10), anchor="mm")
    d.text((800, 640), "二〇二一年十二月", font=font(48, serif=True), fill=(60, 20, 10), anchor="mm")
    d.text((800, 800), NOTE, font=font(36), fill=(60, 20, 10), anchor="mm")
    sideways = im.rotate(90, expand=True)  # pixels as the sensor stored them
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    sideways.save(path, "JPEG", quality=80, exif=exif)


def screenshot_png(path: Path) -> None:
    im = Image.new("RGB", (1400, 900), (245, 247, 250))
    d = ImageDraw.Draw(im)
    d.rectangle((0, 0, 1400, 90), fill=(24, 86, 160))
    d.text((40, 45), "山东省工业互联网平台公示名单（截图）", font=font(40), fill="white", anchor="lm")
    rows = [
        ("序号", "平台名称", "运营单位", "类别"),
        ("12", "青岚农机工业互联网平台", "青岚沃丰智能农机股份有限公司", "行业型"),
    ]
    for r, row in enumerate(rows):
        y = 160 + r * 90
        for x, text in zip((60, 200, 700, 1180), row, strict=True):
            d.text((x, y), text, font=font(34 if r else 36), fill=(20, 20, 20) if r else (24, 86, 160))
    d.line((40, 230, 1360, 230), fill=(180, 180, 180), width=3)
    d.text((700, 820), NOTE, font=font(30), fill=(100, 100, 100), anchor="mm")
    im.save(path, "PNG", optimize=True)


def seal_scan(generated: Path, path: Path) -> None:
    """The printed declaration, signed and sealed, scanned: a raster PDF page."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", "100", "-png", "-f", "1", "-l", "1", str(generated), f"{tmp}/p"], check=True)
        page = Image.open(next(Path(tmp).glob("p*.png"))).convert("RGB")
    d = ImageDraw.Draw(page, "RGBA")
    w, h = page.size
    cx, cy, r = int(w * 0.72), int(h * 0.62), 80
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(220, 30, 30, 200), width=6)
    d.text((cx, cy - 12), "★", font=font(44), fill=(220, 30, 30, 200), anchor="mm")
    d.text((cx, cy + 40), "示例印章", font=font(22), fill=(220, 30, 30, 200), anchor="mm")
    d.text((int(w * 0.80), int(h * 0.685)), "周明远", font=font(30, serif=True), fill=(30, 30, 90, 255), anchor="mm")
    page = page.rotate(-0.6, fillcolor="white")  # scans are never quite straight
    page.save(path, "PDF", resolution=100.0, quality=70)


def main() -> None:
    att = FOLDER / "attachments"
    att.mkdir(exist_ok=True)
    (FOLDER / "signed").mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp())
    with OfficeWorker() as office:
        office.convert(
            text_docx(
                work / "a.docx",
                "关于认定“沃丰”商标为驰名商标的批复",
                [
                    "青岚沃丰智能农机股份有限公司：",
                    "经审查，你公司使用在第7类植保机械商品上的“沃丰”注册商标为驰名商标。",
                ],
            ),
            att / "沃丰驰名商标认定批复.pdf",
        )
        office.convert(
            text_docx(
                work / "b.docx",
                "青岚县智能农机装备产业统计监测月报（摘要）",
                [
                    "2023年12月，集群71户规模以上企业实现营业收入17.42亿元，同比增长10.1%。",
                    "全年累计实现营业收入186.45亿元，其中主导产业148.72亿元。",
                ],
                pages=3,
            ),
            att / "统计监测月报摘要.pdf",
        )
        office.convert(
            text_docx(work / "c.docx", "重点企业核心工艺参数表", ["本表涉及企业商业秘密，仅报市工业和信息化局。"]),
            att / "核心工艺参数表.pdf",
        )
    text_docx(
        att / "数据中心建设情况说明.docx",
        "青岚县智能农机集群数据中心建设情况说明",
        ["集群数据中心总算力2.6 PFLOPS，存储能力3.2 PB，为186家企业提供上云、仿真和数据分析服务。"],
    )
    plaque_jpeg(att / "产业基地牌匾.jpg")
    screenshot_png(att / "工业互联网平台公示截图.png")
    # The signed scan is made from the declaration as the tool generates it (without a scan in place).
    signed = FOLDER / "signed" / "declaration.pdf"
    signed.unlink(missing_ok=True)
    result = packets.bundle(CLUSTER, case.Paths(outputs=work / "out"))
    seal_scan(result.folder / "08-真实性声明.pdf", signed)
    print("written:", *sorted(p.relative_to(ROOT).as_posix() for p in [*att.iterdir(), signed]), sep="\n  ")


if __name__ == "__main__":
    main()
