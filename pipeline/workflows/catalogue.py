"""Every programme folder at once: the list, the validity of each on a date, what extends what, and new folders.

``clusterpack programmes`` lists them, ``programme show`` prints one resolved with the folder each
part comes from, ``programme new`` starts a folder that extends another. A build asks
:func:`standing` whether its date falls inside the programme's validity and before its deadline,
and :func:`successors` which valid programme extends an expired one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.core import inherit, scratch
from pipeline.core.programme import Programme
from pipeline.core.raw import CLUSTER_ID
from pipeline.core.standing import STATUS_WORDS
from pipeline.errors import ClusterpackError, TemplateProblem, UsageError, writing
from pipeline.stages.programmes import available, load_programme, standing


@dataclass
class Entry:
    """One line of ``clusterpack programmes``."""

    id: str
    title: str = ""
    notice: str = ""
    valid: str = ""
    status: str = ""
    extends: str = ""
    example: bool = False
    error: str = ""  # the folder does not load: why


def catalogue(templates: Path, today: dt.date) -> list[Entry]:
    """Every programme folder with its notice, validity on ``today`` and what it extends; a broken one says why."""
    out = []
    for pid in available(templates):
        try:
            p = load_programme(templates, pid)
        except ClusterpackError as exc:
            out.append(Entry(pid, error=f"[{exc.code}] {exc}"))
            continue
        v = p.valid
        out.append(
            Entry(
                pid,
                p.title,
                f"{p.notice.title}（{p.notice.number}）",
                f"{v.start} – {v.until or '长期'}",
                STATUS_WORDS[standing(p, today).status],
                p.extends or "",
                p.notice.example,
            )
        )
    return out


@dataclass
class Part:
    """One line of ``programme show``: a part of the resolved programme and the programme it comes from."""

    section: str
    key: str
    value: str
    source: str  # programme id
    changed: list[str] = field(default_factory=list)  # for a part the programme edits: the keys it set


def describe(templates: Path, programme: Programme) -> list[Part]:
    """The resolved programme, part by part, each with the programme (folder) it comes from."""
    # in the order programme.yaml reads: its head, the documents and their templates, the conditions, data, city
    return [
        *_head(programme),
        *_documents(templates, programme),
        *_conditions(programme),
        *_data_and_city(programme),
    ]


def _source(programme: Programme, part: str) -> str:
    """The programme a part comes from: the nearest part recorded at or above it, else all that set some of it."""
    o = programme.origins
    best = max((k for k in o if part == k or part.startswith(f"{k}.")), key=len, default="")
    if best:
        return o[best]
    # recorded below this part (city.letter.title, city.letter.status …): every programme that set some of it
    below = [o[k] for k in o if k.startswith(f"{part}.")]
    order = [programme.id, *programme.lineage]
    return " + ".join(sorted(set(below), key=lambda x: order.index(x) if x in order else len(order))) or programme.id


def _head(programme: Programme) -> list[Part]:
    n, v = programme.notice, programme.valid
    parts = [
        Part("programme", "title", programme.title, _source(programme, "title")),
        Part("programme", "schema", programme.schema_name, _source(programme, "schema")),
        Part("programme", "extends", " → ".join(programme.lineage) or "—", programme.id),
    ]
    for key in ("title", "number", "issuer", "date", "example"):
        parts.append(Part("notice", key, str(getattr(n, key)), _source(programme, f"notice.{key}")))
    parts.append(Part("valid", "from – until", f"{v.start} – {v.until or '长期'}", _source(programme, "valid")))
    for key in ("title", "bundle"):
        parts.append(Part("packet", key, str(getattr(programme.packet, key)), _source(programme, f"packet.{key}")))
    return parts


def _documents(templates: Path, programme: Programme) -> list[Part]:
    parts = [
        Part(
            "documents",
            d.id,
            f"{d.output} · form: {d.form}",
            _source(programme, f"documents.{d.id}"),
            _ch(programme, "documents", d.id),
        )
        for d in programme.documents
    ]
    for name in programme.template_names():
        folder = programme.template(name).parent
        parts.append(Part("templates", name, f"{folder.relative_to(templates.parent)}/{name}", folder.name))
    return parts


def _conditions(programme: Programme) -> list[Part]:
    """The rules, the relaxations and the proof categories (materials)."""
    parts = []
    for r in programme.rules:
        if r.any_of:
            what = " 或 ".join(f"{a.label}{a.op}{a.threshold}" for a in r.any_of)
        else:
            what = f"{r.op} {r.threshold}"
        parts.append(
            Part(
                "rules",
                r.id,
                f"{r.clause} {what} {r.unit}",
                _source(programme, f"rules.{r.id}"),
                _ch(programme, "rules", r.id),
            )
        )
    for x in programme.relaxations:
        src = _source(programme, f"relaxations.{x.id}")
        parts.append(Part("relaxations", x.id, x.clause, src, _ch(programme, "relaxations", x.id)))
    for m in programme.materials:
        parts.append(Part("materials", m.id, f"{m.clause} {m.title}", _source(programme, f"materials.{m.id}")))
    return parts


def _data_and_city(programme: Programme) -> list[Part]:
    parts = [Part("data", key, str(value), _source(programme, f"data.{key}")) for key, value in programme.data.items()]
    if programme.city is not None:
        c = programme.city
        quota = f"{c.quota.default}（{c.quota.cities}）" if c.quota else "—"
        for key, value in (
            ("deadline", str(c.deadline or "—")),
            ("quota", quota),
            ("letter", "；".join(c.letter.title)),
            ("submission", c.submission.channel),
            ("summary_columns", "、".join(col.title for col in c.summary_columns)),
        ):
            src = _source(programme, f"city.{key}")
            parts.append(Part("city", key, value, src, programme.changes.get(f"city.{key}", [])))
    return parts


def _ch(programme: Programme, section: str, item: str) -> list[str]:
    return programme.changes.get(f"{section}.{item}", [])


SCAFFOLD = """\
# {new_id}: {title_hint}
# This programme EXTENDS {source}: everything not written here is {source}'s ({source_notice}).
# Write only what the new notice changes; `clusterpack programme show {new_id}` prints the result
# and the folder each part comes from. The merge rules are in pipeline/inherit.py (and the README).
id: {new_id}
extends: {source}
# title: {title}

