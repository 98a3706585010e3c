"""The orchestrator: load → validate → render → convert → assemble, in that order, once each."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import platform
import shutil
from dataclasses import dataclass, field
from importlib.metadata import version as pkg_version
from pathlib import Path
from typing import Any

from pypdf import PdfReader, PdfWriter

from . import (
    assemble,
    attachments,
    cache,
    convert,
    fonts,
    inherit,
    limits,
    programmes,
    render,
    repro,
    rules,
    scratch,
    units,
)
from .errors import DataInvalid, Location, Problem, TemplateProblem, writing
from .load import RawInput, load_cluster
from .model import default_programme, programme_ids
from .programme import Programme, available, load_programme
from .validate import validate

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Paths:
    """Where inputs, templates and outputs live (the repository's folders by default)."""

    inputs: Path = ROOT / "inputs"
    templates: Path = ROOT / "templates"
    outputs: Path = ROOT / "outputs"


@dataclass
class CheckReport:
    """A cluster's data checked against its programme's conditions."""

    cluster_id: str
    data: Any  # the programme's schema model
    programme: Programme
    results: list[rules.Result]
    warnings: list[Problem]
    proofs: list[attachments.Proof] = field(default_factory=list)

    @property
    def sensitive(self) -> list[attachments.Proof]:
        """The proofs that stay out of the packet and go separately."""
        return [p for p in self.proofs if p.item.sensitive]

    @property
    def passed(self) -> bool:
        return not any(r.blocking for r in self.results)

    def summary(self) -> dict[str, Any]:
        return rules.summary(self.results)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cluster": self.cluster_id,
            "programme": self.programme.id,
            "summary": self.summary(),
            "results": [r.as_dict() for r in self.results],
            "warnings": [{"code": w.code, "field": w.field, "message": w.message} for w in self.warnings],
            "forms": {d.id: d.form for d in self.programme.documents},
        }

    def forms_note(self) -> str:
        """Which documents are on the notice's own form and which are our reconstruction."""
        reconstructed = [d.bookmark for d in self.programme.documents if d.form == "reconstructed"]
        if not reconstructed:
            return "文书格式：均为通知附件的格式 (every form is the notice's own)"
        return (
            f"文书格式：{'、'.join(reconstructed)}为依据通知整理的格式，非通知附件原件（通知附件未公开），"
            "报送前请以当年通知附件为准 (reconstructed forms)"
        )


@dataclass
class BuildResult:
    cluster_id: str
    programme: str
    folder: Path
    manifest: dict[str, Any]
    report: CheckReport | None  # None when the packet was up to date and skipped
    warnings: list[Problem] = field(default_factory=list)
    skipped: bool = False

    @property
    def draft(self) -> bool:
        return bool(self.manifest["checks"]["draft"])

    @property
    def unmet(self) -> list[str]:
        return list(self.manifest["checks"]["unmet"])


def tool_version() -> str:
    try:
        return pkg_version("clusterpack")
    except Exception:  # running from a checkout that is not installed
        return "0+unknown"


def programme_of(raw: RawInput, override: str | None = None, templates: Path | None = None) -> str:
    """The programme to build: the override (``--programme``), else the (first) one the data names."""
    pid = override or default_programme(raw.data.get("programme"))
    if not pid:
        raise DataInvalid(
            raw.cluster_id,
            [
                Problem(
                    "E-FIELD-MISSING",
                    "缺少申报项目 programme；可选："
                    + "、".join(available(templates or Paths().templates))
                    + " (which programme?)",
                    field="programme",
                    label="申报项目",
                    location=Location(str(raw.file)),
                )
            ],
        )
    return pid


@dataclass(frozen=True)
class Gathered:
    """A cluster read and checked for one programme: its data, proofs, signed scans and warnings."""

    raw: RawInput
    data: Any
    programme: Programme
    warnings: list[Problem]
    proofs: list[attachments.Proof]
    signed: dict[str, Path]
    standing: programmes.Standing  # the programme on the build's date: validity, deadline, successors


def prepare(
    cluster_id: str, paths: Paths, programme_id: str | None = None, today: dt.date | None = None
) -> tuple[RawInput, Any, Programme, list[Problem]]:
    """Load and validate a cluster for a programme; raise ``DataInvalid`` with every error."""
    g = gather(cluster_id, paths, programme_id, today)
    return g.raw, g.data, g.programme, g.warnings


