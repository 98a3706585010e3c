"""The web app under test: served by uvicorn on a free loopback port, driven by Debian's Chromium.

``serve(root)`` runs the real app (``pipeline.web.app.create_app``) in a thread of the test
process, on a real socket; ``chromium()`` starts the real headless Chromium through chromedriver,
with the flags this machine's closed network needs. Nothing here mocks the browser or the server.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from pipeline.core import case
from pipeline.web.server import running

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1440,1000", "--lang=zh-CN",
)  # fmt: skip


@dataclass
class Served:
    url: str
    root: Path

    @property
    def paths(self) -> case.Paths:
        return case.Paths(inputs=self.root / "inputs", templates=self.root / "templates", outputs=self.root / "outputs")


@contextmanager
def serve(root: Path, host: str = "127.0.0.1") -> Iterator[Served]:
    """The app serving ``root`` (inputs/, templates/, outputs/) on ``host`` and a free port, until the block ends."""
    paths = case.Paths(inputs=root / "inputs", templates=root / "templates", outputs=root / "outputs")
    with running(paths, host) as url:
        yield Served(url, root)


@contextmanager
def chromium(downloads: Path | None = None) -> Iterator[WebDriver]:
    """Debian's headless Chromium, driven by its chromedriver, with a new empty profile."""
    profile = Path(tempfile.mkdtemp(prefix="clusterpack-chromium-"))
    options = Options()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    if downloads is not None:
        options.add_experimental_option("prefs", {"download.default_directory": str(downloads)})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait(driver: WebDriver, seconds: float = 10) -> WebDriverWait:
    return WebDriverWait(driver, seconds, poll_frequency=0.1)


def visible(driver: WebDriver, css: str, seconds: float = 10):  # noqa: ANN201 - a WebElement
    return wait(driver, seconds).until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))


def client_of(driver: WebDriver, base: str) -> httpx.Client:
    """An HTTP client with the browser's session cookie: to download what the page links to."""
    cookies = {c["name"]: c["value"] for c in driver.get_cookies()}
    return httpx.Client(base_url=base, cookies=cookies, timeout=60)


def js_errors(driver: WebDriver) -> list[str]:
    """What the page's JavaScript reported as errors (an uncaught exception, a refused resource)."""
    return [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
