"""The 2022 comprehensive evaluation (tese-eval): the example's packet read as a reviewer would, and its checks.

The packet is built once with the real LibreOffice from ``inputs/yuyang-textile-eval`` (fictional).
What the notice (鲁工信非公〔2022〕107号) asks for is spelled out here, not read from the schema's
catalogue, so that an indicator dropped from the catalogue fails a test.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import shutil
from decimal import Decimal
from pathlib import Path

import fastyaml
import pytest
from conftest import EXAMPLE, ROOT, bookmarks, example_data, normalise, paths_of
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from pipeline.core import case, rules
from pipeline.errors import DataInvalid
from pipeline.kits import jinja
from pipeline.schemas.tese_evaluation import CATALOGUE, change
from pipeline.stages import check as checking
from pipeline.stages import recommend, tables
from pipeline.stages.programmes import load_programme
from pipeline.workflows import city as city_packet
from pipeline.workflows import packet as packets

CLUSTER = "yuyang-textile-eval"
PROGRAMME = "tese-eval"
CUTOFF = "数据截止日期：2021年12月31日"

# 二（一）: every indicator the notice lists, by group, as the tables title them.
GROUPS = {
    "综合实力": [
        "各类市场主体数量",
        "规模以上工业企业数量",
        "亿元以上工业企业数量",
        "10亿元以上工业企业数量",
        "营业收入",
        "利润总额",
        "税收",
        "工业增加值",
        "从业人员数量",
    ],
    "发展活力": [
        "固定资产投资",
        "技改投资",
        "专精特新企业数量",
        "瞪羚企业数量",
        "（准）独角兽企业数量",
        "单项冠军企业数量",
        "制造业创新中心数量",
        "首台（套）重大技术装备数量",
    ],
    "研发创新能力": [
        "国家级技术研发中心数量",
        "省级技术研发中心数量",
        "一企一技术企业数量",
        "有研发活动的企业比例",
        "与科研院所、院校合作情况",
    ],
    "公共服务能力": [
        "双创基地、众创空间等双创载体数量",
        "中小企业公共服务平台建设情况",
        "行业领域工业互联网平台建设情况",
        "融资服务体系建设情况",
        "产品及品牌推广情况",
        "双招双引情况",
    ],
}
# 二（二）: the five key areas, in the notice's order, and the example's 承担单位 for each.
AREAS = {
    "产业链协作配套": "山东峪阳纺织集团有限公司",
    "产业转型升级": "峪阳华纶功能面料股份有限公司",
    "创新能力建设": "峪阳纺织产业技术研究院有限公司",
    "提升非营利性服务机构水平": "峪阳县纺织行业协会",
    "产业集群品牌建设": "峪阳锦程家纺有限公司",
}
DOCUMENTS = [
    "综合评价自评报告",
    "重点领域工作开展情况及典型项目",
    "年度发展成效和自评结论",
    "重要指标证明材料清单",
]
MATERIALS = {
    "佐证材料1：综合实力指标证明材料": ["1-1 2021年度集群主要经济指标统计表", "1-2 2021年度集群企业纳税情况说明"],
    "佐证材料2：发展活力指标证明材料": ["2-1 集群专精特新、瞪羚、单项冠军企业名单"],
    "佐证材料3：研发创新能力指标证明材料": ["3-1 省级技术研发中心和“一企一技术”企业名单"],
    "佐证材料4：公共服务能力指标证明材料": ["4-1 峪阳纺织行业工业互联网平台运行截图"],
    "佐证材料5：重点领域典型项目证明材料": ["5-1 重点领域典型项目实施情况汇总"],
}
DECLARATION = "对综合评价材料真实性的声明"


# --- helpers -------------------------------------------------------------------------------------


def _copy_project(base: Path) -> case.Paths:
    shutil.copytree(ROOT / "templates", base / "templates")
    shutil.copytree(ROOT / "inputs" / CLUSTER, base / "inputs" / CLUSTER)
    (base / "outputs").mkdir(exist_ok=True)
    return paths_of(base)


def _data() -> dict:
    return fastyaml.safe_load((ROOT / "inputs" / CLUSTER / "cluster.yaml").read_text(encoding="utf-8"))


def _write(root: Path, cluster_id: str, data: dict | str, attachments_from: tuple[str, ...] = (CLUSTER,)) -> None:
    folder = root / "inputs" / cluster_id
    (folder / "attachments").mkdir(parents=True, exist_ok=True)
    for source in attachments_from:
        shutil.copytree(ROOT / "inputs" / source / "attachments", folder / "attachments", dirs_exist_ok=True)
    text = data if isinstance(data, str) else fastyaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    (folder / "cluster.yaml").write_text(text, encoding="utf-8")


def _part_text(reader: PdfReader, title: str) -> str:
    """The normalised text of the packet's pages from bookmark ``title`` to the next bookmark."""
    outline = bookmarks(reader)
    starts = [p for _t, p, _l in outline] + [len(reader.pages)]
    i = [t for t, _p, _l in outline].index(title)
    later = [s for s in starts[i + 1 :] if s > starts[i]]  # a category heading shares its first proof's page
    pages = range(starts[i], later[0] if later else len(reader.pages))
    return normalise("".join(reader.pages[k].extract_text() for k in pages))