def gather(
    cluster_id: str,
    paths: Paths,
    programme_id: str | None = None,
    today: dt.date | None = None,
    strict_dates: bool = False,
) -> Gathered:
    """Load, validate and check the evidence of a cluster; raise ``DataInvalid`` with every error.

    With ``strict_dates`` a programme not in force on ``today`` (or past its deadline) is refused
    (``UsageError``, exit 2) instead of warned about.
    """
    raw = load_cluster(paths.inputs, cluster_id)
    programme = load_programme(paths.templates, programme_of(raw, programme_id, paths.templates))
    data, warnings = validate(raw, programme)
    proofs, signed, evidence_problems = evidence(raw, data, programme, paths)
    if any(p.severity == "error" for p in evidence_problems):
        raise DataInvalid(cluster_id, evidence_problems)
    warnings.extend(evidence_problems)
    today = today or build_date()
    # --- the programme on this day: in force, expired (and what valid programme extends it), its deadline
    standing = programmes.standing(programme, today, paths.templates)
    dated = standing.problems(strict=strict_dates)
    programmes.refuse(dated)
    where = raw.where(("programme",)) if "programme" in raw.data else Location(str(raw.file))
    warnings.extend(dataclasses.replace(w, location=where) for w in dated)
    return Gathered(raw, data, programme, warnings, proofs, signed, standing)


def evidence(
    raw: RawInput, data: Any, programme: Programme, paths: Paths
) -> tuple[list[attachments.Proof], dict[str, Path], list[Problem]]:
    """The cluster's proof attachments and signed scans, checked; with every problem found.

    In a file with data for several programmes, proof filed under another named programme's
    categories belongs to that programme's packet and is left out of this one.
    """
    others = {
        m.id
        for pid in programme_ids(data.programme)
        if pid != programme.id and pid not in programme.lineage  # data for an earlier round is this one's
        for m in load_programme(paths.templates, pid).materials
    }
    proofs, problems = attachments.check(raw, data, programme, others=others)
    signed, signed_problems = attachments.check_signed(raw, programme)
    return proofs, signed, problems + signed_problems


def check(
    cluster_id: str, paths: Paths | None = None, programme_id: str | None = None, today: dt.date | None = None
) -> CheckReport:
    """Validate a cluster and check it against every condition of its programme."""
    g = gather(cluster_id, paths or Paths(), programme_id, today)
    return CheckReport(cluster_id, g.data, g.programme, evaluate(g.data, g.programme), g.warnings, g.proofs)


def evaluate(data: Any, programme: Programme) -> list[rules.Result]:
    """``data`` checked against every condition of ``programme``."""
    return rules.evaluate(data, programme.ruleset, programme.data_schema.computed)


