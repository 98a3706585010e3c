"""The Case: one cluster read and checked for one programme, and the paths and results around it."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import version as pkg_version
from pathlib import Path
from typing import Any

from pipeline.core import rules
from pipeline.core.fields import Attachment
from pipeline.core.programme import Material, Programme
from pipeline.core.raw import RawInput
from pipeline.core.standing import Standing
from pipeline.errors import Location, Problem


@dataclass(frozen=True)
class Proof:
    """An attachment that passed the checks, numbered in the packet's order (佐证材料 3-2)."""

    item: Attachment
    material: Material
    number: str
    path: Path
    kind: str
    pages: list[int] | None  # 0-based page indices to take from a PDF, None = all
    cluster: str = ""  # the cluster id and where the entry is, for a refusal found when it is converted
    where: Location | None = None

    @property
    def label(self) -> str:
        return f"佐证材料 {self.number}"


def numbered(materials: list[Material], items: list[Attachment]) -> list[tuple[str, Attachment, Material]]:
    """Attachments numbered as the packet shows them (佐证材料 n-k): categories in the programme's
    order, counting only those that have proof, so the numbers run without gaps."""
    out: list[tuple[str, Attachment, Material]] = []
    n = 0
    for material in materials:
        mine = [a for a in items if a.category == material.id]
        if mine:
            n += 1
            out.extend((f"{n}-{k}", a, material) for k, a in enumerate(mine, start=1))
    return out


ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Paths:
    """Where inputs, templates and outputs live (the repository's folders by default)."""

    inputs: Path = ROOT / "inputs"
    templates: Path = ROOT / "templates"
    outputs: Path = ROOT / "outputs"


@dataclass(frozen=True)
class Case:
    """One cluster read and checked for one programme: what every later stage reads, and nothing else.

    Made once by ``stages.check`` (all of the cluster's problems found in that one pass); render,
    convert, assemble, the ``check`` command, the manifest, the city workflow and batches read it.
    """

    raw: RawInput
    programme: Programme
    data: Any  # the programme's schema model
    proofs: tuple[Proof, ...]
    signed: Mapping[str, Path]  # document id → its signed, sealed scan
    results: tuple[rules.Result, ...]
    warnings: tuple[Problem, ...]
    standing: Standing  # the programme on the day it was checked: validity, deadline, successors

    @property
    def cluster_id(self) -> str:
        return self.raw.cluster_id

    @property
    def today(self) -> dt.date:
        return self.standing.today

    @property
    def sensitive(self) -> list[Proof]:
        """The proofs that stay out of the packet and go separately."""
        return [p for p in self.proofs if p.item.sensitive]

    @property
    def passed(self) -> bool:
        return not any(r.blocking for r in self.results)

    def summary(self) -> dict[str, Any]:
        return rules.summary(list(self.results))

    def as_dict(self) -> dict[str, Any]:
        return {
            "cluster": self.cluster_id,
            "programme": self.programme.id,
            "summary": self.summary(),
            "results": [r.as_dict() for r in self.results],
            "warnings": [{"code": w.code, "field": w.field, "message": w.message} for w in self.warnings],
            "forms": {d.id: d.form for d in self.programme.documents},
        }

    def forms_note(self) -> str:
        """Which documents are on the notice's own form and which are our reconstruction."""
        reconstructed = [d.bookmark for d in self.programme.documents if d.form == "reconstructed"]
        if not reconstructed:
            return "文书格式：均为通知附件的格式 (every form is the notice's own)"
        return (
            f"文书格式：{'、'.join(reconstructed)}为依据通知整理的格式，非通知附件原件（通知附件未公开），"
            "报送前请以当年通知附件为准 (reconstructed forms)"
        )


@dataclass(frozen=True)
class BuildResult:
    """A packet built (or found up to date): where it is and what the CLI and the city need of it."""

    cluster_id: str
    programme: str
    folder: Path
    file: str  # the merged packet's file name
    pages: int
    draft: bool
    unmet: tuple[str, ...] = ()
    headline: str = ""  # what the programme's schema says of the data (the profile's 字数)
    case: Case | None = None  # None when the packet was up to date and skipped
    warnings: tuple[Problem, ...] = ()
    skipped: bool = False

    @property
    def pdf(self) -> Path:
        return self.folder / self.file

    def manifest(self) -> dict[str, Any]:
        """The packet's ``manifest.json``, read back (what a reviewer or a test inspects)."""
        return dict(json.loads((self.folder / "manifest.json").read_text(encoding="utf-8")))

    @property
    def docx(self) -> Path:
        return self.pdf.with_suffix(".docx")

    @classmethod
    def from_manifest(cls, folder: Path, manifest: dict[str, Any], **extra: Any) -> BuildResult:
        """A result read back from a packet's ``manifest.json``."""
        packet, checks = manifest["packet"], manifest["checks"]
        return cls(
            manifest["cluster"]["id"],
            manifest["programme"]["id"],
            folder,
            packet["file"],
            int(packet["pages"]),
            bool(checks["draft"]),
            tuple(checks["unmet"]),
            str(manifest.get("headline") or ""),
            **extra,
        )


@functools.cache  # asked by every packet's key and every .docx written: the package's metadata is read once
def tool_version() -> str:
    try:
        return pkg_version("clusterpack")
    except Exception:  # running from a checkout that is not installed
        return "0+unknown"


def build_date() -> dt.date:
    """The date printed on generated reports: SOURCE_DATE_EPOCH when set (reproducible builds), else today."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.date.today()
