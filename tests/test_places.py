"""Fast look-ups give exactly the answers of the straightforward ones they replace.

Sections, table cells and finding places are compared, offset by offset, with a walk of the section tree and a
scan of a table's cells in reading order, on documents generated here (headings of every level, gaps, merged and
empty cells, overlapping spans). The number scanner, the glued-form header search and the per-problem and
silencing passes of the registry are compared with the plain versions the same way.
"""

from __future__ import annotations

import bisect
import random
import re

import pytest

from assistant.checks.finding import SEVERITY_RANK, Finding, Severity, sort_findings
from assistant.checks.registry import Context, _drop_silenced, _one_per_problem, _problem
from assistant.text import numbers, reflow
from assistant.text.document import Document, Section, Table, TableCell, document_from_text
from assistant.text.flattened import header_columns, is_title, table_regions
from assistant.text.lines import Lines, Paragraph, split_lines
from assistant.text.places import _cell_runs_ranked, cell_runs
from assistant.text.sections import parse_heading
from assistant.text.tables import _GLUED_HEADER, _GLUED_HEADER_REACH, search_near

# --- the reference implementations (what the code did before it was indexed) -------------------------------------


def walk(sections: list[Section], offset: int) -> tuple[Section | None, str | None]:
    """The deepest section holding ``offset`` and its heading path, by walking down the tree level by level."""
    found: Section | None = None
    titles: list[str] = []
    candidates = sections
    while True:
        i = bisect.bisect_right(candidates, offset, key=lambda s: s.start) - 1
        if not (i >= 0 and candidates[i].start <= offset < candidates[i].end):
            return found, " > ".join(titles) or None
        found = candidates[i]
        titles.append(found.title)
        candidates = found.children


def scan_place(doc: Document, offset: int) -> str | None:
    """The finding place by scanning the table's rows and cells in reading order."""
    section = walk(doc.sections, offset)[1]
    tables = doc.tables
    i = bisect.bisect_right(tables, offset, key=lambda t: t.start) - 1
    for table in tables[max(i, 0) : i + 1]:
        if not table.start <= offset < table.end:
            continue
        for r, row in enumerate(table.rows, 1):
            for c, cell in enumerate(row):
                if cell.start <= offset < cell.end or (cell.start <= offset <= cell.end and c == len(row) - 1):
                    column = table.header[c] if c < len(table.header) else f"第 {c + 1} 栏"
                    return f"{table.title or '表格'}第 {r} 行“{column}”栏"
        return table.title or section
    return section


# --- generated documents ------------------------------------------------------------------------------------------

_BODY = "本单位围绕年度目标推进各项工作，资金使用规范，完成率达到百分之九十五。"
_MARKERS = [
    lambda n: f"{'一二三四五六七八九十'[n % 10]}、",
    lambda n: f"（{'一二三四五六七八九十'[n % 10]}）",
    lambda n: f"{n % 9 + 1}.",
    lambda n: f"（{n % 9 + 1}）",
    lambda n: "①②③④⑤⑥⑦⑧⑨"[n % 9],
]


def generated_report(rng: random.Random, headings: int) -> str:
    """A report of random headings (levels jump up and down, some sections empty) and short paragraphs."""
    lines = ["某市示范局2024年度部门整体支出绩效自评报告"]
    for n in range(headings):
        level = rng.randint(1, 5)
        lines.append(f"{_MARKERS[level - 1](n)}工作情况{n}")
        for _ in range(rng.choice([0, 0, 1, 2])):
            lines.append(_BODY[: rng.randint(8, len(_BODY))])
    return "\n".join(lines)


def section(title: str, start: int, end: int, children: list[Section] | None = None) -> Section:
    return Section(id=title, title=title, level=1, start=start, end=end, children=children or [])


