"""The user's fonts folder is used first: a face named 仿宋_GB2312 (made here) draws the letter's body."""

from __future__ import annotations

import shutil
from pathlib import Path

import pdfplumber
import pytest
from conftest import ROOT, paths_of

from pipeline.kits import fonts
from pipeline.stages import convert, recommend
from pipeline.workflows import city as city_packet

PS_NAME = "ClusterpackTestFangSong"


def _letter_pdf(base: Path, out: Path) -> Path:
    p = recommend.plan("370700", paths_of(base))
    docx = city_packet.write_letter(city_packet.make_letter(p, city_packet.recommend(p)), out.with_suffix(".docx"))
    with convert.OfficeWorker() as office:
        office.convert(docx, out)
    return out


def _make_fang(folder: Path, text: str) -> Path:
    """A free face (LXGW WenKai, cut to the letter's characters) renamed to family 仿宋_GB2312."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    src = fonts.resolve("楷体").file
    font = TTFont(src)
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    sub = subset.Subsetter(options)
    sub.populate(text=text + "0123456789—：，。、（）《》〔〕")
    sub.subset(font)
    table = font["name"]
    table.names = [n for n in table.names if n.nameID not in (1, 3, 4, 6, 16, 17, 21, 22)]
    for name_id, value in ((1, "仿宋_GB2312"), (3, PS_NAME), (4, "仿宋_GB2312"), (6, PS_NAME)):
        table.setName(value, name_id, 3, 1, 0x804)
        table.setName(value if name_id in (3, 6) else "FangSong_GB2312", name_id, 3, 1, 0x409)
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "test-fangsong.ttf"
    font.save(str(out))
    font.close()
    return out


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    shutil.copytree(ROOT / "inputs", tmp_path / "inputs")
    return tmp_path


def _body_fonts(pdf: Path) -> set[str]:
    with pdfplumber.open(pdf) as doc:
        chars = [c for c in doc.pages[0].chars if c["size"] == 16.0 and ord(c["text"]) >= 0x4E00]
    return {c["fontname"].split("+")[-1] for c in chars}


@pytest.mark.office
def test_fonts_folder_face_draws_the_body(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # without the folder: the free 仿宋 stands in, and the manifest says so
    monkeypatch.setenv("CLUSTERPACK_FONTS", str(tree / "fonts"))
    plain = _letter_pdf(tree, tree / "plain.pdf")
    mapped = fonts.font_map()["仿宋_GB2312"]
    assert mapped["source"] == "free stand-in" and mapped["stands_in_for"] == "仿宋_GB2312"
    assert PS_NAME not in _body_fonts(plain)
    with pdfplumber.open(plain) as doc:
        text = "".join(c["text"] for c in doc.pages[0].chars)
    # with it: the body's characters are drawn by the file in the folder (its own PostScript name,
    # which no installed face has), and the manifest names that file for 仿宋_GB2312 and for 仿宋
    made = _make_fang(tree / "fonts", text)
    before = fonts.environment_digest()
    own = fonts.font_map()["仿宋_GB2312"]
    assert own["face"] in ("仿宋_GB2312", "FangSong_GB2312")  # fontconfig reports the English name first
    assert (own["file"], own["source"], "stands_in_for" in own) == (made.name, "fonts folder", False)
    assert fonts.font_map()["仿宋"]["file"] == made.name
    assert fonts.font_map()["黑体"]["source"] == "free stand-in"
    used = _letter_pdf(tree, tree / "own.pdf")
    assert _body_fonts(used) == {PS_NAME}
    # the conversion cache and packet keys change with what the folder holds
    made.write_bytes(made.read_bytes() + b"\0")
    assert fonts.environment_digest() != before