def _cells(table) -> list[list[str]]:
    return [[normalise(c.text) for c in row.cells] for row in table.rows]


# --- the packet ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def packet(tmp_path_factory: pytest.TempPathFactory) -> case.BuildResult:
    """The example's packet, built once with the real LibreOffice."""
    return packets.bundle(CLUSTER, _copy_project(tmp_path_factory.mktemp("eval")))


@pytest.fixture(scope="module")
def reader(packet) -> PdfReader:
    return PdfReader(packet.folder / "综合评价材料.pdf")


@pytest.mark.office
def test_packet_builds_as_pdf_and_word_with_the_expiry_warned(packet) -> None:
    assert not packet.draft
    assert (packet.folder / "综合评价材料.pdf").is_file() and (packet.folder / "综合评价材料.docx").is_file()
    assert packet.manifest()["programme"]["number"] == "鲁工信非公〔2022〕107号"
    # built today (after 2022-06-20, the notice's deadline), the packet says it is late for this notice
    assert any(w.code == "W-PROGRAMME-EXPIRED" for w in packet.warnings)
    assert packet.manifest()["evaluation"] == {
        "year": 2021,
        "cutoff": "2021-12-31",
        "recognised": "鲁工信非公〔2020〕188号",
        "figures": 25,
        "descriptions": 6,
        "previous_given": 24,
        "key_areas": 5,
    }


@pytest.mark.office
def test_bookmarks_in_order_with_proofs_under_their_category(reader) -> None:
    outline = bookmarks(reader)
    top = [t for t, _p, level in outline if level == 1]
    assert top == ["封面", "目录", *DOCUMENTS, *MATERIALS, DECLARATION]
    titles = [t for t, _p, _l in outline]
    for category, children in MATERIALS.items():
        i = titles.index(category)
        assert [t for t, _p, level in outline[i + 1 : i + 1 + len(children)] if level == 2] == children
    pages = [p for _t, p, _l in outline]
    assert pages == sorted(pages)


@pytest.mark.office
def test_each_indicator_table_lists_every_indicator_of_its_group_with_the_cutoff(reader) -> None:
    text = _part_text(reader, "综合评价自评报告")
    assert text.count(normalise(CUTOFF)) >= 1 + len(GROUPS)  # under the title and above each table
    headings = [f"（{n}）{g}" for n, g in zip("一二三四", GROUPS, strict=True)]
    positions = [text.index(h) for h in headings] + [len(text)]
    for (group, titles), start, end in zip(GROUPS.items(), positions, positions[1:], strict=False):
        section = text[start:end]
        assert normalise(CUTOFF) in section, group
        for title in titles:
            assert normalise(title) in section, (group, title)


