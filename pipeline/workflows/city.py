"""The city bureau's packet: 推荐文件, 汇总表, review sheet, 报送清单, and one packet for the province.

What the letter, the 汇总表 and the 审核表 say of each cluster comes from its check results
(``verdict``): every sentence the bureau seals is true of the data."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from pypdf import PdfReader, PdfWriter

from pipeline.core import case, repro, scratch, units
from pipeline.core.case import Case
from pipeline.core.programme import Programme
from pipeline.core.timing import phase
from pipeline.errors import TemplateProblem
from pipeline.kits import jinja
from pipeline.stages import annual, assemble, cache, convert, render, submission, tables
from pipeline.stages.letter import Letter, write_letter
from pipeline.stages.recommend import CityPlan, plan
from pipeline.stages.verdict import Verdict
from pipeline.workflows import outbox
from pipeline.workflows import packet as packets


@dataclass
class CityResult:
    """A city's packet built: where it is, its pages, the clusters it recommends, and the checked plan."""

    city: str
    programme: str
    folder: Path
    pages: int
    clusters: tuple[str, ...]  # names, in recommendation order
    plan: CityPlan
    packet: str = "推荐材料.pdf"  # the city packet's file name

    def manifest(self) -> dict[str, Any]:
        """The city packet's ``manifest.json``, read back."""
        return dict(json.loads((self.folder / "manifest.json").read_text(encoding="utf-8")))


def _wording() -> jinja2.Environment:
    # Programme wording is data; values are inserted as text by python-docx, so no XML escaping here.
    return jinja.jinja_env(autoescape=False)  # the templates' sandbox, bounded in work


def _say(template: str, values: dict[str, Any]) -> str:
    try:
        return _wording().from_string(template).render(values)
    except jinja2.TemplateError as exc:
        raise TemplateProblem(
            f"推荐文件措辞模板有误 (letter wording): {template!r}: {exc}", code="E-TEMPLATE-WORDING"
        ) from None


@dataclass
class Recommended:
    """One recommended cluster as the city's documents show it: its check, context, verdict and packet."""

    report: Case
    context: dict[str, Any]
    verdict: Verdict
    result: case.BuildResult | None = None  # its packet, once built

    @property
    def name(self) -> str:
        return str(self.context["cluster"]["name"])

    @property
    def pages(self) -> int:
        assert self.result is not None, "the packet is built first"
        return self.result.pages

    def files(self) -> dict[str, Path]:
        assert self.result is not None, "the packet is built first"
        return {"pdf": self.result.pdf, "docx": self.result.docx}


def _common(p: CityPlan, clusters: list[Recommended]) -> dict[str, Any]:
    spec = p.programme.city
    assert spec is not None
    return {
        "bureau": p.bureau,
        "city": p.city.city_name,
        "notice": {"title": p.programme.notice.title, "number": p.programme.notice.number},
        "programme": {"title": p.programme.title},
        "count": str(len(clusters)),
        "clusters": "、".join(c.name for c in clusters),
        "contact": p.city.contact,
        "phone": p.city.phone,
        "summary_title": spec.summary_title,
        "year": str(p.city.year or ""),  # the report's year, for a programme that reports by year
    }


@dataclass(frozen=True)
class Attached:
    """One item of the letter's 附件说明: its words, the part it is, and the clusters it holds."""

    text: str
    part: str  # summary | packets
    clusters: list[Recommended]
    each: bool  # one cluster's packet (else several under one heading)


def stated(programme: Programme, verdict: Verdict, data: Any) -> str:
    """A cluster's verdict as the letter states it, in the programme's words (the web page shows the same)."""
    spec = programme.city
    assert spec is not None
    return verdict.sentence(spec.letter.status, programme.relaxations, data, _say)


def attachment_items(p: CityPlan, clusters: list[Recommended]) -> list[Attached]:
    """The letter's 附件说明 in order."""
    spec = p.programme.city
    assert spec is not None
    common = _common(p, clusters)
    items: list[Attached] = []
    for a in spec.letter.attachments:
        if a.part == "packets" and a.each:
            items += [Attached(_say(a.text, {**common, **c.context}), a.part, [c], True) for c in clusters]
        else:
            items.append(Attached(_say(a.text, common), a.part, clusters if a.part == "packets" else [], False))
    return items


