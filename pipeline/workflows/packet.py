"""One cluster's packet, in a straight line: read → check (the Case) → render → convert → assemble.

The only writer of ``outputs/<programme>/<cluster>/``: everything goes to a staging folder that
takes the packet's place when complete (``workflows.outbox``).
"""

from __future__ import annotations

import datetime as dt
import logging
import platform
import shutil
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from pypdf import PdfReader, PdfWriter
from typing_extensions import Unpack

from pipeline.core import limits, repro, rules, scratch, units
from pipeline.core.case import BuildResult, Case, Paths, build_date, tool_version
from pipeline.core.raw import RawInput
from pipeline.core.timing import phase
from pipeline.errors import Problem, TemplateProblem, writing
from pipeline.stages import assemble, cache, convert, programmes, proofs, render
from pipeline.stages import check as checking
from pipeline.stages.assemble import settle_toc
from pipeline.stages.cache import converter
from pipeline.stages.packet_context import packet_context
from pipeline.stages.read import load_cluster  # noqa: F401  (tests read a cluster through this module)
from pipeline.workflows import outbox

log = logging.getLogger(__name__)


class Options(TypedDict, total=False):
    """How a packet is built (every key optional)."""

    today: dt.date  # the build's date (SOURCE_DATE_EPOCH, else today)
    office: cache.CachedConverter  # a converter to share (a batch's, a city's); else one of its own
    force: bool  # rebuild although nothing it is built from has changed
    accepted: str | None  # the city bureau's reason for recommending a cluster that misses a condition
    strict_dates: bool  # refuse a programme not in force on the day (exit 2), instead of warning
    year: int | None  # the year of data kept by year (inputs/<cluster>/<year>/)


def bundle(
    cluster_id: str, paths: Paths | None = None, programme_id: str | None = None, **options: Unpack[Options]
) -> BuildResult:
    """Build the complete packet of one cluster into ``outputs/<programme>/<cluster>/``.

    Everything is written to a staging folder beside the final one and moved into place only when
    complete, so a failed run leaves the previous packet as it was. A packet whose inputs have not
    changed since it was built is left as it is (``force`` rebuilds it); conversions already made
    are reused from the cache. ``accepted`` is the city bureau's reason for recommending a cluster
    that misses a condition: its packet is then final (no 草稿 mark), the reason on its 自查报告.
    """
    paths = paths or Paths()
    today = options.get("today") or build_date()
    # --- read: the input and the programme it is for
    raw, programme = checking.read_for(paths, cluster_id, programme_id, options.get("year"), today)
    final = packet_folder(paths, programme.id, raw)
    scratch.clean_outputs(final.parent)  # what a killed build left, even if this one has nothing to do
    scratch.clean_scratch()
    if options.get("strict_dates"):  # refused before anything, an up-to-date packet included
        programmes.refuse(programmes.standing(programme, today).problems(strict=True))
    # --- nothing to do when nothing it is built from has changed
    key = outbox.packet_key(raw, programme.id, paths, today, options.get("accepted"))
    if not options.get("force") and (done := outbox.up_to_date(final, key)) is not None:
        return BuildResult.from_manifest(final, done, skipped=True)
    # --- check: the Case, or every problem of the cluster at once; nothing is written before this
    with phase("check", cluster_id):
        case = checking.check_raw(raw, programme, paths, today, bool(options.get("strict_dates")))
    return build_case(case, paths, key, **options)


def packet_of(case: Case, paths: Paths, **options: Unpack[Options]) -> BuildResult:
    """The packet of a Case already checked (a city's): the one in place if up to date, else built."""
    key = outbox.packet_key(case.raw, case.programme.id, paths, case.today, options.get("accepted"))
    final = packet_folder(paths, case.programme.id, case.raw)
    if not options.get("force") and (done := outbox.up_to_date(final, key)) is not None:
        return BuildResult.from_manifest(final, done, case=case, skipped=True)
    return build_case(case, paths, key, **options)


