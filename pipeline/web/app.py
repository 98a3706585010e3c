"""The web app: a second door to the same library as the CLI (``clusterpack serve``).

Everything it checks, it checks with ``stages.check.survey``; everything it builds, it builds with
``workflows.packet`` and ``workflows.city``; it reads and writes only ``inputs/`` (``web.store``)
and serves only what a build put in ``outputs/``. Pages are Jinja templates with autoescaping on,
so what a user typed is text on every page; the JavaScript is the project's own, small and plain.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from pipeline.core import limits
from pipeline.core.case import Paths
from pipeline.core.programme import Programme
from pipeline.errors import ClusterpackError
from pipeline.stages.programmes import load_programme
from pipeline.web import auth
from pipeline.web.builds import Builds
from pipeline.web.form import Form, form_of

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


def create_app(paths: Paths | None = None, host: str = "127.0.0.1", today: dt.date | None = None) -> Starlette:
    """The app serving ``paths`` (the repository's folders by default); login required unless ``host`` is loopback."""
    from pipeline.web import clerk, files, login, operator

    web = Web(paths or Paths(), is_loopback(host), today)
    routes = [
        *login.routes(),
        *operator.routes(),
        *files.routes(),
        *clerk.routes(),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
        Route("/favicon.ico", lambda _r: PlainTextResponse("", status_code=204)),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(Guard)])
    app.state.web = web
    return app