def random_tree(rng: random.Random, lo: int, hi: int, depth: int, shuffle: bool = False) -> list[Section]:
    """Siblings in order of their starts, sometimes sharing a start, sometimes empty or reaching past the parent
    (``shuffle``: sometimes out of order)."""
    out: list[Section] = []
    pos = lo
    while pos < hi and len(out) < 5:
        start = pos if rng.random() < 0.2 else rng.randint(pos, hi)
        end = start + rng.randint(-2, max(hi - start, 1) + 3)
        children = random_tree(rng, start, end, depth - 1, shuffle) if depth and end > start else []
        out.append(section(f"s{lo}-{start}-{len(out)}", start, end, children))
        pos = start if rng.random() < 0.15 else max(start, min(end, hi))
    if shuffle and rng.random() < 0.3:
        rng.shuffle(out)  # a hand-made tree out of order: the look-up must still answer as the walk does
    return out


def random_table(rng: random.Random, lo: int) -> Table:
    """A table whose cells may repeat a span (merged), be empty (zero width), overlap or leave gaps."""
    rows: list[list[TableCell]] = []
    pos = lo
    previous: list[TableCell] = []
    for _ in range(rng.randint(0, 5)):
        row: list[TableCell] = []
        for c in range(rng.randint(0, 4)):
            if previous and c < len(previous) and rng.random() < 0.2:
                row.append(previous[c])  # a merged cell repeats the span above
                continue
            start = pos + rng.randint(-2, 2)
            end = start + rng.choice([0, 0, 1, 3, 6])
            row.append(TableCell(text="x" * (end - start), start=max(start, 0), end=max(end, 0)))
            pos = max(pos, end) + rng.randint(0, 2)
        rows.append(row)
        previous = row
    header = [f"栏{k}" for k in range(rng.randint(0, 4))]
    return Table(
        title=rng.choice([None, "绩效自评表"]),
        header=header,
        rows=rows,
        start=lo,
        end=pos + rng.randint(0, 3),
        source="flattened",
    )


# --- sections -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_section_look_up_agrees_with_walking_the_tree_on_generated_reports(seed: int) -> None:
    rng = random.Random(seed)
    doc = document_from_text(generated_report(rng, 60))
    assert doc.sections, "the generated report has headings"
    for offset in range(-1, len(doc.text) + 2):
        found, title = walk(doc.sections, offset)
        assert doc.section_at(offset) is found
        assert doc.section_title_at(offset) == title


@pytest.mark.parametrize("seed", range(40))
def test_section_look_up_agrees_with_walking_odd_trees(seed: int) -> None:
    rng = random.Random(seed)
    sections = random_tree(rng, 0, 60, 3)
    doc = Document(path=None, text="字" * 70, sections=sections, tables=[])
    for offset in range(-2, 75):
        assert (doc.section_at(offset), doc.section_title_at(offset)) == walk(sections, offset)


@pytest.mark.parametrize("seed", range(40))
def test_siblings_out_of_order_still_get_the_walks_answer(seed: int) -> None:
    sections = random_tree(random.Random(seed), 0, 60, 3, shuffle=True)
    doc = Document(path=None, text="字" * 70, sections=sections, tables=[])
    for offset in range(-2, 75):
        assert (doc.section_at(offset), doc.section_title_at(offset)) == walk(sections, offset)


def test_replacing_the_sections_is_seen_by_the_next_look_up() -> None:
    doc = Document(path=None, text="字" * 20, sections=[section("甲", 0, 10)], tables=[])
    assert doc.section_title_at(5) == "甲"
    doc.sections = [section("乙", 0, 20)]
    assert doc.section_title_at(5) == "乙"
    assert doc.model_copy(update={"sections": [section("丙", 0, 20)]}).section_title_at(5) == "丙"