def recommend(p: CityPlan) -> list[Recommended]:
    """Each recommended cluster with its verdict (and the bureau's reason where it misses a condition)."""
    out = []
    for r in p.reports:
        verdict = Verdict(tuple(r.results), p.reason(r.cluster_id))
        context = p.programme.data_schema.context(r.data, p.programme)
        context["status"] = {"short": verdict.short}
        out.append(Recommended(r, context, verdict))
    return out


def make_letter(p: CityPlan, clusters: list[Recommended]) -> Letter:
    """The letter's words: the programme's wording, each cluster's verdict, the 附件说明."""
    spec = p.programme.city
    assert spec is not None
    words = spec.letter
    common = _common(p, clusters)
    body = [_say(t, common) for t in words.before]
    for i, c in enumerate(clusters, start=1):
        status = stated(p.programme, c.verdict, c.report.data)
        body.append(_say(words.cluster, {**common, **c.context, "no": str(i), "status": status}))
    if words.sensitive and any(c.report.sensitive for c in clusters):
        body.append(_say(words.sensitive, common))
    body += [_say(t, common) for t in words.after]
    return Letter(
        issuer=p.bureau,
        number=p.city.document_number,
        title=[_say(t, common) for t in words.title],
        addressee="山东省工业和信息化厅",
        body=body,
        attachments=[a.text for a in attachment_items(p, clusters)],
        signatory=p.city.signatory or p.bureau,
        date=units.cn_date(p.city.date),
        cc=list(p.city.cc),
    )


def city_bundle(
    city_code: str,
    paths: case.Paths | None = None,
    programme_id: str | None = None,
    today: dt.date | None = None,
    strict_dates: bool = False,
) -> CityResult:
    """Check the recommendation, build every cluster's packet, then the city's documents and packet.

    With ``strict_dates`` nothing is built under a programme not in force on ``today`` (exit 2).
    """
    paths = paths or case.Paths()
    # --- check everything first: nothing is written when the recommendation is refused
    with phase("plan", city_code):
        p = plan(city_code, paths, programme_id, today, strict_dates)
    office = cache.converter(paths)  # the clusters' converter: cached, restarted and retried alike
    try:
        # --- each cluster's packet, fresh from its data; one recommended by the bureau's decision is final
        clusters = recommend(p)
        for c in clusters:
            c.result = packets.packet_of(c.report, paths, office=office, accepted=c.verdict.reason)
        # --- the city's documents and packet, staged and moved into place when complete
        final = paths.outputs / p.programme.id / "cities" / city_code
        staging = scratch.staging(final.parent, city_code)  # named after this process (scratch.py)
        work = scratch.scratch("city")
        try:
            with phase("city", city_code):
                manifest = _build_into(_CityJob(staging, work, p, clusters, paths, office))
            assemble.write_manifest(staging / "manifest.json", manifest)  # what was built, for the clerk and tools
            outbox.replace_folder(staging, final)
        finally:
            shutil.rmtree(work, ignore_errors=True)
            shutil.rmtree(staging, ignore_errors=True)
    finally:
        office.close()
    names = tuple(c["name"] for c in manifest["clusters"])
    return CityResult(
        city_code, p.programme.id, final, int(manifest["packet"]["pages"]), names, p, manifest["packet"]["file"]
    )


