"""Proof attachments: every kind of file, every bad file, sensitive material, signed scans, 缺佐证."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest
from conftest import EXAMPLE, example_data, paths_of, write_cluster
from docx import Document
from PIL import Image
from pypdf import PdfReader, PdfWriter

from pipeline.core import rules
from pipeline.errors import DataInvalid
from pipeline.stages import check as checking
from pipeline.stages import proofs
from pipeline.workflows import packet as packets


def pdf_bytes(pages: int, size=(595, 842), password: str | None = None) -> bytes:
    w = PdfWriter()
    for _ in range(pages):
        w.add_blank_page(*size)
    if password:
        w.encrypt(password)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def sideways_jpeg(path: Path, size=(400, 200)) -> None:
    """An upright landscape picture stored rotated, with EXIF orientation 6, as phones do."""
    upright = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6
    upright.rotate(90, expand=True).save(path, "JPEG", exif=exif)


def _cluster(root: Path, files: dict[str, bytes | None], items: list[dict]) -> str:
    data = example_data()
    data["attachments"] = items
    folder = write_cluster(root, "att", data)
    for name, content in files.items():
        path = folder / "attachments" / name
        if content is not None:
            path.write_bytes(content)
    return "att"


def _problems(root: Path, files: dict[str, bytes | None], items: list[dict]) -> dict[str, str]:
    cid = _cluster(root, files, items)
    with pytest.raises(DataInvalid) as info:
        checking.prepare(cid, paths_of(root))
    return {p.code: p.message for p in info.value.problems}


@pytest.mark.office
def test_every_kind_of_file_goes_in(root: Path, tmp_path: Path) -> None:
    folder = root / "inputs" / "att" / "attachments"
    folder.mkdir(parents=True)
    (folder / "multi.pdf").write_bytes(pdf_bytes(3))
    sideways_jpeg(folder / "photo.jpg")
    Image.new("RGB", (300, 500), (30, 30, 200)).save(folder / "shot.png")
    doc = Document()
    doc.add_paragraph("说明文件")
    doc.save(folder / "note.docx")
    items = [
        {"title": "多页", "category": "brands", "file": "multi.pdf", "pages": "2-3"},
        {"title": "照片", "category": "brands", "file": "photo.jpg"},
        {"title": "截图", "category": "platforms", "file": "shot.png"},
        {"title": "说明", "category": "informatisation", "file": "note.docx"},
    ]
    cid = _cluster(root, {}, items)
    result = packets.bundle(cid, paths_of(root))
    pages = {a["number"]: a["pages"] for a in result.manifest()["packet"]["attachments"]}
    assert pages == {"1-1": 2, "1-2": 1, "2-1": 1, "3-1": 1}
    reader = PdfReader(result.folder / "申报材料.pdf")
    starts = {i.title: reader.get_destination_page_number(i) for i in _flat(reader.outline)}
    photo = reader.pages[starts["1-2 照片"]]
    assert float(photo.mediabox.width) > float(photo.mediabox.height)  # turned upright by EXIF: landscape
    assert "佐证材料1-2" in reader.pages[starts["1-2 照片"]].extract_text().replace(" ", "")


def _flat(outline):
    for item in outline:
        if isinstance(item, list):
            yield from _flat(item)
        else:
            yield item


def test_exif_orientation_is_honoured() -> None:
    buf = io.BytesIO()
    upright = Image.new("RGB", (400, 200))
    exif = Image.Exif()
    exif[0x0112] = 6
    upright.rotate(90, expand=True).save(buf, "JPEG", exif=exif)
    path = Path(os.environ.get("TMPDIR", "/tmp")) / "exif-test.jpg"
    path.write_bytes(buf.getvalue())
    page = PdfReader(io.BytesIO(proofs.image_pdf(path))).pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)
    path.unlink()


@pytest.mark.parametrize(
    ("files", "item", "code"),
    [
        ({"locked.pdf": pdf_bytes(1, password="x")}, {"file": "locked.pdf"}, "E-ATTACHMENT-ENCRYPTED"),
        ({"broken.pdf": b"%PDF-1.4\nnot really a pdf"}, {"file": "broken.pdf"}, "E-ATTACHMENT-UNREADABLE"),
        ({"notes.txt": b"hello"}, {"file": "notes.txt"}, "E-ATTACHMENT-TYPE"),
        ({}, {"file": "nowhere.pdf"}, "E-ATTACHMENT-MISSING"),
        ({}, {"file": "../cluster.yaml"}, "E-ATTACHMENT-OUTSIDE"),
        ({"three.pdf": pdf_bytes(3)}, {"file": "three.pdf", "pages": "2-5"}, "E-ATTACHMENT-PAGES"),
        ({"one.pdf": pdf_bytes(1)}, {"file": "one.pdf", "category": "nonsense"}, "E-ATTACHMENT-CATEGORY"),
    ],
)
def test_bad_files_are_refused_naming_the_file(root: Path, files, item, code) -> None:
    problems = _problems(root, files, [{"title": "材料", "category": "brands", **item}])
    assert code in problems, problems
    if code != "E-ATTACHMENT-CATEGORY":
        assert item["file"].split("/")[-1].split(".")[0] in problems[code]


def test_truncated_image_is_refused(root: Path) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (800, 600), (10, 120, 10)).save(buf, "JPEG")
    problems = _problems(
        root, {"cut.jpg": buf.getvalue()[:2000]}, [{"title": "照片", "category": "brands", "file": "cut.jpg"}]
    )
    assert "E-ATTACHMENT-UNREADABLE" in problems and "cut.jpg" in problems["E-ATTACHMENT-UNREADABLE"]


def test_link_leaving_the_folder_is_refused(root: Path) -> None:
    cid = _cluster(root, {}, [{"title": "链接", "category": "brands", "file": "link.pdf"}])
    outside = root / "secret.pdf"
    outside.write_bytes(pdf_bytes(1))
    (root / "inputs" / cid / "attachments" / "link.pdf").symlink_to(outside)
    with pytest.raises(DataInvalid) as info:
        checking.prepare(cid, paths_of(root))
    assert info.value.codes == ["E-ATTACHMENT-OUTSIDE"]


def test_size_limit_is_configurable(root: Path) -> None:
    cid = _cluster(root, {"big.pdf": pdf_bytes(40)}, [{"title": "大文件", "category": "other", "file": "big.pdf"}])
    raw, data, programme, _w = checking.prepare(cid, paths_of(root))
    _proofs, problems = proofs.check(raw, list(data.attachments), programme, max_mb=0.001)
    assert [p.code for p in problems] == ["E-ATTACHMENT-SIZE"] and "big.pdf" in problems[0].message


def test_many_pages_where_a_certificate_is_expected_warns(root: Path) -> None:
    cid = _cluster(root, {"thick.pdf": pdf_bytes(60)}, [{"title": "证书", "category": "brands", "file": "thick.pdf"}])
    _raw, _data, _p, warnings = checking.prepare(cid, paths_of(root))
    assert [w.code for w in warnings if w.code.startswith("W-ATTACH")] == ["W-ATTACHMENT-MANY-PAGES"]


def test_bad_attachment_builds_nothing(root: Path) -> None:
    cid = _cluster(root, {"broken.pdf": b"garbage"}, [{"title": "坏文件", "category": "brands", "file": "broken.pdf"}])
    with pytest.raises(DataInvalid):
        packets.bundle(cid, paths_of(root))
    assert not any((root / "outputs").rglob("*.pdf"))


@pytest.mark.office
def test_signed_scan_with_other_page_count_warns(root: Path) -> None:
    (root / "inputs" / EXAMPLE / "signed" / "declaration.pdf").write_bytes(pdf_bytes(2))
    result = packets.bundle(EXAMPLE, paths_of(root))
    assert "W-SIGNED-PAGES" in {w.code for w in result.warnings}
    assert result.manifest()["packet"]["signed_scans"]["declaration"]["pages"] == 2


def test_encrypted_signed_scan_is_refused(root: Path) -> None:
    (root / "inputs" / EXAMPLE / "signed" / "declaration.pdf").write_bytes(pdf_bytes(1, password="x"))
    with pytest.raises(DataInvalid) as info:
        checking.prepare(EXAMPLE, paths_of(root))
    assert info.value.codes == ["E-SIGNED-ENCRYPTED"]


def test_missing_proof_is_listed_as_no_evidence(root: Path) -> None:
    data = example_data()
    data["attachments"] = [a for a in data["attachments"] if a["category"] != "platforms"]
    write_cluster(root, "noproof", data)
    report = checking.check("noproof", paths_of(root))
    result = {r.id: r for r in report.results}["proof-platforms"]
    assert result.status == rules.NO_EVIDENCE and result.clause == "第六条（五）"
    assert not report.passed


def _dark_left_half_pdf(rotate: int) -> PdfReader:
    """A landscape picture, dark on its left half, stored as a page that ``/Rotate`` turns upright."""
    upright = Image.new("RGB", (800, 500), "white")
    upright.paste((0, 0, 0), (0, 0, 400, 500))
    stored = upright.rotate(rotate, expand=True)  # turned anticlockwise; /Rotate turns it back clockwise
    buf = io.BytesIO()
    stored.save(buf, format="PDF", resolution=100.0)
    writer = PdfWriter(clone_from=PdfReader(buf))
    writer.pages[0].rotate(rotate)
    out = io.BytesIO()
    writer.write(out)
    return PdfReader(out)


@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
def test_a_rotated_pdf_page_is_fitted_upright(tmp_path: Path, rotate: int) -> None:
    dst = tmp_path / "fitted.pdf"
    assert proofs.fit_to_a4(_dark_left_half_pdf(rotate), None, dst) == 1
    page = PdfReader(dst).pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)  # shown landscape: landscape A4
    subprocess.run(["pdftoppm", "-r", "20", "-png", "-singlefile", str(dst), str(tmp_path / "p")], check=True)
    with Image.open(tmp_path / "p.png") as im:
        grey = im.convert("L")
        w, h = grey.size
        left, right = grey.getpixel((int(w * 0.3), h // 2)), grey.getpixel((int(w * 0.7), h // 2))
    assert left < 60 < 200 < right, (left, right)  # dark half on the left, as the picture is seen


def test_an_aes_encrypted_pdf_is_refused_as_encrypted(root: Path, tmp_path: Path) -> None:
    # qpdf's default, AES-256: pypdf cannot even open it without a crypto library this tool does not use.
    plain, locked = tmp_path / "plain.pdf", tmp_path / "aes.pdf"
    plain.write_bytes(pdf_bytes(1))
    subprocess.run(["qpdf", "--encrypt", "u", "o", "256", "--", str(plain), str(locked)], check=True)
    problems = _problems(
        root, {"aes.pdf": locked.read_bytes()}, [{"title": "证书", "category": "brands", "file": "aes.pdf"}]
    )
    assert "E-ATTACHMENT-ENCRYPTED" in problems and "aes.pdf" in problems["E-ATTACHMENT-ENCRYPTED"]


def test_a_proof_fitted_once_is_copied_the_next_time_and_reads_the_same(root, tmp_path):
    from pipeline.stages import check as checking
    from pipeline.stages.proofs import make_pdfs

    case = checking.check(EXAMPLE, paths_of(root))
    shown = [p for p in case.proofs if p.kind != "word" and not p.item.sensitive]
    assert shown
    cache = tmp_path / "fitted"

    def no_word(*_a):
        raise AssertionError("no Word proof here")

    first = make_pdfs(shown, no_word, _fresh(tmp_path / "a"), cache)
    entries = sorted(cache.rglob("*.pdf"))
    assert len(entries) == len(shown)
    stamp = {e: e.stat().st_mtime_ns for e in entries}
    again = make_pdfs(shown, no_word, _fresh(tmp_path / "b"), cache)
    assert {e: e.stat().st_mtime_ns for e in sorted(cache.rglob("*.pdf"))} == stamp  # copied, not redrawn
    for number, (pdf, pages) in first.items():
        assert again[number][1] == pages and again[number][0].read_bytes() == pdf.read_bytes()
    uncached = make_pdfs(shown, no_word, _fresh(tmp_path / "c"))
    for number, (pdf, _pages) in uncached.items():
        assert pdf.read_bytes() == first[number][0].read_bytes()  # the cache changes nothing in what is drawn


def _fresh(folder):
    folder.mkdir(parents=True)
    return folder
