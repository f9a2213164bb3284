"""Arithmetic the report states: totals and their parts, rates and the amounts they come from."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from assistant.checks.amounts import amounts_in
from assistant.checks.breakdowns import Breakdown, breakdowns, size
from assistant.checks.execution_rows import form_at, header_rows, miscomputed_rows, rate_matches
from assistant.checks.finding import Finding
from assistant.checks.rates import rates
from assistant.checks.registry import Context, rule
from assistant.checks.scan import finditer_run_before
from assistant.text.numbers import NumberMention, parse_chinese_numeral
from assistant.units import MONEY_UNITS, format_number, to_yuan

_DIGIT = re.compile(r"\d")

_RATE = re.compile(r"(预算执行率|执行率|支出率|预算完成率|完成(年初|全年)?预算的?)(为|达到?|是)?\s*$")


def _half_step(*mentions: NumberMention) -> Decimal:
    """Half a unit of the coarsest figure written, in 元: the rounding a report may carry."""
    worst = Decimal(0)
    for n in mentions:
        step = Decimal(1).scaleb(-n.decimals)
        worst = max(worst, (to_yuan(step, n.unit) if n.unit in MONEY_UNITS else step) / 2)
    return worst


@rule(
    "arithmetic.parts-total",
    "分项之和与所述合计不符（其中/合计/共计/分别为/具体是/括号内分项）",
    category="arithmetic",
    severity="error",
    example="下达补助资金860万元。具体是：校舍维修520万元；设备购置300万元。",
    counter_example="下达补助资金820万元（其中校舍维修520万元、设备购置300万元），全年支出760万元。",
)
def parts_total(ctx: Context) -> Iterator[Finding]:
    """A stated total that its stated parts don't add up to (more than the rounding the figures carry)."""
    for b in breakdowns(ctx):
        summed = sum((size(p) for p in b.parts), Decimal(0))
        total = size(b.total)
        # Each figure may carry half a step of rounding; whole counts carry none.
        tolerance = sum((_half_step(n) for n in (b.total, *b.parts) if n.unit in MONEY_UNITS or n.decimals), Decimal(0))
        if abs(summed - total) <= tolerance or (not b.exhaustive and summed < total):
            continue
        unit = b.total.unit or "元"
        shown = format_number(summed / MONEY_UNITS[unit]) if unit in MONEY_UNITS else format_number(summed)
        listing = " + ".join(p.raw for p in b.parts)
        yield ctx.finding(
            "arithmetic.parts-total",
            "arithmetic",
            "error",
            b.start,
            b.end,
            f"分项之和与合计不符：{listing} = {shown}{unit}，而合计写作 {b.total.raw}（“{b.word}”）",
            "核对合计数与各分项金额，改正错误的一项；如分项并非全部，请写明“主要包括”",
            fix=_corrected_total(ctx, b, summed) if b.exhaustive else None,
        )


_DIGITS = re.compile(r"\d[\d,，]*(?:\.\d+)?")


def _corrected_total(ctx: Context, b: Breakdown, summed: Decimal) -> str | None:
    """The breakdown's text with the total written as its parts' sum, in the total's unit and precision.

    Only for an exact total written in Arabic digits: the parts are all there, so their sum is the total.
    """
    total = b.total
    if total.approximate or total.comparator or total.unit not in MONEY_UNITS:
        return None
    digits = _DIGITS.search(total.raw)
    if digits is None:
        return None
    value = summed / MONEY_UNITS[total.unit]
    written = f"{value:.{max(total.decimals, 0)}f}" if total.decimals > 0 else format_number(value)
    if "," in digits.group() or "，" in digits.group():
        whole, _, frac = written.partition(".")
        written = f"{int(whole):,}" + (f".{frac}" if frac else "")
    raw = total.raw[: digits.start()] + written + total.raw[digits.end() :]
    quote = ctx.text[b.start : b.end]
    at = total.start - b.start
    return quote[:at] + raw + quote[at + len(total.raw) :]


