"""The 数字产业集群 application's data model (鲁工信电子〔2024〕122号), as cluster.yaml spells it.

A helper of the ``digital_application`` schema (the leading underscore keeps it from being taken
for a schema of its own). Keys shared with other schemas (``cluster``, ``applicant``,
``declaration``, ``attachments``) have the same types as there, so one cluster file can carry data
for several programmes; everything this notice alone asks for has keys of its own (``operator``,
``digital``, ``firms``, ``innovation`` ...). Money is stored in 万元 like every model.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from pipeline.core.fields import (
    Applicant,
    Attachment,
    ClusterInfo,
    Count,
    Date,
    Declaration,
    Model,
    Money,
    MoneyWan,
    ProgrammeRef,
    Section,
    SignedMoney,
    Target,
    Text,
    Uscc,
    WenHao,
    Year,
    YesNo,
)

# 一、申报范围: the 数字产业“十大工程”; anything else is refused by the model (E-CHOICE).
LeadingIndustry = Literal[
    "集成电路", "高端软件", "先进计算", "数字终端", "人工智能", "虚拟现实", "空天信息", "云服务大数据", "能源电子", "新型电子材料"
]  # fmt: skip
YI = Decimal(10000)  # 1亿元 in 万元
# DOMAIN §1.4: 规上 means ≥2000万元 (industry, software and IT services), ≥1000万元 (research and business services).
ABOVE_SCALE_MIN, ABOVE_SCALE_USUAL = Decimal(1000), Decimal(2000)
# Credit code prefixes (GB 32100 登记管理部门 + 机构类别) by legal form, to catch a form that does not fit the code.
LEGAL_FORM_PREFIX = {"企业法人": "91", "事业单位法人": "12", "社会团体法人": "51", "社会服务机构法人": "52"}


class Operator(Model):
    """二、申报主体: the cluster's operating organisation or promotion body."""

    org_type: Literal["集群管理运营机构", "集群发展促进组织"] = Field(title="申报主体类型")
    legal_form: Literal["企业法人", "事业单位法人", "社会团体法人", "社会服务机构法人"] = Field(title="法人类型")
    registered_in_china: YesNo = Field(title="在中华人民共和国境内注册")
    independent_legal_person: YesNo = Field(title="具有独立法人资格")
    no_bad_credit_record: YesNo = Field(title="无不良信用记录")
    established: Date = Field(title="成立日期")
    registered_capital: MoneyWan | None = Field(default=None, title="注册资本（开办资金）")
    staff: Count = Field(title="专职工作人员（人）")
    duties: Text = Field(title="主要职能和服务内容")
    organisation: Text = Field(title="组织架构和规章制度")
    operation: Text = Field(title="运营和财务状况")


class Digital(Model):
    """二、集群基本情况: the leading industry as the notice names it, the data year, the overview."""

    leading_industry: LeadingIndustry = Field(title="主导产业（数字产业“十大工程”方向）")
    year: Year = Field(title="数据年度（上年度）")
    overview: list[Text] = Field(min_length=1, title="集群概况")


class Scale(Model):
    """四、规模效益, with the typed totals that cross-check the firm list (三（二）)."""

    enterprises: Count = Field(title="数字产业相关企业（家）")
    above_scale_enterprises: Count = Field(title="规上企业（家）")
    revenue: Money = Field(title="集群数字产业营业收入")
    above_scale_revenue: Money | None = Field(default=None, title="规上企业营业收入总额（统计数）")
    leading_above_scale_firms: Count | None = Field(default=None, title="主导产业相关规上企业数（统计数）")
    leading_revenue: Money = Field(title="主导产业营业收入")
    profit: SignedMoney = Field(title="利润总额")  # a loss is a negative profit; every other amount is a size
    tax: Money = Field(title="税收")
    employees: Count = Field(title="从业人员（人）")
    paragraphs: list[Text] = Field(min_length=1, title="规模效益情况")


class Firm(Model):
    """One firm of the cluster's digital industry (the 企业名单 of 五、产业链条)."""

    name: Text = Field(title="企业名称")
    credit_code: Uscc = Field(title="统一社会信用代码")
    role: Literal["领军企业", "骨干企业", "其他企业"] = Field(default="其他企业", title="企业类型")
    leading: YesNo = Field(title="属主导产业（主要申报方向）")
    above_scale: YesNo = Field(title="规上企业")
    revenue: MoneyWan = Field(title="上年度营业收入")
    rd_expense: MoneyWan | None = Field(default=None, title="上年度研发投入")


