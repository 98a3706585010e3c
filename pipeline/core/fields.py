"""The typed cluster model: the one intermediate that every later stage reads.

Field titles are the Chinese labels used in error messages and forms. Amounts are stored in 万元
(``Money``); the unit a user typed is converted on the way in, never guessed."""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from pipeline.core import wordcount
from pipeline.core.codes import normalise_wenhao, uscc_problem
from pipeline.core.units import how_to_write, parse_money
from pipeline.core.written import as_text, whole_number, yes_no

CITIES: dict[str, str] = {
    "370100": "济南市", "370200": "青岛市", "370300": "淄博市", "370400": "枣庄市",
    "370500": "东营市", "370600": "烟台市", "370700": "潍坊市", "370800": "济宁市",
    "370900": "泰安市", "371000": "威海市", "371100": "日照市", "371300": "临沂市",
    "371400": "德州市", "371500": "聊城市", "371600": "滨州市", "371700": "菏泽市",
}  # fmt: skip


# XML 1.0 cannot hold these; Word would refuse the file. Tab and newline are allowed.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


_USCC_MESSAGES = {
    "E-USCC-LENGTH": "统一社会信用代码应为18位，实际 {n} 位 (credit code must have 18 characters)",
    "E-USCC-CHARS": "统一社会信用代码含有不允许的字符（不用 I、O、Z、S、V） (credit code has characters outside the GB 32100 set)",
    "E-USCC-CHECK": "统一社会信用代码第18位校验码不符，请核对 (credit code check character is wrong)",
    "E-USCC-ORG-CHECK": "统一社会信用代码第9—17位的组织机构代码校验码不符 (embedded organisation code check fails)",
}


_PHONE = re.compile(r"^(?:0\d{2,3}-?\d{7,8}(?:-\d{1,6})?|1[3-9]\d{9})$")


_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")


def _text(value: str) -> str:
    m = _CONTROL.search(value)
    if m:
        raise PydanticCustomError(
            "E-TEXT-CONTROL-CHAR",
            "文字中含有控制字符 U+{cp}（第{pos}个字符），请删除 (text holds a control character that documents cannot show)",
            {"cp": f"{ord(m.group()):04X}", "pos": m.start() + 1},
        )
    value = value.strip()
    if not value:
        raise PydanticCustomError("E-TEXT-EMPTY", "不能为空 (must not be empty)")
    return value


def _uscc(value: object) -> str:
    # YAML reads an all-digit code as a number: the text it was written as is the code.
    value = as_text(value)
    if not isinstance(value, str):
        raise PydanticCustomError("E-TEXT-TYPE", TEXT_HOW)
    value = value.strip().upper()
    problem = uscc_problem(value)
    if problem is not None:
        raise PydanticCustomError(problem.value, _USCC_MESSAGES[problem.value], {"n": len(value)})
    return value


def _city(value: object) -> str:
    code = str(value).strip()
    if code == "371200":
        raise PydanticCustomError(
            "E-CITY-371200",
            "371200（原莱芜市）已于2019年并入济南市，请填 370100 (Laiwu merged into Jinan in 2019; use 370100)",
        )
    if code not in CITIES:
        raise PydanticCustomError(
            "E-CITY-CODE", "{code} 不是山东省16市的行政区划代码 (not one of Shandong's 16 city codes)", {"code": code}
        )
    return code


def _phone(value: object) -> str:
    text = str(as_text(value)).strip().replace(" ", "")
    if not _PHONE.match(text):
        raise PydanticCustomError(
            "E-PHONE-FORMAT",
            "电话号码格式不对：应为 0536-1234567 或 11位手机号 (phone must be an area-code number or a mobile)",
        )
    return text


def _email(value: str) -> str:
    value = value.strip()
    if not _EMAIL.match(value):
        raise PydanticCustomError("E-EMAIL-FORMAT", "电子邮箱格式不对 (email address is malformed)")
    return value


_DATE = re.compile(r"^(\d{4})\s*(?:-|/|\.|年)\s*(\d{1,2})\s*(?:-|/|\.|月)\s*(\d{1,2})\s*日?$")


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    m = _DATE.match(str(value).strip()) if isinstance(value, str) else None
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    raise PydanticCustomError(
        "E-DATE-FORMAT",
        "日期 {value} 无法识别：应为 2024-06-14 或 2024年6月14日 (date must be YYYY-MM-DD)",
        {"value": str(value)},
    )


