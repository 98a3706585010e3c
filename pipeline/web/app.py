"""The web app: a second door to the same library as the CLI (``clusterpack serve``).

Everything it checks, it checks with ``stages.check.survey``; everything it builds, it builds with
``workflows.packet`` and ``workflows.city``; it reads and writes only ``inputs/`` (``web.store``)
and serves only what a build put in ``outputs/``. ``web.base`` holds what the pages share; each
module of pages (login, operator, files, clerk) brings its routes.
"""

from __future__ import annotations

import datetime as dt

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from pipeline.core.case import Paths
from pipeline.web import clerk, files, login, operator
from pipeline.web.base import COOKIE, HERE, Guard, Web, is_loopback

__all__ = ["COOKIE", "create_app", "is_loopback"]


def create_app(paths: Paths | None = None, host: str = "127.0.0.1", today: dt.date | None = None) -> Starlette:
    """The app serving ``paths`` (the repository's folders by default); login required unless ``host`` is loopback."""
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
