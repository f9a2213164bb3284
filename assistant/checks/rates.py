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

import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Literal

from assistant.checks.amounts import Amount, amounts
from assistant.checks.breakdowns import part_starts
from assistant.checks.registry import Context
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

# Cells are separated by "|" (one row per line, or one cell per line) or by spaces in whitespace-aligned text.
_SEP = r"(?:\s*\|\s*|[ \t]+)"
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_TRIPLE = re.compile(rf"(?<![\d.,])(?P<a>{_NUM}){_SEP}(?P<b>{_NUM}){_SEP}[Oo]?(?P<p>\d{{1,3}}(?:\.\d+)?)[ \t]*[%％]")
# Words that make a figure the spending total of its item (实际支出, 支出共计, 累计使用, 执行数 …).
_SPENT_TOTAL = re.compile(
    r"(?:实际|累计|全年|共计?|合计|总|已|完成)[\u4e00-\u9fa5]{0,3}?(?:支出|使用|执行|支付)[\u4e00-\u9fa5]{0,3}$"
    r"|(?:支出|使用|执行|支付)(?:共计|合计|总额|金额|数)[为是:：]?$"
)
_HEADING_MARK = re.compile(r"[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]")
_FORM_TITLE = re.compile(r"[\u4e00-\u9fa5（）()]{2,30}自评表")
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


def forms(ctx: Context) -> list[tuple[int, int]]:
    """Spans of the self-evaluation forms in the text (split at their titles); [] when there are none."""

    def compute(c: Context) -> list[tuple[int, int]]:
        starts = [m.start() for m in _FORM_TITLE.finditer(c.text)]
        if not starts:
            return []
        bounds = [*starts, len(c.text)]
        spans = [(bounds[i], bounds[i + 1]) for i in range(len(starts))]
        if starts[0] > 0:
            spans.insert(0, (0, starts[0]))
        return spans

    return ctx.memo("forms", compute)


def form_at(ctx: Context, offset: int) -> tuple[int, int] | None:
    """The form containing ``offset``, when the document is made of forms."""
    for start, end in forms(ctx):
        if start <= offset < end:
            return (start, end)
    return None


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
        for row in header_rows(c):
            if not any(r.source == "form" and form_at(c, r.start) == form_at(c, row.start) for r in found):
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
    for m in _RATE_WORD.finditer(text):
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


def _parse(num: str) -> Decimal:
    return Decimal(num.replace(",", ""))


def _quotient_matches(spent: Decimal, budget: Decimal, written: str) -> bool:
    """Whether ``written`` percent is spent/budget at the precision written (rounded or truncated)."""
    if budget <= 0 or spent > budget * 2:
        return False
    rate = spent / budget * 100
    step = Decimal(1).scaleb(-len(written.partition(".")[2]))
    value = Decimal(written)
    return value in (rate.quantize(step, ROUND_HALF_UP), rate.quantize(step, ROUND_DOWN))


def _triples(ctx: Context) -> list[Rate]:
    """Budget, spending and their quotient side by side: a row of an execution table, whatever its labels."""
    out = []
    for m in _TRIPLE.finditer(ctx.text):
        a, b, p = _parse(m.group("a")), _parse(m.group("b")), m.group("p")
        if not _quotient_matches(b, a, p):
            continue
        out.append(Rate(Decimal(p), m.start("p"), m.end(), "row", f"{m.group('b')} ÷ {m.group('a')} = {p}%"))
    return out


@dataclass(frozen=True)
class MiscomputedRow:
    """An execution row under a 预算数/执行数/执行率 header whose written rate is not its quotient."""

    budget: str
    spent: str
    written: str
    start: int
    end: int

    def rate(self) -> Decimal:
        """The quotient the row's figures give, in percent."""
        return _parse(self.spent) / _parse(self.budget) * 100


_EXEC_HEADER = re.compile(r"预算(?:数|金额)?[^\n]{0,40}?执行(?:数|金额)[^\n]{0,30}?执行率")


def miscomputed_rows(ctx: Context) -> list[MiscomputedRow]:
    """Rows whose header names budget, spending and rate in that order but whose rate is not spending ÷ budget."""

    def compute(c: Context) -> list[MiscomputedRow]:
        text = c.text
        out = []
        for m in _TRIPLE.finditer(text):
            a, b, p = _parse(m.group("a")), _parse(m.group("b")), m.group("p")
            if a <= 0 or _quotient_matches(b, a, p):
                continue
            if not _aligned(text, m):
                continue
            out.append(MiscomputedRow(m.group("a"), m.group("b"), p, m.start("p"), m.end()))
        return out

    return ctx.memo("miscomputed_rows", compute)