def build_case(case: Case, paths: Paths, key: str = "", **options: Unpack[Options]) -> BuildResult:
    """The packet of a checked Case (a city builds the Cases it has checked, without reading them again)."""
    key = key or outbox.packet_key(case.raw, case.programme.id, paths, case.today, options.get("accepted"))
    final = packet_folder(paths, case.programme.id, case.raw)
    with writing(paths.outputs), _converter(paths, options.get("office")) as office:
        with outbox.staged(final, case.cluster_id) as (out, work):
            context = packet_context(case.programme, case.data, list(case.results), list(case.proofs))
            job = _Job(case, out, work, context, paths, office, key, options.get("accepted"))
            manifest = _build_into(job)
    return BuildResult.from_manifest(final, manifest, case=case, warnings=job.warnings)


def packet_folder(paths: Paths, programme_id: str, raw: RawInput) -> Path:
    """Where a packet goes: ``outputs/<programme>/<cluster>/``, and ``…/<year>/`` for a year's data."""
    folder = paths.outputs / programme_id / raw.cluster_id
    return folder / str(raw.year) if raw.year is not None else folder


# A packet of its own converts on two LibreOffice workers at once (a batch's share has one each).
LANES = 2


@contextmanager
def _converter(paths: Paths, shared: cache.CachedConverter | None) -> Iterator[cache.CachedConverter]:
    """The shared converter, or one of this build's own (LibreOffice starts while documents render)."""
    if shared is not None:
        yield shared
        return
    own = converter(paths, eager=True, lanes=LANES, memory=limits.office_memory(LANES))
    try:
        yield own
    finally:
        own.close()


def _self_check_context(job: _Job) -> dict[str, Any]:
    context, report, programme = job.context, job.case, job.case.programme
    summary = report.summary()
    counts = summary["counts"]
    if summary["passed"]:
        verdict = "符合申报条件"
    elif job.accepted:
        verdict = "不符合申报条件：" + "；".join(summary["unmet"]) + f"；市级主管部门仍予推荐，理由：{job.accepted}"
    else:
        verdict = "不符合申报条件：" + "；".join(summary["unmet"])
    if summary["advisory"]:
        verdict += "（原则上要求未达到：" + "；".join(summary["advisory"]) + "）"
    reconstructed = [d.bookmark for d in programme.documents if d.form == "reconstructed"]
    forms = (
        "文书格式："
        + "、".join(reconstructed)
        + "为本工具依据通知整理的格式（通知附件原件未公开），报送前请以当年通知附件为准。"
        if reconstructed
        else "文书格式：均为通知附件的格式。"
    )
    return {
        **context,
        "programme": {**context["programme"], "notice": programme.notice.title, "number": programme.notice.number},
        "checks": {
            "results": [{"no": str(i), **r.as_dict()} for i, r in enumerate(report.results, start=1)],
            "summary": f"共{len(report.results)}项：通过{counts[rules.PASS]}项，未达到{counts[rules.FAIL]}项，"
            f"未达到（原则上）{counts[rules.ADVISORY]}项，放宽{counts[rules.RELAXED]}项，"
            f"缺佐证{counts[rules.NO_EVIDENCE]}项。结论：{verdict}。",
            "notes": [f"注{i}：{r.note}" for i, r in enumerate(report.results, start=1) if r.note],
            # the programme's dates are said once, in the validity line; notices (a unit converted) are the terminal's
            "warnings": [
                f"提示：{w.printed}"
                for w in report.warnings
                if w.severity == "warning" and not w.code.startswith("W-PROGRAMME-")
            ],
            "forms": forms,
            "validity": job.case.standing.validity_text(),
            "tool": tool_version(),
            "date": units.cn_date(build_date()),
        },
    }


