"""The amount index: every money figure in a report, the item it belongs to and what it measures.

Several rules need the same reading — "this 25万元 is the budget of 农民工维权中心专项资金" — so it is
computed once per review (``ctx.memo``) and shared.
"""

from __future__ import annotations

import bisect
import heapq
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from assistant.checks.registry import Context
from assistant.checks.spans import in_spans, last_of, merge_spans
from assistant.checks.structure import paragraphs
from assistant.text.numbers import NumberMention
from assistant.units import MONEY_UNITS, to_yuan

_ITEM_WORD = re.compile(r"资金|项目|经费|专项|工程")

Attribute = Literal["initial", "budget", "spent", "other"]

# The last of these words before a figure says what the figure measures. Longer words first.
_SPENT = (
    r"实际支出|支出金额|实际使用|使用资金|已支出|共支出|完成支出|执行数|执行金额|实际执行|开支|支出|发放|拨付|兑付|使用"
)
# 年初预算 and 全年（调整后）预算 are different amounts of one project; both are "budget" to the claims rule.
_INITIAL = r"年初预算数|年初预算|年初安排|年初批复"
_BUDGET = (
    r"额度|安排资金|申报金额|项目金额|预算数|全年预算|调整后预算|预算金额|下达资金|批复|所需资金|需资金|安排|预算|下达"
)
# Names of budget categories end in 支出 but are not spending: "项目支出718.34万元" is a budget line.
_CATEGORY = r"基本支出|项目支出|预算支出|专项支出|人员支出|公用支出|人员经费|公用经费|预算总支出|总支出|三公经费"
_ATTR = re.compile(
    f"(?P<category>(?:{_CATEGORY})(?!金额|数))|(?P<initial>{_INITIAL})|(?P<spent>{_SPENT})|(?P<budget>{_BUDGET})"
)
_WINDOW = 14

_PROSE_ITEM = re.compile(
    r"(?:^|(?<=[。；\n]))(?:[（(][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[、.．]|[一二三四五六七八九十]{1,3}、)?"
    r"(?:\d{4}年度?)?(?P<name>[\u4e00-\u9fa5“”]{2,24}?(?:专项资金|补助资金|资金|项目|经费))"
    r"(?=(?:全年|年初|实际|预算|安排|支出|执行|共|累计))",
    re.MULTILINE,
)
# Every _PROSE_ITEM match ends in one of these words right before an amount word, within its line or sentence.
_ITEM_THEN_AMOUNT = re.compile(r"(?:资金|项目|经费)(?=全年|年初|实际|预算|安排|支出|执行|共|累计)")


def _prose_items(text: str) -> Iterator[re.Match[str]]:
    """``finditer_after(_PROSE_ITEM, text, "[。；\\n]")`` (an item opens a line or a sentence), tried only at the
    start of the lines and sentences that hold an item word before an amount word: a match holds no 。；or line
    break, so it starts where the last of them before its item word leaves off."""
    tried = -1
    for hit in _ITEM_THEN_AMOUNT.finditer(text):
        start = last_of(text, "。；\n", hit.start()) + 1
        if start == tried:
            continue
        tried = start
        m = _PROSE_ITEM.match(text, start)
        if m is not None:
            yield m


_NOT_A_NAME = re.compile(r"部分|全部|所有|各项|其余|剩余|结余|该|本|此|其中|我|各")
_ITEM_LINE = re.compile(r"^[^。；，,：:]{3,40}(专项资金|补助资金|资金|项目|经费|专项)$")
_ITEM_LINE_LAST = frozenset("金目费项")


@dataclass(frozen=True)
class Amount:
    """A money figure with its value in 元, the item it is about, and what it measures."""

    mention: NumberMention
    yuan: Decimal
    item: str | None
    attribute: Attribute


_SPACES = re.compile(r"\s+")


def _norm(name: str) -> str:
    return _SPACES.sub("", name)


