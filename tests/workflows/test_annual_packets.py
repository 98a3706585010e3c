"""The 工作总结, the 复核 and the city's yearly report, built once with the real LibreOffice (issue 18).

One session fixture builds the three (the summaries of both 潍坊 clusters, the 复核, the city's report)
in one project copy; every test reads them as a reviewer would: the PDF's text, its pictures, its
bookmarks, the Word file's charts."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pytest
from conftest import EXAMPLE, ROOT, bookmarks, normalise, paths_of
from pypdf import PdfReader

from pipeline.core import case
from pipeline.stages import cache
from pipeline.stages import check as checking
from pipeline.workflows import city as city_packet
from pipeline.workflows import packet as packets

pytestmark = pytest.mark.office

SECOND = "lanhe-foodmachinery"
ON = dt.date(2026, 2, 20)  # the report's date: the summaries are written, the 复核 is in its year


@dataclass
class Built:
    root: Path
    summary: case.BuildResult
    review: case.BuildResult
    city: city_packet.CityResult


@pytest.fixture(scope="session")
def annual(tmp_path_factory: pytest.TempPathFactory) -> Built:
    base = tmp_path_factory.mktemp("annual")
    shutil.copytree(ROOT / "templates", base / "templates")
    for name in (EXAMPLE, SECOND, "cities"):
        shutil.copytree(ROOT / "inputs" / name, base / "inputs" / name)
    paths = paths_of(base)
    office = cache.converter(paths)
    try:
        summary = packets.bundle(EXAMPLE, paths, "tese-annual", year=2025, today=ON, office=office)
        review = packets.bundle(EXAMPLE, paths, "tese-review", year=2025, today=ON, office=office)
    finally:
        office.close()
    city = city_packet.city_bundle("370700", paths, "tese-annual", today=ON)
    return Built(base, summary, review, city)


def _text(pdf: Path) -> str:
    return normalise("".join(p.extract_text() for p in PdfReader(str(pdf)).pages))


def test_the_summary_shows_each_themes_figures_and_their_change_on_last_year(annual: Built) -> None:
    assert annual.summary.folder == annual.root / "outputs" / "tese-annual" / EXAMPLE / "2025"
    text = _text(annual.summary.pdf)
    c = checking.check(EXAMPLE, paths_of(annual.root), "tese-annual", ON, year=2025)
    themes = c.programme.data_schema.context(c.data, c.programme)["themes"]
    assert len(themes) == 9  # 总体, then the eight themes of 第十一条
    for t in themes:
        assert normalise(f"{t['no']}、{t['title']}（{t['quote']}）") in text, t["title"]
        for r in t["rows"]:  # the row as the table reads: label, unit, this year, last year, change, %
            row = normalise("".join([r["label"], r["unit"], r["now"], r["before"], r["delta"], r["pct"]]))
            assert row in text, row
    assert "营业收入亿元226.37204.18+22.19+10.9%" in text  # the figures themselves, not only the context's
    assert "2025年度工作总结" in text and "鲁工信示例〔2021〕12号" in text


def test_the_summary_has_three_charts_drawn_as_vectors_with_chinese_text(annual: Built) -> None:
    pdf = annual.summary.pdf
    text = _text(pdf)
    for caption in ("图1营业收入（亿元）", "图2企业户数（户）", "图3平台和创新主体"):
        assert caption in text
    reader = PdfReader(str(pdf))
    images = [
        name
        for page in reader.pages
        for name, x in (page.get("/Resources", {}).get("/XObject", {}) or {}).items()
        if x.get_object().get("/Subtype") == "/Image"
    ]
    assert images == []  # vector: no chart went in as a picture
    with pdfplumber.open(pdf) as doc:
        page = next(p for p in doc.pages if "图1" in (p.extract_text() or ""))
        assert len(page.rects) + len(page.curves) + len(page.lines) > 40  # bars, grid and glyph outlines
    word = annual.summary.folder / "01-年度工作总结.docx"
    with zipfile.ZipFile(word) as z:
        svgs = [z.read(n).decode() for n in z.namelist() if n.endswith(".svg")]
    assert len(svgs) == 3
    drawn = {t for s in svgs for t in re.findall(r"<!-- (.*?) -->", s)}
    assert {"2025年", "营业收入（亿元）", "规模以上企业（户）"} <= drawn  # the charts' own Chinese text


def test_the_review_is_titled_for_review_and_cites_the_recognition(annual: Built) -> None:
    review = annual.review
    assert review.pdf.name == "复核申报材料.pdf" and not review.draft
    reader = PdfReader(str(review.pdf))
    cover, note = normalise(reader.pages[0].extract_text()), _text(review.folder / "00-复核申请说明.pdf")
    assert "复核申报材料" in cover.replace(" ", "") and "鲁工信示例〔2021〕12号（2021年认定" in cover
    assert "2021年经《关于公布2021年山东省特色产业集群名单的通知" in note and "鲁工信示例〔2021〕12号" in note
    assert "有效期满当年，须按照申报条件和程序申请复核" in note
    assert "年营业收入100亿元以上≥100亿元152.30168.92186.45204.18226.37通过" in note  # five years beside the condition
    titles = [t for t, _p, _l in bookmarks(reader)]
    assert titles[2:4] == ["复核申请说明（认定情况及认定以来发展情况）", "山东省特色产业集群复核申请表"]
    assert "山东省特色产业集群复核申请表" in _text(review.folder / "01-山东省特色产业集群复核申请表.pdf")


def test_the_city_report_has_the_table_the_charts_the_letter_and_each_summary(annual: Built) -> None:
    folder = annual.city.folder
    assert folder == annual.root / "outputs" / "tese-annual" / "cities" / "370700"
    letter = _text(folder / "年度报告.pdf")
    assert "潍坊市工业和信息化局关于报送2025年度全市特色产业集群发展情况的报告" in letter
    assert "潍工信字〔2026〕9号" in letter and "第十二条" in letter
    assert "226.37亿元，比上年增加22.19亿元、增长10.9%" in letter
    assert "139.75亿元，比上年增加11.35亿元、增长8.8%" in letter
    table = _text(folder / "汇总表.pdf")
    assert "226.37204.18+22.19+10.9%" in table and "139.75128.40+11.35+8.8%" in table
    assert "366.12332.58" in table  # 合计 of this year and last, added from the figures
    charts = _text(folder / "图表.pdf")
    assert "图1各集群营业收入（亿元）" in charts and "图2各集群企业户数（户）" in charts
    reader = PdfReader(str(folder / "年度报告材料.pdf"))
    titles = [t for t, _p, level in bookmarks(reader) if level == 1]
    assert titles == [
        "目录",
        "年度报告",
        "附件1　特色产业集群年度发展情况汇总表",
        "附件2　2025年度特色产业集群主要指标图表",
        "附件3　青岚县智能农机装备特色产业集群2025年度工作总结",
        "附件4　岚河县食品机械特色产业集群2025年度工作总结",
    ]
    assert annual.city.manifest()["city"]["year"] == 2025
    with zipfile.ZipFile(folder / "潍坊市-年度报告材料.zip") as z:
        assert {"潍坊市-年度报告.pdf", "潍坊市-2025年度特色产业集群主要指标图表.pdf"} <= set(z.namelist())
