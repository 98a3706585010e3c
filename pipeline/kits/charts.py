"""Charts drawn with matplotlib in the 黑体 face of the font map: SVG (vector) and a PNG for old Word.

The text is drawn as the face's own outlines (``svg.fonttype = path``), so a chart looks the same in
Word, WPS and the PDF whatever fonts the reader's machine has; every character is checked against the
face first (``E-CHART-GLYPH``), so no glyph can be missing. Numbers come from the chart's data
(the models), never from display text."""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from pipeline.core.yearly import ChartData
from pipeline.errors import TemplateProblem
from pipeline.kits import fonts


@cache
def _mpl() -> Any:
    """matplotlib, imported when a chart is first drawn (0.5 s a process that draws none: every CLI call)."""
    import matplotlib

    matplotlib.use("svg")  # no display; the SVG backend also draws the PNG through Agg below
    from matplotlib import font_manager, ft2font
    from matplotlib import pyplot as plt

    return font_manager, plt, ft2font.FT2Font


FACE = "黑体"  # the role that draws a chart's text
COLOURS = ("#1F4E79", "#C55A11", "#548235", "#7F6000")  # dark enough to read in black and white
WIDTH_MM, HEIGHT_MM = 150.0, 72.0
_LOCK = threading.Lock()  # pyplot's state is global


@dataclass(frozen=True)
class Drawn:
    """A chart as SVG (vector) and PNG (fallback), and its size on the page."""

    svg: bytes
    png: bytes
    width_mm: float = WIDTH_MM
    height_mm: float = HEIGHT_MM


@cache
def _family(file: str, index: int) -> str:
    """The face's family name as matplotlib knows it, registered once per process."""
    font_manager, _plt, FT2Font = _mpl()
    font_manager.fontManager.addfont(file)
    for entry in font_manager.fontManager.ttflist:
        if entry.fname == file and getattr(entry, "index", 0) == index:
            return str(entry.name)
    return str(FT2Font(file, face_index=index).family_name)


@cache
def _charmap(file: str, index: int) -> frozenset[int]:
    return frozenset(_mpl()[2](file, face_index=index).get_charmap())


def missing_glyphs(texts: list[str]) -> list[str]:
    """The characters of ``texts`` the chart face cannot draw."""
    face = fonts.resolve(FACE)
    have = _charmap(face.file, face.index)
    return sorted({ch for t in texts for ch in t if not ch.isspace() and ord(ch) not in have})


def _numbers(values: tuple[Decimal | None, ...]) -> list[float]:
    return [float(v) if v is not None else float("nan") for v in values]


def _plot(ax, data: ChartData) -> None:
    n = len(data.series)
    width = 0.8 / n
    xs = range(len(data.categories))
    for k, (label, values) in enumerate(data.series):
        ys = _numbers(values)
        colour = COLOURS[k % len(COLOURS)]
        if data.kind == "line":
            ax.plot(list(xs), ys, marker="o", color=colour, label=label)
            continue
        pos = [x - 0.4 + width * (k + 0.5) for x in xs]
        bars = ax.bar(pos, ys, width * 0.92, color=colour, label=label)
        ax.bar_label(bars, labels=[_label(v) for v in values], fontsize=7, padding=1)
    ax.set_xticks(list(xs), list(data.categories))
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", linewidth=0.4, color="#BBBBBB")
    ax.set_axisbelow(True)
    ax.legend(fontsize=8, frameon=False, loc="upper left", ncols=min(n, 3))


def _label(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value:.2f}" if value != value.to_integral_value() else f"{int(value)}"


