"""Execution rules: a spending rate below the threshold, or a budget adjusted during the year, with no reason given.

Many provinces require a stated reason when 预算执行率 is below 90% (the threshold is ``scoring.low_execution_rate`` in
the review config) and for any mid-year adjustment (调增/调减). Carrying money over (结转) is not a reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from assistant.checks.claims import Claim, same_scope, threshold
from assistant.checks.execution_rows import adjustments, form_at, forms
from assistant.checks.finding import Finding
from assistant.checks.rates import Rate, rates
from assistant.checks.reasons import adjustment_explained, block_of, has_reason, reason_column
from assistant.checks.registry import Context, rule
from assistant.units import format_number

_ABOUT_EXECUTION = re.compile(r"执行率|执行进度|支出进度|未支出|未使用|未支付|结转|结余|资金使用率|偏低")


def _explanations(ctx: Context) -> list[tuple[int, int]]:
    """Sentences about execution that give a reason, found once per review (every low rate is checked against them)."""
    return [(lo, hi) for lo, hi in _about_execution(ctx) if has_reason(ctx, lo, hi)]


def _about_execution(ctx: Context) -> list[tuple[int, int]]:
    """The sentences holding an ``_ABOUT_EXECUTION`` word, in order, from one search of the text: its words hold
    neither blanks nor closing marks, so none crosses a sentence's end."""
    found: dict[tuple[int, int], None] = {}
    for m in _ABOUT_EXECUTION.finditer(ctx.text):
        span = ctx.sentence_at(m.start())
        if span[0] <= m.start() and m.end() <= span[1]:
            found[span] = None
    return list(found)


def _explanations_in_form(ctx: Context, offset: int) -> list[tuple[int, int]]:
    """The explanations ``same_scope`` can accept for a rate at ``offset``: in a document of several forms only
    those of its form (grouped once per review), so a rate never walks the whole report."""
    found = ctx.memo("execution.explanations", _explanations)
    if len(forms(ctx)) < 2:
        return found

    def group(c: Context) -> dict[tuple[int, int] | None, list[tuple[int, int]]]:
        out: dict[tuple[int, int] | None, list[tuple[int, int]]] = {}
        for lo, hi in found:
            out.setdefault(form_at(c, lo), []).append((lo, hi))
        return out

    return ctx.memo("execution.explanations.by_form", group).get(form_at(ctx, offset), [])


def _explained_elsewhere(ctx: Context, r: Rate) -> bool:
    """Whether another sentence of the same scope explains low execution (a 存在问题 section often does)."""
    for lo, hi in _explanations_in_form(ctx, r.start):
        if lo <= r.start < hi:
            continue
        if same_scope(ctx, Claim(lo, hi, "steady", ""), r):
            return True
    return False


@rule(
    "execution.low-rate-no-reason",
    "预算执行率低于要求（默认 90%）却未说明原因",
    category="missing_value",
    severity="warning",
    example="项目全年预算120万元，实际支出86万元，剩余资金结转下年使用。",
    counter_example="项目执行率78%，主要原因是设备采购合同12月签订，尾款待验收后支付。",
)
def low_rate_without_reason(ctx: Context) -> Iterator[Finding]:
    """A spending rate below the threshold (``scoring.low_execution_rate``) with no stated cause in its block."""
    limit = threshold(ctx)
    seen: set[tuple[int, Decimal]] = set()
    for r in rates(ctx):
        if r.value >= limit:
            continue
        lo, hi = block_of(ctx, r.start, r.end)
        if (lo, r.value) in seen or has_reason(ctx, lo, hi) or _explained_elsewhere(ctx, r):
            continue
        seen.add((lo, r.value))
        column = reason_column(ctx, lo, hi) if form_at(ctx, r.start) else None
        start, end = column or (r.start, r.end)
        where = "，原因栏为空" if column else ""
        yield ctx.finding(
            "execution.low-rate-no-reason",
            "missing_value",
            "warning",
            start,
            end,
            f"执行率为 {r.shown()}（{r.basis}），低于 {format_number(limit)}%，但未说明原因{where}",
            "说明未执行部分的金额、原因（如合同未到付款节点、项目延期）和改进措施；结转本身不是原因",
        )


@rule(
    "execution.adjustment-no-reason",
    "年中调整（追加/调减）预算却未说明原因",
    category="missing_value",
    severity="warning",
    example="年初预算50万元，年中追加至80万元，全年支出79万元。",
    counter_example="年初预算50万元，年中追加至80万元，用于新增2处监测站点建设，全年支出79万元。",
)
def adjustment_without_reason(ctx: Context) -> Iterator[Finding]:
    """A budget raised or cut during the year (in an execution row or in prose) with no reason given."""
    seen: set[tuple[str, str, int]] = set()
    for adj in adjustments(ctx):
        form = form_at(ctx, adj.start)
        key = (adj.initial, adj.adjusted, form[0] if form else adj.start)
        if key in seen or adjustment_explained(ctx, adj):
            continue  # the 其中 row repeats the total row's change: one finding
        seen.add(key)
        change = f"由 {adj.initial} 调整为 {adj.adjusted}" if adj.initial else f"调整 {adj.adjusted}"
        yield ctx.finding(
            "execution.adjustment-no-reason",
            "missing_value",
            "warning",
            adj.start,
            adj.end,
            f"预算{change}，但未说明调整原因",
            "写明调增或调减的金额、依据和原因（如新增任务、政策调整）",
        )
