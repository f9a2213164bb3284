"""Tables recovered from normalised text: the forms that text extraction flattened into lines.

    recover_tables(text, taken)   → the tables found outside the ``taken`` spans, as ``TableSpans``

Layouts read here (each seen in published self-evaluation forms):

- pipe rows: one row per line, cells separated by ``|`` (``产出指标 | 数量指标 | 培训人次 | ≥ | 500 | 人次 | …``),
  also wrapped in ``| … |``, with empty cells as ``| |`` or ``||`` and trailing empty cells dropped;
- whitespace-aligned rows: ``label n n n n`` under a header spread over several lines (PDF/HTML text);
- glued execution rows (OCR text without separators): ``…执行率…得分 76%107.6`` or ``预算执行率10—100%9``;
- positional runs: a header run ``年初预算数 全年预算数 全年执行数 分值 执行率 得分`` followed by its values.

A table we are not sure about is not a table: a block becomes one only when a header row names its columns and
its rows can be aligned to them by what each cell holds (names, comparators, amounts, percentages, weights).
Rows are aligned to the header; a column a row leaves out is an empty cell (a zero-width span).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

__all__ = [
    "COMPARATOR",
    "TableSpans",
    "cell_number",
    "column_role",
    "is_percent",
    "recover_tables",
]


@dataclass
class TableSpans:
    """A table located in the normalised text (spans are normalised offsets)."""

    title: str | None
    header: list[str]
    rows: list[list[tuple[int, int]]]
    start: int
    end: int
    source: Literal["docx", "pdf", "flattened"]


# --- what a header cell names -----------------------------------------------------------------------------------

# Order matters: "执行率得分" is a score, "得分系数" is not, "预算执行数" is spending and "预算执行率" a rate.
_ROLE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("coefficient", re.compile(r"系数")),
    ("score", re.compile(r"得分")),
    ("weight", re.compile(r"权重|分值|标准分|指标分")),
    ("reason", re.compile(r"原因|偏差|改进措施|存在问题|整改")),
    ("rate", re.compile(r"执行率|支出率|实现率|完成率\s*[(（]?%")),
    ("initial", re.compile(r"年初")),
    ("budget", re.compile(r"调整后?预算|全年预算|预算数|预算安排|调整.{0,2}预算")),
    ("spent", re.compile(r"执行数|实际支出|支出数|执行金额|拨付金额|支出金额")),
    ("nature", re.compile(r"性质")),
    ("unit", re.compile(r"度量单位|计量单位|^单位$")),
    ("actual", re.compile(r"完成值|实际值|实际完成|完成情况|实际执行")),
    ("target", re.compile(r"指标值|目标值|年度目标|预期目标|^总体目标$|^绩效目标$")),
    ("level1", re.compile(r"一级指标")),
    ("level2", re.compile(r"二级指标")),
    ("name", re.compile(r"三级指标|指标名称|指标内容")),
    ("note", re.compile(r"情况说明|^说明$")),
]
# "年度预算数(万元)", "绩效指标(90分)": a group label over the row labels, not a column of values.
_GROUP = re.compile(r"[(（]\s*(?:万元|元|亿元|千元|\d+(?:\.\d+)?\s*分)\s*[)）]\s*$")
_NUMBERED = re.compile(r"\d{1,2}[.、．](?!\d)|[（(][一二三四五六七八九十\d]{1,3}[)）]")
_POINTS = re.compile(r"[(（]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]")

COMPARATOR = re.compile(r"^(?:[≥≤=＝═<>≧≦﹦]|>=|<=|大于等于|小于等于|大于|小于|等于|不低于|不高于|不少于|不超过|定性)$")
_NUMBER = re.compile(r"^[-+]?\d[\d,]*(?:\.\d+)?$")
_PERCENT = re.compile(r"^[-+]?\d[\d,]*(?:\.\d+)?\s*[%％]$")
_BLANK_MARK = re.compile(r"^[/／—\-－–一]+$")
_RULE_CELL = re.compile(r"^(?::?-{2,}:?|[/／—\-－–]*)$")
_TOTAL = re.compile(r"^(?:合\s*计|总\s*计|总\s*分|小\s*计)")
_FORM_TITLE = re.compile(r"自评表|评价表|绩效.{0,6}表")


# The readers and the table checks ask about the same cell texts many times (each row against each column offset):
# the answers depend on the text alone, so they are cached.
@lru_cache(maxsize=8192)
def column_role(header: str) -> str | None:
    """What a header cell names: score, weight, reason, rate, initial, budget, spent, nature, unit, actual,
    target, level1, level2, name, note, coefficient; None for a label or group column."""
    head = re.sub(r"\s+", "", header)
    if not head or _GROUP.search(head) or _NUMBERED.match(head):
        return None  # a group label, or a numbered row label ("1.项目年度目标完成情况")
    for role, pattern in _ROLE_PATTERNS:
        if pattern.search(head):
            return role
    return None


@lru_cache(maxsize=65536)
def cell_number(text: str) -> Decimal | None:
    """The number a cell holds when it is only a number (``1,250.5``, ``86%``), else None."""
    s = text.strip().replace("，", ",")
    if not (_NUMBER.match(s) or _PERCENT.match(s)):
        return None
    try:
        return Decimal(s.rstrip("%％ ").replace(",", ""))
    except InvalidOperation:
        return None


@lru_cache(maxsize=65536)
def is_percent(text: str) -> bool:
    """Whether a cell holds a single percentage."""
    return bool(_PERCENT.match(text.strip()))


class _Taken:
    """Spans already holding a table, for "is this offset inside one" in log time."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.spans = sorted(spans)
        self.starts = [s for s, _ in self.spans]

    def __contains__(self, offset: int) -> bool:
        i = bisect.bisect_right(self.starts, offset) - 1
        return i >= 0 and offset < self.spans[i][1]

    def overlaps(self, start: int, end: int) -> bool:
        """Whether [start, end) meets a taken span."""
        i = bisect.bisect_right(self.starts, end - 1) - 1
        return i >= 0 and self.spans[i][1] > start and self.spans[i][0] < end

    def add(self, start: int, end: int) -> None:
        """Take another span (tables found by one reader are off limits to the next)."""
        i = bisect.bisect_left(self.starts, start)
        self.spans.insert(i, (start, end))
        self.starts.insert(i, start)


