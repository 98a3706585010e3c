"""山东省数字产业集群申报 (digital-apply, 鲁工信电子〔2024〕122号): the conditions of 二 and 三 at, under and
over each threshold, from the lists and from typed totals; the relaxation for 集成电路 and 人工智能; data
errors with their lines; and both example packets read back as a reviewer would (real LibreOffice).

The examples (fictional): ``quanyue-software`` (济南市, 高端软件, every condition met with room) and
``lanwan-ai`` (青岛市, 人工智能, just over several thresholds, short of provincial platforms: 放宽).
"""

from __future__ import annotations

import copy
import functools
import re
import shutil
from decimal import Decimal
from pathlib import Path

import fastyaml
import pytest
from conftest import ROOT, bookmarks, normalise, paths_of
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from pipeline.core import case, rules
from pipeline.core.codes import make_uscc
from pipeline.errors import DataInvalid
from pipeline.kits import jinja
from pipeline.stages import cache, recommend, tables
from pipeline.stages import check as checking
from pipeline.stages import packet_context as packet_ctx
from pipeline.stages.programmes import load_programme
from pipeline.stages.verdict import Verdict
from pipeline.workflows import packet as packet_flow

PROGRAMME = "digital-apply"
EASY, NEAR = "quanyue-software", "lanwan-ai"
CHAPTERS = [
    "一、申报主体基本情况",
    "二、集群基本情况",
    "三、发展定位",
    "四、规模效益",
    "五、产业链条",
    "六、创新能力",
    "七、服务体系",
    "八、属地政府支持",
    "九、发展目标和主要措施",
]
MATERIALS = [
    "佐证材料1：申报主体资格证明材料",
    "佐证材料2：规上企业营业收入佐证材料",
    "佐证材料3：领军企业和骨干企业佐证材料",
    "佐证材料4：创新平台认定文件",
    "佐证材料5：科技奖励和知识产权佐证材料",
    "佐证材料6：规上企业研发投入佐证材料",
    "佐证材料7：属地政府支持政策文件",
    "佐证材料8：安全生产和生态环境情况证明",
]
SUMMARY = "附件2 山东省数字产业集群申报信息汇总表"
RELAXATION = "关于适用放宽条件的说明"  # only in a packet where a condition is met by 三 末段
TOP = ["封面", "目录", "承诺书", *CHAPTERS, *MATERIALS, SUMMARY]
TOP_RELAXED = ["封面", "目录", "承诺书", *CHAPTERS, RELAXATION, *MATERIALS, SUMMARY]
COMMITMENT = [  # 二, 三（七） and 五（三）, in the 承诺书's words
    "二、本单位按照申报要求认真组织材料，保证所提交申报材料的真实、有效",
    "集群内企业近三年未发生特别重大、重大生产安全事故，未发生特别重大、重大突发环境事件",
    "三年内不得再次申报山东省数字产业集群",
    "具有独立法人资格",
    "申报主体（公章）",
    "法定代表人（签字）",
]


@functools.cache
def _programme():
    return load_programme(ROOT / "templates", PROGRAMME)


def example(cluster_id: str = EASY) -> dict:
    return fastyaml.safe_load((ROOT / "inputs" / cluster_id / "cluster.yaml").read_text(encoding="utf-8"))


def results(data: dict) -> dict[str, rules.Result]:
    """Every condition's result for ``data``, without the file checks (no LibreOffice, no attachments)."""
    model = _programme().data_schema.model.model_validate(data)
    return {r.id: r for r in checking.evaluate(model, _programme())}


def firm(i: int, wan: int | str, role: str = "其他企业", leading: bool = True, above: bool = True, rd=None) -> dict:
    item = {
        "name": f"测试企业{i}有限公司",
        "credit_code": make_uscc("91", "370190", f"{i:08d}"),
        "role": role,
        "leading": leading,
        "above_scale": above,
        "revenue": f"{wan}万元",
    }
    if rd is not None:
        item["rd_expense"] = f"{rd}万元"
    return item


def with_(base: dict, **changes) -> dict:
    """``base`` with dotted keys replaced: ``with_(d, **{"scale.above_scale_revenue": "50亿元"})``."""
    data = copy.deepcopy(base)
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        node[last] = value
    return data


