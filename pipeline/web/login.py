"""Logging in and out (only asked for when the app is bound to an address other than loopback)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from pipeline.web import auth
from pipeline.web.base import COOKIE, render, web_of


async def login_page(request: Request) -> Response:
    if request.state.user is not None:
        return RedirectResponse("/", status_code=303)
    return render(request, "login.html", error="")


async def login_post(request: Request) -> Response:
    web, session = web_of(request), request.state.session
    form = await request.form(max_files=0, max_fields=8, max_part_size=4096)
    name, password = str(form.get("name", "")), str(form.get("password", ""))
    if not auth.same_token(str(form.get("csrf", "")), session.csrf):
        return render(request, "login.html", error="页面已过期，请重新登录 (the page expired)")
    if web.sessions.locked_out(name):
        return render(request, "login.html", error="尝试次数过多，请 15 分钟后再试 (too many attempts)")
    user = auth.login(web.paths.inputs, name, password)
    if user is None:
        web.sessions.failed(name)
        return render(request, "login.html", error="用户名或密码不对 (wrong user name or password)")
    web.sessions.end(request.cookies.get(COOKIE))
    token, _session = web.sessions.new(user)  # a new token at login: no session fixation
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/")
    return response


async def logout(request: Request) -> Response:
    web_of(request).sessions.end(request.cookies.get(COOKIE))
    response = RedirectResponse("/login" if not web_of(request).local else "/", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def routes() -> list[Route]:
    return [
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login_post, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
    ]