def item_anchors(ctx: Context) -> list[tuple[int, int, str]]:
    """Places where a named item (a project, a fund) starts being discussed: (start, end of scope, name)."""

    def compute(c: Context) -> list[tuple[int, int, str]]:
        anchors: list[tuple[int, int, str]] = []
        for table in c.doc.tables:
            for row in table.rows:
                if row and row[0].text.strip() and _looks_like_item(row[0].text):
                    anchors.append((row[0].start, row[-1].end, _norm(row[0].text)))
        text = c.text
        rows = merge_spans([(s, e) for s, e, _ in anchors])  # a line inside a table row is that row's cell
        for start, end in paragraphs(c):
            if text[start:end].rstrip()[-1:] not in _ITEM_LINE_LAST:
                continue  # _ITEM_LINE cannot match: its last character (spaces aside) ends none of its words
            line = _norm(text[start:end])
            if _ITEM_LINE.match(line) and not in_spans(rows, start):
                anchors.append((start, -1, line))
        # An item named at the start of a sentence and followed by an amount word ("城乡低保资金项目全年预算…")
        # covers that sentence only.
        for m in _prose_items(text):
            name = m.group("name")
            if len(_GENERIC.sub("", _NOT_A_NAME.sub("", name))) < 2:
                continue  # "部分资金执行率偏低", "项目资金支出": no particular item is named
            _, sent_end = c.sentence_at(m.start("name"))
            anchors.append((m.start("name"), max(sent_end, m.end()), name))
        if c.facts is not None:
            for p in c.facts.data.projects:
                name = _norm(p.name)
                for m in re.finditer(re.escape(name), text):
                    anchors.append((m.start(), -1, name))
        anchors.sort()
        # An open anchor's scope runs to the next anchor or the end of its section.
        out = []
        for i, (start, end, name) in enumerate(anchors):
            if end < 0:
                section = c.doc.section_at(start)
                end = section.end if section else len(text)
                if i + 1 < len(anchors):
                    end = min(end, anchors[i + 1][0])
            out.append((start, end, name))
        return out

    return ctx.memo("item_anchors", compute)


def _looks_like_item(cell: str) -> bool:
    return bool(_ITEM_WORD.search(cell)) and len(_norm(cell)) <= 40


def item_at(ctx: Context, offset: int) -> str | None:
    """The item whose discussion covers ``offset`` (the nearest anchor before it still in scope)."""
    points, names = ctx.memo("item_scopes", lambda c: item_scopes(item_anchors(c)))
    i = bisect.bisect_right(points, offset) - 1
    return names[i] if i >= 0 else None


def item_scopes(anchors: list[tuple[int, int, str]]) -> tuple[list[int], list[str | None]]:
    """``item_at`` for every stretch of text at once: the places where the answer may change, and the answer from
    each place on. The answer is the last anchor (in order) whose scope holds the offset; it changes only where a
    scope starts or ends, so one sweep with a heap of the open scopes finds it everywhere.
    """
    points = sorted({p for start, end, _ in anchors for p in (start, end)})
    names: list[str | None] = []
    open_: list[tuple[int, int]] = []  # (-anchor index, scope end): the latest opened anchor on top
    k = 0
    for p in points:
        while k < len(anchors) and anchors[k][0] <= p:
            heapq.heappush(open_, (-k, anchors[k][1]))
            k += 1
        while open_ and open_[0][1] <= p:
            heapq.heappop(open_)  # its scope has ended, and stays ended for every later place
        names.append(anchors[-open_[0][0]][2] if open_ else None)
    return points, names


def attribute_of(ctx: Context, mention: NumberMention) -> Attribute:
    """What a money figure measures, read from the words just before it in its sentence."""
    sent_start, _ = ctx.sentence_at(mention.start)
    lo = max(sent_start, mention.start - _WINDOW)
    window = ctx.text[lo : mention.start]
    last = None
    for m in _ATTR.finditer(window):
        last = m
    if last is None or last.group("category"):
        return "other"
    if last.group("initial"):
        return "initial"
    return "spent" if last.group("spent") else "budget"


