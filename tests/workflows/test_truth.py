"""What goes to the province is true: each cluster's verdict as the checks found it, every notice's demand met.

A city recommends three 特色 clusters: one meets every condition, one meets the area condition
only by 第四条（二）第二款 (its proof attached), one misses the revenue condition and is recommended
by the bureau with its reason. The letter, the 汇总表 and the 审核表 say so, in words read from the
PDFs and the workbooks; the forced cluster's packet is final, the relaxed one discloses its relaxation.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import fastyaml
import pytest
from conftest import EXAMPLE, ROOT, bookmarks, example_data, normalise, paths_of
from openpyxl import load_workbook
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader

from pipeline.core import case, rules
from pipeline.errors import DataInvalid
from pipeline.stages import check as checking
from pipeline.stages import recommend
from pipeline.workflows import city as city_packet
from pipeline.workflows import packet as packets

CITY = "370700"
RELAXED, FORCED = "qinglan-parts", "qinglan-service"
RELAXED_NAME, FORCED_NAME = "青岚县农机零部件特色产业集群", "青岚县农机服务特色产业集群"
REASON = "该集群农机社会化服务带动作用突出，营业收入已连续三年增长两成以上"
MET_NAME = "青岚县智能农机装备特色产业集群"


def _project(base: Path) -> case.Paths:
    shutil.copytree(ROOT / "templates", base / "templates")
    shutil.copytree(ROOT / "inputs" / EXAMPLE, base / "inputs" / EXAMPLE)
    relaxed = example_data()
    relaxed["cluster"]["name"] = RELAXED_NAME
    relaxed["cluster"]["area_km2"] = 120  # over 第四条（二）'s 100 平方公里
    relaxed["relaxation"] = {"claim": "全省同行业第一", "evidence": "2023年山东省农机工业统计年报第12页"}
    relaxed["attachments"].append(
        {"title": "主导产业营业收入全省排名证明", "category": "relaxation", "file": "统计监测月报摘要.pdf"}
    )
    forced = example_data()
    forced["cluster"]["name"] = FORCED_NAME
    forced["indicators"]["revenue"] = "90亿元"  # under 第四条（二）'s 100亿元, no relaxation claimed
    forced["indicators"]["leading_industry_revenue"] = "70亿元"
    for cid, data in ((RELAXED, relaxed), (FORCED, forced)):
        folder = base / "inputs" / cid
        shutil.copytree(ROOT / "inputs" / EXAMPLE, folder)
        (folder / "cluster.yaml").write_text(
            fastyaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    city = fastyaml.safe_load((ROOT / "inputs" / "cities" / f"{CITY}.yaml").read_text(encoding="utf-8"))
    city.update(clusters=[EXAMPLE, RELAXED, FORCED], force={FORCED: REASON})
    (base / "inputs" / "cities").mkdir()
    (base / "inputs" / "cities" / f"{CITY}.yaml").write_text(
        fastyaml.safe_dump(city, allow_unicode=True), encoding="utf-8"
    )
    (base / "outputs").mkdir()
    return paths_of(base)


@pytest.fixture(scope="module")
def three(tmp_path_factory) -> city_packet.CityResult:
    return city_packet.city_bundle(CITY, _project(tmp_path_factory.mktemp("three")))


def _text(pdf: Path) -> str:
    return normalise("".join(p.extract_text() for p in PdfReader(pdf).pages))


@pytest.mark.office
def test_the_letter_states_each_clusters_verdict(three) -> None:
    text = _text(three.folder / "推荐文件.pdf")
    met = f"1.{MET_NAME}（申报单位：青岚经济开发区管理委员会）：符合申报条件。"
    relaxed = (
        f"2.{RELAXED_NAME}（申报单位：青岚经济开发区管理委员会）：主导产业营业收入全省同行业第一，"
        "第四条（二）“集群区域面积在100平方公里以内”（实为120平方公里）按第四条（二）第二款适当放宽，其余条件均符合。"
    )
    forced = (
        f"3.{FORCED_NAME}（申报单位：青岚经济开发区管理委员会）：第四条（二）“年营业收入100亿元以上”（实为90.00亿元）"
        f"未达到，我局推荐理由：{REASON}，其余条件均符合。"
    )
    for sentence in (met, relaxed, forced):
        assert normalise(sentence) in text, sentence
    assert "个集群符合申报条件" not in text  # never one sentence for all when they differ


@pytest.mark.office
def test_the_summary_table_and_review_sheet_carry_the_same_verdicts(three) -> None:
    ws = load_workbook(three.folder / "汇总表.xlsx").active
    head = [c.value for c in ws[3]]
    col = head.index("审核结论") + 1
    assert [ws.cell(r, col).value for r in (4, 5, 6)] == ["达到", "放宽：第四条（二）", "未达到：第四条（二）"]
    notes = [ws.cell(r, 1).value for r in range(7, ws.max_row + 1) if ws.cell(r, 1).value]
    assert any(n.startswith(f"2.{RELAXED_NAME}：主导产业营业收入全省同行业第一") for n in notes), notes
    assert any(n.startswith(f"3.{FORCED_NAME}：") and REASON in n for n in notes), notes
    pdf = _text(three.folder / "汇总表.pdf")
    assert "放宽：第四条（二）" in pdf and "未达到：第四条（二）" in pdf and normalise(REASON) in pdf
    review = load_workbook(three.folder / "审核表.xlsx").active
    rows = {review.cell(r, 1).value: r for r in range(1, review.max_row + 1)}
    verdicts = [review.cell(rows["审核结论"], c).value for c in (4, 6, 8)]
    assert verdicts == ["达到", "放宽：第四条（二）", "未达到：第四条（二）"]
    assert [review.cell(rows["强制推荐理由（force）"], c).value for c in (4, 6, 8)] == ["否", "否", REASON]
    assert review.cell(rows["集群区域面积在100平方公里以内"], 7).value == rules.RELAXED


@pytest.mark.office
def test_a_forced_cluster_goes_as_a_final_packet_with_the_bureaus_reason(three) -> None:
    folder = three.folder.parents[1] / FORCED
    manifest = fastyaml.safe_load((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["checks"]["passed"] is False and manifest["checks"]["draft"] is False
    assert manifest["checks"]["accepted_by_city"] == REASON
    assert "草稿" not in _text(folder / "申报材料.pdf")
    report = _text(folder / "自查报告.pdf")
    assert "不符合申报条件" in report and normalise(REASON) in report


@pytest.mark.office
def test_a_relaxed_cluster_discloses_the_relaxation_and_its_proof_in_its_own_packet(three) -> None:
    folder = three.folder.parents[1] / RELAXED
    reader = PdfReader(folder / "申报材料.pdf")
    outline = bookmarks(reader)
    top = [t for t, _, level in outline if level == 1]
    i = top.index("关于适用放宽条件的说明")
    assert top[i + 1] == "佐证材料5：主导产业营业收入居全省同行业第一位或全国同行业前列的证明材料"
    start = dict((t, p) for t, p, _ in outline)["关于适用放宽条件的说明"]
    page = normalise(reader.pages[start].extract_text())
    for phrase in (
        "主导产业营业收入居全省同行业第一位或居全国同行业前列的产业集群，可适当放宽条件。",  # the notice's words
        "适用依据：主导产业营业收入全省同行业第一。",
        "集群区域面积在100平方公里以内",
        "120平方公里",
        "佐证材料5-1主导产业营业收入全省排名证明（附后）",
    ):
        assert normalise(phrase) in page, phrase
    toc_pages = fastyaml.safe_load((folder / "manifest.json").read_text(encoding="utf-8"))["packet"]["toc_pages"]
    toc = normalise("".join(reader.pages[1 + k].extract_text() for k in range(toc_pages)))
    assert "关于适用放宽条件的说明" in toc and "主导产业营业收入全省排名证明" in toc
    # the packet of a cluster that needs no relaxation has no such part
    assert "关于适用放宽条件的说明" not in [
        t for t, _, _ in bookmarks(PdfReader(three.folder.parents[1] / EXAMPLE / "申报材料.pdf"))
    ]


def test_the_sensitive_sentence_and_the_disc_come_with_sensitive_material(three, example_cities) -> None:
    # qinglan (370700) and quanyue (370100) each keep a proof out of the packet; lanwan (370200) none
    assert "敏感证明材料" in _text(three.folder / "推荐文件.pdf")
    jinan, qingdao = example_cities["370100"], example_cities["370200"]
    assert "机要渠道" in _text(jinan.folder / "推荐文件.pdf")
    assert "机要" not in _text(qingdao.folder / "推荐文件.pdf") and "敏感" not in _text(qingdao.folder / "推荐文件.pdf")
    gathered = sorted(p.relative_to(jinan.folder).as_posix() for p in (jinan.folder / "敏感材料").rglob("*.pdf"))
    assert gathered == [
        "敏感材料/1.济南泉岳高端软件产业集群/3-2-重点企业核心客户和合同清单.pdf",
        "敏感材料/敏感材料清单.pdf",
    ]
    assert "重点企业核心客户和合同清单" in _text(jinan.folder / "敏感材料" / "敏感材料清单.pdf")
    assert not (qingdao.folder / "敏感材料").exists()
    with zipfile.ZipFile(jinan.folder / "济南市-推荐材料.zip") as zf:
        assert not [n for n in zf.namelist() if "合同清单" in n]  # never by mail


def test_every_city_output_has_its_checklist_and_the_zip_the_notice_asks_for(example_cities) -> None:
    for result in example_cities.values():
        checklist = _text(result.folder / "报送清单.pdf")
        assert "报送清单" in checklist and "推荐文件" in checklist
    evaluation = example_cities["370300"]
    with zipfile.ZipFile(evaluation.folder / "淄博市-推荐材料.zip") as zf:
        names = zf.namelist()
    # 四（三）: 推荐文件（PDF版）、申报材料（PDF、WORD版）, and paper copies by EMS to the address it gives
    assert "淄博市-峪阳县功能纺织特色产业集群-综合评价材料.docx" in names
    assert "淄博市-峪阳县功能纺织特色产业集群-综合评价材料.pdf" in names
    checklist = _text(evaluation.folder / "报送清单.pdf")
    for phrase in ("suoli@shandong.cn", "一式两份", "EMS", "山东省济南市省府前街1号", "2022年6月20日"):
        assert normalise(phrase) in checklist, phrase
    digital = _text(example_cities["370100"].folder / "报送清单.pdf")
    assert "dzxxc_sjxw@shandong.cn" in digital and "汇总表（盖章扫描件）" in digital and "待盖章扫描" in digital


def test_the_digital_letter_numbers_its_attachments_as_the_notice_numbers_its_forms(example_cities) -> None:
    # 附件1 申报书 (its cover says 附件1), 附件2 汇总表 (its first line says 附件2)
    result = example_cities["370100"]
    letter = _text(result.folder / "推荐文件.pdf")
    assert "附件：1.山东省数字产业集群申报书（济南泉岳高端软件产业集群）" in letter
    assert "2.山东省数字产业集群申报信息汇总表" in letter
    assert _text(result.folder / "汇总表.pdf").startswith("附件2")
    reader = PdfReader(result.folder / "推荐材料.pdf")
    titles = [t for t, _, level in bookmarks(reader) if level == 1]
    assert titles == [
        "目录",
        "推荐文件",
        "附件1　山东省数字产业集群申报书（济南泉岳高端软件产业集群）",
        "附件2　山东省数字产业集群申报信息汇总表",
    ]
    cover = dict((t, p) for t, p, _ in bookmarks(reader))["1-1　济南泉岳高端软件产业集群申报书"]
    assert normalise(reader.pages[cover].extract_text()).startswith("附件1")


# --- sealed scans: per city file, per document; one page number on a scanned page ---------------


def _raster(pdf: Path, out: Path, number: str | None = None) -> Path:
    """A scanner's copy of ``pdf``'s first page: pixels only; ``number`` drawn at the foot as a printout had it."""
    subprocess.run(
        ["pdftoppm", "-r", "100", "-png", "-f", "1", "-l", "1", str(pdf), str(out.with_suffix(""))], check=True
    )
    png = next(out.parent.glob(out.stem + "*.png"))
    image = Image.open(png).convert("RGB")
    if number:
        draw = ImageDraw.Draw(image)
        font = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 22)
        w, h = image.size
        draw.text((w / 2, h - 8 / 25.4 * 100), number, fill=(0, 0, 0), font=font, anchor="mm")  # 8 mm up
    image.save(out, "PDF", resolution=100.0)
    png.unlink()
    return out


@pytest.fixture(scope="module")
def two_programmes(tmp_path_factory):
    """潍坊 recommends for 特色申报 and reports 综合评价, each with its own sealed letter."""
    base = tmp_path_factory.mktemp("two")
    paths = paths_of(base)
    shutil.copytree(ROOT / "templates", base / "templates")
    shutil.copytree(ROOT / "inputs" / EXAMPLE, base / "inputs" / EXAMPLE)
    evaluation = fastyaml.safe_load(
        (ROOT / "inputs" / "yuyang-textile-eval" / "cluster.yaml").read_text(encoding="utf-8")
    )
    evaluation["cluster"]["city"] = CITY
    shutil.copytree(ROOT / "inputs" / "yuyang-textile-eval", base / "inputs" / "weifang-eval")
    (base / "inputs" / "weifang-eval" / "cluster.yaml").write_text(
        fastyaml.safe_dump(evaluation, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    cities = base / "inputs" / "cities"
    cities.mkdir()
    apply = fastyaml.safe_load((ROOT / "inputs" / "cities" / f"{CITY}.yaml").read_text(encoding="utf-8"))
    report = {**apply, "programme": "tese-eval", "document_number": "潍工信字〔2022〕31号", "date": "2022-06-16",
              "clusters": ["weifang-eval"]}  # fmt: skip
    for programme, data in (("tese-apply", apply), ("tese-eval", report)):
        (cities / f"{CITY}-{programme}.yaml").write_text(fastyaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    first = {p: city_packet.city_bundle(CITY, paths, p) for p in ("tese-apply", "tese-eval")}
    work = base / "scans"
    work.mkdir()
    for programme, result in first.items():  # printed, sealed, scanned: each into its own city file's folder
        signed = cities / f"{CITY}-{programme}" / "signed"
        signed.mkdir(parents=True)
        shutil.copyfile(result.folder / "推荐文件.pdf", signed / "推荐文件.pdf")
    _raster(first["tese-apply"].folder / "汇总表.pdf", cities / f"{CITY}-tese-apply" / "signed" / "汇总表.pdf")
    again = {p: city_packet.city_bundle(CITY, paths, p) for p in ("tese-apply", "tese-eval")}
    return paths, again


@pytest.mark.office
def test_each_programmes_packet_and_zip_carry_its_own_sealed_letter(two_programmes) -> None:
    _paths, results = two_programmes
    numbers = {"tese-apply": "潍工信字〔2024〕58号", "tese-eval": "潍工信字〔2022〕31号"}
    for programme, result in results.items():
        assert result.manifest()["signed_scans"]["letter"] == f"inputs/cities/{CITY}-{programme}/signed/推荐文件.pdf"
        reader = PdfReader(result.folder / "推荐材料.pdf")
        letter_page = dict((t, p) for t, p, _ in bookmarks(reader))["推荐文件"]
        shown = normalise(reader.pages[letter_page].extract_text())
        assert numbers[programme] in shown and all(n not in shown for p, n in numbers.items() if p != programme)
        with zipfile.ZipFile(next(result.folder.glob("*.zip"))) as zf:
            assert numbers[programme] in normalise(_pdf_text_bytes(zf.read("潍坊市-推荐文件.pdf")))


def _pdf_text_bytes(data: bytes) -> str:
    import io

    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.office
def test_a_sealed_summary_scan_replaces_the_generated_one_in_packet_and_zip(two_programmes) -> None:
    paths, results = two_programmes
    result = results["tese-apply"]
    scan = paths.inputs / "cities" / f"{CITY}-tese-apply" / "signed" / "汇总表.pdf"
    assert result.manifest()["signed_scans"]["summary"] == f"inputs/cities/{CITY}-tese-apply/signed/汇总表.pdf"
    with zipfile.ZipFile(result.folder / "潍坊市-推荐材料.zip") as zf:
        assert zf.read("潍坊市-山东省特色产业集群申报信息汇总表.pdf") == scan.read_bytes()
    reader = PdfReader(result.folder / "推荐材料.pdf")
    page = dict((t, p) for t, p, _ in bookmarks(reader))["附件1　山东省特色产业集群申报信息汇总表"]
    assert reader.pages[page].extract_text().strip() == ""  # the scan's pixels, not the generated text
    assert "已用盖章扫描件" in _text(result.folder / "报送清单.pdf")


@pytest.mark.office
def test_a_scan_in_a_folder_that_serves_several_programmes_is_refused(two_programmes) -> None:
    paths, _results = two_programmes
    shared = paths.inputs / "cities" / CITY / "signed"
    shared.mkdir(parents=True)
    shutil.copyfile(paths.inputs / "cities" / f"{CITY}-tese-apply" / "signed" / "推荐文件.pdf", shared / "推荐文件.pdf")
    try:
        with pytest.raises(DataInvalid) as info:
            recommend.plan(CITY, paths, "tese-apply")
        (problem,) = [p for p in info.value.problems if p.code == "E-CITY-SIGNED-AMBIGUOUS"]
        assert f"cities/{CITY}-tese-apply/signed" in problem.message and f"cities/{CITY}/signed" in problem.message
    finally:
        shutil.rmtree(shared.parent)


def test_a_sealed_documents_own_pdf_carries_no_page_number(example_packet) -> None:
    own = normalise(PdfReader(example_packet.folder / "08-真实性声明.pdf").pages[0].extract_text())
    assert "—" not in own and "事故" not in own and "失信" not in own  # and it says only what 第六条（八）asks
    numbered = normalise(PdfReader(example_packet.folder / "02-发展情况简介.pdf").pages[0].extract_text())
    assert "—1—" in numbered


@pytest.mark.office
def test_a_scan_that_shows_its_printouts_number_shows_one_number_in_the_packet(tmp_path) -> None:
    paths = paths_of(tmp_path)
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    shutil.copytree(ROOT / "inputs" / EXAMPLE, tmp_path / "inputs" / EXAMPLE)
    signed = tmp_path / "inputs" / EXAMPLE / "signed" / "declaration.pdf"
    first = packets.bundle(EXAMPLE, paths)
    _raster(first.folder / "08-真实性声明.pdf", signed, number="— 1 —")  # as an older printout had it
    result = packets.bundle(EXAMPLE, paths)
    reader = PdfReader(result.folder / "申报材料.pdf")
    index = dict((t, p) for t, p, _ in bookmarks(reader))["对申报材料真实性的声明"]
    text = normalise(reader.pages[index].extract_text())
    assert text == f"—{index + 1}—"  # the packet's number; the scan has no text of its own
    packet = result.folder / "申报材料.pdf"
    subprocess.run(["pdftoppm", "-r", "50", "-gray", "-f", str(index + 1), "-l", str(index + 1), str(packet),
                    str(tmp_path / "page")], check=True)  # fmt: skip
    image = Image.open(next(tmp_path.glob("page*.pgm")))
    w, h = image.size
    mm = 50 / 25.4
    band = image.crop((int(w / 2 - 30 * mm), int(h - 12 * mm), int(w / 2 + 30 * mm), int(h - 4 * mm)))
    assert band.getextrema()[0] > 200  # the printout's "— 1 —" at 8 mm is painted over; nothing dark is left


# --- checks the notices imply -------------------------------------------------------------------


@pytest.mark.office
def test_nineteen_leading_firms_build_a_final_packet_that_says_yuanze_shang(tmp_path) -> None:
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    shutil.copytree(ROOT / "inputs" / "quanyue-software", tmp_path / "inputs" / "qy19")
    file = tmp_path / "inputs" / "qy19" / "cluster.yaml"
    data = fastyaml.safe_load(file.read_text(encoding="utf-8"))
    leading = [f for f in data["firms"] if f["leading"] and f["above_scale"]]
    for f in leading[19:]:
        f["leading"] = False  # 19 left
    data["scale"]["leading_above_scale_firms"] = 19
    file.write_text(fastyaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    cli = [str(ROOT / ".venv" / "bin" / "clusterpack")]
    r = subprocess.run([*cli, "bundle", "qy19", "--root", str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "outputs" / "digital-apply" / "qy19"
    assert "未达到（原则上）" in _text(out / "自查报告.pdf") and "草稿" not in _text(out / "申报书.pdf")
    r = subprocess.run([*cli, "check", "qy19", "--root", str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 0 and "未达到（原则上）" in r.stdout and "依据通知整理的格式" in r.stdout


def _digital(tmp_path: Path, **changes) -> Path:
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    shutil.copytree(ROOT / "inputs" / "quanyue-software", tmp_path / "inputs" / "qy")
    file = tmp_path / "inputs" / "qy" / "cluster.yaml"
    data = fastyaml.safe_load(file.read_text(encoding="utf-8"))
    for path, value in changes.items():
        node = data
        *head, last = path.split(".")
        for step in head:
            node = node[step]
        node[last] = value
    file.write_text(fastyaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return tmp_path


def test_digital_data_must_be_of_the_year_before(tmp_path) -> None:
    root = _digital(tmp_path, **{"digital.year": 2022, "innovation.ip": []})
    with pytest.raises(DataInvalid) as info:
        checking.check("qy", paths_of(root))
    (problem,) = [p for p in info.value.problems if p.field == "digital.year"]
    assert problem.code == "E-DATA-YEAR-NOTICE" and problem.location.line and "2023" in problem.message


def _evaluation(tmp_path: Path, programme_data: dict | None = None, **changes) -> Path:
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    shutil.copytree(ROOT / "inputs" / "yuyang-textile-eval", tmp_path / "inputs" / "ev")
    file = tmp_path / "inputs" / "ev" / "cluster.yaml"
    data = fastyaml.safe_load(file.read_text(encoding="utf-8"))
    for path, value in changes.items():
        node = data
        *head, last = path.split(".")
        for step in head:
            node = node[step]
        node[last] = value
    file.write_text(fastyaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    if programme_data is not None:
        pfile = tmp_path / "templates" / "tese-eval" / "programme.yaml"
        programme = fastyaml.safe_load(pfile.read_text(encoding="utf-8"))
        programme["data"] = programme_data
        pfile.write_text(fastyaml.safe_dump(programme, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return tmp_path


def test_a_recognition_after_the_declaration_is_refused(tmp_path) -> None:
    root = _evaluation(tmp_path, **{"evaluation.recognised.year": 2030})
    with pytest.raises(DataInvalid) as info:
        checking.check("ev", paths_of(root))
    assert set(info.value.codes) == {"E-EVAL-RECOGNISED-FUTURE"}


def test_a_cluster_recognised_after_the_round_is_out_of_its_scope(tmp_path) -> None:
    root = _evaluation(tmp_path, **{"evaluation.recognised.year": 2023, "declaration.date": "2023-06-15"})
    results = {r.id: r for r in checking.check("ev", paths_of(root)).results}
    assert results["scope"].status == rules.PASS and results["scope-round"].status == rules.FAIL


def test_the_evaluations_data_year_and_cutoff_come_from_its_programme_folder(tmp_path) -> None:
    import datetime as dt

    # a later round's folder says 2022 and 2022-12-31: the example's 2021 figures are refused, by its words
    root = _evaluation(tmp_path, {"year": 2022, "cutoff": dt.date(2022, 12, 31)})
    with pytest.raises(DataInvalid) as info:
        checking.check("ev", paths_of(root))
    codes = {p.code: p for p in info.value.problems}
    assert "E-EVAL-DATA-YEAR" in codes and "2022" in codes["E-EVAL-DATA-YEAR"].message
    assert "W-EVAL-CUTOFF" in codes and "2022年12月31日" in codes["W-EVAL-CUTOFF"].message


def test_every_document_says_whether_its_form_is_the_notices(example_packet) -> None:
    forms = example_packet.manifest()["forms"]
    assert forms and set(forms.values()) <= {"official", "reconstructed"}
    assert forms["application-form"] == "reconstructed"  # the 附件 body is not in our sources
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "reconstructed" in readme and "依据通知整理" in readme
