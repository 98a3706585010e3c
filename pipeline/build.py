"""The orchestrator: load → validate → render → convert → assemble, in that order, once each."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import platform
import shutil
import tempfile
from dataclasses import dataclass, field
from importlib.metadata import version as pkg_version
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from . import assemble, attachments, cache, convert, render, repro, rules, units
from .errors import DataInvalid, Location, Problem, TemplateProblem
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
        }


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
        return not self.manifest["checks"]["passed"]

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


def prepare(
    cluster_id: str, paths: Paths, programme_id: str | None = None, today: dt.date | None = None
) -> tuple[RawInput, Any, Programme, list[Problem]]:
    """Load and validate a cluster for a programme; raise ``DataInvalid`` with every error."""
    raw = load_cluster(paths.inputs, cluster_id)
    programme = load_programme(paths.templates, programme_of(raw, programme_id, paths.templates))
    data, warnings = validate(raw, programme)
    _proofs, _signed, evidence_problems = evidence(raw, data, programme, paths)
    if any(p.severity == "error" for p in evidence_problems):
        raise DataInvalid(cluster_id, evidence_problems)
    warnings.extend(evidence_problems)
    today = today or build_date()
    if programme.expired(today):
        warnings.append(
            Problem(
                "W-PROGRAMME-EXPIRED",
                f"《{programme.notice.title}》（{programme.notice.number}）有效期至 {programme.valid.until}，"
                f"今天（{today}）已过期；请核对当年申报通知 (the programme's rules have expired)",
                field="programme",
                label="申报项目",
                location=raw.where(("programme",)) if "programme" in raw.data else Location(str(raw.file)),
                severity="warning",
            )
        )
    return raw, data, programme, warnings


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
        if pid != programme.id
        for m in load_programme(paths.templates, pid).materials
    }
    proofs, problems = attachments.check(raw, data, programme, others=others)
    signed, signed_problems = attachments.check_signed(raw, programme)
    return proofs, signed, problems + signed_problems


def check(
    cluster_id: str, paths: Paths | None = None, programme_id: str | None = None, today: dt.date | None = None
) -> CheckReport:
    """Validate a cluster and check it against every condition of its programme."""
    _raw, data, programme, warnings = prepare(cluster_id, paths or Paths(), programme_id, today)
    return CheckReport(cluster_id, data, programme, evaluate(data, programme), warnings)


def evaluate(data: Any, programme: Programme) -> list[rules.Result]:
    """``data`` checked against every condition of ``programme``."""
    return rules.evaluate(data, programme.ruleset, programme.data_schema.computed)


def build_date() -> dt.date:
    """The date printed on generated reports: SOURCE_DATE_EPOCH when set (reproducible builds), else today."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.date.today()


def packet_key(raw: RawInput, programme_id: str, paths: Paths, today: dt.date) -> str:
    """A digest of everything a packet is built from; equal keys mean nothing to rebuild."""
    extra = "|".join([tool_version(), programme_id, str(today), convert.installed_version(), repro.pdf_date()])
    return cache.tree_digest(
        [raw.file.parent, paths.templates / programme_id, paths.templates / "common", convert.FONTS_CONF], extra
    )


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
    paths: Paths, timeout: float = 120.0, stats: cache.Stats | None = None, eager: bool = False
) -> cache.CachedConverter:
    """The cached, self-restarting LibreOffice converter a build uses.

    LibreOffice starts when the cache first lacks a document, or at once in the background with
    ``eager`` (a single packet about to be built will almost always need it).
    """
    return cache.CachedConverter(
        paths.outputs / ".cache" / "pdf",
        cache.environment_digest(tool_version()),
        lambda: convert.ResilientWorker(timeout=timeout, prestart=eager),
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
) -> BuildResult:
    """Build the complete packet of one cluster into ``outputs/<programme>/<cluster>/``.

    Everything is written to a staging folder beside the final one and moved into place only when
    complete, so a failed run leaves the previous packet as it was. A packet whose inputs have not
    changed since it was built is left as it is (``force`` rebuilds it); conversions already made
    are reused from the cache.
    """
    paths = paths or Paths()
    today = today or build_date()
    raw = load_cluster(paths.inputs, cluster_id)
    pid = programme_of(raw, programme_id, paths.templates)
    final = paths.outputs / pid / cluster_id
    key = packet_key(raw, pid, paths, today) if (paths.templates / pid).is_dir() else ""
    if key and not force and (done := _up_to_date(final, key)) is not None:
        return BuildResult(cluster_id, pid, final, done, None, skipped=True)
    # --- first gather and check all data; nothing is written before this succeeds
    raw, data, programme, warnings = prepare(cluster_id, paths, programme_id, today)
    own = office is None
    conv = office or converter(paths, eager=True)  # LibreOffice starts while the documents are rendered
    try:
        return _bundle(cluster_id, paths, conv, key, raw, data, programme, warnings)
    finally:
        if own:
            conv.close()


