"""A programme is a folder: ``templates/<id>/programme.yaml`` plus the .docx templates it names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from pipeline.core.layout import Layout
from pipeline.core.rules import Measure, Relaxation, Rule, RuleSet


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Notice(_Strict):
    title: str
    number: str
    issuer: str
    date: dt.date
    # an invented notice (a worked example of a later round): its packets say so, and its own
    # quotes cannot be found in any published text (tests/core/test_quotes.py checks the inherited ones)
    example: bool = False


class Validity(_Strict):
    start: dt.date = Field(alias="from")
    until: dt.date | None = None


class Document(_Strict):
    id: str
    template: str
    output: str  # file name without extension
    bookmark: str  # title in the packet's bookmarks and 目录
    orientation: str = Field(default="portrait", pattern="^(portrait|landscape)$")
    # official: the notice's own 附件 form, filled in; reconstructed: our design where the form is not public
    form: Literal["official", "reconstructed"]
    # signed and sealed on paper, then scanned: its own PDF carries no page number (the packet's goes on the scan)
    sealed: bool = False
    # relaxed: only in a packet where a condition is met by a relaxation (the disclosure of it)
    include: Literal["always", "relaxed"] = "always"


class Packet(_Strict):
    title: str
    bundle: str  # file name of the merged packet, without extension
    cover: str
    toc: str


class Material(_Strict):
    """A category of proof (佐证材料) and where its attachments go in the packet."""

    id: str
    title: str
    clause: str
    after: str  # the document id after which this category's attachments are placed
    max_pages: int = 50  # more pages than this in one file is probably not the expected proof


class LetterStatus(_Strict):
    """How the letter states each cluster's check result; ``rules`` lists the conditions concerned."""

    met: str  # every condition met
    relaxed: str  # {{ basis }}, {{ rules }}, {{ clause }}: conditions met by a relaxation
    advisory: str  # {{ rules }}: a 原则上 condition missed
    forced: str  # {{ rules }}, {{ reason }}: conditions missed, recommended by the bureau's decision
    rest: str  # after the statements above: the other conditions are met


class LetterAttachment(_Strict):
    """One item of the letter's 附件说明, and the part of the city packet it names."""

    part: Literal["summary", "packets", "charts"]  # the city's 汇总表, the clusters' packets, or its charts
    text: str  # Jinja; {{ clusters }} names the clusters in order
    each: bool = False  # one item per cluster (its context in the wording) instead of one for all


class LetterSpec(_Strict):
    """The 推荐文件's wording; Jinja strings rendered with the city and its clusters."""

    title: list[str] = Field(min_length=1)  # lines, broken where the meaning allows
    before: list[str]  # paragraphs before the list of clusters
    cluster: str  # one paragraph per recommended cluster; {{ status }} says its check result
    status: LetterStatus
    sensitive: str | None = None  # said only when a recommended cluster has sensitive material
    after: list[str]
    attachments: list[LetterAttachment] = Field(min_length=1)  # 附件说明, in order; the city packet follows it


class SubmittedFile(_Strict):
    """One kind of file the notice asks the city to send."""

    what: Literal[
        "letter", "summary", "packets", "charts"
    ]  # 推荐文件, 汇总表, each cluster's packet, a report's charts
    formats: list[Literal["pdf", "docx", "xlsx"]] = Field(min_length=1)
    sealed: bool = False  # a scan of the sealed paper is what is sent
    quote: str = ""  # the notice's words asking for it


class Paper(_Strict):
    copies: int = Field(ge=1)
    by: str  # EMS
    address: str


class Submission(_Strict):
    """What the city sends the province, how and by when: the 报送清单 is made from it."""

    quote: str  # the notice's words on what to send
    channel: str  # 电子邮箱, 以当年申报工作通知为准 ...
    email: str | None = None
    files: list[SubmittedFile] = Field(min_length=1)
    paper: Paper | None = None  # paper copies, if the notice asks for them
    sensitive: str | None = None  # how sensitive material goes (刻盘, 机要渠道)
    contact: str | None = None  # the province's contact, as the notice gives it


class Quota(_Strict):
    """How many clusters each city may recommend."""

    default: int = Field(ge=1)
    cities: dict[str, int] = Field(default_factory=dict)
    clause: str

    def limit(self, city: str) -> int:
        return self.cities.get(city, self.default)


