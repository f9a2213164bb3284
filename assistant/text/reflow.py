"""Normalisation: join the hard line breaks of extracted text, keep a map back to the original offsets.

The input is the original text (a file's content, or what was extracted from a .docx/.pdf) cut into blocks:
``Flow`` (hard-wrapped prose to re-flow, which may hold flattened tables), ``Para`` (lines that are already
paragraphs, e.g. Word paragraphs) and ``Grid`` (a real table whose cells are spans of the original).

Whether a line break is a wrap or a paragraph end is decided by width: extracted report text is wrapped at a
fixed width (about 28 CJK characters in a typical PDF), so a line is a wrapped one when the next line's first
word would not have fitted on it. Headings and list items always start a paragraph; a broken heading
("一、部门基" / "本情况") is put back together; a line starting with "。" or "，" always continues.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Literal

from assistant.text.flattened import group_rows, header_columns, split_cells, table_regions
from assistant.text.lines import LINE_BREAK, Line, Lines, Paragraph, first_unit_width, joined, separator, split_lines
from assistant.text.sections import Heading, match_marker, parse_heading
from assistant.text.tables import TableSpans, recover_tables

_CONTINUES = set("，。、；：！？）》」』”’,.;:!?)]}%")
_STUB_PUNCT = set("，。、；：！？,.;:!?")
_STANDALONE = re.compile(r"#{1,6}\s|\|")
_SPACED_CJK = re.compile(r"[^\x00-\x7f][ \t\u3000]+[^\x00-\x7f]")
_SPACES = " \t\u3000"  # the spaces of ``_SPACED_CJK``
_SPACE_RUN = re.compile(r"[ \t\u3000]+")


@dataclass(frozen=True)
class Flow:
    """Hard-wrapped text to re-flow: ``raw[start:end]``."""

    start: int
    end: int


@dataclass(frozen=True)
class Para:
    """Lines that are paragraphs already (a Word paragraph): ``raw[start:end]``, never joined to neighbours."""

    start: int
    end: int


@dataclass(frozen=True)
class Grid:
    """A real table: each cell a span of the original; a merged cell repeats the same span."""

    title: str | None
    rows: list[list[tuple[int, int]]]
    source: Literal["docx", "pdf"]


Block = Flow | Para | Grid


class OffsetMap:
    """The original offset of every normalised offset, one past the end included, indexed like a list.

    Kept as runs rather than one entry a character: a copied run maps one for one, an inserted separator maps to
    where the copy before it ended. A look-up is a bisect over the runs.
    """

    def __init__(self, starts: list[int], origins: list[int], copied: list[bool], size: int, end: int) -> None:
        self._starts = starts  # normalised offset where each run starts (runs are never empty)
        self._origins = origins  # original offset of the run's first character
        self._copied = copied
        self._size = size  # normalised characters mapped
        self._end = end  # the original offset one past the end maps to

    @classmethod
    def identity(cls, size: int) -> OffsetMap:
        """The map of a text that is its own original."""
        return cls([0], [0], [True], size, size) if size else cls([], [], [], 0, 0)

    def __len__(self) -> int:
        return self._size + 1

    def __getitem__(self, offset: int) -> int:
        k = offset + len(self) if offset < 0 else offset
        if not 0 <= k <= self._size:
            raise IndexError(f"offset {offset} is outside the text (0..{self._size})")
        if k == self._size:
            return self._end
        i = bisect_right(self._starts, k) - 1
        return self._origins[i] + (k - self._starts[i] if self._copied[i] else 0)


@dataclass
class Normalised:
    """The normalised text, the original offset of each of its characters (plus one past the end), its tables."""

    text: str
    origin: OffsetMap
    tables: list[TableSpans]


def _spaced_cjk(text: str) -> list[int]:
    """Offsets in each run of spaces in ``text`` that holds a ``_SPACED_CJK`` match (one or more a run).

    A match is a run of spaces (or part of one) with a non-ASCII character on each side, so it lies within a
    maximal run and the characters either side of it. Where spaces are rare (prose) the runs are found with
    ``str.find``, far faster than trying the pattern at every character, and only their surroundings are searched;
    where they are many (pipe tables) the pattern is searched for as it is, and a match's start stands for its run.
    """
    if sum(text.count(space) for space in _SPACES) * 30 > len(text):
        return [m.start() for m in _SPACED_CJK.finditer(text)]
    found: list[int] = []
    for space in _SPACES:
        at = text.find(space)
        while at >= 0:
            if at and text[at - 1] in _SPACES:  # inside a run that starts with another kind of space
                at = text.find(space, at + 1)
                continue
            run = _SPACE_RUN.match(text, at)
            assert run is not None
            if _SPACED_CJK.search(text, max(at - 1, 0), run.end() + 1):
                found.append(at)
            at = text.find(space, run.end())
    return found


def wrap_width(lines: Sequence[Line]) -> int | None:
    """The width the text was hard-wrapped at, or None when lines are not wrapped (one paragraph per line)."""
    # Lines of CJK words set apart by spaces are table rows or headers, not wrapped prose. They are found in the
    # lines joined by line breaks (a match never spans one): a search a line costs more.
    texts = [line.text for line in lines]
    ends = list(accumulate(len(text) + 1 for text in texts))
    spaced = {bisect_right(ends, at) for at in _spaced_cjk("\n".join(texts))}
    widths = sorted(line.width for i, line in enumerate(lines) if len(texts[i]) >= 2 and i not in spaced)
    if len(widths) < 3:
        return None
    width = widths[int(len(widths) * 0.95)]
    # The widths are sorted whole numbers: the wide ones (twice at least the width) are a tail of them, and those
    # near the width (within 2) a run in that tail.
    wide = len(widths) - bisect_left(widths, (width + 1) // 2)
    near = bisect_right(widths, width + 2) - bisect_left(widths, max(width - 2, (width + 1) // 2))
    return width if near >= 3 and near * 5 >= wide * 2 else None


def _is_heading_stub(a: str, b: str, b_last: bool) -> bool:
    """ "一、部门基" + "本情况": a heading broken by the PDF's narrower heading lines."""
    found = match_marker(a)
    if found is None:
        return False
    if found[2] == len(a):
        return True  # a bare "（二）" never stands alone
    heading = parse_heading(a)
    if heading is None or heading.title_end != len(a) or not _STUB_PUNCT.isdisjoint(a[found[2] :]):
        return False
    return b_last and len(b) <= 10 and _STUB_PUNCT.isdisjoint(b)