def draw(data: ChartData) -> Drawn:
    """The chart as SVG and PNG; refused when its text holds a character the face lacks."""
    lacking = missing_glyphs(data.texts())
    if lacking:
        raise TemplateProblem(
            f"图表“{data.title}”含字体 {fonts.resolve(FACE).family} 没有的字符：{''.join(lacking)} (chart text the face cannot draw)",
            code="E-CHART-GLYPH",
        )
    face = fonts.resolve(FACE)
    plt = _mpl()[1]
    with (
        _LOCK,
        plt.rc_context(
            {
                "font.family": _family(face.file, face.index),
                "svg.fonttype": "path",
                "svg.hashsalt": data.id,
                "font.size": 9,
            }
        ),
    ):
        fig, ax = plt.subplots(figsize=(WIDTH_MM / 25.4, HEIGHT_MM / 25.4))
        try:
            _plot(ax, data)
            top = max((v for _, vs in data.series for v in vs if v is not None), default=Decimal(1))
            ax.set_ylim(0, float(top) * 1.18 or 1)
            fig.tight_layout(pad=0.4)
            svg, png = io.BytesIO(), io.BytesIO()
            fig.savefig(svg, format="svg", metadata={"Date": None})
            fig.savefig(png, format="png", dpi=200, metadata={"Software": None})
        finally:
            plt.close(fig)
    return Drawn(svg.getvalue(), png.getvalue())


SVG_EXT = "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"  # Word 2016's extension: an SVG beside the PNG
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_ASVG = "http://schemas.microsoft.com/office/drawing/2016/SVG/main"


def _svg_part(document, svg: bytes, name: str) -> str:
    """Add ``svg`` as an image part of ``document``; its relationship id."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    part = document.part
    svg_part = Part(PackURI(f"/word/media/{name}.svg"), "image/svg+xml", svg, part.package)
    return str(part.relate_to(svg_part, RELATIONSHIP_TYPE.IMAGE))


def add_chart(paragraph, document, data: ChartData) -> None:
    """Draw ``data`` into ``paragraph`` (its runs replaced): the PNG, and the SVG beside it for Word 2016 and LibreOffice."""
    from docx.oxml import parse_xml
    from docx.shared import Mm

    drawn = draw(data)
    for r in list(paragraph.runs):
        r._r.getparent().remove(r._r)
    paragraph.add_run().add_picture(io.BytesIO(drawn.png), width=Mm(drawn.width_mm))
    rid = _svg_part(document, drawn.svg, f"chart-{data.id}")
    blip = paragraph._p.xpath(".//a:blip")[-1]
    blip.append(
        parse_xml(
            f'<a:extLst xmlns:a="{_A}"><a:ext uri="{SVG_EXT}"><asvg:svgBlip xmlns:asvg="{_ASVG}" '
            f'xmlns:r="{_R}" r:embed="{rid}"/></a:ext></a:extLst>'
        )
    )


def place(document, charts: dict[str, ChartData]) -> int:
    """Draw each chart where a paragraph holds only its mark; return how many were placed."""
    marks = {str(c): c for c in charts.values() if isinstance(c, ChartData)}
    placed = 0
    for p in document.paragraphs:
        data = marks.get(p.text.strip())
        if data is not None:
            add_chart(p, document, data)
            placed += 1
    return placed


def for_pdf(docx_bytes: bytes) -> bytes | None:
    """The document with each chart's SVG as its picture (LibreOffice then keeps it vector); None if it has none.

    LibreOffice 7.4 reads only a picture's main image, the PNG; the .docx a user gets keeps Word's form."""
    import zipfile

    from lxml import etree

    src = zipfile.ZipFile(io.BytesIO(docx_bytes))
    xml = etree.fromstring(src.read("word/document.xml"))
    ns = {"a": _A, "asvg": _ASVG}
    swapped = 0
    for blip in xml.iterfind(".//a:blip", ns):
        svg = blip.find(".//asvg:svgBlip", ns)
        if svg is not None:
            blip.set(f"{{{_R}}}embed", svg.get(f"{{{_R}}}embed") or "")
            blip.remove(blip.find("a:extLst", ns))
            swapped += 1
    if not swapped:
        return None
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = etree.tostring(xml, xml_declaration=True, encoding="UTF-8", standalone=True)
            dst.writestr(info, data if info.filename == "word/document.xml" else src.read(info.filename))
    return out.getvalue()
