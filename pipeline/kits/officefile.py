"""Word and Excel files looked at before anything opens them: a proof, the workbook, a template.

A .docx or .xlsx is a zip of XML parts. Before LibreOffice, openpyxl or docxtpl reads one, its
parts are listed and each is inflated with a bounded read (the sizes a zip declares can lie), so
a 20 KB file that unpacks to gigabytes is refused in a second, with the part named. The XML parts
are searched for what makes a reader go outside the file: a DTD or entity declaration, a
relationship to an external target (a linked picture, OLE object, attached template, sub-document,
frame), a field that includes another file (INCLUDEPICTURE, INCLUDETEXT, LINK, DDE); embedded
pictures are measured by their headers. An empty file, a text file or an old binary file renamed
.docx is refused here, not by LibreOffice's failure. Nothing is written; each finding has a code."""

from __future__ import annotations

import io
import re
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

from PIL import Image, UnidentifiedImageError

from pipeline.core import limits

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .doc/.xls, and every password-protected .docx/.xlsx


_CHUNK = 1 << 20


_XML_SUFFIXES = (".xml", ".rels", ".vml")


_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


_OFFICE_DOCUMENT = "/officeDocument"


_DECLARATIONS = (b"<!DOCTYPE", b"<!ENTITY")


# Fields that make Word (and LibreOffice) fetch content from another file when the document is read.
_FETCHING_FIELDS = re.compile(r"^\s*(INCLUDEPICTURE|INCLUDETEXT|LINK|IMPORT|DDEAUTO|DDE)\b", re.IGNORECASE)


_INSTR = re.compile(rb"<w:instrText[^>]*>([^<]*)</w:instrText>|w:instr=\"([^\"]*)\"")


_FIELD_END = re.compile(rb"w:fldCharType=\"(?:separate|end)\"")


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


_LINK_KINDS = {
    "image": "链接的图片 (a linked picture)",
    "oleObject": "链接的 OLE 对象 (a linked OLE object)",
    "attachedTemplate": "附加的模板 (an attached template)",
    "subDocument": "子文档 (a sub-document)",
    "frame": "框架 (a frame)",
    "package": "嵌入包 (a package)",
    "externalLinkPath": "外部工作簿 (an external workbook)",
}


_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp")


@dataclass(frozen=True)
class Finding:
    """One reason a file cannot be used: a stable code and a message (Chinese, then English)."""

    code: str
    message: str


def _kind_word(kind: str) -> str:
    return {"docx": "Word (.docx) 文档", "xlsx": "Excel (.xlsx) 工作簿"}.get(kind, "Office 文件")


def _not_a_zip(head: bytes, kind: str) -> Finding:
    if head.startswith(_OLE2):
        return Finding(
            "E-OFFICE-NOT-OOXML",
            f"文件不是 {_kind_word(kind)}：它是加密的文档，或是改了扩展名的旧格式（.doc/.xls）；请去掉密码、另存为 .{kind} 后再提供 "
            "(an encrypted or old-format file renamed)",
        )
    return Finding(
        "E-OFFICE-NOT-ZIP",
        f"文件不是 {_kind_word(kind)}（可能是改了扩展名的文本或其他文件）；请在 Word/Excel 中另存为 .{kind} "
        "(not an Office file: a text or other file renamed)",
    )


def inspect(path: Path, kind: str = "docx") -> list[Finding]:
    """Every reason the .docx/.xlsx at ``path`` cannot be read safely; empty when it can.

    ``kind`` is ``docx`` (a proof or a template: links and fields are checked, pictures measured)
    or ``xlsx`` (the workbook: sizes and declarations only).
    """
    size = path.stat().st_size
    if size == 0:
        return [Finding("E-OFFICE-EMPTY", "文件是空的（0 字节） (the file is empty)")]
    with path.open("rb") as fh:
        head = fh.read(8)
    if not zipfile.is_zipfile(path):
        if head.startswith(b"PK\x03\x04"):  # a zip cut short: its directory at the end is missing
            return [Finding("E-OFFICE-CORRUPT", "文件不完整或已损坏，无法解压 (the file is truncated or corrupt)")]
        return [_not_a_zip(head, kind)]
    try:
        with zipfile.ZipFile(path) as zf:
            return _inspect_zip(zf, kind)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        NotImplementedError,
        RuntimeError,
        ValueError,
    ) as exc:
        return [Finding("E-OFFICE-CORRUPT", f"文件已损坏，无法解压 (the file is corrupt): {exc}")]


