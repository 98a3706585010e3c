"""A recognised 特色产业集群's data for one year (``inputs/<cluster>/<year>/cluster.yaml``).

The application's data (the same materials, 第十三条: 按照申报条件和程序) plus what a recognised
cluster keeps: its recognition, the figures of 第十一条 that the application does not ask for, the
year's 工作总结, the typed figures of years kept before the year folders, and the years before it
(read from their own folders by the read stage, under ``years``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import ConfigDict, Field

from pipeline.core.fields import (
    Brand,
    ClusterData,
    ClusterInfo,
    Count,
    Date,
    Enterprise,
    Indicators,
    MediaReport,
    Model,
    Money,
    Platform,
    Recognition,
    Section,
    Year,
)

Percent = Annotated[Decimal, Field(ge=0, le=100)]


class AnnualFigures(Model):
    """第十一条's figures that the application's data does not hold."""

    local_supply_rate: Percent = Field(title="零部件本地配套率（%）")
    alliance_members: Count = Field(title="产业联盟成员企业（家）")
    cloud_rate: Percent = Field(title="规模以上企业上云率（%）")
    connected_devices: Count = Field(title="工业互联网平台接入设备（台套）")
    smart_factories: Count = Field(title="智能工厂和数字化车间（家）")
    quality_certified: Count = Field(title="通过质量管理体系认证的规模以上企业（家）")
    standards: Count = Field(title="主导或参与制定的标准（项）")


class WorkSummary(Model):
    """The year's 工作总结 (第十一条): its date and its text, section by section."""

    date: Date = Field(title="总结日期")
    sections: list[Section] = Field(min_length=1, title="章节")


class HistoryYear(Model):
    """A year before the year folders, kept as its key figures (from that year's statistics)."""

    year: Year = Field(title="年度")
    enterprises: Count = Field(title="相关生产、服务企业户数")
    above_scale_enterprises: Count = Field(title="规模以上企业户数")
    revenue: Money = Field(title="营业收入")
    leading_industry_revenue: Money | None = Field(default=None, title="主导产业营业收入")
    tax: Money | None = Field(default=None, title="税收")
    rd_expense: Money | None = Field(default=None, title="研发经费投入")
    employees: Count | None = Field(default=None, title="从业人员（人）")


class EarlierYear(Model):
    """An earlier year's data as a report compares with it (its other keys are that year's own business)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    cluster: ClusterInfo | None = Field(default=None, title="集群基本情况")
    indicators: Indicators = Field(title="主要经济指标")
    enterprises: list[Enterprise] = Field(default_factory=list, title="龙头骨干企业")
    brands: list[Brand] = Field(default_factory=list, title="品牌与荣誉")
    media: list[MediaReport] = Field(default_factory=list, title="媒体宣传报道")
    platforms: list[Platform] = Field(default_factory=list, title="创新研发和公共服务平台")
    annual: AnnualFigures | None = Field(default=None, title="年度指标")


class AnnualData(ClusterData):
    """One year of a recognised cluster's data, with the years before it."""

    recognition: Recognition = Field(title="认定情况")
    annual: AnnualFigures = Field(title="年度指标")
    work_summary: WorkSummary | None = Field(default=None, title="年度工作总结")
    history: list[HistoryYear] = Field(default_factory=list, title="往年主要指标")
    years: dict[int, EarlierYear] = Field(default_factory=dict, title="往年数据")
