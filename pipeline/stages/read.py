"""Read a cluster's input file (YAML or the Excel workbook) into raw data with locations."""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path
from typing import Any

import yaml

from pipeline.core import limits
from pipeline.core.raw import CLUSTER_ID, Path_, RawInput, check_cluster_id
from pipeline.core.written import WrittenFloat, WrittenInt
from pipeline.errors import DataInvalid, Location, Problem, UsageError


def cluster_dir(inputs: Path, cluster_id: str) -> Path:
    """The input folder of a cluster, after checking the id."""
    folder = inputs / check_cluster_id(cluster_id)
    if not folder.is_dir():
        known = (
            sorted(p.name for p in inputs.iterdir() if p.is_dir() and CLUSTER_ID.match(p.name))
            if inputs.is_dir()
            else []
        )
        hint = f"；已有：{', '.join(known)}" if known else ""
        raise UsageError(
            f"找不到集群 {cluster_id} 的输入目录 {folder}{hint} (no input folder for cluster {cluster_id})",
            code="E-USAGE-NO-CLUSTER",
        )
    return folder


# libyaml's parser when PyYAML was built with it (the wheels are): the same nodes and marks, ~10× faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# A file of aliases referring to aliases (the "billion laughs") expands without end: refused at
# limits.VALUES values. The code is older than limits.py and stays as it was.
MAX_VALUES = limits.VALUES.default


_CORE = "tag:yaml.org,2002:"


# What a data file may hold: YAML's core types. Anything else (!!python/…, !!binary, !!set, a
# local !tag, the << merge key) is refused with its line: nothing here constructs an object.
_SCALAR_TAGS = frozenset(_CORE + t for t in ("null", "bool", "int", "float", "str", "timestamp"))


_MAP, _SEQ, _STR = _CORE + "map", _CORE + "seq", _CORE + "str"


def _as_written(value: Any, node: yaml.Node) -> Any:
    """A bare number keeps the text it was written as (a postcode, a phone): the field takes the one it wants."""
    if not isinstance(node, yaml.ScalarNode) or node.style:
        return value
    if type(value) is int:
        return WrittenInt(value, node.value)
    if type(value) is float and math.isfinite(value):
        return WrittenFloat(value, node.value)
    return value


class _TooLarge(Exception):
    """The data expands to more than the VALUES limit (raised at the node where it did)."""

    def __init__(self, line: int) -> None:
        self.line = line


def _shown_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_CORE) if tag.startswith(_CORE) else tag