# --- tables and finding places ------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(60))
def test_finding_place_agrees_with_scanning_the_cells(seed: int) -> None:
    rng = random.Random(seed)
    shuffle = seed % 3 == 0  # some section trees out of order: the place is then named from the walk
    tables = []
    pos = 0
    for _ in range(rng.randint(1, 4)):
        table = random_table(rng, pos + rng.randint(0, 5))
        tables.append(table)
        pos = table.end if rng.random() < 0.8 else table.start + 2  # sometimes the next table overlaps
    text = "字" * (pos + 10)
    doc = Document(path=None, text=text, sections=random_tree(rng, 0, len(text), 2, shuffle), tables=tables)
    ctx = Context(doc=doc)
    for offset in [*range(-1, len(text) + 2), *range(len(text) + 1, -2, -1)]:  # named places asked again
        assert ctx.place(offset) == scan_place(doc, offset), offset


def form_table(rng: random.Random, lo: int) -> Table:
    """Cells one after another as a flattened form has them: gaps of a separator or two, some empty cells."""
    rows: list[list[TableCell]] = []
    pos = lo
    for _ in range(rng.randint(1, 6)):
        row = []
        for c in range(rng.randint(1, 5)):
            if rows and c < len(rows[-1]) and rng.random() < 0.2:
                row.append(rows[-1][c])  # a merged cell repeats the span above
                continue
            width = rng.choice([0, 1, 2, 5])
            row.append(TableCell(text="x" * width, start=pos, end=pos + width))
            pos += width + rng.choice([1, 1, 3])
        rows.append(row)
        pos += rng.choice([0, 1, 2])  # a row's last cell holds its own end: the next row may start right there
    return Table(title=None, header=["栏"], rows=rows, start=lo, end=pos, source="flattened")


@pytest.mark.parametrize("seed", range(60))
def test_cell_runs_in_one_walk_equal_the_ranked_pass(seed: int) -> None:
    rng = random.Random(seed)
    table = form_table(rng, rng.randint(0, 9)) if seed % 2 else random_table(rng, rng.randint(0, 9))
    fast, ranked = cell_runs(table), _cell_runs_ranked(table)
    for offset in range(-1, table.end + 3):
        assert fast.at(offset) == ranked.at(offset), offset


def test_place_names_the_row_and_column_of_a_generated_form() -> None:
    text = "一、预算执行情况\n\n绩效自评表\n项目 | 预算数 | 执行数\n办公经费 | 120 | 96\n"
    doc = document_from_text(text)
    assert doc.tables, "the pipe rows are read as a table"
    ctx = Context(doc=doc)
    at = doc.text.index("96")
    assert ctx.place(at) == scan_place(doc, at)
    assert "第 1 行" in (ctx.place(at) or "")
    for offset in range(len(doc.text) + 1):
        assert ctx.place(offset) == scan_place(doc, offset)


def test_a_table_without_rows_has_no_cells() -> None:
    table = Table(title=None, header=["甲"], rows=[], start=0, end=5, source="flattened")
    assert all(cell_runs(table).at(k) is None for k in range(-1, 7))


# --- the number scanner -------------------------------------------------------------------------------------------

_SCAN_ALPHABET = (
    "0123456789０１２.．,%％-－−十百千万亿一二三两点之分年月日元万元人次《》〔〕[]【】（）() \n项目资金达到约第号"
)


@pytest.mark.parametrize("seed", range(30))
def test_number_scanner_finds_what_the_plain_search_finds(seed: int) -> None:
    rng = random.Random(seed)
    text = "".join(rng.choice(_SCAN_ALPHABET) for _ in range(3000))
    folded = text.translate(numbers._FOLD)
    assert numbers.fold(text) == folded
    for pos in range(0, len(folded), 7):
        fast, plain = numbers._search(folded, pos), numbers._MASTER.search(folded, pos)
        assert (fast and (fast.span(), fast.lastgroup)) == (plain and (plain.span(), plain.lastgroup))


def test_fold_turns_every_full_width_form_into_its_ascii_one() -> None:
    every = "".join(chr(k) for k in numbers._FOLD)
    assert numbers.fold("预算１２．５％，增长－３％" + every) == ("预算１２．５％，增长－３％" + every).translate(
        numbers._FOLD
    )
    assert numbers.fold("预算１２．５％") == "预算12.5%"


