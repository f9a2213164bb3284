"""The same item given different amounts for the same attribute in different places."""

from __future__ import annotations

from collections.abc import Iterator

from assistant.checks.amounts import Amount, amounts, item_key
from assistant.checks.finding import Finding
from assistant.checks.registry import Context, rule

_ATTRIBUTE_NAMES = {"initial": "年初预算金额", "budget": "预算（安排）金额", "spent": "支出（执行）金额"}


@rule("items.conflicting-amounts", "同一项目的同一金额在不同地方写得不一样", category="contradiction", severity="error")
def conflicting_amounts(ctx: Context) -> Iterator[Finding]:
    """Flag a later figure that disagrees with the first one stated for the same item and attribute.

    Amounts are compared in 元, so 25万元 and 250000元 are the same amount and never flagged.
    """
    first: dict[tuple[str, str], Amount] = {}
    for a in amounts(ctx):
        if a.item is None or a.attribute == "other":
            continue
        key = (item_key(a.item), a.attribute)
        if key not in first:
            first[key] = a
            continue
        b = first[key]
        if a.yuan == b.yuan:
            continue
        line, _ = ctx.doc.line_col(b.mention.start)
        yield ctx.finding(
            "items.conflicting-amounts",
            "contradiction",
            "error",
            a.mention.start,
            a.mention.end,
            f"“{a.item}”的{_ATTRIBUTE_NAMES[a.attribute]}此处写作 {a.mention.raw}，"
            f"而前文（原文第 {line} 行）写作 {b.mention.raw}",
            "核对该项目的实际数据，统一全文的金额",
        )
