"""The 推荐文件 of every example city measured on its PDF against GB/T 9704-2012 (信函格式, §10.1 and §7).

Positions and sizes of text come from the PDF (pdfplumber: each character's baseline, size, font); the
标志 and the red double lines from their ink (pdftoppm at 600 dpi). Tolerances: ±0.5 mm, ±0.3 pt.
The same build also serves the table test (tests/stages/test_tables.py reads ``example_cities``).
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pdfplumber
import pytest
from PIL import Image

from pipeline.kits import fonts

MM = 25.4 / 72  # mm per pt
PAGE_W, PAGE_H = 210.0, 297.0
TOP, BOTTOM, LEFT, RIGHT = 37.0, 35.0, 28.0, 26.0  # 版心 margins (§5.2.1)
AREA_BOTTOM = PAGE_H - BOTTOM
AREA_RIGHT = PAGE_W - RIGHT
AREA_CENTRE = LEFT + (AREA_RIGHT - LEFT) / 2
PITCH = 225.0 / 22  # 22 lines in the 225 mm type area
CHAR3 = 16 * MM  # one 3号 character, 5.64 mm
CHAR4 = 14 * MM
MM_TOL, PT_TOL = 0.5, 0.3
CITIES = ("370100", "370200", "370300", "370700")


def _ink(pdf: Path, page: int, dpi: int = 600) -> np.ndarray:
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", str(pdf), f"{d}/p"], check=True
        )
        png = next(Path(d).glob("*.png"))
        return np.asarray(Image.open(png).convert("RGB")).astype(int)


def _bands(mask: np.ndarray) -> list[tuple[int, int]]:
    out, start = [], None
    for i, on in enumerate(mask):
        if on and start is None:
            start = i
        if not on and start is not None:
            out.append((start, i))
            start = None
    if start is not None:
        out.append((start, len(mask)))
    return out


class Letter:
    """One rendered letter, read as a reviewer measures it."""

    def __init__(self, pdf: Path) -> None:
        self.pdf = pdf
        self.lines: list[list[dict]] = []  # per page: lines of text, top to bottom
        with pdfplumber.open(pdf) as doc:
            for page in doc.pages:
                rows: dict[float, list] = {}
                for c in page.chars:
                    rows.setdefault(round(c["matrix"][5], 1), []).append(c)
                lines = []
                for y in sorted(rows, reverse=True):
                    chars = sorted(rows[y], key=lambda c: c["x0"])
                    lines.append(
                        {
                            "text": "".join(c["text"] for c in chars).replace(" ", ""),
                            "base": PAGE_H - y * MM,
                            "x0": chars[0]["x0"] * MM,
                            "x1": chars[-1]["x1"] * MM,
                            "sizes": {round(c["size"], 2) for c in chars},
                            "fonts": {c["fontname"].split("+")[-1] for c in chars},
                            "chars": chars,
                        }
                    )
                self.lines.append(lines)
        px = 25.4 / 600
        red = _ink(pdf, 1)
        mask = (red[..., 0] > 150) & (red[..., 1] < 110) & (red[..., 2] < 110)
        rows = _bands(mask.sum(axis=1) * px > 150)  # a red line runs over most of the page
        self.rules = []
        for s, e in rows:
            cols = np.where(mask[s:e].any(axis=0))[0]
            self.rules.append({"top": s * px, "bottom": e * px, "x0": cols[0] * px, "x1": (cols[-1] + 1) * px})
        above = np.where(mask[: rows[0][0]].any(axis=1))[0]
        cols = np.where(mask[: rows[0][0]].any(axis=0))[0]
        self.issuer = {
            "top": above[0] * px,
            "bottom": (above[-1] + 1) * px,
            "x0": cols[0] * px,
            "x1": (cols[-1] + 1) * px,
        }

    def find(self, start: str, page: int | None = None) -> tuple[int, dict]:
        for i, lines in enumerate(self.lines):
            for line in lines:
                if line["text"].startswith(start) and (page is None or page == i):
                    return i, line
        raise AssertionError(f"{start!r} not in {self.pdf}")

    def page_number(self, page: int) -> dict | None:
        for line in self.lines[page]:
            if line["text"].startswith("—") and line["text"].endswith("—") and line["base"] > AREA_BOTTOM:
                return line
        return None


@pytest.fixture(scope="module")
def letters(example_cities) -> dict[str, Letter]:
    return {code: Letter(result.folder / "推荐文件.pdf") for code, result in example_cities.items()}


def near(got: float, want: float, tol: float = MM_TOL) -> bool:
    return abs(got - want) <= tol


@pytest.mark.parametrize("city", CITIES)
def test_issuer_30mm_from_the_top(letters, city) -> None:
    # §10.1: "发文机关标志居中排布，上边缘至上页边为30mm，推荐使用红色小标宋体字。"
    mark = letters[city].issuer
    assert near(mark["top"], 30.0), mark
    assert near((mark["x0"] + mark["x1"]) / 2, AREA_CENTRE, 1.0), mark  # centred (glyph side bearings: 1 mm)


@pytest.mark.parametrize("city", CITIES)
def test_upper_double_line_4mm_below_issuer_thick_over_thin(letters, city) -> None:
    # §10.1: "发文机关标志下4mm处印一条红色双线（上粗下细）"
    L = letters[city]
    thick, thin = L.rules[0], L.rules[1]
    assert near(thick["top"] - L.issuer["bottom"], 4.0), (L.issuer, thick)
    assert thick["bottom"] - thick["top"] > 2 * (thin["bottom"] - thin["top"])  # 上粗下细
    assert thin["top"] - thick["bottom"] < 1.0  # one double line


@pytest.mark.parametrize("city", CITIES)
def test_lower_double_line_20mm_from_the_foot_thin_over_thick(letters, city) -> None:
    # §10.1: "距下页边20mm处印一条红色双线（上细下粗）"
    thin, thick = letters[city].rules[2], letters[city].rules[3]
    assert near(PAGE_H - thick["bottom"], 20.0), thick
    assert thick["bottom"] - thick["top"] > 2 * (thin["bottom"] - thin["top"])  # 上细下粗
    assert len(letters[city].rules) == 4


@pytest.mark.parametrize("city", CITIES)
def test_double_lines_170mm_centred(letters, city) -> None:
    # §10.1: "线长均为170mm，居中排布。"
    for rule in letters[city].rules:
        assert near(rule["x1"] - rule["x0"], 170.0), rule
        assert near((rule["x0"] + rule["x1"]) / 2, AREA_CENTRE), rule


@pytest.mark.parametrize("city", CITIES)
def test_number_at_the_right_7_8_of_a_character_under_the_line(letters, city) -> None:
    # §10.1: "发文字号顶格居版心右边缘编排在第一条红色双线下，与该线的距离为3号汉字高度的7/8。"
    L = letters[city]
    page, number = next(
        (0, line) for line in L.lines[0] if "〔" in line["text"] and line["text"].endswith("号") and line["base"] < 80
    )
    em_top = number["base"] - 0.88 * CHAR3  # the ideographic em box: 0.88 em above the baseline
    assert near(em_top - L.rules[1]["bottom"], 7 / 8 * CHAR3), (number["base"], L.rules[1])
    assert near(number["x1"], AREA_RIGHT), number
    assert number["sizes"] == {16.0}


@pytest.mark.parametrize("city", CITIES)
def test_title_two_lines_below_the_number_centred_22pt(letters, city) -> None:
    # §10.1: "标题居中编排，与其上最后一个要素相距二行。" §7.3.1: "一般用2号小标宋体字"
    L = letters[city]
    number = next(line for line in L.lines[0] if "〔" in line["text"] and line["base"] < 80)
    title = [line for line in L.lines[0] if line["sizes"] == {22.0}]
    assert title, "no 2号 title"
    assert near(title[0]["base"] - number["base"], 2 * PITCH), (title[0]["base"], number["base"])
    for line in title:
        assert near((line["x0"] + line["x1"]) / 2, AREA_CENTRE, 1.0), line["text"]
    # §7.3.2: "主送机关：编排于标题下空一行位置，居左顶格"
    _, to = L.find("山东省工业和信息化厅：", 0)
    assert near(to["x0"], LEFT) and near(to["base"] - title[-1]["base"], 2 * PITCH, 1.0)


@pytest.mark.parametrize("city", CITIES)
def test_body_on_the_22_by_28_grid_not_stretched(letters, city) -> None:
    # §5.2.2: "一般每面排22行，每行排28个字，并撑满版心。" §7.3.3: "每个自然段左空二字，回行顶格。"
    L = letters[city]
    page, first = L.find("根据", 0)
    assert first["sizes"] == {16.0} and near(first["x0"], LEFT + 2 * CHAR3)
    body = [ln for lines in L.lines for ln in lines if ln["sizes"] == {16.0} and TOP < ln["base"] < AREA_BOTTOM]
    for line in body:
        assert LEFT - MM_TOL <= line["x0"] and line["x1"] <= AREA_RIGHT + MM_TOL, line["text"]
        # not letter-spaced: between two CJK characters no more than 0.3 pt is added
        cjk = [c for c in line["chars"] if ord(c["text"]) >= 0x2E80]
        gaps = [(b["x0"] - a["x1"]) for a, b in zip(cjk, cjk[1:], strict=False) if b["x0"] - a["x1"] < 8]
        assert not gaps or max(gaps) <= 0.3, (line["text"], max(gaps))
    full = [ln for ln in body if near(ln["x1"], AREA_RIGHT) and near(ln["x0"], LEFT)]
    assert full and all(27 <= len(ln["text"]) - sum(ch.isascii() for ch in ln["text"]) / 2 <= 28.5 for ln in full)
    # consecutive lines of page 2 (the grid from the type area's top) are one pitch apart
    later = [ln["base"] for ln in (L.lines[1] if len(L.lines) > 1 else []) if ln["sizes"] == {16.0}]
    for a, b in zip(later, later[1:], strict=False):
        assert near((b - a) / round((b - a) / PITCH), PITCH), (a, b)


@pytest.mark.parametrize("city", CITIES)
def test_page_numbers_4hao_songti_dash_7mm_below_the_type_area(letters, city) -> None:
    # §7.5.2: "一般用4号半角宋体阿拉伯数字，编排在公文版心下边缘之下，数字左右各放一条一字线；
    # 一字线上距版心下边缘7mm。单页码居右空一字，双页码居左空一字。" §10.1: "首页不显示页码。"
    L = letters[city]
    assert L.page_number(0) is None
    assert len(L.lines) >= 2, "the examples' letters run to two pages"
    for page in range(1, len(L.lines)):
        number = L.page_number(page)
        assert number is not None, page
        assert number["sizes"] == {14.0}
        digits = [c for c in number["chars"] if c["text"].isdigit()]
        assert digits and all("NotoSerifCJK" in c["fontname"] or "Song" in c["fontname"] for c in digits), [
            c["fontname"] for c in digits
        ]
        if (page + 1) % 2:
            assert near(number["x1"], AREA_RIGHT - CHAR4), number  # odd: right, one character in
        else:
            assert near(number["x0"], LEFT + CHAR4), number  # even: left, one character in
        ink = _ink(L.pdf, page + 1)
        px = 25.4 / 600
        dash = number["chars"][0]
        x0, x1 = int(dash["x0"] * MM / px), int(dash["x1"] * MM / px)
        y0, y1 = int((AREA_BOTTOM + 2) / px), int((AREA_BOTTOM + 14) / px)
        dark = np.where((ink[y0:y1, x0:x1].sum(axis=2) < 300).any(axis=1))[0]
        assert near(y0 * px + dark[0] * px - AREA_BOTTOM, 7.0), (page, y0 * px + dark[0] * px)


@pytest.mark.parametrize("city", CITIES)
def test_signature_and_date_stay_with_the_text_and_page_1_is_filled(letters, city) -> None:
    # §7.3.5.1: "成文日期一般右空四字编排 … 以成文日期为准居中编排发文机关署名 … 印章顶端应当上距正文
    # （或附件说明）一行之内。" The seal needs the two lines above the signature; nothing else is kept
    # together, so page 1 is not left with 4–6 empty lines.
    L = letters[city]
    date_page, date = next(
        (i, ln) for i, lines in enumerate(L.lines) for ln in lines if ln["text"].endswith("日") and ln["x1"] < 170
    )
    sig = [ln for ln in L.lines[date_page] if ln["base"] < date["base"]][-1]
    assert near(date["x1"], AREA_RIGHT - 4 * CHAR3), date
    assert near((sig["x0"] + sig["x1"]) / 2, (date["x0"] + date["x1"]) / 2, 1.0), (sig, date)
    above = [ln for ln in L.lines[date_page] if ln["base"] < sig["base"] and TOP < ln["base"]]
    assert above, "the signature is alone on its page"
    assert near(sig["base"] - above[-1]["base"], 3 * PITCH, 1.0), "text, two lines for the seal, the signature"
    if date_page > 0:
        # lines page 1 could still hold: its last line's baseline sits where page 2's first sits in its line
        last = [ln for ln in L.lines[0] if ln["sizes"] == {16.0} and ln["base"] < AREA_BOTTOM][-1]
        lowest = AREA_BOTTOM - PITCH + (L.lines[1][0]["base"] - TOP)
        empty = int((lowest - last["base"]) / PITCH + 0.05)
        # The smallest block the seal allows is 5 lines (a text line, two for the seal, signature, date):
        # when it does not fit, at most 3 lines stay empty; 4–6 means more was kept together.
        assert empty <= 3, f"page 1 leaves {empty} lines empty"


@pytest.mark.parametrize("city", CITIES)
def test_attachments_and_cc(letters, city) -> None:
    # §7.3.4: "在正文下空一行左空二字编排'附件'二字，后标全角冒号和附件名称。"
    # §10.1: "版记不加印发机关和印发日期、分隔线，位于公文最后一面版心内最下方。"
    L = letters[city]
    page, attach = L.find("附件：1.")
    assert near(attach["x0"], LEFT + 2 * CHAR3) and not attach["text"].endswith(("。", "；", "，"))
    # "附件名称较长需回行时，应当与上一行附件名称的首字对齐"; 2. under 1.
    name_x0 = next(c["x0"] for c in attach["chars"][5:] if ord(c["text"]) >= 0x2E80) * MM
    number_x0 = next(c["x0"] for c in attach["chars"] if c["text"] == "1") * MM
    after = [ln for lines in L.lines for ln in lines if ln["sizes"] == {16.0}]
    k = next(i for i, ln in enumerate(after) if ln["text"].startswith("附件：1."))
    for line in after[k + 1 :]:
        if line["x0"] > AREA_CENTRE:  # the signature: the 附件说明 has ended
            break
        if line["text"][:1].isdigit():
            assert near(line["x0"], number_x0), line["text"]
        else:
            assert near(line["x0"], name_x0), line["text"]
    page, cc = L.find("抄送：")
    assert page == len(L.lines) - 1
    assert cc["sizes"] == {14.0} and near(cc["x0"], LEFT + CHAR4)
    assert AREA_BOTTOM - PITCH < cc["base"] < AREA_BOTTOM


@pytest.mark.parametrize("city", CITIES)
def test_faces_of_the_roles(letters, city) -> None:
    # §7.3.1 title 小标宋, §5.2.1 正文 3号仿宋: the faces the manifest names for those roles draw them.

    L = letters[city]
    fang = fonts.resolve("仿宋_GB2312").file
    ps = _postscript_name(fang)
    _, first = L.find("根据", 0)
    cjk = {c["fontname"].split("+")[-1] for c in first["chars"] if ord(c["text"]) >= 0x2E80}
    assert cjk == {ps}, (cjk, ps)


def _postscript_name(path: str) -> str:
    from fontTools.ttLib import TTFont

    with TTFont(path, fontNumber=0, lazy=True) as font:
        return str(font["name"].getDebugName(6))