# --- cells of one line --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Cell:
    start: int
    end: int
    text: str


def _pipe_cells(text: str, start: int, end: int) -> list[_Cell]:
    """The cells of a ``|``-separated line; a leading ``|`` opens the row, the piece after the last ``|`` is dropped
    when empty."""
    line = text[start:end]
    skip = line.index("|") + 1 if line.lstrip().startswith("|") else 0
    pieces = line[skip:].split("|")
    last = len(pieces) - 1
    cells: list[_Cell] = []
    pos = start + skip
    for k, piece in enumerate(pieces):
        body = piece.lstrip(" \t\u3000")
        s = pos + len(piece) - len(body)
        body = body.rstrip(" \t\u3000")
        if k < last or body:  # the piece after the last bar only when it holds something
            cells.append(_Cell(s, s + len(body), body))
        pos += len(piece) + 1
    return cells


def _trim(cells: list[_Cell]) -> list[_Cell]:
    """Without trailing empty cells."""
    n = len(cells)
    while n and not cells[n - 1].text:
        n -= 1
    return cells[:n]


def _header_run(cells: list[_Cell]) -> tuple[int, int] | None:
    """The longest run of header cells in a row: (first, end) indices, when it names enough columns."""
    texts = [c.text for c in cells]
    roles = [column_role(t) for t in texts]
    if sum(role is not None for role in roles) < 2:
        return None  # no run can name two columns (most lines: a row of values)
    numeric = [cell_number(t) is not None for t in texts]
    best: tuple[int, int] | None = None
    i = 0
    while i < len(cells):
        j = i
        named = 0
        while j < len(cells) and texts[j] and not numeric[j]:
            if roles[j] is None and not _GROUP.search(texts[j]):
                break
            named += roles[j] is not None
            j += 1
        if named >= 2 and (best is None or j - i > best[1] - best[0]):
            best = (i, j)
        i = max(j, i + 1)
    if best is None:
        return None
    if 1 <= best[0] <= 2 and all(texts[k] and not numeric[k] for k in range(best[0])):
        best = (0, best[1])  # the label columns' own headers ("资金管理情况", "项目基本情况 | 1.年度目标完成情况")
    filled = sum(1 for t in texts if t)
    named = sum(1 for role in roles[best[0] : best[1]] if role is not None)
    # Two named columns make a header only when they are the whole line, but for the label column's header
    # ("资金管理情况 | 情况说明 | 存在问题和改进措施").
    if named < 3 and (best[1] - best[0] < filled - 1 or any(numeric)):
        return None
    return best


# --- aligning a row to its header ---------------------------------------------------------------------------------

_CANON = ["level1", "level2", "name", "nature", "target", "unit", "actual", "weight", "score", "reason"]
_MONEY = {"initial", "budget", "spent"}
_SMALL = {"weight", "score"}


@lru_cache(maxsize=65536)  # asked for every cell at every offset a row may take
def _fits(role: str | None, text: str) -> int:
    """How well a cell's content fits a column: 1 fits, 0 neutral (empty), -1 does not."""
    if not text:
        return 0
    number = cell_number(text)
    blank = bool(_BLANK_MARK.match(text))
    if role in _MONEY:
        return 1 if (number is not None and not is_percent(text)) or blank else -1
    if role == "rate":
        return 1 if is_percent(text) or blank else -1
    if role in _SMALL or role == "coefficient":
        return 1 if (number is not None and not is_percent(text) and number <= 100) or blank else -1
    if role in (None, "level1", "level2", "name") and (len(text) > 24 or re.search(r"[。；;]", text)):
        return -1  # a sentence is a value, not a row label
    if role in ("reason", "note", None, "level1", "level2", "name"):
        return 1 if number is None and not COMPARATOR.match(text) else -1
    if role == "nature":
        return 1 if COMPARATOR.match(text) else -1
    return 1


