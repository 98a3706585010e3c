"""The fields a programme's templates can show, each with its Chinese labels: what ``form adopt`` matches a form's labels against.

A field is a context path as templates write it (``cluster.name``; a list's items as
``enterprises[].name``). Which paths exist, and whether each is a value, a list of records or a list
of texts, is read from the programme's own templates (their Jinja). Its labels are the Chinese
``title`` of the model field it shows (``pipeline/model.py``, ``pipeline/schemas/``) and the
synonyms in ``templates/common/labels.yaml`` (data a clerk can extend)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin

import yaml
from docxtpl import DocxTemplate
from jinja2 import nodes
from pydantic import BaseModel

from pipeline.core.inherit import plain_copy
from pipeline.core.programme import Programme
from pipeline.errors import TemplateProblem
from pipeline.kits.jinja import check_template, jinja_env

LABELS_FILE = "labels.yaml"  # in templates/common/


SCALAR, RECORDS, TEXTS = "scalar", "records", "texts"


ITEM_WORDS = ("名称", "类别", "级别", "年份", "日期", "类型")


_NUMBERING = re.compile(
    r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\(\d+\)|（\d+）|\d+[.、．]|附表[:：]?)\s*"
)


_SPACE = re.compile(r"\s+")


def normalise(label: str) -> str:
    """A label as compared: full-width forms folded, no spaces, no numbering, no colon at the end."""
    text = unicodedata.normalize("NFKC", label)
    text = text.replace("(", "（").replace(")", "）").replace(":", "：")
    text = _SPACE.sub("", text)
    text = _NUMBERING.sub("", text)
    return text.rstrip("：").strip('“”"')


def bare(label: str) -> str:
    """A label without its remarks in brackets: 营业收入（万元） → 营业收入."""
    return re.sub(r"（[^（）]*）", "", normalise(label))


@dataclass(frozen=True)
class FieldInfo:
    """One path a template can show, and the labels that name it."""

    path: str  # cluster.name; enterprises[].name; profile.sections
    kind: str  # scalar | records (a list of records) | texts (a list of paragraphs)
    labels: tuple[str, ...]
    items: tuple[str, ...] = ()  # for a list: the item paths (enterprises[].name …)

    @property
    def shape(self) -> str:
        """A list of sections: records of a heading and paragraphs (a long text with its own headings)."""
        names = {i.rsplit(".", 1)[-1] for i in self.items}
        return "sections" if self.kind == RECORDS and {"heading", "paragraphs"} <= names else self.kind


@dataclass
class Vocabulary:
    """Every field of a programme with its labels, and the lookup from a label to fields."""

    fields: dict[str, FieldInfo]
    ignore: tuple[str, ...] = ()  # labels that are never fields (山东省工业和信息化厅：, 注：)
    by_hand: tuple[str, ...] = ()  # marks of a blank left for the pen: （签字）
    index: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for f in self.fields.values():
            for label in f.labels:
                for key in {normalise(label), bare(label)}:
                    if key and f.path not in self.index.setdefault(key, []):
                        self.index[key].append(f.path)

    def lookup(self, label: str, within: str | None = None) -> list[str]:
        """The paths a label names: among a list's items (``within``: enterprises) or among values; exact first."""
        found: list[str] = []
        for key in (normalise(label), bare(label)):
            found = [p for p in self.index.get(key, []) if _scope(p) == within]
            if found:
                break
        return found

    def ignored(self, label: str) -> bool:
        return bare(label) in self.ignore or normalise(label) in self.ignore


def _scope(path: str) -> str | None:
    """The list a path is an item field of (enterprises for enterprises[].name); None for a value."""
    return path.rsplit("[]", 1)[0] if "[]." in path or path.endswith("[]") else None


_PATHS: dict[bytes, dict[str, str]] = {}  # a template's digest → its paths: each text is parsed once per run
_LABELS: dict[bytes, Any] = {}  # labels.yaml's digest → its data
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def template_paths(template: Path) -> dict[str, str]:
    """The context paths a .docx template uses: path → scalar, or list (the iterable of a for loop)."""
    check_template(template)  # own, inherited or just adopted: inspected like every template docxtpl opens
    key = hashlib.blake2b(template.read_bytes(), digest_size=16).digest()
    if key not in _PATHS:
        if len(_PATHS) > 256:  # a long-lived app that sees many adopted forms
            _PATHS.clear()
        _PATHS[key] = _template_paths(template)
    return dict(_PATHS[key])