@rule(
    "arithmetic.rate",
    "所写执行率与其金额算出的不符",
    category="arithmetic",
    severity="error",
    example="资助项目全年预算200万元，实际支出150万元，预算执行率为85%。",
    counter_example="资助项目全年预算200万元，实际支出150万元，预算执行率为75%。",
)
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

    yield from _header_row_rates(ctx)
    for row in miscomputed_rows(ctx):
        shown = format_number(row.rate(), 2)
        yield ctx.finding(
            "arithmetic.rate",
            "arithmetic",
            "error",
            row.start,
            row.end,
            f"执行率写作 {row.written}%，但按 {row.spent} ÷ {row.budget} 计算应为 {shown}%",
            f"改为 {shown}%，或核对预算数与执行数",
        )


def _header_row_rates(ctx: Context) -> Iterator[Finding]:
    """A form's written rate against the budget and spending bound to its column names."""
    for row in header_rows(ctx):
        form = form_at(ctx, row.start)
        if form is None:
            continue
        written = next(
            (r for r in rates(ctx) if r.source in ("stated", "form") and form[0] <= r.start < form[1]),
            None,
        )
        if written is None:
            continue
        number = re.sub(r"[^\d.]", "", ctx.text[written.start : written.end])
        if rate_matches(number, row):
            continue
        shown = format_number(row.rate(), 2)
        yield ctx.finding(
            "arithmetic.rate",
            "arithmetic",
            "error",
            written.start,
            written.end,
            f"执行率写作 {ctx.text[written.start : written.end]}，但按 {row.spent} ÷ {row.budget} 计算应为 {shown}%",
            f"改为 {shown}%，或核对预算数与执行数",
        )


_COUNT = r"(?P<n>\d{1,2}|[两二三四五六七八九十]{1,3})(?P<unit>个|项|类|家|所|座|条|支|批)"
_COUNT_THEN_LIST = re.compile(
    rf"(?:共|共计|合计|总计|涉及|包括|有)[\u4e00-\u9fa5]{{0,4}}?{_COUNT}(?P<noun>[\u4e00-\u9fa5]{{0,6}}?)[，,：:]?"
    r"(?:分别是|分别为|即|包括)[：:]?(?P<list>[^。；;！？\n，,（(]+)"
)
_LIST_THEN_COUNT = re.compile(
    rf"(?P<list>(?:[\u4e00-\u9fa5]{{2,20}}、)+[\u4e00-\u9fa5]{{2,24}}?)(?P<etc>等)?(?:共|共计|在内的)?{_COUNT}"
    r"(?=[\u4e00-\u9fa5]{0,6}[，,。；;：:\s])"
)


def _lists_then_counts(text: str) -> Iterator[re.Match[str]]:
    """``_LIST_THEN_COUNT.finditer(text)``, tried only before each 、 (the pattern may start at any Chinese
    character, and the engine would try every one)."""
    return finditer_run_before(_LIST_THEN_COUNT, text, "、", "\u4e00", "\u9fa5", 2, 20, _LIST_RUN, _COUNTED)


# A listed count is one run of Chinese characters, 、 and figures (the list, 等/共, the count), holding a numeral
# and its measure word after the list's first 、: a run without one gets no try.
_LIST_RUN = re.compile(r"[\u4e00-\u9fa5、\d]*")
_COUNTED = re.compile(r"[\d两二三四五六七八九十](?:个|项|类|家|所|座|条|支|批)")


_JOIN = re.compile(r"以及|和|及|与")
_COUNT_THEN_NUMBERED = re.compile(
    rf"(?:共|共计|合计|总计|涉及|包括|有)[\u4e00-\u9fa5]{{0,4}}?{_COUNT}[\u4e00-\u9fa5]{{0,6}}"
    r"(?:[，,：:\s]|如下|分别是|分别为|具体如下|具体是)*"
)
_ITEM_MARK = {
    "arabic": r"(?<![\d.])(\d{1,2})(?:、|[.．](?!\d))",
    "paren": r"[（(](\d{1,2})[）)]",
    "cn": r"(?<![一二三四五六七八九十])([一二三四五六七八九十]{1,3})、",
    "cnparen": r"[（(]([一二三四五六七八九十]{1,3})[）)]",
}
_RANK = {"cn": 1, "cnparen": 2, "arabic": 3, "paren": 4}
_ITEM_BEFORE = frozenset("\n。；;：:，,")


