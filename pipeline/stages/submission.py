"""What the city sends the province, as its notice asks: the files, the zip, and the clerk's 报送清单.

The notice's demands are data (``city.submission`` in programme.yaml): which files in which
formats, which of them are scans of the sealed paper, paper copies and how they go, the mailbox,
the deadline. Here they become the zip the clerk sends and a one-page checklist that ticks each
item against what was built, so nothing the notice asks for is forgotten and nothing unsealed is
sent as if it were sealed."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from pipeline.core import repro, units
from pipeline.core.programme import Submission
from pipeline.kits import docxkit
from pipeline.stages import render

FORMAT_NAMES = {"pdf": "PDF", "docx": "WORD", "xlsx": "Excel"}


@dataclass(frozen=True)
class Item:
    """One file (or paper) the notice asks for, and where it stands."""

    what: str  # 推荐文件, 汇总表, a cluster's 申报材料
    fmt: str  # PDF, WORD, Excel, 纸质
    name: str  # its name in the zip ("" for what does not go by mail)
    source: Path | None  # the file sent
    ready: bool
    status: str  # what the checklist says: 已生成, 已用盖章扫描件, 待盖章扫描 …


@dataclass(frozen=True)
class Built:
    """What the city workflow made, for the submission to choose from."""

    city_name: str
    letter: Path  # generated PDF
    letter_scan: Path | None
    summary_pdf: Path
    summary_xlsx: Path
    summary_scan: Path | None
    summary_title: str
    packets: list[tuple[str, dict[str, Path]]]  # (cluster name, {format: file})
    packet_title: str  # the packets' name: 申报材料, 申报书, 综合评价材料
    signed_folder: str  # where the sealed scans go, relative to the project
    sensitive: int  # sensitive files gathered for the disc
    letter_name: str = "推荐文件"  # the letter's name (a yearly report's: 报告)
    charts: tuple[str, Path] | None = None  # a yearly report's 附件 of charts: its title and PDF


def items(spec: Submission, built: Built) -> list[Item]:
    """Every item the notice asks for, in the notice's order, with its status."""
    out: list[Item] = []
    city = built.city_name
    for f in spec.files:
        for fmt in f.formats:
            if f.what == "letter":
                letter = _Signable(built.letter_name, built.letter, built.letter_scan, f"{built.letter_name}.pdf")
                out.append(_sealed(letter, fmt, f"{city}-{built.letter_name}.pdf", f.sealed, built.signed_folder))
            elif f.what == "summary":
                if fmt == "xlsx":
                    name = f"{city}-{built.summary_title}.xlsx"
                    out.append(Item(built.summary_title, "Excel", name, built.summary_xlsx, True, "已生成"))
                else:
                    name = f"{city}-{built.summary_title}.pdf"
                    summary = _Signable(built.summary_title, built.summary_pdf, built.summary_scan, "汇总表.pdf")
                    out.append(_sealed(summary, fmt, name, f.sealed, built.signed_folder))
            elif f.what == "charts":
                if built.charts is not None:
                    title, pdf = built.charts
                    out.append(Item(title, FORMAT_NAMES[fmt], f"{city}-{title}.pdf", pdf, True, "已生成"))
            else:
                for cluster, files in built.packets:
                    path = files[fmt]
                    name = f"{city}-{cluster}-{built.packet_title}{path.suffix}"
                    out.append(Item(f"{cluster}{built.packet_title}", FORMAT_NAMES[fmt], name, path, True, "已生成"))
    if spec.paper:
        out.append(
            Item(
                "纸质材料",
                "纸质",
                "",
                None,
                False,
                f"待邮寄：一式{units.cn_count(spec.paper.copies)}份，{spec.paper.by}寄送",
            )
        )
    if built.sensitive:
        how = spec.sensitive or "另行报送"
        out.append(Item(f"敏感证明材料（{built.sensitive}份）", "刻盘", "", None, False, f"待报送：{how}"))
    return out


@dataclass(frozen=True)
class _Signable:
    """A document that may go as the scan of its sealed paper."""

    what: str  # 推荐文件, the 汇总表's title
    generated: Path  # the PDF built
    scan: Path | None  # the sealed scan, where there is one
    scan_name: str  # the scan's name in the signed folder


def _sealed(doc: _Signable, fmt: str, name: str, sealed: bool, signed_folder: str) -> Item:
    if doc.scan is not None:  # a sealed scan, where there is one, is what goes
        return Item(f"{doc.what}（盖章扫描件）", FORMAT_NAMES[fmt], name, doc.scan, True, "已用盖章扫描件")
    if not sealed:
        return Item(doc.what, FORMAT_NAMES[fmt], name, doc.generated, True, "已生成")
    todo = f"待盖章扫描：扫描件放入 {signed_folder}/{doc.scan_name} 后重新生成（暂为未盖章稿）"
    return Item(f"{doc.what}（盖章扫描件）", FORMAT_NAMES[fmt], name, doc.generated, False, todo)


def write_zip(all_items: list[Item], zip_path: Path) -> list[str]:
    """The files that go by mail, named as clerks name them; returns the names written."""
    names: list[str] = []
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for item in all_items:
            if item.name and item.source is not None and item.name not in names:
                zf.write(item.source, item.name)
                names.append(item.name)
    repro.fixed_zip(zip_path)
    return names


def checklist(spec: Submission, all_items: list[Item], title: str, deadline: str, out: Path) -> Path:
    """The clerk's one-page 报送清单: what to send, how, where, by when, and what is still to do."""
    doc = docxkit.new_document(margins_mm=(25, 20, 25, 20), body_font=docxkit.SONG, body_pt=10.5)
    docxkit.para(doc, "报送清单", docxkit.XBS, 20, align=docxkit.CENTER, line_pt=32, after_pt=4)
    docxkit.para(doc, title, docxkit.SONG, 11, align=docxkit.CENTER, line_pt=20, after_pt=8)
    lines = [f"报送截止：{deadline}", f"报送方式：{spec.channel}"]
    if spec.email:
        lines.append(f"电子邮箱：{spec.email}")
    if spec.paper:
        lines.append(
            f"纸质材料：一式{units.cn_count(spec.paper.copies)}份，通过{spec.paper.by}邮寄至{spec.paper.address}"
        )
    if spec.contact:
        lines.append(f"省厅联系人：{spec.contact}")
    lines.append(f"通知要求：“{spec.quote}”")
    for line in lines:
        docxkit.para(doc, line, docxkit.SONG, 11, line_pt=20)
    docxkit.para(doc, "", line_pt=8)
    t = docxkit.table(doc, [10, 46, 14, 50, 50])
    docxkit.add_row(t, ["序号", "材料", "格式", "压缩包内文件名", "状态"], docxkit.HEI, 10, header=True)
    aligns = [docxkit.CENTER, docxkit.LEFT, docxkit.CENTER, docxkit.LEFT, docxkit.LEFT]
    for i, item in enumerate(all_items, start=1):
        docxkit.add_row(
            t, [str(i), item.what, item.fmt, item.name or "—", item.status], docxkit.SONG, 10, aligns=aligns
        )
    todo = sum(not i.ready for i in all_items)
    docxkit.para(
        doc,
        f"共{len(all_items)}项，已备齐{len(all_items) - todo}项，待办{todo}项。本清单供市级主管部门报送时核对，不随材料报送。",
        docxkit.SONG,
        10.5,
        line_pt=20,
        before_pt=8,
    )
    render.save(doc, out)
    return out
