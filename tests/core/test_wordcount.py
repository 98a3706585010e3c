"""字数 as Word counts it (DOMAIN.md §3), checked on its examples and on the notices (tests/fixtures/notices/)."""

from pathlib import Path

import pytest

from pipeline.core.wordcount import count

NOTICES = Path(__file__).resolve().parents[1] / "fixtures" / "notices"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Hello 世界", 3),
        ("2024年6月14日", 6),
        ("集群营业收入546.63亿元。", 10),
        ("鲁工信发〔2020〕5号", 9),
        ("“十大工程”", 6),
        ("", 0),
        ("   \t\n", 0),
        ("Hello,", 1),
        ("546.63", 1),
    ],
)
def test_domain_examples(text: str, words: int) -> None:
    assert count(text).words == words


def test_chars_without_spaces_is_never_below_words() -> None:
    c = count("Hello 世界 2024")
    assert (c.words, c.chars_no_spaces) == (4, 11)


def test_seed_paragraph_counted_by_hand() -> None:
    # 第十三条 of the 2020 measures. By hand: "第十三条" 4; "　" (U+3000) is white space, 0;
    # then every Han character and full-width mark counts 1, and "5" is one run of Latin:
    # 特色产业集群实行动态管理，(13) 有效期为 (4) 5 (1) 年。(2) 有效期满当年，(7)
    # 须按照申报条件和程序申请复核。(15) 有效期满未申请复核或经复核未达标的，(18) 取消其称号。(6)
    text = next(
        line
        for line in (NOTICES / "tese-apply-鲁工信发2020-5.txt").read_text(encoding="utf-8").splitlines()
        if line.startswith("第十三条")
    )
    assert count(text).words == 4 + 13 + 4 + 1 + 2 + 7 + 15 + 18 + 6


def test_seed_digital_quota_sentence() -> None:
    # From the 2024 notice; by hand: 济南市和青岛市最多推荐 (11) 3 (1) 个集群，(4)
    # 其他市最多推荐 (7) 2 (1) 个集群。(4)  — each ** is one Latin run (1 + 1).
    text = "**济南市和青岛市最多推荐3个集群，其他市最多推荐2个集群。**"
    assert count(text).words == 2 + 11 + 1 + 4 + 7 + 1 + 4