def build_date() -> dt.date:
    """The date printed on generated reports: SOURCE_DATE_EPOCH when set (reproducible builds), else today."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.date.today()


def packet_key(raw: RawInput, programme_id: str, paths: Paths, today: dt.date, accepted: str | None = None) -> str:
    """A digest of everything a packet is built from; equal keys mean nothing to rebuild.

    From the cluster's folder that is only what the build reads (the data file, the attachments
    it names, the signed scans), read in chunks: an unreferenced file is never read.
    """
    items = raw.data.get("attachments")
    named = [str(a["file"]) for a in items if isinstance(a, dict) and "file" in a] if isinstance(items, list) else []
    cluster = cache.inputs_digest(raw.file.parent, raw.file, named, limits.ATTACHMENT_BYTES())
    parts = [tool_version(), programme_id, str(today), convert.installed_version(), repro.pdf_date(), accepted or ""]
    parts.append(fonts.environment_digest())  # the faces: the role map and the user's fonts folder
    extra = "|".join([*parts, cluster])
    programme_folders = inherit.folders(paths.templates, programme_id)  # its own, and each it extends
    return cache.tree_digest([*programme_folders, paths.templates / "common", convert.FONTS_CONF], extra)


def _up_to_date(final: Path, key: str) -> dict[str, Any] | None:
    manifest_file = final / "manifest.json"
    if not manifest_file.is_file():
        return None
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    if manifest.get("build_key") != key or not all((final / f["file"]).is_file() for f in manifest.get("files", [])):
        return None
    return dict(manifest)


def converter(
    paths: Paths,
    timeout: float | None = None,
    stats: cache.Stats | None = None,
    eager: bool = False,
    memory: int | None = None,
) -> cache.CachedConverter:
    """The cached, self-restarting LibreOffice converter a build uses.

    LibreOffice starts when the cache first lacks a document, or at once in the background with
    ``eager`` (a single packet about to be built will almost always need it). ``memory`` is its
    data-memory limit (limits.office_memory: a batch shares the budget among its workers).
    """
    return cache.CachedConverter(
        paths.outputs / ".cache" / "pdf",
        cache.environment_digest(tool_version()),
        lambda: convert.ResilientWorker(timeout=timeout, prestart=eager, memory=memory),
        stats,
        eager=eager,
    )


def bundle(
    cluster_id: str,
    paths: Paths | None = None,
    programme_id: str | None = None,
    today: dt.date | None = None,
    office: cache.CachedConverter | None = None,
    force: bool = False,
    accepted: str | None = None,
    strict_dates: bool = False,
) -> BuildResult:
    """Build the complete packet of one cluster into ``outputs/<programme>/<cluster>/``.

    Everything is written to a staging folder beside the final one and moved into place only when
    complete, so a failed run leaves the previous packet as it was. A packet whose inputs have not
    changed since it was built is left as it is (``force`` rebuilds it); conversions already made
    are reused from the cache. ``accepted`` is the city bureau's reason for recommending a cluster
    that misses a condition: its packet is then final (no 草稿 mark), the reason on its 自查报告.
    With ``strict_dates`` a programme not in force on ``today`` or past its deadline is refused (exit 2).
    """
    paths = paths or Paths()
    today = today or build_date()
    raw = load_cluster(paths.inputs, cluster_id)
    pid = programme_of(raw, programme_id, paths.templates)
    final = paths.outputs / pid / cluster_id
    scratch.clean_outputs(final.parent)  # what a killed build left, even if this one has nothing to do
    scratch.clean_scratch()
    if strict_dates:  # refused before anything, an up-to-date packet included
        programmes.refuse(programmes.standing(load_programme(paths.templates, pid), today).problems(strict=True))
    key = packet_key(raw, pid, paths, today, accepted) if (paths.templates / pid).is_dir() else ""
    if key and not force and (done := _up_to_date(final, key)) is not None:
        return BuildResult(cluster_id, pid, final, done, None, skipped=True)
    # --- first gather and check all data; nothing is written before this succeeds
    g = gather(cluster_id, paths, programme_id, today, strict_dates)
    own = office is None
    with writing(paths.outputs):  # a read-only or full outputs/ is said as such (exit 6), not as a bug
        conv = office or converter(paths, eager=True)  # LibreOffice starts while the documents are rendered
        try:
            return _bundle(cluster_id, paths, conv, key, g, accepted)
        finally:
            if own:
                conv.close()


def _bundle(
    cluster_id: str, paths: Paths, conv: cache.CachedConverter, key: str, g: Gathered, accepted: str | None
) -> BuildResult:
    report = CheckReport(cluster_id, g.data, g.programme, evaluate(g.data, g.programme), g.warnings, g.proofs)
    context = packet_context(g.programme, g.data, report.results, g.proofs)
    final = paths.outputs / g.programme.id / cluster_id
    # Named after this process: if it is killed, the next build removes them (scratch.py).
    staging = scratch.staging(final.parent, cluster_id)
    work = scratch.scratch("work")
    try:
        job = _Job(staging, work, g, context, report, paths, conv, key, accepted)
        manifest = _build_into(job)
        replace_folder(staging, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)
    return BuildResult(cluster_id, g.programme.id, final, manifest, report, g.warnings)


CN_ORDINALS = "一二三四五六七八九十"


def relaxations_in_effect(
    programme: Programme, data: Any, results: list[rules.Result], proofs: list[Any]
) -> list[dict[str, Any]]:
    """Each relaxation a condition was met by: the notice's words, the fact, the conditions, the proof."""
    out: list[dict[str, Any]] = []
    for relax in programme.relaxations:
        relaxed = [r for r in results if r.status == rules.RELAXED and r.relaxation == relax.id]
        if not relaxed:
            continue
        shown = [p for p in proofs if relax.proof and p.material.id == relax.proof]
        proof = "；".join(f"佐证材料{p.number}　{p.item.title}（附后）" for p in shown) or relax.proof_note
        out.append(
            {
                "no": CN_ORDINALS[len(out)],
                "id": relax.id,
                "title": relax.title,
                "clause": relax.clause,
                "quote": relax.quote,
                "basis": relax.basis.format(fact=relax.fact(data)),
                "proof": proof,
                "rules": [
                    {"no": str(i), "clause": r.clause, "title": r.title, "required": r.required, "actual": r.actual}
                    for i, r in enumerate(relaxed, start=1)
                ],
            }
        )
    return out


