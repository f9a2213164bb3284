"""Where an offset sits — the innermost section, its heading path, the table and cell — in O(log n) per look-up.

The section tree and every table are cut once into runs of offsets that share one answer; a look-up is a bisect
over the runs' starts. The answers are exactly those of walking the tree (a bisect among each level's siblings)
and of scanning a table's cells row by row, which stay the reference the tests compare with.
"""

from __future__ import annotations

import heapq
import sys
from bisect import bisect_right
from collections.abc import Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from assistant.text.document import Section, Table

V = TypeVar("V")
_LOW, _HIGH = -sys.maxsize, sys.maxsize


class Runs(Generic[V]):
    """Offsets cut into runs: the value at an offset is that of the last run starting at or before it."""

    def __init__(self, default: V) -> None:
        self.starts: list[int] = []
        self.values: list[V] = []
        self.default = default

    def add(self, start: int, value: V) -> None:
        """Open a run at ``start`` (starts never decrease; a run added at the same start replaces the last one)."""
        if self.starts and self.starts[-1] == start:
            self.values[-1] = value
        else:
            self.starts.append(start)
            self.values.append(value)

    def at(self, offset: int) -> V:
        """The value at ``offset``."""
        i = bisect_right(self.starts, offset) - 1
        return self.values[i] if i >= 0 else self.default


SectionHere = tuple["Section | None", "str | None"]  # the innermost section and the heading path


def section_runs(sections: Sequence[Section]) -> Runs[SectionHere] | None:
    """The innermost section and heading path of every offset; None when some siblings are not in order of their
    starts (the walk's bisect has no defined answer there, so callers keep walking)."""
    runs: Runs[SectionHere] = Runs((None, None))

    def emit(lo: int, hi: int, here: SectionHere, path: list[str], children: Sequence[Section]) -> bool:
        # Offsets in [lo, hi) reached this level: each belongs to the last child starting at or before it when
        # that child still holds it, else to ``here``.
        runs.add(lo, here)
        for i, child in enumerate(children):
            nxt = children[i + 1].start if i + 1 < len(children) else _HIGH
            if nxt < child.start:
                return False
            a, b = max(child.start, lo), min(nxt, hi)
            end = min(child.end, b)
            if a >= end:
                continue
            titles = [*path, child.title]
            if not emit(a, end, (child, " > ".join(titles) or None), titles, child.children):
                return False
            if end < hi:
                runs.add(end, here)
        return True

    return runs if emit(_LOW, _HIGH, (None, None), [], sections) else None


def cell_runs(table: Table) -> Runs[tuple[int, int] | None]:
    """The cell holding each offset of ``table`` as (1-based row, column index): the first in reading order whose
    span holds it, a row's last cell holding its own end too (a zero-width empty cell at the row's end)."""
    runs: Runs[tuple[int, int] | None] = Runs(None)
    # The usual form: cells one after another in reading order, none overlapping the next. Each is then a run of
    # its own, and the gap after it (if any) a run of None: the answers of the general pass below, in one walk.
    # A merged cell repeated in a later row is never the first holding any offset (the cell it repeats holds them
    # all): it is passed over.
    last = -1
    reach: dict[int, int] = {}  # start of a cell -> the end of its interval
    starts, values = runs.starts, runs.values  # ``runs.add`` inlined: two runs a cell
    for r, row in enumerate(table.rows, 1):
        final = len(row) - 1
        for c, cell in enumerate(row):
            start = cell.start
            end = cell.end + 1 if c == final else cell.end
            if start >= end:
                continue  # empty: holds no offset
            if start < last:
                if reach.get(start, -1) >= end:
                    continue  # a repeat of an earlier cell, within it
                return _cell_runs_ranked(table)  # overlapping or out of order
            # here ``start >= last``: the last run opened at ``last`` (or none was), so only equality replaces it
            if start == last:
                values[-1] = (r, c)
            else:
                starts.append(start)
                values.append((r, c))
            starts.append(end)  # end > start: a new run
            values.append(None)
            reach[start] = last = end
    return runs


