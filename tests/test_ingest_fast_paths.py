"""Ingest's fast paths against the plain code they replaced, on generated text: the same answer, edge cases included.

Each ``plain_*`` function is the straightforward version (a line, a character or a pattern at a time) that the
module's faster one must agree with exactly: empty text, CRLF and lone CR, tabs, full-width and non-breaking
spaces, markers, pipe tables with ragged rows.
"""

from __future__ import annotations

import gc
import random
import re
from bisect import bisect_right
from collections.abc import Callable
from decimal import Decimal

import pytest

from assistant.text import flattened, legibility, lines, reflow, sections, tables
from assistant.text.document import Section, TableCell, document_from_text
from assistant.text.lines import Line, Lines, Paragraph

# Characters that exercise every branch: blanks of each kind, line breaks, markers, punctuation, digits, pipes.
ALPHABET = (
    "中文情况分析一二三十、（）()①⑤ \t\u3000\u00a0\ufeff\u200b\x0c\r\n\n\n|||，。；：:.．%％-—/"
    "0123456789１２ab#得分权重指标值完成值年初预算执行率合计"
)


def random_text(rng: random.Random, size: int, alphabet: str = ALPHABET) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, size)))


def texts(count: int, size: int, alphabet: str = ALPHABET, seed: int = 15) -> list[str]:
    rng = random.Random(seed)
    return ["", "\n", "\r\n", "\r", " ", "\u3000", "|", "||"] + [random_text(rng, size, alphabet) for _ in range(count)]


# --- lines -------------------------------------------------------------------------------------------------------


def plain_line(raw: str, start: int, end: int) -> Line | None:
    text = raw[start:end]
    body = text.lstrip(lines._SPACE)
    lead = len(text) - len(body)
    body = body.rstrip(lines._SPACE)
    if not body:
        return None
    indent = lines.display_width(text[:lead].replace("\t", "    ")) if lead else 0
    return Line(
        start + lead,
        start + lead + len(body),
        body,
        indent,
        lines.display_width(body),
        sections.starts_with_marker(body),
    )


def plain_split_lines(raw: str, start: int, end: int) -> Lines:
    out: Lines = []
    pos = start
    for m in lines.LINE_BREAK.finditer(raw, start, end):
        out.append(plain_line(raw, pos, m.start()))
        pos = m.end()
    out.append(plain_line(raw, pos, end))
    return out


def test_split_lines_agrees_with_a_line_at_a_time() -> None:
    rng = random.Random(1)
    for text in texts(3000, 60):
        start = rng.randint(0, len(text))
        end = rng.randint(start, len(text))
        assert lines.split_lines(text, 0, len(text)) == plain_split_lines(text, 0, len(text)), repr(text)
        assert lines.split_lines(text, start, end) == plain_split_lines(text, start, end), (repr(text), start, end)


def test_first_unit_width_agrees_with_measuring_the_word_or_character() -> None:
    for text in texts(3000, 8, "ab1.,%-中，１ \t\u3000"):
        if text:
            m = re.match(r"[A-Za-z0-9.,%\-]+", text)
            plain = len(m.group()) if m else lines.display_width(text[0])
            assert lines.first_unit_width(text) == plain, repr(text)


def plain_joined(found: Lines) -> Paragraph | None:
    para: Paragraph | None = None
    prev: Line | None = None
    for line in found:
        if line is None:
            continue
        if para is None or prev is None:
            para = Paragraph([(line.start, line.end)])
        else:
            para.seps.append(lines.separator(prev.text, line.text))
            para.segs.append((line.start, line.end))
        prev = line
    return para


def plain_paragraph_text(para: Paragraph, raw: str) -> str:
    parts = [raw[para.segs[0][0] : para.segs[0][1]]]
    for sep, (s, e) in zip(para.seps, para.segs[1:], strict=True):
        parts.append(sep)
        parts.append(raw[s:e])
    return "".join(parts)


def test_joined_lines_and_their_text_agree_with_the_plain_join() -> None:
    for text in texts(1500, 80, ALPHABET + "abcXYZ12 \n"):
        found = lines.split_lines(text, 0, len(text))
        para, plain = lines.joined(found), plain_joined(found)
        assert para == plain, repr(text)
        if para is not None:
            assert para.text(text) == plain_paragraph_text(para, text), repr(text)