def _inspect_zip(zf: zipfile.ZipFile, kind: str) -> list[Finding]:
    infos = zf.infolist()
    if len(infos) > limits.ZIP_MEMBERS():
        return [
            Finding(
                "E-LIMIT-ZIP-MEMBERS",
                f"文件含 {len(infos)} 个部件，超过 {limits.ZIP_MEMBERS.shown()} 的上限 (too many parts: "
                f"{limits.ZIP_MEMBERS.env})",
            )
        ]
    part_limit, total_limit = limits.XML_PART_BYTES(), limits.UNZIPPED_BYTES()
    # Declared sizes first: a bomb that says what it is costs nothing to refuse.
    declared = sum(i.file_size for i in infos)
    for info in infos:
        limit = part_limit if info.filename.lower().endswith(_XML_SUFFIXES) else total_limit
        if info.file_size > limit:
            return [_too_big(info.filename, info.file_size, limit)]
    if declared > total_limit:
        return [_too_big("（全部部件）(all parts)", declared, total_limit)]
    findings: list[Finding] = []
    total = 0
    parts: dict[str, bytes] = {}  # the small XML parts read whole: relationships and Word's text
    for info in infos:
        name = info.filename
        xml = name.lower().endswith(_XML_SUFFIXES)
        limit = part_limit if xml else total_limit
        keep = name.endswith(".rels") or (kind == "docx" and name.startswith("word/") and xml)
        data, size, declares = _read_bounded(zf, info, min(limit, total_limit - total), xml, keep)
        if size < 0:  # inflated past what the zip declared, and past the limit
            return [_too_big(name, -size, limit)]
        total += size
        if declares:
            findings.append(
                Finding(
                    "E-OFFICE-DTD",
                    f"部件 {name} 含 DTD/实体声明（<!DOCTYPE / <!ENTITY），可能引用外部文件，不予读取 "
                    "(a DTD or entity declaration)",
                )
            )
        if data is not None:
            parts[name] = data
        if kind == "docx" and not xml and name.lower().endswith(_IMAGE_SUFFIXES):
            findings.extend(_picture(zf, info))
    if findings:
        return findings
    main = _main_part(parts)
    if main is None or main not in zf.NameToInfo:
        needed = "word/document.xml" if kind == "docx" else "xl/workbook.xml"
        return [
            Finding(
                "E-OFFICE-NO-MAIN",
                f"文件里没有正文部件（{needed}），不是完整的 {_kind_word(kind)} (the main part is missing)",
            )
        ]
    if kind == "docx":
        findings.extend(_links(parts))
        findings.extend(_fields(parts))
    return findings


def _too_big(name: str, size: int, limit: int) -> Finding:
    return Finding(
        "E-LIMIT-UNZIPPED",
        f"部件 {name} 解压后有 {limits.mb(size)}，超过 {limits.mb(limit)} 的上限（解压炸弹？） (a part unzips past the "
        f"limit: {limits.XML_PART_BYTES.env} / {limits.UNZIPPED_BYTES.env})",
    )


def _read_bounded(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, xml: bool, keep: bool
) -> tuple[bytes | None, int, bool]:
    """(the part's bytes if ``keep``, its inflated size or minus the size reached past ``limit``, declares a DTD)."""
    size = 0
    tail = b""
    declares = False
    kept: list[bytes] = []
    with zf.open(info) as fh:
        while chunk := fh.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                return None, -size, False
            if xml and not declares:
                window = tail + chunk
                declares = any(needle in window for needle in _NEEDLES)
                tail = window[-_LONGEST:]
            if keep:
                kept.append(chunk)
    return (b"".join(kept) if keep else None), size, declares


# The declarations in UTF-8 and in UTF-16 either way round (an XML part may be in either).
_NEEDLES = tuple({n.decode().encode(enc) for n in _DECLARATIONS for enc in ("utf-8", "utf-16-le", "utf-16-be")})


_LONGEST = max(len(n) for n in _NEEDLES)


def _main_part(parts: dict[str, bytes]) -> str | None:
    """The package's main part, as its root relationships name it (word/document.xml, xl/workbook.xml)."""
    for rel in _relationships(parts.get("_rels/.rels", b"")):
        if rel.get("Type", "").endswith(_OFFICE_DOCUMENT) and rel.get("TargetMode") != "External":
            return str(PurePosixPath(rel.get("Target", "").lstrip("/")))
    return None


def _relationships(data: bytes) -> list[ElementTree.Element]:
    if not data:
        return []
    try:
        root = ElementTree.fromstring(data)  # no DTD (checked before), so no entity can expand
    except ElementTree.ParseError:
        return []
    return list(root.iter(f"{_REL_NS}Relationship"))