# --- the glued-form header ----------------------------------------------------------------------------------------


def test_glued_header_reach_covers_its_longest_match() -> None:
    longest = re._parser.parse(_GLUED_HEADER.pattern).getwidth()[1]  # type: ignore[attr-defined]
    assert longest < _GLUED_HEADER_REACH


@pytest.mark.parametrize("seed", range(40))
def test_glued_header_search_near_得分_finds_the_plain_search_result(seed: int) -> None:
    rng = random.Random(seed)
    pieces = ["权重", "分值", "分", "得分", "原因", "未完成", "偏差", "指标", " ", "|", "\n", "好", "绩效目标完成"]
    text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 200)))
    near, plain = search_near(_GLUED_HEADER, text, "得分", _GLUED_HEADER_REACH), _GLUED_HEADER.search(text)
    assert (near and near.span()) == (plain and plain.span())


def test_glued_header_far_from_the_start_is_found() -> None:
    text = "，".join(["项目按计划实施"] * 500) + "\n指标权重分值得分偏差原因\n"
    found = search_near(_GLUED_HEADER, text, "得分", _GLUED_HEADER_REACH)
    plain = _GLUED_HEADER.search(text)
    assert found is not None and plain is not None and found.span() == plain.span()


# --- registry passes ----------------------------------------------------------------------------------------------


def one_per_problem_plain(findings: list[Finding]) -> list[Finding]:
    kept: list[Finding] = []
    open_: list[Finding] = []
    for f in findings:
        open_ = [k for k in open_ if k.end > f.start]
        twin = next(
            (
                k
                for k in open_
                if k.rule != f.rule and _problem(k.rule) == _problem(f.rule) and k.category == f.category
            ),
            None,
        )
        if twin is not None:
            if SEVERITY_RANK[f.severity] > SEVERITY_RANK[twin.severity]:
                kept[kept.index(twin)] = f
                open_[open_.index(twin)] = f
            continue
        kept.append(f)
        open_.append(f)
    return kept


def random_findings(rng: random.Random, n: int) -> list[Finding]:
    rules = ["execution.low-rate-no-reason", "tables.low-rate-no-reason", "tables.adjustment-no-reason", "x.typo"]
    severities: list[Severity] = ["info", "warning", "error"]
    out = []
    for _ in range(n):
        start = rng.randint(0, 200)
        end = start + rng.randint(0, 40)
        out.append(
            Finding(
                rule=rng.choice(rules),
                category=rng.choice(["missing_value", "structure"]),
                severity=rng.choice(severities),
                message="m",
                quote="",
                start=start,
                end=end,
            )
        )
    return sort_findings(out)


@pytest.mark.parametrize("seed", range(40))
def test_one_per_problem_agrees_with_the_plain_pass(seed: int) -> None:
    findings = random_findings(random.Random(seed), 120)
    assert _one_per_problem(findings) == one_per_problem_plain(findings)


def drop_silenced_plain(findings: list[Finding], doc: Document) -> list[Finding]:
    from assistant.checks.registry import _IGNORE

    paragraphs = doc.paragraphs()
    silenced = []
    for m in _IGNORE.finditer(doc.text):
        ids = {s.strip() for s in (m.group(1) or m.group(2) or "").split(",") if s.strip()}
        idx = next((i for i, (s, e) in enumerate(paragraphs) if s <= m.start() < e), None)
        if idx is None:
            continue
        last = min(idx + 1, len(paragraphs) - 1)
        silenced.append((paragraphs[idx][0], paragraphs[last][1], ids))
    return [f for f in findings if not any(s <= f.start < e and (not ids or f.rule in ids) for s, e, ids in silenced)]