def _joins(a: Line, b: Line, a_first: bool, b_last: bool, width: int | None) -> bool:
    if b.text[0] in _CONTINUES:
        return True
    # The pattern opens with "#" or "|": a line opening with neither is not asked (most lines).
    if (
        b.marker
        or (b.text[0] in "#|" and _STANDALONE.match(b.text))
        or (a.text[0] in "#|" and _STANDALONE.match(a.text))
    ):
        return False
    if a_first and a.marker and _is_heading_stub(a.text, b.text, b_last):
        return True
    if width is None or b.indent > a.indent:
        return False
    space = 1 if separator(a.text, b.text) else 0
    return a.width + space + first_unit_width(b.text) > width - 1


def _paragraphs(lines: Lines, lo: int, hi: int, width: int | None) -> list[Paragraph]:
    paras: list[Paragraph] = []
    current: Paragraph | None = None
    prev: Line | None = None
    blank = True
    for i in range(lo, hi):
        line = lines[i]
        if line is None:
            blank = True
            continue
        nxt = lines[i + 1] if i + 1 < hi else None
        b_last = nxt is None or nxt.marker
        if (
            current is not None
            and prev is not None
            and not blank
            and _joins(prev, line, len(current.segs) == 1, b_last, width)
        ):
            current.seps.append(separator(prev.text, line.text))
            current.segs.append((line.start, line.end))
        else:
            current = Paragraph([(line.start, line.end)], blank_before=blank)
            paras.append(current)
        prev = line
        blank = False
    return paras


