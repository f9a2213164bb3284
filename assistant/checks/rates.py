"""The rates ledger: every budget-execution (spending) rate a report states or lets a reader compute.

A reviewer reads a spending rate from four kinds of text, and so does this module:

- stated: a rate word and its value, in prose or in a flattened row ("预算执行率为78%", "资金使用率 | 62% |",
  "执行率(%)执行率权重执行率得分(分)O76%107.6"); a threshold ("执行率低于90%的需说明原因") is not a rate;
- a row triple: budget, spending and a percent that is their quotient ("808.1 | 692.98 | 86%");
- a form: a flattened self-evaluation form whose header names 执行率 far from its value (PDF text-box order);
- derived: a spending figure set against the budget of the same item ("安排239万元…支出共计87.06万元").

Arrival rates (到位率, 下达率) measure money received, not spent, and are left out.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from assistant.checks.amounts import Amount, amounts
from assistant.checks.breakdowns import part_starts
from assistant.checks.execution_rows import HEADER_RUN, form_at, forms, header_rows, parse, quotient_matches, triples
from assistant.checks.registry import Context
from assistant.checks.spans import finditer_anchored, last_of
from assistant.units import format_number

Source = Literal["stated", "row", "form", "derived"]

# A spending rate: 执行率/支出率 on their own, or 完成/使用/兑付/支付/发放率 of money. 到位率 and 下达率 are arrival.
RATE_WORD = (
    r"(?:预算|资金|经费|补贴|补助|财政|项目)?[\u4e00-\u9fa5]{0,6}?(?:执行率|支出率)"
    r"|(?:预算|资金|经费|补贴|补助)[\u4e00-\u9fa5]{0,4}?(?:完成|使用|兑付|支付|发放)率"
)
_RATE_WORD = re.compile(RATE_WORD)
_CORE = re.compile(r"(?:预算|资金|经费|补贴|补助)?(?:执行|支出|完成|使用|兑付|支付|发放)率$")
# Between a rate word and its value: separators, a unit or formula in brackets, other column names of the same
# header, and an indicator's comparator and target ("| ≥ | 90 | % |", the actual follows).
_COLUMN_WORDS = r"(?:执行率|支出率|权重|分值|得分|满分|指标值|实际值|完成值|全年|实际)"
_GAP = re.compile(
    r"(?:[\s|:：]|为|是|达到?|了|约|[（(][^（()）\n]{0,14}[)）]|[%％](?![\d])|" + _COLUMN_WORDS + r"){0,10}"
)
_TARGET = re.compile(r"(?:[≥≤=＝≧≦═＞＜><]|不低于|不少于|不高于)\s*\|?\s*\d+(?:\.\d+)?\s*\|?\s*[%％]?\s*\|?\s*")
# OCR reads a 0 or a stray mark before a figure as the letter O ("O76%"); it is not part of the value.
_VALUE = re.compile(r"[Oo]?(?<![\d.])(\d{1,3}(?:\.\d+)?)\s*[%％]")
_THRESHOLD_BEFORE = re.compile(r"(低于|高于|不足|不到|小于|大于|超过|以下|以上|≥|≤|＞|＜|>|<)\s*$")
_NOT_A_RATE_AFTER = re.compile(r"\s*(以下|以上|的|及以)")

# Words that make a figure the spending total of its item (实际支出, 支出共计, 累计使用, 执行数 …).
_SPENT_TOTAL = re.compile(
    r"(?:实际|累计|全年|共计?|合计|总|已|完成)[\u4e00-\u9fa5]{0,3}?(?:支出|使用|执行|支付)[\u4e00-\u9fa5]{0,3}$"
    r"|(?:支出|使用|执行|支付)(?:共计|合计|总额|金额|数)[为是:：]?$"
)
_HEADING_MARK = re.compile(r"[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]")
_FREE_PERCENT = re.compile(r"(?<![\d.≥≤=＝≧≦═><%％])(\d{1,3}(?:\.\d+)?)\s*[%％](?!\s*[≥≤=><\d])")


@dataclass(frozen=True)
class Rate:
    """A spending rate in percent, where it is written (or the spending sentence it is derived from), and how."""

    value: Decimal
    start: int
    end: int
    source: Source
    basis: str  # how a reader gets it, e.g. "执行率 86%" or "87.06万元 ÷ 239万元"
    item: str | None = None

    def shown(self) -> str:
        """The rate as the report writes it, or as computed (to two decimals)."""
        return f"{format_number(self.value, 2) if self.source == 'derived' else self.value}%"


def rates(ctx: Context) -> list[Rate]:
    """Every spending rate in the report, stated or derivable, in document order (memoised per review)."""

    def compute(c: Context) -> list[Rate]:
        found: list[Rate] = []
        taken: set[int] = set()
        for r in [*_stated(c), *_triples(c)]:
            if r.start not in taken:
                taken.add(r.start)
                found.append(r)
        found.extend(_form_rates(c, found))
        with_form_rate = {form_at(c, r.start) for r in found if r.source == "form"}
        for row in header_rows(c):
            if form_at(c, row.start) not in with_form_rate:
                basis = f"{row.spent} ÷ {row.budget}"
                found.append(Rate(row.rate(), row.start, row.end, "derived", basis))
        found.extend(_derived(c, found))
        found.sort(key=lambda r: r.start)
        return found

    return ctx.memo("rates", compute)


def _skip_gap(text: str, pos: int) -> int:
    gap = _GAP.match(text, pos)
    return gap.end() if gap else pos


def _stated(ctx: Context) -> list[Rate]:
    text = ctx.text
    out = []
    # a rate word ends in 率 and is at most 11 characters long: search only near each 率
    for m in finditer_anchored(_RATE_WORD, text, "率", 10, 11):
        word = m.group()
        if "到位" in word or "下达" in word:
            continue
        pos = _skip_gap(text, m.end())
        target = _TARGET.match(text, pos)
        if target:
            pos = _skip_gap(text, target.end())
        v = _VALUE.match(text, pos)
        if v is None or v.start(1) - m.end() > 40:
            continue
        before = text[max(m.start() - 6, 0) : m.start()] + text[m.end() : v.start(1)]
        if _THRESHOLD_BEFORE.search(before) or _NOT_A_RATE_AFTER.match(text, v.end()):
            continue  # "执行率低于90%", "执行率90%以下的": thresholds, not the report's rate
        label = _CORE.search(word)
        shown = label.group() if label else word
        out.append(Rate(Decimal(v.group(1)), v.start(), v.end(), "stated", f"{shown} {v.group().lstrip('Oo')}"))
    return out


def _triples(ctx: Context) -> list[Rate]:
    """Budget, spending and their quotient side by side: a row of an execution table, whatever its labels."""
    out = []
    for m in triples(ctx):
        a, b, p = parse(m.group("a")), parse(m.group("b")), m.group("p")
        if not quotient_matches(b, a, p):
            continue
        out.append(Rate(Decimal(p), m.start("p"), m.end(), "row", f"{m.group('b')} ÷ {m.group('a')} = {p}%"))
    return out


def _form_rates(ctx: Context, known: list[Rate]) -> list[Rate]:
    """In a flattened form whose header names 执行率 but holds no value next to it, the form's first free percent."""
    out = []
    starts = sorted(r.start for r in known)
    for start, end in forms(ctx):
        if _any_in(starts, start, end):
            continue
        # Only a header run of column names ("全年执行数 分值 执行率 得分") makes the form a flattened table.
        header = next((h for h in HEADER_RUN.finditer(ctx.text, start, end) if "执行率" in h.group()), None)
        if header is None:
            continue
        for v in _FREE_PERCENT.finditer(ctx.text, header.end(), end):
            out.append(Rate(Decimal(v.group(1)), v.start(), v.end(), "form", f"执行率 {v.group()}"))
            break
    return out


