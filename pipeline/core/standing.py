"""A programme on one day: in force, expired or not yet in force, its deadline passed or not."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pipeline.core import units
from pipeline.core.programme import Programme
from pipeline.errors import Problem

IN_FORCE, EXPIRED, NOT_YET = "in-force", "expired", "not-yet"


STATUS_WORDS = {IN_FORCE: "有效", EXPIRED: "已过期", NOT_YET: "尚未生效"}


@dataclass(frozen=True)
class Standing:
    """A programme on one day: in force, expired or not yet in force; its deadline passed or not."""

    programme: Programme
    today: dt.date
    status: str
    deadline: dt.date | None
    successors: tuple[str, ...] = ()  # valid programmes that extend an expired one (examples left out)

    @property
    def deadline_passed(self) -> bool:
        return self.deadline is not None and self.today > self.deadline

    @property
    def notice(self) -> str:
        n = self.programme.notice
        return f"《{n.title}》（{n.number}）"

    def validity_text(self) -> str:
        """One sentence for the 自查报告: the rules' validity and where the build's date falls."""
        v = self.programme.valid
        span = f"自{units.cn_date(v.start)}起" + (f"至{units.cn_date(v.until)}" if v.until else "")
        text = f"适用规则：{self.notice}，有效期{span}；生成日期{units.cn_date(self.today)}"
        text += {IN_FORCE: "在有效期内", EXPIRED: "已过有效期", NOT_YET: "尚未到生效日期"}[self.status]
        if self.deadline:
            text += f"，申报截止日期{units.cn_date(self.deadline)}" + ("已过" if self.deadline_passed else "")
        if self.status != IN_FORCE or self.deadline_passed:
            text += "，请核对当年申报通知"
            if self.successors:
                text += f"（有效的延续项目：{'、'.join(self.successors)}）"
        if self.programme.notice.example:
            text += "。本通知为示例，并非真实通知，据此生成的材料不能报送"
        return text + "。"

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "checked_on": str(self.today),
            "deadline": str(self.deadline) if self.deadline else None,
            "deadline_passed": self.deadline_passed,
            "successors": list(self.successors),
            "example": self.programme.notice.example,
        }

    def problems(self, strict: bool = False) -> list[Problem]:
        """Warnings for a build on this day; with ``strict`` a date outside the validity is an error (--strict-dates)."""
        p, today = self.programme, self.today
        out: list[tuple[str, str]] = []
        if self.status == EXPIRED:
            hint = "请核对当年申报通知"
            if self.successors:
                first = self.successors[0]
                hint = (
                    f"已有延续它且现行有效的申报项目 {'、'.join(self.successors)}：请改用 --programme {first}"
                    f"（或把数据中的 programme 改为 {first}）"
                )
            out.append(
                (
                    "PROGRAMME-EXPIRED",
                    f"{self.notice}有效期至 {p.valid.until}，今天（{today}）已过期；{hint} (the programme's rules have expired)",
                )
            )
        elif self.status == NOT_YET:
            out.append(
                (
                    "PROGRAMME-NOT-YET",
                    f"{self.notice}自 {p.valid.start} 起施行，今天（{today}）尚未生效 (the programme is not yet in force)",
                )
            )
        if self.deadline_passed and self.status == IN_FORCE:  # an expired programme's deadline is past too
            out.append(
                (
                    "PROGRAMME-DEADLINE",
                    f"{self.notice}的申报截止日期 {self.deadline} 已过（今天 {today}） (past the programme's deadline)",
                )
            )
        severity = "error" if strict else "warning"
        problems = [
            Problem(f"{'E' if strict else 'W'}-{code}", message, field="programme", label="申报项目", severity=severity)
            for code, message in out
        ]
        if p.notice.example:  # never an error: an example is built on purpose, by the tests and to learn
            problems.append(
                Problem(
                    "W-PROGRAMME-EXAMPLE",
                    f"{self.notice}是示例，并非真实通知：据此生成的材料只用于演示，不能报送 (an example notice: not for submission)",
                    field="programme",
                    label="申报项目",
                    severity="warning",
                )
            )
        return problems