def amounts(ctx: Context) -> list[Amount]:
    """Every money figure in the report, in order, with item and attribute."""

    def compute(c: Context) -> list[Amount]:
        out = []
        for n in c.numbers:
            if n.kind != "money" or n.unit not in MONEY_UNITS:
                continue
            out.append(Amount(n, to_yuan(n.value, n.unit), item_at(c, n.start), attribute_of(c, n)))
        return out

    return ctx.memo("amounts", compute)


_LABEL_START = re.compile(r"[，,。；;：:\n|（(、）)]")
_LABEL_BEFORE = re.compile(rf"[\s\S]*{_LABEL_START.pattern}")  # greedy: up to the last of them
_LABEL_LEAD = re.compile(r"^(?:\d{4}年度?|全年|本年|当年|年初|年度|其中|共|我[单位局校区市县]*|本[单位项目]*)+")
_LABEL_TAIL = re.compile(
    r"(?:安排|下达|拨付|支出|使用|发放|兑付|共计|合计|总计|累计|为|是|达到?|预算|实际|金额|共|已|了|数|总额)+$"
)
_LABEL_HEAD = re.compile(r"(?:资金|经费|补助|补贴|专项|费|款)$")
_LABEL_VERB = r"拨付|下达|安排|支出|使用|发放|兑付|用于|投入|收到|开支|完成|给予|分别是|分别为|包括|我区|我市|我县|的"
_LABEL_VERBS = re.compile(_LABEL_VERB)
_DIGIT = re.compile(r"\d")
# Words every fund name has; a label made only of these names no particular fund.
_GENERIC = re.compile(r"中央|省级|市级|县级|区级|本级|上级|财政|专项|项目|资金|经费|补助|补贴|预算|部门|整体|其他|支出")


def label_of(ctx: Context, mention: NumberMention) -> str | None:
    """The fund an amount is written against ("农机购置补贴资金62万元" -> 农机购置补贴资金), if it names one."""
    text = ctx.text
    lo = label_start(text, mention.start)
    label = _norm(text[lo : mention.start])
    label = _LABEL_LEAD.sub("", label)
    label = _LABEL_TAIL.sub("", label)
    # A verb before the name ("省级拨付我区农机购置补贴资金"): the name is what follows the last verb.
    label = _LABEL_VERBS.split(label)[-1]
    if _DIGIT.search(label) or not _LABEL_HEAD.search(label) or len(label) < 6 or len(_GENERIC.sub("", label)) < 4:
        return None
    return label


def label_start(text: str, offset: int) -> int:
    """Where the label before ``offset`` starts: right after the last _LABEL_START character of the 30 before it
    (one regex over the window, not a match per character)."""
    lo = max(offset - 30, 0)
    last = _LABEL_BEFORE.match(text, lo, offset)
    return last.end() if last is not None else lo


def label_core(label: str) -> str:
    """What names a fund once generic words are gone: 教育专项工作经费资金 and 教育工作经费项目财政资金 are one fund."""
    return _GENERIC.sub("", label)


def item_key(name: str) -> str:
    """A name as compared across places: spaces and a trailing 项目 don't make another item."""
    name = _norm(name)
    return name[:-2] if name.endswith("项目") and len(name) > 4 else name


def same_item(a: str, b: str) -> bool:
    """Loose name equality: one name contains the other once spaces are gone (市总工会送温暖专项资金 ⊂ 昆明市…)."""
    a, b = _norm(a), _norm(b)
    return a == b or (min(len(a), len(b)) >= 6 and (a in b or b in a))


def amounts_in(ctx: Context, lo: int, hi: int) -> list[Amount]:
    """Money figures that start in ``[lo, hi)``, found by bisection (rules call this per sentence)."""
    items = amounts(ctx)
    starts = ctx.memo("amount_starts", lambda c: [a.mention.start for a in amounts(c)])
    i = bisect.bisect_left(starts, lo)
    j = bisect.bisect_left(starts, hi)
    return items[i:j]
