"""The sandboxed, bounded Jinja environment every template and every programme wording renders in."""

from __future__ import annotations

import functools
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import jinja2
from docxtpl import DocxTemplate
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from pipeline.errors import TemplateProblem
from pipeline.kits import officefile

# What one template may produce or compute: far above any real document (the largest renders to
# ≈ 0.3 M characters), far below what would fill memory. Time is bounded by limits.RENDER_SECONDS.
MAX_OUTPUT_CHARS = 10_000_000


MAX_PIECES = 1_000_000  # pieces of output held before they are joined (≈ 50 bytes each)


MAX_RANGE = 10_000


MAX_EXPONENT = 256


def _range(*args: int) -> range:
    items = range(*args)
    if len(items) > MAX_RANGE:
        raise SecurityError(f"range() of {len(items)} items: templates may loop at most {MAX_RANGE} times")
    return items


def _bounded_concat(pieces: Iterable[str]) -> str:
    parts: list[str] = []
    size = 0
    for piece in pieces:
        size += len(piece)
        if size > MAX_OUTPUT_CHARS or len(parts) >= MAX_PIECES:
            raise SecurityError(f"the template writes more than {MAX_OUTPUT_CHARS} characters or {MAX_PIECES} pieces")
        parts.append(piece)
    return "".join(parts)


K = TypeVar("K")
V = TypeVar("V")


def remembered(store: dict[K, V], key: K, make: Callable[[], V], most: int) -> V:
    """``store[key]``, made by ``make()`` the first time; a store grown to ``most`` entries starts again
    (a long-lived process, the web app, renders many texts)."""
    value = store.get(key)
    if value is None:
        value = make()
        if len(store) >= most:
            store.clear()
        store[key] = value
    return value


_COMPILED: dict[tuple[type, bool, str], Any] = {}


_COMPILED_MAX = 512


class _Bounded(ImmutableSandboxedEnvironment):
    """Jinja's sandbox, also bounded in work: ``**`` and repetition with ``*`` are checked, loops capped.

    The sandbox already keeps templates from Python; this keeps ``{{ 10**10**10 }}``,
    ``{{ 'x' * 10**9 }}`` and ``{{ range(10**9)|list }}`` from running until memory or time runs out.
    """

    intercepted_binops = frozenset(["**", "*"])
    concat = staticmethod(_bounded_concat)  # type: ignore[assignment]

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals["range"] = _range

    def compile(  # type: ignore[override]
        self,
        source: Any,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        """Jinja's compile, made once per text: every packet of a batch renders the same template XML.

        The code depends only on the text and the environment's settings, the same for every
        environment made by :func:`jinja_env` but for ``autoescape``, which is part of the key.
        """
        if name is not None or filename is not None or raw or defer_init or not isinstance(source, str):
            return super().compile(source, name, filename, raw, defer_init)  # type: ignore[call-overload]
        key = (type(self), bool(self.autoescape), source)
        return remembered(_COMPILED, key, lambda: super(_Bounded, self).compile(source), _COMPILED_MAX)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > MAX_EXPONENT and abs(left) > 1:
            raise SecurityError(f"exponent {right} is over {MAX_EXPONENT}")
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > MAX_OUTPUT_CHARS:
                    raise SecurityError(f"repeating {len(seq)} items {n} times")
        return super().call_binop(context, operator, left, right)


def jinja_env(autoescape: bool = True) -> jinja2.Environment:
    """Templates a user edits must not reach Python: sandboxed, immutable, strict, autoescaped, bounded."""
    return _Bounded(undefined=jinja2.StrictUndefined, autoescape=autoescape)


class _TimedOut(Exception):
    pass


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise ``_TimedOut`` in the block after ``seconds`` (on the main thread; elsewhere the block is not timed)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise _TimedOut()

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def template_variables(template: Path) -> set[str]:
    """The top-level names a template uses (for the test that checks them against the model)."""
    check_template(template)
    return set(DocxTemplate(str(template)).get_undeclared_template_variables(jinja_env()))


@functools.lru_cache(maxsize=256)
def _inspected(path: str, size: int, mtime_ns: int, kind: str) -> tuple[officefile.Finding, ...]:
    return tuple(officefile.inspect(Path(path), kind))


def check_template(template: Path, kind: str = "docx") -> None:
    """Refuse a template that is not a safe .docx (not a zip, a bomb, external links): TemplateProblem.

    Every file a programme's folders hold and the build opens is looked at here first, wherever it
    comes from: a folder's own, one inherited through ``extends``, one written by ``form adopt``
    (``kind="xlsx"``: the province's 汇总表 workbook).
    """
    try:
        st = template.stat()
    except OSError as exc:
        raise TemplateProblem(
            f"模板 {template} 无法读取 (cannot read the template): {exc}", code="E-TEMPLATE-MISSING"
        ) from None
    findings = _inspected(str(template), st.st_size, st.st_mtime_ns, kind)
    if findings:
        first = findings[0].code.removeprefix("E-").removeprefix("OFFICE-")
        raise TemplateProblem(
            f"模板 {template} 不能使用 (the template is not a usable .{kind}): "
            + "；".join(f.message for f in findings),
            code=f"E-TEMPLATE-{first}",
        )