def _wenhao(value: object) -> str:
    if isinstance(value, str):
        _text(value)  # a control character is refused as in any text, before the 文号's own format
    try:
        return normalise_wenhao(str(value))[0]
    except ValueError:
        raise PydanticCustomError(
            "E-WENHAO-FORMAT",
            "文号应写成 机关代字〔年份〕序号号，如 鲁工信发〔2020〕5号（用六角括号〔〕，序号不加“第”、不补零） (document number format)",
        ) from None


def _percent_text(value: object) -> str:
    text = str(value).strip()
    number = text.lstrip("≥≤><约").rstrip("%％")
    try:
        pct = float(number)
    except ValueError:
        raise PydanticCustomError(
            "E-PERCENT-FORMAT", "百分比应为数字，如 62 或 ≥3.5 (percentage must be a number)"
        ) from None
    if not 0 <= pct <= 100:
        raise PydanticCustomError("E-PERCENT-RANGE", "百分比应在 0—100 之间 (percentage must be within 0-100)")
    return text


TEXT_HOW = (
    "应为文字：直接填写；数字（如邮政编码 264000、电话）按所填写的样子保存；YAML 中作文字用的 true、false、yes、no "
    "请加引号 (must be text)"
)


def _plain_text(value: object) -> object:
    # A postcode or a phone typed as a bare number is the text it was typed as.
    value = as_text(value)
    if not isinstance(value, str):
        raise PydanticCustomError("E-TEXT-TYPE", TEXT_HOW)
    return value


Text = Annotated[str, BeforeValidator(_plain_text), AfterValidator(_text)]


class Hint(str):
    """Marks a type with the one sentence that says how to write it (a cell's input message, the 填表说明)."""


_POSTCODE = re.compile(r"^\d{6}$")


_PAGES = re.compile(r"^\d+(-\d+)?(,\d+(-\d+)?)*$")


def _postcode(value: object) -> str:
    text = str(_plain_text(value)).strip()
    if not _POSTCODE.match(text):
        raise PydanticCustomError(
            "E-POSTCODE-FORMAT", "邮政编码应为6位数字，如 264000 (a postcode has six digits)", {"text": text}
        )
    return text


def _pages(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(_plain_text(value))).replace(" ", "").replace("，", ",")
    if not _PAGES.match(text):
        raise PydanticCustomError(
            "E-PAGES-FORMAT", "页码范围写成 1-3,5（用连字符和逗号） (page range like 1-3,5)", {"text": text}
        )
    return text


# A text of its own format (a postcode, a page range), a bare number taken as the text it was typed as.
Postcode = Annotated[
    str,
    BeforeValidator(_postcode),
    WithJsonSchema({"type": "string", "pattern": _POSTCODE.pattern}),
    Hint("6位数字，如 264000"),
]


PageRange = Annotated[
    str,
    BeforeValidator(_pages),
    WithJsonSchema({"type": "string", "pattern": _PAGES.pattern}),
    Hint("只取文件的部分页时填写，如 1-3,5；不填即全部"),
]


YesNo = Annotated[bool, BeforeValidator(yes_no)]


WenHao = Annotated[
    str,
    BeforeValidator(_wenhao),
    Hint("文号用六角括号，如 鲁工信发〔2020〕5号；写成 [2020] 或 【2020】 会被改正并提示"),
]


Date = Annotated[dt.date, BeforeValidator(_date), Hint("日期，如 2024-06-14 或 2024年6月14日")]


Uscc = Annotated[str, BeforeValidator(_uscc), Hint("18位统一社会信用代码（GB 32100），工具会校验两级校验码")]


class Lookup(dict[str, str]):
    """Marks a field whose workbook dropdown shows names that stand for codes (市名 → 370700)."""


CityCode = Annotated[str, BeforeValidator(_city), Lookup({name: code for code, name in CITIES.items()})]


Phone = Annotated[str, BeforeValidator(_phone), Hint("固定电话如 0536-1234567，或11位手机号")]


Email = Annotated[str, AfterValidator(_email), Hint("电子邮箱，如 name@example.com")]


class Unit(str):
    """Marks a money field with the unit people type it in (totals in 亿元, firms in 万元)."""