def _bundle(
    cluster_id: str,
    paths: Paths,
    conv: cache.CachedConverter,
    key: str,
    raw: RawInput,
    data: Any,
    programme: Programme,
    warnings: list[Problem],
) -> BuildResult:
    report = CheckReport(cluster_id, data, programme, evaluate(data, programme), warnings)
    context = programme.data_schema.context(data, programme)
    final = paths.outputs / programme.id / cluster_id
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{cluster_id}.staging-", dir=final.parent))
    staging.chmod(0o755)
    work = Path(tempfile.mkdtemp(prefix="clusterpack-work-"))
    try:
        manifest = _build_into(staging, work, raw, data, programme, context, report, paths, conv, key)
        _replace_folder(staging, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)
    return BuildResult(cluster_id, programme.id, final, manifest, report, warnings)


def _self_check_context(context: dict[str, Any], report: CheckReport, programme: Programme) -> dict[str, Any]:
    summary = report.summary()
    counts = summary["counts"]
    verdict = "符合申报条件" if summary["passed"] else "不符合申报条件：" + "；".join(summary["unmet"])
    return {
        **context,
        "programme": {**context["programme"], "notice": programme.notice.title, "number": programme.notice.number},
        "checks": {
            "results": [{"no": str(i), **r.as_dict()} for i, r in enumerate(report.results, start=1)],
            "summary": f"共{len(report.results)}项：通过{counts[rules.PASS]}项，未通过{counts[rules.FAIL]}项，"
            f"放宽{counts[rules.RELAXED]}项，缺佐证{counts[rules.NO_EVIDENCE]}项。结论：{verdict}。",
            "notes": [f"注{i}：{r.note}" for i, r in enumerate(report.results, start=1) if r.note],
            "warnings": [f"提示：{w.message}" for w in report.warnings],
            "tool": tool_version(),
            "date": units.cn_date(build_date()),
        },
    }