@dataclass
class _CityJob:
    out: Path
    work: Path
    plan: CityPlan
    clusters: list[Recommended]
    paths: case.Paths
    office: cache.CachedConverter

    def rel(self, path: Path) -> str:
        """A path as the manifest and the clerk see it: relative to the project."""
        root = self.paths.inputs.parent
        return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _build_into(job: _CityJob) -> dict[str, Any]:
    p, out, office = job.plan, job.out, job.office
    spec = p.programme.city
    assert spec is not None
    items = attachment_items(p, job.clusters)
    # --- the letter, the 汇总表 (xlsx, docx) and the clerk's review sheet
    write_letter(make_letter(p, job.clusters), out / f"{spec.letter_name}.docx")
    city_tables = summary_tables(p, job.clusters, items)
    tables.summary_docx(city_tables, out / "汇总表.docx")
    tables.summary_xlsx(city_tables, out / "汇总表.xlsx")
    sentences = [stated(p.programme, c.verdict, c.report.data) for c in job.clusters]
    tables.review_xlsx(
        [c.report for c in job.clusters], [c.verdict for c in job.clusters], sentences, out / "审核表.xlsx"
    )
    for name in (spec.letter_name, "汇总表"):
        office.convert(out / f"{name}.docx", out / f"{name}.pdf")
        repro.fix_pdf(out / f"{name}.pdf")
    charts_pdf = _charts(job, items)
    letter_pdf = p.signed.get("letter", out / f"{spec.letter_name}.pdf")
    summary_pdf = p.signed.get("summary", out / "汇总表.pdf")
    sensitive = _gather_sensitive(job)
    # --- the packet for the province: 目录, the letter, then its 附件 in the letter's order
    packet, packet_pages, toc_pages = _city_packet(job, items, letter_pdf, summary_pdf, charts_pdf)
    # --- what goes by mail (the zip) and the clerk's 报送清单
    built = submission.Built(
        p.city.city_name,
        out / f"{spec.letter_name}.pdf",
        p.signed.get("letter"),
        out / "汇总表.pdf",
        out / "汇总表.xlsx",
        p.signed.get("summary"),
        spec.summary_title,
        [(c.name, c.files()) for c in job.clusters],
        p.programme.packet.bundle,
        job.rel(p.file.parent / p.file.stem / "signed"),
        sensitive,
        spec.letter_name,
        next(((a.text, charts_pdf) for a in items if a.part == "charts"), None) if charts_pdf else None,
    )
    sent = submission.items(spec.submission, built)
    zipped = submission.write_zip(sent, out / f"{p.city.city_name}-{spec.packet_name}.zip")
    deadline = _deadline(p)
    title = f"{p.city.city_name}{p.programme.title}（{p.programme.notice.number}）"
    office.convert(
        submission.checklist(spec.submission, sent, title, deadline, job.work / "checklist.docx"), out / "报送清单.pdf"
    )
    repro.fix_pdf(out / "报送清单.pdf")
    return _manifest(job, packet, packet_pages, toc_pages, sent, zipped)


def _deadline(p: CityPlan) -> str:
    """The date the city sends by: the round's deadline, else a yearly report's due date (第十二条: 2月底)."""
    spec = p.programme.city
    assert spec is not None
    if spec.deadline:
        return units.cn_date(spec.deadline)
    yearly = [d for d in p.programme.due if d.who == "city" and d.when == "yearly"]
    if yearly and p.city.year:
        return units.cn_date(yearly[0].deadline(p.city.year + 1))
    return "以当年通知为准"


def summary_tables(p: CityPlan, clusters: list[Recommended], items: list[Attached]) -> tables.CityTables:
    """What the 汇总表 shows: the programme's columns, a row per cluster, each verdict; in the official layout if adopted."""
    spec = p.programme.city
    assert spec is not None
    summary_label = next((f"附件{k}" for k, a in enumerate(items, start=1) if a.part == "summary"), "")
    return tables.CityTables(
        spec.summary_title,
        p.bureau,
        units.cn_date(p.city.date),
        spec.summary_columns,
        [c.context for c in clusters],
        [_notes(p, c) for c in clusters],
        summary_label,
        (p.programme, p.summary_layout) if p.summary_layout else None,
        spec.summary_note,
    )


def _notes(p: CityPlan, c: Recommended) -> str:
    if c.verdict.labels == ["达到"]:
        return ""
    return stated(p.programme, c.verdict, c.report.data)


def _range(pages: int) -> str:
    return "1" if pages == 1 else f"1—{pages}"


