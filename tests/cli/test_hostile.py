"""Hostile input, refused before anything expensive runs: each class with its code and its place.

Every hostile file is made here, small: a limit is lowered through its environment variable
(limits.py) rather than a file made large. None of these tests needs LibreOffice.
"""

from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path

import fastyaml
import hostile
import pytest
from click.testing import CliRunner
from conftest import EXAMPLE, ROOT, example_data, paths_of, write_cluster
from openpyxl import load_workbook

from pipeline.cli import main
from pipeline.core import case, limits, units
from pipeline.errors import DataInvalid, ExitCode, TemplateProblem, UsageError
from pipeline.forms import workbook
from pipeline.kits import jinja as jinja_kit
from pipeline.stages import cache, convert, recommend, render, tables
from pipeline.stages import check as checking
from pipeline.workflows import city as city_packet
from pipeline.workflows import outbox
from pipeline.workflows import packet as packets

# --- helpers -------------------------------------------------------------------------------------


def _problems(root: Path, cid: str = EXAMPLE) -> list:
    with pytest.raises(DataInvalid) as info:
        checking.prepare(cid, paths_of(root))
    return info.value.errors


def _errors(root: Path, cid: str = EXAMPLE) -> dict[str, object]:
    """{code: the first error with it}."""
    out: dict[str, object] = {}
    for p in _problems(root, cid):
        if p.severity == "error":
            out.setdefault(p.code, p)
    return out


def _yaml(root: Path) -> Path:
    return root / "inputs" / EXAMPLE / "cluster.yaml"


def _replace(root: Path, old: str, new: str) -> str:
    f = _yaml(root)
    text = f.read_text(encoding="utf-8")
    assert old in text, old
    text = text.replace(old, new, 1)
    f.write_text(text, encoding="utf-8")
    return text


def _line(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def _with_attachment(root: Path, name: str, content: bytes | None, category: str = "other", **item) -> str:
    data = example_data()
    data["attachments"] = [{"title": "材料", "category": category, "file": name, **item}]
    folder = write_cluster(root, "att", data)
    if content is not None:
        hostile.write(folder / "attachments" / name, content)
    return "att"


# --- YAML: tags, NaN, negative sizes, limits ------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("!!python/name:os.system 青岚", "E-YAML-TAG"),
        ("!!python/object/apply:os.system [ls]", "E-YAML-TAG"),
        ("!shell 青岚", "E-YAML-TAG"),
        ("!!binary aGVsbG8=", "E-YAML-TAG"),
        ("!!set {a, b}", "E-YAML-TAG"),
        ("!!timestamp 青岚", "E-YAML-TAG-VALUE"),
        ("!!bool maybe", "E-YAML-TAG-VALUE"),
        ("!!int 青岚", "E-YAML-TAG-VALUE"),
    ],
)
def test_yaml_tags_other_than_the_core_types_are_refused_at_their_line(root: Path, value: str, code: str) -> None:
    text = _replace(root, "  name: 青岚县智能农机装备特色产业集群", f"  name: {value}")
    (problem,) = [p for p in _problems(root) if p.severity == "error"]
    assert problem.code == code and problem.field == "cluster.name"
    assert problem.location.line == _line(text, value)


def test_the_yaml_merge_key_is_refused_at_its_line(root: Path) -> None:
    text = _replace(root, "cluster:\n", "base: &base {county: 青岚县}\ncluster:\n  <<: *base\n")
    codes = {p.code: p for p in _problems(root)}
    assert codes["E-YAML-TAG"].location.line == _line(text, "<<")


@pytest.mark.parametrize(
    "amount",
    [
        "{value: sNaN, unit: 亿元}",
        "{value: NaN, unit: 亿元}",
        "{value: .inf, unit: 亿元}",
        '{value: "-inf", unit: 万元}',
    ],
)
def test_not_a_number_is_no_amount(root: Path, amount: str) -> None:
    text = _replace(root, "  revenue: 186.45亿元", f"  revenue: {amount}")
    problem = _errors(root)["E-MONEY-NOT-FINITE"]
    assert problem.field == "indicators.revenue" and problem.location.line == _line(text, amount)


def test_an_amount_with_a_huge_exponent_is_implausible_not_a_crash(root: Path) -> None:
    _replace(root, "  revenue: 186.45亿元", "  revenue: {value: 1e999999999, unit: 亿元}")
    assert "E-AMOUNT-IMPLAUSIBLE" in _errors(root)


