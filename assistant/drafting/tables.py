"""The official self-evaluation forms, built from the data: 项目支出绩效自评表 per project, 部门整体支出绩效自评表.

A form is a list of blocks, each a plain grid with a header row, so the same form becomes one Word table (blocks
stacked on an 8-column grid, ``spans`` saying how many grid columns each column takes), Markdown tables (one per
block) and JSON rows. Every figure in a cell is a fact written by the FactSheet in the draft's money unit; a value
the data does not hold is a ``【请补充】`` cell, never a guess.
"""

from __future__ import annotations

from pydantic import BaseModel

from assistant.budget.facts import FactSheet
from assistant.budget.models import FundingRow, Indicator, Project, ReportData
from assistant.budget.scoring import DEFAULT_RULES, ScoringRules, indicator_met
from assistant.drafting.money import in_money_unit
from assistant.units import format_number

MISSING = "【请补充】"
NONE = "—"
GRID = 8
STANDARD_SOURCES = ("财政拨款", "上年结转", "其他资金")


class Block(BaseModel):
    """One part of a form: an optional heading row, a header row and data rows."""

    title: str = ""
    header: list[str]
    rows: list[list[str]]
    spans: list[int]  # grid columns each column takes in Word; sums to the form's grid
    repeat_header: bool = False  # starts its own Word table whose header row repeats on every page


class FormTable(BaseModel):
    """One filled-in form: its printed title, the money unit of its amounts and its blocks."""

    id: str
    title: str
    unit: str
    grid: int = GRID
    widths: list[int] = [1] * GRID  # relative widths of the grid columns (Word)
    blocks: list[Block]

    @property
    def missing(self) -> int:
        """How many cells still ask for input."""
        return sum(cell.count(MISSING) for b in self.blocks for row in b.rows for cell in row)