def _charts(job: _CityJob, items: list[Attached]) -> Path | None:
    """The 附件 of charts across the clusters, where the letter names one (a yearly report's)."""
    item = next((a for a in items if a.part == "charts"), None)
    if item is None or job.plan.programme.report is None:
        return None
    docx = annual.city_charts_docx(
        job.plan.programme,
        [c.context for c in job.clusters],
        item.text,
        str(job.plan.city.year or ""),
        job.out / "图表.docx",
    )
    pdf = job.out / "图表.pdf"
    job.office.convert(render.for_pdf(docx, job.work), pdf)
    repro.fix_pdf(pdf)
    return pdf


_Part = tuple[str, Path | None, int, int, bool]  # (title, file, pages, level, is a cluster's packet)


def _parts(
    job: _CityJob, items: list[Attached], letter_pdf: Path, summary_pdf: Path, charts_pdf: Path | None
) -> list[_Part]:
    """The city packet's parts in the letter's order: the letter, then each 附件 (a packet's under its heading)."""
    p = job.plan
    spec = p.programme.city
    assert spec is not None
    parts: list[_Part] = [(spec.letter_name, letter_pdf, convert.check_pdf(letter_pdf), 1, False)]
    for k, a in enumerate(items, start=1):
        if a.part == "summary":
            parts.append((f"附件{k}　{a.text}", summary_pdf, convert.check_pdf(summary_pdf), 1, False))
        elif a.part == "charts" and charts_pdf is not None:
            parts.append((f"附件{k}　{a.text}", charts_pdf, convert.check_pdf(charts_pdf), 1, False))
        elif a.each:
            c = a.clusters[0]
            parts.append((f"附件{k}　{a.text}", c.files()["pdf"], c.pages, 1, True))
        else:
            parts.append((f"附件{k}　{a.text}", None, 0, 1, False))
            for i, c in enumerate(a.clusters, start=1):
                title = f"{k}-{i}　{c.name}{p.programme.packet.bundle}"
                parts.append((title, c.files()["pdf"], c.pages, 2, True))
    return parts


def _city_packet(
    job: _CityJob, items: list[Attached], letter_pdf: Path, summary_pdf: Path, charts_pdf: Path | None = None
) -> tuple[Path, int, int]:
    """目录, the letter, then each 附件; bookmarks per part and, under a packet, its own parts.

    Every part keeps its own printed page numbers (the letter its GB/T 9704 ones, each packet its
    own from its 目录): the 目录 gives each part's printed range, so every number in it can be found.
    """
    p = job.plan
    spec = p.programme.city
    assert spec is not None
    parts = _parts(job, items, letter_pdf, summary_pdf, charts_pdf)

    def rows(_toc_pages: int) -> list[dict[str, str]]:
        return [{"title": "　　" * (level - 1) + t, "page": _range(n) if n else ""} for t, _f, n, level, _c in parts]

    toc_pdf, toc_pages = assemble.settle_toc(
        lambda r: render.render(p.programme.template(p.programme.packet.toc), {"toc": r}, job.work / "toc.docx"),
        rows,
        job.office,
        job.work / "toc.pdf",
    )
    writer = PdfWriter()
    writer.append(str(toc_pdf), import_outline=False)
    writer.add_outline_item(title="目录", page_number=0)
    parent, heading = None, None
    for title, path, _n, level, is_packet in parts:
        start = len(writer.pages)
        if path is None:  # a heading over the packets that follow: its page is the first of them
            heading = title
            continue
        reader = PdfReader(str(path))
        writer.append(reader, import_outline=False)
        if heading is not None:
            parent, heading = writer.add_outline_item(title=heading, page_number=start), None
        item = writer.add_outline_item(title=title, page_number=start, parent=parent if level > 1 else None)
        if level == 1:
            parent = None
        for sub in reader.outline if is_packet else []:  # a cluster's own parts come one level below it
            if isinstance(sub, list):
                continue
            index = reader.get_destination_page_number(sub)
            if index is not None and is_packet:
                writer.add_outline_item(title=str(sub.title), page_number=start + index, parent=item)
    writer.page_mode = "/UseOutlines"
    writer.add_metadata(
        {
            "/Title": f"{p.city.city_name}{p.programme.title}{spec.packet_name}",
            "/Author": p.bureau,
            "/Creator": f"clusterpack {case.tool_version()}",
        }
    )
    packet = job.out / f"{spec.packet_name}.pdf"
    repro.finish_pdf(writer, packet)
    return packet, len(writer.pages), toc_pages