def test_a_negative_size_is_refused_but_a_loss_is_a_profit(root: Path) -> None:
    text = _replace(root, "  revenue: 186.45亿元", "  revenue: -186.45亿元")
    problem = _errors(root)["E-MONEY-NEGATIVE"]
    assert problem.field == "indicators.revenue" and problem.location.line == _line(text, "-186.45亿元")
    _replace(root, "  revenue: -186.45亿元", "  revenue: 186.45亿元")
    data = fastyaml.safe_load(_yaml(root).read_text(encoding="utf-8"))
    data["indicators"]["profit"] = "-3.2亿元"  # a loss
    data["enterprises"][0]["revenue"] = "-5万元"  # a firm's revenue is a size
    _yaml(root).write_text(fastyaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    errors = _errors(root)
    assert errors["E-MONEY-NEGATIVE"].field == "enterprises.0.revenue"
    assert not [p for p in _problems(root) if p.field == "indicators.profit"]


def test_a_loss_builds_its_context(root: Path) -> None:
    data = example_data()
    data["indicators"]["profit"] = "-3.2亿元"
    write_cluster(root, "loss", data)
    _raw, model, programme, _w = checking.prepare("loss", paths_of(root))
    assert programme.data_schema.context(model, programme)["ind"]["profit"] == "-3.20亿元"


@pytest.mark.parametrize(
    ("env", "value", "edit", "code"),
    [
        ("CLUSTERPACK_MAX_ROWS", "2", None, "E-LIMIT-ROWS"),
        ("CLUSTERPACK_MAX_FIELD_CHARS", "20", None, "E-LIMIT-TEXT"),
        ("CLUSTERPACK_MAX_TEXT_CHARS", "500", None, "E-LIMIT-TEXT-TOTAL"),
        ("CLUSTERPACK_MAX_DEPTH", "2", None, "E-LIMIT-DEPTH"),
        ("CLUSTERPACK_MAX_VALUES", "50", None, "E-YAML-TOO-LARGE"),
        ("CLUSTERPACK_MAX_INPUT_MB", "0.001", None, "E-LIMIT-INPUT-SIZE"),
    ],
)
def test_each_limit_of_the_data_file_is_a_refusal_with_its_place(
    root: Path, monkeypatch: pytest.MonkeyPatch, env: str, value: str, edit, code: str
) -> None:
    monkeypatch.setenv(env, value)
    problems = _problems(root)
    assert [p.code for p in problems] and all(p.code == code for p in problems), [p.code for p in problems]
    assert problems[0].location is not None
    if code not in ("E-LIMIT-INPUT-SIZE",):
        assert problems[0].location.line


def test_the_row_limit_names_the_first_row_over_it(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLUSTERPACK_MAX_ROWS", "2")
    text = _yaml(root).read_text(encoding="utf-8")
    rows = [p for p in _problems(root) if p.field == "enterprises.2"]
    assert rows and rows[0].code == "E-LIMIT-ROWS"
    third = text.index("  - name:", text.index("  - name:", text.index("enterprises:") + 1) + 1)
    third = text.index("  - name:", third + 1)
    assert rows[0].location.line == text[:third].count("\n") + 1


def test_a_limit_that_is_not_a_number_is_a_usage_error(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLUSTERPACK_MAX_ROWS", "many")
    with pytest.raises(UsageError) as info:
        checking.prepare(EXAMPLE, paths_of(root))
    assert info.value.code == "E-USAGE-LIMIT" and info.value.exit_code == ExitCode.USAGE


def test_every_limit_has_an_env_a_default_and_says_what_it_bounds() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = [lim.env for lim in limits.ALL]
    assert len(set(names)) == len(names)
    for lim in limits.ALL:
        assert lim.env.startswith("CLUSTERPACK_") and lim.default > 0 and "(" in lim.what
        assert lim.env in readme, f"{lim.env} is not in the README"


# --- 文号 and control characters ------------------------------------------------------------------


def test_a_control_character_in_the_evaluations_document_number_is_refused(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    shutil.copytree(ROOT / "inputs" / "yuyang-textile-eval", tmp_path / "inputs" / "yuyang-textile-eval")
    f = tmp_path / "inputs" / "yuyang-textile-eval" / "cluster.yaml"
    text = f.read_text(encoding="utf-8")
    bad = 'document_number: "鲁工信非公\\u0007〔2020〕188号"'
    text = text.replace("document_number: 鲁工信非公〔2020〕188号", bad, 1)
    f.write_text(text, encoding="utf-8")
    problem = _errors(tmp_path, "yuyang-textile-eval")["E-TEXT-CONTROL-CHAR"]
    assert problem.field == "evaluation.recognised.document_number" and problem.location.line == _line(text, bad)


def test_a_control_character_in_the_citys_document_number_is_refused(root: Path) -> None:
    data = fastyaml.safe_load((ROOT / "inputs" / "cities" / "370700.yaml").read_text(encoding="utf-8"))
    path = root / "inputs" / "cities" / "370700.yaml"
    path.parent.mkdir(parents=True)
    text = fastyaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    number = data["document_number"]
    text = text.replace(f"document_number: {number}", f'document_number: "{number[:2]}\\x1f{number[2:]}"')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataInvalid) as info:
        recommend.plan("370700", paths_of(root))
    (problem,) = [p for p in info.value.problems if p.field == "document_number"]
    assert problem.code == "E-TEXT-CONTROL-CHAR" and problem.location.line == _line(text, "document_number")


# --- attachments: outside the folder, links, loops, names -----------------------------------------


def test_an_attachments_folder_linking_out_of_the_cluster_is_refused(root: Path, tmp_path: Path) -> None:
    cid = _with_attachment(root, "one.pdf", None)
    folder = root / "inputs" / cid
    outside = tmp_path / "elsewhere"
    (folder / "attachments").rename(outside)
    hostile.write(outside / "one.pdf", hostile.pdf_pages(1))
    (folder / "attachments").symlink_to(outside, target_is_directory=True)
    (problem,) = _problems(root, cid)
    assert problem.code == "E-ATTACHMENT-FOLDER-OUTSIDE" and problem.location.line


def test_a_signed_folder_linking_out_is_refused(root: Path, tmp_path: Path) -> None:
    folder = root / "inputs" / EXAMPLE
    (folder / "signed").rename(tmp_path / "signed-elsewhere")
    (folder / "signed").symlink_to(tmp_path / "signed-elsewhere", target_is_directory=True)
    assert [p.code for p in _problems(root)] == ["E-SIGNED-OUTSIDE"]


def test_a_symlink_loop_is_named_as_one(root: Path) -> None:
    cid = _with_attachment(root, "loop.pdf", None)
    att = root / "inputs" / cid / "attachments"
    (att / "loop.pdf").symlink_to(att / "loop2.pdf")
    (att / "loop2.pdf").symlink_to(att / "loop.pdf")
    (problem,) = _problems(root, cid)
    assert problem.code == "E-ATTACHMENT-LINK-LOOP" and problem.field == "attachments.0.file"


def test_a_name_too_long_for_any_disk_is_named_as_one(root: Path) -> None:
    (problem,) = _problems(root, _with_attachment(root, "证" * 100 + ".pdf", None))
    assert problem.code == "E-ATTACHMENT-NAME-TOO-LONG" and problem.location.line


# --- Word proofs: inspected before LibreOffice sees them -----------------------------------------


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "E-OFFICE-EMPTY"),
        ("这是一个文本文件，改了扩展名".encode(), "E-OFFICE-NOT-ZIP"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "E-OFFICE-NOT-OOXML"),
        (hostile.rezip(hostile.docx_bytes(), {"word/document.xml": None}), "E-OFFICE-NO-MAIN"),
        (hostile.docx_with_entity(), "E-OFFICE-DTD"),
        (hostile.docx_linking("file:///etc/clusterpack-secret.png", hostile.png_bytes((20, 20))), "E-OFFICE-EXTERNAL"),
        (hostile.docx_linking("../../../../secret.png", hostile.png_bytes((20, 20))), "E-OFFICE-EXTERNAL"),
        (hostile.docx_with_field('INCLUDEPICTURE "file:///etc/secret.png" \\d'), "E-OFFICE-EXTERNAL"),
        (hostile.docx_with_field('INCLUDETEXT "C:\\\\secret.docx"'), "E-OFFICE-EXTERNAL"),
        (hostile.docx_bytes()[:-200], "E-OFFICE-CORRUPT"),
    ],
)
def test_a_word_proof_that_is_not_safe_is_refused_before_conversion(root: Path, content: bytes, code: str) -> None:
    (problem,) = _problems(root, _with_attachment(root, "证明.docx", content))
    assert problem.code == code and problem.field == "attachments.0.file" and problem.location.line
    assert "证明.docx" in problem.message