# A heading run into the text around it ("…报告一、基本情况(一)项目概况我校…", text joined by PDF extraction) is
# recognised by its number (the next one expected) and by a short title ending in a heading noun.
_RUN_IN_MARKER = re.compile(r"[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、")
_TITLE_RUN = re.compile(r"[\u4e00-\u9fff、（）()]{2,24}")
# The nouns a heading title ends in. All are two characters (a title run holds no line break), so whether a prefix
# of the title ends in one is a set look-up of its last two characters.
_HEAD_NOUNS = frozenset(
    "情况 概况 分析 目标 措施 建议 结论 说明 职能 职责 依据 内容 过程 问题 结果 评价 成效 经验 做法 指标 效益 原因 "
    "自评 设置 计划 安排".split()
)
assert all(len(noun) == 2 for noun in _HEAD_NOUNS)
# What starts a body sentence glued to its heading: a subject, a date or figure, an opening preposition.
_BODY_START = re.compile(r"[我本该经根按为在今全共截从对由]|\d|一是|首先|目前")
_MARKER_FIRST = set("（(一二三四五六七八九十")
# "统一、规范" and "之一、" are words, not the heading 一、.
_WORD_BEFORE_ONE = set("统唯之第同逐万单其划")


def run_in_title(text: str, pos: int) -> int | None:
    """Where the title of a heading run into its text ends (after its heading noun), or None when the words after
    ``pos`` don't read as a heading title."""
    m = _TITLE_RUN.match(text, pos)
    if m is None:
        return None
    run = m.group()
    inner = _RUN_IN_MARKER.search(run, 1)
    if inner is not None:
        run = run[: inner.start()]
    # The title ends at the first heading noun that a body sentence or the next heading follows, else at the last.
    ends = [end for end in range(2, len(run) + 1) if run[end - 2 : end] in _HEAD_NOUNS]
    for end in ends:
        if end == len(run) or _BODY_START.match(run, end):
            return pos + end
    return pos + ends[-1] if ends else None


@dataclass
class _Numbering:
    """The last 一、 and （一） numbers seen, to recognise "…成效。（二）综合评价结论：" run into a paragraph."""

    last: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0})

    def see(self, heading: Heading | None) -> None:
        if heading is not None and heading.level in (1, 2):
            self._set(heading.level, heading.number)

    def _set(self, level: int, number: int) -> None:
        self.last[level] = number
        if level == 1:
            self.last[2] = 0

    def _cut(self, text: str) -> tuple[int, int, int] | None:
        """The first place a heading starts inside ``text``: (offset, level, number)."""
        for m in _RUN_IN_MARKER.finditer(text, 1):
            found = match_marker(text, m.start())
            if found is None:
                continue
            level, number, marker_end = found
            if number != self.last[level] + 1 or (level == 2 and self.last[1] == 0 and number != 1):
                continue
            before = text[m.start() - 1]
            if before in "。！？" and self.last[level] >= 1 and parse_heading(text, m.start()):
                return m.start(), level, number
            if level == 1 and number == 1 and before in _WORD_BEFORE_ONE:
                continue
            if run_in_title(text, marker_end) is not None:
                return m.start(), level, number
        return None

    def split_inline(self, raw: str, para: Paragraph, text: str | None = None) -> list[Paragraph]:
        """``para`` cut before each heading run into it; ``text``, when given, is ``para.text(raw)``."""
        out: list[Paragraph] = []
        while True:
            if text is None:
                text = para.text(raw)
            heading = parse_heading(text)
            self.see(heading)
            found = match_marker(text) if text[:1] in _MARKER_FIRST else None
            if found is not None and found[0] in (1, 2):
                # A heading that opens the paragraph with its body glued on ("（一）项目概况我校…"): cut after its title.
                end = run_in_title(text, found[2])
                if (
                    end is not None
                    and (heading is None or heading.title_end > end)
                    and (_BODY_START.match(text, end) or _RUN_IN_MARKER.match(text, end))
                ):
                    self._set(found[0], found[1])
                    head, para = para.split(end)
                    out.append(head)
                    text = None
                    continue
            cut = self._cut(text)
            if cut is None:
                out.append(para)
                return out
            head, para = para.split(cut[0])
            text = None
            self._set(cut[1], cut[2])
            out.append(head)