def _align_offset(
    header: list[str | None], row: list[_Cell], prefer: int | None = None
) -> tuple[int, list[_Cell | None]] | None:
    """Place a row's cells under the header at the offset their contents fit best: (offset, cells), where the
    row may stick out by one or two label cells on the right (the next row's label run into this line)."""
    best: tuple[int, int] | None = None
    texts = [c.text for c in row]
    numeric = [cell_number(text) is not None for text in texts]
    width = len(header)
    # Left-most wins a tie: a short row ("其他资金 | / | /") leaves its last columns empty.
    for offset in range(0, max(width - len(row), 0) + 3):
        if any(numeric[max(width - offset, 0) :]):
            continue  # a number would stick out past the last column
        if offset >= width:
            break
        score = sum(_fits(header[offset + i] if offset + i < width else None, text) for i, text in enumerate(texts))
        # On a tie the offset the table's earlier rows took wins (their label column).
        if best is None or score > best[0] or (score == best[0] and offset == prefer):
            best = (score, offset)
    if best is None or best[0] <= 0:
        return None
    placed: list[_Cell | None] = [None] * max(len(header), best[1] + len(row))
    for i, cell in enumerate(row):
        placed[best[1] + i] = cell
    return best[1], placed


def _align_indicator(columns: list[str], row: list[_Cell]) -> list[_Cell | None] | None:
    """Place an indicator row on the canonical columns (names, nature, target, unit, actual, weight, score, reason):
    anchored on its comparator cell, else on its trailing weight and score."""
    placed: list[_Cell | None] = [None] * len(columns)
    index = {role: i for i, role in enumerate(columns)}
    comparator = next((i for i, c in enumerate(row) if COMPARATOR.match(c.text)), None)
    names: list[_Cell]
    if comparator is not None and "nature" in index:
        names = row[:comparator]
        rest = [r for r in columns[index["nature"] :]]
        for role, cell in zip(rest, row[comparator:], strict=False):
            placed[index[role]] = cell
        if len(row) - comparator > len(rest):
            return None
    else:
        cells = list(row)
        reason = None
        if "reason" in index and len(cells) >= 3 and cell_number(cells[-1].text) is None:
            if cell_number(cells[-2].text) is not None:
                reason = cells.pop()
        if len(cells) < 4 or cell_number(cells[-1].text) is None or cell_number(cells[-2].text) is None:
            return None
        score, weight = cells.pop(), cells.pop()
        if is_percent(score.text) or is_percent(weight.text):
            return None
        actual = cells.pop()
        target = cells.pop() if len(cells) >= 2 else None
        pairs: list[tuple[str, _Cell | None]] = [("score", score), ("weight", weight), ("actual", actual)]
        for role, found in [*pairs, ("target", target)]:
            if found is not None and role in index:
                placed[index[role]] = found
        if reason is not None:
            placed[index["reason"]] = reason
        names = cells
    name_roles = [r for r in columns if r in ("level1", "level2", "name")]
    if not names or len(names) > len(name_roles) + 1:
        return None
    for role, cell in zip(reversed(name_roles), reversed(names), strict=False):
        placed[index[role]] = cell
    return placed


# --- pipe tables --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Line:
    start: int
    end: int
    cells: list[_Cell]


def _lines(text: str) -> list[tuple[int, int]]:
    spans = []
    pos = 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _pipe_blocks(text: str, taken: _Taken) -> list[list[_Line]]:
    """Runs of consecutive lines holding ``|`` (outside tables already found), split into cells."""
    blocks: list[list[_Line]] = []
    current: list[_Line] = []
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        if "|" in line and start not in taken:
            current.append(_Line(start, end, _pipe_cells(text, start, end)))
        else:
            if current:
                blocks.append(current)
            current = []
        start = end + 1
    if current:
        blocks.append(current)
    return blocks


@dataclass
class _Draft:
    """A table being built: its header texts and roles, its title, its rows as cells."""

    title: str | None
    header: list[str]
    roles: list[str | None]
    indicator: bool
    start: int
    rows: list[list[_Cell | None]]
    end: int
    offset: int | None = None


