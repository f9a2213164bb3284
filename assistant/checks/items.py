"""The same item given different amounts for the same attribute in different places.

An item is a named project or fund (from the amount index), or a funding tier within one item or a one-item
report (中央资金 / 省级资金 / 市级资金 / 本级资金 …). Amounts are compared in 元, so 25万元 and 250000元 are one
amount. Two figures in one sentence, or a figure set against last year (上年、同比、增加), are not compared: a
year written differently elsewhere is the stale-date rule's business, not a reason to trust the figure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.checks.amounts import Amount, amounts, item_anchors, item_key, label_core, label_of
from assistant.checks.execution_rows import form_at, forms
from assistant.checks.finding import Finding
from assistant.checks.registry import Context, rule

_ATTRIBUTE_NAMES = {"initial": "年初预算金额", "budget": "预算（安排）金额", "spent": "支出（执行）金额"}
# A funding tier: the level of government the money comes from, as the words right before an amount say it.
_TIER = re.compile(
    r"(中央|省级|省|市级|市|县级|县|区级|区|本级|上级)(?=财政|资金|专项|补助|配套|拨付|下达|安排|预算|衔接)"
)
_TIER_NAMES = {"省": "省级", "市": "市级", "县": "县级", "区": "区级"}
_TIER_REACH = 12
_YEAR = re.compile(r"(?:19|20)\d{2}(?=年)")
_COMPARISON = re.compile(r"上年|去年|上一年|同比|较\d{4}年|较上|比上|增加|减少|下降|增长")


# Greedy: up to the last clause mark of a window.
_CLAUSE_BEFORE = re.compile(r"[\s\S]*[，,。；;：:、\n|（(]")


def clause_start(text: str, offset: int) -> int:
    """Where the clause before ``offset`` starts, looking back at most _TIER_REACH characters: right after the last
    clause mark (one regex over the window, not a step per character)."""
    lo = max(offset - _TIER_REACH, 0)
    last = _CLAUSE_BEFORE.match(text, lo, offset)
    return last.end() if last is not None else lo


def tier_of(ctx: Context, a: Amount) -> str | None:
    """The funding tier named just before an amount in its clause ("其中中央资金60万元" -> 中央), if any."""
    text = ctx.text
    lo = clause_start(text, a.mention.start)
    found = list(_TIER.finditer(text, lo, a.mention.start))
    if not found:
        return None
    tier = found[-1].group(1)
    return _TIER_NAMES.get(tier, tier)


def _key(ctx: Context, a: Amount, one_item: bool) -> tuple[str, ...] | None:
    tier = tier_of(ctx, a)
    if a.item is not None:
        if a.attribute == "other" and tier is None:
            return None
        return ("item", item_key(a.item), a.attribute, tier or "")
    form = form_at(ctx, a.mention.start)
    scope = str(form[0]) if form and len(forms(ctx)) >= 2 else ""
    label = label_of(ctx, a.mention)
    if label is not None:
        return ("label", label_core(label), a.attribute, tier or "", scope)
    if tier is not None and one_item:
        return ("tier", a.attribute, tier, scope)
    return None


def _other_year(ctx: Context, a: Amount, b: Amount, *, strict: bool) -> bool:
    """Whether the two figures compare or are about different years (``strict``: different years named)."""
    sa, sb = ctx.sentence_at(a.mention.start), ctx.sentence_at(b.mention.start)
    if sa == sb:
        return True  # one sentence giving two figures compares them
    ta, tb = ctx.text[sa[0] : sa[1]], ctx.text[sb[0] : sb[1]]
    if _COMPARISON.search(ta) or _COMPARISON.search(tb):
        return True
    ya, yb = set(_YEAR.findall(ta)), set(_YEAR.findall(tb))
    return strict and bool(ya and yb and not ya & yb)


@rule(
    "items.conflicting-amounts",
    "同一项目（或同一级次资金）的同一金额在不同地方写得不一样",
    category="contradiction",
    severity="error",
    example="一、资金情况\n本项目中央补助资金320万元，省级配套资金80万元。\n三、执行情况\n中央补助资金300万元已全部支出。",
    counter_example="一、资金情况\n本项目中央补助资金320万元。\n三、执行情况\n中央补助资金3200000元已全部支出。",
)
def conflicting_amounts(ctx: Context) -> Iterator[Finding]:
    """Flag a later figure that disagrees with the first one stated for the same item, tier and attribute.

    Amounts are compared in 元, so 25万元 and 250000元 are the same amount and never flagged.
    """
    one_item = len({name for _, _, name in item_anchors(ctx)}) <= 1
    first: dict[tuple[str, ...], Amount] = {}
    for a in amounts(ctx):
        key = _key(ctx, a, one_item)
        if key is None:
            continue
        if key not in first:
            first[key] = a
            continue
        b = first[key]
        if a.yuan == b.yuan or _other_year(ctx, a, b, strict=key[0] != "item"):
            continue
        line, _ = ctx.doc.line_col(b.mention.start)
        what = a.item or label_of(ctx, a.mention) or f"{tier_of(ctx, a)}资金"
        yield ctx.finding(
            "items.conflicting-amounts",
            "contradiction",
            "error",
            a.mention.start,
            a.mention.end,
            f"“{what}”的{_ATTRIBUTE_NAMES.get(a.attribute, '金额')}此处写作 {a.mention.raw}，"
            f"而前文（原文第 {line} 行）写作 {b.mention.raw}",
            "核对该项目的实际数据，统一全文的金额",
        )
