"""Reasons: whether a report says why money was not spent or why a budget changed, and where it should say it."""

from __future__ import annotations

import re

from assistant.checks.execution_rows import Adjustment, form_at
from assistant.checks.registry import Context

# A stated reason: 原因是/由于/受…影响/尚未…; the column names 偏差原因分析 and a form's printed note are not reasons.
REASON = re.compile(
    r"原因(?:是|为|在于|系|主要|[：:](?!\s*[|\n]))|由于|因为|受[^，。；|\n]{1,14}影响|导致|致使|尚未|未能|未及时|暂未"
    r"|滞后|延迟|推迟|延期|待[^，。；|\n]{0,6}(?:结算|验收|支付|拨付|审计|完工)|主要是"
)
_PRINTED_NOTE = re.compile(r"需说明原因|说明原因[（(]|原因分析")
# (?:偏差|未完成|未达标)?原因分析…措施 | 存在…问题…, with the optional opening spelt out alternative by alternative (the
# order the engine tries them): every alternative opens with a fixed character, so the engine skips to them.
_REASON_COLUMN = re.compile(
    "|".join(f"{opening}原因分析[及和与]?\\s*(?:改进|整改)?\\s*措施" for opening in ("偏差", "未完成", "未达标", ""))
    + r"|存在(?:的)?问题[及和与]?\s*(?:原因|改进措施|整改措施)?"
)


def has_reason(ctx: Context, lo: int, hi: int) -> bool:
    """Whether ``text[lo:hi]`` states why money was not spent (not merely that it carries over)."""
    for m in REASON.finditer(ctx.text, lo, hi):
        near = ctx.text[max(m.start() - 4, 0) : m.end() + 6]
        if not _PRINTED_NOTE.search(near):
            return True
    return False


def block_of(ctx: Context, start: int, end: int) -> tuple[int, int]:
    """Where a reason for a rate at ``start:end`` would be written: its form, else its paragraph (at most a few sentences)."""
    form = form_at(ctx, start)
    if form is not None:
        return form
    lo, hi = ctx.paragraph_at(start)
    return max(lo, start - 200), min(hi, end + 300) if hi > lo else end + 300


def reason_column(ctx: Context, lo: int, hi: int) -> tuple[int, int] | None:
    """The header of a reason/problem column in ``text[lo:hi]`` (where a missing reason belongs)."""
    m = _REASON_COLUMN.search(ctx.text, lo, hi)
    return (m.start(), m.end()) if m else None


# A cause written before the change counts as much as one after it: "因省级下达补助追加420万元".
_ADJUST_REASON = re.compile(
    r"用于|新增|(?:因|由于|根据|按照|为了)[^，。；\n]{1,24}?(?:需要|增加|减少|调整|追加|调增|调减|核减|下达|安排)"
)


def adjustment_explained(ctx: Context, adj: Adjustment) -> bool:
    """Whether the report says why the budget changed: in the form, or in the sentence or the next one."""
    form = form_at(ctx, adj.start)
    if form is not None:
        lo, hi = form
    else:
        lo, hi = ctx.sentence_at(adj.start)
        following = ctx.sentence_at(hi + 1)
        hi = max(hi, following[1])
    return has_reason(ctx, lo, hi) or _ADJUST_REASON.search(ctx.text, lo, hi) is not None