def plain_split_cells(raw: str, found: Lines) -> list[Paragraph]:
    cells: list[Paragraph] = []
    block: Lines = []
    for line in [*found, None]:
        if line is not None:
            block.append(line)
            continue
        if not block:
            continue
        first = block[0]
        assert first is not None
        tokens = [(first.start + m.start(), first.start + m.end()) for m in re.finditer(r"[^\s]+", first.text)]
        cells.extend(Paragraph([span]) for span in tokens[:-1])
        last = Line(tokens[-1][0], tokens[-1][1], raw[tokens[-1][0] : tokens[-1][1]], 0, 0, False)
        tail = plain_joined([last, *block[1:]])
        assert tail is not None
        cells.append(tail)
        block = []
    return cells


def test_split_cells_agrees_with_joining_each_block() -> None:
    for text in texts(1500, 80, "预算执行率无 有ab12\n\n\n\u3000\t"):
        found = lines.split_lines(text, 0, len(text))
        assert flattened.split_cells(text, found) == plain_split_cells(text, found), repr(text)


def plain_group_rows(cells: list[str], ncols: int) -> list[int]:
    out: list[int] = []
    i = 0
    while i < len(cells):
        remaining = len(cells) - i

        def starts_row(k: int, i: int = i) -> bool:
            return i + k == len(cells) or (i + k < len(cells) and flattened.is_label(cells[i + k]))

        options = [k for k in (ncols, ncols - 1) if 2 <= k <= remaining]
        if not options:
            k = remaining
        else:
            fitting = [k for k in options if starts_row(k)]
            if len(fitting) == 2:
                k = ncols if flattened.is_label(cells[i]) and flattened.is_label(cells[i + 1]) else ncols - 1
            else:
                k = fitting[0] if fitting else options[0]
        out.append(k)
        i += k
    return out


def test_group_rows_agrees_with_asking_each_cell_again() -> None:
    rng = random.Random(4)
    words = ["预算编制", "无", "100%", "履职效益明显", "完成。", "9", "资金管理规范", "ab"]
    for _ in range(1500):
        cells = [rng.choice(words) for _ in range(rng.randint(0, 20))]
        ncols = rng.randint(1, 7)
        assert flattened.group_rows(cells, ncols) == plain_group_rows(cells, ncols), (cells, ncols)


# --- legibility --------------------------------------------------------------------------------------------------


def plain_measure(text: str) -> legibility.Legibility:
    cid = len(legibility.CID.findall(text))
    stripped = legibility.CID.sub("", text) if cid else text
    chars = cid
    replacement = odd = 0
    for ch in stripped:
        if ch.isspace():
            continue
        chars += 1
        if ch == legibility.REPLACEMENT:
            replacement += 1
        elif not legibility._plausible(ch):
            odd += 1
    return legibility.Legibility(chars, cid, replacement, odd)


def test_measure_agrees_with_judging_every_character() -> None:
    # Few distinct odd characters (counted one by one) and many (counted in one pass): kana, private use, box drawing.
    odd = "".join(chr(c) for c in range(0x3041, 0x3061)) + "\ue000\ue001─│\ufffd"
    for alphabet in (ALPHABET, ALPHABET + odd, odd + " \n", "(cid:12)" + ALPHABET + "\ufffd"):
        for text in texts(400, 300, alphabet):
            assert legibility.measure(text) == plain_measure(text), repr(text)


# --- headings and sections -----------------------------------------------------------------------------------------


def plain_match_marker(line: str, pos: int = 0) -> tuple[int, int, int] | None:
    for level, pattern in sections._MARKERS:
        m = pattern.match(line, pos)
        if m:
            return level, sections.chinese_number(m.group(1)), m.end()
    return None


HEADINGS = "一二三十、（）()①⑳1234567890.．、 #情况分析：:。，；\t\u3000"


def test_match_marker_agrees_with_trying_each_marker_in_turn() -> None:
    rng = random.Random(5)
    for text in texts(4000, 12, HEADINGS):
        pos = rng.randint(0, len(text))
        assert sections.match_marker(text) == plain_match_marker(text), repr(text)
        assert sections.match_marker(text, pos) == plain_match_marker(text, pos), (repr(text), pos)


