"""Years that belong to another reporting year where the text speaks of this year's work."""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator

from assistant.checks.finding import Finding
from assistant.checks.registry import Context, rule
from assistant.checks.scan import finditer_at

# Words that make an earlier year legitimate: history, comparison, a document's date, a period.
_HISTORY = re.compile(
    r"自\d{4}|[年月日]起|以来|至今|相比|同比|比上年|较上年|较\d{4}|上年|去年|历年|成立|设立|始于|于\d{4}年"
    r"|\d{4}\s*[-—–~至到]\s*\d{4}|规划|期间|连续|累计|截至|截止"
)


_TITLES = re.compile(r"《[^》]*》")


@rule(
    "dates.stale-year",
    "报告年度之外的年份（可能沿用了往年报告）",
    category="stale_date",
    severity="warning",
    example="某局2023年度部门整体支出绩效自评报告\n预算批复后及时上报2021年拟开展的重点项目。",
    counter_example="某局2023年度部门整体支出绩效自评报告\n自2018年起实行项目库管理，较2022年增加3个项目。",
)
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
        # An earlier year next to this year's in one sentence is usually a comparison: leave it. A year inside a
        # cited title (《关于开展2024年度…的通知》) is not this sentence's own year.
        if str(year) in _TITLES.sub("", sentence):
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


_CN_DATE = re.compile(
    r"(?<![〇零一二三四五六七八九十\d])[〇零一二三四五六七八九]{2,3}\s*年\s*[一二三四五六七八九十]{1,3}\s*月"
    r"|(?<![〇零一二三四五六七八九十])[〇零一二三四五六七八九]{4}\s*年\s*[一二三四五六七八九十]{1,3}\s*月\s*月"
    r"|(?<=\d)\s*([年月日])\s+\1|(?<=[〇零一二三四五六七八九十])\s*([年月])\s+\2"
)

# Where a _CN_DATE match can start: at two numerals (a year written out), or after a figure followed by a doubled
# 年/月/日. Both open with a character class, which the engine skips to; _CN_DATE itself opens with lookbehinds.
_CN_YEAR_START = re.compile(r"[〇零一二三四五六七八九](?=[〇零一二三四五六七八九])")
_DOUBLED_AFTER = re.compile(r"[\d〇零一二三四五六七八九十](?=\s*([年月日])\s+\1)")


_DOUBLED = re.compile(r"([年月日])\s+\1")
_NUMERALS = frozenset("〇零一二三四五六七八九十")


def _doubled_after(text: str) -> Iterator[int]:
    """The ends of ``_DOUBLED_AFTER``'s matches, found from each doubled 年/月/日 (a class of three characters the
    engine skips to, not every figure): the figure is the character before the blanks ahead of it. A doubling that
    overlaps the one before has that one's 年/月/日 before its blanks, never a figure, so skipping it loses none."""
    for m in _DOUBLED.finditer(text):
        p = m.start()
        while p > 0 and text[p - 1].isspace():  # \s is str.isspace, \d str.isdecimal for str patterns
            p -= 1
        if p > 0 and (text[p - 1] in _NUMERALS or text[p - 1].isdecimal()):
            yield p


def _cn_dates(text: str) -> Iterator[re.Match[str]]:
    """``_CN_DATE.finditer(text)``, tried only where a match can start."""
    years = (m.start() for m in _CN_YEAR_START.finditer(text))
    doubled = _doubled_after(text)
    return finditer_at(_CN_DATE, text, heapq.merge(years, doubled))


@rule(
    "dates.malformed",
    "中文日期写错：年份少了数字（二二年）、“月”“日”重复",
    category="typo",
    severity="warning",
    example="评价单位：某县财政局  二二三年 五月 月",
    counter_example="评价单位：某县财政局  二〇二三年五月",
)
def malformed_date(ctx: Context) -> Iterator[Finding]:
    """A written-out date whose year has two or three numerals, or whose 年/月/日 is doubled."""
    for m in _cn_dates(ctx.text):
        end = m.end()
        doubled = re.compile(r"\s*([年月日])\s+\1").match(ctx.text, end - 1) if not m.group(1) else None
        if doubled is not None:
            end = doubled.end()
        yield ctx.finding(
            "dates.malformed",
            "typo",
            "warning",
            m.start(),
            end,
            f"日期“{ctx.text[m.start() : end]}”写得不完整或有重复",
            "写完整的日期，如“二〇二三年五月”或“2023年5月”",
        )


# Terms that went out of use in a given year: a later report that still uses them copied old text.
OBSOLETE = {
    "预算外资金": (2011, "2011年起预算外资金已全部纳入预算管理，不再单列"),
    "营业税": (2016, "2016年5月起营业税已全面改征增值税"),
}
_OBSOLETE = re.compile("|".join(OBSOLETE))
_HISTORIC = re.compile(r"原|取消|纳入|改征|改为|以前|此前|曾")


@rule(
    "dates.obsolete-term",
    "报告年度已不存在的财政概念（如2011年后的“预算外资金”）",
    category="typo",
    severity="warning",
    example="2023年度项目支出绩效自评报告\n3、预算外资金维修项目：预算20万元。",
    counter_example="2023年度项目支出绩效自评报告\n原预算外资金已全部纳入预算管理。",
)
def obsolete_term(ctx: Context) -> Iterator[Finding]:
    """A term abolished before the reporting year, outside a sentence that speaks of its abolition."""
    year = ctx.year
    if year is None:
        return
    for m in _OBSOLETE.finditer(ctx.text):
        since, why = OBSOLETE[m.group()]
        s, e = ctx.sentence_at(m.start())
        if year < since or _HISTORIC.search(ctx.text, max(s, m.start() - 6), min(e, m.end() + 6)):
            continue
        yield ctx.finding(
            "dates.obsolete-term",
            "typo",
            "warning",
            m.start(),
            m.end(),
            f"这是 {year} 年度的报告，却使用“{m.group()}”：{why}",
            "按现行预算科目和资金来源写明名称",
        )