class Chain(Model):
    """五、产业链条: text, and typed counts of leader and backbone firms (三（三）)."""

    paragraphs: list[Text] = Field(min_length=1, title="产业链条情况")
    leader_firms: Count | None = Field(default=None, title="领军企业数（统计数）")
    backbone_firms: Count | None = Field(default=None, title="骨干企业数（统计数）")


class InnovationPlatform(Model):
    name: Text = Field(title="平台名称")
    category: Literal[
        "重点实验室", "技术创新中心", "制造业创新中心", "产业创新中心", "工程研究中心", "工程技术研究中心",
        "企业技术中心", "新型研发机构", "其他创新平台",
    ] = Field(title="平台类别")  # fmt: skip
    level: Literal["国家级", "省级", "市级"] = Field(title="级别")
    owner: Text = Field(title="依托单位")
    approved_by: Text = Field(title="认定部门")
    year: Year = Field(title="认定年份")
    document_number: WenHao | None = Field(default=None, title="认定文号")


class IpYear(Model):
    """One year's science awards and intellectual property of the cluster's 规上 firms."""

    year: Year = Field(title="年度")
    awards: Count = Field(title="科技奖励（项）")
    patents: Count = Field(title="专利（项）")
    invention_patents: Count | None = Field(default=None, title="其中：发明专利（项）")
    software_copyrights: Count = Field(title="软件著作权（项）")


class Innovation(Model):
    """六、创新能力 (三（四）): platforms, three years of IP, R&D; typed totals to cross-check."""

    paragraphs: list[Text] = Field(min_length=1, title="创新能力情况")
    platforms: list[InnovationPlatform] = Field(default_factory=list, title="创新平台")
    ip: list[IpYear] = Field(default_factory=list, title="近三年科技奖励和知识产权")
    national_platforms: Count | None = Field(default=None, title="国家级创新平台数（统计数）")
    provincial_platforms: Count | None = Field(default=None, title="省级创新平台数（统计数）")
    ip_total: Count | None = Field(default=None, title="近三年科技奖励和知识产权合计（统计数）")
    above_scale_rd: Money | None = Field(default=None, title="规上企业研发投入总额（统计数）")


class Partner(Model):
    name: Text = Field(title="合作单位")
    kind: Literal["大学院校", "科研院所", "服务平台机构", "商协会", "金融机构", "其他"] = Field(title="类型")
    content: Text = Field(title="合作内容")
    since: Year = Field(title="合作起始年份")


class Services(Model):
    """七、服务体系 (三（五）)."""

    paragraphs: list[Text] = Field(min_length=1, title="服务体系情况")
    partners: list[Partner] = Field(default_factory=list, title="长期合作单位")


class Policy(Model):
    title: Text = Field(title="政策文件名称")
    issuer: Text = Field(title="发文机关")
    document_number: WenHao | None = Field(default=None, title="文号")
    date: Date = Field(title="印发日期")
    content: Text = Field(title="主要支持内容")


class Support(Model):
    """八、属地政府支持 (三（六）)."""

    paragraphs: list[Text] = Field(min_length=1, title="属地政府支持情况")
    policies: list[Policy] = Field(default_factory=list, title="支持政策")


class Goals(Model):
    """九、发展目标和主要措施."""

    target_year: Year = Field(title="目标年份")
    paragraphs: list[Text] = Field(min_length=1, title="总体目标")
    targets: list[Target] = Field(min_length=1, title="主要指标")
    measures: list[Section] = Field(min_length=1, title="主要措施")


class Compliance(Model):
    """三（七）: declared by the applicant, repeated in the 承诺书."""

    no_major_safety_accident: YesNo = Field(title="近三年未发生特别重大、重大生产安全事故")
    no_major_environmental_event: YesNo = Field(title="近三年未发生特别重大、重大突发环境事件")


class DigitalClusterData(Model):
    """Everything the 数字产业集群 申报书 and its 汇总表 need about one cluster."""

    programme: ProgrammeRef = Field(title="申报项目")
    cluster: ClusterInfo = Field(title="集群基本情况")
    applicant: Applicant = Field(title="申报主体")
    operator: Operator = Field(title="申报主体资格")
    digital: Digital = Field(title="数字产业集群情况")
    positioning: list[Section] = Field(min_length=1, title="发展定位")
    scale: Scale = Field(title="规模效益")
    firms: list[Firm] = Field(default_factory=list, title="集群企业名单")
    chain: Chain = Field(title="产业链条")
    innovation: Innovation = Field(title="创新能力")
    services: Services = Field(title="服务体系")
    support: Support = Field(title="属地政府支持")
    goals: Goals = Field(title="发展目标和主要措施")
    compliance: Compliance = Field(title="安全生产和生态环境")
    declaration: Declaration = Field(title="承诺书")
    attachments: list[Attachment] = Field(default_factory=list, title="佐证材料")