@dataclass
class _Job:
    """One packet being built: the Case, where it goes, the converter; the warnings the build adds."""

    case: Case
    out: Path
    work: Path
    context: dict[str, Any]
    paths: Paths
    office: cache.CachedConverter
    key: str
    accepted: str | None
    added: list[Problem] = field(default_factory=list)  # found while building (a scan's page count)
    asked: list[Future[int]] = field(default_factory=list)  # conversions asked for, maybe under way

    def submit(self, src: Path, dst: Path) -> Future[int]:
        """Convert ``src`` to ``dst`` while the build goes on; the future's value is the page count."""
        future = self.office.submit(src, dst)
        self.asked.append(future)
        return future

    def settle(self) -> None:
        """No conversion of this packet still under way or queued (a failed build leaves none behind)."""
        for future in self.asked:
            future.cancel()
        for future in self.asked:
            if not future.cancelled():
                future.exception()  # waits; a failure was raised where its result was needed

    @property
    def draft(self) -> bool:
        return not self.case.passed and not self.accepted

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return (*self.case.warnings, *self.added)


def _included(job: _Job) -> list[Any]:
    """The programme's documents this packet holds (a relaxation's disclosure only where one is used)."""
    relaxed = bool(job.context["relaxations"])
    return [d for d in job.case.programme.documents if d.include == "always" or relaxed]


@dataclass
class _Converted:
    """The packet's parts as PDFs: each document, the proofs, the cover, the 目录 and the page stamps."""

    docs: list[tuple[Any, Path]]  # (document, its .docx)
    parts: list[assemble.Part]  # each document's own PDF
    entries: list[assemble.Part]  # the packet in order: documents (a signed scan in place), proofs
    signed: dict[str, dict[str, Any]]
    proofs: dict[str, tuple[Path, int]]
    cover: tuple[Path, Path, int]  # .docx, .pdf, pages
    toc: tuple[Path, int]
    stamps: Path


def _build_into(job: _Job) -> dict[str, Any]:
    """Render, convert, assemble one packet into ``job.out``; return its manifest."""
    subject = job.case.cluster_id
    try:
        with phase("render", subject):  # each document is converted while the next one renders
            docs, cover = _render_documents(job)
        with phase("convert", subject):
            made = _convert(job, docs, cover)
        with phase("assemble", subject):
            layout = _assemble(job, made)
            manifest = _manifest(job, made, layout)
            assemble.write_manifest(job.out / "manifest.json", manifest)
    finally:
        job.settle()
    return manifest


# A document, its .docx, and the page count of its PDF (``job.work / f"{id}.pdf"``) to come.
_Rendered = tuple[Any, Path, "Future[int]"]


def _render_documents(job: _Job) -> tuple[list[_Rendered], tuple[Path, Future[int]]]:
    """Every document of the packet, and its cover, filled from the context; each conversion asked for."""
    programme, out, work = job.case.programme, job.out, job.work
    docs: list[_Rendered] = []
    for d in _included(job):
        docx = render.render(programme.template(d.template), job.context, out / f"{d.output}.docx")
        docs.append((d, docx, job.submit(render.for_pdf(docx, work), work / f"{d.id}.pdf")))
    cover = render.render(programme.template(programme.packet.cover), job.context, work / "cover.docx")
    return docs, (cover, job.submit(cover, work / "cover.pdf"))


