"""Tables that PDF-to-text extraction flattened into prose: a header line, then cells as blank-line blocks.

Example (from a real report): a line "目标 任务名称 编制预算时提出的的任务措施 …", then each cell as a block of
hard-wrapped lines separated by blank lines, several short cells sometimes sharing one line ("无 无 无 无").
Cells of a vertically merged column (the first column, e.g. "履职效益明显") appear only in the first row they
cover, so rows are N or N-1 cells long.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.text.lines import Lines, Paragraph, separator
from assistant.text.sections import parse_heading, starts_with_marker

_TOKEN = re.compile(r"[^\s]+")
_SENTENCE_PUNCT = set("，。；：！？、,.;:!?")
_LABEL_FORBIDDEN = _SENTENCE_PUNCT | set("%％0123456789")


def header_columns(line: str) -> list[str] | None:
    """The column names if ``line`` reads as a table header: ≥3 distinct short words without punctuation."""
    tokens = line.split()
    if len(tokens) < 3 or len(set(tokens)) != len(tokens) or starts_with_marker(line):
        return None
    for token in tokens:
        if not 2 <= len(token) <= 25 or not _SENTENCE_PUNCT.isdisjoint(token) or token.isdigit():
            return None
    return tokens


def is_title(line: str) -> bool:
    """Whether a standalone line can be a table's title ("部门整体支出绩效自评表")."""
    return (
        0 < len(line) <= 40
        and len(line.split()) == 1
        and _SENTENCE_PUNCT.isdisjoint(line)
        and parse_heading(line) is None
    )


def is_label(cell: str) -> bool:
    """A short naming cell (row/group label such as "预算编制科学"), as opposed to a prose or numeric value."""
    return 2 <= len(cell) <= 20 and _LABEL_FORBIDDEN.isdisjoint(cell)


def group_rows(cells: Sequence[str], ncols: int) -> list[int]:
    """Split a flat run of cells into rows; returns each row's length (ncols, ncols-1, or a shorter tail).

    A row of ncols-1 cells lacks its first cell (a merged cell above). The choice between ncols and ncols-1
    looks at the cell that would start the next row: rows start with a label, so that cell should be one.
    When both readings fit, a row whose first two cells are both labels is taken as complete.
    """
    lengths: list[int] = []
    i = 0
    total = len(cells)
    labels = [is_label(cell) for cell in cells]  # each cell is asked about more than once
    while i < total:
        remaining = total - i

        def starts_row(k: int, i: int = i) -> bool:
            return i + k == total or (i + k < total and labels[i + k])

        options = [k for k in (ncols, ncols - 1) if 2 <= k <= remaining]
        if not options:
            k = remaining
        else:
            fitting = [k for k in options if starts_row(k)]
            if len(fitting) == 2:
                full = labels[i] and labels[i + 1]
                k = ncols if full else ncols - 1
            elif fitting:
                k = fitting[0]
            else:
                k = options[0]
        lengths.append(k)
        i += k
    return lengths


def table_regions(lines: Lines) -> list[tuple[int | None, int, int]]:
    """Flattened tables in a run of lines: (title line or None, header line, end) indices; a table ends at the
    next table or at a 一、 heading after a blank line."""

    def alone(i: int) -> bool:
        return (i == 0 or lines[i - 1] is None) and (i + 1 == len(lines) or lines[i + 1] is None)

    last = len(lines) - 1
    headers = [  # ``alone`` written out: it is asked of every line
        i
        for i, line in enumerate(lines)
        if line is not None
        and (i == 0 or lines[i - 1] is None)
        and (i == last or lines[i + 1] is None)
        and header_columns(line.text)
    ]
    regions: list[tuple[int | None, int, int]] = []
    # Where the last scan for a 一、 heading stopped (its line, or the end): a later header before it ends there too,
    # so every line is scanned once however many tables a part holds.
    stop = -1
    for h in headers:
        title: int | None = None
        p = h - 1
        while p >= 0 and lines[p] is None:
            p -= 1
        prev = lines[p] if p >= 0 else None
        if prev is not None and alone(p) and is_title(prev.text):
            title = p
        start = h if title is None else title
        if regions and regions[-1][2] > start:
            regions[-1] = (regions[-1][0], regions[-1][1], start)
        if h >= stop:
            stop = len(lines)
            for i in range(h + 1, len(lines)):
                line = lines[i]
                if line is not None and lines[i - 1] is None:
                    heading = parse_heading(line.text)
                    if heading is not None and heading.level == 1:
                        stop = i
                        break
        regions.append((title, h, stop))
    return regions


def split_cells(raw: str, lines: Lines) -> list[Paragraph]:
    """Blank-separated blocks → cells; short cells sharing a block's first line are split at spaces."""
    cells: list[Paragraph] = []
    append = cells.append
    one_word = _TOKEN.fullmatch
    n = len(lines)
    i = 0
    while i < n:
        first = lines[i]
        if first is None:
            i += 1
            continue
        j = i + 1  # the block is lines[i:j]
        while j < n and lines[j] is not None:
            j += 1
        last = (first.start, first.end)
        prev = first.text
        if not one_word(prev):  # several words: all but the last are cells of their own
            tokens = [(first.start + m.start(), first.start + m.end()) for m in _TOKEN.finditer(prev)]
            for span in tokens[:-1]:
                append(Paragraph([span]))
            last = tokens[-1]
            prev = raw[last[0] : last[1]]
        elif j == i + 1:  # one word on one line (most cells)
            append(Paragraph([last]))
            i = j
            continue
        # The last word and the block's other lines make one cell, joined as ``joined`` joins lines.
        segs = [last]
        seps: list[str] = []
        for k in range(i + 1, j):
            line = lines[k]
            assert line is not None
            seps.append(separator(prev, line.text))
            segs.append((line.start, line.end))
            prev = line.text
        append(Paragraph(segs, seps))
        i = j
    return cells
