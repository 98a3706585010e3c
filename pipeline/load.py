"""Read a cluster's input file into plain data, remembering where every value came from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import DataInvalid, Location, Problem, UsageError

Path_ = tuple[str | int, ...]

CLUSTER_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass
class RawInput:
    """The data of one input file and the location of each value by its path."""

    cluster_id: str
    file: Path
    data: dict[str, Any]
    locations: dict[Path_, Location] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # found while reading (a workbook's cells)

    def where(self, path: Path_) -> Location:
        """The location of ``path``, or of its nearest parent that has one."""
        p = tuple(path)
        while p:
            if p in self.locations:
                return self.locations[p]
            p = p[:-1]
        return Location(str(self.file))


def check_cluster_id(cluster_id: str) -> str:
    """Refuse ids that are not lowercase ASCII slugs (they become folder names)."""
    if not CLUSTER_ID.match(cluster_id) or len(cluster_id) > 64:
        raise UsageError(
            f"集群编号 {cluster_id!r} 不合规：只能用小写英文字母、数字和连字符，如 qinglan-agrimachinery "
            "(cluster id must be a lowercase ASCII slug: a-z, 0-9 and '-'; no slashes, '..' or spaces)",
            code="E-USAGE-CLUSTER-ID",
        )
    return cluster_id


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


# More values than any cluster file holds: a file of aliases referring to aliases (the "billion
# laughs") expands without end, and is refused before it does.
MAX_VALUES = 100_000


class _TooLarge(Exception):
    """The data expands to more than MAX_VALUES values (raised at the node where it did)."""

    def __init__(self, line: int) -> None:
        self.line = line


class _Builder:
    def __init__(self, file: Path, rel: str) -> None:
        self.file = file
        self.rel = rel
        self.locations: dict[Path_, Location] = {}
        self.problems: list[Problem] = []
        self._scalar = yaml.SafeLoader("")  # a constructor for scalars with YAML's safe rules

    def scalar(self, node: yaml.Node) -> Any:
        """The value YAML's safe rules give; the text as written when they cannot (2024-02-30 is no date)."""
        try:
            return self._scalar.construct_object(node, deep=True)
        except (ValueError, OverflowError):  # the model then says what is wrong with it, and where
            return node.value

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.locations[path] = Location(self.rel, line=node.start_mark.line + 1)
        if len(self.locations) > MAX_VALUES:
            raise _TooLarge(node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = str(self.scalar(key_node))
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
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.scalar(node)


def load_yaml(file: Path, cluster_id: str, root: Path | None = None) -> RawInput:
    """Parse ``file`` and return its data with a location for each value."""
    rel = str(file.relative_to(root)) if root and file.is_relative_to(root) else str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataInvalid(
            cluster_id,
            [Problem("E-FILE-ENCODING", f"文件不是 UTF-8 编码 (file is not UTF-8): {exc}", location=Location(rel))],
        ) from None
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise DataInvalid(
            cluster_id,
            [
                Problem(
                    "E-YAML-SYNTAX",
                    f"YAML 格式错误 (YAML syntax error): {exc.problem}",
                    location=Location(rel, line=line),
                )
            ],
        ) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, such as a raw control byte
        # libyaml counts the position in UTF-8 bytes, PyYAML in characters: find the character instead.
        at = text.find(chr(exc.character)) if isinstance(exc.character, int) else -1
        line = text.count("\n", 0, at if at >= 0 else exc.position) + 1
        raise DataInvalid(
            cluster_id,
            [
                Problem(
                    "E-TEXT-CONTROL-CHAR",
                    f"第{line}行有 YAML 不允许的字符 U+{exc.character:04X}（控制字符，多由复制粘贴带入），请删除 "
                    "(a character YAML does not allow)",
                    location=Location(rel, line=line),
                )
            ],
        ) from None
    if node is None or not isinstance(node, yaml.MappingNode):
        raise DataInvalid(
            cluster_id,
            [
                Problem(
                    "E-YAML-ROOT", "文件应是一个键值映射 (the file must be a mapping of keys)", location=Location(rel)
                )
            ],
        )
    builder = _Builder(file, rel)
    try:
        data = builder.build(node, ())
    except _TooLarge as exc:
        raise DataInvalid(
            cluster_id,
            [
                Problem(
                    "E-YAML-TOO-LARGE",
                    f"数据展开后超过 {MAX_VALUES} 项（别名 & 和 * 层层引用？），不予读取 (the data expands to too many values)",
                    location=Location(rel, line=exc.line),
                )
            ],
        ) from None
    if builder.problems:
        raise DataInvalid(cluster_id, builder.problems)
    return RawInput(cluster_id=cluster_id, file=file, data=data, locations=builder.locations)


def input_file(inputs: Path, cluster_id: str) -> Path:
    """The cluster's one input file: ``cluster.yaml`` or ``cluster.xlsx`` (both at once is refused)."""
    folder = cluster_dir(inputs, cluster_id)
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


def load_cluster(inputs: Path, cluster_id: str) -> RawInput:
    """Find and read the input file of a cluster, YAML or Excel."""
    file = input_file(inputs, cluster_id)
    if file.suffix == ".xlsx":
        from .workbook_read import read

        return read(file, cluster_id, root=inputs.parent)
    return load_yaml(file, cluster_id, root=inputs.parent)