def status(data: dict, rule: str) -> str:
    return results(data)[rule].status


# --- the examples' check results -------------------------------------------------------------


def test_easy_example_meets_every_condition() -> None:
    got = results(example(EASY))
    assert {r.status for r in got.values()} == {rules.PASS}
    assert (got["revenue"].actual, got["leading-firms"].actual) == ("142.12亿元", "29家")
    assert got["platforms"].actual == "国家级2家，省级6家"


def test_near_threshold_example_just_passes_and_is_relaxed_on_platforms() -> None:
    got = results(example(NEAR))
    assert (got["revenue"].actual, got["revenue"].status) == ("51.20亿元", rules.PASS)
    assert (got["leading-firms"].actual, got["leading-firms"].status) == ("20家", rules.PASS)
    assert (got["ip"].actual, got["ip"].status) == ("1006项", rules.PASS)
    assert (got["rd-ratio"].actual, got["rd-ratio"].status) == ("3.44%", rules.PASS)
    platforms = got["platforms"]
    assert (platforms.status, platforms.actual) == (rules.RELAXED, "国家级0家，省级2家")
    assert "人工智能" in platforms.note and "三（末段）" in platforms.note and not platforms.blocking
    assert [r.id for r in got.values() if r.status != rules.PASS] == ["platforms"]
    assert not [r for r in got.values() if r.blocking]


# --- 三（二）: 规上 revenue ≥ 50亿元, leading-industry 规上 firms ≥ 20 ------------------------------


@pytest.mark.parametrize(("wan", "expected"), [(500000, rules.PASS), (499900, rules.FAIL), (500100, rules.PASS)])
def test_revenue_50_yi_from_the_list(wan, expected) -> None:
    # one 规上 firm carries it; a non-规上 firm's revenue never counts
    data = with_(example(), firms=[firm(1, wan), firm(2, 90000, above=False)], **{"scale.above_scale_revenue": None})
    assert status(data, "revenue") == expected


@pytest.mark.parametrize(
    ("typed", "expected"), [("50亿元", rules.PASS), ("49.99亿元", rules.FAIL), ("50.01亿元", rules.PASS)]
)
def test_revenue_50_yi_from_the_typed_total_alone(typed, expected) -> None:
    result = results(with_(example(), firms=[], **{"scale.above_scale_revenue": typed}))["revenue"]
    assert result.status == expected and "按填报总数" in result.note


def test_revenue_never_shown_rounded_onto_the_threshold() -> None:
    result = results(with_(example(), firms=[firm(1, "499999.5")], **{"scale.above_scale_revenue": None}))["revenue"]
    assert result.status == rules.FAIL and result.actual != "50.00亿元"


def test_list_and_typed_total_disagree_the_list_decides_and_both_are_named() -> None:
    data = with_(example(), firms=[firm(1, 400000)], **{"scale.above_scale_revenue": "55亿元"})
    result = results(data)["revenue"]
    assert result.status == rules.FAIL
    assert "名单合计40.00亿元" in result.note and "填报总数55.00亿元" in result.note and "不一致" in result.note


# “原则上不低于20家”: 19 is reported as 未达到（原则上） and blocks nothing.
@pytest.mark.parametrize(("n", "expected"), [(20, rules.PASS), (19, rules.ADVISORY), (21, rules.PASS)])
def test_twenty_leading_industry_above_scale_firms_from_the_list(n, expected) -> None:
    listed = [firm(i, 5000) for i in range(n)]
    listed += [firm(100, 5000, leading=False), firm(101, 900, above=False)]  # neither counts
    data = with_(example(), firms=listed, **{"scale.leading_above_scale_firms": None})
    assert status(data, "leading-firms") == expected


@pytest.mark.parametrize(("n", "expected"), [(20, rules.PASS), (19, rules.ADVISORY), (21, rules.PASS)])
def test_twenty_leading_industry_above_scale_firms_from_the_typed_count(n, expected) -> None:
    result = results(with_(example(), firms=[], **{"scale.leading_above_scale_firms": n}))["leading-firms"]
    assert (result.status, result.actual, result.blocking) == (expected, f"{n}家", False)