def packet_context(
    programme: Programme, data: Any, results: list[rules.Result], proofs: list[attachments.Proof]
) -> dict[str, Any]:
    """The schema's template context, with what the packet itself says of its checks and proofs."""
    context = programme.data_schema.context(data, programme)
    context["relaxations"] = relaxations_in_effect(programme, data, results, proofs)
    context["sensitive"] = any(p.item.sensitive for p in proofs)
    return context


def _self_check_context(job: _Job) -> dict[str, Any]:
    context, report, programme = job.context, job.report, job.g.programme
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
            # the programme's dates are said once, in the validity line
            "warnings": [f"提示：{w.message}" for w in report.warnings if not w.code.startswith("W-PROGRAMME-")],
            "forms": forms,
            "validity": job.g.standing.validity_text(),
            "tool": tool_version(),
            "date": units.cn_date(build_date()),
        },
    }


@dataclass
class _Job:
    """One packet being built: where it goes, what it is built from, the converter it uses."""

    out: Path
    work: Path
    g: Gathered
    context: dict[str, Any]
    report: CheckReport
    paths: Paths
    office: cache.CachedConverter
    key: str
    accepted: str | None

    @property
    def draft(self) -> bool:
        return not self.report.passed and not self.accepted


def _included(job: _Job) -> list[Any]:
    """The programme's documents this packet holds (a relaxation's disclosure only where one is used)."""
    relaxed = bool(job.context["relaxations"])
    return [d for d in job.g.programme.documents if d.include == "always" or relaxed]


def _build_into(job: _Job) -> dict[str, Any]:
    programme, out, work, office = job.g.programme, job.out, job.work, job.office
    # --- render every document of the packet
    docs = [
        (d, render.render(programme.template(d.template), job.context, out / f"{d.output}.docx"))
        for d in _included(job)
    ]
    cover_docx = render.render(programme.template(programme.packet.cover), job.context, work / "cover.docx")
    # --- convert, all in one LibreOffice process (started only if the cache lacks something)
    parts, packet_docs, signed_used = _convert_documents(job, docs)
    proof_pdfs = _proof_pdfs(job)
    by_id = {p.id: p for p in packet_docs}
    entries = assemble.compose(
        [(d.id, by_id.get(d.id)) for d in programme.documents], programme.materials, job.g.proofs, proof_pdfs
    )
    sensitive = [p for p in job.g.proofs if p.item.sensitive]
    if sensitive:
        _sensitive_list(sensitive, job.g.data, out, work, office)
    cover_pdf = work / "cover.pdf"
    cover_pages = office.convert(cover_docx, cover_pdf)
    toc_pdf, toc_pages = settle_toc(
        lambda rows: render.render(
            programme.template(programme.packet.toc), {**job.context, "toc": rows}, work / "toc.docx"
        ),
        lambda pages: assemble.toc_entries(entries, first_page=cover_pages + pages + 1),
        office,
        work / "toc.pdf",
    )
    total = cover_pages + toc_pages + sum(p.pages for p in entries)
    stamps_pdf = _page_stamps(job, total)
    _self_check(job)
    mark_pdf = _draft_mark(job)
    # --- assemble: numbered part PDFs, the merged packet, the Word bundle, the manifest
    for part, (doc, _docx) in zip(parts, docs, strict=True):
        assert part.pdf is not None
        target = out / f"{doc.output}.pdf"
        if doc.sealed:  # to be signed, sealed and scanned: the packet's number goes on the scan, not its own
            repro.finish_pdf(PdfWriter(clone_from=PdfReader(str(part.pdf))), target)
        else:
            assemble.number_pages(part.pdf, stamps_pdf, target, skip_first=False)
    bundle_pdf = out / f"{programme.packet.bundle}.pdf"
    packet_pages = assemble.merge_packet(cover_pdf, toc_pdf, entries, stamps_pdf, bundle_pdf, _metadata(job))
    bundle_docx = out / f"{programme.packet.bundle}.docx"
    assemble.word_bundle(cover_docx, parts, bundle_docx)
    if mark_pdf is not None:  # a draft: every page of every packet PDF says so
        for pdf in [bundle_pdf, *(out / f"{d.output}.pdf" for d, _ in docs)]:
            assemble.watermark(pdf, mark_pdf)
    layout = {"file": bundle_pdf.name, "pages": packet_pages, "cover_pages": cover_pages, "toc_pages": toc_pages}
    manifest = _manifest(job, entries, layout, signed_used, proof_pdfs, bundle_docx, docs)
    assemble.write_manifest(out / "manifest.json", manifest)
    return manifest