def _gather_sensitive(job: _CityJob) -> int:
    """The recommended clusters' sensitive proofs, gathered for the disc, with one 清单 for it."""
    rows: list[list[str]] = []
    folder = job.out / "敏感材料"
    for n, c in enumerate(job.clusters, start=1):
        for proof in c.report.sensitive:
            target = folder / f"{n}.{c.name}"
            target.mkdir(parents=True, exist_ok=True)
            copied = target / f"{proof.number}-{proof.path.name}"
            shutil.copyfile(proof.path, copied)
            rows.append(
                [str(len(rows) + 1), c.name, f"{proof.number} {proof.item.title}", proof.material.title, copied.stem]
            )
    if not rows:
        return 0
    p = job.plan
    docx = render.render_list(
        "敏感材料清单",
        f"{p.bureau} · 以下材料不进入申报材料，由我局汇总刻盘后通过机要渠道另行报送",
        ["序号", "集群", "材料", "类别", "文件名"],
        [12, 40, 44, 40, 34],
        rows,
        job.work / "sensitive.docx",
    )
    job.office.convert(docx, folder / "敏感材料清单.pdf")
    repro.fix_pdf(folder / "敏感材料清单.pdf")
    return len(rows)


def _manifest(
    job: _CityJob, packet: Path, pages: int, toc_pages: int, sent: list[submission.Item], zipped: list[str]
) -> dict[str, Any]:
    p, out = job.plan, job.out
    files = []
    for path in sorted(f for f in out.rglob("*") if f.is_file()):
        entry: dict[str, Any] = {
            "file": path.relative_to(out).as_posix(),
            "sha256": assemble.sha256(path),
            "bytes": path.stat().st_size,
        }
        if path.suffix == ".pdf":
            entry["pages"] = convert.check_pdf(path)
        files.append(entry)
    return {
        "tool": {"name": "clusterpack", "version": case.tool_version(), "libreoffice": job.office.version},
        "programme": {
            "id": p.programme.id,
            "notice": p.programme.notice.title,
            "number": p.programme.notice.number,
            "extends": list(p.programme.lineage),
            "validity": p.standing.as_dict() if p.standing else None,
            # 汇总表.xlsx: the province's own workbook filled in its layout (form adopt), or ours
            "summary_form": f"official ({p.summary_layout.source})" if p.summary_layout else "reconstructed",
        },
        "city": {
            "code": p.city.city,
            "name": p.city.city_name,
            "bureau": p.bureau,
            "document_number": p.city.document_number,
            "date": str(p.city.date),
            "year": p.city.year,
            "input": job.rel(p.file),
        },
        "signed_scans": {what: job.rel(path) for what, path in p.signed.items()},
        "clusters": [
            {
                "id": c.report.cluster_id,
                "name": c.name,
                "order": i,
                "passed": c.report.passed,
                "verdict": c.verdict.short,
                "forced": c.verdict.reason is not None,
                "reason": c.verdict.reason,
                "sensitive": len(c.report.sensitive),
                "packet_sha256": assemble.sha256(c.files()["pdf"]),
            }
            for i, c in enumerate(job.clusters, start=1)
        ],
        "packet": {"file": packet.name, "pages": pages, "toc_pages": toc_pages},
        "submission": {
            "zip": zipped,
            "items": [
                {"what": i.what, "format": i.fmt, "file": i.name, "ready": i.ready, "status": i.status} for i in sent
            ],
        },
        "warnings": [{"code": w.code, "message": w.message} for w in p.warnings],
        "files": files,
    }