def plain_parse_heading(line: str, pos: int = 0) -> sections.Heading | None:
    prefix = sections._MD_PREFIX.match(line, pos)
    if prefix:
        pos = prefix.end()
    found = plain_match_marker(line, pos)
    if found is None:
        return None
    level, number, marker_end = found
    end = len(line.rstrip())
    if end <= marker_end:
        return None
    if end - pos <= sections._SHORT_TITLE and not any(ch in "。；！？，：:;!?" for ch in line[marker_end:end]):
        return sections.Heading(level, number, pos, end)
    delim = sections._TITLE_DELIMS.search(line, marker_end, min(end, pos + sections._TITLE_REACH[level] + 1))
    if delim is None or delim.start() == marker_end:
        return None
    if any(ch in "，；,;" for ch in line[marker_end : delim.start()]):
        return None
    return sections.Heading(level, number, pos, delim.start())


def test_parse_heading_agrees_with_the_plain_reading() -> None:
    rng = random.Random(6)
    long_titles = [t + "情况分析报告说明" * rng.randint(0, 6) + "，我们" for t in texts(500, 10, HEADINGS)]
    for text in texts(4000, 50, HEADINGS) + long_titles:
        pos = rng.randint(0, len(text))
        assert sections.parse_heading(text) == plain_parse_heading(text), repr(text)
        assert sections.parse_heading(text, pos) == plain_parse_heading(text, pos), (repr(text), pos)


def plain_build_sections(text: str, skip: list[tuple[int, int]]) -> list[sections.SectionSpan]:
    skip = sorted(skip)
    headings: list[tuple[int, int, str]] = []
    k = 0
    pos = 0
    while pos < len(text):
        nl = text.find("\n", pos)
        line_end = len(text) if nl < 0 else nl
        while k < len(skip) and skip[k][1] <= pos:
            k += 1
        inside = k < len(skip) and skip[k][0] <= pos < skip[k][1]
        if not inside and line_end > pos:
            heading = plain_parse_heading(text[pos:line_end])
            if heading is not None:
                headings.append((pos, heading.level, text[pos + heading.title_start : pos + heading.title_end]))
        pos = line_end + 1
    roots: list[sections.SectionSpan] = []
    stack: list[sections.SectionSpan] = []
    for start, level, title in headings:
        while stack and stack[-1].level >= level:
            stack.pop().end = start
        node = sections.SectionSpan(level, title, start, len(text))
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    return roots


def test_build_sections_agrees_with_reading_every_line() -> None:
    rng = random.Random(7)
    for text in texts(1500, 120, HEADINGS + "\n\n\n文字"):
        skip = []
        for _ in range(rng.randint(0, 3)):
            start = rng.randint(0, len(text))
            skip.append((start, rng.randint(start, len(text))))
        assert sections.build_sections(text, skip) == plain_build_sections(text, skip), (repr(text), skip)


# --- re-flow -------------------------------------------------------------------------------------------------------


def plain_line_starts(raw: str) -> list[int]:
    return [0, *(m.end() for m in lines.LINE_BREAK.finditer(raw))]


def test_line_starts_agree_with_finding_every_break() -> None:
    for text in texts(2000, 40):
        assert list(reflow.line_starts(text)) == plain_line_starts(text), repr(text)
        assert list(reflow.line_starts(text.replace("\r", ""))) == plain_line_starts(text.replace("\r", ""))


def plain_wrap_width(found: list[Line]) -> int | None:
    widths = sorted(line.width for line in found if len(line.text) >= 2 and not reflow._SPACED_CJK.search(line.text))
    if len(widths) < 3:
        return None
    width = widths[int(len(widths) * 0.95)]
    wide = [w for w in widths if w * 2 >= width]
    near = sum(1 for w in wide if abs(w - width) <= 2)
    return width if near >= 3 and near * 5 >= len(wide) * 2 else None


