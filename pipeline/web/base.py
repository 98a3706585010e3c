"""What every page of the web app shares: the app's state, who asks, refusals, the guard on every request.

The web app is a second door to the same library as the CLI (``clusterpack serve``).

Everything it checks, it checks with ``stages.check.survey``; everything it builds, it builds with
``workflows.packet`` and ``workflows.city``; it reads and writes only ``inputs/`` (``web.store``)
and serves only what a build put in ``outputs/``. Pages are Jinja templates with autoescaping on,
so what a user typed is text on every page; the JavaScript is the project's own, small and plain.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from pipeline.core import limits
from pipeline.core.case import Paths
from pipeline.core.programme import Programme
from pipeline.errors import ClusterpackError, DataInvalid, UsageError
from pipeline.stages import cache
from pipeline.stages.cache import CachedConverter
from pipeline.stages.programmes import load_programme
from pipeline.web import auth, store
from pipeline.web.builds import Builds, problem_dict
from pipeline.web.form import Form, form_of
from pipeline.workflows.packet import LANES

HERE = Path(__file__).parent
COOKIE = "clusterpack_session"
FORM_BYTES = 1_000_000  # beside one upload: its form fields, or a whole cluster's form as JSON
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSP = (
    "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


@dataclass
class Web:
    """What every request handler shares: the folders, who is logged in, the builds, the forms."""

    paths: Paths
    local: bool  # bound to a loopback address: no login
    today: dt.date | None = None
    sessions: auth.Sessions = field(default_factory=auth.Sessions)
    builds: Builds = field(default_factory=Builds)
    programmes: dict[str, Programme] = field(default_factory=dict)
    office: CachedConverter | None = None  # the cluster builds' LibreOffice, kept running between them
    forms: dict[str, Form] = field(default_factory=dict)  # by programme id (programme.yaml is read once per text)

    @functools.cached_property
    def pages(self) -> Jinja2Templates:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "pages"), autoescape=True, undefined=jinja2.StrictUndefined
        )
        return Jinja2Templates(env=env)

    def programme(self, programme_id: str) -> Programme:
        """The programme, read once per app (templates cannot change from the web; restart after editing one)."""
        if programme_id not in self.programmes:
            self.programmes[programme_id] = load_programme(self.paths.templates, programme_id)
        return self.programmes[programme_id]

    def converter(self) -> CachedConverter:
        """The converter every cluster build of this app shares: LibreOffice starts at the first conversion
        the cache lacks and stays for the next build (≈ 1.5 s of each build's start saved)."""
        if self.office is None:
            self.office = cache.converter(self.paths, lanes=LANES, memory=limits.office_memory(LANES))
        return self.office

    def close(self) -> None:
        """Stop the shared LibreOffice (when the app stops)."""
        if self.office is not None:
            self.office.close()
            self.office = None

    def form(self, programme: Programme) -> Form:
        if programme.id not in self.forms:
            self.forms[programme.id] = form_of(programme)
        return self.forms[programme.id]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def web_of(request: Request) -> Web:
    return request.app.state.web  # type: ignore[no-any-return]


def user_of(request: Request) -> auth.User:
    return request.state.user  # type: ignore[no-any-return]


def refused(status: int, code: str, message: str) -> JSONResponse:
    """A refusal the page shows: its stable code and the message in Chinese with the English key."""
    return JSONResponse({"ok": False, "code": code, "message": message}, status_code=status)


def error_response(exc: ClusterpackError, status: int = 400) -> JSONResponse:
    return refused(status, exc.code, str(exc))


def render(request: Request, name: str, **context: Any) -> Response:
    session = request.state.session
    context |= {"user": request.state.user, "csrf": session.csrf if session else "", "local": web_of(request).local}
    return web_of(request).pages.TemplateResponse(request, name, context)


class Guard(BaseHTTPMiddleware):
    """Sessions, login when not on loopback, CSRF on every change, a bounded body, safe headers on every answer."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        web = web_of(request)
        if web.local and not is_loopback(urlsplit("//" + request.headers.get("host", "")).hostname or ""):
            # DNS rebinding: another site's name pointed at 127.0.0.1 would be "same origin" with the app
            return refused(421, "E-WEB-HOST", "请用 127.0.0.1 或 localhost 打开本页 (open the app at 127.0.0.1)")
        token = request.cookies.get(COOKIE)
        session = web.sessions.get(token)
        fresh = None
        if session is None:
            fresh, session = web.sessions.new(auth.LOCAL if web.local else None)
        request.state.session = session
        request.state.user = session.user
        response = await self._checked(request, session, call_next)
        if fresh is not None:
            response.set_cookie(COOKIE, fresh, httponly=True, samesite="strict", path="/")
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    async def _checked(self, request: Request, session: auth.Session, call_next: RequestResponseEndpoint) -> Response:
        path = request.url.path
        public = path in ("/login", "/favicon.ico") or path.startswith("/static/")
        if session.user is None and not public:
            if path.startswith("/api/") or request.method not in SAFE_METHODS:
                return refused(401, "E-WEB-LOGIN", "请先登录 (log in first)")
            return RedirectResponse("/login", status_code=303)
        if request.method not in SAFE_METHODS:
            problem = _unsafe_request(request, session)
            if problem is not None:
                return problem
        return await call_next(request)


def _unsafe_request(request: Request, session: auth.Session) -> Response | None:
    """Why a change is refused: another site's page (Origin, the CSRF token) or a body over the limit."""
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.headers.get("host", ""):
        return refused(403, "E-WEB-CSRF", "请求来自其他网站，已拒绝 (cross-site request refused)")
    if not auth.same_token(request.headers.get("x-csrf-token"), session.csrf) and request.url.path != "/login":
        return refused(403, "E-WEB-CSRF", "页面已过期，请刷新后重试 (missing or wrong CSRF token: reload the page)")
    length = request.headers.get("content-length")
    if length is None and request.headers.get("transfer-encoding"):
        return refused(411, "E-WEB-LENGTH", "请求缺少长度 (the request needs a Content-Length)")
    if length is not None and (not length.isdigit() or int(length) > limits.ATTACHMENT_BYTES() + FORM_BYTES):
        return refused(413, "E-WEB-UPLOAD-SIZE", f"上传内容超过 {limits.ATTACHMENT_BYTES.shown()} 的上限 (too large)")
    return None


# --- JSON endpoints: their body, their uploads, their refusals with codes ---------------------------------------


async def json_of(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body())
    except ValueError:
        raise UsageError("请求不是 JSON (the request is not JSON)", code="E-WEB-REQUEST") from None
    if not isinstance(body, dict):
        raise UsageError("请求不是 JSON 对象 (the request is not a JSON object)", code="E-WEB-REQUEST")
    return body


class Refusal(Exception):
    """A refusal (its JSON answer) raised from deep in a handler, answered by :func:`handled`."""

    def __init__(self, response: Response) -> None:
        self.response = response


def handled(handler: Any) -> Any:
    """A JSON endpoint whose refusals (a ClusterpackError, a Refusal) are answered as JSON with their code."""

    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)  # type: ignore[no-any-return]
        except Refusal as r:
            return r.response
        except DataInvalid as exc:
            return JSONResponse(
                {
                    "ok": False,
                    "code": "E-DATA-INVALID",
                    "message": str(exc).splitlines()[-1],
                    "problems": [shown(p) for p in exc.problems],
                },  # fmt: skip
                status_code=400,
            )
        except ClusterpackError as exc:
            return error_response(exc)

    return endpoint


async def upload_of(request: Request, *fields: str) -> Any:
    """The one file of a multipart upload (read up to one byte over the limit) and the fields asked for."""
    async with request.form(max_files=1, max_fields=8, max_part_size=64 * 1024) as form:
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise UsageError("请选择要上传的文件 (no file in the upload)", code="E-WEB-UPLOAD-NONE")
        data = await upload.read(store.limits.ATTACHMENT_BYTES() + 1)
        return (upload.filename or "材料.pdf", data, *(str(form.get(f, "")) for f in fields))


def shown(p: Any) -> dict[str, Any]:
    """A problem as the page shows it: code, message, field, severity, where, label."""
    return problem_dict(p) | {"label": p.label}