# --- 三（三）: ≥1 领军企业 ≥10亿元, ≥3 骨干企业 ≥1亿元 (by the role given and the revenue) ---------------


@pytest.mark.parametrize(("wan", "expected"), [(100000, rules.PASS), (99999, rules.FAIL), (100001, rules.PASS)])
def test_leader_firm_10_yi_from_the_list(wan, expected) -> None:
    data = with_(example(), firms=[firm(1, wan, role="领军企业")], **{"chain.leader_firms": None})
    assert status(data, "leader") == expected


def test_a_firm_over_10_yi_not_named_leader_is_not_a_leader() -> None:
    data = with_(example(), firms=[firm(1, 200000, role="骨干企业")], **{"chain.leader_firms": None})
    assert status(data, "leader") == rules.FAIL


@pytest.mark.parametrize(("n", "expected"), [(1, rules.PASS), (0, rules.FAIL), (2, rules.PASS)])
def test_leader_firm_from_the_typed_count(n, expected) -> None:
    assert status(with_(example(), firms=[], **{"chain.leader_firms": n}), "leader") == expected


@pytest.mark.parametrize(
    ("revenues", "expected"),
    [
        ([10000, 10000, 10000], rules.PASS),  # three at 1亿元
        ([10000, 10000, 9999], rules.FAIL),  # the third just under
        ([10000, 10000, 10001, 10000], rules.PASS),  # over
    ],
)
def test_three_backbone_firms_1_yi_from_the_list(revenues, expected) -> None:
    listed = [firm(i, wan, role="骨干企业") for i, wan in enumerate(revenues)] + [firm(9, 150000, role="领军企业")]
    data = with_(example(), firms=listed, **{"chain.backbone_firms": None})
    assert status(data, "backbone") == expected
    assert status(data, "leader") == rules.PASS  # the leader is counted once, as a leader


@pytest.mark.parametrize(("n", "expected"), [(3, rules.PASS), (2, rules.FAIL), (4, rules.PASS)])
def test_three_backbone_firms_from_the_typed_count(n, expected) -> None:
    assert status(with_(example(), firms=[], **{"chain.backbone_firms": n}), "backbone") == expected


# --- 三（四）: 1 national or 3 provincial platforms; IP ≥ 1000; R&D ≥ 3 % ------------------------------


def platform(i: int, level: str) -> dict:
    return {
        "name": f"测试创新平台{i}",
        "category": "企业技术中心",
        "level": level,
        "owner": "测试企业1有限公司",
        "approved_by": "山东省工业和信息化厅",
        "year": 2022,
    }


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        (["国家级"], rules.PASS),
        (["省级"] * 3, rules.PASS),
        (["省级"] * 2 + ["市级"] * 3, rules.FAIL),
        (["省级"] * 4, rules.PASS),
    ],
)
def test_platforms_one_national_or_three_provincial_from_the_list(levels, expected) -> None:
    plats = [platform(i, level) for i, level in enumerate(levels)]
    data = with_(
        example(),
        **{
            "innovation.platforms": plats,
            "innovation.national_platforms": None,
            "innovation.provincial_platforms": None,
        },
    )
    result = results(data)["platforms"]
    assert result.status == expected
    assert result.required == "国家级≥1家或省级≥3家"


@pytest.mark.parametrize(
    ("national", "provincial", "expected"),
    [(1, 0, rules.PASS), (0, 3, rules.PASS), (0, 2, rules.FAIL), (0, 4, rules.PASS)],
)
def test_platforms_from_the_typed_counts(national, provincial, expected) -> None:
    data = with_(
        example(),
        **{
            "innovation.platforms": [],
            "innovation.national_platforms": national,
            "innovation.provincial_platforms": provincial,
        },
    )
    assert status(data, "platforms") == expected


@pytest.mark.parametrize(("total", "expected"), [(1000, rules.PASS), (999, rules.FAIL), (1001, rules.PASS)])
def test_ip_1000_over_three_years_from_the_list(total, expected) -> None:
    ip = [
        {"year": 2021, "awards": 2, "patents": 300, "software_copyrights": 100},
        {"year": 2022, "awards": 3, "patents": 200, "software_copyrights": 100},
        {"year": 2023, "awards": 5, "patents": 190, "software_copyrights": total - 900},
    ]
    result = results(with_(example(), **{"innovation.ip": ip, "innovation.ip_total": None}))["ip"]
    assert (result.status, result.actual) == (expected, f"{total}项")