def _cell_runs_ranked(table: Table) -> Runs[tuple[int, int] | None]:
    """``cell_runs`` for any cells: merged, overlapping or out of order."""
    # Each cell is an interval ranked by reading order; an offset belongs to the best-ranked interval holding it.
    events: list[tuple[int, int, int, int, int]] = []  # (start, rank, end, row, column)
    rank = 0
    for r, row in enumerate(table.rows, 1):
        for c, cell in enumerate(row):
            end = cell.end + 1 if c == len(row) - 1 else cell.end
            if cell.start < end:
                events.append((cell.start, rank, end, r, c))
            rank += 1
    events.sort()
    bounds = sorted({x for e in events for x in (e[0], e[2])})
    runs: Runs[tuple[int, int] | None] = Runs(None)
    open_: list[tuple[int, int, int, int]] = []  # heap of (rank, end, row, column)
    k = 0
    for x in bounds:
        while k < len(events) and events[k][0] == x:
            start, rank, end, r, c = events[k]
            heapq.heappush(open_, (rank, end, r, c))
            k += 1
        # Lazily drop intervals that ended: only the best-ranked one's end matters for this run.
        while open_ and open_[0][1] <= x:
            heapq.heappop(open_)
        runs.add(x, (open_[0][2], open_[0][3]) if open_ else None)
    return runs


class Places:
    """Look-ups into one document's sections and tables, built from them once."""

    def __init__(self, sections: list[Section], tables: list[Table]) -> None:
        self.sections = sections
        self.tables = tables
        self._sections = section_runs(sections)
        # the section runs' starts and heading paths as two flat lists, for ``name`` (once per finding)
        self._section_starts = self._sections.starts if self._sections is not None else []
        self._section_names = [path for _, path in self._sections.values] if self._sections is not None else []
        self._table_starts = [t.start for t in tables]
        self._table_ends = [t.end for t in tables]
        self._cells: dict[int, Runs[tuple[int, int] | None]] = {}
        self._names: dict[tuple[str | None, int, tuple[int, int] | None], str | None] = {}

    def section(self, offset: int) -> SectionHere:
        """The deepest section holding ``offset`` and its heading path ("一、… > （三）…")."""
        if self._sections is not None:
            return self._sections.at(offset)
        return _walk(self.sections, offset)

    def table(self, offset: int) -> int | None:
        """The index of the table holding ``offset``: the last one starting at or before it, if it reaches it."""
        i = bisect_right(self._table_starts, offset) - 1
        if i >= 0 and self.tables[i].start <= offset < self.tables[i].end:
            return i
        return None

    def name(self, offset: int) -> str | None:
        """Where ``offset`` sits, as a reader names it: the heading path, or the table row and column when in a
        table ("表1第 3 行“目标值”栏"; the table's title, or the heading path, between its cells)."""
        # ``section`` and ``table`` inlined (this runs once per finding); a table place is named once per cell.
        if self._sections is not None:
            i = bisect_right(self._section_starts, offset) - 1
            section = self._section_names[i] if i >= 0 else None  # the runs' default: no section, no path
        else:
            section = _walk(self.sections, offset)[1]
        t = bisect_right(self._table_starts, offset) - 1
        if t < 0 or offset >= self._table_ends[t]:  # the bisect gives ``self._table_starts[t] <= offset``
            return section
        runs = self._cells.get(t)
        if runs is None:
            runs = self._cells[t] = cell_runs(self.tables[t])
        i = bisect_right(runs.starts, offset) - 1
        cell = runs.values[i] if i >= 0 else None  # ``runs.at(offset)``: cell runs default to None
        key = (section, t, cell)
        try:
            return self._names[key]
        except KeyError:
            pass
        table = self.tables[t]
        if cell is None:
            name = table.title or section
        else:
            r, c = cell
            column = table.header[c] if c < len(table.header) else f"第 {c + 1} 栏"
            name = f"{table.title or '表格'}第 {r} 行“{column}”栏"
        self._names[key] = name
        return name

    def cell(self, table: int, offset: int) -> tuple[int, int] | None:
        """(1-based row, column index) of the cell of table ``table`` holding ``offset``, or None."""
        runs = self._cells.get(table)
        if runs is None:
            runs = self._cells[table] = cell_runs(self.tables[table])
        return runs.at(offset)


def _walk(sections: Sequence[Section], offset: int) -> SectionHere:
    """The tree walk itself, for the rare tree whose siblings are out of order."""
    found: Section | None = None
    titles: list[str] = []
    candidates = sections
    while True:
        i = bisect_right(candidates, offset, key=lambda s: s.start) - 1
        if not (i >= 0 and candidates[i].start <= offset < candidates[i].end):
            return found, " > ".join(titles) or None
        found = candidates[i]
        titles.append(found.title)
        candidates = found.children
