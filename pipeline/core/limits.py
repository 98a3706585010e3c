"""Every limit clusterpack enforces, in one place; each can be raised with an environment variable.

A limit is checked *before* the step it protects (a file's size before it is read, a zip member's
declared and actual size before it is parsed, an image's pixels before it is decoded, a Word
proof's parts before LibreOffice opens it), and a value over it is refused with an ``E-LIMIT-…``
code and the place it was found. The defaults are far above what a real cluster needs (the
shipped examples use a few per cent of each) and low enough that, together, one build stays
under :data:`MEMORY_MB` whatever the input. The README lists them (``clusterpack limits`` prints
them with the values in force).

Values are read from the environment each time they are asked for, so a test (or a user) sets one
for one run: ``CLUSTERPACK_MAX_ROWS=2000 clusterpack bundle x``."""

from __future__ import annotations

import os
from dataclasses import dataclass

from pipeline.errors import UsageError

MB = 1_000_000


MIB = 1 << 20


@dataclass(frozen=True)
class Limit:
    """One limit: its environment variable, default, unit, and what it bounds (Chinese, then English)."""

    env: str
    default: float
    unit: str  # as the user writes it: MB, MiB, s, or "" for a count
    what: str
    scale: int = 1  # the value in base units (bytes) per unit

    def __call__(self) -> int:
        """The limit in force, in base units (bytes, characters, items, seconds)."""
        return int(self.value() * self.scale)

    def value(self) -> float:
        """The limit in force, in its own unit (MB, items, seconds)."""
        text = os.environ.get(self.env, "").strip()
        if not text:
            return self.default
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not value > 0 or value != value or value == float("inf"):
            raise UsageError(
                f"环境变量 {self.env}={text!r} 应为正数（单位 {self.unit or '个'}），默认 {self.default:g} "
                f"(the limit must be a positive number)",
                code="E-USAGE-LIMIT",
            )
        return value

    def shown(self) -> str:
        """The limit in force as people read it: ``50 MB``, ``100000``."""
        value = self.value()
        number = f"{value:g}" if value < 1e15 else f"{value:.0f}"
        return f"{number} {self.unit}".strip()


# --- the input file ------------------------------------------------------------------------------
INPUT_BYTES = Limit(
    "CLUSTERPACK_MAX_INPUT_MB", 10, "MB", "数据文件（cluster.yaml / cluster.xlsx）大小 (input file size)", MB
)


VALUES = Limit("CLUSTERPACK_MAX_VALUES", 100_000, "", "数据文件中的值（含别名展开） (values in the input file)")


DEPTH = Limit("CLUSTERPACK_MAX_DEPTH", 32, "", "数据的嵌套层数 (nesting depth)")


ROWS = Limit("CLUSTERPACK_MAX_ROWS", 500, "", "每个列表的条数（企业、品牌、平台…） (items per list)")


FIELD_CHARS = Limit("CLUSTERPACK_MAX_FIELD_CHARS", 10_000, "", "每个文字字段的字符数 (characters per text field)")


TEXT_CHARS = Limit(
    "CLUSTERPACK_MAX_TEXT_CHARS", 300_000, "", "全部文字的字符数，即一份文档最多能含的文字 (characters of all texts)"
)


# --- Office files: proofs, the workbook, templates -----------------------------------------------
XML_PART_BYTES = Limit(
    "CLUSTERPACK_MAX_XML_PART_MB", 10, "MB", "Word/Excel 文件中一个 XML 部件解压后的大小 (one unzipped XML part)", MB
)


UNZIPPED_BYTES = Limit(
    "CLUSTERPACK_MAX_UNZIPPED_MB",
    200,
    "MB",
    "Word/Excel 文件解压后的总大小，PDF 全部页面内容解压后的总大小 (an Office file unzipped, a PDF's pages decoded)",
    MB,
)


ZIP_MEMBERS = Limit("CLUSTERPACK_MAX_ZIP_MEMBERS", 5_000, "", "Word/Excel 文件中的部件数 (parts in an Office file)")


# --- proofs (佐证材料) and signed scans ----------------------------------------------------------
ATTACHMENT_BYTES = Limit("CLUSTERPACK_MAX_ATTACHMENT_MB", 50, "MB", "一个佐证材料文件的大小 (one attachment)", MB)


ATTACHMENT_PAGES = Limit("CLUSTERPACK_MAX_ATTACHMENT_PAGES", 500, "", "一个佐证材料的页数 (pages of one attachment)")


PDF_STREAM_BYTES = Limit(
    "CLUSTERPACK_MAX_PDF_STREAM_MB", 64, "MB", "PDF 一页内容流解压后的大小 (a PDF page's content, decoded)", MB
)


IMAGE_PIXELS = Limit(
    "CLUSTERPACK_MAX_IMAGE_PIXELS", 64_000_000, "", "一张图片的像素数，如 8000×8000 (pixels of one image)"
)


PACKET_BYTES = Limit(
    "CLUSTERPACK_MAX_PACKET_MB", 300, "MB", "进入申报材料的佐证材料总大小 (all attachments of a packet)", MB
)