@pytest.mark.parametrize(("total", "expected"), [(1000, rules.PASS), (999, rules.FAIL), (1001, rules.PASS)])
def test_ip_1000_from_the_typed_total_alone(total, expected) -> None:
    assert status(with_(example(), **{"innovation.ip": [], "innovation.ip_total": total}), "ip") == expected


@pytest.mark.parametrize(("rd", "expected"), [(3000, rules.PASS), (2999, rules.FAIL), (3001, rules.PASS)])
def test_rd_3_percent_from_the_list(rd, expected) -> None:
    # 10亿元 of sales; a non-规上 firm's R&D and sales stay out
    listed = [firm(1, 100000, rd=rd), firm(2, 1500, above=False, rd=900)]
    data = with_(example(), firms=listed, **{"innovation.above_scale_rd": None, "scale.above_scale_revenue": None})
    result = results(data)["rd-ratio"]
    assert (result.status, result.actual) == (expected, {3000: "3%", 2999: "2.999%", 3001: "3.00%"}[rd])


@pytest.mark.parametrize(
    ("rd", "expected"), [("3000万元", rules.PASS), ("2999万元", rules.FAIL), ("3001万元", rules.PASS)]
)
def test_rd_3_percent_from_the_typed_totals_alone(rd, expected) -> None:
    data = with_(example(), firms=[], **{"innovation.above_scale_rd": rd, "scale.above_scale_revenue": "10亿元"})
    assert status(data, "rd-ratio") == expected


# --- the relaxation (三 末段) and the conditions it does not touch ------------------------------------


@pytest.mark.parametrize(
    ("industry", "expected"), [("集成电路", rules.RELAXED), ("人工智能", rules.RELAXED), ("高端软件", rules.FAIL)]
)
def test_ic_and_ai_relax_the_conditions_of_two_three_and_four(industry, expected) -> None:
    data = with_(
        example(),
        firms=[firm(1, 300000, role="领军企业"), firm(2, 5000)],
        **{
            "digital.leading_industry": industry,
            "scale.above_scale_revenue": None,
            "scale.leading_above_scale_firms": None,
            "chain.backbone_firms": None,
            "innovation.ip": [],
            "innovation.ip_total": 400,
            "innovation.platforms": [],
            "innovation.national_platforms": 0,
            "innovation.provincial_platforms": 1,
        },
    )
    got = results(data)
    for rule in ("revenue", "leading-firms", "backbone", "platforms", "ip", "rd-ratio"):
        want = rules.ADVISORY if rule == "leading-firms" and expected == rules.FAIL else expected  # 原则上
        assert got[rule].status == want, rule
        assert got[rule].blocking == (want == rules.FAIL)
    assert got["leader"].status == rules.PASS


def test_the_relaxation_does_not_cover_the_applicant_or_safety() -> None:
    data = with_(
        example(NEAR),
        **{"operator.independent_legal_person": False, "compliance.no_major_safety_accident": False},
    )
    got = results(data)
    assert (got["operator"].status, got["operator"].actual, got["operator"].blocking) == (rules.FAIL, "2项", True)
    assert (got["safety"].status, got["safety"].blocking) == (rules.FAIL, True)


# --- data errors and warnings, with the field and the line ---------------------------------------


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A throwaway project with the real templates and both examples."""
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    for cluster_id in (EASY, NEAR):
        shutil.copytree(ROOT / "inputs" / cluster_id, tmp_path / "inputs" / cluster_id)
    (tmp_path / "outputs").mkdir()
    return tmp_path


def _edit(root: Path, cluster_id: str, old: str, new: str) -> int:
    """Replace ``old`` (once) in the cluster's YAML; return the 1-based line it is on."""
    file = root / "inputs" / cluster_id / "cluster.yaml"
    text = file.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    file.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def test_a_leading_industry_outside_the_ten_is_refused_with_field_and_line(root) -> None:
    line = _edit(root, EASY, "leading_industry: 高端软件", "leading_industry: 物联网")
    with pytest.raises(DataInvalid) as info:
        checking.check(EASY, paths_of(root))
    (p,) = info.value.errors
    assert (p.code, p.field, p.location.line) == ("E-CHOICE", "digital.leading_industry", line)
    assert "主导产业" in p.label and "人工智能" in p.message and "物联网" in p.message