class FromProgramme(str):
    """Marks a field whose closed list is the programme's, not the model's: ``materials`` (a proof's category)."""


def unwrap(annotation: Any) -> tuple[Any, list[Any], bool]:
    """The core type of an annotation without ``Optional``/``Annotated``, its metadata, and whether it is optional.

    In ``Text | list[Text]`` the first member is the core type.
    """
    meta: list[Any] = []
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            annotation = args[0]
        elif origin is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            meta.extend(extra)
        else:
            return annotation, meta, optional


def how_to_fill(info: FieldInfo) -> str:
    """What to write in a field left empty: its type's own sentence, its choices, or how an amount is written."""
    core, meta, _optional = unwrap(info.annotation)
    hint = next((str(m) for m in [*info.metadata, *meta] if isinstance(m, Hint)), "")
    unit = unit_of(info)
    if hint:
        return hint
    if unit:
        return how_to_write(unit)
    if typing.get_origin(core) is Literal:
        return "可选：" + "、".join(str(a) for a in typing.get_args(core))
    return info.description or ""


def unit_of(info: FieldInfo) -> str | None:
    """The unit a money field is shown in (亿元, 万元), None for any other field."""
    _core, meta, _optional = unwrap(info.annotation)
    unit = next((m for m in [*info.metadata, *meta] if isinstance(m, Unit)), None)
    return str(unit) if unit is not None else None


_MONEY_SCHEMA = WithJsonSchema(
    {
        "anyOf": [
            {
                "type": "string",
                "pattern": "^[0-9.,０-９]+\\s*(亿元|万元|元)$",
                "examples": ["186.45亿元", "412600万元"],
            },
            {
                "type": "object",
                "properties": {"value": {"type": "number"}, "unit": {"enum": ["亿元", "万元", "元"]}},
                "required": ["value", "unit"],
            },
        ]
    }
)


# No cluster or firm in these programmes comes near 1万亿元 (Shandong's largest firms are a few
# thousand 亿元): a figure above it is a 万元 number typed where 亿元 was meant.
IMPLAUSIBLE = Decimal(10) ** 8  # 1万亿元, in 万元


def _plausible(value: Decimal) -> Decimal:
    if abs(value) >= IMPLAUSIBLE:
        raise PydanticCustomError(
            "E-AMOUNT-IMPLAUSIBLE",
            "金额 {shown}亿元 超过1万亿元，不像一个集群或企业的数字；可能把万元数填成了亿元，请核对单位 "
            "(implausibly large amount: a 万元 figure typed as 亿元?)",
            {"shown": f"{(value / Decimal(10000)).normalize():f}"},
        )
    return value


def _size(value: Decimal) -> Decimal:
    if value < 0:
        raise PydanticCustomError(
            "E-MONEY-NEGATIVE",
            "金额不能为负数：收入、税收、投资、研发经费等是规模，只有利润可以为负 (a size cannot be negative)",
        )
    return value


# Amounts in the notices are sizes (revenue, tax, investment, R&D spend, exports, capital): never
# negative. Only a profit (利润总额) may be a loss: ``SignedMoney``.
def _money_in(unit: str) -> Callable[[Any], Decimal]:
    """The parser of an amount shown in ``unit``: a bare number is refused, saying the unit to write."""

    def parse(value: Any) -> Decimal:
        return parse_money(value, field_unit=unit)

    return parse


Money = Annotated[
    Decimal,
    BeforeValidator(_money_in("亿元")),
    AfterValidator(_plausible),
    AfterValidator(_size),
    _MONEY_SCHEMA,
    Unit("亿元"),
]


MoneyWan = Annotated[
    Decimal,
    BeforeValidator(_money_in("万元")),
    AfterValidator(_plausible),
    AfterValidator(_size),
    _MONEY_SCHEMA,
    Unit("万元"),
]


SignedMoney = Annotated[
    Decimal, BeforeValidator(_money_in("亿元")), AfterValidator(_plausible), _MONEY_SCHEMA, Unit("亿元")
]


Count = Annotated[int, BeforeValidator(whole_number), Field(ge=0)]


Year = Annotated[int, Field(ge=1949, le=2100)]


