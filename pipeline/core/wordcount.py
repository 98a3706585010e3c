"""Word-compatible character counts (字数) for Chinese documents.

Word's 字数 rule (``../shared/DOMAIN.md`` §3): every CJK ideograph, kana, Hangul syllable and
full-width punctuation mark counts 1; every run of other non-space characters counts 1 (so ``2024``,
``546.63`` and ``Hello,`` are one word each); whitespace counts 0."""

from __future__ import annotations

import functools
from dataclasses import dataclass

__all__ = ["Count", "count", "is_wide"]


# Ranges whose characters Word counts one by one (East Asian "wide" characters).
_WIDE_RANGES: tuple[tuple[int, int], ...] = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x2E80, 0x2FDF),  # CJK radicals, Kangxi radicals
    (0x2FF0, 0x2FFF),  # ideographic description characters
    (0x3000, 0x303F),  # CJK symbols and punctuation (、。〈〉《》「」『』【】〔〕…)
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x312F),  # Bopomofo
    (0x3130, 0x318F),  # Hangul compatibility Jamo
    (0x3190, 0x31FF),  # Kanbun, Bopomofo ext., CJK strokes, Katakana ext.
    (0x3200, 0x33FF),  # enclosed CJK letters, CJK compatibility
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA960, 0xA97F),  # Hangul Jamo extended-A
    (0xAC00, 0xD7FF),  # Hangul syllables, Jamo extended-B
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # half-width and full-width forms (，：；！？（）０-９)
    (0x20000, 0x3FFFF),  # CJK extensions B and later
)


# Punctuation outside those blocks that Chinese text uses as full-width marks and Word counts
# as East Asian characters: curly quotes “”‘’, the em dash —, the ellipsis …, the middle dot ·.
_WIDE_EXTRA = frozenset("“”‘’—…·")


@functools.cache
def is_wide(ch: str) -> bool:
    """True when Word counts ``ch`` as one 字 on its own."""
    if ch in _WIDE_EXTRA:
        return True
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _WIDE_RANGES)


@dataclass(frozen=True)
class Count:
    """Both counts a reviewer may use."""

    words: int  # Word's 字数
    chars_no_spaces: int  # 字符数（不计空格）

    def as_dict(self) -> dict[str, int]:
        return {"words": self.words, "chars_no_spaces": self.chars_no_spaces}


def count(text: str) -> Count:
    """Count ``text`` as Word's 字数 and as characters without spaces."""
    words = 0
    chars = 0
    in_run = False
    for ch in text:
        if ch.isspace():
            in_run = False
            continue
        chars += 1
        if is_wide(ch):
            words += 1
            in_run = False
        elif not in_run:
            words += 1
            in_run = True
    return Count(words=words, chars_no_spaces=chars)
