"""Reproducible bytes: the same inputs give the same .docx, .xlsx, .zip and PDF files.

Every timestamp a file format carries is set to one instant, ``SOURCE_DATE_EPOCH`` when it is set
(the reproducible-builds convention), else the build date (today, 00:00 UTC): the same inputs give the
same bytes on the same day. PDF document ids are derived from content."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, ByteStringObject


def instant() -> dt.datetime:
    """The one instant every generated file records: SOURCE_DATE_EPOCH, else the build date at 00:00 UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(max(int(epoch), 315532800), tz=dt.UTC)  # zip cannot go before 1980
    today = dt.date.today()
    return dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC)


def pdf_date() -> str:
    return instant().strftime("D:%Y%m%d%H%M%SZ")


CORE_DATES = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")
CORE_PART = "docProps/core.xml"


def fixed_zip(path: Path) -> None:
    """Rewrite an OOXML/zip file with every entry stamped at :func:`instant`, order kept.

    The document's own dates (``docProps/core.xml``) are set to it too: openpyxl stamps "modified" with
    the clock as it saves, whatever the workbook's properties said."""
    stamp = instant().timetuple()[:6]
    dated = rb"\g<1>" + instant().strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<3>"
    fd, tmp = tempfile.mkstemp(suffix=path.suffix, dir=path.parent)
    os.close(fd)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == CORE_PART:
                data = CORE_DATES.sub(dated, data)
            out = zipfile.ZipInfo(info.filename, date_time=stamp)
            out.compress_type = zipfile.ZIP_DEFLATED
            out.external_attr = 0o644 << 16
            dst.writestr(out, data)
    os.chmod(tmp, path.stat().st_mode & 0o777)  # the file's own mode, not mkstemp's owner-only one
    shutil.move(tmp, path)


def finish_pdf(writer: PdfWriter, path: Path) -> None:
    """Write ``writer`` to ``path`` with fixed dates and an id made from the pages' content."""
    writer.add_metadata({"/CreationDate": pdf_date(), "/ModDate": pdf_date(), "/Producer": "clusterpack"})
    h = hashlib.sha256()
    for page in writer.pages:
        contents = page.get_contents()
        h.update(contents.get_data() if contents is not None else b"")
    ident = ByteStringObject(h.digest()[:16])
    writer._ID = ArrayObject([ident, ident])
    with path.open("wb") as fh:
        writer.write(fh)


def fix_pdf(path: Path) -> None:
    """Give a PDF written by another program (LibreOffice) fixed dates and a content-made id."""
    finish_pdf(PdfWriter(clone_from=PdfReader(str(path))), path)