def _programmes(value: object) -> object:
    # One programme id, or a list of them when the file carries data for several programmes.
    if isinstance(value, list) and not value:
        raise PydanticCustomError("E-LIST-EMPTY", "至少要填 1 个申报项目 (name at least one programme)")
    return value


ProgrammeRef = Annotated[Text | list[Text], BeforeValidator(_programmes)]


def default_programme(ref: object) -> str | None:
    """The programme a cluster file names first (its default), read from raw data; None if it names none."""
    if isinstance(ref, list):
        ref = ref[0] if ref else None
    return ref if isinstance(ref, str) else None


def programme_ids(ref: str | list[str]) -> list[str]:
    """The programmes a cluster file names, the default (first) one first."""
    return [ref] if isinstance(ref, str) else list(ref)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class ClusterInfo(Model):
    name: Text = Field(title="集群名称")
    city: CityCode = Field(title="所在市（行政区划代码）")
    county: Text = Field(title="县（市、区）")
    carrier: Text = Field(title="依托载体（县区或园区）")
    leading_industry: Text = Field(title="主导产业")
    area_km2: Annotated[Decimal, Field(gt=0)] = Field(title="集群区域面积（平方公里）")
    main_products: Text = Field(title="主要产品")

    @property
    def city_name(self) -> str:
        return CITIES[self.city]


class Applicant(Model):
    name: Text = Field(title="申报单位名称")
    credit_code: Uscc = Field(title="统一社会信用代码")
    address: Text = Field(title="通讯地址")
    postcode: Postcode = Field(title="邮政编码")
    legal_representative: Text = Field(title="法定代表人")
    contact: Text = Field(title="联系人")
    contact_title: Text = Field(title="联系人职务")
    phone: Phone = Field(title="联系电话")
    mobile: Phone = Field(title="手机")
    email: Email = Field(title="电子邮箱")


class Indicators(Model):
    year: Year = Field(title="数据年度")
    enterprises: Count = Field(title="相关生产、服务企业户数")
    above_scale_enterprises: Count = Field(title="规模以上企业户数")
    revenue: Money = Field(title="营业收入")
    leading_industry_revenue: Money = Field(title="主导产业营业收入")
    profit: SignedMoney = Field(title="利润总额")
    tax: Money = Field(title="税收")
    export: Money | None = Field(default=None, title="出口额")
    rd_expense: Money = Field(title="研发经费投入")
    employees: Count = Field(title="从业人员（人）")
    high_tech_enterprises: Count = Field(title="高新技术企业（家）")
    specialised_smes: Count = Field(title="专精特新中小企业（家）")
    little_giants: Count = Field(title="专精特新“小巨人”企业（家）")
    gazelles: Count = Field(title="瞪羚企业（家）")
    champions: Count = Field(title="制造业单项冠军企业（家）")
    one_firm_one_tech: Count = Field(title="“一企一技术”研发中心（家）")
    leading_industry_rank: Text = Field(title="主导产业在全省、全国同行业位次")


class Enterprise(Model):
    name: Text = Field(title="企业名称")
    credit_code: Uscc = Field(title="统一社会信用代码")
    role: Literal["龙头企业", "骨干企业"] = Field(title="企业类型")
    products: Text = Field(title="主要产品")
    revenue: MoneyWan = Field(title="营业收入")
    titles: list[Text] = Field(default_factory=list, title="荣誉称号")


class Brand(Model):
    name: Text = Field(title="品牌或荣誉名称")
    category: Literal["名牌产品", "优质品牌", "驰名商标", "著名商标", "产业荣誉称号", "其他"] = Field(title="类别")
    level: Literal["国家级", "省级", "市级"] = Field(title="级别")
    holder: Text = Field(title="获得单位")
    issuer: Text = Field(title="认定（授予）单位")
    year: Year = Field(title="年份")
    document_number: WenHao | None = Field(default=None, title="认定文号")


class MediaReport(Model):
    outlet: Text = Field(title="媒体")
    level: Literal["国家级", "省级", "市级"] = Field(title="媒体级别")
    title: Text = Field(title="报道标题")
    date: Date = Field(title="报道日期")


class Platform(Model):
    name: Text = Field(title="平台名称")
    category: Literal[
        "研发中心", "工程技术研究中心", "创新中心", "公共服务平台", "检验检测平台", "工业互联网平台", "双创载体", "其他"
    ] = Field(title="平台类别")
    level: Literal["国家级", "省级", "市级", "县级"] = Field(title="级别")
    owner: Text = Field(title="依托单位")
    approved_by: Text = Field(title="认定部门")
    year: Year = Field(title="认定年份")
    document_number: WenHao | None = Field(default=None, title="认定文号")