def _new_draft(cells: list[_Cell], run: tuple[int, int], title: str | None, start: int) -> _Draft:
    head = cells[run[0] : run[1]]
    group = cells[run[0] - 1] if run[0] > 0 and cells[run[0] - 1].text else None
    texts = [c.text for c in head]
    roles = [column_role(t) for t in texts]
    present = {r for r in roles if r}
    indicator = bool(present & {"target", "actual"}) and bool(present & {"weight", "score"})
    indicator = indicator and not present & {"budget", "spent", "rate"}
    if indicator:
        columns = [r for r in _CANON if r in present or r == "name"]
        first: dict[str, str] = {}
        for role, text in zip(roles, texts, strict=True):
            if role:
                first.setdefault(role, text)
        header = [first.get(r, "指标名称" if r == "name" else r) for r in columns]
        roles = list[str | None](columns)
    else:
        header = texts
    label = next((c.text for c in (group, *head) if c is not None and _POINTS.search(c.text)), None)
    return _Draft(label or title, header, roles, indicator, start, [], start)


def _is_total(row: list[_Cell]) -> bool:
    return bool(row) and bool(_TOTAL.match(re.sub(r"\s+", "", row[0].text)))


def _total_row(draft: _Draft, row: list[_Cell]) -> list[_Cell | None]:
    """合计 | 100 | 96 | 优 : the label, then weight and score when the table has them, then the rest."""
    placed: list[_Cell | None] = [None] * len(draft.roles)
    label_col = draft.roles.index("name") if "name" in draft.roles else 0
    placed[label_col] = row[0]
    numbers = [c for c in row[1:] if cell_number(c.text) is not None and not is_percent(c.text)]
    rest = [c for c in row[1:] if c.text and c not in numbers]
    for role, cell in zip(("weight", "score"), numbers, strict=False):
        if role in draft.roles:
            placed[draft.roles.index(role)] = cell
    return placed + list(rest)


def _add_row(draft: _Draft, row: list[_Cell]) -> bool:
    """Align ``row`` and add it; False when it does not belong to the table."""
    if not row or all(_RULE_CELL.match(c.text) for c in row):
        return True  # a Markdown rule row (|---|:---:|) or a row of dashes
    if _is_total(row):
        draft.rows.append(_total_row(draft, row))
        return True
    if draft.indicator:
        placed = _align_indicator(list(draft.roles), row)  # type: ignore[arg-type]
        names = [r for r in ("level1", "level2", "name") if r in draft.roles]
        if placed is None and len(row) <= len(names) and all(_is_label(c) or not c.text for c in row):
            placed = [None] * len(draft.roles)  # names only: an indicator left empty, or a level's own row
            for role, cell in zip(reversed(names), reversed(row), strict=False):
                placed[draft.roles.index(role)] = cell
    else:
        if len(row) > len(draft.header):
            extra = len(row) - len(draft.header)
            draft.header[:0] = [""] * extra
            draft.roles[:0] = [None] * extra
            pad: list[_Cell | None] = [None] * extra
            draft.rows = [pad + r for r in draft.rows]
            draft.offset = None if draft.offset is None else draft.offset + extra
        aligned = _align_offset(draft.roles, row, draft.offset)
        placed = None if aligned is None else aligned[1][: len(draft.header)]
        if aligned is not None and draft.offset is None and any(placed or []):
            draft.offset = aligned[0]
        if placed is not None and not any(placed):
            return True  # only the next row's label ran into this line
    if placed is None:
        return False
    if not draft.indicator and not any(c is not None and (c.text and not _BLANK_MARK.match(c.text)) for c in placed):
        return True  # a row of dashes: nothing to read
    draft.rows.append(placed)
    return True


def _is_label(cell: _Cell) -> bool:
    """A short row label ("总额", "其中:财政资金"), as opposed to a value, a mark or a note."""
    text = cell.text
    return (
        0 < len(text) <= 20
        and cell_number(text) is None
        and not _BLANK_MARK.match(text)
        and not COMPARATOR.match(text)
        and not re.search(r"[。；;]", text)
    )