class Column(_Strict):
    """A column of the city's 汇总表: a value from the cluster's template context."""

    title: str
    value: str  # dotted path into the context, e.g. row.revenue
    width: float = 20  # mm in the PDF/Word table; Excel width follows
    total: bool = False  # add up in the totals row
    number: bool = False  # right-aligned, written as a number in Excel


SUMMARY_NO_WIDTH = 10.0  # mm: the 汇总表's 序号 column, wide enough for 序号 on one line at 9 pt


SUMMARY_TYPE_WIDTH = 257.0  # mm: A4 landscape less 20 mm margins each side


class CitySpec(_Strict):
    """What the city bureau's workflow needs from a programme."""

    bureau: str = "{city}工业和信息化局"
    bureaus: dict[str, str] = Field(default_factory=dict)  # city code → bureau, where another body serves
    deadline: dt.date | None = None
    quota: Quota | None = None
    letter: LetterSpec
    submission: Submission
    summary_title: str
    summary_columns: list[Column] = Field(min_length=1)
    summary_note: str = "金额单位为亿元，保留两位小数；按推荐顺序排列。"  # the 汇总表's 注
    letter_name: str = "推荐文件"  # the letter's file and bookmark (a yearly report: 报告)
    packet_name: str = "推荐材料"  # the city packet's file (and its zip's)

    @model_validator(mode="after")
    def _fits(self) -> CitySpec:
        width = SUMMARY_NO_WIDTH + sum(c.width for c in self.summary_columns)
        if width > SUMMARY_TYPE_WIDTH:
            raise ValueError(
                f"汇总表各列宽合计 {width:g} mm（含序号列），超过横向 A4 版心 {SUMMARY_TYPE_WIDTH:g} mm (columns too wide)"
            )
        return self

    def bureau_of(self, city_code: str, city_name: str) -> str:
        return self.bureaus.get(city_code) or self.bureau.format(city=city_name)