def _derived(ctx: Context, known: list[Rate]) -> list[Rate]:
    """A spending figure against the budget before it in the same paragraph, for the same item."""
    out = []
    money = amounts(ctx)
    parts = part_starts(ctx)
    starts = sorted(r.start for r in known)
    for i, a in enumerate(money):
        if a.attribute != "spent" or a.yuan <= 0:
            continue
        if not _SPENT_TOTAL.search(ctx.text, max(a.mention.start - 10, 0), a.mention.start):
            continue  # "发放农机补贴30万元" may be one use among several; a rate needs the spending total
        para = ctx.paragraph_at(a.mention.start)
        if _any_in(starts, para[0], para[1]):
            continue  # the paragraph states its rate; derive nothing
        budget = _budget_before(money, i, para[0], a) or _only_budget(money, i, a, known)
        if budget is None or a.yuan > budget.yuan:
            continue
        if a.mention.start in parts:
            continue  # a part of a breakdown of the budget, not the spending of it
        value = a.yuan / budget.yuan * 100
        s = max(ctx.sentence_at(a.mention.start)[0], _clause_start(ctx.text, a.mention.start))
        e = a.mention.end
        basis = f"{a.mention.raw} ÷ {budget.mention.raw}"
        out.append(Rate(value, s, e, "derived", basis, a.item))
    return out


def _any_in(starts: list[int], lo: int, hi: int) -> bool:
    """Whether a sorted list of offsets holds one in ``[lo, hi)``."""
    i = bisect.bisect_left(starts, lo)
    return i < len(starts) and starts[i] < hi


def _clause_start(text: str, offset: int) -> int:
    """Where the clause holding ``offset`` starts (after the last comma, stop or line break before it)."""
    i = last_of(text, "，,。；;\n", offset) + 1
    headings = [m.start() for m in _HEADING_MARK.finditer(text, i, offset)]
    return headings[-1] if headings else i


def _only_budget(money: list[Amount], i: int, spent: Amount, known: list[Rate]) -> Amount | None:
    """The budget of a report that states exactly one, before its spending total in another section (a one-project
    report: 安排资金共计X万元 under 资金情况, 支出共计Y万元 under 实施情况). Only when the report states no rate and
    holds no other spending figure: then nothing else can be what Y is spent against."""
    if known:
        return None
    budgets = [b for b in money if b.attribute in ("budget", "initial")]
    if len(budgets) != 1 or any(b.attribute == "spent" and b is not spent for b in money):
        return None
    (budget,) = budgets
    before = budget.mention.start < spent.mention.start
    return budget if before and budget.item == spent.item and budget.yuan > 0 else None


def _budget_before(money: list[Amount], i: int, lo: int, spent: Amount) -> Amount | None:
    for j in range(i - 1, -1, -1):  # not reversed(money[:i]): that copies the list for every spending figure
        b = money[j]
        if b.mention.start < lo:
            return None
        if b.attribute == "spent":
            return None  # an earlier spending figure: this one is a part or a restatement
        if b.attribute in ("budget", "initial") and b.item == spent.item and b.yuan > 0:
            return b
    return None
