"""Headings of a self-evaluation report (一、 （一） 1. （1） ①) and the section tree they form."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_CN_NUM = "一二三四五六七八九十百零〇"
# Order matters: "（一）" must be tried before "（1）", and "1." must not eat "1.5万元".
_MARKERS: list[tuple[int, re.Pattern[str]]] = [
    (1, re.compile(rf"([{_CN_NUM}]+)、")),
    (2, re.compile(rf"[（(]([{_CN_NUM}]+)[）)]")),
    (3, re.compile(r"(\d{1,2})(?:[.．](?!\d)|、)")),
    (4, re.compile(r"[（(](\d{1,2})[）)]")),
    (5, re.compile(r"([①-⑳])")),
]
_MD_PREFIX = re.compile(r"#{1,6}[ \t]+")
_NO_PUNCT_TITLE = set("。；！？，：:;!?")
_TITLE_DELIMS = re.compile(r"[：:。 \t\u3000]")
_CLAUSE_PUNCT = set("，；,;")
_SHORT_TITLE = 40
# How far into the line the title delimiter may sit when a heading carries body text on the same line.
_TITLE_REACH = {1: 30, 2: 30, 3: 20, 4: 20, 5: 20}


@dataclass(frozen=True)
class Heading:
    """A heading found at the start of a line: its level, numeral and the title's extent in the line."""

    level: int
    number: int
    title_start: int
    title_end: int


@dataclass
class SectionSpan:
    """A section as offsets in the text, before it becomes a public ``Section``."""

    level: int
    title: str
    start: int
    end: int
    children: list[SectionSpan] = field(default_factory=list)


_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0}


def chinese_number(numeral: str) -> int:
    """Read 一…九十九 (and ① or plain digits) as an int; 0 when it is not a number we know."""
    if numeral.isascii() and numeral.isdigit():  # "①".isdigit() is True too
        return int(numeral)
    if len(numeral) == 1 and "①" <= numeral <= "⑳":
        return ord(numeral) - ord("①") + 1
    digits = _DIGITS
    if "十" in numeral:
        tens, _, ones = numeral.partition("十")
        if (tens and tens not in digits) or (ones and ones not in digits):
            return 0
        return (digits[tens] if tens else 1) * 10 + (digits[ones] if ones else 0)
    if len(numeral) == 1 and numeral in digits:
        return digits[numeral]
    return 0


# The markers as one alternation, tried in the order of ``_MARKERS``: the first alternative that matches at a
# position is the one the loop over ``_MARKERS`` would find, and its group number (each marker has one) its level.
_ANY_MARKER = re.compile("|".join(f"(?:{pattern.pattern})" for _, pattern in _MARKERS))
MARKER = _ANY_MARKER  # for the line splitter, which matches it on every line (a function call less than below)
# What a marker can open with, besides a decimal digit (``\d``: ``str.isdecimal``): a line opening with neither is
# no marker, and the line splitter decides so without a match.
MARKER_FIRST = frozenset(_CN_NUM + "（(" + "".join(map(chr, range(ord("①"), ord("⑳") + 1))))
assert _ANY_MARKER.groups == len(_MARKERS) and [level for level, _ in _MARKERS] == list(range(1, len(_MARKERS) + 1))
# Where a heading can start: after an optional Markdown "## ", a marker (a line without one is never a heading).
_HEADING_START = re.compile(rf"(?:{_MD_PREFIX.pattern})?(?:{_ANY_MARKER.pattern})")
# The same after a line break: a pattern that opens with a literal is searched for that literal first (fast).
_NEXT_LINE_HEADING_START = re.compile(rf"\n(?:{_HEADING_START.pattern})")  # never crosses the next line break


def starts_with_marker(line: str) -> bool:
    """Whether the line opens with a heading/list marker (一、 （一） 1. 1、 （1） (1) ①)."""
    return _ANY_MARKER.match(line) is not None


def match_marker(line: str, pos: int = 0) -> tuple[int, int, int] | None:
    """The marker at ``pos``: (level, number, end of marker), or None."""
    m = _ANY_MARKER.match(line, pos)
    if m is None:
        return None
    level = m.lastindex
    assert level is not None  # every alternative has its group
    return level, chinese_number(m.group(level)), m.end()


def parse_heading(line: str, pos: int = 0) -> Heading | None:
    """The heading that starts ``line`` at ``pos``, if the line reads as a heading rather than a list item.

    A short line without sentence punctuation is a heading as a whole. A longer line is a heading only when a
    title ends early in a ：, a space or a 。 ("（一）评价情况分析：2023年…"); otherwise it is a numbered body
    paragraph such as "(1)贯彻执行党的路线、方针和政策，根据…".
    """
    if _HEADING_START.match(line, pos) is None:
        return None  # the common case, in one match
    prefix = _MD_PREFIX.match(line, pos)
    if prefix:
        pos = prefix.end()
    found = match_marker(line, pos)
    if found is None:
        return None
    level, number, marker_end = found
    end = len(line.rstrip())
    if end <= marker_end:
        return None
    if end - pos <= _SHORT_TITLE and _NO_PUNCT_TITLE.isdisjoint(line[marker_end:end]):
        return Heading(level, number, pos, end)
    delim = _TITLE_DELIMS.search(line, marker_end, min(end, pos + _TITLE_REACH[level] + 1))
    if delim is None or delim.start() == marker_end:
        return None
    title = line[marker_end : delim.start()]
    if not _CLAUSE_PUNCT.isdisjoint(title):
        return None
    return Heading(level, number, pos, delim.start())


def build_sections(text: str, skip: list[tuple[int, int]]) -> list[SectionSpan]:
    """Find heading lines in ``text`` (outside the ``skip`` spans, i.e. tables) and nest them into a tree."""
    skip = sorted(skip)
    headings: list[tuple[int, int, str]] = []  # (line start, level, title)
    k = 0
    n = len(text)
    # Only lines that open with a marker can be headings: one pass of the regex finds them.
    candidates = [0] if _HEADING_START.match(text) else []
    candidates.extend(m.start() + 1 for m in _NEXT_LINE_HEADING_START.finditer(text))
    for pos in candidates:
        nl = text.find("\n", pos)
        line_end = n if nl < 0 else nl
        while k < len(skip) and skip[k][1] <= pos:
            k += 1
        inside_table = k < len(skip) and skip[k][0] <= pos < skip[k][1]
        if not inside_table:
            heading = parse_heading(text[pos:line_end])
            if heading is not None:
                title = text[pos + heading.title_start : pos + heading.title_end]
                headings.append((pos, heading.level, title))
    roots: list[SectionSpan] = []
    stack: list[SectionSpan] = []
    for start, level, title in headings:
        while stack and stack[-1].level >= level:
            stack.pop().end = start
        node = SectionSpan(level, title, start, n)
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    return roots