class Section(Model):
    heading: Text = Field(title="标题")
    paragraphs: list[Text] = Field(min_length=1, title="段落")


class Profile(Model):
    sections: list[Section] = Field(min_length=1, title="章节")

    def plain_text(self) -> str:
        """Headings and paragraphs as one text, as Word counts them (the title is not counted)."""
        return "\n".join(part for s in self.sections for part in (s.heading, *s.paragraphs))

    @property
    def count(self) -> wordcount.Count:
        return wordcount.count(self.plain_text())


class Target(Model):
    indicator: Text = Field(title="指标")
    unit: Text = Field(title="单位")
    current: Text = Field(title="现状值")
    target: Text = Field(title="目标值")

    @model_validator(mode="after")
    def _percentages(self) -> Target:
        if self.unit in ("%", "％"):
            for value in (self.current, self.target):
                _percent_text(value)
        return self


class Plan(Model):
    title: Text = Field(title="规划名称")
    target_year: Year = Field(title="目标年份")
    targets: list[Target] = Field(min_length=1, title="主要目标")
    sections: list[Section] = Field(min_length=1, title="章节")


class Informatisation(Model):
    summary: Text = Field(title="信息化智能化建设概述")
    computing: Text = Field(title="计算能力")
    storage: Text = Field(title="存储能力")
    data_use: Text = Field(title="数据存储、分析和使用")


class Declaration(Model):
    date: Date = Field(title="声明日期")


class Attachment(Model):
    """A proof file (佐证材料) under ``inputs/<cluster>/attachments/``."""

    title: Text = Field(title="材料名称")
    # the programme's materials: its id (brands) or its title (名牌产品…材料), as the person wrote it
    category: Annotated[Text, FromProgramme("materials")] = Field(title="材料类别")
    file: Text = Field(title="文件（attachments/ 下的相对路径）")
    pages: PageRange | None = Field(default=None, title="页码范围，如 1-3,5")
    sensitive: YesNo = Field(default=False, title="敏感材料（不进入申报材料，另行报送）")


class Relaxation(Model):
    """A claim that the leading industry ranks first in the province or near the top nationally."""

    claim: Literal["全省同行业第一", "全国同行业前列"] = Field(title="放宽条件依据")
    evidence: Text = Field(title="佐证材料（名称、出处）")


class ClusterData(Model):
    """Everything the 特色产业集群 application packet needs about one cluster."""

    programme: ProgrammeRef = Field(title="申报项目")
    cluster: ClusterInfo = Field(title="集群基本情况")
    applicant: Applicant = Field(title="申报单位")
    indicators: Indicators = Field(title="主要经济指标")
    enterprises: list[Enterprise] = Field(min_length=1, title="龙头骨干企业")
    brands: list[Brand] = Field(default_factory=list, title="品牌与荣誉")
    media: list[MediaReport] = Field(default_factory=list, title="媒体宣传报道")
    platforms: list[Platform] = Field(default_factory=list, title="创新研发和公共服务平台")
    informatisation: Informatisation = Field(title="信息化智能化建设")
    profile: Profile = Field(title="发展情况简介")
    plan: Plan = Field(title="发展规划")
    declaration: Declaration = Field(title="真实性声明")
    relaxation: Relaxation | None = Field(default=None, title="适当放宽条件")
    attachments: list[Attachment] = Field(default_factory=list, title="佐证材料")


class Recognition(Model):
    """The cluster's recognition as a 山东省特色产业集群: the list it was published in (第十三条: 5 years)."""

    year: Year = Field(title="认定年度")
    document_number: WenHao = Field(title="认定文号")
    list_title: Text = Field(title="公布名单的文件名称")
    date: Date = Field(title="公布日期")

    def until(self, years: int) -> dt.date:
        """The last day of a recognition valid for ``years`` years from its publication."""
        try:
            end = self.date.replace(year=self.date.year + years)
        except ValueError:  # published on 29 February
            end = self.date.replace(year=self.date.year + years, day=28)
        return end - dt.timedelta(days=1)