@pytest.mark.parametrize("seed", range(30))
def test_silencing_markers_drop_what_the_plain_pass_drops(seed: int) -> None:
    rng = random.Random(seed)
    lines = []
    for _ in range(30):
        line = rng.choice(["项目按期完成。", "", "资金到位率100%。", "  "])
        if rng.random() < 0.3:
            line += rng.choice(
                ["【审阅忽略：x.typo】", "<!-- assistant-ignore -->", "【审阅忽略：tables.low-rate-no-reason, x.typo】"]
            )
        lines.append(line)
    text = "\n".join(lines)
    doc = Document(path=None, text=text, sections=[], tables=[])
    findings = [f.model_copy(update={"start": min(f.start, len(text))}) for f in random_findings(rng, 150)]
    assert _drop_silenced(findings, doc) == drop_silenced_plain(findings, doc)


# --- the offset map back to the original --------------------------------------------------------------------------


def hard_wrapped(rng: random.Random, text: str, width: int) -> str:
    """``text`` hard-wrapped at ``width`` characters, with a blank line now and then and a non-breaking space."""
    out = []
    for line in text.split("\n"):
        while len(line) > width:
            out.append(line[:width])
            line = line[width:]
        out.append(line.replace("，", "，\u00a0", 1) if rng.random() < 0.2 else line)
        if rng.random() < 0.3:
            out.append("")
    return "\n".join(out)