def test_an_applicant_without_legal_person_status_fails_with_its_line(root) -> None:
    line = _edit(root, NEAR, "independent_legal_person: true", "independent_legal_person: false")
    report = checking.check(NEAR, paths_of(root))
    assert not report.passed
    result = {r.id: r for r in report.results}["operator"]
    assert (result.status, result.clause, result.blocking) == (rules.FAIL, "二", True)
    (w,) = [w for w in report.warnings if w.code == "W-NOT-ELIGIBLE"]
    assert (w.field, w.location.line) == ("operator.independent_legal_person", line)
    assert "具有独立法人资格" in w.message


def test_a_bad_firm_credit_code_is_refused_with_its_line(root) -> None:
    line = _edit(root, EASY, "credit_code: 91370190635069044E", "credit_code: 91370190635069044F")
    with pytest.raises(DataInvalid) as info:
        checking.check(EASY, paths_of(root))
    (p,) = info.value.errors
    assert (p.code, p.field, p.location.line) == ("E-USCC-CHECK", "firms.0.credit_code", line)
    assert p.label == "集群企业名单 › 第1项 › 统一社会信用代码"


def test_checks_warn_of_roles_that_do_not_fit_revenues_and_refuse_wrong_years(root) -> None:
    _edit(root, NEAR, "    role: 领军企业\n    leading: true\n    above_scale: true\n    revenue: 104200万元",
          "    role: 领军企业\n    leading: true\n    above_scale: true\n    revenue: 94200万元")  # fmt: skip
    line = _edit(root, NEAR, "{year: 2021, awards: 3", "{year: 2020, awards: 3")
    with pytest.raises(DataInvalid) as info:
        checking.check(NEAR, paths_of(root))
    problems = {p.code: p for p in info.value.problems}
    assert problems["E-IP-YEAR"].location.line == line and "2021—2023" in problems["E-IP-YEAR"].message
    assert problems["W-ROLE-REVENUE"].field == "firms.1.role"


def test_the_programme_expired_with_its_first_batch() -> None:
    programme = _programme()
    assert (str(programme.valid.start), str(programme.valid.until)) == ("2024-06-14", "2024-06-28")
    assert programme.notice.number == "鲁工信电子〔2024〕122号"


# --- the city's workflow: quota of 四（二） and the 汇总表 row -------------------------------------------


