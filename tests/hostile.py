"""Hostile files, made small inside the tests: Office bombs and links, PDF stream bombs, spreadsheets."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

from docx import Document
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, NameObject, StreamObject


def docx_bytes(text: str = "证明材料") -> bytes:
    doc = Document()
    doc.add_paragraph(text)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def rezip(data: bytes, change: dict[str, bytes | None], stored: bool = False) -> bytes:
    """``data`` (a zip) with members replaced, added or (None) removed."""
    src = zipfile.ZipFile(io.BytesIO(data))
    items = {i.filename: src.read(i.filename) for i in src.infolist()}
    for name, content in change.items():
        if content is None:
            items.pop(name, None)
        else:
            items[name] = content
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as zf:
        for name, content in items.items():
            zf.writestr(name, content)
    return out.getvalue()


def member(data: bytes, name: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(name)


def docx_bomb(inflated: int) -> bytes:
    """A .docx whose document.xml inflates to ``inflated`` bytes (a few KB zipped)."""
    base = docx_bytes()
    doc = member(base, "word/document.xml").decode()
    para = "<w:p><w:r><w:t>bomb</w:t></w:r></w:p>"
    head, tail = doc.split("<w:body>")
    body = para * (inflated // len(para) + 1)
    return rezip(base, {"word/document.xml": (head + "<w:body>" + body + tail).encode()})


def lying_sizes(data: bytes, name: str, claimed: int) -> bytes:
    """``data`` with the central directory's uncompressed size of ``name`` changed to ``claimed``."""
    raw = bytearray(data)
    encoded = name.encode()
    at = 0
    while (at := raw.find(b"PK\x01\x02", at)) >= 0:
        length = struct.unpack_from("<H", raw, at + 28)[0]
        if bytes(raw[at + 46 : at + 46 + length]) == encoded:
            struct.pack_into("<I", raw, at + 24, claimed)
        at += 4
    at = 0
    while (at := raw.find(b"PK\x03\x04", at)) >= 0:
        length = struct.unpack_from("<H", raw, at + 26)[0]
        if bytes(raw[at + 30 : at + 30 + length]) == encoded:
            struct.pack_into("<I", raw, at + 22, claimed)
        at += 4
    return bytes(raw)


def png_bytes(size: tuple[int, int], colour=(220, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


def docx_with_picture(picture: bytes) -> bytes:
    doc = Document()
    doc.add_paragraph("带图片的证明")
    doc.add_picture(io.BytesIO(picture))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def docx_linking(target: str, picture: bytes) -> bytes:
    """A .docx whose picture is linked (r:link, TargetMode="External") to ``target``, not embedded."""
    data = docx_with_picture(picture)
    rels = member(data, "word/_rels/document.xml.rels").decode()
    m = re.search(r'<Relationship Id="(rId\d+)" Type="([^"]+/image)" Target="(media/[^"]+)"/>', rels)
    assert m, rels
    rid = m.group(1)
    linked = f'<Relationship Id="{rid}" Type="{m.group(2)}" Target="{target}" TargetMode="External"/>'
    doc = member(data, "word/document.xml").decode().replace(f'r:embed="{rid}"', f'r:link="{rid}"')
    return rezip(
        data,
        {
            "word/_rels/document.xml.rels": rels.replace(m.group(0), linked).encode(),
            "word/document.xml": doc.encode(),
            f"word/{m.group(3)}": None,
        },
    )


def docx_with_field(instruction: str) -> bytes:
    """A .docx with a field (its instruction split over two runs, as Word writes it)."""
    data = docx_bytes()
    doc = member(data, "word/document.xml").decode()
    half = len(instruction) // 2
    runs = (
        '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve"> {instruction[:half]}</w:instrText></w:r>'
        f'<w:r><w:instrText xml:space="preserve">{instruction[half:]} </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>x</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    )
    return rezip(data, {"word/document.xml": doc.replace("<w:body>", "<w:body>" + runs).encode()})


def docx_with_entity() -> bytes:
    data = docx_bytes()
    doc = member(data, "word/document.xml").decode()
    declared = '<!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
    doc = doc.replace("?>", "?>" + declared, 1).replace("证明材料", "&x;")
    return rezip(data, {"word/document.xml": doc.encode()})


def pdf_with_content(sizes: list[int]) -> bytes:
    """A one-page PDF whose content is one Flate stream per size, each inflating to that many bytes."""
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    streams = []
    for size in sizes:
        stream = StreamObject()
        stream._data = zlib.compress(b" " * size, 9)
        stream[NameObject("/Filter")] = NameObject("/FlateDecode")
        streams.append(writer._add_object(stream))
    page[NameObject("/Contents")] = ArrayObject(streams) if len(streams) > 1 else streams[0]
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def pdf_pages(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def embedded_image_docx(pixels: tuple[int, int]) -> bytes:
    return docx_with_picture(png_bytes(pixels))


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