@pytest.mark.parametrize("words", ["中文 \t\u3000ab1，", "中文字词句段" * 12 + " \t\u3000ab1，"])  # dense, rare spaces
def test_wrap_width_agrees_with_searching_each_line(words: str) -> None:
    rng = random.Random(8)
    for _ in range(1500):
        rows = [random_text(rng, rng.choice([3, 8, 30]), words) for _ in range(rng.randint(0, 12))]
        width = rng.choice([0, 3, 5, 14, 28])
        rows += ["字" * (width // 2 + rng.randint(-1, 1)) for _ in range(rng.randint(0, 6))]
        text = "\n".join(rows)
        found = [line for line in lines.split_lines(text, 0, len(text)) if line is not None]
        assert reflow.wrap_width(found) == plain_wrap_width(found), repr(text)


@pytest.mark.parametrize(
    ("fast", "plain"),
    [
        (reflow._WRAP_SPACE, r"(?<=[\u4e00-\u9fff，。、；：])[ ](?=[\u4e00-\u9fff\d])"),
        (reflow._DECIMAL_SPACE, r"(?<=\d\d[.．])[ ](?=\d{1,2}(?![\d.]))"),
    ],
)
def test_space_patterns_find_what_the_look_behind_first_forms_find(fast: re.Pattern[str], plain: str) -> None:
    pattern = re.compile(plain)
    for text in texts(4000, 30, "进一步 12.．，。3a  \n"):
        assert [m.span() for m in fast.finditer(text)] == [m.span() for m in pattern.finditer(text)], repr(text)


def plain_run_in_title(text: str, pos: int) -> int | None:
    nouns = "|".join(sorted(reflow._HEAD_NOUNS))
    m = reflow._TITLE_RUN.match(text, pos)
    if m is None:
        return None
    run = m.group()
    inner = reflow._RUN_IN_MARKER.search(run, 1)
    if inner is not None:
        run = run[: inner.start()]
    ends = [end for end in range(2, len(run) + 1) if re.search(rf"(?:{nouns})$", run[:end])]
    for end in ends:
        if end == len(run) or reflow._BODY_START.match(run, end):
            return pos + end
    return pos + ends[-1] if ends else None


def test_run_in_title_agrees_with_searching_each_prefix() -> None:
    rng = random.Random(9)
    for text in texts(3000, 30, "情况概况分析目标问题结论我本1一二（）、项目基本执行"):
        pos = rng.randint(0, len(text))
        assert reflow.run_in_title(text, pos) == plain_run_in_title(text, pos), (repr(text), pos)


# --- tables --------------------------------------------------------------------------------------------------------


def plain_pipe_cells(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    cells = []
    pos = start
    if text[start:end].lstrip().startswith("|"):
        pos = start + text[start:end].index("|") + 1
    while pos <= end:
        bar = text.find("|", pos, end)
        s, e = pos, end if bar < 0 else bar
        while s < e and text[s] in " \t\u3000":
            s += 1
        while e > s and text[e - 1] in " \t\u3000":
            e -= 1
        if bar >= 0 or s < e:
            cells.append((s, e, text[s:e]))
        if bar < 0:
            break
        pos = bar + 1
    return cells


def test_pipe_cells_agree_with_walking_the_line() -> None:
    rng = random.Random(10)
    for text in texts(4000, 30, "| |\t\u3000 a中1||\u00a0"):
        start = rng.randint(0, len(text))
        end = rng.randint(start, len(text))
        got = [(c.start, c.end, c.text) for c in tables._pipe_cells(text, start, end)]
        assert got == plain_pipe_cells(text, start, end), (repr(text), start, end)


def plain_header_run(cells: list[str]) -> tuple[int, int] | None:
    role, number = tables.column_role.__wrapped__, tables.cell_number.__wrapped__  # type: ignore[attr-defined]
    best: tuple[int, int] | None = None
    i = 0
    while i < len(cells):
        j = i
        roles = 0
        while j < len(cells) and cells[j] and number(cells[j]) is None:
            if role(cells[j]) is None and not tables._GROUP.search(cells[j]):
                break
            roles += role(cells[j]) is not None
            j += 1
        if roles >= 2 and (best is None or j - i > best[1] - best[0]):
            best = (i, j)
        i = max(j, i + 1)
    if best is None:
        return None
    if 1 <= best[0] <= 2 and all(c and number(c) is None for c in cells[: best[0]]):
        best = (0, best[1])
    filled = [c for c in cells if c]
    named = sum(1 for c in cells[best[0] : best[1]] if role(c) is not None)
    if named < 3 and (best[1] - best[0] < len(filled) - 1 or any(number(c) is not None for c in filled)):
        return None
    return best


def test_header_run_agrees_with_asking_about_each_cell_every_time() -> None:
    rng = random.Random(11)
    words = [
        "",
        "项目",
        "指标名称",
        "权重",
        "得分",
        "执行率",
        "年度预算数(万元)",
        "10",
        "86%",
        "完成值",
        "指标值",
        "说明",
    ]
    for _ in range(4000):
        cells = [rng.choice(words) for _ in range(rng.randint(0, 9))]
        row = [tables._Cell(0, 0, c) for c in cells]
        assert tables._header_run(row) == plain_header_run(cells), cells


@pytest.mark.parametrize("reader", [tables.column_role, tables.cell_number, tables.is_percent])
def test_cached_cell_readers_answer_as_uncached(reader: Callable[[str], object]) -> None:
    plain = reader.__wrapped__  # type: ignore[attr-defined]
    for text in texts(2000, 10, "1,2.5%％ -+预算执行数得分权重（万元）(10分)"):
        assert reader(text) == plain(text), repr(text)
        assert reader(text) == plain(text), repr(text)  # from the cache the second time
    assert isinstance(tables.cell_number("1,250.5"), Decimal)


def plain_align_offset(header: list[str | None], row: list[tables._Cell], prefer: int | None) -> object:
    fits, number = tables._fits.__wrapped__, tables.cell_number.__wrapped__  # type: ignore[attr-defined]
    best: tuple[int, int] | None = None
    for offset in range(0, max(len(header) - len(row), 0) + 3):
        inside = [(header[offset + i] if offset + i < len(header) else None, c) for i, c in enumerate(row)]
        if any(offset + i >= len(header) and number(c.text) is not None for i, c in enumerate(row)):
            continue
        if offset >= len(header):
            break
        score = sum(fits(role, c.text) for role, c in inside)
        if best is None or score > best[0] or (score == best[0] and offset == prefer):
            best = (score, offset)
    if best is None or best[0] <= 0:
        return None
    placed: list[tables._Cell | None] = [None] * max(len(header), best[1] + len(row))
    for i, cell in enumerate(row):
        placed[best[1] + i] = cell
    return best[1], placed


def test_align_offset_agrees_with_judging_every_cell_at_every_offset() -> None:
    rng = random.Random(14)
    roles = [None, "budget", "spent", "rate", "weight", "score", "name", "nature", "reason", "coefficient", "target"]
    words = ["", "/", "—", "资金", "≥", "120.5", "86%", "10", "150", "完成较好。", "合计", "其中：财政拨款资金"]
    for _ in range(4000):
        header = [rng.choice(roles) for _ in range(rng.randint(0, 7))]
        row = [tables._Cell(k, k, rng.choice(words)) for k in range(rng.randint(0, 7))]
        prefer = rng.choice([None, 0, 1, 2])
        assert tables._align_offset(header, row, prefer) == plain_align_offset(header, row, prefer), (header, row)


def test_aligned_rows_are_never_found_where_three_values_in_a_row_are_not() -> None:
    rng = random.Random(12)
    for text in texts(3000, 40, "合计收入 \t\u30001234567890.,%-\n"):
        if tables._THREE_VALUES.search(text) is None:
            assert tables._ALIGNED_ROW_ANY.search(text) is None, repr(text)
    labels = ["财政拨款", "其他收入", "收入合计"]
    rows = "\n".join(f"{label} {rng.randint(1, 99)} {rng.randint(1, 99)}.5 {rng.randint(1, 99)}%" for label in labels)
    assert tables._THREE_VALUES.search(rows) and tables._aligned_tables(rows, tables._Taken([]))


# --- the document ----------------------------------------------------------------------------------------------------


def test_building_a_document_leaves_the_collector_as_it_found_it() -> None:
    text = "一、基本情况\n| 指标名称 | 权重 | 得分 |\n| 培训人次 | 10 | 9 |\n"
    assert gc.isenabled()
    document_from_text(text)
    assert gc.isenabled()
    gc.disable()
    try:
        document_from_text(text)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_documents_read_the_same_whatever_the_line_breaks_and_blanks() -> None:
    # The same report with CRLF, tabs or full-width spaces around its pipe cells: the same sections and cell texts.
    rng = random.Random(13)
    rows = ["| 指标名称 | 指标值 | 完成值 | 权重 | 得分 |", "|---|---|---|---|---|"]
    for k in range(6):
        cells = [f"指标{k}", f"{rng.randint(50, 99)}%", f"{rng.randint(50, 99)}%", "10", str(rng.randint(5, 10))]
        rows.append("| " + " | ".join(cells[: rng.randint(3, 5)]) + " |")  # ragged: trailing cells left off
    text = "一、基本情况\n本单位年度预算执行良好。\n\n二、绩效指标\n" + "\n".join(rows) + "\n三、结论\n较好。"
    plain = document_from_text(text)
    for variant in (text.replace("\n", "\r\n"), text.replace(" | ", "\t|\t"), text.replace(" | ", "\u3000|\u3000")):
        doc = document_from_text(variant)
        assert [(s.title, s.level) for s in doc.sections] == [(s.title, s.level) for s in plain.sections]
        assert [[[c.text for c in row] for row in t.rows] for t in doc.tables] == [
            [[c.text for c in row] for row in t.rows] for t in plain.tables
        ]
        for table in doc.tables:
            for row in table.rows:
                for cell in row:
                    assert doc.text[cell.start : cell.end] == cell.text
        starts = [0, *(m.end() for m in re.finditer(r"\r\n|\r|\n", variant))]
        for k in range(0, len(doc.text) + 1, 7):
            line, col = doc.line_col(k)
            assert 1 <= line <= len(starts) and 1 <= col
            assert bisect_right(starts, starts[line - 1]) == line


def test_marker_first_holds_every_character_a_marker_can_open_with() -> None:
    # Every code point, followed by what completes each kind of marker ("一、", "（一）", "（1）", "1.", "①").
    for code in range(0x110000):
        c = chr(code)
        opens = any(sections.MARKER.match(c + tail) for tail in ("、", "一）", "1）"))
        assert not opens or c in sections.MARKER_FIRST or c.isdecimal(), hex(code)


class PlainBuilder:
    """The normalised text and its offset-map runs, one span and one separator at a time."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.parts: list[str] = []
        self.runs: list[tuple[int, int, bool]] = []
        self.size = self.last_end = 0

    def add(self, piece: str, origin: int, copied: bool) -> None:
        self.parts.append(piece)
        self.runs.append((self.size, origin, copied))
        self.size += len(piece)

    def paragraph(self, para: Paragraph, blank_next: bool) -> tuple[int, int]:
        if self.size:
            self.add("\n\n" if para.blank_before or blank_next else "\n", self.last_end, False)
        start = self.size
        for i, (s, e) in enumerate(para.segs):
            if i and para.seps[i - 1]:
                self.add(para.seps[i - 1], self.last_end, False)
            if e > s:
                self.add(self.raw[s:e], s, True)
                self.last_end = e
        return start, self.size


def test_builder_copies_paragraphs_as_span_by_span() -> None:
    rng = random.Random(21)
    raw = "".join(rng.choice("预算ab 1\n") for _ in range(200))
    for _ in range(300):
        fast, plain = reflow._Builder(raw), PlainBuilder(raw)
        for _ in range(rng.randint(0, 8)):
            segs = []
            for _ in range(rng.choice([1, 1, 1, 2, 3])):
                s = rng.randint(0, len(raw))
                segs.append((s, min(len(raw), s + rng.choice([0, 1, 4]))))
            para = Paragraph(segs, [rng.choice(["", " "]) for _ in segs[1:]], rng.random() < 0.3)
            fast.blank_next = blank_next = rng.random() < 0.2
            assert fast.paragraph(para) == plain.paragraph(para, blank_next)
        assert "".join(fast.parts) == "".join(plain.parts)
        assert list(zip(fast.starts, fast.origins, fast.copied, strict=True)) == plain.runs
        assert (fast.size, fast.last_end) == (plain.size, plain.last_end)


def test_line_col_found_from_the_original_when_first_asked() -> None:
    rng = random.Random(5)
    for text in texts(150, 120):
        doc = document_from_text(text)
        starts = plain_line_starts(text)
        for offset in sorted({rng.randint(0, len(doc.text)) for _ in range(10)} | {0, len(doc.text)}):
            origin = doc._origin[offset] if doc._origin is not None else offset
            line = bisect_right(starts, origin)
            assert doc.line_col(offset) == (line, origin - starts[line - 1] + 1), (repr(text), offset)


def test_tables_hold_the_cells_their_spans_cut_from_the_text() -> None:
    rows = ["| 指标 | 权重 | 得分 |", "|---|---|---|", "| 培训人次 | 10 | 9 |", "| 满意度 | 20 | 18 |"]
    doc = document_from_text("一、基本情况\n" + "\n".join(rows) + "\n\n二、结论\n良好。")
    assert [t.header for t in doc.tables] == [["指标", "权重", "得分"]]
    for table in doc.tables:
        for row in table.rows:
            for cell in row:
                assert type(cell) is TableCell and cell.text == doc.text[cell.start : cell.end]
    assert [[c.text for c in row] for row in doc.tables[0].rows] == [["培训人次", "10", "9"], ["满意度", "20", "18"]]


def test_prose_steps_given_the_text_read_it_as_reading_it_themselves() -> None:
    rng = random.Random(8)
    # Headings run into prose (the next number after the last seen), words, figures, wrap spaces.
    pieces = ["一、基本情况", "二、绩效分析", "三、问题", "（一）项目概况", "（二）绩效目标", "（三）实施过程", "我单位",
              "本年度完成", "。", "，", " ", "12.5万元", "统一、规范", "\n"]  # fmt: skip
    for _ in range(400):
        raw = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 30)))
        given, plain = reflow._Numbering(), reflow._Numbering()
        for _ in range(rng.randint(1, 5)):
            cuts = sorted(rng.sample(range(len(raw) + 1), 2))
            mid = rng.randint(cuts[0], cuts[1])
            para = Paragraph([(cuts[0], mid), (mid, cuts[1])], [rng.choice(["", " "])])
            if not para.text(raw):
                continue
            text = para.text(raw)
            kept = reflow.drop_wrap_spaces(raw, para, text)
            assert kept == reflow.drop_wrap_spaces(raw, para)
            assert given.split_inline(raw, kept, text if kept is para else None) == plain.split_inline(raw, kept)
            assert given.last == plain.last


def plain_joins(a: Line, b: Line, a_first: bool, b_last: bool, width: int | None) -> bool:
    if b.text[0] in reflow._CONTINUES:
        return True
    if b.marker or re.match(r"#{1,6}\s|\|", b.text) or re.match(r"#{1,6}\s|\|", a.text):
        return False
    if a_first and a.marker and reflow._is_heading_stub(a.text, b.text, b_last):
        return True
    if width is None or b.indent > a.indent:
        return False
    m = re.match(r"[A-Za-z0-9.,%\-]+", b.text)
    unit = len(m.group()) if m else lines.display_width(b.text[0])
    return a.width + (1 if lines.separator(a.text, b.text) else 0) + unit > width - 1


def test_joins_agrees_with_trying_the_standalone_pattern_on_every_line() -> None:
    rng = random.Random(3)
    alphabet = "#| 中文ab1一、（）。，\t##"
    found = [
        line
        for text in texts(400, 14, alphabet + "\n")
        for line in lines.split_lines(text, 0, len(text))
        if line is not None
    ]
    for _ in range(20000):
        a, b = rng.choice(found), rng.choice(found)
        args = (rng.random() < 0.5, rng.random() < 0.5, rng.choice([None, 4, 10, 20]))
        assert reflow._joins(a, b, *args) == plain_joins(a, b, *args), (a, b, args)


def test_section_tree_is_the_heading_spans_with_their_paths_as_ids() -> None:
    def plain(span: sections.SectionSpan, sid: str) -> Section:
        children = [plain(child, f"{sid}.{i}") for i, child in enumerate(span.children, 1)]
        return Section(id=sid, title=span.title, level=span.level, start=span.start, end=span.end, children=children)

    text = "一、概况\n正文\n（一）目标\n1.产出\n正文\n2.效益\n（二）过程\n二、问题\n（一）不足\n正文"
    doc = document_from_text(text)
    spans = sections.build_sections(doc.text, [(t.start, t.end) for t in doc.tables])
    assert spans and any(span.children for span in spans)
    assert doc.sections == [plain(span, str(i)) for i, span in enumerate(spans, 1)]