def _convert(job: _Job, rendered: list[_Rendered], cover: tuple[Path, Future[int]]) -> _Converted:
    """All of it through the packet's LibreOffice workers (started only if the cache lacks something)."""
    programme, work, office = job.case.programme, job.work, job.office
    listed = _sensitive_list(job) if job.case.sensitive else None
    checked = _self_check(job)
    proof_pdfs = _proof_pdfs(job)
    parts, packet_docs, signed_used = _convert_documents(job, rendered)
    docs = [(d, docx) for d, docx, _pages in rendered]
    by_id = {p.id: p for p in packet_docs}
    order = [(d.id, by_id.get(d.id)) for d in programme.documents]
    entries = assemble.compose(order, programme.materials, list(job.case.proofs), proof_pdfs)
    cover_docx, cover_pdf, cover_pages = cover[0], work / "cover.pdf", cover[1].result()
    rest = cover_pages + sum(p.pages for p in entries)
    # the page numbers are asked for first (a packet's 目录 has a few pages): made while the 目录 settles
    guessed = _ask_stamps(job, rest + TOC_ROOM)
    toc_pdf, toc_pages = settle_toc(
        lambda rows: render.render(
            programme.template(programme.packet.toc), {**job.context, "toc": rows}, work / "toc.docx"
        ),
        lambda pages: assemble.toc_entries(entries, first_page=cover_pages + pages + 1),
        office,
        work / "toc.pdf",
    )
    stamps = _page_stamps(job, rest + toc_pages, guessed)
    for made, fix in ((listed, job.out / "敏感材料清单.pdf"), (checked, job.out / "自查报告.pdf")):
        if made is not None:
            made.result()
            repro.fix_pdf(fix)  # goes out as LibreOffice wrote it: fix its dates and id
    return _Converted(
        docs,
        parts,
        entries,
        signed_used,
        proof_pdfs,
        (cover_docx, cover_pdf, cover_pages),
        (toc_pdf, toc_pages),
        stamps,
    )


def _assemble(job: _Job, made: _Converted) -> dict[str, Any]:
    """Numbered part PDFs, the merged packet, the Word bundle; a draft marked on every page."""
    programme, out = job.case.programme, job.out
    mark_pdf = _draft_mark(job)
    for part, (doc, _docx) in zip(made.parts, made.docs, strict=True):
        assert part.pdf is not None
        target = out / f"{doc.output}.pdf"
        if doc.sealed:  # to be signed, sealed and scanned: the packet's number goes on the scan, not its own
            repro.finish_pdf(PdfWriter(clone_from=PdfReader(str(part.pdf))), target)
        else:
            assemble.number_pages(part.pdf, made.stamps, target, skip_first=False)
    cover_docx, cover_pdf, cover_pages = made.cover
    bundle_pdf = out / f"{programme.packet.bundle}.pdf"
    pages = assemble.merge_packet(cover_pdf, made.toc[0], made.entries, made.stamps, bundle_pdf, _metadata(job))
    assemble.word_bundle(cover_docx, made.parts, bundle_pdf.with_suffix(".docx"))
    if mark_pdf is not None:  # a draft: every page of every packet PDF says so
        for pdf in [bundle_pdf, *(out / f"{d.output}.pdf" for d, _ in made.docs)]:
            assemble.watermark(pdf, mark_pdf)
    return {"file": bundle_pdf.name, "pages": pages, "cover_pages": cover_pages, "toc_pages": made.toc[1]}


def _convert_documents(
    job: _Job, docs: list[_Rendered]
) -> tuple[list[assemble.Part], list[assemble.Part], dict[str, dict[str, Any]]]:
    """Each document as PDF; in the packet a signed scan stands in for its document."""
    raw, signed = job.case.raw, job.case.signed
    parts: list[assemble.Part] = []
    packet_docs: list[assemble.Part] = []
    signed_used: dict[str, dict[str, Any]] = {}
    for doc, docx, converted in docs:
        pdf = job.work / f"{doc.id}.pdf"
        pages = converted.result()
        _check_orientation(pdf, doc.orientation, doc.template)
        part = assemble.Part(doc.id, doc.bookmark, docx, pdf, pages)
        parts.append(part)
        if doc.id in signed:
            scan = signed[doc.id]
            shown = scan.relative_to(raw.file.parent).as_posix()
            project = job.paths.inputs.parent
            scan_pages = convert.check_pdf(scan)
            where = scan.relative_to(project).as_posix() if scan.is_relative_to(project) else str(scan)
            signed_used[doc.id] = {"file": where, "pages": scan_pages, "generated_pages": pages}
            if scan_pages != pages:
                job.added.append(
                    Problem(
                        "W-SIGNED-PAGES",
                        f"签章扫描件 {shown} 有 {scan_pages} 页，生成的{doc.bookmark}有 {pages} 页；"
                        "请核对是否扫全 (the scan's page count differs from the document)",
                        severity="warning",
                    )
                )
            part = assemble.Part(doc.id, doc.bookmark, docx, scan, scan_pages, scan=True)
        packet_docs.append(part)
    return parts, packet_docs, signed_used