def _links(parts: dict[str, bytes]) -> list[Finding]:
    """Relationships to anything outside the file; a hyperlink is only a link in the PDF and may stay."""
    out: list[Finding] = []
    for name, data in sorted(parts.items()):
        if not name.endswith(".rels"):
            continue
        for rel in _relationships(data):
            kind = rel.get("Type", "").rsplit("/", 1)[-1]
            target = rel.get("Target", "")
            external = rel.get("TargetMode") == "External" or bool(_SCHEME.match(target))
            if not external or kind == "hyperlink":
                continue
            what = _LINK_KINDS.get(kind, f"外部内容 {kind} (external content)")
            out.append(
                Finding(
                    "E-OFFICE-EXTERNAL",
                    f"文件引用了文件之外的{what}：{target[:200]}；申报材料不能含外部内容，请在 Word 中把它嵌入文档"
                    "（或删去）后另存 (the file links content outside itself)",
                )
            )
    return out


def _fields(parts: dict[str, bytes]) -> list[Finding]:
    """Field codes that fetch another file when the document is opened (INCLUDEPICTURE and the like)."""
    out: list[Finding] = []
    for name, data in sorted(parts.items()):
        if name.endswith(".rels"):
            continue
        for instr in _instructions(data):
            m = _FETCHING_FIELDS.match(instr)
            if m:
                out.append(
                    Finding(
                        "E-OFFICE-EXTERNAL",
                        f"部件 {name} 的域 {m.group(1).upper()} 会读取文件之外的内容：{instr.strip()[:200]}；"
                        "请在 Word 中选中该域按 Ctrl+Shift+F9 转为普通内容后另存 (a field includes another file)",
                    )
                )
    return out


def _instructions(data: bytes) -> list[str]:
    """The field instructions of a Word part, with ``instrText`` runs of one field joined."""
    out: list[str] = []
    current: list[str] = []
    pos = 0
    for m in _INSTR.finditer(data):
        if current and _FIELD_END.search(data, pos, m.start()):
            out.append("".join(current))
            current = []
        if m.group(2) is not None:  # w:fldSimple holds its whole instruction
            out.append(m.group(2).decode("utf-8", "replace"))
        else:
            current.append(m.group(1).decode("utf-8", "replace"))
        pos = m.end()
    if current:
        out.append("".join(current))
    return out


def _picture(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> list[Finding]:
    """An embedded picture whose pixels would not fit in memory once LibreOffice decodes it."""
    with zf.open(info) as fh:
        head = fh.read(_CHUNK)  # the header says the size; nothing is decoded
    try:
        with image_header(io.BytesIO(head)) as im:
            width, height = im.size
    except (UnidentifiedImageError, OSError, ValueError):
        return []  # a format Pillow does not know (EMF, WMF): LibreOffice's own limits apply
    if width * height > limits.IMAGE_PIXELS():
        return [pixels_finding(info.filename, width, height)]
    return []


@contextmanager
def image_header(source: Path | io.BytesIO) -> Iterator[Image.Image]:
    """A picture opened for its header (size, mode), without Pillow's own bomb guard getting in first.

    Pillow warns above its MAX_IMAGE_PIXELS and refuses at twice that, before the caller could
    say how large the picture is; the caller compares the size with limits.IMAGE_PIXELS itself.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        guard, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
        try:
            im = Image.open(source)
        finally:
            Image.MAX_IMAGE_PIXELS = guard
    with im:
        yield im


def pixels_finding(name: str, width: int, height: int) -> Finding:
    """The refusal of a picture of ``width`` × ``height`` pixels, over the limit."""
    return Finding(
        "E-LIMIT-PIXELS",
        f"图片 {name} 有 {width}×{height} 像素，超过 {limits.IMAGE_PIXELS.shown()} 像素的上限；请缩小后再提供 "
        f"(a picture over the pixel limit: {limits.IMAGE_PIXELS.env})",
    )


def inspect_doc(path: Path) -> list[Finding]:
    """An old binary Word file (.doc): not empty, really a .doc, and no field that includes another file."""
    size = path.stat().st_size
    if size == 0:
        return [Finding("E-OFFICE-EMPTY", "文件是空的（0 字节） (the file is empty)")]
    with path.open("rb") as fh:
        if fh.read(8) != _OLE2:
            if zipfile.is_zipfile(path):
                return [Finding("E-OFFICE-NOT-DOC", "文件其实是 .docx，请把扩展名改为 .docx (a .docx named .doc)")]
            return [Finding("E-OFFICE-NOT-DOC", "文件不是 Word 文档（.doc） (not a Word file)")]
        fh.seek(0)
        tail = b""
        while chunk := fh.read(_CHUNK):
            window = tail + chunk
            for needle in _DOC_FIELDS:
                if needle in window:
                    return [
                        Finding(
                            "E-OFFICE-EXTERNAL",
                            "文件含读取外部文件的域（INCLUDEPICTURE/INCLUDETEXT）；请在 Word 中转为普通内容，"
                            "另存为 .docx 后再提供 (a field includes another file)",
                        )
                    ]
            tail = window[-64:]
    return []


_DOC_FIELDS = tuple(w.encode(enc) for w in ("INCLUDEPICTURE", "INCLUDETEXT") for enc in ("latin-1", "utf-16-le"))
