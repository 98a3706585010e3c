"""What a build made, served as it is: a packet's files, the Word bundle or everything as a zip, page thumbnails.

Only files that a build wrote into the packet's folder are served, each found by listing that
folder (a name in the address is compared, never joined into a path); thumbnails are drawn by
pdftoppm into ``outputs/.web/`` and kept by the PDF's content, so a rebuilt packet gets new ones.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import threading
import zipfile
from pathlib import Path
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse
from starlette.routing import Route

from pipeline.core import scratch
from pipeline.web.base import refused, web_of
from pipeline.web.operator import allowed, packet_folder

THUMB_DPI = 24
MAX_THUMB_PAGE = 2000
_drawing = threading.Lock()


def attachment(name: str) -> dict[str, str]:
    """A download's header: the file's own (Chinese) name, safely quoted."""
    return {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}


def listed(folder: Path, name: str) -> Path | None:
    """The file of ``folder`` called ``name`` (by listing, not joining), or None."""
    if not folder.is_dir():
        return None
    return next((p for p in folder.iterdir() if p.name == name and p.is_file() and not p.is_symlink()), None)


def _folder(request: Request) -> Path | Response:
    cluster_id, programme_id = request.path_params["cluster"], request.path_params["programme"]
    if (no := allowed(request, cluster_id)) is not None:
        return no
    if not programme_id.replace("-", "").isalnum():
        return refused(404, "E-WEB-NO-FILE", "没有这个文件 (no such file)")
    return packet_folder(web_of(request), programme_id, cluster_id)


async def download(request: Request) -> Response:
    folder = _folder(request)
    if isinstance(folder, Response):
        return folder
    return served(folder, request.path_params["name"], (".pdf", ".docx", ".json"))


def served(folder: Path, name: str, suffixes: tuple[str, ...]) -> Response:
    """The file ``name`` of ``folder`` as a download, if a build put it there and it is of a kind served."""
    path = listed(folder, name)
    if path is None or path.suffix not in suffixes:
        return refused(404, "E-WEB-NO-FILE", "没有这个文件 (no such file)")
    return FileResponse(path, headers=attachment(path.name))


def zipped(folder: Path, word_only: bool) -> bytes:
    """The packet's files in one zip (the Word files only, with ``word_only``); a sensitive file never goes in."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.iterdir()):
            if not path.is_file() or path.is_symlink() or path.name.startswith("."):
                continue
            if word_only and path.suffix != ".docx":
                continue
            z.write(path, f"{folder.name}/{path.name}")
    return buffer.getvalue()


async def archive(request: Request) -> Response:
    folder = _folder(request)
    if isinstance(folder, Response):
        return folder
    which = request.path_params["which"]
    if which not in ("all", "word") or listed(folder, "manifest.json") is None:
        return refused(404, "E-WEB-NO-FILE", "还没有生成材料 (no packet yet)")
    name = f"{folder.name}-{'Word' if which == 'word' else '全部'}.zip"
    data = zipped(folder, which == "word")
    return StreamingResponse(iter([data]), media_type="application/zip", headers=attachment(name))


def thumbnail(pdf: Path, page: int, cache: Path) -> Path | None:
    """Page ``page`` (1-based) of ``pdf`` as a small PNG, drawn once for this content of the PDF."""
    digest = hashlib.sha256(pdf.read_bytes()).hexdigest()[:20]
    out = cache / digest / f"p-{page}.png"
    if out.is_file():
        return out
    if shutil.which("pdftoppm") is None:
        return None
    with _drawing:
        out.parent.mkdir(parents=True, exist_ok=True)
        work = scratch.scratch("thumb")
        try:
            subprocess.run(
                ["pdftoppm", "-r", str(THUMB_DPI), "-png", "-singlefile", "-f", str(page), "-l", str(page),
                 str(pdf), str(work / "p")],  # fmt: skip
                check=True, capture_output=True, timeout=30,
            )  # fmt: skip
            made = work / "p.png"
            return scratch.copy_atomic(made, out) if made.is_file() else None
        except (subprocess.SubprocessError, OSError):
            return None
        finally:
            shutil.rmtree(work, ignore_errors=True)


async def thumb(request: Request) -> Response:
    folder = _folder(request)
    if isinstance(folder, Response):
        return folder
    cache = web_of(request).paths.outputs / ".web" / "thumbs" / folder.parent.name / folder.name
    return thumb_of(folder, request, cache)


def thumb_of(folder: Path, request: Request, cache: Path) -> Response:
    """The page the address names of a PDF in ``folder``, as a thumbnail drawn once into ``cache``."""
    page = request.path_params["page"]
    pdf = listed(folder, request.path_params["name"])
    if pdf is None or pdf.suffix != ".pdf" or not 1 <= page <= MAX_THUMB_PAGE:
        return refused(404, "E-WEB-NO-FILE", "没有这个文件 (no such file)")
    out = thumbnail(pdf, page, cache)
    if out is None:
        return refused(404, "E-WEB-NO-PAGE", "没有这一页 (no such page)")
    return FileResponse(out, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


def routes() -> list[Route]:
    return [
        Route("/c/{cluster}/out/{programme}/{name}", download),
        Route("/c/{cluster}/zip/{programme}/{which}", archive),
        Route("/c/{cluster}/thumb/{programme}/{name}/{page:int}", thumb),
    ]