def _proof_pdfs(job: _Job) -> dict[str, tuple[Path, int]]:
    """Every proof fitted to A4 with its 佐证材料 label."""
    found, work, office = job.case.proofs, job.work, job.office
    folder = getattr(office, "folder", None)  # the conversion cache's: fitted proofs are kept beside it
    proof_pdfs = proofs.make_pdfs(list(found), office.convert, work, folder.parent / "fitted" if folder else None)
    shown = [p for p in found if p.number in proof_pdfs]
    if shown:
        labels_pdf = work / "labels.pdf"
        job.submit(render.render_labels([p.label for p in shown], work / "labels.docx"), labels_pdf).result()
        label_reader = PdfReader(str(labels_pdf))
        for k, proof in enumerate(shown):
            proofs.label_pages(proof_pdfs[proof.number][0], label_reader.pages[k])
    return proof_pdfs


# Pages a 目录 is expected to fill at most (its page numbers are asked for before it has settled).
TOC_ROOM = 4


# Page numbers are made for a whole number of these pages: page N of the stamps reads — N — whatever
# the packet's length, so packets of similar length (a batch, the next build) share one conversion.
STAMP_BLOCK = 16


def _ask_stamps(job: _Job, total: int) -> Future[int]:
    """Page numbers for at least ``total`` pages, asked for (``job.work / "stamps.pdf"``)."""
    pages = -(-total // STAMP_BLOCK) * STAMP_BLOCK
    return job.submit(render.render_page_stamp(pages, job.work / "stamps.docx"), job.work / "stamps.pdf")


def _page_stamps(job: _Job, total: int, asked: Future[int] | None = None) -> Path:
    """The page numbers of a packet of ``total`` pages: those ``asked`` for before, if for enough pages."""
    stamps_pdf = job.work / "stamps.pdf"
    stamp_pages = asked.result() if asked is not None else -1
    if stamp_pages < total:  # the 目录 took more room than foreseen: made again for the pages there are
        stamp_pages = _ask_stamps(job, total).result()
    if stamp_pages < total:
        raise TemplateProblem(
            f"页码页数 {stamp_pages} 少于 {total} (the page-number stamps are too few)", code="E-TEMPLATE-STAMP"
        )
    return stamps_pdf


def _self_check(job: _Job) -> Future[int]:
    """The 自查报告, asked for (``job.out / "自查报告.pdf"``, its dates and id to be fixed)."""
    self_check = render.render(
        job.paths.templates / "common" / "self-check.docx", _self_check_context(job), job.work / "self-check.docx"
    )
    return job.submit(self_check, job.out / "自查报告.pdf")


def _draft_mark(job: _Job) -> Path | None:
    if not job.draft:
        return None
    mark_pdf = job.work / "draft.pdf"
    job.office.convert(render.render_watermark(job.case.summary()["unmet"], job.work / "draft.docx"), mark_pdf)
    return mark_pdf


def _metadata(job: _Job) -> dict[str, str]:
    programme, data = job.case.programme, job.case.data
    return {
        "/Title": f"{data.cluster.name} {programme.packet.title}",
        "/Author": data.applicant.name,
        "/Subject": f"{programme.title}（{programme.notice.number}）",
        "/Creator": f"clusterpack {tool_version()}",
    }


def _manifest(job: _Job, made: _Converted, layout: dict[str, Any]) -> dict[str, Any]:
    """What the packet holds and how it was made, for a reviewer and for the next build."""
    programme, data, raw = job.case.programme, job.case.data, job.case.raw
    return {
        "build_key": job.key,
        "tool": {
            "name": "clusterpack",
            "version": tool_version(),
            "libreoffice": job.office.version,
            "python": platform.python_version(),
        },
        "programme": {
            "id": programme.id,
            "title": programme.title,
            "notice": programme.notice.title,
            "number": programme.notice.number,
            "valid_from": str(programme.valid.start),
            "valid_until": str(programme.valid.until) if programme.valid.until else None,
            "extends": list(programme.lineage),
            "validity": job.case.standing.as_dict(),
        },
        "cluster": {"id": raw.cluster_id, "name": data.cluster.name, "city": data.cluster.city_name},
        "inputs": {
            "file": raw.file.name,
            "sha256": assemble.sha256(raw.file),
            "templates": {d.template: assemble.sha256(programme.template(d.template)) for d, _ in made.docs},
        },
        "forms": {d.id: d.form for d, _ in made.docs},
        "headline": programme.data_schema.headline(data),
        **programme.data_schema.facts(data),
        "packet": {**layout, **_manifest_packet(job, made, layout)},
        "fonts": convert.font_map(),
        "checks": {
            **job.case.summary(),
            "draft": job.draft,
            "accepted_by_city": job.accepted,
            "results": [r.as_dict() for r in job.case.results],
        },
        "warnings": [{"code": w.code, "message": w.message, "field": w.field} for w in job.warnings],
        "files": outbox.manifest_files(job.out),
    }


def _manifest_packet(job: _Job, made: _Converted, layout: dict[str, Any]) -> dict[str, Any]:
    """The packet's parts, signed scans, relaxations and proof attachments."""
    first = layout["cover_pages"] + layout["toc_pages"] + 1
    return {
        "parts": [
            {"id": p.id, "title": p.title, "pages": p.pages, "start": e["page"], "level": p.level}
            for p, e in zip(made.entries, assemble.toc_entries(made.entries, first), strict=True)
        ],
        "signed_scans": made.signed,
        "relaxations": [
            {"id": r["id"], "clause": r["clause"], "basis": r["basis"], "rules": [x["title"] for x in r["rules"]]}
            for r in job.context["relaxations"]
        ],
        "attachments": [
            {
                "number": p.number,
                "title": p.item.title,
                "category": p.material.id,
                "file": f"attachments/{p.item.file}",
                "sha256": assemble.sha256(p.path),
                "sensitive": p.item.sensitive,
                "pages": made.proofs[p.number][1] if p.number in made.proofs else 0,
            }
            for p in job.case.proofs
        ],
        "word_bundle": f"{job.case.programme.packet.bundle}.docx",
    }


def _sensitive_list(job: _Job) -> Future[int]:
    """敏感材料 stay out of the packet: listed for the city bureau, with the files copied beside it.

    The list is asked for (``job.out / "敏感材料清单.pdf"``, its dates and id to be fixed).
    """
    sensitive, data, out, work = job.case.sensitive, job.case.data, job.out, job.work
    folder = out / "敏感材料"
    folder.mkdir()
    rows = []
    for p in sensitive:
        copied = folder / f"{p.number}-{p.path.name}"
        shutil.copyfile(p.path, copied)
        rows.append([p.number, p.item.title, p.material.title, copied.stem])  # a page names no file extension
    docx = render.render_list(
        "涉密/敏感材料清单",
        f"{data.cluster.name}（{data.applicant.name}）· 以下材料不进入申报材料，由市工业和信息化局通过机要渠道另行报送",
        ["编号", "材料名称", "类别", "文件名"],
        [16, 60, 46, 34],
        rows,
        work / "sensitive.docx",
    )
    return job.submit(docx, out / "敏感材料清单.pdf")


def _check_orientation(pdf: Path, orientation: str, template: str) -> None:
    page = PdfReader(str(pdf)).pages[0]
    landscape = float(page.mediabox.width) > float(page.mediabox.height)
    if landscape != (orientation == "landscape"):
        raise TemplateProblem(
            f"模板 {template} 的纸张方向与 programme.yaml 不符 (orientation is not {orientation})",
            code="E-TEMPLATE-ORIENTATION",
        )