class Due(_Strict):
    """Something a recognised cluster or its city must file under this programme, and by when.

    ``yearly``: every year, about the year before, by ``month``/``day`` (no day: the month's last day,
    as 1月底 and 2月底 say). ``expiry``: once, in the year the cluster's recognition (``years`` long) expires,
    by its last day."""

    id: str
    what: str  # 年度工作总结, 复核申请
    who: Literal["cluster", "city"]
    clause: str
    quote: str  # the notice's words that ask for it
    when: Literal["yearly", "expiry"]
    month: int | None = Field(default=None, ge=1, le=12)
    day: int | None = Field(default=None, ge=1, le=31)
    years: int = Field(default=5, ge=1)  # how long a recognition lasts (``expiry``)

    def deadline(self, year: int) -> dt.date:
        """The ``yearly`` deadline that falls in ``year``."""
        assert self.month is not None, "a yearly due date names its month"
        if self.day is not None:
            return dt.date(year, self.month, self.day)
        first_next = dt.date(year + self.month // 12, self.month % 12 + 1, 1)
        return first_next - dt.timedelta(days=1)


class Years(_Strict):
    """A programme that reads a cluster's data by year: ``inputs/<cluster>/<year>/``."""

    earlier: int = Field(default=1, ge=0, le=20)  # how many years before it are read beside it
    history: bool = False  # also the typed figures of years kept before the year folders (``history:``)


class Figure(_Strict):
    """A named figure of a year's data, measured by the rule engine's measures (money in the model's 万元)."""

    label: str
    unit: str  # 亿元, 户, 家, %, ...
    measure: Measure
    places: int = Field(default=0, ge=0, le=4)


class Theme(_Strict):
    """One of the themes a report goes through (第十一条), with its figures."""

    title: str
    quote: str  # the notice's words for the theme
    figures: list[str] = Field(min_length=1)  # ids of ``report.figures``


class ChartSpec(_Strict):
    """A chart of figures over the years (a cluster's report) or across the clusters (the city's)."""

    id: str
    title: str
    figures: list[str] = Field(min_length=1, max_length=4)  # ids of ``report.figures``, one series each
    kind: Literal["bar", "line"] = "bar"


class Report(_Strict):
    """A yearly report's figures, themes and charts (the 工作总结 of 第十一条, the city's report of 第十二条)."""

    title: str  # 年度工作总结
    figures: dict[str, Figure] = Field(min_length=1)
    themes: list[Theme] = Field(default_factory=list)
    key: list[str] = Field(default_factory=list)  # the figures a city's table shows for each cluster
    charts: list[ChartSpec] = Field(default_factory=list)  # in a cluster's report: over the years
    city_charts: list[ChartSpec] = Field(default_factory=list)  # in the city's report: across its clusters
    development: list[str] = Field(default_factory=list)  # the figures of a 复核's years of development

    @model_validator(mode="after")
    def _known(self) -> Report:
        named = [f for t in self.themes for f in t.figures] + self.key + self.development
        named += [f for c in (*self.charts, *self.city_charts) for f in c.figures]
        unknown = sorted(set(named) - set(self.figures))
        if unknown:
            raise ValueError(f"report names figures it does not define: {', '.join(unknown)}")
        return self


class Programme(_Strict):
    """What ``programme.yaml`` declares: documents in packet order, notice, validity."""

    id: str
    title: str
    schema_name: str = Field(alias="schema")  # pipeline/schemas/<name>.py: the shape of the cluster data
    notice: Notice
    valid: Validity
    packet: Packet
    documents: list[Document] = Field(min_length=1)
    relaxations: list[Relaxation] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)
    materials: list[Material] = Field(default_factory=list)
    city: CitySpec | None = None
    # facts of the notice the schema's checks read (a data year, a cut-off date), so that next
    # year's folder changes them without code
    data: dict[str, Any] = Field(default_factory=dict)
    extends: str | None = None  # the programme this one changes (pipeline/inherit.py)
    due: list[Due] = Field(default_factory=list)  # what recognised clusters and cities file, by when
    years: Years | None = None  # reads a cluster's data by year (inputs/<cluster>/<year>/)
    report: Report | None = None  # a yearly report's figures, themes and charts
    folder: Path
    # where templates are found: this programme's folder, then each folder it extends (its own first)
    folders: tuple[Path, ...] = ()
    lineage: tuple[str, ...] = ()  # the programmes it extends, nearest first
    origins: dict[str, str] = Field(default_factory=dict)  # part (notice.number, rules.revenue) → programme id
    changes: dict[str, list[str]] = Field(default_factory=dict)  # part → the keys this programme changed in it
    _schema: Schema | None = PrivateAttr(default=None)

    @property
    def data_schema(self) -> Schema:
        """The shape of its cluster data, attached when the programme was loaded (stages.programmes)."""
        if self._schema is None:
            raise LookupError(f"programme {self.id}: its schema {self.schema_name} was not attached when loaded")
        return self._schema

    def with_schema(self, schema: Schema) -> Programme:
        """This programme with its data schema attached (the loader resolves ``schema:`` by name)."""
        self._schema = schema
        return self

    @property
    def ruleset(self) -> RuleSet:
        return RuleSet(relaxations=self.relaxations, rules=self.rules)

    def template(self, name: str) -> Path:
        """A template by file name: this programme's own, else the nearest programme it extends that has it."""
        for folder in self.folders or (self.folder,):
            if (folder / name).is_file():
                return folder / name
        return self.folder / name

    def template_names(self) -> list[str]:
        """The file names of every template the programme uses: cover, 目录, each document's."""
        return [self.packet.cover, self.packet.toc, *(d.template for d in self.documents)]

    def expired(self, today: dt.date) -> bool:
        return self.valid.until is not None and today > self.valid.until


if TYPE_CHECKING:
    from pipeline.core.raw import RawInput
    from pipeline.errors import Problem


SCHEMA_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


def _no_checks(raw: RawInput, data: Any, programme: Programme) -> list[Problem]:
    return []


def _no_facts(data: Any) -> dict[str, Any]:
    return {}


def _no_headline(data: Any) -> str:
    return ""


@dataclass(frozen=True)
class Schema:
    """What a programme's templates need from cluster data, beyond what programme.yaml declares."""

    name: str
    model: type[BaseModel]  # the typed cluster data (pydantic), validated at the boundary
    context: Callable[[Any, Programme], dict[str, Any]]  # model → template context, values formatted
    # cross-field checks, with locations; the programme gives the notice's facts (``data:``) they read
    checks: Callable[[RawInput, Any, Programme], list[Problem]] = _no_checks
    computed: Mapping[str, Callable[[Any], Decimal]] = field(default_factory=dict)  # figures for rules
    facts: Callable[[Any], dict[str, Any]] = _no_facts  # extra entries for manifest.json
    headline: Callable[[Any], str] = _no_headline  # one line the CLI shows after building or validating
    workbook: Layout | None = None  # its Excel workbook, as data (core.layout); one engine writes and reads it

    @property
    def keys(self) -> frozenset[str]:
        """The top-level keys of a cluster file this schema reads."""
        return frozenset(self.model.model_fields)