class _Writer:
    """Cells from facts: the figure as the draft writes it, or 【请补充】; the department's text in the draft's unit."""

    def __init__(self, sheet: FactSheet, rules: ScoringRules) -> None:
        self.sheet = sheet
        self.rules = rules

    def text(self, value: str | None, missing: str = MISSING) -> str:
        return in_money_unit(value, self.sheet.money_unit) if value else missing

    def fact(self, *ids: str, missing: str = MISSING, bare: bool = False) -> str:
        for fid in ids:
            fact = self.sheet.get(fid)
            if fact is not None:
                text = self.sheet.written(fact)
                if bare and fact.dimension == "money":
                    return text.removesuffix(self.sheet.money_unit)
                return text.removesuffix("分") if bare and fact.unit == "分" else text
        return missing

    def funding(
        self, pre: str, rows: list[FundingRow], total_ids: tuple[str, str, str], rate_ids: tuple[str, ...]
    ) -> Block:
        """年度资金总额 and its 其中 rows × 年初预算数 / 全年预算数 / 全年执行数 / 分值 / 执行率 / 得分."""
        initial, total, executed = total_ids
        weight = format_number(self.rules.execution_weight)
        out = [
            [
                "年度资金总额",
                self.fact(initial, bare=True),
                self.fact(total, bare=True),
                self.fact(executed, bare=True),
                weight,
                self.fact(*rate_ids),
                self.fact(f"{pre}.execution_score_calc", bare=True),
            ]
        ]
        if rows:
            for k, row in enumerate(rows, 1):
                fp = f"{pre}.f{k}"
                out.append(
                    [
                        f"其中：{row.source}" if k == 1 else row.source,
                        self.fact(f"{fp}.initial", bare=True),
                        self.fact(f"{fp}.total", bare=True),
                        self.fact(f"{fp}.executed", bare=True),
                        NONE,
                        self.fact(f"{fp}.execution_rate_calc", missing=NONE),
                        NONE,
                    ]
                )
        else:
            for k, source in enumerate(STANDARD_SOURCES):
                out.append([f"其中：{source}" if k == 0 else source, MISSING, MISSING, MISSING, NONE, NONE, NONE])
        return Block(
            title=f"年度资金情况（{self.sheet.money_unit}）",
            header=["资金", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
            rows=out,
            spans=[2, 1, 1, 1, 1, 1, 1],
        )

    def target(self, ind: Indicator, iid: str) -> str:
        if f"{iid}.target" in self.sheet:
            return f"{ind.comparator or ''}{self.fact(f'{iid}.target')}"
        return self.text(ind.target_text)

    def actual(self, ind: Indicator, iid: str) -> str:
        if f"{iid}.actual" in self.sheet:
            return self.fact(f"{iid}.actual")
        return self.text(ind.actual_text)

    def deviation(self, ind: Indicator) -> str:
        if ind.deviation:
            return self.text(ind.deviation)
        return "【请补充：未达到指标值的原因及改进措施】" if indicator_met(ind) is False else ""


def _goals(w: _Writer, expected: str | None, actual: str | None) -> Block:
    return Block(
        title="年度总体目标",
        header=["预期目标", "实际完成情况"],
        rows=[[w.text(expected), w.text(actual)]],
        spans=[4, 4],
    )


def project_form(data: ReportData, n: int, sheet: FactSheet, rules: ScoringRules = DEFAULT_RULES) -> FormTable:
    """The 项目支出绩效自评表 of project ``n`` (1-based)."""
    p: Project = data.projects[n - 1]
    pid = f"p{n}"
    w = _Writer(sheet, rules)
    info = Block(
        header=["项目名称", p.name, "资金来源", p.funding_source or MISSING],
        rows=[["主管部门", p.supervisor or data.department.name, "实施单位", p.implementer or p.lead_unit or MISSING]],
        spans=[2, 2, 2, 2],
    )
    funding = w.funding(
        pid,
        p.funding,
        (f"{pid}.initial_budget", f"{pid}.total_budget", f"{pid}.executed"),
        (f"{pid}.execution_rate_calc", f"{pid}.execution_rate"),
    )
    rows: list[list[str]] = []
    for j, ind in enumerate(p.indicators, 1):
        iid = f"{pid}.i{j}"
        rows.append(
            [
                ind.level1,
                ind.level2 or MISSING,
                ind.name,
                w.target(ind, iid),
                w.actual(ind, iid),
                w.fact(f"{iid}.weight", bare=True),
                w.fact(f"{iid}.score", f"{iid}.score_calc", bare=True),
                w.deviation(ind),
            ]
        )
    if not p.indicators:
        rows.append([MISSING] * 8)
    grade: str = p.grade or next((nt.text for nt in sheet.notes if nt.id == f"{pid}.grade_calc"), "")
    rows.append(
        [
            "总分",
            "",
            "",
            "",
            "",
            w.fact(f"{pid}.weight_total_calc", bare=True),
            w.fact(f"{pid}.self_score", f"{pid}.score_calc", bare=True),
            f"自评等级：{grade}" if grade else "自评等级：【请补充】",
        ]
    )
    indicators = Block(
        title="绩效指标",
        header=[
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值",
            "实际完成值",
            "分值",
            "得分",
            "偏差原因分析及改进措施",
        ],
        rows=rows,
        spans=[1] * 8,
        repeat_header=True,
    )
    return FormTable(
        id=f"table.p{n}",
        title=f"{data.year}年度项目支出绩效自评表",
        unit=f"金额单位：{sheet.money_unit}",
        widths=[22, 24, 36, 28, 28, 16, 16, 54],
        blocks=[info, funding, _goals(w, p.goal, p.goal_actual or p.performance), indicators],
    )


def overall_form(data: ReportData, sheet: FactSheet, rules: ScoringRules = DEFAULT_RULES) -> FormTable:
    """The 部门整体支出绩效自评表: funding, overall goal, and each row with its 任务措施 and 实际执行情况."""
    w = _Writer(sheet, rules)
    bud = data.budget
    info = Block(header=["部门名称", data.department.name], rows=[], spans=[2, 6])
    funding_rows = bud.funding
    funding = w.funding(
        "budget",
        funding_rows,
        ("budget.initial_total", "budget.total", "budget.executed"),
        ("budget.execution_rate_calc", "budget.execution_rate"),
    )
    # Fall back to the derived totals the data supports (Σ sources, initial ± adjustments).
    first = funding.rows[0]
    if first[1] == MISSING:
        first[1] = w.fact("budget.initial_calc", bare=True)
    if first[2] == MISSING:
        first[2] = w.fact("budget.total_calc", bare=True)
    if not funding_rows and bud.initial_by_source:
        funding.rows[1:] = [
            [f"其中：{s.source}" if k == 1 else s.source, w.fact(f"budget.initial.s{k}", bare=True), MISSING, MISSING]
            + [NONE] * 3
            for k, s in enumerate(bud.initial_by_source, 1)
        ]
    rows: list[list[str]] = []
    for r, row in enumerate(data.overall_table, 1):
        rid = f"overall.r{r}"
        rows.append(
            [
                row.level1,
                row.task,
                w.text(row.measures),
                w.text(row.performance),
                w.text(row.comparison, ""),
                w.text(row.note, ""),
                w.fact(f"{rid}.weight", bare=True),
                w.fact(f"{rid}.score", bare=True),
            ]
        )
    if not rows:
        rows.append([MISSING] * 8)
    sa = data.self_assessment
    grade: str = sa.grade or next((nt.text for nt in sheet.notes if nt.id == "self.grade_calc"), "")
    rows.append(
        [
            "总分",
            "",
            "",
            "",
            "",
            f"自评等级：{grade}" if grade else "自评等级：【请补充】",
            w.fact("overall.weight_total_calc", bare=True),
            w.fact("self.score", "overall.score_total_calc", bare=True),
        ]
    )
    table = Block(
        title="绩效指标",
        header=["一级指标", "二级指标", "任务措施", "实际执行情况", "与年初预算对比", "说明", "分值", "得分"],
        rows=rows,
        spans=[1] * 8,
        repeat_header=True,
    )
    return FormTable(
        id="table.overall",
        title=f"{data.year}年度部门整体支出绩效自评表",
        unit=f"金额单位：{sheet.money_unit}",
        widths=[20, 24, 42, 42, 34, 22, 18, 18],
        blocks=[info, funding, _goals(w, data.goal, data.goal_actual), table],
    )


def build_forms(
    data: ReportData, sheet: FactSheet, rules: ScoringRules = DEFAULT_RULES, *, only: set[str] | None = None
) -> dict[str, FormTable]:
    """Every form of the report (or those whose ids are in ``only``), by the id of the table section it belongs to."""
    forms: dict[str, FormTable] = {}
    if only is None or "table.overall" in only:
        forms["table.overall"] = overall_form(data, sheet, rules)
    for n in range(1, len(data.projects) + 1):
        if only is None or f"table.p{n}" in only:
            forms[f"table.p{n}"] = project_form(data, n, sheet, rules)
    return forms