def _build_into(
    out: Path,
    work: Path,
    raw: RawInput,
    data: Any,
    programme: Programme,
    context: dict[str, Any],
    report: CheckReport,
    paths: Paths,
    office: cache.CachedConverter,
    key: str,
) -> dict[str, Any]:
    warnings = report.warnings
    # --- render every document of the packet
    docs: list[tuple[Any, Path]] = []
    for doc in programme.documents:
        docx = out / f"{doc.output}.docx"
        render.render(programme.template(doc.template), context, docx)
        docs.append((doc, docx))
    cover_docx = render.render(programme.template(programme.packet.cover), context, work / "cover.docx")

    proofs, signed, _problems = evidence(raw, data, programme, paths)

    # --- convert, all in one LibreOffice process (started only if the cache lacks something)
    parts: list[assemble.Part] = []
    packet_docs: list[assemble.Part] = []  # as they go into the packet: a signed scan replaces its document
    signed_used: dict[str, dict[str, Any]] = {}
    for doc, docx in docs:
        pdf = work / f"{doc.id}.pdf"
        pages = office.convert(docx, pdf)
        _check_orientation(pdf, doc.orientation, doc.template)
        part = assemble.Part(doc.id, doc.bookmark, docx, pdf, pages)
        parts.append(part)
        if doc.id in signed:
            scan_pages = convert.check_pdf(signed[doc.id])
            signed_used[doc.id] = {
                "file": signed[doc.id].relative_to(raw.file.parent).as_posix(),
                "pages": scan_pages,
                "generated_pages": pages,
            }
            if scan_pages != pages:
                warnings.append(
                    Problem(
                        "W-SIGNED-PAGES",
                        f"签章扫描件 {signed[doc.id].relative_to(raw.file.parent).as_posix()} 有 {scan_pages} 页，生成的{doc.bookmark}有 {pages} 页；"
                        "请核对是否扫全 (the scan's page count differs from the document)",
                        severity="warning",
                    )
                )
            part = assemble.Part(doc.id, doc.bookmark, docx, signed[doc.id], scan_pages)
        packet_docs.append(part)
    proof_pdfs = attachments.make_pdfs(proofs, office.convert, work)
    shown = [p for p in proofs if p.number in proof_pdfs]
    if shown:
        labels_pdf = work / "labels.pdf"
        office.convert(render.render_labels([p.label for p in shown], work / "labels.docx"), labels_pdf)
        label_reader = PdfReader(str(labels_pdf))
        for k, proof in enumerate(shown):
            attachments.label_pages(proof_pdfs[proof.number][0], label_reader.pages[k])
    entries = assemble.compose(packet_docs, programme.materials, proofs, proof_pdfs)
    sensitive = [p for p in proofs if p.item.sensitive]
    if sensitive:
        _sensitive_list(sensitive, data, out, work, office)
    cover_pdf = work / "cover.pdf"
    cover_pages = office.convert(cover_docx, cover_pdf)
    # The 目录 lists where each part starts, which depends on its own length: settle it.
    toc_pages = 1
    for _ in range(3):
        rows = assemble.toc_entries(entries, first_page=cover_pages + toc_pages + 1)
        toc_docx = render.render(programme.template(programme.packet.toc), {**context, "toc": rows}, work / "toc.docx")
        toc_pdf = work / "toc.pdf"
        pages = office.convert(toc_docx, toc_pdf)
        if pages == toc_pages:
            break
        toc_pages = pages
    else:
        raise TemplateProblem("目录页数无法稳定 (the 目录 page count does not settle)")
    total = cover_pages + toc_pages + sum(p.pages for p in entries)
    stamps_pdf = work / "stamps.pdf"
    stamp_pages = office.convert(render.render_page_stamp(total, work / "stamps.docx"), stamps_pdf)
    if stamp_pages != total:
        raise TemplateProblem(f"页码页数 {stamp_pages} ≠ {total} (page-number stamp has the wrong length)")
    self_check = render.render(
        paths.templates / "common" / "self-check.docx",
        _self_check_context(context, report, programme),
        work / "self-check.docx",
    )
    office.convert(self_check, out / "自查报告.pdf")
    repro.fix_pdf(out / "自查报告.pdf")  # goes out as LibreOffice wrote it: fix its dates and id
    mark_pdf = None
    if not report.passed:
        mark_pdf = work / "draft.pdf"
        office.convert(render.render_watermark(report.summary()["unmet"], work / "draft.docx"), mark_pdf)
    office_version = office.version

    # --- assemble: numbered part PDFs, the merged packet, the Word bundle, the manifest
    for part, (doc, _docx) in zip(parts, docs, strict=True):
        assert part.pdf is not None
        assemble.number_pages(part.pdf, stamps_pdf, out / f"{doc.output}.pdf", skip_first=False)
    bundle_pdf = out / f"{programme.packet.bundle}.pdf"
    metadata = {
        "/Title": f"{data.cluster.name} {programme.packet.title}",
        "/Author": data.applicant.name,
        "/Subject": f"{programme.title}（{programme.notice.number}）",
        "/Creator": f"clusterpack {tool_version()}",
    }
    packet_pages = assemble.merge_packet(cover_pdf, toc_pdf, entries, stamps_pdf, bundle_pdf, metadata)
    bundle_docx = out / f"{programme.packet.bundle}.docx"
    assemble.word_bundle(cover_docx, parts, bundle_docx)
    if mark_pdf is not None:  # a draft: every page of every packet PDF says so
        for pdf in [bundle_pdf, *(out / f"{d.output}.pdf" for d, _ in docs)]:
            assemble.watermark(pdf, mark_pdf)

    files = []
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        name = path.relative_to(out).as_posix()
        entry: dict[str, Any] = {"file": name, "sha256": assemble.sha256(path), "bytes": path.stat().st_size}
        if path.suffix == ".pdf":
            entry["pages"] = convert.check_pdf(path)
        files.append(entry)
    manifest = {
        "build_key": key,
        "tool": {
            "name": "clusterpack",
            "version": tool_version(),
            "libreoffice": office_version,
            "python": platform.python_version(),
        },
        "programme": {
            "id": programme.id,
            "title": programme.title,
            "notice": programme.notice.title,
            "number": programme.notice.number,
            "valid_from": str(programme.valid.start),
            "valid_until": str(programme.valid.until) if programme.valid.until else None,
        },
        "cluster": {"id": raw.cluster_id, "name": data.cluster.name, "city": data.cluster.city_name},
        "inputs": {
            "file": raw.file.name,
            "sha256": assemble.sha256(raw.file),
            "templates": {d.template: assemble.sha256(programme.template(d.template)) for d in programme.documents},
        },
        "headline": programme.data_schema.headline(data),
        **programme.data_schema.facts(data),
        "packet": {
            "file": bundle_pdf.name,
            "pages": packet_pages,
            "cover_pages": cover_pages,
            "toc_pages": toc_pages,
            "parts": [
                {"id": p.id, "title": p.title, "pages": p.pages, "start": e["page"], "level": p.level}
                for p, e in zip(entries, assemble.toc_entries(entries, cover_pages + toc_pages + 1), strict=True)
            ],
            "signed_scans": signed_used,
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
                for p in proofs
            ],
            "word_bundle": bundle_docx.name,
        },
        "fonts": convert.font_map(),
        "checks": {**report.summary(), "draft": not report.passed, "results": [r.as_dict() for r in report.results]},
        "warnings": [{"code": w.code, "message": w.message, "field": w.field} for w in warnings],
        "files": files,
    }
    assemble.write_manifest(out / "manifest.json", manifest)
    return manifest


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
        raise TemplateProblem(f"模板 {template} 的纸张方向与 programme.yaml 不符 (orientation is not {orientation})")


def _replace_folder(staging: Path, final: Path) -> None:
    """Put ``staging`` where ``final`` is, keeping the old one until the new one is in place."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        final.rename(old)
    staging.rename(final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