@pytest.mark.parametrize("seed", range(8))
def test_offset_map_gives_every_offset_the_original_offset_a_per_character_map_gives(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from array import array

    per_char: array[int] = array("q")
    paragraph, result = reflow._Builder.paragraph, reflow._Builder.result

    def paragraph_too(self: reflow._Builder, para: Paragraph) -> tuple[int, int]:
        size, last_end = self.size, self.last_end
        span = paragraph(self, para)
        # The line break before the paragraph and each separator between its segments map to where the copy before
        # them ended; a copied character maps to itself.
        assert span[0] - size in ((1, 2) if size else (0,))  # "\n" or "\n\n" between paragraphs
        per_char.extend([last_end] * (span[0] - size))
        for i, (s, e) in enumerate(para.segs):
            if i:
                per_char.extend([last_end] * len(para.seps[i - 1]))
            per_char.extend(range(s, e))
            last_end = e if e > s else last_end
        return span

    def result_too(self: reflow._Builder, tables: list[reflow.TableSpans]) -> reflow.Normalised:
        per_char.append(self.last_end)
        return result(self, tables)

    monkeypatch.setattr(reflow._Builder, "paragraph", paragraph_too)
    monkeypatch.setattr(reflow._Builder, "result", result_too)
    rng = random.Random(seed)
    table = "\n\n绩效指标表\n\n指标名称 指标值 完成值 得分\n\n预算执行率\n\n100%\n\n96%\n\n9\n\n"
    raw = hard_wrapped(rng, generated_report(rng, 30), rng.choice([18, 24, 30])) + table + "一、结论\n较好。"
    normalised = reflow.normalise(raw, [reflow.Flow(0, len(raw))])
    assert len(normalised.origin) == len(per_char) == len(normalised.text) + 1
    assert [normalised.origin[k] for k in range(len(per_char))] == list(per_char)
    assert normalised.origin[-1] == per_char[-1]
    with pytest.raises(IndexError):
        normalised.origin[len(per_char)]


def test_a_document_built_by_hand_maps_offsets_to_themselves() -> None:
    doc = Document(path=None, text="甲\n乙丙", sections=[], tables=[])
    assert [doc.line_col(k) for k in range(4)] == [(1, 1), (1, 2), (2, 1), (2, 2)]


@pytest.mark.parametrize("seed", range(30))
def test_in_table_agrees_with_asking_every_table(seed: int) -> None:
    rng = random.Random(seed)
    tables = []
    for _ in range(rng.randint(0, 6)):
        start = rng.randint(0, 80)
        tables.append(Table(title=None, header=[], rows=[], start=start, end=start + rng.randint(-2, 15), source="pdf"))
    ctx = Context(doc=Document(path=None, text="字" * 100, sections=[], tables=tables))
    for offset in range(-1, 101):
        assert ctx.in_table(offset) == any(t.start <= offset < t.end for t in tables), offset


def table_regions_plain(lines: Lines) -> list[tuple[int | None, int, int]]:
    """Each header's table running to the next 一、 heading after a blank line, scanned afresh for every header."""

    def alone(i: int) -> bool:
        return (i == 0 or lines[i - 1] is None) and (i + 1 == len(lines) or lines[i + 1] is None)

    headers = [i for i, line in enumerate(lines) if line is not None and alone(i) and header_columns(line.text)]
    regions: list[tuple[int | None, int, int]] = []
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
        end = len(lines)
        for i in range(h + 1, len(lines)):
            line = lines[i]
            if line is not None and lines[i - 1] is None:
                heading = parse_heading(line.text)
                if heading is not None and heading.level == 1:
                    end = i
                    break
        regions.append((title, h, end))
    return regions


@pytest.mark.parametrize("seed", range(30))
def test_flattened_table_regions_agree_with_scanning_from_every_header(seed: int) -> None:
    rng = random.Random(seed)
    choices = ["", "", "指标名称 指标值 完成值", "绩效自评表", "一、总体情况", "二、存在问题", "项目按期完成", "100%"]
    raw = "\n".join(rng.choice(choices) for _ in range(rng.randint(0, 120)))
    lines = split_lines(raw, 0, len(raw))
    assert table_regions(lines) == table_regions_plain(lines)


def drop_wrap_spaces_plain(raw: str, para: Paragraph) -> Paragraph:
    """The spaces to drop looked for among all of them again for every segment."""
    text = para.text(raw)
    if " " not in text:
        return para
    drop = {m.start() for m in reflow._DECIMAL_SPACE.finditer(text)}
    hits = [m.start() for m in reflow._WRAP_SPACE.finditer(text)]
    if len(hits) >= 4 and len(hits) * 12 <= len(text):
        drop |= reflow._in_rhythm(hits)
    if not drop:
        return para
    segs: list[tuple[int, int]] = []
    seps: list[str] = []
    pos = 0
    for i, (start, end) in enumerate(para.segs):
        if i:
            seps.append(para.seps[i - 1])
            pos += len(para.seps[i - 1])
        cut = start
        for k in sorted(h for h in drop if pos <= h < pos + end - start):
            segs.append((cut, start + k - pos))
            seps.append("")
            cut = start + k - pos + 1
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


@pytest.mark.parametrize("seed", range(40))
def test_wrap_spaces_dropped_as_the_plain_pass_drops_them(seed: int) -> None:
    rng = random.Random(seed)
    width = rng.randint(15, 40)
    words = "本单位围绕年度目标推进各项工作资金使用规范完成率达到预期进一步加强管理"
    body = "".join(rng.choice(words) for _ in range(rng.randint(50, 600)))
    body = "".join(c + (" " if k % width == width - 1 else "") for k, c in enumerate(body))  # wrap spaces in rhythm
    body = body.replace("资金", "资金35. 3万元", 2).replace("管理", "管理 a b", 1)
    cuts = sorted(rng.sample(range(1, len(body)), min(len(body) - 1, rng.randint(0, 12))))
    bounds = [0, *cuts, len(body)]
    para = Paragraph([(a, b) for a, b in zip(bounds, bounds[1:], strict=False)], [rng.choice(["", " "]) for _ in cuts])
    got, plain = reflow.drop_wrap_spaces(body, para), drop_wrap_spaces_plain(body, para)
    assert (got.segs, got.seps, got.text(body)) == (plain.segs, plain.seps, plain.text(body))


def test_paragraphs_follow_a_replaced_text_and_each_caller_gets_its_own_list() -> None:
    doc = Document(path=None, text="甲\n\n乙丙\n", sections=[], tables=[])
    first = doc.paragraphs()
    assert first == [(0, 1), (3, 5)]
    first.append((9, 9))
    assert doc.paragraphs() == [(0, 1), (3, 5)]
    doc.text = "丁\n戊"
    assert doc.paragraphs() == [(0, 1), (2, 3)]