@pytest.mark.office
def test_tables_show_last_year_this_year_and_the_change(packet) -> None:
    doc = Document(packet.folder / "01-综合评价自评报告.docx")
    rows = {r[0]: r for t in doc.tables[1:] for r in _cells(t)}
    assert rows["指标"][2:] == ["单位", "2020年", "2021年", "比上年增减"]  # 指标 spans two grid columns
    assert rows["营业收入"][2:] == ["亿元", "312.46", "356.82", "+14.2%"]  # money: a growth rate
    assert rows["规模以上工业企业数量"][2:] == ["家", "118", "131", "+13"]  # counts: the difference
    assert rows["制造业创新中心数量"][2:] == ["个", "1", "1", "0"]
    assert rows["有研发活动的企业比例"][2:] == ["%", "46.6", "53.4", "+6.8个百分点"]
    assert rows["与科研院所、院校合作项目数量"][2:] == ["项", "—", "31", "—"]  # no 2020 figure: no change
    described = rows["融资服务体系建设情况"]
    assert described[1].startswith("县财政设立纺织产业发展基金5亿元")  # a description spans the figure columns
    assert len(doc.tables) == 1 + len(GROUPS)  # 基本情况 and one table per group


@pytest.mark.office
def test_five_key_areas_each_with_exactly_one_typical_project(packet, reader) -> None:
    doc = Document(packet.folder / "02-重点领域工作开展情况及典型项目.docx")
    headings = [p.text for p in doc.paragraphs if p.text[:2] in ("一、", "二、", "三、", "四、", "五、")]
    assert headings == [f"{n}、{a}" for n, a in zip("一二三四五", AREAS, strict=True)]
    assert len(doc.tables) == len(AREAS)
    for table, undertaker in zip(doc.tables, AREAS.values(), strict=True):
        cells = dict((r[0], r[1]) for r in _cells(table))
        assert list(cells) == ["项目名称", "承担单位", "主要内容", "带动作用"]
        assert cells["承担单位"] == undertaker
    text = _part_text(reader, "重点领域工作开展情况及典型项目")
    for area, undertaker in AREAS.items():
        assert normalise(area) in text and undertaker in text


@pytest.mark.office
def test_proof_list_names_every_attachment_with_its_packet_number(packet, reader) -> None:
    doc = Document(packet.folder / "04-重要指标证明材料清单.docx")
    (table,) = doc.tables
    rows = _cells(table)[1:]
    assert [r[0] + r[1] for r in rows] == [normalise(c) for cs in MATERIALS.values() for c in cs]
    attachments = _data()["attachments"]
    assert [r[1] for r in rows] == [normalise(a["title"]) for a in attachments]
    assert rows[0][2] == "综合实力指标" and rows[-1][2] == "重点领域典型项目"
    text = _part_text(reader, "重要指标证明材料清单")
    for a in attachments:
        assert normalise(a["title"]) in text
        # the list shows titles, never the internal file names (issue 15)
        assert normalise(a["file"]) not in text
    assert not re.search(r"\.(pdf|docx?|jpe?g|png)", text, re.I)


@pytest.mark.office
def test_declaration_names_the_evaluation_and_the_notice(reader) -> None:
    text = _part_text(reader, DECLARATION)
    for phrase in (
        "关于开展2022年度山东省特色产业集群综合评价工作的通知",
        "鲁工信非公〔2022〕107号",
        "峪阳县功能纺织特色产业集群综合评价自评报告",
        "不存在捏造、虚报或篡改数据的情况",  # 四（三）: 严禁……捏造、虚报或篡改数据
        "本单位对评价材料的真实性负责",
        "申报单位（公章）：峪阳经济开发区管理委员会",
        "法定代表人（签字）",
        "2022年6月15日",
    ):
        assert normalise(phrase) in text, phrase
    # only what the notice asks: no assurance about accidents or credit that no data stands behind
    assert "事故" not in text and "失信" not in text


