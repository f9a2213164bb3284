"""Figures checked against the department's data (``--data``): unsupported ones and ones that contradict it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from assistant.checks.amounts import Amount, amounts, same_item
from assistant.checks.finding import Finding, Severity
from assistant.checks.registry import Context, rule

if TYPE_CHECKING:
    # Only named in annotations: a review without data never loads the data's models.
    from assistant.budget.facts import Fact, FactSheet

CHECKED_KINDS = ("money", "percent", "count", "time", "score")


@rule(
    "grounding.unsupported",
    "报告中的数字在数据中找不到依据（需 --data）",
    category="ungrounded_number",
    severity="warning",
    example="全年执行数为486.20万元。（数据中该部门全年执行数为 468.20 万元，没有 486.20 万元这个数）",
    counter_example="全年执行数为4682000元。（数据为 468.20 万元：换算单位后相同，不标出）",
)
def unsupported(ctx: Context) -> Iterator[Finding]:
    """Every money, rate, count or score figure must match a fact, at the precision written."""
    sheet = ctx.facts
    if sheet is None:
        return
    contradicted = {a.mention.start for a in amounts(ctx) if _disagreement(sheet, a)}
    for n in ctx.numbers:
        if n.kind not in CHECKED_KINDS or n.start in contradicted:
            continue
        if sheet.supporting(n, ctx.text):
            continue
        severity: Severity = "warning" if n.kind in ("money", "percent") else "info"
        yield ctx.finding(
            "grounding.unsupported",
            "ungrounded_number",
            severity,
            n.start,
            n.end,
            f"数据中没有与“{n.raw}”相符的数字（已按单位换算和所写精度比对）",
            "核对该数字的来源；如数据有误请先改数据，如是笔误请改为数据中的数",
        )


@rule(
    "grounding.contradiction",
    "报告中某项目的金额与数据不一致（需 --data）",
    category="contradiction",
    severity="error",
    example="职工服务站运维资金全年执行数32.60万元。（数据中该项目执行数为 36.20 万元）",
    counter_example="职工服务站运维资金全年预算40万元。（数据中该项目全年预算为 40 万元）",
)
def contradiction(ctx: Context) -> Iterator[Finding]:
    """A money figure for a known project and attribute that disagrees with the data."""
    sheet = ctx.facts
    if sheet is None:
        return
    for a in amounts(ctx):
        expected = _disagreement(sheet, a)
        if not expected:
            continue
        shown = "、".join(f"{f.attribute} {f.written()}" for f in expected)
        yield ctx.finding(
            "grounding.contradiction",
            "contradiction",
            "error",
            a.mention.start,
            a.mention.end,
            f"“{a.item}”此处写作 {a.mention.raw}，而数据中为 {shown}",
            f"改为 {expected[0].written()}，或先核对数据",
        )


def _project_facts(sheet: FactSheet, item: str, attribute: str) -> list[Fact]:
    wanted = {"initial": ("initial_budget",), "budget": ("total_budget", "initial_budget")}.get(
        attribute, ("executed",)
    )
    for i, p in enumerate(sheet.data.projects, 1):
        if same_item(p.name, item):
            return [f for name in wanted if (f := sheet.get(f"p{i}.{name}"))]
    return []


def _disagreement(sheet: FactSheet, a: Amount) -> list[Fact]:
    """The data's facts for this figure's item and attribute when none of them matches it, else []."""
    if a.item is None or a.attribute == "other" or a.mention.unit is None:
        return []
    facts = _project_facts(sheet, a.item, a.attribute)
    if not facts or any(f.matches(a.mention.value, a.mention.unit, a.mention.decimals) for f in facts):
        return []
    return facts