# A space where extraction joined two wrapped lines, inside a run of CJK text ("进 一步").
# Both patterns open with the space itself (the look-behind checks it again): a pattern that opens with a literal
# is searched for that literal first, where one that opens with a look-behind is tried at every position.
_WRAP_SPACE = re.compile(r"[ ](?<=[\u4e00-\u9fff，。、；：][ ])(?=[\u4e00-\u9fff\d])")
# A space PDF text puts after a decimal point ("35. 3万元"); "1. 2023年" (a list number and a year) is left alone.
_DECIMAL_SPACE = re.compile(r"[ ](?<=\d\d[.．][ ])(?=\d{1,2}(?![\d.]))")


def _in_rhythm(hits: list[int]) -> set[int]:
    """The positions that keep a line width's rhythm: each has another one about one width (15–60) away, for the
    width most positions agree on; nothing when fewer than four (and than two in five) do."""
    found = set(hits)

    def partners(width: int) -> set[int]:
        return {h for h in hits if any(h + d in found or h - d in found for d in range(width - 2, width + 3))}

    best = max((partners(w) for w in range(15, 61)), key=len)
    return best if len(best) >= 4 and len(best) * 5 >= len(hits) * 2 else set()


def drop_wrap_spaces(raw: str, para: Paragraph, text: str | None = None) -> Paragraph:
    """Remove the spaces extraction left inside words and numbers ("进 一步", "35. 3万元").

    Spaces at old line ends are told from meant spaces by their rhythm: three or more of them a near-constant
    distance apart (the old line width, 15 characters or more). Spaces between table cells or words don't keep
    that rhythm. ``text``, when given, is ``para.text(raw)``.
    """
    if text is None:
        text = para.text(raw)
    if " " not in text:
        return para
    drop = {m.start() for m in _DECIMAL_SPACE.finditer(text)}
    hits = [m.start() for m in _WRAP_SPACE.finditer(text)]
    # Wrap spaces come once a line (about every 15–60 characters); spaces between cells or tokens are denser.
    if len(hits) >= 4 and len(hits) * 12 <= len(text):
        drop |= _in_rhythm(hits)
    if not drop:
        return para
    segs: list[tuple[int, int]] = []
    seps: list[str] = []
    pos = 0
    drops = sorted(drop)
    j = 0  # the next space to drop; spaces in separators are not the original's and stay
    for i, (start, end) in enumerate(para.segs):
        if i:
            seps.append(para.seps[i - 1])
            pos += len(para.seps[i - 1])
        cut = start
        while j < len(drops) and drops[j] < pos:
            j += 1
        while j < len(drops) and drops[j] < pos + end - start:
            k = drops[j]
            segs.append((cut, start + k - pos))
            seps.append("")
            cut = start + k - pos + 1
            j += 1
        segs.append((cut, end))
        pos += end - start
    kept = [(i, seg) for i, seg in enumerate(segs) if seg[1] > seg[0]]
    if not kept:
        return para
    out = Paragraph([kept[0][1]], [], para.blank_before)
    for (i, _), (j, seg) in zip(kept, kept[1:], strict=False):
        out.seps.append("".join(seps[i:j]))
        out.segs.append(seg)
    return out


