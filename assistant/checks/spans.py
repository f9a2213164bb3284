"""Lookups on offsets that every rule family makes per finding, done in O(log n) or by a bounded look back:
whether an offset falls in one of many spans, where the last of some characters stands before an offset, and
the matches of a slow pattern found only near the character every match holds."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from functools import lru_cache


def merge_spans(spans: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Half-open spans merged where they touch or overlap: sorted starts and their ends, ready for ``in_spans``."""
    starts: list[int] = []
    ends: list[int] = []
    for a, b in sorted(spans):
        if a >= b:
            continue  # an empty span holds no offset
        if ends and a <= ends[-1]:
            ends[-1] = max(ends[-1], b)
        else:
            starts.append(a)
            ends.append(b)
    return starts, ends


def in_spans(merged: tuple[list[int], list[int]], offset: int) -> bool:
    """Whether ``offset`` falls in one of the merged spans: one bisect, not a walk over every span."""
    starts, ends = merged
    i = bisect.bisect_right(starts, offset) - 1
    return i >= 0 and offset < ends[i]


def last_of(text: str, chars: str, offset: int) -> int:
    """``max(text.rfind(ch, 0, offset) for ch in chars)`` without searching back to the start of a long text for
    a character that is not there: windows before ``offset`` that double until one holds any of ``chars``."""
    if offset < 0:  # counted from the end, as rfind reads it
        return max(text.rfind(ch, 0, offset) for ch in chars)
    width = 64
    lo = offset
    while lo > 0:
        lo = max(0, lo - width)
        found = max(text.rfind(ch, lo, offset) for ch in chars)
        if found >= 0:
            return found  # anything before the window stands earlier
        width *= 2
    return -1


def finditer_anchored(
    pattern: re.Pattern[str], text: str, anchor: str, lead: int, longest: int
) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)``, searched only near the ``anchor`` character every match holds.

    For a pattern the engine cannot skip through quickly (it may start at any Chinese character) with no
    lookaround, ``^``, ``$`` or ``\\b`` (a search window's bounds would change what they see): the caller vouches
    that a match starting at ``p`` holds ``anchor`` within ``[p, p + lead]`` and is at most ``longest``
    characters long. Then no match starts more than ``lead`` before the first anchor not yet passed, and a
    search there stopping ``longest`` after the anchor finds what an unbounded one would.
    """
    pos = 0
    n = len(text)
    while True:
        r = text.find(anchor, pos)
        if r < 0:
            return
        m = pattern.search(text, max(pos, r - lead), min(n, r + longest))
        if m is not None and m.start() <= r:
            yield m
            pos = m.end() if m.end() > m.start() else m.start() + 1
        else:
            pos = r + 1  # nothing starts at or before this anchor; later matches hold a later one


@lru_cache(maxsize=64)
def _starts(pattern: re.Pattern[str], first: str) -> re.Pattern[str]:
    # consume one character of ``first``, then look back from it and ahead for the whole pattern
    return re.compile(f"{first}(?<=(?={pattern.pattern})[\\s\\S])", pattern.flags)


def finditer_from(
    pattern: re.Pattern[str], text: str, first: str, pos: int = 0, endpos: int | None = None
) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` for a non-empty pattern whose matches all start with a character of the class
    ``first`` (e.g. ``\\d``) but that opens with a lookbehind, which keeps the engine from skipping ahead: the
    places where it matches are found by a regex that starts with ``first`` (skipped to in C), and each match is
    taken there as finditer would, resuming after it. ``pos``/``endpos`` as for ``finditer``."""
    end = len(text) if endpos is None else endpos
    last = pos
    for c in _starts(pattern, first).finditer(text, pos, end):
        if c.start() < last:
            continue  # inside the previous match: finditer resumes after it
        m = pattern.match(text, c.start(), end)
        if m is None or m.end() == m.start():
            raise ValueError(f"{pattern.pattern!r} is not a non-empty pattern starting with {first}")
        last = m.end()
        yield m


@lru_cache(maxsize=64)
def _after(pattern: re.Pattern[str], seps: str) -> re.Pattern[str]:
    return re.compile(f"{seps}(?=(?:{pattern.pattern}))", pattern.flags)


def finditer_after(pattern: re.Pattern[str], text: str, seps: str) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` for a non-empty pattern whose matches all start at the start of the text or
    right after a character of the class ``seps`` (``(?:^|(?<=[。；\\n]))…``): the engine skips to separators
    and looks ahead from each, and each match is taken there as finditer would, resuming after it."""
    last = 0
    at_start = pattern.match(text, 0)
    if at_start is not None:
        last = at_start.end()
        yield at_start
    for c in _after(pattern, seps).finditer(text):
        if c.end() < last:
            continue  # inside the previous match: finditer resumes after it
        m = pattern.match(text, c.end())
        if m is None or m.end() == m.start():
            raise ValueError(f"{pattern.pattern!r} is not a non-empty pattern starting after {seps}")
        last = m.end()
        yield m
