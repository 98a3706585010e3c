"""The clerk's pages (a city bureau): its clusters side by side, the recommendation, the city packet.

A door to the same library as ``clusterpack city``: the page edits the city's decision file
(``web.decision``), the library's ``recommend.plan`` says what is wrong with it, and the build is
``workflows.city.city_bundle``, staged and swapped in whole, so a failed one leaves the last good
packet downloadable. Only the clerk of the city (or the one person at the keyboard on 127.0.0.1)
sees it; everyone else is answered 404, as if there were no such city.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from pipeline.core.case import build_date
from pipeline.core.fields import CITIES
from pipeline.errors import UsageError
from pipeline.stages.programmes import available
from pipeline.web import decision
from pipeline.web.base import Refusal, Web, handled, json_of, refused, render, upload_of, user_of, web_of
from pipeline.web.files import attachment, listed, served, thumb_of, zipped
from pipeline.workflows.city import city_bundle

SERVED = (".pdf", ".zip", ".docx", ".xlsx")  # what the city's folder offers for download (manifest.json aside)


def _no_city() -> Refusal:
    return Refusal(refused(404, "E-WEB-NO-CITY", "没有这个市，或此账户无权查看 (no such city for this account)"))


def _city(request: Request) -> tuple[Web, str]:
    """The app and the city of the address, when the session's user may see that city."""
    code = request.path_params["code"]
    if code not in CITIES or not user_of(request).may_see_city(code):
        raise _no_city()
    return web_of(request), code


def _desk(web: Web, code: str, programme_id: str | None) -> decision.Desk:
    programme = decision.programme_of(web.paths, code, programme_id)
    if programme is None:
        raise UsageError("请选择申报项目 (choose a programme)", code="E-WEB-NO-PROGRAMME")
    return decision.desk(web.paths, code, programme, web.today or build_date())


def outputs_folder(web: Web, programme_id: str, code: str) -> Path:
    """``outputs/<programme>/cities/<code>/``: where ``clusterpack city`` puts the city's files too."""
    return web.paths.outputs / programme_id / "cities" / code


def city_outputs(web: Web, programme_id: str, code: str) -> dict[str, Any] | None:
    """The city's files in place (the last good build), as the page lists them; None when none was built."""
    folder = outputs_folder(web, programme_id, code)
    manifest = listed(folder, "manifest.json")
    if manifest is None:
        return None
    data = json.loads(manifest.read_text(encoding="utf-8"))
    packet = data.get("packet", {})
    names = [p.name for p in folder.iterdir() if p.is_file() and p.suffix in SERVED]

    def first(name: str) -> tuple[bool, int, str]:  # the packet, the PDFs, the zips, then the Word and Excel files
        return (name != packet.get("file"), SERVED.index(Path(name).suffix), name)

    return {
        "file": packet.get("file", ""),
        "pages": packet.get("pages", 0),
        "files": sorted(names, key=first),
        "clusters": [c.get("name", "") for c in data.get("clusters", [])],
        "warnings": data.get("warnings", []),
    }


# --- the page ------------------------------------------------------------------------------------------------------


@handled
async def city_page(request: Request) -> Response:
    web, code = _city(request)
    choices = decision.city_programmes(web.paths)
    programme = decision.programme_of(web.paths, code, request.query_params.get("programme") or None)
    context: dict[str, Any] = {"code": code, "city_name": CITIES[code], "choices": choices}
    if programme is None:  # no decision file names one: the clerk chooses
        return render(request, "city.html", programme=None, state=None, fields={}, **context)
    state = decision.state(decision.desk(web.paths, code, programme, web.today or build_date()))
    state["outputs"] = city_outputs(web, programme.id, code)
    return render(request, "city.html", programme=programme, state=state, fields=state["fields"], **context)


@handled
async def save_api(request: Request) -> Response:
    web, code = _city(request)
    body = await json_of(request)
    d = _desk(web, code, str(body.get("programme") or "") or None)
    file = decision.write(d, body)
    return JSONResponse({"ok": True, "saved": file.name, "state": decision.state(d)})


@handled
async def signed_api(request: Request) -> Response:
    """A sealed scan of the letter or the 汇总表, for this decision file (it replaces the generated PDF)."""
    web, code = _city(request)
    _name, data, what, programme_id = await upload_of(request, "what", "programme")
    d = _desk(web, code, programme_id or request.query_params.get("programme") or None)
    decision.save_scan(d, what, data)
    return JSONResponse({"ok": True, "scans": decision.scans(d)})


@handled
async def build_api(request: Request) -> Response:
    web, code = _city(request)
    body = await json_of(request) if request.method == "POST" else {}
    d = _desk(web, code, str(body.get("programme") or request.query_params.get("programme") or "") or None)
    key = f"{d.programme.id}/cities/{code}"
    if request.method == "POST":
        if not d.file.is_file():
            raise UsageError("请先保存推荐决定 (save the decision first)", code="E-WEB-NO-DECISION")

        def work() -> dict[str, Any]:
            result = city_bundle(code, web.paths, d.programme.id, web.today)
            return {"pages": result.pages, "file": result.packet, "clusters": list(result.clusters)}

        job = web.builds.start(key, work)
    else:
        job = web.builds.get(key)  # type: ignore[assignment]
    state = job.as_dict() if job is not None else {"state": "none"}
    return JSONResponse({"ok": True, "job": state, "outputs": city_outputs(web, d.programme.id, code)})


# --- the city's files, as the last good build left them --------------------------------------------------------------


def _folder(request: Request) -> Path:
    web, code = _city(request)
    programme_id = request.path_params["programme"]
    if programme_id not in available(web.paths.templates):
        raise Refusal(refused(404, "E-WEB-NO-FILE", "没有这个文件 (no such file)"))
    return outputs_folder(web, programme_id, code)


@handled
async def download(request: Request) -> Response:
    return served(_folder(request), request.path_params["name"], SERVED)


@handled
async def archive(request: Request) -> Response:
    folder = _folder(request)
    if listed(folder, "manifest.json") is None:
        return refused(404, "E-WEB-NO-FILE", "还没有生成材料 (nothing built yet)")
    name = f"{CITIES[request.path_params['code']]}-全部.zip"
    data = zipped(folder, word_only=False)
    return StreamingResponse(iter([data]), media_type="application/zip", headers=attachment(name))


@handled
async def thumb(request: Request) -> Response:
    folder = _folder(request)
    cache = web_of(request).paths.outputs / ".web" / "thumbs" / folder.parent.parent.name / f"city-{folder.name}"
    return thumb_of(folder, request, cache)


def routes() -> list[Route]:
    return [
        Route("/city/{code}", city_page),
        Route("/api/city/{code}/save", save_api, methods=["POST"]),
        Route("/api/city/{code}/build", build_api, methods=["GET", "POST"]),
        Route("/api/city/{code}/signed", signed_api, methods=["POST"]),
        Route("/city/{code}/out/{programme}/{name}", download),
        Route("/city/{code}/zip/{programme}", archive),
        Route("/city/{code}/thumb/{programme}/{name}/{page:int}", thumb),
    ]
