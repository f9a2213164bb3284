"""Execution-table rows read from plain text, whatever flattened them: forms, triples, header runs, adjustments.

A self-evaluation form flattened by a PDF or a web page loses its grid but keeps the order of its cells. These
readers recover what the review needs from that order alone, and only when the figures vouch for the reading:

- a row triple: budget, spending and a percent that is their quotient ("808.1 | 692.98 | 86%");
- a row under a 预算数/执行数/执行率 header whose percent is not its quotient (columns aligned to the header);
- a header run of column names followed by its values (PDF text-box order), checked by the execution score;
- a budget adjusted during the year: initial, adjusted and spent figures and their rate, or 追加/调增 in prose.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from assistant.checks.registry import Context
from assistant.checks.spans import finditer_anchored, finditer_from, last_of

# Cells are separated by "|" (one row per line, or one cell per line) or by spaces in whitespace-aligned text.
_SEP = r"(?:\s*\|\s*|[ \t]+)"
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
TRIPLE = re.compile(rf"(?<![\d.,])(?P<a>{_NUM}){_SEP}(?P<b>{_NUM}){_SEP}[Oo]?(?P<p>\d{{1,3}}(?:\.\d+)?)[ \t]*[%％]")
_FORM_TITLE = re.compile(r"[\u4e00-\u9fa5（）()]{2,30}自评表")


def forms(ctx: Context) -> list[tuple[int, int]]:
    """Spans of the self-evaluation forms in the text (split at their titles); [] when there are none."""

    def compute(c: Context) -> list[tuple[int, int]]:
        # a title is at most 33 characters ending in 表: search only before each 表
        starts = [m.start() for m in finditer_anchored(_FORM_TITLE, c.text, "表", 32, 33)]
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
    spans = forms(ctx)
    # the spans are disjoint and in order: the one that can hold ``offset`` is the last starting at or before it
    i = bisect.bisect_right(ctx.memo("form_starts", lambda c: [s for s, _ in forms(c)]), offset) - 1
    if i >= 0 and spans[i][0] <= offset < spans[i][1]:
        return spans[i]
    return None


def parse(num: str) -> Decimal:
    """A figure as written in a cell ("215,457.6") as a Decimal."""
    return Decimal(num.replace(",", ""))


def quotient_matches(spent: Decimal, budget: Decimal, written: str) -> bool:
    """Whether ``written`` percent is spent/budget at the precision written (rounded or truncated)."""
    if budget <= 0 or spent > budget * 2:
        return False
    rate = spent / budget * 100
    step = Decimal(1).scaleb(-len(written.partition(".")[2]))
    value = Decimal(written)
    return value in (rate.quantize(step, ROUND_HALF_UP), rate.quantize(step, ROUND_DOWN))


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
        return parse(self.spent) / parse(self.budget) * 100


_EXEC_HEADER = re.compile(r"预算(?:数|金额)?[^\n]{0,40}?执行(?:数|金额)[^\n]{0,30}?执行率")


def triples(ctx: Context) -> list[re.Match[str]]:
    """Every TRIPLE in the text, found once per review (the rate index and the miscomputed rows both read them)."""
    # a row starts with a digit: skip to digits in C
    return ctx.memo("execution_rows.triples", lambda c: list(finditer_from(TRIPLE, c.text, r"\d")))


def miscomputed_rows(ctx: Context) -> list[MiscomputedRow]:
    """Rows whose header names budget, spending and rate in that order but whose rate is not spending ÷ budget."""

    def compute(c: Context) -> list[MiscomputedRow]:
        text = c.text
        out = []
        for m in triples(c):
            a, b, p = parse(m.group("a")), parse(m.group("b")), m.group("p")
            if a <= 0 or quotient_matches(b, a, p):
                continue
            if not _aligned(text, m):
                continue
            out.append(MiscomputedRow(m.group("a"), m.group("b"), p, m.start("p"), m.end()))
        return out

    return ctx.memo("miscomputed_rows", compute)


def _aligned(text: str, m: re.Match[str]) -> bool:
    """Whether the row's three figures sit in the budget, spending and rate columns of a header line above it."""
    line_start = last_of(text, "\n", m.start()) + 1
    line_end = text.find("\n", m.end())
    row = text[line_start : len(text) if line_end < 0 else line_end]
    pos = line_start
    for _ in range(3):
        if pos <= 0:
            return False
        above_start = last_of(text, "\n", pos - 1) + 1
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
        return parse(self.spent) / parse(self.budget) * 100


