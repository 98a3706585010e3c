"""The city bureau's packet: 推荐文件, 汇总表, review sheet, and one packet for the province."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from pypdf import PdfReader, PdfWriter

from . import assemble, build, citytables, convert, render, repro, units
from .city import CityPlan, plan
from .errors import ConversionFailed, TemplateProblem
from .letter import Letter, write_letter

SIGNED_LETTER = "推荐文件.pdf"  # inputs/cities/<code>/signed/推荐文件.pdf replaces the generated one


@dataclass
class CityResult:
    city: str
    programme: str
    folder: Path
    manifest: dict[str, Any]
    plan: CityPlan


def _wording() -> jinja2.Environment:
    # Programme wording is data; values are inserted as text by python-docx, so no XML escaping here.
    return ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False)


def _say(template: str, values: dict[str, Any]) -> str:
    try:
        return _wording().from_string(template).render(values)
    except jinja2.TemplateError as exc:
        raise TemplateProblem(f"推荐文件措辞模板有误 (letter wording): {template!r}: {exc}") from None


def make_letter(p: CityPlan, contexts: list[dict[str, Any]]) -> Letter:
    spec = p.programme.city
    assert spec is not None
    words = spec.letter
    common = {
        "bureau": p.bureau,
        "city": p.city.city_name,
        "notice": {"title": p.programme.notice.title, "number": p.programme.notice.number},
        "programme": {"title": p.programme.title},
        "count": str(len(contexts)),
        "contact": p.city.contact,
        "phone": p.city.phone,
        "summary_title": spec.summary_title,
    }
    body = [_say(t, common) for t in words.before]
    body += [_say(words.cluster, {**common, **ctx, "no": str(i)}) for i, ctx in enumerate(contexts, start=1)]
    body += [_say(t, common) for t in words.after]
    attachments = [_say(t, common) for t in words.attachments]
    if words.cluster_attachment:
        attachments += [_say(words.cluster_attachment, {**common, **ctx}) for ctx in contexts]
    return Letter(
        issuer=p.bureau,
        number=p.city.document_number,
        title=[_say(t, common) for t in words.title],
        addressee="山东省工业和信息化厅",
        body=body,
        attachments=attachments,
        signatory=p.city.signatory or p.bureau,
        date=units.cn_date(p.city.date),
        cc=list(p.city.cc),
    )


def city_bundle(
    city_code: str, paths: build.Paths | None = None, programme_id: str | None = None, today: dt.date | None = None
) -> CityResult:
    """Check the recommendation, build every cluster's packet, then the city's documents and packet."""
    paths = paths or build.Paths()
    # --- check everything first: nothing is written when the recommendation is refused
    p = plan(city_code, paths, programme_id, today)
    spec = p.programme.city
    assert spec is not None
    # --- each cluster's packet, fresh from its data
    clusters = [build.bundle(r.cluster_id, paths, p.programme.id, today) for r in p.reports]
    contexts = [p.programme.data_schema.context(r.data, p.programme) for r in p.reports]
    final = paths.outputs / p.programme.id / "cities" / city_code
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{city_code}.staging-", dir=final.parent))
    staging.chmod(0o755)
    work = Path(tempfile.mkdtemp(prefix="clusterpack-city-"))
    try:
        manifest = _build_into(staging, work, p, clusters, contexts, paths)
        build._replace_folder(staging, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)
    return CityResult(city_code, p.programme.id, final, manifest, p)


def _build_into(
    out: Path,
    work: Path,
    p: CityPlan,
    clusters: list[build.BuildResult],
    contexts: list[dict[str, Any]],
    paths: build.Paths,
) -> dict[str, Any]:
    spec = p.programme.city
    assert spec is not None
    city_name = p.city.city_name
    date = units.cn_date(p.city.date)
    letter_docx = write_letter(make_letter(p, contexts), out / "推荐文件.docx")
    summary_docx = citytables.summary_docx(
        spec.summary_title, p.bureau, date, spec.summary_columns, contexts, out / "汇总表.docx"
    )
    citytables.summary_xlsx(spec.summary_title, p.bureau, date, spec.summary_columns, contexts, out / "汇总表.xlsx")
    citytables.review_xlsx(p.reports, list(p.city.force), out / "审核表.xlsx")

    signed = paths.inputs / "cities" / p.city.city / "signed" / SIGNED_LETTER
    with convert.OfficeWorker() as office:
        office.convert(letter_docx, out / "推荐文件.pdf")
        summary_pages = office.convert(summary_docx, out / "汇总表.pdf")
        for name in ("推荐文件.pdf", "汇总表.pdf"):
            repro.fix_pdf(out / name)
        letter_pdf = out / "推荐文件.pdf"
        if signed.is_file():
            try:
                convert.check_pdf(signed)
            except ConversionFailed as exc:
                raise ConversionFailed(
                    f"签章扫描件 {signed} 无法读取 (the signed letter does not read): {exc}"
                ) from None
            letter_pdf = signed
        letter_pages = len(PdfReader(str(letter_pdf)).pages)
        packet_files = [c.folder / f"{c.manifest['packet']['file']}" for c in clusters]
        entries = [("推荐文件", letter_pages), (spec.summary_title, summary_pages)]
        entries += [
            (f"{i}.{ctx['cluster']['name']}申报材料", c.manifest["packet"]["pages"])
            for i, (ctx, c) in enumerate(zip(contexts, clusters, strict=True), start=1)
        ]
        toc_pages = 1
        for _ in range(3):
            page, rows = toc_pages + 1, []
            for title, n in entries:
                rows.append({"title": title, "page": str(page)})
                page += n
            toc_docx = render.render(p.programme.template(p.programme.packet.toc), {"toc": rows}, work / "toc.docx")
            pages = office.convert(toc_docx, work / "toc.pdf")
            if pages == toc_pages:
                break
            toc_pages = pages
        office_version = office.version

    packet = out / "推荐材料.pdf"
    writer = PdfWriter()
    writer.append(str(work / "toc.pdf"), import_outline=False)
    writer.add_outline_item(title="目录", page_number=0)
    for title, path in (("推荐文件", letter_pdf), (spec.summary_title, out / "汇总表.pdf")):
        start = len(writer.pages)
        writer.append(str(path), import_outline=False)
        writer.add_outline_item(title=title, page_number=start)
    for (title, _n), path in zip(entries[2:], packet_files, strict=True):
        start = len(writer.pages)
        reader = PdfReader(str(path))
        writer.append(reader, import_outline=False)
        parent = writer.add_outline_item(title=title, page_number=start)
        for item in reader.outline:  # the cluster's own parts become the second level
            if isinstance(item, list):
                continue
            index = reader.get_destination_page_number(item)
            if index is not None:
                writer.add_outline_item(title=str(item.title), page_number=start + index, parent=parent)
    writer.page_mode = "/UseOutlines"
    writer.add_metadata(
        {
            "/Title": f"{city_name}{p.programme.title}推荐材料",
            "/Author": p.bureau,
            "/Creator": f"clusterpack {build.tool_version()}",
        }
    )
    repro.finish_pdf(writer, packet)

    # --- the separate files, named as clerks name them, in one zip
    zip_path = out / f"{city_name}-推荐材料.zip"
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(letter_pdf, f"{city_name}-推荐文件.pdf")
        zf.write(out / "汇总表.pdf", f"{city_name}-{spec.summary_title}.pdf")
        zf.write(out / "汇总表.xlsx", f"{city_name}-{spec.summary_title}.xlsx")
        for ctx, path in zip(contexts, packet_files, strict=True):
            zf.write(path, f"{city_name}-{ctx['cluster']['name']}-申报材料.pdf")
    repro.fixed_zip(zip_path)

    files = []
    for path in sorted(out.iterdir()):
        entry: dict[str, Any] = {"file": path.name, "sha256": assemble.sha256(path), "bytes": path.stat().st_size}
        if path.suffix == ".pdf":
            entry["pages"] = convert.check_pdf(path)
        files.append(entry)
    manifest = {
        "tool": {"name": "clusterpack", "version": build.tool_version(), "libreoffice": office_version},
        "programme": {"id": p.programme.id, "notice": p.programme.notice.title, "number": p.programme.notice.number},
        "city": {
            "code": p.city.city,
            "name": city_name,
            "bureau": p.bureau,
            "document_number": p.city.document_number,
            "date": str(p.city.date),
        },
        "letter": {
            "signed_scan_used": letter_pdf == signed,
            "source": str(signed) if letter_pdf == signed else "推荐文件.pdf",
        },
        "clusters": [
            {
                "id": c.cluster_id,
                "name": ctx["cluster"]["name"],
                "order": i,
                "passed": r.passed,
                "forced": r.cluster_id in p.city.force,
                "packet_sha256": assemble.sha256(path),
            }
            for i, (c, ctx, r, path) in enumerate(
                zip(clusters, contexts, p.reports, packet_files, strict=True), start=1
            )
        ],
        "packet": {"file": packet.name, "pages": len(writer.pages), "toc_pages": toc_pages},
        "warnings": [{"code": w.code, "message": w.message} for w in p.warnings],
        "files": files,
    }
    assemble.write_manifest(out / "manifest.json", manifest)
    return manifest
