"""Each phase of a build logged with its time (``clusterpack -v``)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger("pipeline.phase")


@contextmanager
def phase(name: str, subject: str = "") -> Iterator[None]:
    """Log ``name`` (and what it works on) with the seconds it took, when the block ends."""
    start = time.perf_counter()
    try:
        yield
    finally:
        log.info("%-10s %s %.2f s", name, subject, time.perf_counter() - start)