_COLUMN = r"年初预算数?|全年预算数?|调整后预算数?|全年执行数?|预算执行数|执行数|预算执行率|执行率|分值|权重|得分"
# Three or more column names: (?:name…){3,} with the first written out, so that the pattern opens with the names'
# first characters and the engine skips through the text to them (five times faster, the same matches).
HEADER_RUN = re.compile(rf"(?:{_COLUMN})[ \t]*\|?[ \t]*(?:(?:{_COLUMN})[ \t]*\|?[ \t]*){{2,}}")
_TOKEN = re.compile(rf"\s*\|?\s*(?P<num>{_NUM})(?P<pct>\s*[%％])?")


def header_rows(ctx: Context) -> list[HeaderRow]:
    """Execution figures that follow a run of column names, bound in column order; only complete, sane rows."""

    def compute(c: Context) -> list[HeaderRow]:
        text = c.text
        out = []
        for m in HEADER_RUN.finditer(text):
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
            if not complete or budget is None or spent is None or parse(budget) <= 0:
                continue
            weight = bound.get("分值") or bound.get("权重")
            score = bound.get("得分")
            row = HeaderRow(budget, spent, m.end(), pos, weight, score)
            if weight and score:
                # The score of the execution row is its weight times the rate: a check that the binding is right.
                expected = parse(weight) * min(row.rate(), Decimal(100)) / 100
                if abs(expected - parse(score)) > parse(weight) * Decimal("0.006") + Decimal("0.01"):
                    continue
            out.append(row)
        return out

    return ctx.memo("header_rows", compute)


def rate_matches(written: str, row: HeaderRow) -> bool:
    """Whether a written percent is the row's spending over budget at the precision written."""
    return quotient_matches(parse(row.spent), parse(row.budget), written)


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


# A change planned for a later budget is not this year's adjustment: "在下年度预算编制中调减80万元".
_NEXT_YEAR_BUDGET = re.compile(r"下一?年|次年|明年|以后年度|预算编制中|拟|将")


def adjustments(ctx: Context) -> list[Adjustment]:
    """Budgets adjusted during the year: execution rows whose initial and adjusted budgets differ, and prose."""

    def compute(c: Context) -> list[Adjustment]:
        out = []
        for m in finditer_from(_QUAD, c.text, r"\d"):  # like TRIPLE: skip to digits in C
            initial, adjusted, spent = parse(m.group("i")), parse(m.group("a")), parse(m.group("e"))
            if initial == adjusted or not quotient_matches(spent, adjusted, m.group("p")):
                continue
            if _ROW_START.search(c.text, max(m.start() - 4, 0), m.start()) is None:
                continue  # the row has more figures before these: the columns are not initial/adjusted/spent
            out.append(Adjustment(m.group("i"), m.group("a"), m.start(), m.end()))
        said: set[tuple[int, int]] = set()
        for m in _ADJUST_PROSE.finditer(c.text):
            sentence = c.sentence_at(m.start())
            if sentence in said or _NEXT_YEAR_BUDGET.search(c.text, *sentence):
                continue  # one finding per sentence; "下年预算编制中调减80万元" is a plan, not this year's change
            said.add(sentence)
            out.append(Adjustment("", m.group("a"), m.start(), m.end()))
        return out

    return ctx.memo("adjustments", compute)
