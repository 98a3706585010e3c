"""统一社会信用代码 (GB 32100-2015) and its embedded 组织机构代码 (GB 11714-1997).

python-stdnum's ``cn.uscc`` skips the organisation-code check and refuses codes that start with two
letters, so both checks are implemented here from the standards (``../shared/DOMAIN.md`` §3)."""

from __future__ import annotations

import re
from enum import StrEnum

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


class UsccProblem(StrEnum):
    """Why a code is refused; the value is the stable error code."""

    LENGTH = "E-USCC-LENGTH"
    CHARS = "E-USCC-CHARS"
    CHECK = "E-USCC-CHECK"
    ORG_CHECK = "E-USCC-ORG-CHECK"


def _org_value(ch: str) -> int:
    return int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10


def uscc_check_char(first17: str) -> str:
    """The 18th character for the first 17 of a 统一社会信用代码."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_check_char(first8: str) -> str:
    """The 9th character of a 组织机构代码 from its first 8."""
    total = sum(_org_value(c) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def uscc_problem(code: str) -> UsccProblem | None:
    """None when ``code`` is a valid 统一社会信用代码, else the first problem found."""
    if len(code) != 18:
        return UsccProblem.LENGTH
    if any(c not in USCC_ALPHABET for c in code):
        return UsccProblem.CHARS
    if uscc_check_char(code[:17]) != code[17]:
        return UsccProblem.CHECK
    org = code[8:17]
    if any(not (c.isdigit() or "A" <= c <= "Z") for c in org[:8]) or org_check_char(org[:8]) != org[8]:
        return UsccProblem.ORG_CHECK
    return None


def make_uscc(prefix2: str, region6: str, org8: str) -> str:
    """Build a checksum-valid code (for examples and tests) from its parts."""
    org = org8 + org_check_char(org8)
    first17 = prefix2 + region6 + org
    return first17 + uscc_check_char(first17)


# 文号: 机关代字〔YYYY〕N号 with 〔〕 (U+3014/U+3015), no 第, no zero padding (DOMAIN.md §3).
WENHAO = re.compile(r"^[^〔〕\[\]【】]+〔\d{4}〕[1-9]\d*号$")


_WRONG_BRACKETS = re.compile(r"^([^〔〕\[\]【】]+)(?:\[|【|〔)(\d{4})(?:\]|】|〕)(.*)$")


def normalise_wenhao(text: str) -> tuple[str, bool]:
    """``鲁工信发[2020]5号`` → (``鲁工信发〔2020〕5号``, True); a correct one → (it, False).

    Raises ValueError when the text is not a 文号 even after the brackets are corrected.
    """
    text = text.strip()
    if WENHAO.match(text):
        return text, False
    m = _WRONG_BRACKETS.match(text)
    if m:
        fixed = f"{m.group(1)}〔{m.group(2)}〕{m.group(3)}"
        if WENHAO.match(fixed):
            return fixed, True
    raise ValueError(text)
