"""Model context + .docx template → filled .docx (docxtpl in a sandboxed, strict Jinja)."""

from __future__ import annotations

import functools
import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jinja2
from docx.enum.text import WD_BREAK
from docx.shared import Mm, RGBColor
from docxtpl import DocxTemplate
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from lxml import etree

from . import docxkit, limits, officefile, tablefit, wordfile
from .errors import TemplateProblem

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


def render(template: Path, context: dict[str, Any], out: Path) -> Path:
    """Fill ``template`` with ``context`` and save it as ``out``."""
    check_template(template)
    doc = DocxTemplate(str(template))
    seconds = limits.RENDER_SECONDS.value()
    try:
        with deadline(seconds):
            doc.render(context, jinja_env=jinja_env(), autoescape=True)
    except _TimedOut:
        raise TemplateProblem(
            f"模板 {template} 渲染超过 {seconds:g} 秒，已停止（模板里有很大的循环？） (template rendering timed out: "
            f"{limits.RENDER_SECONDS.env})",
            code="E-TEMPLATE-TIMEOUT",
        ) from None
    except (jinja2.TemplateError, OverflowError, RecursionError, etree.LxmlError) as exc:
        raise TemplateProblem(
            f"模板 {template} 渲染失败 (template failed to render): {type(exc).__name__}: {exc}",
            code="E-TEMPLATE-RENDER",
        ) from None
    tablefit.fit(doc.docx)  # column widths from the content, CJK punctuation in the CJK face
    doc.save(str(out))
    applicant = context.get("applicant")
    wordfile.tidy(out, applicant.get("name", "") if isinstance(applicant, dict) else "")
    return out


def save(doc: object, out: Path, creator: str = "") -> None:
    """Save a python-docx document; its author is ``creator``, its dates the build date."""
    tablefit.fit(doc)
    doc.save(str(out))  # type: ignore[attr-defined]
    wordfile.tidy(out, creator)


def render_page_stamp(pages: int, out: Path) -> Path:
    """A document of ``pages`` blank A4 pages whose footers read ``— N —`` (for numbering a merged PDF)."""
    doc = docxkit.new_document(margins_mm=(37, 35, 28, 26))
    section = doc.sections[0]
    section.footer_distance = Mm(18)
    docxkit.footer_page_number(section, pt=14)
    for i in range(pages):
        p = docxkit.para(doc, "", line_pt=None)
        if i < pages - 1:
            p.add_run().add_break(WD_BREAK.PAGE)
    save(doc, out)
    return out


def render_watermark(lines: list[str], out: Path) -> Path:
    """One A4 page with a large grey 草稿 and the unmet conditions, centred (overlaid on draft pages)."""
    doc = docxkit.new_document(margins_mm=(20, 20, 20, 20))
    grey = RGBColor(0xC8, 0xC8, 0xC8)
    # The block must sit at the page's centre, the point the overlay turns about; LibreOffice
    # ignores vertical page alignment, so space before it places it there.
    p = docxkit.para(doc, "", align=docxkit.CENTER, line_pt=None, before_pt=270 - 14 * len(lines))
    docxkit.run(p, "草  稿", docxkit.HEI, 110).font.color.rgb = grey
    for line in ["未满足申报条件（draft: conditions unmet）", *lines]:
        p = docxkit.para(doc, "", align=docxkit.CENTER, line_pt=None)
        docxkit.run(p, line, docxkit.HEI, 13).font.color.rgb = grey
    save(doc, out)
    return out


def render_labels(labels: list[str], out: Path) -> Path:
    """One A4 page per label, the label alone at the top right inside the 20 mm band (for stamping)."""
    doc = docxkit.new_document(margins_mm=(7, 20, 15, 15))
    for i, label in enumerate(labels):
        p = docxkit.para(doc, "", align=docxkit.RIGHT, line_pt=None)
        docxkit.run(p, label, docxkit.HEI, 10.5)
        if i < len(labels) - 1:
            p.add_run().add_break(WD_BREAK.PAGE)
    save(doc, out)
    return out


def render_list(
    title: str, subtitle: str, headers: list[str], widths: list[float], rows: list[list[str]], out: Path
) -> Path:
    """A plain one-table document (the 敏感材料清单)."""
    doc = docxkit.new_document(margins_mm=(30, 25, 28, 26), body_font=docxkit.SONG, body_pt=10.5)
    docxkit.para(doc, title, docxkit.XBS, 20, align=docxkit.CENTER, line_pt=34, after_pt=4)
    docxkit.para(doc, subtitle, docxkit.SONG, 11, align=docxkit.CENTER, line_pt=20, after_pt=8)
    t = docxkit.table(doc, widths)
    docxkit.add_row(t, headers, docxkit.HEI, 10.5, header=True)
    for row in rows:
        docxkit.add_row(t, row, docxkit.SONG, 10.5, aligns=[docxkit.CENTER] + [docxkit.LEFT] * (len(row) - 1))
    save(doc, out)
    return out
