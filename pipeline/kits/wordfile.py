"""What a Word user sees of a .docx besides its text: the font table, the application, the properties.

python-docx's default template leaves a font table of Japanese face names, ``Microsoft Macintosh Word``
as the application and its own dates. Every .docx written here goes through ``tidy``: the font table
lists the faces the document names (Chinese ones with the GB2312 character set), the application is
clusterpack, the author is the applicant or the bureau, and the dates are the build date."""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from pipeline.core import repro
from pipeline.core.case import tool_version

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


_RFONT = re.compile(r'w:(?:ascii|hAnsi|eastAsia|cs)="([^"]+)"')


_PARTS = re.compile(r"word/(document|styles|header\d*|footer\d*|numbering)\.xml")


def _font_table(names: list[str]) -> bytes:
    fonts = []
    for name in names:
        cjk = any(ord(ch) > 0x2E80 for ch in name)
        charset, family = ("86", "auto") if cjk else ("00", "roman")  # as Word writes 宋体 and Times New Roman
        fonts.append(
            f'<w:font w:name="{escape(name, {chr(34): "&quot;"})}"><w:charset w:val="{charset}"/>'
            f'<w:family w:val="{family}"/><w:pitch w:val="variable"/></w:font>'
        )
    return (
        f"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n<w:fonts xmlns:w=\"{_W}\">"
        + "".join(fonts)
        + "</w:fonts>"
    ).encode()


def _app(version: str) -> bytes:
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        f"<Template>Normal.dotm</Template><TotalTime>0</TotalTime><Application>clusterpack {escape(version)}"
        "</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop><LinksUpToDate>false</LinksUpToDate>"
        "<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged></Properties>"
    ).encode()


def _core(creator: str, title: str) -> bytes:
    when = repro.instant().strftime("%Y-%m-%dT%H:%M:%SZ")
    who = escape(creator)
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{escape(title)}</dc:title><dc:creator>{who}</dc:creator><cp:lastModifiedBy>{who}</cp:lastModifiedBy>"
        f'<cp:revision>1</cp:revision><dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified><dc:language>zh-CN</dc:language>'
        "</cp:coreProperties>"
    ).encode()


def tidy(path: Path, creator: str, title: str = "", saved: bytes | None = None) -> None:
    """Rewrite ``path`` with a clean font table, app and core properties, every entry at the build instant.

    ``saved``: the document as saved in memory, written to ``path`` tidied (one zip written, not two).
    """
    stamp = repro.instant().timetuple()[:6]
    fd, tmp = tempfile.mkstemp(suffix=path.suffix, dir=path.parent)
    os.close(fd)
    with zipfile.ZipFile(io.BytesIO(saved) if saved is not None else path) as src:
        names: list[str] = []
        for info in src.infolist():
            if _PARTS.fullmatch(info.filename):
                for name in _RFONT.findall(src.read(info.filename).decode("utf-8")):
                    if name not in names:
                        names.append(name)
        replaced = {
            "word/fontTable.xml": _font_table(names),
            "docProps/app.xml": _app(tool_version()),
            "docProps/core.xml": _core(creator or "clusterpack", title),
        }
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = replaced.get(info.filename) or src.read(info.filename)
                out = zipfile.ZipInfo(info.filename, date_time=stamp)
                out.compress_type = zipfile.ZIP_DEFLATED
                out.external_attr = 0o644 << 16
                dst.writestr(out, data)
    shutil.move(tmp, path)
