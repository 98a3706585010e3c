"""The operator's pages: the list of clusters, a cluster's form with its live checks, uploads and the build."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from pipeline.core import rules
from pipeline.core.case import build_date
from pipeline.core.fields import CITIES, programme_ids
from pipeline.errors import ClusterpackError, UsageError
from pipeline.stages import check as checking
from pipeline.stages.programmes import available
from pipeline.web import store
from pipeline.web.base import (
    Refusal,
    Web,
    error_response,
    handled,
    json_of,
    refused,
    render,
    shown,
    upload_of,
    user_of,
    web_of,
)
from pipeline.web.form import cells_of, raw_of
from pipeline.workflows import packet as packets

MAX_CELLS = 20_000  # inputs in one request: far above a full cluster's (~500)


# --- who may see what ----------------------------------------------------------------------------------------------


def _cluster_city(web: Web, cluster_id: str) -> str:
    try:
        cluster = store.load(web.paths, cluster_id).data.get("cluster")
    except ClusterpackError:
        return ""
    return str(cluster.get("city") or "") if isinstance(cluster, dict) else ""


def allowed(request: Request, cluster_id: str, edit: bool = False) -> Response | None:
    """None when the session's user may see (or, with ``edit``, change) the cluster; else the refusal."""
    user, web = user_of(request), web_of(request)
    if edit and not user.may_edit_cluster(cluster_id):
        return refused(403, "E-WEB-FORBIDDEN", "无权修改此集群的数据 (you may not change this cluster)")
    city = _cluster_city(web, cluster_id) if user.role == "clerk" else ""  # only a clerk's rights hang on the city
    if not user.may_see_cluster(cluster_id, city):
        return refused(404, "E-WEB-NO-CLUSTER", "没有这个集群 (no such cluster)")
    return None


# --- the start page ------------------------------------------------------------------------------------------------


async def home(request: Request) -> Response:
    web, user = web_of(request), user_of(request)
    entries = [e for e in store.clusters(web.paths) if user.may_see_cluster(e.id, e.city)]
    titles = {}
    for pid in available(web.paths.templates):
        try:
            programme = web.programme(pid)
        except ClusterpackError:
            continue
        if programme.data_schema.workbook is not None:
            titles[pid] = programme.title
    cities = _cities(web, user, {e.city for e in entries})
    return render(request, "home.html", clusters=entries, programmes=titles, cities=cities, city_names=CITIES,
                  may_create=user.role in ("local", "operator"))  # fmt: skip


def _cities(web: Web, user: Any, of_clusters: set[str]) -> dict[str, str]:
    """The cities the user may see that have clusters or a decision file: {code: name}, for the clerk's pages."""
    folder = web.paths.inputs / "cities"
    decided = {f.stem.split("-")[0] for f in folder.glob("*.yaml")} if folder.is_dir() else set()
    codes = of_clusters | decided | ({user.city} if user.role == "clerk" else set())
    return {c: CITIES[c] for c in sorted(codes) if c in CITIES and user.may_see_city(c)}


async def create(request: Request) -> Response:
    web, user = web_of(request), user_of(request)
    body = await json_of(request)
    cluster_id, pid = str(body.get("cluster", "")).strip(), str(body.get("programme", ""))
    if not user.may_edit_cluster(cluster_id):
        return refused(403, "E-WEB-FORBIDDEN", "此账户不能创建这个集群 (this account may not create that cluster)")
    try:
        programme = web.programme(pid)
        store.create(web.paths, cluster_id, programme)
    except ClusterpackError as exc:
        return error_response(exc)
    return JSONResponse({"ok": True, "url": f"/c/{cluster_id}?programme={programme.id}"})


# --- a cluster's form ----------------------------------------------------------------------------------------------


def _programme_for(request: Request, raw: Any) -> Any:
    web = web_of(request)
    asked = request.query_params.get("programme")
    named = raw.data.get("programme")
    names = programme_ids(named) if isinstance(named, (str, list)) else []
    return store.programme_of(web.paths, raw, asked if asked else None), names


async def cluster_page(request: Request) -> Response:
    cluster_id = request.path_params["cluster"]
    if (no := allowed(request, cluster_id)) is not None:
        return RedirectResponse("/", status_code=303) if no.status_code == 404 else no
    web = web_of(request)
    try:
        raw = store.load(web.paths, cluster_id)
        programme, names = _programme_for(request, raw)
        form = web.form(programme)
    except (ClusterpackError, LookupError) as exc:
        message = f"[{getattr(exc, 'code', 'E-WEB-FORM')}] {exc}"
        return render(request, "broken.html", cluster=cluster_id, message=message)

    context = {
        "cluster": cluster_id,
        "programme": programme,
        "programmes": names,
        "form": form,
        "cells": cells_of(form, raw.data),
        "materials": [(m.id, m.title) for m in programme.materials],
        "documents": [(d.id, d.bookmark, d.sealed) for d in programme.documents],
        "signed": sorted(store.signed_of(web.paths, cluster_id, programme)),
        "kind": raw.file.suffix.lstrip("."),
        "editable": user_of(request).may_edit_cluster(cluster_id),
    }
    return render(request, "cluster.html", **context)


def _cells(body: dict[str, Any]) -> dict[str, str]:
    cells = body.get("cells")
    if not isinstance(cells, dict) or len(cells) > MAX_CELLS:
        raise UsageError(f"表单内容无效或超过 {MAX_CELLS} 项 (bad or too many form values)", code="E-WEB-REQUEST")
    return {str(k): v for k, v in cells.items() if isinstance(v, str)}