def _aligned(text: str, m: re.Match[str]) -> bool:
    """Whether the row's three figures sit in the budget, spending and rate columns of a header line above it."""
    line_start = text.rfind("\n", 0, m.start()) + 1
    line_end = text.find("\n", m.end())
    row = text[line_start : len(text) if line_end < 0 else line_end]
    pos = line_start
    for _ in range(3):
        if pos <= 0:
            return False
        above_start = text.rfind("\n", 0, pos - 1) + 1
        header = text[above_start : pos - 1]
        pos = above_start
        if not _EXEC_HEADER.search(header):
            continue
        names = [c.strip() for c in header.split("|")]
        budget = next((i for i, n in enumerate(names) if re.search(r"(全年|调整后)预算", n)), None)
        if budget is None:
            budget = next((i for i, n in enumerate(names) if "预算" in n and "执行" not in n), None)
        spent = next((i for i, n in enumerate(names) if re.search(r"执行(数|金额)", n)), None)
        rate = next((i for i, n in enumerate(names) if "执行率" in n), None)
        if budget is None or spent is None or rate is None:
            return False
        cell = [row[: x - line_start].count("|") for x in (m.start("a"), m.start("b"), m.start("p"))]
        return cell[1] - cell[0] == spent - budget and cell[2] - cell[1] == rate - spent
    return False


@dataclass(frozen=True)
class HeaderRow:
    """Figures bound to a run of execution-table column names by position (a PDF text layer's order)."""

    budget: str
    spent: str
    start: int
    end: int
    weight: str | None = None
    score: str | None = None

    def rate(self) -> Decimal:
        """Spending over budget, in percent."""
        return _parse(self.spent) / _parse(self.budget) * 100


_COLUMN = r"年初预算数?|全年预算数?|调整后预算数?|全年执行数?|预算执行数|执行数|预算执行率|执行率|分值|权重|得分"
_HEADER_RUN = re.compile(rf"(?:(?:{_COLUMN})[ \t]*\|?[ \t]*){{3,}}")
_TOKEN = re.compile(rf"\s*\|?\s*(?P<num>{_NUM})(?P<pct>\s*[%％])?")


def header_rows(ctx: Context) -> list[HeaderRow]:
    """Execution figures that follow a run of column names, bound in column order; only complete, sane rows."""

    def compute(c: Context) -> list[HeaderRow]:
        text = c.text
        out = []
        for m in _HEADER_RUN.finditer(text):
            labels = re.findall(_COLUMN, m.group())
            bound: dict[str, str] = {}
            pos, complete = m.end(), True
            for label in labels:
                t = _TOKEN.match(text, pos)
                is_rate = label.endswith("执行率")
                if t is None or (bool(t.group("pct")) != is_rate and not is_rate):
                    complete = False
                    break
                if is_rate and not t.group("pct"):
                    continue  # the rate column is empty here; its value is written elsewhere
                bound[label] = t.group("num")
                pos = t.end()
            budget = next(
                (bound[k] for k in ("调整后预算数", "调整后预算", "全年预算数", "全年预算") if k in bound), None
            )
            budget = budget or bound.get("年初预算数") or bound.get("年初预算")
            spent = next((bound[k] for k in ("全年执行数", "全年执行", "预算执行数", "执行数") if k in bound), None)
            if not complete or budget is None or spent is None or _parse(budget) <= 0:
                continue
            weight = bound.get("分值") or bound.get("权重")
            score = bound.get("得分")
            row = HeaderRow(budget, spent, m.end(), pos, weight, score)
            if weight and score:
                # The score of the execution row is its weight times the rate: a check that the binding is right.
                expected = _parse(weight) * min(row.rate(), Decimal(100)) / 100
                if abs(expected - _parse(score)) > _parse(weight) * Decimal("0.006") + Decimal("0.01"):
                    continue
            out.append(row)
        return out

    return ctx.memo("header_rows", compute)


def rate_matches(written: str, row: HeaderRow) -> bool:
    """Whether a written percent is the row's spending over budget at the precision written."""
    return _quotient_matches(_parse(row.spent), _parse(row.budget), written)


@dataclass(frozen=True)
class Adjustment:
    """A budget changed during the year: the initial and adjusted figures as written, and their span."""

    initial: str
    adjusted: str
    start: int
    end: int


_QUAD = re.compile(
    rf"(?<![\d.,])(?P<i>{_NUM}){_SEP}(?P<a>{_NUM}){_SEP}(?P<e>{_NUM}){_SEP}[Oo]?(?P<p>\d{{1,3}}(?:\.\d+)?)[ \t]*[%％]"
)
_ROW_START = re.compile(r"(?:[\u4e00-\u9fa5:：)）]\s*\|?\s*|^\s*)$", re.MULTILINE)
_ADJUST_PROSE = re.compile(
    r"(?:追加|调增|调减|调剂|核增|核减)(?:后|至|为|了)?(?:预算|资金|经费)?[^，。；\n\d]{0,6}?"
    r"(?P<a>\d+(?:\.\d+)?\s*(?:万元|亿元|元))"
)
_ADJUST_REASON = re.compile(r"用于|新增|因[^，。；\n]{1,12}(?:需要|增加|减少|调整)")