PACKET_PAGES = Limit(
    "CLUSTERPACK_MAX_PACKET_PAGES", 2_000, "", "申报材料中佐证材料的总页数 (attachment pages of a packet)"
)


# --- LibreOffice ----------------------------------------------------------------------------------
CONVERT_SECONDS = Limit("CLUSTERPACK_CONVERT_TIMEOUT", 120, "s", "一次 LibreOffice 转换的时间 (one conversion)")


START_SECONDS = Limit("CLUSTERPACK_OFFICE_START_TIMEOUT", 90, "s", "LibreOffice 启动的时间 (starting LibreOffice)")


RENDER_SECONDS = Limit("CLUSTERPACK_RENDER_TIMEOUT", 30, "s", "填一份模板的时间 (rendering one template)")


MEMORY_BYTES = Limit(
    "CLUSTERPACK_MEMORY_MB", 2048, "MiB", "一次生成（含批量的全部进程和 LibreOffice）的内存 (a build in all)", MIB
)


OFFICE_MEMORY_BYTES = Limit(
    "CLUSTERPACK_OFFICE_MEMORY_MB", 1024, "MiB", "每个 LibreOffice 进程的数据内存上限 (one LibreOffice worker)", MIB
)


ALL: tuple[Limit, ...] = (
    INPUT_BYTES,
    VALUES,
    DEPTH,
    ROWS,
    FIELD_CHARS,
    TEXT_CHARS,
    XML_PART_BYTES,
    UNZIPPED_BYTES,
    ZIP_MEMBERS,
    ATTACHMENT_BYTES,
    ATTACHMENT_PAGES,
    PDF_STREAM_BYTES,
    IMAGE_PIXELS,
    PACKET_BYTES,
    PACKET_PAGES,
    CONVERT_SECONDS,
    START_SECONDS,
    RENDER_SECONDS,
    MEMORY_BYTES,
    OFFICE_MEMORY_BYTES,
)


# What one build's own Python process may use besides LibreOffice, with every input limit at its
# maximum (measured: 499 MiB for 147 MB of PDF proofs and 190 MB of decoded page content; the
# README says how); the rest of MEMORY_BYTES is shared by the LibreOffice workers.
PYTHON_RESERVE = 512 * MIB


# What a LibreOffice worker holds besides its data (RLIMIT_DATA does not count it): the libraries'
# resident pages and its UNO helper (measured: ≈ 60 MiB and ≈ 25 MiB).
OFFICE_OVERHEAD = 96 * MIB


# Below this a LibreOffice worker cannot convert a packet's documents (a packet needs ≈ 190 MiB).
OFFICE_FLOOR = 384 * MIB


# Names longer than this cannot be a file on Linux (NAME_MAX, in bytes of UTF-8).
NAME_BYTES = 255


def office_memory(jobs: int = 1) -> int:
    """The data-memory limit (RLIMIT_DATA, bytes) of each of ``jobs`` LibreOffice workers running at once.

    The memory budget is shared: each job keeps :data:`PYTHON_RESERVE` for its own process and
    :data:`OFFICE_OVERHEAD` for what its LibreOffice holds besides data, and that LibreOffice gets the
    rest of its share, at most ``CLUSTERPACK_OFFICE_MEMORY_MB`` (two jobs under 2048 MiB: 416 MiB each).
    """
    share = MEMORY_BYTES() // max(1, jobs) - PYTHON_RESERVE - OFFICE_OVERHEAD
    return max(OFFICE_FLOOR, min(OFFICE_MEMORY_BYTES(), share))


def max_jobs() -> int:
    """How many workers fit in the memory budget at once (at least one)."""
    return max(1, MEMORY_BYTES() // (PYTHON_RESERVE + OFFICE_OVERHEAD + OFFICE_FLOOR))


def text_over(chars: int) -> tuple[str, str]:
    """(code, message) for one text of ``chars`` characters over FIELD_CHARS."""
    return (
        "E-LIMIT-TEXT",
        f"这段文字有 {chars} 个字符，超过每项 {FIELD_CHARS.shown()} 个字符的上限；请分段或精简 (text over the limit "
        f"of {FIELD_CHARS.env})",
    )


def texts_over() -> tuple[str, str]:
    """(code, message) for the text where all texts together pass TEXT_CHARS."""
    return (
        "E-LIMIT-TEXT-TOTAL",
        f"全部文字到这里已超过 {TEXT_CHARS.shown()} 个字符的上限 (all texts together over the limit of {TEXT_CHARS.env})",
    )


def rows_over(rows: int) -> tuple[str, str]:
    """(code, message) for the first item of a list past ROWS."""
    return (
        "E-LIMIT-ROWS",
        f"超过 {rows} 项（行）的上限，从这一项起不再读取 (more items than the limit of {ROWS.env})",
    )


def mb(n: int) -> str:
    """Bytes as people read them in a message: ``12.3 MB``."""
    return f"{n / MB:.1f} MB"