def settle_toc(render_toc: Any, rows_for: Any, office: Any, toc_pdf: Path, attempts: int = 3) -> tuple[Path, int]:
    """The 目录 lists where each part starts, which depends on its own length: render until it settles.

    ``render_toc(rows)`` writes the 目录 .docx; ``rows_for(toc_pages)`` gives its rows when it has
    that many pages. An 目录 that never settles is an error, never shipped as it stands.
    """
    toc_pages = 1
    for _ in range(attempts):
        pages = office.convert(render_toc(rows_for(toc_pages)), toc_pdf)
        if pages == toc_pages:
            return toc_pdf, toc_pages
        toc_pages = pages
    raise TemplateProblem("目录页数无法稳定 (the 目录 page count does not settle)", code="E-TEMPLATE-TOC")


def _convert_documents(
    job: _Job, docs: list[tuple[Any, Path]]
) -> tuple[list[assemble.Part], list[assemble.Part], dict[str, dict[str, Any]]]:
    """Each document as PDF; in the packet a signed scan stands in for its document."""
    raw, signed = job.g.raw, job.g.signed
    parts: list[assemble.Part] = []
    packet_docs: list[assemble.Part] = []
    signed_used: dict[str, dict[str, Any]] = {}
    for doc, docx in docs:
        pdf = job.work / f"{doc.id}.pdf"
        pages = job.office.convert(docx, pdf)
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
                job.g.warnings.append(
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
    proofs, work, office = job.g.proofs, job.work, job.office
    proof_pdfs = attachments.make_pdfs(proofs, office.convert, work)
    shown = [p for p in proofs if p.number in proof_pdfs]
    if shown:
        labels_pdf = work / "labels.pdf"
        office.convert(render.render_labels([p.label for p in shown], work / "labels.docx"), labels_pdf)
        label_reader = PdfReader(str(labels_pdf))
        for k, proof in enumerate(shown):
            attachments.label_pages(proof_pdfs[proof.number][0], label_reader.pages[k])
    return proof_pdfs


def _page_stamps(job: _Job, total: int) -> Path:
    stamps_pdf = job.work / "stamps.pdf"
    stamp_pages = job.office.convert(render.render_page_stamp(total, job.work / "stamps.docx"), stamps_pdf)
    if stamp_pages != total:
        raise TemplateProblem(
            f"页码页数 {stamp_pages} ≠ {total} (page-number stamp has the wrong length)", code="E-TEMPLATE-STAMP"
        )
    return stamps_pdf


def _self_check(job: _Job) -> None:
    self_check = render.render(
        job.paths.templates / "common" / "self-check.docx", _self_check_context(job), job.work / "self-check.docx"
    )
    job.office.convert(self_check, job.out / "自查报告.pdf")
    repro.fix_pdf(job.out / "自查报告.pdf")  # goes out as LibreOffice wrote it: fix its dates and id


def _draft_mark(job: _Job) -> Path | None:
    if not job.draft:
        return None
    mark_pdf = job.work / "draft.pdf"
    job.office.convert(render.render_watermark(job.report.summary()["unmet"], job.work / "draft.docx"), mark_pdf)
    return mark_pdf


def _metadata(job: _Job) -> dict[str, str]:
    programme, data = job.g.programme, job.g.data
    return {
        "/Title": f"{data.cluster.name} {programme.packet.title}",
        "/Author": data.applicant.name,
        "/Subject": f"{programme.title}（{programme.notice.number}）",
        "/Creator": f"clusterpack {tool_version()}",
    }


def _manifest(
    job: _Job,
    entries: list[assemble.Part],
    layout: dict[str, Any],
    signed_used: dict[str, dict[str, Any]],
    proof_pdfs: dict[str, tuple[Path, int]],
    bundle_docx: Path,
    docs: list[tuple[Any, Path]],
) -> dict[str, Any]:
    programme, data, raw, report, out = job.g.programme, job.g.data, job.g.raw, job.report, job.out
    first = layout["cover_pages"] + layout["toc_pages"] + 1
    files = []
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        entry: dict[str, Any] = {
            "file": path.relative_to(out).as_posix(),
            "sha256": assemble.sha256(path),
            "bytes": path.stat().st_size,
        }
        if path.suffix == ".pdf":
            entry["pages"] = convert.check_pdf(path)
        files.append(entry)
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
            "validity": job.g.standing.as_dict(),
        },
        "cluster": {"id": raw.cluster_id, "name": data.cluster.name, "city": data.cluster.city_name},
        "inputs": {
            "file": raw.file.name,
            "sha256": assemble.sha256(raw.file),
            "templates": {d.template: assemble.sha256(programme.template(d.template)) for d, _ in docs},
        },
        "forms": {d.id: d.form for d, _ in docs},
        "headline": programme.data_schema.headline(data),
        **programme.data_schema.facts(data),
        "packet": {
            **layout,
            "parts": [
                {"id": p.id, "title": p.title, "pages": p.pages, "start": e["page"], "level": p.level}
                for p, e in zip(entries, assemble.toc_entries(entries, first), strict=True)
            ],
            "signed_scans": signed_used,
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
                    "pages": proof_pdfs[p.number][1] if p.number in proof_pdfs else 0,
                }
                for p in job.g.proofs
            ],
            "word_bundle": bundle_docx.name,
        },
        "fonts": convert.font_map(),
        "checks": {
            **report.summary(),
            "draft": job.draft,
            "accepted_by_city": job.accepted,
            "results": [r.as_dict() for r in report.results],
        },
        "warnings": [{"code": w.code, "message": w.message, "field": w.field} for w in job.g.warnings],
        "files": files,
    }


