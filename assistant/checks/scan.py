"""Exact shortcuts for ``pattern.finditer`` on patterns the regex engine cannot skip through by itself: the
places where a match can start are found first (a character class scanned in C, or an anchor character), and
the pattern is tried only there, resuming after each match as ``finditer`` does."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator


def finditer_at(pattern: re.Pattern[str], text: str, starts: Iterable[int]) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` for a non-empty pattern when ``starts`` (rising, repeats allowed) holds every
    offset where one of its matches can start; lookbehinds in ``pattern`` still see the text before a start."""
    last = 0
    match = pattern.match
    for p in starts:
        if p < last:
            continue  # inside the previous match: finditer resumes after it
        m = match(text, p)
        if m is None:
            continue
        if m.end() == p:
            raise ValueError(f"{pattern.pattern!r} matched an empty string")
        yield m
        last = m.end()


def finditer_run_before(
    pattern: re.Pattern[str],
    text: str,
    anchor: str,
    low: str,
    high: str,
    shortest: int,
    longest: int,
    run: re.Pattern[str] | None = None,
    needs: re.Pattern[str] | None = None,
) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` for a pattern that opens with a run of ``shortest``–``longest`` characters in
    ``[low-high]`` and then ``anchor`` (a character outside that range), the pair repeated: ``(?:[一-龥]{2,20}、)+…``.

    The first run of a match ends at the first anchor after its start, and what follows that anchor does not
    depend on where the run began, so for each anchor only the earliest start the run allows needs a try. And
    when the try before an anchor failed, what follows that anchor matches nothing; a try starting right after it
    needs still more of what follows it (one more run and anchor), so it fails too and is not made.

    ``run`` and ``needs``: when every match lies in one run of what ``run`` (``[…]*``) matches and holds a match
    of ``needs`` after its first anchor (the count closing a list), an anchor whose run holds no ``needs`` match
    after it gets no try (it would fail).
    """
    last = 0
    dead = -1  # a start right after the anchor of a failed try
    match, find = pattern.match, text.find
    last_outside = re.compile(f"[\\s\\S]*[^{re.escape(low)}-{re.escape(high)}]").match
    run_end = need_at = need_end = -1  # the end of the anchor's run; the first ``needs`` match at or after it
    q = find(anchor)
    while q >= 0:
        if run is not None and needs is not None:
            if q >= run_end:
                run_end = run.match(text, q).end()  # type: ignore[union-attr]  # ``[…]*`` always matches
            if need_at < q:
                n = needs.search(text, q)
                need_at, need_end = (n.start(), n.end()) if n is not None else (len(text) + 1, len(text) + 1)
            if need_end > run_end:
                q = find(anchor, max(q + 1, last))
                continue
        lo = max(last, q - longest)
        outside = last_outside(text, lo, q)  # the run starts after the last character outside the range
        p = outside.end() if outside is not None else lo
        if q - p >= shortest:
            m = match(text, p) if p != dead else None
            if m is not None:
                yield m
                last = m.end()
            else:
                dead = q + 1
        q = find(anchor, max(q + 1, last))


def finditer_before(
    pattern: re.Pattern[str], text: str, anchor: re.Pattern[str], longest: int, shortest: int
) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` for a pattern whose every match starts between ``shortest`` and ``longest``
    characters before a character that ``anchor`` finds (the colon closing "目标如下：" is 3 or 4 after its start);
    lookbehinds in ``pattern`` still see the text before a start."""
    last = 0
    match = pattern.match
    for a in anchor.finditer(text):
        q = a.start()
        for p in range(max(q - longest, last), q - shortest + 1):  # starts rise: anchors rise, and so do leads
            m = match(text, p)
            if m is None:
                continue
            if m.end() == p:
                raise ValueError(f"{pattern.pattern!r} matched an empty string")
            yield m
            last = m.end()
            break