# The new notice: its title, 文号 (〔〕 brackets) and date. Keys not given keep {source}'s.
notice:
  title: {notice_title}   # TODO: the new notice's title
  number: {notice_number}   # TODO: the new 文号, e.g. 鲁工信发〔2027〕1号
  date: {notice_date}   # TODO: the new notice's date
  # example: true         # only for an invented notice used to learn or test

# Validity is replaced whole: write both dates of the new notice (until may be left out).
valid:
  from: {valid_from}   # TODO
  until: {valid_until}   # TODO

# Conditions: change a rule by id (only the keys given replace), drop one, or add one.
# A changed threshold needs the new notice's own words in quote:, and a new title if the old one
# names the old figure: the loader refuses it otherwise.
# rules:
#   change:
{rule_examples}
#   drop: [{some_rule}]
#   add:
#     - {{id: new-rule, clause: 第四条（七）, title: …, quote: …, measure: {{field: …}}, op: ">=", threshold: 1, unit: 项}}

# Documents: a template file put in this folder with the same name replaces {source}'s
# ({templates}). Mark a document filled on the province's own 附件 form:
# documents:
#   change:
#     {first_document}: {{form: official}}
# (clusterpack form adopt <official.docx> --programme {new_id} --document {first_document} does both.)

# The notice's facts the schema's checks read (a data year, a cut-off date):
# data:
{data_lines}

# The city's workflow: deadline, quota, letter wording, submission (keys not given are inherited).
# city:
#   deadline: {deadline}
#   quota: {{default: 2, cities: {{"370100": 3}}, clause: …}}
"""


def scaffold(templates: Path, new_id: str, source_id: str) -> Path:
    """A new folder ``templates/<new_id>/`` whose commented ``programme.yaml`` extends ``source_id``."""
    if not CLUSTER_ID.match(new_id):
        raise UsageError(
            f"申报项目编号 {new_id!r} 不合规：只用小写字母、数字和 - (programme id must be a lowercase slug)",
            code="E-USAGE-PROGRAMME-ID",
        )
    folder = templates / new_id
    if folder.exists():
        raise UsageError(f"{folder} 已存在，不覆盖 (the folder exists already)", code="E-USAGE-PROGRAMME-EXISTS")
    source = load_programme(templates, source_id)
    n, v = source.notice, source.valid
    threshold_rules = [r for r in source.rules if r.threshold is not None][:2]
    rule_examples = "\n".join(
        f"#     {r.id}: {{threshold: {r.threshold}, title: {r.title}, quote: {r.quote}}}" for r in threshold_rules
    )
    data_lines = "\n".join(f"#   {k}: {val}" for k, val in source.data.items()) or "#   year: 2026"
    text = SCAFFOLD.format(
        new_id=new_id,
        source=source_id,
        title_hint=f"a later round of {source.title}",
        title=source.title,
        source_notice=f"{n.title}（{n.number}）",
        notice_title=n.title,
        notice_number=n.number,
        notice_date=n.date,
        valid_from=v.start,
        valid_until=v.until or "",
        rule_examples=rule_examples or "#     <rule-id>: {threshold: …, quote: …}",
        some_rule=source.rules[-1].id if source.rules else "<rule-id>",
        templates=", ".join(source.template_names()),
        first_document=source.documents[0].id,
        data_lines=data_lines,
        deadline=(source.city.deadline if source.city and source.city.deadline else "2027-06-30"),
    )
    with writing(templates):  # a read-only or full disk is said as such (exit 6)
        folder.mkdir(parents=True)
        try:
            scratch.write_atomic(folder / inherit.FILE, text)  # whole or not at all
        except OSError:
            folder.rmdir()
            raise
    try:
        load_programme(templates, new_id)  # the scaffold loads as it is: the source's programme, unchanged
    except TemplateProblem:
        (folder / inherit.FILE).unlink()
        folder.rmdir()
        raise
    return folder / inherit.FILE
