"""Years that belong to another reporting year where the text speaks of this year's work."""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.checks.finding import Finding
from assistant.checks.registry import Context, rule

# Words that make an earlier year legitimate: history, comparison, a document's date, a period.
_HISTORY = re.compile(
    r"自\d{4}|[年月日]起|以来|至今|相比|同比|比上年|较上年|较\d{4}|上年|去年|历年|成立|设立|始于|于\d{4}年"
    r"|\d{4}\s*[-—–~至到]\s*\d{4}|规划|期间|连续|累计|截至|截止"
)


@rule("dates.stale-year", "报告年度之外的年份（可能沿用了往年报告）", category="stale_date", severity="warning")
def stale_year(ctx: Context) -> Iterator[Finding]:
    """An earlier year in a sentence about this year's work, e.g. a 2023 report planning "2021年拟开展"."""
    year = ctx.year
    if year is None:
        return
    text = ctx.text
    for n in ctx.numbers:
        if n.kind not in ("year", "date"):
            continue
        y = int(n.value)
        if y >= year or y < year - 15:
            continue
        s, e = ctx.sentence_at(n.start)
        sentence = text[s:e]
        if _HISTORY.search(sentence):
            continue
        # An earlier year next to this year's in one sentence is usually a comparison: leave it.
        if str(year) in sentence:
            continue
        yield ctx.finding(
            "dates.stale-year",
            "stale_date",
            "warning",
            n.start,
            n.end,
            f"这是 {year} 年度的报告，此处却写“{n.raw}”，且上下文不是历史沿革或对比；可能沿用了往年报告的文字",
            f"核对年份，如指本年度请改为 {year} 年",
        )