def test_a_hyperlink_in_a_word_proof_is_only_a_link_and_is_accepted(root: Path) -> None:
    data = hostile.docx_bytes()
    rels = hostile.member(data, "word/_rels/document.xml.rels").decode()
    link = (
        '<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'hyperlink" Target="https://gxt.shandong.gov.cn/" TargetMode="External"/>'
    )
    data = hostile.rezip(
        data, {"word/_rels/document.xml.rels": rels.replace("</Relationships>", link + "</Relationships>").encode()}
    )
    cid = _with_attachment(root, "链接.docx", data)
    checking.prepare(cid, paths_of(root))


def test_a_word_bomb_is_refused_by_its_declared_size(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLUSTERPACK_MAX_XML_PART_MB", "1")
    bomb = hostile.docx_bomb(3_000_000)
    assert len(bomb) < 60_000  # 3 MB of XML in a file of a few dozen KB
    (problem,) = _problems(root, _with_attachment(root, "炸弹.docx", bomb))
    assert problem.code == "E-LIMIT-UNZIPPED" and "word/document.xml" in problem.message


def test_a_word_bomb_that_lies_about_its_size_is_caught_by_the_bounded_read(root: Path) -> None:
    bomb = hostile.lying_sizes(hostile.docx_bomb(300_000), "word/document.xml", 1000)
    (problem,) = _problems(root, _with_attachment(root, "说谎.docx", bomb))
    assert problem.code == "E-OFFICE-CORRUPT"  # zipfile stops at the declared size; the CRC then fails


def test_a_picture_with_too_many_pixels_is_refused_in_a_word_proof_and_alone(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLUSTERPACK_MAX_IMAGE_PIXELS", "1000")
    (problem,) = _problems(root, _with_attachment(root, "图.docx", hostile.embedded_image_docx((50, 50))))
    assert problem.code == "E-LIMIT-PIXELS" and "50×50" in problem.message
    (problem,) = _problems(root, _with_attachment(root, "图.png", hostile.png_bytes((50, 50))))
    assert problem.code == "E-LIMIT-PIXELS"


def test_a_pixel_bomb_past_pillows_own_guard_is_a_limit_not_an_unreadable_file(root: Path) -> None:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    # A PNG claiming 30000 × 30000 pixels (900 M, over Pillow's 2 × 120 M) in a few dozen bytes.
    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    png = (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + chunk(b"IEND", b"")
    )
    (problem,) = _problems(root, _with_attachment(root, "巨图.png", png))
    assert problem.code == "E-LIMIT-PIXELS"


def test_an_old_word_file_must_be_one(root: Path) -> None:
    (problem,) = _problems(root, _with_attachment(root, "旧.doc", b"plain text"))
    assert problem.code == "E-OFFICE-NOT-DOC"


# --- PDF proofs: decoded content, pages, the packet's totals -------------------------------------


def test_a_pdf_whose_content_streams_inflate_past_the_limit_is_refused(root: Path, monkeypatch) -> None:
    monkeypatch.setenv("CLUSTERPACK_MAX_PDF_STREAM_MB", "0.1")
    bomb = hostile.pdf_with_content([60_000, 60_000])  # two streams: each under, together over
    assert len(bomb) < 5_000
    (problem,) = _problems(root, _with_attachment(root, "炸弹.pdf", bomb))
    assert problem.code == "E-LIMIT-PDF-STREAM" and "第1页" in problem.message


@pytest.mark.parametrize(
    ("env", "value", "code"),
    [
        ("CLUSTERPACK_MAX_ATTACHMENT_PAGES", "2", "E-LIMIT-PAGES"),
        ("CLUSTERPACK_MAX_PACKET_PAGES", "2", "E-LIMIT-PACKET-PAGES"),
        ("CLUSTERPACK_MAX_PACKET_MB", "0.0001", "E-LIMIT-PACKET-SIZE"),
        ("CLUSTERPACK_MAX_ATTACHMENT_MB", "0.0001", "E-ATTACHMENT-SIZE"),
    ],
)
def test_page_and_size_limits_of_proofs(root: Path, monkeypatch, env: str, value: str, code: str) -> None:
    monkeypatch.setenv(env, value)
    cid = _with_attachment(root, "三页.pdf", hostile.pdf_pages(3))
    assert code in [p.code for p in _problems(root, cid)]


# --- the packet key reads only what the build reads ----------------------------------------------


def test_the_packet_key_does_not_read_an_unreferenced_file(root: Path) -> None:
    paths = paths_of(root)
    raw = packets.load_cluster(paths.inputs, EXAMPLE)
    today = case.build_date()
    before = outbox.packet_key(raw, "tese-apply", paths, today)
    huge = root / "inputs" / EXAMPLE / "attachments" / "unreferenced.mp4"
    with huge.open("wb") as fh:  # 4.5 GB on paper, a few blocks on disk
        fh.truncate(4_500_000_000)
    t0 = time.monotonic()
    assert outbox.packet_key(raw, "tese-apply", paths, today) == before
    assert time.monotonic() - t0 < 2  # reading 4.5 GB would take far longer
    huge.unlink()
    named = raw.data["attachments"][0]["file"]
    target = root / "inputs" / EXAMPLE / "attachments" / named
    target.write_bytes(target.read_bytes() + b"\n% changed")
    assert outbox.packet_key(raw, "tese-apply", paths, today) != before  # what the build reads counts


def test_a_named_attachment_over_the_limit_counts_by_size_not_content(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    hostile.write(folder / "attachments" / "big.pdf", b"x" * 1000)
    hostile.write(folder / "cluster.yaml", b"a: 1\n")
    key = cache.inputs_digest(folder, folder / "cluster.yaml", ["big.pdf", "../../etc/passwd", "none.pdf"], 10)
    assert key == cache.inputs_digest(folder, folder / "cluster.yaml", ["big.pdf", "../../etc/passwd", "none.pdf"], 10)


# --- the workbook ---------------------------------------------------------------------------------

XLSX = "qinglan-agrimachinery-xlsx"


@pytest.fixture
def wb_root(tmp_path: Path) -> Path:
    import shutil

    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    shutil.copytree(ROOT / "inputs" / XLSX, tmp_path / "inputs" / XLSX)
    return tmp_path


def _xlsx(root: Path) -> Path:
    return root / "inputs" / XLSX / "cluster.xlsx"


def _row_of(path: Path, key: str) -> int:
    ws = load_workbook(path)["基本信息"]
    return next(row[3].row for row in ws.iter_rows(min_row=2) if row[3].value == key)


def _set(path: Path, sheet: str, coord: str, value) -> None:
    wb = load_workbook(path)
    wb[sheet][coord] = value
    wb.save(path)


def _cache_value(path: Path, sheet_xml: str, coord: str, value: str, kind: str = "") -> None:
    """Give a formula cell the cached value Excel would have saved with it (``kind`` "e": an error value)."""
    data = path.read_bytes()
    xml = hostile.member(data, sheet_xml).decode()
    start = xml.index(f'<c r="{coord}"')
    end = xml.index("</c>", start)
    cell = xml[start:end].replace("<v></v>", f"<v>{value}</v>").replace("<v />", f"<v>{value}</v>")
    if kind:
        cell = cell.replace(f'<c r="{coord}"', f'<c r="{coord}" t="{kind}"', 1)
    path.write_bytes(hostile.rezip(data, {sheet_xml: (xml[:start] + cell + xml[end:]).encode()}))


def _sheet_xml(path: Path, title: str) -> str:
    wb = load_workbook(path)
    index = wb.sheetnames.index(title) + 1
    return f"xl/worksheets/sheet{index}.xml"


def test_a_formula_without_a_cached_value_is_refused_at_its_cell(wb_root: Path) -> None:
    f = _xlsx(wb_root)
    row = _row_of(f, "indicators.export")  # optional: an empty result would have passed silently
    _set(f, "基本信息", f"C{row}", "=1+1")
    problem = _errors(wb_root, XLSX)["E-XLSX-FORMULA"]
    assert str(problem.location).endswith(f"基本信息!C{row}") and problem.field == "indicators.export"


def test_a_formula_with_a_cached_value_is_used_and_reported(wb_root: Path) -> None:
    f = _xlsx(wb_root)
    row = _row_of(f, "indicators.export")
    _set(f, "基本信息", f"C{row}", "=10+2.5")
    _cache_value(f, _sheet_xml(f, "基本信息"), f"C{row}", "12.5")
    _raw, model, _p, warnings = checking.prepare(XLSX, paths_of(wb_root))
    (warning,) = [w for w in warnings if w.code == "W-XLSX-FORMULA-CACHED"]
    assert str(warning.location).endswith(f"基本信息!C{row}")
    assert model.indicators.export == units.parse_money("12.5亿元")


def test_an_error_value_pasted_into_a_cell_is_refused_not_taken_as_text(wb_root: Path) -> None:
    # a failed VLOOKUP pasted as values leaves #N/A cells: read as text, "#N/A" would be a firm's product
    f = _xlsx(wb_root)
    wb = load_workbook(f)
    cell = wb["龙头骨干企业"]["D2"]  # 主要产品: any text passes its check
    cell.value, cell.data_type = "#N/A", "e"
    wb.save(f)
    problem = _errors(wb_root, XLSX)["E-XLSX-ERROR-VALUE"]
    assert str(problem.location).endswith("龙头骨干企业!D2") and problem.field == "enterprises.0.products"


def test_a_formula_whose_saved_result_is_an_error_is_refused(wb_root: Path) -> None:
    f = _xlsx(wb_root)
    row = _row_of(f, "indicators.export")
    _set(f, "基本信息", f"C{row}", "=1/0")
    _cache_value(f, _sheet_xml(f, "基本信息"), f"C{row}", "#DIV/0!", kind="e")
    problem = _errors(wb_root, XLSX)["E-XLSX-ERROR-VALUE"]
    assert str(problem.location).endswith(f"基本信息!C{row}") and problem.field == "indicators.export"


def test_a_32767_character_cell_is_refused_at_its_cell(wb_root: Path) -> None:
    f = _xlsx(wb_root)
    _set(f, "发展情况简介", "B3", "字" * 32767)
    problem = _errors(wb_root, XLSX)["E-LIMIT-TEXT"]
    assert str(problem.location).endswith("发展情况简介!B3")


def test_a_table_over_the_row_limit_is_refused_at_the_first_row_over(wb_root: Path, monkeypatch) -> None:
    monkeypatch.setenv("CLUSTERPACK_MAX_ROWS", "2")
    problem = _errors(wb_root, XLSX)["E-LIMIT-ROWS"]
    assert problem.location.sheet and problem.location.cell == "A4"


def test_not_a_number_in_a_money_cell(wb_root: Path) -> None:
    f = _xlsx(wb_root)
    row = _row_of(f, "indicators.revenue")
    _set(f, "基本信息", f"C{row}", "sNaN")
    problem = _errors(wb_root, XLSX)["E-MONEY-NOT-FINITE"]
    assert str(problem.location).endswith(f"基本信息!C{row}")


def test_a_sheet_padded_past_the_part_limit_is_refused_before_openpyxl_reads_it(wb_root: Path, monkeypatch) -> None:
    monkeypatch.setenv("CLUSTERPACK_MAX_XML_PART_MB", "0.2")
    f = _xlsx(wb_root)
    data = f.read_bytes()
    name = _sheet_xml(f, "品牌与荣誉")
    xml = hostile.member(data, name)
    f.write_bytes(
        hostile.rezip(data, {name: xml.replace(b"<sheetData>", b"<!--" + b"x" * 300_000 + b"--><sheetData>", 1)})
    )
    (problem,) = _problems(wb_root, XLSX)
    assert problem.code == "E-LIMIT-UNZIPPED" and name in problem.message


def test_one_styled_cell_at_the_end_of_the_sheet_does_not_make_a_billion_cells(wb_root: Path) -> None:
    f = _xlsx(wb_root)
    wb = load_workbook(f)
    wb["媒体报道"]["XFD1048576"].number_format = "0.00"  # a format, no value
    wb.save(f)
    t0 = time.monotonic()
    checking.prepare(XLSX, paths_of(wb_root))
    assert time.monotonic() - t0 < 20


def test_a_workbook_that_is_not_one_is_refused(wb_root: Path) -> None:
    _xlsx(wb_root).write_text("name,revenue\n", encoding="utf-8")
    assert [p.code for p in _problems(wb_root, XLSX)] == ["E-OFFICE-NOT-ZIP"]


# --- spreadsheets written: formula-like text is data ----------------------------------------------

INJECTED = '=HYPERLINK("http://example.invalid/steal","点击查看")'


def _formulas(path: Path) -> list[str]:
    """The sheets of ``path`` that hold a formula element."""
    with zipfile.ZipFile(path) as zf:
        return [n for n in zf.namelist() if n.startswith("xl/worksheets/") and b"<f>" in zf.read(n)]


def _text_cells(path: Path, text: str) -> list:
    cells = []
    for ws in load_workbook(path).worksheets:
        for row in ws.iter_rows():
            cells += [c for c in row if c.value == text]
    return cells


def test_export_writes_a_formula_like_name_as_text_and_reads_it_back(root: Path) -> None:
    import shutil

    _replace(root, "  name: 青岚县智能农机装备特色产业集群", f"  name: '{INJECTED}'")
    _raw, model, programme, _w = checking.prepare(EXAMPLE, paths_of(root))
    out = workbook.write(model, root / "out.xlsx", programme)
    assert _formulas(out) == []
    (cell,) = _text_cells(out, INJECTED)
    assert cell.data_type == "s" and cell.quotePrefix
    folder = root / "inputs" / "back"
    folder.mkdir()
    (root / "out.xlsx").rename(folder / "cluster.xlsx")
    shutil.copytree(root / "inputs" / EXAMPLE / "attachments", folder / "attachments")
    assert checking.prepare("back", paths_of(root))[1].cluster.name == INJECTED


def test_the_citys_tables_write_a_formula_like_name_as_text(root: Path) -> None:
    import shutil

    shutil.copytree(ROOT / "inputs" / "cities", root / "inputs" / "cities")
    _replace(root, "  name: 青岚县智能农机装备特色产业集群", f"  name: '{INJECTED}'")
    plan = recommend.plan("370700", paths_of(root))
    clusters = city_packet.recommend(plan)
    spec = plan.programme.city
    city_tables = tables.CityTables(
        spec.summary_title, plan.bureau, "2024年6月14日", spec.summary_columns, [c.context for c in clusters]
    )
    summary = tables.summary_xlsx(city_tables, root / "汇总表.xlsx")
    review = tables.review_xlsx(
        [c.report for c in clusters], [c.verdict for c in clusters], ["—"] * len(clusters), root / "审核表.xlsx"
    )
    for path in (summary, review):
        assert _formulas(path) == [], path
        cells = [
            c
            for ws in load_workbook(path).worksheets
            for row in ws.iter_rows()
            for c in row
            if isinstance(c.value, str) and c.value.startswith("=")
        ]
        assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells), path
    numbers = [c.value for row in load_workbook(summary).active.iter_rows(min_row=4) for c in row]
    assert any(isinstance(v, (int, float)) for v in numbers)  # a genuine number stays a number


# --- templates --------------------------------------------------------------------------------------


def _template_with(root: Path, text: str) -> Path:
    tpl = root / "templates" / "tese-apply" / "08-declaration.docx"
    data = tpl.read_bytes()
    doc = hostile.member(data, "word/document.xml").decode()
    at = doc.index("<w:t", doc.index("<w:body>"))
    at = doc.index(">", at) + 1
    tpl.write_bytes(hostile.rezip(data, {"word/document.xml": (doc[:at] + text + doc[at:]).encode()}))
    return tpl


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("{{ range(10**9)|list|length }}", "E-TEMPLATE-RENDER"),
        ("{{ 'x' * 10**9 }}", "E-TEMPLATE-RENDER"),
        ("{{ 2 ** 100000000 }}", "E-TEMPLATE-RENDER"),
        ("{% for i in range(9999) %}{% for j in range(9999) %}{{ i }}{% endfor %}{% endfor %}", "E-TEMPLATE-RENDER"),
    ],
)
def test_a_template_that_would_run_away_is_stopped_at_once(root: Path, text: str, code: str, monkeypatch) -> None:
    # the same bound at a tenth of its size, met ten times sooner (a million pieces takes ≈ 2.5 s to reach)
    monkeypatch.setattr(jinja_kit, "MAX_PIECES", jinja_kit.MAX_PIECES // 10)
    tpl = _template_with(root, text)
    t0 = time.monotonic()
    with pytest.raises(TemplateProblem) as info:
        render.render(tpl, {}, root / "out.docx")
    assert info.value.code == code and info.value.exit_code == ExitCode.TEMPLATE
    assert time.monotonic() - t0 < 10


def test_a_template_that_loops_for_ever_is_stopped_by_its_time_limit(root: Path, monkeypatch) -> None:
    monkeypatch.setenv("CLUSTERPACK_RENDER_TIMEOUT", "0.3")
    loops = "{% for i in range(9999) %}{% for j in range(9999) %}{% for k in range(9999) %}{% endfor %}{% endfor %}{% endfor %}"
    tpl = _template_with(root, loops)
    t0 = time.monotonic()
    with pytest.raises(TemplateProblem) as info:
        render.render(tpl, {}, root / "out.docx")
    assert info.value.code == "E-TEMPLATE-TIMEOUT" and time.monotonic() - t0 < 5


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"not a zip at all", "E-TEMPLATE-NOT-ZIP"),
        (b"", "E-TEMPLATE-EMPTY"),
        (hostile.docx_linking("file:///etc/secret.png", hostile.png_bytes((10, 10))), "E-TEMPLATE-EXTERNAL"),
    ],
)
def test_a_template_that_is_not_a_safe_docx_is_a_template_problem(root: Path, content: bytes, code: str) -> None:
    tpl = root / "templates" / "tese-apply" / "08-declaration.docx"
    tpl.write_bytes(content)
    with pytest.raises(TemplateProblem) as info:
        render.render(tpl, {}, root / "out.docx")
    assert info.value.code == code and info.value.exit_code == ExitCode.TEMPLATE