def _stream_tables(cells: list[_Cell], title: str | None) -> list[_Draft]:
    """One cell per line: rebuild rows from the header's columns (indicator rows by their comparator, other rows
    from one label to the next)."""
    drafts: list[_Draft] = []
    i = 0
    while i < len(cells):
        if not _is_label(cells[i]) or _FORM_TITLE.search(cells[i].text):
            if _FORM_TITLE.search(cells[i].text):
                title = cells[i].text
            i += 1
            continue
        j = i
        while j < len(cells) and cells[j].text and cell_number(cells[j].text) is None:
            if column_role(cells[j].text) is None and not _GROUP.search(cells[j].text):
                if j - i < 2 and all(column_role(c.text) is None for c in cells[i:j]):
                    j += 1  # the label columns' own headers ("项目", "项目基本情况") lead the run
                    continue
                break
            j += 1
        run = _header_run(cells[i:j]) if j - i >= 3 else None
        if run is None:
            i += 1
            continue
        draft = _new_draft(cells[i:j], run, title, cells[i].start)
        k = j
        while k < len(cells):
            if draft.indicator:
                width = len(draft.roles)
                nature = draft.roles.index("nature") if "nature" in draft.roles else None
                chunk = cells[k : k + width]
                if nature is not None and len(chunk) > nature and COMPARATOR.match(chunk[nature].text):
                    row = _trim(chunk)
                elif _TOTAL.match(cells[k].text):
                    end = k + 1
                    while end < len(cells) and not _is_label(cells[end]) and end - k < 4:
                        end += 1
                    row = _trim(cells[k:end])
                else:
                    break
            else:
                if not _is_label(cells[k]):
                    break
                end = k + 1
                while end < len(cells) and not _is_label(cells[end]) and end - k < len(draft.header) + 1:
                    end += 1
                row = _trim(cells[k:end])
                ahead = cells[k : k + 4]
                if sum(column_role(c.text) is not None for c in ahead) >= 2 or _GROUP.search(cells[k].text):
                    break
            if not row or not _add_row(draft, row):
                break
            k += max(len(row), 1)
            while k < len(cells) and not cells[k].text:
                k += 1
        if draft.rows:
            draft.end = max(c.end for r in draft.rows for c in r if c is not None)
            drafts.append(draft)
        i = max(k, i + 1)
    return drafts


def _pipe_tables(text: str, taken: _Taken) -> list[_Draft]:
    drafts: list[_Draft] = []
    if "|" not in text:
        return drafts
    for block in _pipe_blocks(text, taken):
        title: str | None = None
        if sum(len(line.cells) <= 1 for line in block) * 10 >= len(block) * 7:
            stream = [c for line in block for c in (line.cells or [_Cell(line.start, line.start, "")])]
            drafts.extend(_stream_tables(stream, None))
            continue
        draft: _Draft | None = None
        pending: list[_Cell] = []
        for line in block:
            cells = _trim(line.cells)
            run = _header_run(cells)
            if run is not None:
                if draft is not None and draft.rows:
                    drafts.append(draft)
                draft = _new_draft(cells, run, title, line.start)
                draft.end = line.end
                pending = []
                tail = _trim(cells[run[1] :])
                if tail and _add_row(draft, tail):
                    draft.end = line.end
                continue
            if not [c for c in cells if c.text]:
                if pending and draft is not None:
                    _add_row(draft, pending)
                pending = []
                continue
            if all(_RULE_CELL.match(c.text) for c in cells):
                continue  # a Markdown rule row (|---|:---:|)
            if draft is None:
                if len(cells) <= 2 and _FORM_TITLE.search(cells[0].text):
                    title = cells[0].text
                continue
            row = [*pending, *cells] if pending else cells
            # A cell that wrapped inside its column splits the row over lines: gather the pieces until they align.
            if (
                draft.indicator
                and not _is_total(row)
                and _align_indicator(list(draft.roles), row) is None  # type: ignore[arg-type]
                and len(row) < 2 * len(draft.roles)
            ):
                pending = row
                continue
            pending = []
            if _add_row(draft, row):
                draft.end = line.end
            else:
                if draft.rows:
                    drafts.append(draft)
                draft = None
        if pending and draft is not None and _add_row(draft, pending):
            draft.end = max(draft.end, pending[-1].end)
        if draft is not None and draft.rows:
            drafts.append(draft)
    return drafts


# --- whitespace-aligned rows -------------------------------------------------------------------------------------

_TOKEN_NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?[%％]?")
_ALIGNED_ROW = re.compile(
    r"^(?P<label>[^\d\s|][^\d|]{0,24}?)(?P<values>(?:[ \t\u3000]+[-+]?\d[\d,]*(?:\.\d+)?[%％]?){3,})\s*$"
)
_ALIGNED_ROW_ANY = re.compile(_ALIGNED_ROW.pattern, re.MULTILINE)
# Three values in a row, as every aligned row holds: a pattern that opens with a set of characters is searched far
# faster than one anchored at line starts, so a text without any is passed over first.
_VALUE = r"[ \t\u3000]+[-+]?\d[\d,]*(?:\.\d+)?[%％]?"
_THREE_VALUES = re.compile(rf"{_VALUE}{_VALUE}[ \t\u3000]+[-+]?\d")