def _template_paths(template: Path) -> dict[str, str]:
    doc = DocxTemplate(str(template))
    doc.init_docx()
    source = doc.patch_xml(doc.get_xml())
    out: dict[str, str] = {}

    def path_of(node: nodes.Node, scope: dict[str, str]) -> str | None:
        if isinstance(node, nodes.Name):
            return scope.get(node.name, node.name)
        if isinstance(node, nodes.Getattr):
            base = path_of(node.node, scope)
            return f"{base}.{node.attr}" if base else None
        return None

    def visit(node: nodes.Node, scope: dict[str, str]) -> None:
        if isinstance(node, nodes.For):
            it = path_of(node.iter, scope)
            if it:
                out[it] = "list"
            visit(node.iter, scope)
            inner = dict(scope)
            if isinstance(node.target, nodes.Name) and it:
                inner[node.target.name] = f"{it}[]"
            for child in node.body:
                visit(child, inner)
            for child in node.else_:
                visit(child, scope)
            return
        if isinstance(node, (nodes.Name, nodes.Getattr)):
            p = path_of(node, scope)
            if p:
                out.setdefault(p, SCALAR)
                return
        for child in node.iter_child_nodes():
            visit(child, scope)

    visit(jinja_env().parse(source), {})
    return out


def _model_titles(model: type[BaseModel], prefix: str = "") -> dict[str, str]:
    """Every field of a model by dotted path (a list's items under ``[]``), with its Chinese title."""
    out: dict[str, str] = {}
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        if info.title:
            out[path] = info.title
        for sub, is_list in _models_in(info.annotation):
            out.update(_model_titles(sub, f"{path}[]." if is_list else f"{path}."))
    return out


def _models_in(annotation: Any, is_list: bool = False) -> Iterable[tuple[type[BaseModel], bool]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation, is_list
        return
    origin = get_origin(annotation)
    listed = is_list or origin in (list, tuple)
    if origin in (list, tuple, Union, UnionType) or origin is not None:
        for arg in get_args(annotation):
            yield from _models_in(arg, listed)


def load_labels(templates: Path) -> dict[str, Any]:
    """``templates/common/labels.yaml``: contexts, synonyms, ignore, by_hand."""
    file = templates / "common" / LABELS_FILE
    try:
        raw = file.read_bytes()
        key = hashlib.blake2b(raw, digest_size=16).digest()
        if key not in _LABELS:
            _LABELS.clear()  # one labels file at a time is what a run reads
            _LABELS[key] = yaml.load(raw.decode("utf-8"), Loader=_LOADER)  # noqa: S506 (a safe loader)
        data: Any = plain_copy(_LABELS[key])
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TemplateProblem(f"{file} 有误 (labels file is invalid): {exc}", code="E-TEMPLATE-LABELS") from None
    return data if isinstance(data, dict) else {}


def vocabulary(programme: Programme, templates: Path, documents: Iterable[Path] = ()) -> Vocabulary:
    """The fields ``programme``'s templates show (and ``documents``' templates, where given), with their labels."""
    data = load_labels(templates)
    schema = programme.data_schema.name
    used: dict[str, str] = {}
    for name in programme.template_names():
        used.update(template_paths(programme.template(name)))
    for extra in documents:
        used.update(template_paths(extra))
    synonyms: dict[str, list[str]] = {}
    for section in ("common", schema):
        for path, words in ((data.get("synonyms") or {}).get(section) or {}).items():
            synonyms.setdefault(path, []).extend(words if isinstance(words, list) else [words])
            used.setdefault(path, SCALAR)
    generic = (data.get("synonyms") or {}).get("items") or {}  # item fields any list may have: no → 序号
    contexts = {v: k for k, v in ((data.get("contexts") or {}).get(schema) or {}).items()}  # context → model
    titles = _model_titles(programme.data_schema.model)

    def model_path(path: str) -> str:
        head, _, rest = path.partition(".")
        head_name = head.removesuffix("[]")
        mapped = contexts.get(head_name, head_name) + ("[]" if head.endswith("[]") else "")
        return f"{mapped}.{rest}" if rest else mapped

    fields: dict[str, FieldInfo] = {}
    for path, kind in used.items():
        items = tuple(sorted(p for p in used if _scope(p) == path and p != f"{path}[]"))
        if kind == "list":
            kind = TEXTS if f"{path}[]" in used and not items else RECORDS
        labels = list(synonyms.get(path, []))
        mp = model_path(path)
        if mp in titles:
            labels.append(titles[mp])
        parent = mp.rsplit(".", 1)[0] if "." in mp else ""
        if kind != SCALAR and parent in titles and parent not in used:
            labels.append(titles[parent])  # profile.sections: the 发展情况简介 they make up
        leaf = path.rsplit(".", 1)[-1]
        if _scope(path) is not None:
            labels.extend(generic.get(leaf, []))
            # within a list, 平台类别 is headed 类别, 认定年份 年份: the title's last word names it too
            labels.extend(w for t in list(labels) for w in ITEM_WORDS if bare(t).endswith(w) and bare(t) != w)
        fields[path] = FieldInfo(path, kind, tuple(dict.fromkeys(labels)), items)
    return Vocabulary(
        fields,
        tuple(normalise(x) for x in data.get("ignore") or []),
        tuple(data.get("by_hand") or []),
    )
