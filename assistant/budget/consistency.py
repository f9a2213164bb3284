"""Internal consistency of a department's data: what ``assistant check`` reports before anything is written."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel

from assistant.budget.facts import Fact, FactSheet
from assistant.budget.models import Money, Project
from assistant.budget.scoring import DEFAULT_RULES, ScoringRules, grade_for, level_of
from assistant.units import format_number

Severity = Literal["error", "warning", "info"]
CENT = Decimal("0.01")


class DataIssue(BaseModel):
    """One inconsistency in the data, with the field it concerns."""

    code: str
    severity: Severity = "warning"
    message: str
    where: str


def check_data(sheet: FactSheet, rules: ScoringRules = DEFAULT_RULES) -> list[DataIssue]:
    """Every internal inconsistency of the data behind ``sheet``, in file order."""
    issues: list[DataIssue] = []
    issues += _budget_issues(sheet, rules)
    for i, p in enumerate(sheet.data.projects, 1):
        issues += _project_issues(sheet, i, p, rules)
    issues += _overall_issues(sheet, rules)
    return issues


def _w(m: Money | Fact) -> str:
    if isinstance(m, Money):
        return str(m)
    return m.written()


def _differs(a: Decimal, b: Decimal, tol: Decimal = CENT) -> bool:
    return abs(a - b) > tol


def _budget_issues(sheet: FactSheet, rules: ScoringRules) -> list[DataIssue]:
    data = sheet.data
    bud = data.budget
    out: list[DataIssue] = []
    parts = sheet.get("budget.parts_calc")
    whole = bud.expenditure_total or bud.total
    if parts and whole and bud.basic and bud.project:
        whole_yuan = whole.yuan
        parts_yuan = bud.basic.yuan + bud.project.yuan
        if _differs(parts_yuan, whole_yuan, Decimal(1)):
            name = "预算总支出" if bud.expenditure_total else "全年预算数"
            out.append(
                DataIssue(
                    code="parts-total",
                    where="budget.basic + budget.project",
                    message=f"基本支出 {_w(bud.basic)} + 项目支出 {_w(bud.project)} = {parts.written()}，"
                    f"与{name} {_w(whole)} 不符（差 {format_number((parts_yuan - whole_yuan) / 10000)}万元）",
                )
            )
    if len(bud.initial_by_source) > 1 and bud.initial_total:
        calc = sheet["budget.initial_calc"]
        if _differs(calc.value, bud.initial_total.to(calc.unit)):
            out.append(
                DataIssue(
                    code="parts-total",
                    where="budget.initial_by_source",
                    message=f"各来源年初预算合计 {calc.written()} 与年初预算 {_w(bud.initial_total)} 不符",
                )
            )
    total_calc = sheet.get("budget.total_calc")
    if total_calc and bud.total and _differs(total_calc.value, bud.total.to(total_calc.unit)):
        out.append(
            DataIssue(
                code="parts-total",
                where="budget.total",
                message=f"年初预算加调整应为 {total_calc.written()}，但全年预算数写作 {_w(bud.total)}",
            )
        )
    if (
        total_calc
        and not bud.total
        and bud.expenditure_total
        and _differs(total_calc.value, bud.expenditure_total.to(total_calc.unit))
    ):
        out.append(
            DataIssue(
                code="adjustment-not-reflected",
                where="budget.expenditure_total",
                severity="info",
                message=f"年初预算加调整为 {total_calc.written()}，而预算总支出写作 {_w(bud.expenditure_total)}："
                "调整后的预算未体现在总支出中，请说明口径",
            )
        )
    for i, adj in enumerate(bud.adjustments):
        if not adj.reason:
            out.append(
                DataIssue(
                    code="adjustment-no-reason",
                    where=f"budget.adjustments[{i}].reason",
                    message=f"预算{adj.kind} {_w(adj.amount)} 未说明原因",
                )
            )
    total = bud.total or (bud.expenditure_total if not bud.adjustments else None)
    if bud.executed and total and bud.executed.yuan > total.yuan:
        out.append(
            DataIssue(
                code="over-budget",
                where="budget.executed",
                message=f"全年执行数 {_w(bud.executed)} 超过全年预算数 {_w(total)}",
            )
        )
    out += _rate_issue(
        sheet, "budget.execution_rate", "budget.execution_rate_calc", "预算执行率", "budget.execution_rate"
    )
    rate = sheet.get("budget.execution_rate_calc") or sheet.get("budget.execution_rate")
    if rate and rate.value < rules.low_execution_rate and not bud.low_execution_reason:
        out.append(
            DataIssue(
                code="low-execution-no-reason",
                where="budget.low_execution_reason",
                message=f"预算执行率 {rate.written()} 低于 {format_number(rules.low_execution_rate)}%，未说明原因",
            )
        )
    balance = sheet.get("budget.balance_calc")
    if balance and bud.carryover and _differs(balance.value, bud.carryover.to(balance.unit)):
        out.append(
            DataIssue(
                code="balance",
                where="budget.carryover",
                message=f"全年预算数减执行数为 {balance.written()}，与结转结余 {_w(bud.carryover)} 不符",
            )
        )
    if len(data.projects) > 1 and bud.project:
        psum = sheet.get("projects.total_budget_sum") or sheet.get("projects.initial_budget_sum")
        if psum and _differs(psum.value, bud.project.to(psum.unit)):
            out.append(
                DataIssue(
                    code="projects-sum",
                    where="projects",
                    severity="info",
                    message=f"所列各项目预算合计 {psum.written()} 与项目支出 {_w(bud.project)} 不符"
                    "（如只列了部分项目可忽略）",
                )
            )
    return out


def _rate_issue(sheet: FactSheet, stated_id: str, calc_id: str, label: str, where: str) -> list[DataIssue]:
    stated, calc = sheet.get(stated_id), sheet.get(calc_id)
    if not stated or not calc:
        return []
    decimals = max(0, -stated.value.as_tuple().exponent)  # type: ignore[operator]
    if calc.matches(stated.value, "%", decimals):
        return []
    return [
        DataIssue(
            code="rate-mismatch",
            where=where,
            message=f"{label}写作 {format_number(stated.value)}%，按金额计算应为 {calc.written()}",
        )
    ]


def _project_issues(sheet: FactSheet, i: int, p: Project, rules: ScoringRules) -> list[DataIssue]:
    pre, src = f"p{i}", f"projects[{i - 1}]"
    out: list[DataIssue] = []
    budget = p.total_budget or p.initial_budget
    if p.executed and budget and p.executed.yuan > budget.yuan:
        out.append(
            DataIssue(
                code="over-budget",
                where=f"{src}.executed",
                message=f"“{p.name}”全年执行数 {_w(p.executed)} 超过预算数 {_w(budget)}",
            )
        )
    if p.initial_budget and p.total_budget and p.initial_budget.yuan != p.total_budget.yuan and not p.adjustment_reason:
        out.append(
            DataIssue(
                code="adjustment-no-reason",
                where=f"{src}.adjustment_reason",
                message=f"“{p.name}”年初预算 {_w(p.initial_budget)} 调整为 {_w(p.total_budget)}，未说明原因",
            )
        )
    out += _rate_issue(
        sheet, f"{pre}.execution_rate", f"{pre}.execution_rate_calc", f"“{p.name}”执行率", f"{src}.execution_rate"
    )
    rate = sheet.get(f"{pre}.execution_rate_calc") or sheet.get(f"{pre}.execution_rate")
    if rate and rate.value < rules.low_execution_rate and not p.low_execution_reason:
        out.append(
            DataIssue(
                code="low-execution-no-reason",
                where=f"{src}.low_execution_reason",
                message=f"“{p.name}”执行率 {rate.written()} 低于 {format_number(rules.low_execution_rate)}%，"
                "未说明原因",
            )
        )
    weights: dict[str, Decimal] = {}
    for j, ind in enumerate(p.indicators):
        where = f"{src}.indicators[{j}]"
        if ind.quantified and ind.actual is None and not ind.actual_text:
            out.append(
                DataIssue(
                    code="target-no-actual",
                    where=f"{where}.actual",
                    message=f"“{p.name}”指标“{ind.name}”有年度指标值，但没有实际完成值",
                )
            )
        if ind.quantified and not ind.unit:
            out.append(
                DataIssue(
                    code="target-no-unit",
                    where=f"{where}.unit",
                    message=f"“{p.name}”指标“{ind.name}”的指标值没有度量单位",
                )
            )
        if ind.weight is not None and ind.score is not None and ind.score > ind.weight:
            out.append(
                DataIssue(
                    code="score-over-weight",
                    severity="error",
                    where=f"{where}.score",
                    message=f"“{p.name}”指标“{ind.name}”得分 {format_number(ind.score)} 超过分值 "
                    f"{format_number(ind.weight)}",
                )
            )
        calc = sheet.get(f"{pre}.i{j + 1}.score_calc")
        if calc and ind.score is not None and _differs(calc.value, ind.score, Decimal("0.5")):
            out.append(
                DataIssue(
                    code="score-recomputed",
                    where=f"{where}.score",
                    severity="info",
                    message=f"“{p.name}”指标“{ind.name}”得分写作 {format_number(ind.score)}，"
                    f"按完成情况计算应为 {calc.written()}",
                )
            )
        if ind.weight is not None:
            level = level_of(ind)
            weights[level] = weights.get(level, Decimal(0)) + ind.weight
    if weights:
        total = sum(weights.values(), Decimal(0)) + rules.execution_weight
        if total != rules.total:
            out.append(
                DataIssue(
                    code="weights-total",
                    where=f"{src}.indicators",
                    message=f"“{p.name}”各指标分值合计 {format_number(total)} 分（含执行率 "
                    f"{format_number(rules.execution_weight)} 分），应为 {format_number(rules.total)} 分",
                )
            )
        for level, expected in rules.level_weights.items():
            if level in weights and weights[level] != expected:
                out.append(
                    DataIssue(
                        code="level-weights",
                        where=f"{src}.indicators",
                        severity="info",
                        message=f"“{p.name}”{level}分值合计 {format_number(weights[level])} 分，"
                        f"通常应为 {format_number(expected)} 分",
                    )
                )
    if p.self_score is not None and p.grade and grade_for(p.self_score, rules) != p.grade:
        out.append(
            DataIssue(
                code="grade-mismatch",
                severity="error",
                where=f"{src}.grade",
                message=f"“{p.name}”自评得分 {format_number(p.self_score)} 分应为“{grade_for(p.self_score, rules)}”，"
                f"却写作“{p.grade}”",
            )
        )
    score_calc = sheet.get(f"{pre}.score_calc")
    if score_calc and p.self_score is not None and _differs(score_calc.value, p.self_score, Decimal("0.5")):
        out.append(
            DataIssue(
                code="score-recomputed",
                where=f"{src}.self_score",
                message=f"“{p.name}”自评得分 {format_number(p.self_score)} 分，按执行率和指标完成情况重算为 "
                f"{score_calc.written()}",
            )
        )
    return out


def _overall_issues(sheet: FactSheet, rules: ScoringRules) -> list[DataIssue]:
    data = sheet.data
    out: list[DataIssue] = []
    for i, row in enumerate(data.overall_table):
        if row.weight is not None and row.score is not None and row.score > row.weight:
            out.append(
                DataIssue(
                    code="score-over-weight",
                    severity="error",
                    where=f"overall_table[{i}].score",
                    message=f"整体自评表“{row.task}”得分 {format_number(row.score)} 超过分值 "
                    f"{format_number(row.weight)}",
                )
            )
    weights = [r.weight for r in data.overall_table if r.weight is not None]
    if weights and sum(weights, Decimal(0)) != rules.total:
        out.append(
            DataIssue(
                code="weights-total",
                where="overall_table",
                message=f"整体自评表分值合计 {format_number(sum(weights, Decimal(0)))} 分，应为 "
                f"{format_number(rules.total)} 分",
            )
        )
    sa = data.self_assessment
    if sa.score is not None and sa.grade and grade_for(sa.score, rules) != sa.grade:
        out.append(
            DataIssue(
                code="grade-mismatch",
                severity="error",
                where="self_assessment.grade",
                message=f"自评总分 {format_number(sa.score)} 分应为“{grade_for(sa.score, rules)}”，却写作“{sa.grade}”",
            )
        )
    scores = [r.score for r in data.overall_table if r.score is not None]
    if scores and sa.score is not None and _differs(sum(scores, Decimal(0)), sa.score):
        out.append(
            DataIssue(
                code="parts-total",
                where="self_assessment.score",
                message=f"整体自评表各项得分合计 {format_number(sum(scores, Decimal(0)))} 分，与自评总分 "
                f"{format_number(sa.score)} 分不符",
            )
        )
    return out
