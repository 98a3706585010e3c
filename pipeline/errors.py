"""Every error clusterpack raises, with the exit code the CLI maps it to.

Messages are for the people who fill in the data: Chinese first, the English key after, the place
the value came from, and what to do. Tests assert on the stable ``code`` of each problem.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


class ExitCode:
    """Process exit codes by kind of failure (documented in ``--help`` and the README)."""

    OK = 0
    INTERNAL = 1
    USAGE = 2
    DATA_INVALID = 3
    CONDITIONS_UNMET = 4
    CONVERSION_FAILED = 5
    ENVIRONMENT = 6
    TEMPLATE = 7
    INTERRUPTED = 130  # Ctrl-C, as shells count it


@dataclass(frozen=True)
class Location:
    """Where a value came from: a file and a line, or a workbook sheet and cell."""

    file: str
    line: int | None = None
    sheet: str | None = None
    cell: str | None = None

    def __str__(self) -> str:
        if self.sheet:
            return f"{self.file} {self.sheet}!{self.cell}"
        if self.line:
            return f"{self.file} 第{self.line}行 (line {self.line})"
        return self.file


@dataclass(frozen=True)
class Problem:
    """One problem found in the data, named by a stable code."""

    code: str
    message: str  # Chinese, the English gloss after it
    field: str = ""  # dotted English key, e.g. applicant.credit_code
    label: str = ""  # Chinese field label, e.g. 申报单位 › 统一社会信用代码
    location: Location | None = None
    # error | warning | notice (what was read as the person meant it: an amount converted to its field's unit)
    severity: str = "error"
    page: str = ""  # what a printed page (the 自查报告) says, where the message names a file or a key

    @property
    def printed(self) -> str:
        """The problem as a printed page says it: Chinese only, its field by its label, no English gloss."""
        text = self.page or chinese(self.message)
        return f"{self.label}：{text}" if self.label else text

    def render(self, cluster: str, subject: str = "集群") -> str:
        where = f" · {self.location}" if self.location else ""
        what = ""
        if self.field:
            what = f" · 字段 {self.label} ({self.field})" if self.label else f" · 字段 {self.field}"
        kind = {"error": "错误", "notice": "提示"}.get(self.severity, "警告")
        return f"{kind} [{self.code}] {subject} {cluster}{where}{what}: {self.message}"


# The English gloss a message ends with: " (a firm's revenue exceeds the cluster's)".
_GLOSS = re.compile(r"\s*\((?=[^()]*[A-Za-z])[^()（）]*\)\s*$")


def chinese(message: str) -> str:
    """``message`` without the English gloss it ends with: for a page a reviewer reads."""
    return _GLOSS.sub("", message)


class ClusterpackError(Exception):
    """Base class: a failure with a user-facing message, a stable ``code`` and an exit code.

    Each subclass has a default code for its kind; a raise site names a finer one with ``code=``
    (``E-USAGE-CLUSTER-ID``). Tests assert on codes, never on wording.
    """

    exit_code = ExitCode.INTERNAL
    code = "E-INTERNAL"

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    def user_message(self) -> str:
        return f"错误 [{self.code}] {self}"


class UsageError(ClusterpackError):
    """Raised when a command is called with a bad cluster id, programme or path."""

    exit_code = ExitCode.USAGE
    code = "E-USAGE"


@dataclass
class DataInvalid(ClusterpackError):
    """Raised once after loading and validation when the data has one or more errors."""

    cluster: str
    problems: list[Problem] = field(default_factory=list)
    subject: str = "集群"  # what ``cluster`` names: 集群, or 市 for a city's recommendation
    exit_code = ExitCode.DATA_INVALID
    code = "E-DATA-INVALID"  # each problem carries its own code

    @property
    def errors(self) -> list[Problem]:
        """The problems that refuse the data (``problems`` also carries the warnings found on the way)."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def codes(self) -> list[str]:
        """The codes of the errors (not warnings), in order."""
        return [p.code for p in self.errors]

    def __post_init__(self) -> None:
        super().__init__(self.user_message())

    def user_message(self) -> str:
        errors = [p for p in self.problems if p.severity == "error"]
        lines = [p.render(self.cluster, self.subject) for p in self.problems]
        lines.append(
            f"{self.subject} {self.cluster} 的数据有 {len(errors)} 处错误，未生成材料 (data invalid: nothing built)."
        )
        return "\n".join(lines)


class TemplateProblem(ClusterpackError):
    """Raised when a programme's template or programme.yaml is broken (not the user's data)."""

    exit_code = ExitCode.TEMPLATE
    code = "E-TEMPLATE"


class ConversionFailed(ClusterpackError):
    """Raised when LibreOffice fails, times out or writes no readable PDF."""

    exit_code = ExitCode.CONVERSION_FAILED
    code = "E-CONVERT"


class EnvironmentMissing(ClusterpackError):
    """Raised when a system part (LibreOffice, fonts, poppler) is not installed."""

    exit_code = ExitCode.ENVIRONMENT
    code = "E-ENV-MISSING"


class OutputUnwritable(ClusterpackError):
    """Raised when ``outputs/`` (or another folder written to) is read-only, full or otherwise refuses a write.

    The machine's state, not the data: the exit code of a missing system part.
    """

    exit_code = ExitCode.ENVIRONMENT
    code = "E-OUTPUT-WRITE"


_WRITE_CODES = {
    errno.EACCES: ("E-OUTPUT-READONLY", "没有写入权限"),
    errno.EPERM: ("E-OUTPUT-READONLY", "没有写入权限"),
    errno.EROFS: ("E-OUTPUT-READONLY", "文件系统是只读的"),
    errno.ENOSPC: ("E-OUTPUT-FULL", "磁盘已满"),
    errno.EDQUOT: ("E-OUTPUT-FULL", "超出磁盘配额"),
}


def unwritable(exc: OSError, folder: object) -> OutputUnwritable | None:
    """The error to show for ``exc`` raised while writing under ``folder``; None when it is not a write failure."""
    known = _WRITE_CODES.get(exc.errno or 0)
    if known is None:
        return None
    code, why = known
    where = exc.filename or folder
    return OutputUnwritable(
        f"无法写入 {where}：{why}；请检查输出目录 {folder} 的权限和剩余空间后重试 "
        f"(cannot write the output: {exc.strerror})",
        code=code,
    )


@contextmanager
def writing(folder: object) -> Iterator[None]:
    """Turn a read-only or full disk under ``folder`` into ``OutputUnwritable`` (exit 6), not an internal error."""
    try:
        yield
    except OSError as exc:
        error = unwritable(exc, folder)
        if error is None:
            raise
        raise error from None
