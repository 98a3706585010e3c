"""The clerk's pages (a city bureau): its clusters side by side, the recommendation, the city packet."""

from __future__ import annotations

from starlette.routing import Route


def routes() -> list[Route]:
    return []