def _listed(raw: str) -> list[str] | None:
    """The names of an enumeration "A、B和C"; None when it is not a clean list of names."""
    if raw.endswith("等") or "等" in raw[-3:]:
        return None
    items = raw.split("、")
    if len(items) < 2:
        return None
    last = _JOIN.split(items[-1])
    items = [*items[:-1], *last]
    if any(not 2 <= len(i) <= 24 or _DIGIT.search(i) for i in items):
        return None
    return items


def _numbered_items(text: str, start: int) -> int | None:
    """How many items a numbered list starting at ``start`` has; None when there is none or the text ends in it."""
    first = [(k, m) for k, p in _ITEM_MARK.items() if (m := re.compile(p).match(text, start))]
    if not first or _count_value(first[0][1].group(1)) != 1:
        return None
    style = first[0][0]
    count, pos = 1, start + 1
    markers = {k: re.compile(p) for k, p in _ITEM_MARK.items()}
    while True:
        found = []
        for k, pattern in markers.items():
            m = pattern.search(text, pos, min(len(text), pos + 2000))
            while m and m.start() > 0 and text[m.start() - 1] not in _ITEM_BEFORE:
                m = pattern.search(text, m.end(), min(len(text), pos + 2000))
            if m:
                found.append((m.start(), k, m))
        if not found:
            return None  # the text ends inside the list (or the list runs on too long to judge)
        at, kind, m = min(found, key=lambda f: f[0])
        if kind == style and _count_value(m.group(1)) == count + 1:
            count, pos = count + 1, m.end()
            continue
        if kind == style or _RANK[kind] < _RANK[style]:
            return count  # a new list or a higher heading: this list has ended
        pos = m.end()  # a sub-item of a lower level inside an item


def _count_value(raw: str) -> int | None:
    try:
        return int(raw) if raw.isdigit() else int(parse_chinese_numeral(raw.replace("两", "二")))
    except ValueError:
        return None


def _count_mismatch(ctx: Context, m: re.Match[str], listed: str, what: str) -> Finding:
    """The count-items finding on the stated count ``m``: what the text lists instead, and what to check."""
    return ctx.finding(
        "arithmetic.count-items",
        "arithmetic",
        "warning",
        m.start(),
        m.end(),
        f"此处写 {m.group('n')}{m.group('unit')}，但{listed}",
        f"核对个数与列举的{what}，补全遗漏的一项或改正个数",
    )


@rule(
    "arithmetic.count-items",
    "所写个数与列举的项目数不符（“共3个项目，分别是A、B、C、D”）",
    category="arithmetic",
    severity="warning",
    example="全年共实施3个项目，分别是道路硬化、路灯安装、绿化提升和公厕改造。",
    counter_example="全年共实施4个项目，分别是道路硬化、路灯安装、绿化提升和公厕改造。",
)
def count_items(ctx: Context) -> Iterator[Finding]:
    """A stated count that the names listed beside it do not match."""
    text = ctx.text
    for m in _COUNT_THEN_NUMBERED.finditer(text):
        n = _count_value(m.group("n"))
        listed = _numbered_items(text, m.end())
        if n is None or listed is None or listed == n:
            continue
        yield _count_mismatch(ctx, m, f"随后编号列举了 {listed} 项", "条目")
    for pattern in (_COUNT_THEN_LIST, _LIST_THEN_COUNT):
        found = pattern.finditer(text) if pattern is _COUNT_THEN_LIST else _lists_then_counts(text)
        for m in found:
            if m.groupdict().get("etc"):
                continue  # "A、B等5个": the list is not all of them
            raw = m.group("list").strip()
            if pattern is _LIST_THEN_COUNT:
                # The list starts after the last separator before it: "包括A、B、C3个" lists A, B, C.
                raw = re.split(r"[，,：:；;。包括有即]", raw)[-1]
            items = _listed(raw)
            n = _count_value(m.group("n"))
            if items is None or n is None or n == len(items):
                continue
            yield _count_mismatch(ctx, m, f"列举了 {len(items)} 项（{'、'.join(items)}）", "名称")