def _aligned_tables(text: str, taken: _Taken) -> list[_Draft]:
    """Rows of a label and ≥3 whitespace-separated numbers, under the header lines above them."""
    if (
        _THREE_VALUES.search(text) is None
        or len(list(zip(range(2), _ALIGNED_ROW_ANY.finditer(text), strict=False))) < 2
    ):
        return []  # no two candidate rows: skip the line-by-line pass
    lines = _lines(text)
    drafts: list[_Draft] = []
    i = 0
    while i < len(lines):
        s, e = lines[i]
        m = _ALIGNED_ROW.match(text[s:e])
        if m is None or s in taken:
            i += 1
            continue
        rows: list[list[_Cell]] = []
        width = len(_TOKEN_NUMBER.findall(m.group("values")))
        j = i
        last = i
        while j < len(lines) and j - last <= 5:
            s2, e2 = lines[j]
            m2 = _ALIGNED_ROW.match(text[s2:e2])
            if m2 is not None and len(_TOKEN_NUMBER.findall(m2.group("values"))) == width:
                label_end = s2 + len(m2.group("label").rstrip())
                cells = [_Cell(s2, label_end, text[s2:label_end])]
                for n in _TOKEN_NUMBER.finditer(text, s2 + m2.start("values"), e2):
                    cells.append(_Cell(n.start(), n.end(), n.group()))
                rows.append(cells)
                last = j
            j += 1
        if len(rows) >= 2:
            top = _aligned_header_start(text, lines, i)
            head_text = text[lines[top][0] : lines[i][0]]
            title = next((t for t in head_text.split("\n") if _FORM_TITLE.search(t)), None)
            header = ["项目", *(f"第{k}栏" for k in range(1, width + 1))]
            draft = _Draft(title, header, [None] * (width + 1), False, lines[top][0], [], lines[last][1])
            draft.rows = [list[_Cell | None](r) for r in rows]
            drafts.append(draft)
        i = last + 1
    return drafts


def _aligned_header_start(text: str, lines: list[tuple[int, int]], first: int) -> int:
    """The first header line above an aligned table: short lines without sentence punctuation, up to 20 of them."""
    top = first
    for k in range(first - 1, max(first - 21, -1), -1):
        line = text[lines[k][0] : lines[k][1]].strip()
        if not line or "。" in line or len(line) > 60:
            break
        top = k
        if _FORM_TITLE.search(line):
            break
    return top


# --- glued execution rows (OCR text without separators) ----------------------------------------------------------

_GLUED_RATE = re.compile(
    r"(?P<label>执行率)[^。；;|\n]{0,40}?(?<![\d.])"
    r"(?:(?P<lead>\d{1,2})(?P<dash>[一—\-－/]?))?[Oo0]?(?P<rate>\d{1,3}(?:\.\d+)?)[%％](?P<tail>\d+(?:\.\d+)?)(?![\d.%])"
)
_SCALE = (Decimal(100), Decimal(20), Decimal(15), Decimal(10), Decimal(5))


def _split_weight_score(digits: str, weights: tuple[Decimal, ...] = _SCALE) -> tuple[str, str] | None:
    """``107.6`` → (``10``, ``7.6``): the only split where both read as numbers and the score is within the weight."""
    found = []
    for k in range(1, len(digits)):
        w, s = digits[:k], digits[k:]
        if "." in w or w.startswith("0") or (len(s) > 1 and s[0] == "0" and s[1] != ".") or s.startswith("."):
            continue
        if Decimal(w) in weights and Decimal(s) <= Decimal(w):
            found.append((w, s))
    return found[0] if len(found) == 1 else None


# One indicator's weight: whole points up to 30 (a form's 100 points spread over its indicators).
_INDICATOR_WEIGHTS = tuple(Decimal(n) for n in range(1, 31))
_GLUED_TOKEN = r"\d+(?:\.\d+)?(?:%|次|份|篇|人|个|户|天|万元)?|[好高优良差低]"
# 名称 单位 性质 目标 实际 系数% 权重得分 是否核心: "培训覆盖率%定量指标90%65%100%55是".
_GLUED_INDICATOR = re.compile(
    r"(?P<name>[^\d%\s|，。；,;]{2,30}?)(?P<unit>%|次|份|篇|人|个|户|天)?(?:定[量性]指标)?"
    rf"(?P<values>(?:{_GLUED_TOKEN}){{0,3}}?)(?P<coef>(?:100|[1-9]\d)%)(?P<ws>\d{{2,4}}(?:\.\d)?)(?P<core>[是否])"
)
_GLUED_INDICATOR_HEADER = re.compile(
    r"指标名称[^\s|。]{0,40}?(?:权重|分值)[^\s|。]{0,12}?得分[^\s|。]{0,12}?是否核心指标"
)
# 名称 权重 目标 实际(=目标) 得分, the target written twice: "完工时间52023年10月完成2023年10月完成4".
_GLUED_DOUBLED = re.compile(
    r"(?P<name>[\u4e00-\u9fff]{2,20}?)(?P<w>[1-9]\d?)(?P<t>[^\s|，。；\d][^\s|，。；]{3,30}?|\d{4}年[^\s|，。；]{2,26}?)"
    r"(?P=t)(?P<s>\d{1,2}(?:\.\d)?)(?![\d.])"
)
_GLUED_HEADER = re.compile(r"[^\s|]{0,12}(?:权重|分值|分)[^\s|]{0,30}得分[^\s|]{0,4}(?:未完成|偏差)?原因")
# Every match of _GLUED_HEADER holds 得分 and is at most 55 characters long: only the text around each 得分 is
# searched (the pattern tried at every position of a long report costs more than all the other readers together).
_GLUED_HEADER_REACH = 60