def _city(root: Path, code: str, clusters: list[str]) -> None:
    city = {
        "city": code,
        "programme": PROGRAMME,
        "bureau": None,
        "document_number": "青工信字〔2024〕61号",
        "date": "2024-06-26",
        "contact": "王海",
        "phone": "0532-85911234",
        "clusters": clusters,
    }
    city = {k: v for k, v in city.items() if v is not None}
    folder = root / "inputs" / "cities"
    folder.mkdir(exist_ok=True)
    (folder / f"{code}.yaml").write_text(fastyaml.safe_dump(city, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize(("code", "limit"), [("370200", 3), ("370300", 2)])
def test_city_quota_three_for_qingdao_two_elsewhere(root, code, limit) -> None:
    ids = []
    for i in range(limit + 1):
        folder = root / "inputs" / f"ai-{i}"
        shutil.copytree(root / "inputs" / NEAR, folder)
        data = fastyaml.safe_load((folder / "cluster.yaml").read_text(encoding="utf-8"))
        data["cluster"]["city"] = code
        (folder / "cluster.yaml").write_text(fastyaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        ids.append(f"ai-{i}")
    _city(root, code, ids[:limit])
    assert len(recommend.plan(code, paths_of(root)).reports) == limit
    _city(root, code, ids)
    with pytest.raises(DataInvalid) as info:
        recommend.plan(code, paths_of(root))
    (p,) = [p for p in info.value.problems if p.code == "E-CITY-QUOTA"]
    assert f"最多推荐{limit}个集群" in p.message and "四（二）" in p.message


def test_city_summary_row_reads_the_schema_context(root) -> None:
    _city(root, "370200", [NEAR])
    plan = recommend.plan("370200", paths_of(root))
    programme = plan.programme
    contexts = [
        {**programme.data_schema.context(r.data, programme), "status": {"short": Verdict(tuple(r.results)).short}}
        for r in plan.reports
    ]
    (row,), totals = tables.summary_rows(programme.city.summary_columns, contexts)
    assert row == [
        "1",
        "青岛市",
        "青岛澜湾人工智能产业集群",
        "人工智能",
        "青岛澜湾人工智能产业促进会",
        "51.20",
        "20",
        "2",
        "8",
        "0/2",
        "1006",
        "3.44%",
        "于海燕",
        "0532-86617829",
        "放宽：三（四）",  # 2 provincial platforms, no national one: met by 三 末段 for 人工智能
    ]
    assert totals[5] == "51.20"


# --- templates: variables, fonts, structure -------------------------------------------------


def _templates() -> list[str]:
    p = _programme()
    return [p.packet.cover, p.packet.toc, *(d.template for d in p.documents)]


@pytest.mark.parametrize("name", _templates())
def test_template_variables_exist_in_both_examples_contexts(name: str) -> None:
    used = jinja.template_variables(_programme().template(name))
    assert used, name
    for cluster_id in (EASY, NEAR):
        model = _programme().data_schema.model.model_validate(example(cluster_id))
        results = checking.evaluate(model, _programme())
        context = {**packet_ctx.packet_context(_programme(), model, results, []), "toc": []}
        assert used <= set(context), used - set(context)


@pytest.mark.parametrize("name", _templates())
def test_templates_name_official_fonts_and_zh_cn(name: str) -> None:
    doc = Document(_programme().template(name))
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    fonts = {r.get(qn("w:eastAsia")) for r in doc.element.body.iter(qn("w:rFonts"))}
    assert fonts and fonts <= {"宋体", "仿宋_GB2312", "黑体", "楷体_GB2312", "方正小标宋简体"}, fonts


def test_context_shows_typed_totals_when_the_lists_are_empty() -> None:
    data = with_(
        example(),
        firms=[],
        **{"innovation.ip": [], "innovation.platforms": [], "innovation.above_scale_rd": "12亿元"},
    )
    model = _programme().data_schema.model.model_validate(data)
    ctx = _programme().data_schema.context(model, _programme())
    assert ctx["row"] == {
        "revenue": "142.12",
        "leading_firms": "29",
        "leaders": "3",
        "backbones": "12",
        "platforms": "2/6",
        "ip": "5303",
        "rd_ratio": "8.44%",
    }
    assert ctx["scale"]["basis"] == "按填报的统计数计"


# --- both packets, built once with the real LibreOffice, read back --------------------------------


@pytest.fixture(scope="session")
def packets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, case.BuildResult]:
    base = tmp_path_factory.mktemp("digital")
    shutil.copytree(ROOT / "templates", base / "templates")
    for cluster_id in (EASY, NEAR):
        shutil.copytree(ROOT / "inputs" / cluster_id, base / "inputs" / cluster_id)
    paths = paths_of(base)
    office = cache.converter(paths)
    try:
        return {c: packet_flow.bundle(c, paths, office=office) for c in (EASY, NEAR)}
    finally:
        office.close()


def _pages(reader: PdfReader, outline, title: str) -> str:
    """The text of the part bookmarked ``title``, up to the next top-level bookmark."""
    tops = [(t, p) for t, p, level in outline if level == 1] + [("end", len(reader.pages))]
    i = [t for t, _ in tops].index(title)
    start, end = tops[i][1], tops[i + 1][1]
    return normalise("".join(reader.pages[k].extract_text() for k in range(start, max(end, start + 1))))


@pytest.mark.office
@pytest.mark.parametrize("cluster_id", [EASY, NEAR])
def test_packet_bookmarks_chapters_and_tables(packets, cluster_id) -> None:
    result = packets[cluster_id]
    assert not result.draft and result.manifest()["checks"]["passed"]
    reader = PdfReader(result.folder / "申报书.pdf")
    outline = bookmarks(reader)
    assert [t for t, _, level in outline if level == 1] == (TOP_RELAXED if cluster_id == NEAR else TOP)
    starts = [p for _, p, level in outline if level == 1]
    assert starts == sorted(starts)
    data = example(cluster_id)
    for chapter in CHAPTERS:
        assert normalise(chapter) in _pages(reader, outline, chapter), chapter
    chain = _pages(reader, outline, "五、产业链条")
    for item in data["firms"]:  # every firm, with its credit code, in the enterprise table
        assert normalise(item["name"]) in chain and str(item["credit_code"]) in chain, item["name"]
    assert "统一社会信用代码营业收入" not in chain and "研发投入（万元）" in chain
    innovation = _pages(reader, outline, "六、创新能力")
    for item in data["innovation"]["platforms"]:
        assert normalise(item["name"]) in innovation, item["name"]
    assert "软件著作权（项）" in innovation
    commitment = _pages(reader, outline, "承诺书")
    for phrase in COMMITMENT:
        assert normalise(phrase) in commitment, phrase
    # 四（一）: the sensitive material is said to have gone to the city only where there is some
    sensitive = any(a.get("sensitive") for a in data["attachments"])
    assert ("敏感证明材料未在申报材料中体现" in commitment) == sensitive
    assert normalise(data["applicant"]["name"]) in commitment
    summary = _pages(reader, outline, SUMMARY)
    assert "山东省数字产业集群申报信息汇总表" in summary and normalise(data["cluster"]["name"]) in summary
    page = reader.pages[dict((t, p) for t, p, _ in outline)[SUMMARY]]
    assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape


@pytest.mark.office
@pytest.mark.parametrize(("cluster_id", "pages"), [(EASY, 29), (NEAR, 26)])
def test_packet_pages_cover_and_commitment_fit_one_page_each(packets, cluster_id, pages) -> None:
    m = packets[cluster_id].manifest()["packet"]
    assert m["pages"] == len(PdfReader(packets[cluster_id].folder / "申报书.pdf").pages) == pages
    parts = {p["id"]: p["pages"] for p in m["parts"]}
    assert m["cover_pages"] == 1 and parts["commitment"] == 1 and parts["summary-row"] == 1


@pytest.mark.office
def test_near_threshold_packet_records_its_check_results(packets) -> None:
    checks = {r["id"]: r for r in packets[NEAR].manifest()["checks"]["results"]}
    assert checks["revenue"]["actual"] == "51.20亿元" and checks["revenue"]["status"] == rules.PASS
    assert checks["leading-firms"]["actual"] == "20家"
    assert checks["platforms"]["status"] == rules.RELAXED
    assert packets[NEAR].manifest()["digital"] == {
        "leading_industry": "人工智能",
        "data_year": 2023,
        "firms_listed": 25,
        "above_scale_revenue": "51.20亿元",
        "rd_ratio": "3.44%",
    }
    report = normalise(PdfReader(packets[NEAR].folder / "自查报告.pdf").pages[0].extract_text())
    assert "放宽" in report and "三（末段）" in report


@pytest.mark.office
def test_sensitive_proof_stays_out_of_the_packet(packets) -> None:
    folder = packets[EASY].folder
    text = normalise("".join(p.extract_text() for p in PdfReader(folder / "申报书.pdf").pages))
    assert "本清单涉及企业商业秘密" not in text
    assert re.search(r"3-2重点企业核心客户和合同清单（敏感材料）\.+另行报送", text)  # its 目录 row
    assert (folder / "敏感材料清单.pdf").is_file()


@pytest.mark.office
def test_enterprise_table_has_a_row_per_firm_and_two_totals(packets) -> None:
    doc = Document(packets[EASY].folder / "05-产业链条.docx")
    (table,) = doc.tables
    assert len(table.rows) == 1 + len(example(EASY)["firms"]) + 2
    assert [c.text for c in table.rows[-2].cells][-2:] == ["1424350", "137300"]
    assert [c.text for c in table.rows[-1].cells][-2:] == ["1421200", "137000"]
    assert Decimal("1421200") / 10000 == Decimal("142.12")
