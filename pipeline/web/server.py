"""Running the app: uvicorn on the address asked for, a free port when none is given, the browser when asked."""

from __future__ import annotations

import socket
import threading
import time
import webbrowser
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from pipeline.core.case import Paths
from pipeline.errors import UsageError
from pipeline.web.app import create_app, is_loopback
from pipeline.web.auth import ACCOUNTS


def free_socket(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: one the system picks)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # each answer sent at once (inherited on accept)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"无法监听 {host}:{port}：{exc.strerror} (cannot listen there)", code="E-USAGE-PORT") from None
    sock.listen(64)
    return sock


def serve(paths: Paths, host: str, port: int, open_browser: bool = False) -> None:
    """Serve the app until interrupted; prints where it is."""
    if not is_loopback(host) and not (paths.inputs / ACCOUNTS).is_file():
        raise UsageError(
            f"在 {host} 上提供服务需要登录账户：请先运行 clusterpack user add … (no accounts yet: add one first)",
            code="E-USAGE-NO-ACCOUNTS",
        )
    sock = free_socket(host, port)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{sock.getsockname()[1]}/"
    print(f"clusterpack 网页版已启动：{url}  (Ctrl+C 停止)", flush=True)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    app = create_app(paths, host)
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        app.state.web.close()


@contextmanager
def running(paths: Paths, host: str = "127.0.0.1") -> Iterator[str]:
    """The app serving ``paths`` in a thread of this process on a free port, until the block ends: its URL."""
    sock = free_socket(host, 0)
    app = create_app(paths, host)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web app did not start")
        time.sleep(0.05)
    try:
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        app.state.web.close()