# --- usage errors: every one has a code -----------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["bundle"], "E-USAGE-NO-CLUSTER"),
        (["bundle", "../etc"], "E-USAGE-CLUSTER-ID"),
        (["bundle", "--jobs", "0", "a", "b"], "E-USAGE-BAD-VALUE"),
        (["check"], "E-USAGE-MISSING"),
        (["bundle", "--no-such-option", "x"], "E-USAGE-UNKNOWN-OPTION"),
        (["no-such-command"], "E-USAGE-ARGS"),
        (["bundle", "nowhere", "--root", "/nonexistent-root"], "E-USAGE-NO-CLUSTER"),
    ],
)
def test_usage_errors_exit_2_with_a_code(args: list[str], code: str) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == ExitCode.USAGE, result.output
    assert f"[{code}]" in result.output and "Traceback" not in result.output


def test_every_raise_of_a_clusterpack_error_names_its_code() -> None:
    import ast

    kinds = {"UsageError", "TemplateProblem", "ConversionFailed", "EnvironmentMissing", "OutputUnwritable"}
    missing = []
    for path in sorted((ROOT / "pipeline").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                name = getattr(node.exc.func, "id", getattr(node.exc.func, "attr", ""))
                if name in kinds and not any(k.arg == "code" for k in node.exc.keywords):
                    missing.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert missing == []


# --- outputs/ that cannot be written --------------------------------------------------------------


def test_an_unwritable_outputs_folder_is_an_environment_error_with_its_code(root: Path, monkeypatch) -> None:
    import errno

    from pipeline import errors

    real_mkdir = Path.mkdir

    def refuse(self, *args, **kwargs):
        if root / "outputs" in (self, *self.parents):
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(errors.OutputUnwritable) as info:
        packets.bundle(EXAMPLE, paths_of(root))
    assert info.value.code == "E-OUTPUT-READONLY" and info.value.exit_code == ExitCode.ENVIRONMENT


def test_environment_limits_are_read_each_time(monkeypatch) -> None:
    monkeypatch.setenv("CLUSTERPACK_MAX_ROWS", "7")
    assert limits.ROWS() == 7
    monkeypatch.delenv("CLUSTERPACK_MAX_ROWS")
    assert limits.ROWS() == 500
    monkeypatch.setenv("CLUSTERPACK_MEMORY_MB", "2048")
    assert limits.office_memory(2) < limits.office_memory(1) <= limits.OFFICE_MEMORY_BYTES()
    assert 2 * (limits.office_memory(2) + limits.PYTHON_RESERVE + limits.OFFICE_OVERHEAD) <= limits.MEMORY_BYTES()
    assert os.environ.get("CLUSTERPACK_MAX_ROWS") is None


# --- LibreOffice's memory: restarted before it reaches its limit -----------------------------------


def test_a_worker_near_its_memory_limit_is_restarted_between_two_documents(tmp_path: Path) -> None:

    made: list[object] = []

    class Fake:
        def __init__(self, timeout=None, memory=None) -> None:
            self.closed = False
            made.append(self)

        def convert(self, src: Path, dst: Path) -> int:
            assert not self.closed
            return 1

        def worn(self) -> bool:
            return len(made) < 3  # the first two grow too large, the third does not

        def close(self) -> None:
            self.closed = True

    worker = convert.ResilientWorker(factory=Fake)  # type: ignore[arg-type]
    for _ in range(3 * convert.CHECK_EVERY):
        assert worker.convert(tmp_path / "a.docx", tmp_path / "a.pdf") == 1
    assert worker.recycled == 2 and worker.restarts == 0 and len(made) == 3
    worker.close()
