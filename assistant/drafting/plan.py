"""The section plan: which sections a self-evaluation report has, what each needs, and which template writes it.

Ids are stable across years and departments: ``"1"`` … ``"7"`` for the seven parts, ``"1.1"`` for their
subsections, ``"table.overall"`` for the 部门整体支出绩效自评表 narrative and ``"table.p1"`` … for each project's
项目支出绩效自评表 narrative (projects numbered from 1 in file order, like their facts).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from assistant.budget.models import ReportData

SectionKind = Literal["narrative", "table"]


class SectionSpec(BaseModel):
    """One section of the report: its printed heading, place in the outline, the facts it needs, its template."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    level: int
    parent: str | None = None
    fact_prefixes: list[str] = []
    template: str = ""
    kind: SectionKind = "narrative"
    project: int | None = None  # 1-based project number for ``table.pN``
    # Facts a model's answer must state, as groups of alternatives (an id, or a prefix ending in "."); a group
    # none of whose facts the data holds asks for nothing. An answer that misses one falls back to the template.
    must_cover: list[list[str]] = []

    @property
    def has_body(self) -> bool:
        """False for a part whose text lives entirely in its subsections (a heading only)."""
        return bool(self.template)


def _s(
    sid: str,
    title: str,
    template: str = "",
    prefixes: tuple[str, ...] = (),
    parent: str | None = None,
    must: tuple[tuple[str, ...], ...] = (),
) -> SectionSpec:
    level = 1 if parent is None else 2
    return SectionSpec(
        id=sid,
        title=title,
        level=level,
        parent=parent,
        fact_prefixes=list(prefixes),
        template=template,
        must_cover=[list(g) for g in must],
    )


def plan_sections(data: ReportData) -> list[SectionSpec]:
    """Every section of the report for ``data``, in printed order; empty sections are still planned."""
    projects = tuple(f"p{i}." for i in range(1, len(data.projects) + 1))
    specs = [
        _s("1", "一、部门基本情况"),
        _s("1.1", "（一）部门概况", "basic_overview", ("dept.", "year"), "1", (("dept.",),)),
        _s("1.2", "（二）部门绩效目标的设立情况", "performance_goals", ("year",), "1"),
        _s(
            "1.3",
            "（三）部门整体收支情况",
            "budget_overview",
            ("budget.", "year"),
            "1",
            (
                ("budget.total", "budget.initial_total", "budget.initial_calc", "budget.expenditure_total"),
                ("budget.executed",),
            ),
        ),
        _s("1.4", "（四）部门预算管理制度建设情况", "budget_management", ("year",), "1"),
        _s("2", "二、绩效自评工作情况"),
        _s("2.1", "（一）绩效自评的目的", "evaluation_purpose", ("year",), "2"),
        _s("2.2", "（二）自评组织过程", "evaluation_process", ("year",), "2"),
        _s("3", "三、评价情况分析及综合评价结论"),
        _s(
            "3.1",
            "（一）评价情况分析",
            "evaluation_analysis",
            ("budget.execution", "budget.executed", "year", "projects.", *projects),
            "3",
            (("budget.execution_rate", "budget.execution_rate_calc", "budget.executed"),),
        ),
        _s(
            "3.2",
            "（二）综合评价结论",
            "evaluation_conclusion",
            ("self.", "overall.", "year", *projects),
            "3",
            (("self.score",),),
        ),
        _s("4", "四、存在的问题和整改情况"),
        _s("4.1", "（一）存在的问题", "problems", ("year",), "4"),
        _s("4.2", "（二）整改情况", "rectification", ("year",), "4"),
        _s("5", "五、绩效自评结果应用", "results_use", ("year",)),
        _s("6", "六、主要经验及做法", "experience", ("year",)),
        _s("7", "七、其他需说明的情况", "other_notes", ("year",)),
        SectionSpec(
            id="table.overall",
            title="部门整体支出绩效自评表",
            level=1,
            fact_prefixes=["overall.", "self.", "budget.", "year"],
            template="table_overall",
            kind="table",
        ),
    ]
    for i, project in enumerate(data.projects, 1):
        specs.append(
            SectionSpec(
                id=f"table.p{i}",
                title=f"项目支出绩效自评表（{project.name}）",
                level=1,
                fact_prefixes=[f"p{i}.", "year"],
                template="table_project",
                kind="table",
                project=i,
            )
        )
    return specs


def section_ids(specs: list[SectionSpec]) -> list[str]:
    """The ids of ``specs`` in order."""
    return [s.id for s in specs]
