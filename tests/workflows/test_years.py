"""A cluster's years (issue 18), without LibreOffice: year folders, the change on last year, init --from-year,
what is due when, the programmes' words, the charts' glyphs and vectors."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import fastyaml
import pytest
from click.testing import CliRunner
from conftest import EXAMPLE, ROOT, paths_of
from docx import Document

from pipeline.cli import main
from pipeline.core.fields import Recognition
from pipeline.core.programme import Due
from pipeline.core.units import Figure
from pipeline.errors import DataInvalid, TemplateProblem
from pipeline.kits import charts
from pipeline.stages import check as checking
from pipeline.stages import due as dues
from pipeline.stages import render
from pipeline.stages.programmes import load_programme
from pipeline.stages.read import load_series, years_of

SECOND = "lanhe-foodmachinery"
ON = dt.date(2026, 12, 1)


@pytest.fixture
def years_root(tmp_path: Path) -> Path:
    """A project copy with both recognised 潍坊 clusters and the city inputs."""
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    for name in (EXAMPLE, SECOND, "cities"):
        shutil.copytree(ROOT / "inputs" / name, tmp_path / "inputs" / name)
    (tmp_path / "outputs").mkdir()
    return tmp_path


def _case(root: Path, programme: str = "tese-annual", cluster: str = EXAMPLE, year: int = 2025):
    return checking.check(cluster, paths_of(root), programme, ON, year=year)


def test_a_year_is_read_with_the_years_before_it_each_at_its_own_lines(years_root: Path) -> None:
    assert years_of(years_root / "inputs", EXAMPLE) == [2024, 2025]
    raw = load_series(years_root / "inputs", EXAMPLE, 2025, 4)
    assert raw.year == 2025 and set(raw.data["years"]) == {2024}
    where = raw.where(("years", 2024, "indicators", "revenue"))
    assert where.file.endswith("2024/cluster.yaml") and where.line
    assert raw.sources == (years_root / "inputs" / EXAMPLE / "2024" / "cluster.yaml",)


def test_each_theme_shows_its_figure_and_the_change_on_last_year_from_the_models(years_root: Path) -> None:
    c = _case(years_root)
    ctx = c.programme.data_schema.context(c.data, c.programme)
    themes = {t["title"]: {r["label"]: r for r in t["rows"]} for t in ctx["themes"]}
    assert list(themes)[1:] == [
        "平台建设",
        "龙头企业",
        "产业链配套",
        "技术创新",
        "智慧应用",
        "智能化",
        "管理质量",
        "品牌培育与创建",
    ]
    revenue = themes["总体规模和效益"]["营业收入"]
    assert (revenue["now"], revenue["before"], revenue["delta"], revenue["pct"]) == (
        "226.37",
        "204.18",
        "+22.19",
        "+10.9%",
    )
    assert isinstance(revenue["now"], Figure) and revenue["now"].value == Decimal("226.37")  # the model's number
    assert themes["平台建设"]["创新研发和公共服务平台"]["delta"] == "+1"
    assert themes["产业链配套"]["零部件本地配套率"]["delta"] == "+3个百分点"
    assert themes["技术创新"]["研发经费占营业收入比重"]["now"] == "3.40"
    assert ctx["change"]["revenue"]["said"] == "增加22.19亿元、增长10.9%"
    assert ctx["recognition"]["number"] == "鲁工信示例〔2021〕12号" and ctx["recognition"]["until"] == "2026年12月19日"


def test_the_charts_are_over_the_years_it_has_and_drawn_as_vectors(years_root: Path) -> None:
    c = _case(years_root)
    made = c.programme.data_schema.context(c.data, c.programme)["charts"]
    assert made["revenue"].categories == ("2021年", "2022年", "2023年", "2024年", "2025年")  # history, then the folders
    assert made["platforms"].categories == ("2024年", "2025年")  # the history keeps no platforms: no empty years
    assert dict(made["revenue"].series)["营业收入（亿元）"][-2:] == (Decimal("204.18"), Decimal("226.37"))
    for chart in made.values():
        assert charts.missing_glyphs(chart.texts()) == []
    drawn = charts.draw(made["revenue"])
    svg = drawn.svg.decode()
    assert "<path" in svg and "<text" not in svg  # the face's outlines: the same in Word, WPS and the PDF
    assert drawn.png.startswith(b"\x89PNG")


def test_a_character_the_chart_face_lacks_is_refused() -> None:
    from pipeline.core.yearly import ChartData

    bad = ChartData("x", "营业收入\U0001f600", ("2025年",), (("营业收入", (Decimal(1),)),))
    with pytest.raises(TemplateProblem) as info:
        charts.draw(bad)
    assert info.value.code == "E-CHART-GLYPH"


def test_the_word_file_keeps_a_png_and_its_svg_and_the_pdf_copy_shows_the_svg(years_root: Path, tmp_path: Path) -> None:
    c = _case(years_root)
    ctx = c.programme.data_schema.context(c.data, c.programme)
    out = render.render(c.programme.template("01-work-summary.docx"), {**ctx, "toc": []}, tmp_path / "s.docx")
    xml = Document(out).element.xml
    assert xml.count("svgBlip") == 3 and "［图表：" not in xml
    vector = render.for_pdf(out, tmp_path)
    assert vector != out and "svgBlip" not in Document(vector).element.xml


def test_a_data_year_that_differs_from_its_folder_is_refused_at_its_line(years_root: Path) -> None:
    file = years_root / "inputs" / EXAMPLE / "2025" / "cluster.yaml"
    file.write_text(file.read_text(encoding="utf-8").replace("  year: 2025\n", "  year: 2024\n", 1), encoding="utf-8")
    with pytest.raises(DataInvalid) as info:
        _case(years_root)
    found = [p for p in info.value.problems if p.code == "E-YEAR-FOLDER"]
    assert found and found[0].location.line


def test_the_summary_needs_its_text_the_review_does_not(years_root: Path) -> None:
    file = years_root / "inputs" / EXAMPLE / "2025" / "cluster.yaml"
    data = fastyaml.safe_load(file.read_text(encoding="utf-8"))
    del data["work_summary"]
    file.write_text(fastyaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataInvalid) as info:
        _case(years_root)
    assert "E-FIELD-MISSING" in {p.code for p in info.value.problems if p.field == "work_summary"}
    assert _case(years_root, "tese-review").passed


def test_init_from_year_carries_every_value_and_marks_the_years_own(years_root: Path) -> None:
    runner = CliRunner()
    args = ["init", EXAMPLE, "--from-year", "2025", "--root", str(years_root)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    text = (years_root / "inputs" / EXAMPLE / "2026" / "cluster.yaml").read_text(encoding="utf-8")
    assert re.search(r"^  year: 2026$", text, re.M)
    assert re.search(r"^  revenue: 226\.37亿元  # ← 待更新", text, re.M)  # carried, and marked
    assert "name: 青岚县智能农机装备特色产业集群\n" in text  # not the year's own: carried unmarked
    assert len(list((years_root / "inputs" / EXAMPLE / "2026" / "attachments").iterdir())) == 5
    case = checking.check(EXAMPLE, paths_of(years_root), "tese-annual", ON, year=2026)
    assert "W-YEAR-NOT-UPDATED" in {w.code for w in case.warnings}
    again = runner.invoke(main, args)
    assert again.exit_code == 2 and "E-USAGE-INPUT-EXISTS" in again.output


def test_init_from_year_marks_the_workbooks_cells(years_root: Path) -> None:
    from openpyxl import load_workbook

    folder = years_root / "inputs" / "wb" / "2025"
    folder.mkdir(parents=True)
    shutil.copyfile(ROOT / "inputs" / f"{EXAMPLE}-xlsx" / "cluster.xlsx", folder / "cluster.xlsx")
    result = CliRunner().invoke(main, ["init", "wb", "--from-year", "2025", "--root", str(years_root)])
    assert result.exit_code == 0, result.output
    book = load_workbook(years_root / "inputs" / "wb" / "2026" / "cluster.xlsx")
    marked = [c for ws in book for row in ws.iter_rows() for c in row if c.comment and "待更新" in c.comment.text]
    assert len(marked) >= 20 and all(c.fill.fgColor.rgb.endswith("FFF2CC") for c in marked)
    raw = checking.load_cluster(years_root / "inputs", "wb", 2026)
    assert str(raw.data["indicators"]["year"]) == "2026"


def test_due_on_the_first_of_december_2026(years_root: Path) -> None:
    items = dues.due(paths_of(years_root), ON)
    by = {(i.who, i.what): i for i in items}
    review = by[(EXAMPLE, "复核申请")]
    assert (review.programme, review.by, review.year, review.status) == (
        "tese-review",
        dt.date(2026, 12, 19),
        2025,
        "未生成",
    )
    assert "鲁工信示例〔2021〕12号" in review.note
    summary = by[(EXAMPLE, "年度工作总结")]
    assert (summary.programme, summary.by, summary.year) == ("tese-annual", dt.date(2027, 1, 31), 2026)
    assert summary.status.startswith("缺少2026年数据") and f"init {EXAMPLE} --from-year 2025" in summary.status
    report = by[("370700", "本市上一年度特色产业集群发展情况报告")]
    assert (report.by, report.year) == (dt.date(2027, 2, 28), 2026)
    assert (SECOND, "复核申请") not in by  # recognised 2022: its 复核 is in 2027
    assert [i.by for i in items] == sorted(i.by or dt.date.max for i in items)


def test_due_reads_whether_the_packet_is_built_and_passes(years_root: Path) -> None:
    folder = years_root / "outputs" / "tese-review" / EXAMPLE / "2025"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"checks": {"draft": True, "unmet": ["年营业收入100亿元以上"]}}))
    review = next(i for i in dues.due(paths_of(years_root), ON) if i.what == "复核申请")
    assert review.status == "已生成（草稿：年营业收入100亿元以上）"
    (folder / "manifest.json").write_text(json.dumps({"checks": {"draft": False, "passed": True}}))
    assert next(i for i in dues.due(paths_of(years_root), ON) if i.what == "复核申请").status == "已生成（通过）"


def test_due_in_january_is_last_years_summary_and_by_city(years_root: Path) -> None:
    items = dues.due(paths_of(years_root), dt.date(2026, 1, 10), "370700")
    summaries = [i for i in items if i.what == "年度工作总结"]
    assert {(i.who, i.by, i.year) for i in summaries} == {
        (EXAMPLE, dt.date(2026, 1, 31), 2025),
        (SECOND, dt.date(2026, 1, 31), 2025),
    }
    assert dues.due(paths_of(years_root), ON, "370100") == []


def test_due_command_prints_json_and_refuses_a_bad_city(years_root: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["due", "--on", "2026-12-01", "--root", str(years_root), "--json"])
    assert result.exit_code == 0, result.output
    items = json.loads(result.output)["items"]
    assert {(i["what"], i["by"]) for i in items} >= {("复核申请", "2026-12-19"), ("年度工作总结", "2027-01-31")}
    assert runner.invoke(main, ["due", "--city", "371200", "--root", str(years_root)]).exit_code == 2


def test_due_dates_come_from_the_programmes() -> None:
    yearly = Due(id="x", what="x", who="city", clause="x", quote="x", when="yearly", month=2)
    assert yearly.deadline(2028) == dt.date(2028, 2, 29) and yearly.deadline(2027) == dt.date(2027, 2, 28)
    r = Recognition(year=2021, document_number="鲁工信示例〔2021〕12号", list_title="名单", date=dt.date(2021, 12, 20))
    assert r.until(5) == dt.date(2026, 12, 19)


NOTICE = ROOT / "tests" / "fixtures" / "notices" / "tese-apply-鲁工信发2020-5.txt"


@pytest.mark.parametrize("programme_id", ["tese-annual", "tese-review"])
def test_due_and_theme_quotes_are_the_measures_own_words(programme_id: str) -> None:
    text = re.sub(r"\s+", "", NOTICE.read_text(encoding="utf-8"))
    p = load_programme(ROOT / "templates", programme_id)
    quotes = [d.quote for d in p.due] + [t.quote for t in (p.report.themes if p.report else [])]
    assert quotes and [q for q in quotes if re.sub(r"\s+", "", q) not in text] == []


def test_the_review_is_the_application_titled_for_review() -> None:
    p = load_programme(ROOT / "templates", "tese-review")
    apply = load_programme(ROOT / "templates", "tese-apply")
    assert p.lineage == ("tese-apply",) and [r.id for r in p.rules] == [r.id for r in apply.rules]
    assert p.documents[0].id == "review-note" and p.documents[1].bookmark == "山东省特色产业集群复核申请表"
    assert p.packet.bundle == "复核申报材料" and p.template("cover.docx").parent.name == "tese-review"