def search_near(pattern: re.Pattern[str], text: str, anchor: str, reach: int) -> re.Match[str] | None:
    """``pattern.search(text)`` for a pattern without look-arounds whose every match holds ``anchor`` and is shorter
    than ``reach``: only the windows around the anchor's occurrences are searched."""
    done = 0  # no match starts before this
    at = text.find(anchor)
    while at >= 0:
        # A match starting in [at - reach, at] ends before at + len(anchor) + reach, so the window holds it whole.
        m = pattern.search(text, max(at - reach, done), at + len(anchor) + reach)
        if m is not None and m.start() <= at:
            return pattern.match(text, m.start())
        done = at + 1
        at = text.find(anchor, at + 1)
    return None


def _glued_indicators(text: str, taken: _Taken) -> list[_Draft]:
    """Indicator rows of an OCR'd form whose cells ran together, read back by the form's column order."""
    drafts: list[_Draft] = []
    head = _GLUED_INDICATOR_HEADER.search(text)
    if head is not None:
        draft = _Draft(
            None, ["三级指标", "度量单位", "指标值", "完成值", "得分系数", "权重", "得分"],
            ["name", "unit", "target", "actual", "coefficient", "weight", "score"], True, head.start(), [], head.end(),
        )  # fmt: skip
        for line_start, line_end in _lines_from(text, head.end()):
            for m in _GLUED_INDICATOR.finditer(text, line_start, line_end):
                if m.start() in taken:
                    continue
                split = _split_weight_score(m.group("ws"), _INDICATOR_WEIGHTS)
                if split is None:
                    continue
                values = [v for v in re.finditer(_GLUED_TOKEN, m.group("values"))]
                cells: list[_Cell | None] = [_Cell(m.start("name"), m.end("name"), m.group("name"))]
                cells.append(_Cell(m.start("unit"), m.end("unit"), m.group("unit")) if m.group("unit") else None)
                base = m.start("values")
                target = values[0] if len(values) >= 2 else None
                actual = values[-1] if len(values) >= 2 else None
                for v in (target, actual):
                    cells.append(None if v is None else _Cell(base + v.start(), base + v.end(), v.group()))
                cells.append(_Cell(m.start("coef"), m.end("coef"), m.group("coef")))
                ws = m.start("ws")
                cells.append(_Cell(ws, ws + len(split[0]), split[0]))
                cells.append(_Cell(ws + len(split[0]), m.end("ws"), split[1]))
                draft.rows.append(cells)
                draft.end = m.end()
        if draft.rows:
            draft.start = min(c.start for c in draft.rows[0] if c is not None)
            drafts.append(draft)
    head = search_near(_GLUED_HEADER, text, "得分", _GLUED_HEADER_REACH)
    if head is not None:
        draft = _Draft(
            None, ["三级指标", "权重", "指标值", "完成值", "得分", "原因"],
            ["name", "weight", "target", "actual", "score", "reason"], True, head.start(), [], head.end(),
        )  # fmt: skip
        for m in _GLUED_DOUBLED.finditer(text, head.end()):
            if m.start() in taken or Decimal(m.group("s")) > Decimal(m.group("w")):
                continue
            t2 = m.end("t")
            draft.rows.append(
                [
                    _Cell(m.start("name"), m.end("name"), m.group("name")),
                    _Cell(m.start("w"), m.end("w"), m.group("w")),
                    _Cell(m.start("t"), m.end("t"), m.group("t")),
                    _Cell(t2, t2 + len(m.group("t")), m.group("t")),
                    _Cell(m.start("s"), m.end("s"), m.group("s")),
                    None,
                ]
            )
            draft.end = m.end()
        if draft.rows:
            draft.start = min(c.start for c in draft.rows[0] if c is not None)
            drafts.append(draft)
    return drafts


def _lines_from(text: str, start: int) -> list[tuple[int, int]]:
    spans = []
    pos = start
    while pos < len(text):
        nl = text.find("\n", pos)
        end = len(text) if nl < 0 else nl
        spans.append((pos, end))
        pos = end + 1
    return spans