def adjustments(ctx: Context) -> list[Adjustment]:
    """Budgets adjusted during the year: execution rows whose initial and adjusted budgets differ, and prose."""

    def compute(c: Context) -> list[Adjustment]:
        out = []
        for m in _QUAD.finditer(c.text):
            initial, adjusted, spent = _parse(m.group("i")), _parse(m.group("a")), _parse(m.group("e"))
            if initial == adjusted or not _quotient_matches(spent, adjusted, m.group("p")):
                continue
            if _ROW_START.search(c.text, max(m.start() - 4, 0), m.start()) is None:
                continue  # the row has more figures before these: the columns are not initial/adjusted/spent
            out.append(Adjustment(m.group("i"), m.group("a"), m.start(), m.end()))
        for m in _ADJUST_PROSE.finditer(c.text):
            out.append(Adjustment("", m.group("a"), m.start(), m.end()))
        return out

    return ctx.memo("adjustments", compute)


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


def _form_rates(ctx: Context, known: list[Rate]) -> list[Rate]:
    """In a flattened form whose header names 执行率 but holds no value next to it, the form's first free percent."""
    out = []
    for start, end in forms(ctx):
        if any(start <= r.start < end for r in known):
            continue
        # Only a header run of column names ("全年执行数 分值 执行率 得分") makes the form a flattened table.
        header = next((h for h in _HEADER_RUN.finditer(ctx.text, start, end) if "执行率" in h.group()), None)
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
    for i, a in enumerate(money):
        if a.attribute != "spent" or a.yuan <= 0:
            continue
        if not _SPENT_TOTAL.search(ctx.text, max(a.mention.start - 10, 0), a.mention.start):
            continue  # "发放农机补贴30万元" may be one use among several; a rate needs the spending total
        para = ctx.paragraph_at(a.mention.start)
        if any(para[0] <= r.start < para[1] for r in known):
            continue  # the paragraph states its rate; derive nothing
        budget = _budget_before(money, i, para[0], a)
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


def _clause_start(text: str, offset: int) -> int:
    """Where the clause holding ``offset`` starts (after the last comma, stop or line break before it)."""
    i = max(text.rfind(ch, 0, offset) for ch in "，,。；;\n") + 1
    headings = [m.start() for m in _HEADING_MARK.finditer(text, i, offset)]
    return headings[-1] if headings else i


def _budget_before(money: list[Amount], i: int, lo: int, spent: Amount) -> Amount | None:
    for b in reversed(money[:i]):
        if b.mention.start < lo:
            return None
        if b.attribute == "spent":
            return None  # an earlier spending figure: this one is a part or a restatement
        if b.attribute in ("budget", "initial") and b.item == spent.item and b.yuan > 0:
            return b
    return None


# A stated reason: 原因是/由于/受…影响/尚未…; the column names 偏差原因分析 and a form's printed note are not reasons.
REASON = re.compile(
    r"原因(?:是|为|在于|系|主要|[：:](?!\s*[|\n]))|由于|因为|受[^，。；|\n]{1,14}影响|导致|致使|尚未|未能|未及时|暂未"
    r"|滞后|延迟|推迟|延期|待[^，。；|\n]{0,6}(?:结算|验收|支付|拨付|审计|完工)|主要是"
)
_PRINTED_NOTE = re.compile(r"需说明原因|说明原因[（(]|原因分析")
_REASON_COLUMN = re.compile(
    r"(?:偏差|未完成|未达标)?原因分析[及和与]?\s*(?:改进|整改)?\s*措施|存在(?:的)?问题[及和与]?\s*(?:原因|改进措施|整改措施)?"
)


def has_reason(ctx: Context, lo: int, hi: int) -> bool:
    """Whether ``text[lo:hi]`` states why money was not spent (not merely that it carries over)."""
    for m in REASON.finditer(ctx.text, lo, hi):
        near = ctx.text[max(m.start() - 4, 0) : m.end() + 6]
        if not _PRINTED_NOTE.search(near):
            return True
    return False


def block_of(ctx: Context, r: Rate) -> tuple[int, int]:
    """Where a reason for this rate would be written: its form, else its paragraph (at most a few sentences)."""
    form = form_at(ctx, r.start)
    if form is not None:
        return form
    lo, hi = ctx.paragraph_at(r.start)
    return max(lo, r.start - 200), min(hi, r.end + 300) if hi > lo else r.end + 300


def reason_column(ctx: Context, lo: int, hi: int) -> tuple[int, int] | None:
    """The header of a reason/problem column in ``text[lo:hi]`` (where a missing reason belongs)."""
    m = _REASON_COLUMN.search(ctx.text, lo, hi)
    return (m.start(), m.end()) if m else None