def _sensitive_list(sensitive: list[attachments.Proof], data: Any, out: Path, work: Path, office: Any) -> None:
    """敏感材料 stay out of the packet: listed for the city bureau, with the files copied beside it."""
    folder = out / "敏感材料"
    folder.mkdir()
    rows = []
    for p in sensitive:
        copied = folder / f"{p.number}-{p.path.name}"
        shutil.copyfile(p.path, copied)
        rows.append([p.number, p.item.title, p.material.title, copied.name])
    docx = render.render_list(
        "涉密/敏感材料清单",
        f"{data.cluster.name}（{data.applicant.name}）· 以下材料不进入申报材料，由市工业和信息化局通过机要渠道另行报送",
        ["编号", "材料名称", "类别", "文件"],
        [16, 60, 46, 34],
        rows,
        work / "sensitive.docx",
    )
    office.convert(docx, out / "敏感材料清单.pdf")
    repro.fix_pdf(out / "敏感材料清单.pdf")


def _check_orientation(pdf: Path, orientation: str, template: str) -> None:
    page = PdfReader(str(pdf)).pages[0]
    landscape = float(page.mediabox.width) > float(page.mediabox.height)
    if landscape != (orientation == "landscape"):
        raise TemplateProblem(
            f"模板 {template} 的纸张方向与 programme.yaml 不符 (orientation is not {orientation})",
            code="E-TEMPLATE-ORIENTATION",
        )


def replace_folder(staging: Path, final: Path) -> None:
    """Put ``staging`` where ``final`` is, keeping the old one until the new one is in place."""
    scratch.replace_folder(staging, final)
