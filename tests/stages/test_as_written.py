"""What a person writes is accepted: 是/否, categories by their Chinese title, numbers where text is
expected, amounts in another unit (converted, and said); only what cannot be known is refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import fastyaml
import pytest
from click.testing import CliRunner
from conftest import EXAMPLE, ROOT, paths_of, write_cluster

from pipeline.cli import main
from pipeline.errors import DataInvalid
from pipeline.stages import check as checking


def _example_text() -> str:
    return (ROOT / "inputs" / EXAMPLE / "cluster.yaml").read_text(encoding="utf-8")


def _as_a_person_writes(text: str) -> str:
    """The example as someone who knows no YAML types would write it."""
    swaps = {
        'postcode: "262500"': "postcode: 262500",  # an unquoted postcode
        "  rd_expense: 5.86亿元\n": "  rd_expense: 58600万元\n",  # 万元 in a 亿元 field
        "    category: brands\n    file: 沃丰": "    category: 名牌产品、驰（著）名商标、产业荣誉称号和媒体宣传报道材料\n    file: 沃丰",
        "    category: platforms\n": "    category: 各类创新研发中心、公共服务平台、服务体系建设材料\n",
        "    category: informatisation\n": "    category: Informatisation\n",  # an id in another case
        "    sensitive: true\n": "    sensitive: 是\n",
        'current: "62", target: "75"': "current: 62, target: 75.0",  # numbers where the table wants text
    }
    for old, new in swaps.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def test_a_yaml_as_a_person_writes_it_validates_clean_with_the_conversion_said(root: Path) -> None:
    write_cluster(root, "person", _as_a_person_writes(_example_text()))
    case = checking.check("person", paths_of(root))
    data = case.data
    assert data.applicant.postcode == "262500"
    assert data.indicators.rd_expense == 58600  # 万元, the canonical unit: 5.86亿元
    assert [a.category for a in data.attachments][:4] == ["brands", "brands", "platforms", "informatisation"]
    assert data.attachments[-1].sensitive is True
    assert [(t.current, t.target) for t in data.plan.targets if t.indicator == "零部件本地配套率"] == [("62", "75.0")]
    (notice,) = [w for w in case.warnings if w.code == "N-MONEY-CONVERTED"]
    assert notice.field == "indicators.rd_expense" and notice.severity == "notice" and notice.location.line
    assert not [w for w in case.warnings if w.severity == "warning" and w.field.startswith("attachments")]


def test_validate_shows_the_conversion_with_its_code(root: Path) -> None:
    write_cluster(root, "person", _as_a_person_writes(_example_text()))
    r = CliRunner().invoke(main, ["validate", "person", "--root", str(root)])
    assert r.exit_code == 0, r.output
    assert "[N-MONEY-CONVERTED]" in r.output and "indicators.rd_expense" in r.output


def test_a_bare_number_in_an_amount_field_is_still_refused(root: Path) -> None:
    write_cluster(root, "bare", _example_text().replace("  rd_expense: 5.86亿元\n", "  rd_expense: 41500\n"))
    with pytest.raises(DataInvalid) as info:
        checking.check("bare", paths_of(root))
    (p,) = info.value.errors
    assert (p.code, p.field) == ("E-MONEY-UNIT-MISSING", "indicators.rd_expense")


@pytest.mark.parametrize("written", ["是", "否", "true", "False", "yes", "对"])
def test_yes_and_no_in_yaml(root: Path, written: str) -> None:
    text = _example_text().replace("    sensitive: true\n", f"    sensitive: {written}\n")
    write_cluster(root, "yn", text)
    data = checking.check("yn", paths_of(root)).data
    assert data.attachments[-1].sensitive is (written in ("是", "true", "yes", "对"))


def test_a_yes_or_no_that_is_neither_is_refused_saying_how_to_write_it(root: Path) -> None:
    write_cluster(root, "yn", _example_text().replace("    sensitive: true\n", "    sensitive: 也许\n"))
    with pytest.raises(DataInvalid) as info:
        checking.check("yn", paths_of(root))
    assert [(p.code, p.field) for p in info.value.errors] == [("E-BOOL", "attachments.5.sensitive")]


def test_an_unknown_category_is_refused_naming_the_choices(root: Path) -> None:
    write_cluster(root, "cat", _example_text().replace("    category: other\n", "    category: 其他\n", 1))
    with pytest.raises(DataInvalid) as info:
        checking.check("cat", paths_of(root))
    assert [(p.code, p.field) for p in info.value.errors] == [("E-ATTACHMENT-CATEGORY", "attachments.4.category")]


def test_a_digit_string_keeps_what_was_typed() -> None:
    from pipeline.core.fields import Applicant

    base = fastyaml.safe_load(_example_text())["applicant"]
    # what the YAML reader hands over for a bare number: the value and the text it was written as
    from pipeline.core.written import WrittenInt

    applicant = Applicant.model_validate({**base, "postcode": WrittenInt(262500, "262500"), "mobile": 13969108256})
    assert (applicant.postcode, applicant.mobile) == ("262500", "13969108256")
    with pytest.raises(ValueError, match="E-POSTCODE-FORMAT"):
        Applicant.model_validate({**base, "postcode": 2625})


def test_digital_yes_no_as_chinese(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    shutil.copytree(ROOT / "inputs" / "quanyue-software", tmp_path / "inputs" / "qy")
    f = tmp_path / "inputs" / "qy" / "cluster.yaml"
    text = f.read_text(encoding="utf-8")
    assert "  registered_in_china: true\n" in text
    f.write_text(text.replace("  registered_in_china: true\n", "  registered_in_china: 是\n"), encoding="utf-8")
    assert checking.check("qy", paths_of(tmp_path)).data.operator.registered_in_china is True