class _Builder:
    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.parts: list[str] = []
        # The runs of the offset map: where each starts here, where in the original, copied or inserted.
        self.starts: list[int] = []
        self.origins: list[int] = []
        self.copied: list[bool] = []
        self.size = 0
        self.last_end = 0
        self.blank_next = False  # set after a table so the prose that follows is set apart

    def paragraph(self, para: Paragraph) -> tuple[int, int]:
        # ``begin``, ``insert`` and the copying inlined: a report has tens of thousands of paragraphs and cells.
        raw, parts, starts, origins, copied = self.raw, self.parts, self.starts, self.origins, self.copied
        size = self.size
        last_end = self.last_end
        if size:
            brk = "\n\n" if para.blank_before or self.blank_next else "\n"
            parts.append(brk)
            starts.append(size)
            origins.append(last_end)
            copied.append(False)
            size += len(brk)
        self.blank_next = False
        start = size
        segs = para.segs
        if len(segs) == 1:  # most paragraphs and table cells are one span: no separators to weigh
            s, e = segs[0]
            if e > s:
                parts.append(raw[s:e])
                starts.append(size)
                origins.append(s)
                copied.append(True)
                size += e - s
                self.last_end = e
            self.size = size
            return start, size
        seps = para.seps
        for i, (s, e) in enumerate(segs):
            if i and seps[i - 1]:
                sep = seps[i - 1]
                parts.append(sep)
                starts.append(size)
                origins.append(last_end)
                copied.append(False)
                size += len(sep)
            if e > s:
                parts.append(raw[s:e])
                starts.append(size)
                origins.append(s)
                copied.append(True)
                size += e - s
                last_end = e
        self.size, self.last_end = size, last_end
        return start, size

    def result(self, tables: list[TableSpans]) -> Normalised:
        text = "".join(self.parts)
        if "\u00a0" in text:  # only copied text holds NBSP: what is inserted is line breaks and spaces
            text = text.replace("\u00a0", " ")
        # Tables that extraction flattened into lines ("a | b | c", aligned columns, glued cells) are found in the
        # normalised text, so every format (.txt, .docx paragraphs, .pdf text) gets the same tables.
        recovered = recover_tables(text, [(t.start, t.end) for t in tables])
        origin = OffsetMap(self.starts, self.origins, self.copied, self.size, self.last_end)
        return Normalised(text, origin, sorted([*tables, *recovered], key=lambda t: t.start))