class _Builder:
    def __init__(self, file: Path, rel: str) -> None:
        self.file = file
        self.rel = rel
        self.locations: dict[Path_, Location] = {}
        self.problems: list[Problem] = []
        self._scalar = yaml.SafeLoader("")  # a constructor for scalars with YAML's safe rules
        self.max_values, self.max_depth, self.max_rows = limits.VALUES(), limits.DEPTH(), limits.ROWS()
        self.max_chars, self.max_text = limits.FIELD_CHARS(), limits.TEXT_CHARS()
        self.text = 0  # characters of text so far

    def problem(self, code: str, message: str, node: yaml.Node, path: Path_) -> None:
        self.problems.append(
            Problem(
                code,
                message,
                field=".".join(str(p) for p in path),
                location=Location(self.rel, line=node.start_mark.line + 1),
            )
        )

    def _explicit(self, node: yaml.ScalarNode) -> bool:
        """Whether the node's tag was written (``!!bool maybe``) rather than resolved from its text."""
        implicit = self._scalar.resolve(yaml.ScalarNode, node.value, (True, False)) if not node.style else _STR
        return node.tag != implicit

    def scalar(self, node: yaml.Node, path: Path_) -> Any:
        """The value YAML's safe rules give; the text as written when they cannot (2024-02-30 is no date)."""
        if node.tag not in _SCALAR_TAGS:
            self._refuse_tag(node, path)
            return None
        try:
            # a string is its text (what YAML's constructor would return, without its bookkeeping)
            str_node = node.tag == _STR and isinstance(node, yaml.ScalarNode)
            value = node.value if str_node else self._scalar.construct_object(node, deep=True)
        except Exception:  # noqa: BLE001 - PyYAML raises ValueError, KeyError or AttributeError here
            if isinstance(node, yaml.ScalarNode) and self._explicit(node):
                self.problem(
                    "E-YAML-TAG-VALUE",
                    f"{node.value!r} 不是 {_shown_tag(node.tag)} 类型的值；请删去标签 {_shown_tag(node.tag)} 或改正取值 "
                    "(the value does not fit its YAML tag)",
                    node,
                    path,
                )
                return None
            return node.value  # the model then says what is wrong with it, and where
        if isinstance(value, str):
            self._count_text(value, node, path)
        return _as_written(value, node)

    def _refuse_tag(self, node: yaml.Node, path: Path_) -> None:
        if node.tag == _CORE + "merge":
            message = "不支持 YAML 合并键 <<，请把各项直接写出 (the YAML merge key << is not supported)"
        else:
            message = (
                f"YAML 标签 {_shown_tag(node.tag)} 不允许：数据文件只能写文字、数字、日期、是/否、列表和键值 "
                "(YAML tags other than the core types are refused)"
            )
        self.problem("E-YAML-TAG", message, node, path)

    def _count_text(self, value: str, node: yaml.Node, path: Path_) -> None:
        if len(value) > self.max_chars:
            self.problem(*limits.text_over(len(value)), node, path)
        before, self.text = self.text, self.text + len(value)
        if before <= self.max_text < self.text:
            self.problem(*limits.texts_over(), node, path)

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.locations[path] = Location(self.rel, line=node.start_mark.line + 1)
        if len(self.locations) > self.max_values:
            raise _TooLarge(node.start_mark.line + 1)
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            if node.tag not in (_MAP, _SEQ):
                self._refuse_tag(node, path)
                return None
            if len(path) >= self.max_depth:
                self.problem(
                    "E-LIMIT-DEPTH",
                    f"数据嵌套超过 {self.max_depth} 层 (nested deeper than the limit of {limits.DEPTH.env})",
                    node,
                    path,
                )
                return None
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = str(self.scalar(key_node, path))
                if key in out:
                    self.problems.append(
                        Problem(
                            "E-YAML-DUPLICATE-KEY",
                            f"键 {key} 重复出现，后一个会覆盖前一个 (duplicate key)",
                            field=".".join(str(p) for p in (*path, key)),
                            location=Location(self.rel, line=key_node.start_mark.line + 1),
                        )
                    )
                out[key] = self.build(value_node, (*path, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            items = node.value
            if len(items) > self.max_rows:
                self.problem(*limits.rows_over(self.max_rows), items[self.max_rows], (*path, self.max_rows))
                items = items[: self.max_rows]
            return [self.build(item, (*path, i)) for i, item in enumerate(items)]
        return self.scalar(node, path)


def read_text(file: Path, cluster_id: str, rel: str) -> str:
    """The text of a data file, refused (with a code) when it is too large or not UTF-8."""
    limit = limits.INPUT_BYTES()
    with file.open("rb") as fh:  # read at most one byte more than allowed, whatever the file claims
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise DataInvalid(
            cluster_id,
            [
                Problem(
                    "E-LIMIT-INPUT-SIZE",
                    f"数据文件超过 {limits.INPUT_BYTES.shown()} 的上限，不予读取 (input file over the limit of "
                    f"{limits.INPUT_BYTES.env})",
                    location=Location(rel),
                )
            ],
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataInvalid(
            cluster_id,
            [
                Problem(
                    "E-FILE-ENCODING",
                    f"文件不是 UTF-8 编码 (file is not UTF-8): {exc}",
                    location=Location(rel, line=data.count(b"\n", 0, exc.start) + 1),
                )
            ],
        ) from None


def load_yaml(file: Path, cluster_id: str, root: Path | None = None) -> RawInput:
    """Parse ``file`` and return its data with a location for each value."""
    rel = str(file.relative_to(root)) if root and file.is_relative_to(root) else str(file)
    text = read_text(file, cluster_id, rel)
    # first the nodes (syntax, characters, a mapping at the root), then the values with their lines
    node = _compose(text, cluster_id, rel)
    builder = _Builder(file, rel)
    data = _build(builder, node, cluster_id)
    return RawInput(cluster_id=cluster_id, file=file, data=data, locations=builder.locations)


def _refused(cluster_id: str, code: str, message: str, location: Location) -> DataInvalid:
    """The error for a file refused as a whole: one problem, at one place."""
    return DataInvalid(cluster_id, [Problem(code, message, location=location)])


def _compose(text: str, cluster_id: str, rel: str) -> yaml.MappingNode:
    """The YAML node tree of ``text``, whose root must be a mapping."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise _refused(
            cluster_id,
            "E-YAML-SYNTAX",
            f"YAML 格式错误 (YAML syntax error): {exc.problem}",
            Location(rel, line=line),
        ) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, such as a raw control byte
        # libyaml counts the position in UTF-8 bytes, PyYAML in characters: find the character instead.
        at = text.find(chr(exc.character)) if isinstance(exc.character, int) else -1
        line = text.count("\n", 0, at if at >= 0 else exc.position) + 1
        raise _refused(
            cluster_id,
            "E-TEXT-CONTROL-CHAR",
            f"第{line}行有 YAML 不允许的字符 U+{exc.character:04X}（控制字符，多由复制粘贴带入），请删除 "
            "(a character YAML does not allow)",
            Location(rel, line=line),
        ) from None
    except yaml.YAMLError as exc:  # anything else the parser refuses: still the file's fault, not ours
        raise _refused(
            cluster_id, "E-YAML-SYNTAX", f"YAML 格式错误 (YAML syntax error): {exc}", Location(rel)
        ) from None
    if node is None or not isinstance(node, yaml.MappingNode):
        raise _refused(cluster_id, "E-YAML-ROOT", _NOT_A_MAPPING, Location(rel))
    return node


_NOT_A_MAPPING = "文件应是一个键值映射 (the file must be a mapping of keys)"


def _build(builder: _Builder, node: yaml.MappingNode, cluster_id: str) -> dict[str, Any]:
    """The data of the node tree; every problem the builder found is raised at once."""
    try:
        data = builder.build(node, ())
    except _TooLarge as exc:
        raise _refused(
            cluster_id,
            "E-YAML-TOO-LARGE",
            f"数据展开后超过 {builder.max_values} 项（别名 & 和 * 层层引用？），不予读取 (the data expands to "
            f"too many values: {limits.VALUES.env})",
            Location(builder.rel, line=exc.line),
        ) from None
    if builder.problems:
        raise DataInvalid(cluster_id, builder.problems)
    if not isinstance(data, dict):  # a root mapping with a refused tag
        raise _refused(cluster_id, "E-YAML-ROOT", _NOT_A_MAPPING, Location(builder.rel))
    return data


YEAR_FOLDER = re.compile(r"^(19|20)\d\d$")


def years_of(inputs: Path, cluster_id: str) -> list[int]:
    """The years a cluster keeps data for (``inputs/<cluster>/<year>/``), oldest first."""
    folder = cluster_dir(inputs, cluster_id)
    return sorted(int(p.name) for p in folder.iterdir() if p.is_dir() and YEAR_FOLDER.match(p.name))


def year_dir(inputs: Path, cluster_id: str, year: int) -> Path:
    """The folder of one year's data, after checking there is one."""
    folder = cluster_dir(inputs, cluster_id) / str(year)
    if not folder.is_dir():
        known = "、".join(str(y) for y in years_of(inputs, cluster_id)) or "无"
        raise UsageError(
            f"集群 {cluster_id} 没有 {year} 年的数据目录 {folder}（已有年度：{known}）；可用 clusterpack init {cluster_id} "
            f"--from-year <上一年> 从上一年的数据开始 (no data folder for that year)",
            code="E-USAGE-NO-YEAR",
        )
    return folder


def input_file(inputs: Path, cluster_id: str, year: int | None = None) -> Path:
    """The cluster's one input file: ``cluster.yaml`` or ``cluster.xlsx`` (both at once is refused);
    with ``year``, the one in that year's folder."""
    folder = cluster_dir(inputs, cluster_id) if year is None else year_dir(inputs, cluster_id, year)
    found = [folder / name for name in ("cluster.yaml", "cluster.xlsx") if (folder / name).is_file()]
    if not found:
        raise UsageError(
            f"集群 {cluster_id} 缺少输入文件：{folder}/cluster.yaml 或 cluster.xlsx (missing input)",
            code="E-USAGE-NO-INPUT",
        )
    if len(found) > 1:
        raise UsageError(
            f"集群 {cluster_id} 同时有 cluster.yaml 和 cluster.xlsx，不知道以哪个为准；请删除或移走其中一个 "
            "(both input forms present: keep one)",
            code="E-USAGE-TWO-INPUTS",
        )
    return found[0]


def load_cluster(inputs: Path, cluster_id: str, year: int | None = None) -> RawInput:
    """Find and read the input file of a cluster, YAML or Excel (with ``year``: that year's)."""
    file = input_file(inputs, cluster_id, year)
    if file.suffix == ".xlsx":
        from pipeline.forms.workbook_read import read

        raw = read(file, cluster_id, root=inputs.parent)
    else:
        raw = load_yaml(file, cluster_id, root=inputs.parent)
    return dataclasses.replace(raw, year=year) if year is not None else raw


def load_series(inputs: Path, cluster_id: str, year: int, earlier: int) -> RawInput:
    """One year's data with up to ``earlier`` years before it that have a folder, under ``years``.

    Each earlier year keeps the locations of its own file, so a problem in last year's data is
    reported at its own line."""
    raw = load_cluster(inputs, cluster_id, year)
    before = [y for y in years_of(inputs, cluster_id) if year - earlier <= y < year]
    data, locations, sources = dict(raw.data), dict(raw.locations), []
    if before and "years" not in data:
        data["years"] = {}
    for y in before:
        other = load_cluster(inputs, cluster_id, y)
        data["years"][y] = other.data
        locations.update({("years", y, *path): where for path, where in other.locations.items()})
        locations[("years", y)] = Location(str(other.file.relative_to(inputs.parent)))
        sources.append(other.file)
    return dataclasses.replace(raw, data=data, locations=locations, sources=tuple(sources))
