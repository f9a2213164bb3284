"""Arithmetic the report states: totals and their parts, rates and the amounts they come from."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from assistant.checks.amounts import Amount, amounts_in
from assistant.checks.finding import Finding
from assistant.checks.registry import Context, rule
from assistant.text.numbers import NumberMention
from assistant.units import MONEY_UNITS, format_number, to_yuan

_OF_WHICH = re.compile(r"其中[：:，,]?")
_TOTAL_AFTER = re.compile(r"(合计|共计|总计|累计|总额)(为|达|达到)?[：:]?")
_RATE = re.compile(r"(预算执行率|执行率|支出率|预算完成率|完成(年初|全年)?预算的?)(为|达到?|是)?\s*$")


def _half_step(*mentions: NumberMention) -> Decimal:
    """Half a unit of the coarsest figure written, in 元: the rounding a report may carry."""
    worst = Decimal(0)
    for n in mentions:
        if n.unit in MONEY_UNITS:
            step = to_yuan(Decimal(1).scaleb(-n.decimals), n.unit) / 2
            worst = max(worst, step)
    return worst


@rule("arithmetic.parts-total", "分项之和与所述合计不符（“其中”“合计”）", category="arithmetic", severity="error")
def parts_total(ctx: Context) -> Iterator[Finding]:
    """A stated total that its stated parts don't add up to."""
    text = ctx.text
    for m in _OF_WHICH.finditer(text):
        k = m.start()
        before = [a for a in amounts_in(ctx, k - 100, k) if a.mention.end <= k]
        if not before:
            continue
        total = before[-1]
        if text.count("。", total.mention.end, k):
            continue  # the figure belongs to an earlier sentence
        stop = text.find("。", m.end())
        stop = ctx.paragraph_at(k)[1] if stop < 0 else min(stop, ctx.paragraph_at(k)[1])
        nxt = text.find("其中", m.end(), stop)
        if nxt >= 0:
            stop = nxt
        parts = [a for a in amounts_in(ctx, m.end(), stop) if a.mention.end <= stop]
        yield from _compare(ctx, total, parts, "其中")
    for m in _TOTAL_AFTER.finditer(text):
        after = amounts_in(ctx, m.end(), m.end() + 3)
        if not after:
            continue
        total = after[0]
        sent_start, _ = ctx.sentence_at(m.start())
        if "其中" in text[sent_start : m.start()]:
            continue  # the parts belong to a 其中 list, checked above
        parts = [a for a in amounts_in(ctx, sent_start, m.start()) if a.mention.end <= m.start()]
        yield from _compare(ctx, total, parts, m.group(1))


def _compare(ctx: Context, total: Amount, parts: list[Amount], word: str) -> Iterator[Finding]:
    if len(parts) < 2:
        return
    summed = sum((p.yuan for p in parts), Decimal(0))
    tolerance = _half_step(total.mention, *(p.mention for p in parts)) * len(parts)
    if abs(summed - total.yuan) <= tolerance:
        return
    unit = total.mention.unit or "元"
    shown = format_number(summed / MONEY_UNITS[unit])
    listing = " + ".join(p.mention.raw for p in parts)
    start, end = total.mention.start, parts[-1].mention.end
    if total.mention.start > parts[0].mention.start:
        start, end = parts[0].mention.start, total.mention.end
    yield ctx.finding(
        "arithmetic.parts-total",
        "arithmetic",
        "error",
        start,
        end,
        f"分项之和与合计不符：{listing} = {shown}{unit}，而合计写作 {total.mention.raw}（“{word}”）",
        "核对合计数与各分项金额，改正错误的一项；如分项并非全部，请写明“主要包括”",
    )


@rule("arithmetic.rate", "所写执行率与其金额算出的不符", category="arithmetic", severity="error")
def stated_rate(ctx: Context) -> Iterator[Finding]:
    """A stated rate that disagrees with the budget and spending figures it is computed from."""
    text = ctx.text
    for n in ctx.numbers:
        if n.kind != "percent" or n.comparator:
            continue  # "执行率低于90%" is a threshold, not a stated rate
        sent_start, _ = ctx.sentence_at(n.start)
        if not _RATE.search(text[max(sent_start, n.start - 12) : n.start]):
            continue
        para_start = ctx.paragraph_at(n.start)[0]
        near = amounts_in(ctx, para_start, n.start)
        budget = next((a for a in reversed(near) if a.attribute == "budget"), None) or next(
            (a for a in reversed(near) if a.attribute == "initial"), None
        )
        spent = next((a for a in reversed(near) if a.attribute == "spent"), None)
        if not budget or not spent or budget.item != spent.item or not budget.yuan:
            continue
        rate = spent.yuan / budget.yuan * 100
        step = Decimal(1).scaleb(-n.decimals)
        if n.value in (rate.quantize(step, ROUND_HALF_UP), rate.quantize(step, ROUND_DOWN)):
            continue
        yield ctx.finding(
            "arithmetic.rate",
            "arithmetic",
            "error",
            n.start,
            n.end,
            f"执行率写作 {n.raw}，但按 {spent.mention.raw} ÷ {budget.mention.raw} 计算应为 {format_number(rate, 2)}%",
            f"改为 {format_number(rate, 2)}%，或核对预算数与执行数",
        )