class _Normaliser:
    def __init__(self, raw: str, blocks: Sequence[Block]) -> None:
        self.raw = raw
        self.blocks = blocks
        self.out = _Builder(raw)
        self.numbering = _Numbering()
        self.tables: list[TableSpans] = []
        flows = [split_lines(raw, b.start, b.end) for b in blocks if isinstance(b, Flow)]
        self.width = wrap_width([line for lines in flows for line in lines if line is not None])
        self._flows = iter(flows)

    def run(self) -> Normalised:
        paras: list[Para] = []
        for block in [*self.blocks, None]:
            if isinstance(block, Para):
                paras.append(block)
                continue
            if paras:
                self._paras(paras)
                paras = []
            if isinstance(block, Flow):
                self._flow(next(self._flows))
            elif block is not None:
                self._grid(block)
        return self.out.result(self.tables)

    def _paras(self, paras: list[Para]) -> None:
        """Word paragraphs in a row: each stays one paragraph, but a table flattened into them (a header line,
        then cells between empty paragraphs) is recovered as in hard-wrapped text."""
        lines: Lines = []
        for para in paras:
            lines.extend(split_lines(self.raw, para.start, para.end))
        pos = 0
        for title, header, end in table_regions(lines):
            self._lines_as_paragraphs(lines, pos, header if title is None else title)
            self._flattened(lines, title, header, end, keep_lines=True)
            pos = end
        self._lines_as_paragraphs(lines, pos, len(lines))

    def _lines_as_paragraphs(self, lines: Lines, lo: int, hi: int) -> None:
        for i in range(lo, hi):
            line = lines[i]
            if line is not None:
                self._prose([Paragraph([(line.start, line.end)], blank_before=i > 0 and lines[i - 1] is None)])

    def _prose(self, paras: list[Paragraph]) -> None:
        raw, split_inline, paragraph = self.raw, self.numbering.split_inline, self.out.paragraph
        for para in paras:
            text = para.text(raw)  # read once for both steps when the first keeps the paragraph as it is
            kept = drop_wrap_spaces(raw, para, text)
            for part in split_inline(raw, kept, text if kept is para else None):
                paragraph(part)

    def _flow(self, lines: Lines) -> None:
        pos = 0
        for title, header, end in table_regions(lines):
            start = header if title is None else title
            self._prose(_paragraphs(lines, pos, start, self.width))
            self._flattened(lines, title, header, end)
            pos = end
        self._prose(_paragraphs(lines, pos, len(lines), self.width))

    def _flattened(self, lines: Lines, title: int | None, header: int, end: int, keep_lines: bool = False) -> None:
        head = lines[header]
        assert head is not None
        columns = header_columns(head.text) or []
        cells = split_cells(self.raw, lines[header + 1 : end])
        if len(cells) < len(columns) - 1:
            first = header if title is None else title
            if keep_lines:
                self._lines_as_paragraphs(lines, first, end)
            else:
                self._prose(_paragraphs(lines, first, end, self.width))
            return
        title_line = lines[title] if title is not None else None
        start = (
            self.out.paragraph(Paragraph([(title_line.start, title_line.end)], blank_before=True))[0]
            if title_line
            else None
        )
        header_start = self.out.paragraph(Paragraph([(head.start, head.end)], blank_before=True))[0]
        rows: list[list[tuple[int, int]]] = []
        i = 0
        raw = self.raw
        texts = [raw[c.segs[0][0] : c.segs[0][1]] if len(c.segs) == 1 else c.text(raw) for c in cells]
        for length in group_rows(texts, len(columns)):
            spans: list[tuple[int, int]] = []
            for j, cell in enumerate(cells[i : i + length]):
                cell.blank_before = j == 0
                spans.append(self.out.paragraph(cell))
            if length == len(columns) - 1 and rows and len(rows[-1]) == len(columns):
                spans.insert(0, rows[-1][0])
            rows.append(spans)
            i += length
        self.tables.append(
            TableSpans(
                title_line.text if title_line else None,
                columns,
                rows,
                header_start if start is None else start,
                self.out.size,
                "flattened",
            )
        )
        self.out.blank_next = True

    def _grid(self, grid: Grid) -> None:
        done: dict[tuple[int, int], tuple[int, int]] = {}
        texts: dict[tuple[int, int], str] = {}
        rows: list[list[tuple[int, int]]] = []
        start: int | None = None
        for row in grid.rows:
            spans: list[tuple[int, int]] = []
            row_open = False
            for cell in row:
                if cell not in done:
                    para = joined(split_lines(self.raw, *cell))
                    texts[cell] = "" if para is None else para.text(self.raw).replace("\u00a0", " ")
                    if para is None:
                        done[cell] = (self.out.size, self.out.size)
                    else:
                        para.blank_before = not row_open
                        done[cell] = self.out.paragraph(para)
                        row_open = True
                        start = done[cell][0] if start is None else start
                spans.append(done[cell])
            rows.append(spans)
        self.out.blank_next = True
        if not rows:
            return
        header = [texts[cell] for cell in grid.rows[0]]
        first = start if start is not None else self.out.size
        self.tables.append(TableSpans(grid.title, header, rows[1:], first, self.out.size, grid.source))


def normalise(raw: str, blocks: Sequence[Block]) -> Normalised:
    """Re-flow ``raw`` block by block into normalised text with its offset map and tables."""
    return _Normaliser(raw, blocks).run()


def line_starts(raw: str) -> array[int]:
    """Offsets where each line of ``raw`` starts (for 1-based line/column look-ups)."""
    if "\r" in raw:
        starts = array("q", [0])
        starts.extend(m.end() for m in LINE_BREAK.finditer(raw))
        return starts
    # Only "\n" breaks: each line starts one past the end of the one before.
    return array("q", accumulate((len(line) + 1 for line in raw.split("\n")[:-1]), initial=0))


def line_col(starts: array[int], offset: int) -> tuple[int, int]:
    """1-based (line, column) of an original offset."""
    line = bisect_right(starts, offset) - 1
    return line + 1, offset - starts[line] + 1