def _glued_rows(text: str, taken: _Taken) -> list[_Draft]:
    """Execution rows whose cells ran together: the rate, its weight and its score, read back by what they can hold."""
    drafts: list[_Draft] = []
    at = text.find("执行率")
    while at >= 0:
        m = _GLUED_RATE.match(text, at)
        at = text.find("执行率", at + 1)
        if m is None or m.start() in taken or " " in m.group():
            continue
        rate = Decimal(m.group("rate"))
        tail_start = m.start("tail")
        if m.group("lead"):
            weight = (m.start("lead"), m.end("lead"))
            score = (tail_start, m.end("tail"))
            if Decimal(m.group("lead")) not in _SCALE or Decimal(m.group("tail")) > Decimal(m.group("lead")):
                continue
        else:
            split = _split_weight_score(m.group("tail"))
            if split is None:
                continue
            weight = (tail_start, tail_start + len(split[0]))
            score = (weight[1], m.end("tail"))
        if rate > 200:
            continue
        label_start = (
            m.start("label") - 2 if text[m.start("label") - 2 : m.start("label")] in ("预算", "资金") else m.start()
        )
        label = (max(label_start, 0), m.end("label"))
        rate_span = (m.start("rate"), m.end() - len(m.group("tail")))
        cells = [
            _Cell(*label, text[label[0] : label[1]]),
            _Cell(*weight, text[weight[0] : weight[1]]),
            _Cell(*rate_span, text[rate_span[0] : rate_span[1]]),
            _Cell(*score, text[score[0] : score[1]]),
        ]
        draft = _Draft(None, ["指标名称", "分值", "执行率", "得分"], [None, "weight", "rate", "score"], False, 0, [], 0)
        draft.rows = [list[_Cell | None](cells)]
        draft.start, draft.end = m.start(), m.end()
        drafts.append(draft)
    return drafts


# --- positional runs: a header run followed by its values (PDF text boxes) --------------------------------------

_RUN_WORD = r"年初预算数|全年预算数|调整后预算数|全年执行数|预算执行数|分值|权重|执行率|得分"
_POSITIONAL = re.compile(rf"(?:(?:{_RUN_WORD})[ \t\u3000]+){{3,}}(?:{_RUN_WORD})")


def _positional_tables(text: str, taken: _Taken) -> list[_Draft]:
    """``年初预算数 全年预算数 全年执行数 分值 执行率 得分 250.00 250.00 215.46 10 8.62``: values bound in order,
    a missing rate left empty; only when the values fit their columns."""
    drafts: list[_Draft] = []
    windows = sorted({max(m.start() - 60, 0) for m in re.finditer("执行数", text)})
    matches = {m.start(): m for w in windows if (m := _POSITIONAL.search(text, w, w + 160)) is not None}
    for m in matches.values():
        if m.start() in taken:
            continue
        names = m.group().split()
        roles = [column_role(n) for n in names]
        values: list[_Cell] = []
        for v in re.finditer(r"\S+", text[m.end() : m.end() + 200]):
            token = v.group()
            if cell_number(token) is None:
                break
            s = m.end() + v.start()
            values.append(_Cell(s, s + len(token), token))
            if len(values) == len(names):
                break
        placed = _bind(roles, values)
        if placed is None:
            continue
        draft = _Draft(None, names, list(roles), False, m.start(), [placed], m.end())
        draft.end = max(c.end for c in values)
        drafts.append(draft)
    return drafts


def _bind(roles: list[str | None], values: list[_Cell]) -> list[_Cell | None] | None:
    """Bind values to columns in order; one column may be missing (a rate that the extraction moved elsewhere)."""
    if len(values) == len(roles) and all(_fits(r, v.text) > 0 for r, v in zip(roles, values, strict=True)):
        return list[_Cell | None](values)
    values = values[: len(roles) - 1]
    if len(values) != len(roles) - 1:
        return None
    for skip in range(len(roles)):
        rest = roles[:skip] + roles[skip + 1 :]
        if all(_fits(r, v.text) > 0 for r, v in zip(rest, values, strict=True)):
            placed: list[_Cell | None] = list(values)
            placed.insert(skip, None)
            return placed
    return None


# --- assembling --------------------------------------------------------------------------------------------------


def _spans(draft: _Draft) -> TableSpans:
    rows: list[list[tuple[int, int]]] = []
    for row in draft.rows:
        spans: list[tuple[int, int]] = []
        at = next((c.start for c in row if c is not None), draft.start)
        for cell in row:
            if cell is None:
                spans.append((at, at))
            else:
                spans.append((cell.start, cell.end))
                at = cell.end
        rows.append(spans)
    return TableSpans(draft.title, list(draft.header), rows, draft.start, draft.end, "flattened")


def recover_tables(text: str, taken: list[tuple[int, int]]) -> list[TableSpans]:
    """The flattened tables in ``text`` outside ``taken``: pipe rows, aligned columns, glued and positional rows."""
    found: list[TableSpans] = []
    spans = _Taken(taken)
    for reader in (_pipe_tables, _aligned_tables, _positional_tables, _glued_rows, _glued_indicators):
        for draft in reader(text, spans):
            table = _spans(draft)
            if spans.overlaps(table.start, max(table.end, table.start + 1)):
                continue
            found.append(table)
            spans.add(table.start, table.end)
    return sorted(found, key=lambda t: t.start)
