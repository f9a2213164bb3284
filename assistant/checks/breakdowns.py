"""Breakdowns: a total and the parts the report says make it up, in every form a report writes them.

    X万元，其中A…万元，B…万元            X万元（其中A…、B…）。下一句        下达资金X万元。具体是：A…；B…
    X万元，分别为/包括/用于 A…、B…       A…万元、B…万元，合计/共计X万元      9个项目。其中：甲局6个、乙局3个

Parts are read clause by clause (a clause holds exactly one figure of the total's kind); the run ends at a
sentence end, a closing bracket that opened the list, a heading, a clause without a figure, a new total word or
the end of the text. Anything ambiguous — two figures in a clause, a per-head figure (生均1000元), a spending
figure under a budget total, a list cut off by the end of the document, 主要/等 — is not a breakdown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from assistant.checks.amounts import attribute_of
from assistant.checks.registry import Context
from assistant.checks.spans import finditer_from
from assistant.text.numbers import NumberMention
from assistant.units import MONEY_UNITS, to_yuan

_OPENER = re.compile(
    r"(?P<bracket>[（(])?(?P<word>其中|分别为|分别是|分别|具体为|具体是|具体如下|明细如下|包括|包含|用于|来源为|来源是|构成为|组成为)[：:，,]?"
)
_OPENER_FIRST = "[（(其分具明包用来构组]"  # what every opener starts with
_PARTIAL_BEFORE = re.compile(r"(主要|大部分|部分|重点)$")
_TOTAL_WORD = re.compile(r"(?P<word>合计|共计|总计|累计|总共|一共|总额)(?:为|达|达到|是)?[：:]?\s*")
_SUMMING = re.compile(r"(?:以上|上述)?(?:各项|资金|几项|两项|三项)?")
_CLAUSE_SEP = re.compile(r"[，,；;、]|(?<!\d)\.(?!\d)")
_SENTENCE_END = re.compile(r"[。！？!?\n]")
_HEADING = re.compile(r"[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|(?<![\d.])\d{1,2}[、.．](?!\d)")
_PER_HEAD = re.compile(r"(生均|人均|户均|每人|每户|每月|每年|每生|标准|按|/人|/户|每)[^，,；;。]{0,4}$")


@dataclass(frozen=True)
class Breakdown:
    """A total, its parts, the word that ties them, and whether the parts claim to be all of it."""

    total: NumberMention
    parts: list[NumberMention]
    word: str
    exhaustive: bool

    @property
    def start(self) -> int:
        """Where the breakdown starts (the total or its first part)."""
        return min(self.total.start, self.parts[0].start)

    @property
    def end(self) -> int:
        """Where the breakdown ends."""
        return max(self.total.end, self.parts[-1].end)


def size(n: NumberMention) -> Decimal:
    """A figure in its base unit: 元 for money, the count itself otherwise."""
    return to_yuan(n.value, n.unit) if n.unit in MONEY_UNITS else n.value


def _kind(n: NumberMention) -> str | None:
    if n.kind == "money" and n.unit in MONEY_UNITS:
        return "money"
    if n.kind == "count" and n.unit:
        return f"count:{n.unit}"
    return None


def _quantities(ctx: Context, lo: int, hi: int) -> list[NumberMention]:
    return [n for n in ctx.numbers_in(lo, hi) if _kind(n) is not None]


def breakdowns(ctx: Context) -> list[Breakdown]:
    """Every unambiguous breakdown in the report (memoised per review)."""

    def compute(c: Context) -> list[Breakdown]:
        found = [*_total_first(c), *_total_after(c)]
        found.sort(key=lambda b: b.start)
        return found

    return ctx.memo("breakdowns", compute)


def part_starts(ctx: Context) -> set[int]:
    """Offsets of every figure read as a part of some breakdown."""
    return ctx.memo("part_starts", lambda c: {p.start for b in breakdowns(c) for p in b.parts})


def _total_first(ctx: Context) -> list[Breakdown]:
    text = ctx.text
    out = []
    for m in finditer_from(_OPENER, text, _OPENER_FIRST):
        word = m.group("word")
        if word == "用于" and not m.group("bracket") and not text.startswith("分别", m.start() - 2):
            exhaustive = False
        else:
            exhaustive = not _PARTIAL_BEFORE.search(text, max(m.start() - 3, 0), m.start())
        total = _total_before(ctx, m.start())
        if total is None:
            continue
        parts = _parts_after(ctx, m.end(), total, closing=bool(m.group("bracket")))
        if parts is None or len(parts) < 2:
            continue
        out.append(Breakdown(total, parts, word, exhaustive))
    return out


def _total_before(ctx: Context, k: int) -> NumberMention | None:
    """The figure a breakdown opener at ``k`` refers to: the last quantity before it, close by, no heading between."""
    text = ctx.text
    before = _quantities(ctx, max(k - 60, 0), k)
    if not before:
        return None
    total = before[-1]
    gap = text[total.end : k]
    if _HEADING.search(gap) or gap.count("。") + gap.count("\n") > 1 or len(gap) > 40:
        return None
    if _PER_HEAD.search(text, max(total.start - 8, 0), total.start):
        return None
    return total


def _clauses(text: str, lo: int, hi: int) -> list[tuple[int, int, str]]:
    """Clauses of ``text[lo:hi]`` with the separator that ends each ("" at ``hi``)."""
    out = []
    pos = lo
    for m in _CLAUSE_SEP.finditer(text, lo, hi):
        out.append((pos, m.start(), m.group()))
        pos = m.end()
    out.append((pos, hi, ""))
    return out


def _stop_at(ctx: Context, lo: int, closing: bool) -> tuple[int, bool]:
    """Where a list of parts starting at ``lo`` must end, and whether the text was cut off before it ended."""
    text = ctx.text
    stop = len(text)
    end = _SENTENCE_END.search(text, lo)
    if end:
        stop = end.start()
    if closing:
        close = re.search(r"[）)]", text[lo:stop])
        if close is None:
            return stop, True
        stop = lo + close.start()
    heading = _HEADING.search(text, lo, stop)
    if heading:
        stop = heading.start()
    return stop, end is None and stop == len(text)


def _parts_after(ctx: Context, lo: int, total: NumberMention, *, closing: bool) -> list[NumberMention] | None:
    text = ctx.text
    stop, cut = _stop_at(ctx, lo, closing)
    kind = _kind(total)
    total_attr = attribute_of(ctx, total) if kind == "money" else None
    parts: list[NumberMention] = []
    clauses = _clauses(text, lo, stop)
    for i, (s, e, _) in enumerate(clauses):
        clause = text[s:e]
        if _TOTAL_WORD.search(clause) or "其中" in clause:
            return parts if parts and not cut else None
        same = [n for n in _quantities(ctx, s, e) if _kind(n) == kind]
        if not same:
            if not parts or (cut and i == len(clauses) - 1):
                return None  # nothing listed, or the text ends inside the list (cut off, not complete)
            return parts
        if len(same) > 1:
            return None  # two figures in one clause: which one is the part?
        n = same[0]
        if _PER_HEAD.search(text, max(n.start - 8, s), n.start):
            return None
        if total_attr in ("budget", "initial") and attribute_of(ctx, n) == "spent":
            return None  # spending under a budget total is not a part of it
        parts.append(n)
    if cut:
        return None
    return parts


def _total_after(ctx: Context) -> list[Breakdown]:
    text = ctx.text
    out = []
    for m in _TOTAL_WORD.finditer(text):
        after = [n for n in _quantities(ctx, m.end(), m.end() + 12) if n.start <= m.end() + 1]
        if not after:
            continue
        total = after[0]
        kind = _kind(total)
        parts = _parts_before(ctx, m.start(), kind)
        if parts is None or len(parts) < 2:
            continue
        out.append(Breakdown(total, parts, m.group("word"), True))
    return out


def _parts_before(ctx: Context, hi: int, kind: str | None) -> list[NumberMention] | None:
    text = ctx.text
    lo = max(hi - 300, 0)
    window = lo
    ends = [m.end() for m in _SENTENCE_END.finditer(text, lo, hi)]
    lo = ends[-1] if ends else lo
    if ends and _SUMMING.fullmatch(text[lo:hi].strip()):
        lo = ends[-2] if len(ends) >= 2 else window  # "A…；B…。以上合计C": the parts are the sentence before
    heading = [m.end() for m in _HEADING.finditer(text, lo, hi)]
    lo = heading[-1] if heading else lo
    opener = [m.end() for m in _OPENER.finditer(text, lo, hi)]
    if opener:
        lo = opener[-1]  # "分别为A、B，合计C": the list starts after the opener
    parts: list[NumberMention] = []
    clauses = _clauses(text, lo, hi)
    if clauses and not text[clauses[-1][0] : clauses[-1][1]].strip():
        clauses.pop()  # the empty clause between the last separator and 合计
    for s, e, _ in reversed(clauses):
        same = [n for n in _quantities(ctx, s, e) if _kind(n) == kind]
        if not same:
            break
        if len(same) > 1:
            return None
        n = same[0]
        if _PER_HEAD.search(text, max(n.start - 8, s), n.start):
            return None
        parts.append(n)
    parts.reverse()
    return parts