def survey(web: Web, cluster_id: str, programme: Any, cells: dict[str, str]) -> dict[str, Any]:
    """What the form holds, checked as the CLI checks a file: every problem, the conditions, the headline."""
    form = web.form(programme)
    file = store.input_file(web.paths, cluster_id)  # proofs are found beside the cluster's file
    raw = raw_of(form, cells, cluster_id, file)
    s = checking.survey(raw, programme, web.paths, web.today or build_date())
    headline = programme.data_schema.headline(s.data) if s.data is not None and programme.data_schema.headline else ""
    return {
        "ok": True,
        "problems": [shown(p) for p in s.problems],
        "conditions": [_condition(r) for r in s.results],
        "headline": headline,
        "errors": sum(p.severity == "error" for p in s.problems),
        "warnings": sum(p.severity == "warning" for p in s.problems),
        "blocking": sum(r.blocking for r in s.results),
    }


def _condition(r: rules.Result) -> dict[str, Any]:
    return {k: getattr(r, k) for k in ("id", "clause", "title", "required", "actual", "status", "note")} | {
        "blocking": r.blocking
    }


async def _cluster_call(request: Request, edit: bool) -> tuple[Web, str, Any, dict[str, Any]]:
    cluster_id = request.path_params["cluster"]
    if (no := allowed(request, cluster_id, edit=edit)) is not None:
        raise Refusal(no)
    web = web_of(request)
    json_body = request.headers.get("content-type", "").startswith("application/json")
    body = await json_of(request) if request.method == "POST" and json_body else {}
    pid = str(body.get("programme") or request.query_params.get("programme") or "")
    if pid:  # the page says which programme it is the form of: the data need not be read for it
        return web, cluster_id, web.programme(pid), body
    return web, cluster_id, store.programme_of(web.paths, store.load(web.paths, cluster_id)), body


@handled
async def check_api(request: Request) -> Response:
    web, cluster_id, programme, body = await _cluster_call(request, edit=False)
    return JSONResponse(survey(web, cluster_id, programme, _cells(body)))


@handled
async def save_api(request: Request) -> Response:
    web, cluster_id, programme, body = await _cluster_call(request, edit=True)
    cells = _cells(body)
    named = store.load(web.paths, cluster_id).data.get("programme")
    names = programme_ids(named) if isinstance(named, (str, list)) else []
    if names and programme.id not in names and not set(programme.lineage) & set(names):
        raise UsageError(
            f"此集群的数据写的是 {'、'.join(map(str, names))}，不是 {programme.id}：请从集群页面打开它的表单 "
            "(the data names another programme)",
            code="E-WEB-PROGRAMME",
        )
    file = store.save(web.paths, cluster_id, web.form(programme), cells)
    return JSONResponse(survey(web, cluster_id, programme, cells) | {"saved": file.name})


@handled
async def proof_api(request: Request) -> Response:
    web, cluster_id, _programme, _body = await _cluster_call(request, edit=True)
    name, data = await upload_of(request)
    name = store.save_proof(web.paths, cluster_id, name, data)
    return JSONResponse({"ok": True, "file": name})


@handled
async def signed_api(request: Request) -> Response:
    web, cluster_id, programme, _body = await _cluster_call(request, edit=True)
    _name, data, document = await upload_of(request, "document")
    store.save_signed(web.paths, cluster_id, programme, document, data)
    return JSONResponse({"ok": True, "signed": sorted(store.signed_of(web.paths, cluster_id, programme))})


@handled
async def build_api(request: Request) -> Response:
    web, cluster_id, programme, _body = await _cluster_call(request, edit=request.method == "POST")
    key = f"{programme.id}/{cluster_id}"
    if request.method == "POST":

        def work() -> dict[str, Any]:
            # an unchanged packet is kept as it is; LibreOffice stays up for the next build
            result = packets.bundle(cluster_id, web.paths, programme.id, office=web.converter())
            return {"pages": result.pages, "draft": result.draft, "file": result.file, "unmet": list(result.unmet)}

        job = web.builds.start(key, work)
    else:
        job = web.builds.get(key)  # type: ignore[assignment]
    state = job.as_dict() if job is not None else {"state": "none"}
    return JSONResponse({"ok": True, "job": state, "packet": packet_info(web, cluster_id, programme)})


def packet_folder(web: Web, programme_id: str, cluster_id: str) -> Any:
    """``outputs/<programme>/<cluster>/``: where the CLI puts the packet too (data kept by year is the CLI's)."""
    return web.paths.outputs / programme_id / store.check_cluster_id(cluster_id)


def packet_info(web: Web, cluster_id: str, programme: Any) -> dict[str, Any] | None:
    """The packet in place (the last good one), as the page lists it; None when none was built."""
    folder = packet_folder(web, programme.id, cluster_id)
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        return None
    data = json.loads(manifest.read_text(encoding="utf-8"))
    packet = data.get("packet", {})
    files = sorted(p.name for p in folder.iterdir() if p.is_file() and p.suffix in (".pdf", ".docx"))
    return {
        "file": packet.get("file", ""),
        "pages": packet.get("pages", 0),
        "draft": bool(data.get("checks", {}).get("draft", False)),
        "files": files,
    }


def routes() -> list[Route]:
    return [
        Route("/", home),
        Route("/api/new", handled(create), methods=["POST"]),
        Route("/c/{cluster}", cluster_page),
        Route("/api/c/{cluster}/check", check_api, methods=["POST"]),
        Route("/api/c/{cluster}/save", save_api, methods=["POST"]),
        Route("/api/c/{cluster}/proof", proof_api, methods=["POST"]),
        Route("/api/c/{cluster}/signed", signed_api, methods=["POST"]),
        Route("/api/c/{cluster}/build", build_api, methods=["GET", "POST"]),
    ]