@pytest.mark.office
def test_cover_and_toc(reader) -> None:
    cover = normalise(reader.pages[0].extract_text())
    assert "2022年度山东省特色产业集群" in cover and "综合评价材料" in cover
    assert "峪阳县功能纺织特色产业集群" in cover and "鲁工信非公〔2022〕107号" in cover
    toc = _part_text(reader, "目录")
    for title in [*DOCUMENTS, DECLARATION]:
        assert normalise(title) in toc


@pytest.mark.office
def test_word_bundle_holds_the_key_texts_each_document_in_its_own_section(packet) -> None:
    doc = Document(packet.folder / "综合评价材料.docx")
    paragraphs = normalise("\n".join(p.text for p in doc.paragraphs))
    cells = normalise("\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells))
    for phrase in (
        "2022年度综合评价自评报告",
        CUTOFF,
        "（一）综合实力",
        "（四）公共服务能力",
        "重点领域工作开展情况及典型项目",
        "五、产业集群品牌建设",
        "2022年度发展成效和自评结论",
        "重要指标证明材料清单",
        DECLARATION,
    ):
        assert normalise(phrase) in paragraphs, phrase
    for phrase in ["营业收入", "356.82", "+14.2%", *AREAS.values(), "2021年度集群主要经济指标统计表"]:
        assert normalise(phrase) in cells, phrase
    assert len(doc.sections) == 1 + len(DOCUMENTS) + 1  # cover + each document


@pytest.mark.parametrize(
    ("key", "current", "previous", "shown"),
    [
        ("revenue", Decimal(3568200), Decimal(3124600), "+14.2%"),
        ("revenue", Decimal(2900000), Decimal(3124600), "-7.2%"),
        ("revenue", Decimal(3124610), Decimal(3124600), "0.0%"),  # rounds to nothing: no sign
        ("profit", Decimal(1000), Decimal(-500), "—"),  # a rate over a loss says nothing
        ("tax", Decimal(1000), None, "—"),
        ("above_scale", 131, 118, "+13"),
        ("above_scale", 110, 118, "-8"),
        ("champions", 1, 1, "0"),
        ("rd_share", Decimal("53.4"), Decimal("46.6"), "+6.8个百分点"),
        ("rd_share", Decimal("40"), Decimal("46.6"), "-6.6个百分点"),
    ],
)
def test_change_against_last_year(key, current, previous, shown) -> None:
    indicator = next(i for i in CATALOGUE if i.key == key and i.kind != "text")
    assert change(indicator, current, previous) == shown


# --- templates -----------------------------------------------------------------------------------


def _templates() -> list[str]:
    p = load_programme(ROOT / "templates", PROGRAMME)
    return [p.packet.cover, p.packet.toc, *(d.template for d in p.documents)]


@pytest.fixture(scope="module")
def context(tmp_path_factory) -> dict:
    paths = _copy_project(tmp_path_factory.mktemp("ctx"))
    _raw, data, programme, _w = checking.prepare(CLUSTER, paths)
    return {**programme.data_schema.context(data, programme), "toc": []}


@pytest.mark.parametrize("name", _templates())
def test_template_variables_exist_in_the_context(context, name: str) -> None:
    used = jinja.template_variables(ROOT / "templates" / PROGRAMME / name)
    assert used and used <= set(context), used - set(context)


@pytest.mark.parametrize("name", _templates())
def test_runs_name_an_official_east_asian_font(name: str) -> None:
    doc = Document(ROOT / "templates" / PROGRAMME / name)
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    fonts = {r.get(qn("w:eastAsia")) for r in doc.element.body.iter(qn("w:rFonts"))}
    assert fonts and fonts <= {"宋体", "仿宋_GB2312", "黑体", "楷体_GB2312", "方正小标宋简体"}, fonts


def test_common_context_keys(context) -> None:
    assert context["programme"] == {"id": PROGRAMME, "title": "2022年度山东省特色产业集群综合评价"}
    assert (
        context["packet"]["notice"]
        == "依据《关于开展2022年度山东省特色产业集群综合评价工作的通知》（鲁工信非公〔2022〕107号）"
    )
    assert context["cluster"]["city"] == "淄博市" and context["cluster"]["city_code"] == "370300"
    assert context["filing_date"] == "2022年6月15日"
    assert context["row"]["revenue"] == "356.82" and context["row"]["revenue_change"] == "+14.2%"


# --- checks: every problem names the field, its label and its YAML line --------------------------


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    """A throwaway project root with the real templates and the example."""
    _copy_project(tmp_path)
    return tmp_path


def _problems(root: Path, data: dict | str) -> list:
    _write(root, "bad", data)
    with pytest.raises(DataInvalid) as info:
        checking.prepare("bad", paths_of(root))
    return info.value.problems


def _line_of(root: Path, problem) -> str:
    lines = (root / "inputs" / "bad" / "cluster.yaml").read_text(encoding="utf-8").splitlines()
    return lines[problem.location.line - 1]


def test_example_is_valid_with_only_the_expiry_warning(tmp_path) -> None:
    paths = _copy_project(tmp_path)
    _raw, data, _p, warnings = checking.prepare(CLUSTER, paths)
    assert data.cluster.city_name == "淄博市"
    assert {w.code for w in warnings} == {"W-PROGRAMME-EXPIRED"}
    _raw, _data, _p, warnings = checking.prepare(CLUSTER, paths, today=dt.date(2022, 6, 10))
    assert not warnings  # within the notice's round


def test_a_missing_key_area_is_an_error_naming_it(proj) -> None:
    data = _data()
    del data["evaluation"]["key_areas"][3]
    (p,) = [p for p in _problems(proj, data) if p.severity == "error"]
    assert p.code == "E-EVAL-AREA-MISSING" and "提升非营利性服务机构水平" in p.message
    assert p.field == "evaluation.key_areas" and p.label == "综合评价 › 重点领域工作开展情况"
    lines = (proj / "inputs" / "bad" / "cluster.yaml").read_text(encoding="utf-8").splitlines()
    assert lines[p.location.line - 2].strip() == "key_areas:"  # the list starts on the next line


def test_a_duplicated_key_area_is_an_error_at_the_second_one(proj) -> None:
    data = _data()
    data["evaluation"]["key_areas"][4]["area"] = "产业转型升级"
    problems = {p.code: p for p in _problems(proj, data)}
    dup = problems["E-EVAL-AREA-DUPLICATE"]
    assert dup.field == "evaluation.key_areas.4.area"
    assert dup.label == "综合评价 › 重点领域工作开展情况 › 第5项 › 重点领域"
    assert "产业转型升级" in dup.message and "第2项" in dup.message
    assert "area: 产业转型升级" in _line_of(proj, dup)
    assert "产业集群品牌建设" in problems["E-EVAL-AREA-MISSING"].message


def test_an_unknown_key_area_is_refused_with_the_choices(proj) -> None:
    data = _data()
    data["evaluation"]["key_areas"][0]["area"] = "产业链配套"
    p = next(p for p in _problems(proj, data) if p.field == "evaluation.key_areas.0.area")
    assert p.code == "E-CHOICE" and "产业链协作配套" in p.message


@pytest.mark.parametrize(
    ("year", "key", "value", "code", "whole"),
    [
        ("current", "over_1b", 50, "E-COUNT-CONTRADICTION", "亿元以上工业企业数量"),
        ("current", "above_scale", 1500, "E-COUNT-CONTRADICTION", "各类市场主体数量"),
        ("previous", "profit", "320亿元", "E-AMOUNT-CONTRADICTION", "营业收入"),
        ("current", "upgrade_investment", "50亿元", "E-AMOUNT-CONTRADICTION", "固定资产投资"),
    ],
)
def test_a_part_above_its_whole_is_an_error_at_the_part(proj, year, key, value, code, whole) -> None:
    data = _data()
    data["evaluation"][year][key] = value
    problems = [p for p in _problems(proj, data) if p.severity == "error"]
    (p,) = problems
    assert p.code == code and p.field == f"evaluation.{year}.{key}" and whole in p.message
    assert p.label.startswith("综合评价 › " + ("本年度指标" if year == "current" else "上年度指标"))
    assert _line_of(proj, p).strip().startswith(f"{key}:")


def test_an_amount_typed_in_the_wrong_unit_is_named(proj) -> None:
    data = _data()
    data["evaluation"]["current"]["tax"] = "110800亿元"  # 万元 figure typed as 亿元
    p = next(p for p in _problems(proj, data) if p.field == "evaluation.current.tax")
    assert p.code == "E-AMOUNT-IMPLAUSIBLE" and "可能把万元数填成了亿元" in p.message  # 11万亿元: no cluster
    data = _data()
    data["evaluation"]["previous"]["fixed_investment"] = "38.60万元"
    data["evaluation"]["previous"]["upgrade_investment"] = "21.40万元"
    _write(proj, "unit", data)
    _raw, _m, _p, warnings = checking.prepare("unit", paths_of(proj))
    assert {w.field for w in warnings if w.code == "W-EVAL-UNIT"} == {
        "evaluation.current.fixed_investment",
        "evaluation.current.upgrade_investment",
    }


def test_field_errors_name_label_and_line(proj) -> None:
    data = _data()
    del data["evaluation"]["current"]["tax"]
    data["evaluation"]["current"]["rd_share"] = 153.4
    data["evaluation"]["current"]["revenue"] = 356.82  # no unit
    data["evaluation"]["recognised"]["document_number"] = "鲁工信非公〔2020〕第188号"
    data["evaluation"]["descriptions"]["financing"] = ""
    by_field = {p.field: p for p in _problems(proj, data)}
    assert by_field["evaluation.current.tax"].code == "E-FIELD-MISSING"
    assert by_field["evaluation.current.tax"].label == "综合评价 › 本年度指标 › 税收"
    assert by_field["evaluation.current.rd_share"].code == "E-PERCENT-RANGE"
    assert by_field["evaluation.current.revenue"].code == "E-MONEY-UNIT-MISSING"
    assert by_field["evaluation.recognised.document_number"].code == "E-WENHAO-FORMAT"
    assert by_field["evaluation.descriptions.financing"].code == "E-TEXT-EMPTY"
    for p in by_field.values():
        if p.field != "evaluation.current.tax":  # a missing key is reported at its parent's line
            assert p.field.split(".")[-1] in _line_of(proj, p), p.field


def test_a_cutoff_other_than_the_notices_is_a_warning_and_another_year_an_error(proj) -> None:
    data = _data()
    data["evaluation"]["cutoff"] = "2021-11-30"
    _write(proj, "cut", data)
    _raw, _m, _p, warnings = checking.prepare("cut", paths_of(proj))
    (w,) = [w for w in warnings if w.code == "W-EVAL-CUTOFF"]
    assert w.field == "evaluation.cutoff" and "2021年12月31日" in w.message
    data["evaluation"]["cutoff"] = "2022-03-31"
    assert "E-EVAL-CUTOFF-YEAR" in {p.code for p in _problems(proj, data)}


def test_conditions_scope_and_proof_per_group(tmp_path) -> None:
    paths = _copy_project(tmp_path)
    report = checking.check(CLUSTER, paths)
    assert report.passed and {r.id for r in report.results} >= {"scope", "key-areas", "proof-service"}
    data = _data()
    data["attachments"] = [a for a in data["attachments"] if a["category"] != "service"]
    data["evaluation"]["recognised"]["year"] = 2019
    _write(tmp_path, "weak", data)
    results = {r.id: r for r in checking.check("weak", paths).results}
    assert results["proof-service"].status == "缺佐证" and results["proof-service"].blocking
    assert results["scope"].status == rules.FAIL and results["scope"].actual == "2019年"


# --- one file for both programmes ----------------------------------------------------------------


def test_a_cluster_with_application_data_adds_evaluation_and_reuses_the_rest(tmp_path) -> None:
    paths = _copy_project(tmp_path)
    data = copy.deepcopy(example_data())
    data["programme"] = ["tese-apply", PROGRAMME]
    data["evaluation"] = _data()["evaluation"]
    data["attachments"] += _data()["attachments"]
    _write(tmp_path, "both", data, attachments_from=(EXAMPLE, CLUSTER))
    _raw, evaluation, _p, _w = checking.prepare("both", paths, PROGRAMME)
    assert evaluation.cluster.name == "青岚县智能农机装备特色产业集群"  # the application's cluster, reused
    assert evaluation.evaluation.current.revenue == 3568200  # 万元
    assert len(evaluation.attachments) == 12  # shared list; each packet takes its own categories
    _raw, application, _p, _w = checking.prepare("both", paths, "tese-apply")
    assert application.indicators.revenue == 1864500
    data["evalution"] = {}  # a typo is still an unknown key, not another programme's data
    _write(tmp_path, "both", data)
    with pytest.raises(DataInvalid) as info:
        checking.prepare("both", paths, PROGRAMME)
    assert [p.code for p in info.value.problems if p.field == "evalution"] == ["E-FIELD-UNKNOWN"]


# --- the city bureau: 核实确认 and 报送 ------------------------------------------------------------


def test_city_letter_and_summary_row(tmp_path) -> None:
    paths = _copy_project(tmp_path)
    city = {
        "city": "370300",
        "programme": PROGRAMME,
        "document_number": "淄工信字〔2022〕36号",
        "date": "2022-06-17",
        "contact": "张明",
        "phone": "0533-3182456",
        "clusters": [CLUSTER],
    }
    file = tmp_path / "inputs" / "cities" / "370300.yaml"
    file.parent.mkdir(parents=True)
    file.write_text(fastyaml.safe_dump(city, allow_unicode=True), encoding="utf-8")
    plan = recommend.plan("370300", paths, today=dt.date(2022, 6, 17))
    assert plan.bureau == "淄博市工业和信息化局"
    recommended = city_packet.recommend(plan)
    contexts = [c.context for c in recommended]
    letter = city_packet.make_letter(plan, recommended)
    text = "".join([*letter.title, *letter.body])
    assert letter.title == ["淄博市工业和信息化局关于报送", "2022年度山东省特色产业集群", "综合评价材料的函"]
    assert "核实确认" in text
    assert (
        "1.峪阳县功能纺织特色产业集群（填报单位：峪阳经济开发区管理委员会）：评价材料齐全，重要指标均有证明材料。"
        in text
    )
    assert plan.programme.city is not None
    rows, totals = tables.summary_rows(plan.programme.city.summary_columns, contexts)
    titles = [c.title for c in plan.programme.city.summary_columns]
    row = dict(zip(titles, rows[0][1:], strict=True))
    assert row["营业收入（亿元）"] == "356.82" and row["营业收入增长"] == "+14.2%" and row["认定年份"] == "2020"
    assert sum(c.width for c in plan.programme.city.summary_columns) + 8 <= 257  # fits the landscape page
    late = recommend.plan("370300", paths, today=dt.date(2022, 6, 21))
    assert "W-CITY-DEADLINE" in {w.code for w in late.warnings}
