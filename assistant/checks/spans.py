"""Lookups on offsets that every rule family makes per finding, done in O(log n) or by a bounded look back:
whether an offset falls in one of many spans, and where the last of some characters stands before an offset."""

from __future__ import annotations

import bisect


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
    width = 64
    lo = offset
    while lo > 0:
        lo = max(0, lo - width)
        found = max(text.rfind(ch, lo, offset) for ch in chars)
        if found >= 0:
            return found  # anything before the window stands earlier
        width *= 2
    return -1
