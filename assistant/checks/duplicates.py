"""Text written twice: passages copied between columns, rows and sections; a clause restated within one item;
two duties run together with their verb doubled."""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.checks.finding import Finding
from assistant.checks.registry import Context, rule
from assistant.checks.spans import finditer_from
from assistant.checks.structure import paragraphs
from assistant.text.sections import parse_heading

_NOT_BLANK = re.compile(r"\S")
_NOISE = re.compile(r"[\s，。；：、,.;:“”\"'（）()]+")
MIN_CHARS = 13  # "repeated clauses longer than 12 characters"; shorter repeats are usually set phrases
_NOT_APPLICABLE = re.compile(r"不涉及|不适用|为空|无此项|故此项")


@rule(
    "duplicates.copied-passage",
    "大段文字在表格各栏或各处之间原样重复",
    category="duplicate_text",
    severity="warning",
    example="一、资金情况\n全年下达项目资金80万元，全部用于设备购置。\n二、执行情况\n全年下达项目资金80万元，全部用于设备购置。",
    counter_example="一、资金情况\n全年下达项目资金80万元，全部用于设备购置。\n二、执行情况\n全年实际支出76万元，执行率95%。",
)
def copied_passages(ctx: Context) -> Iterator[Finding]:
    """Every later copy of a sentence of more than 12 characters that already appeared elsewhere."""
    text = ctx.text
    first: dict[str, int] = {}  # key -> start of its first copy
    keys: dict[str, str | None] = {}  # a sentence -> its key (None: never compared), worked out once per wording
    said: dict[int, str] = {}  # first copy's start -> the message every later copy gives (its line and place)
    for s, e in ctx.sentences:
        sentence = text[s:e]
        try:
            key = keys[sentence]
        except KeyError:
            key = keys[sentence] = _key(sentence)
        if key is None:
            continue
        s0 = first.get(key)
        if s0 is None:
            first[key] = s
            continue
        message = said.get(s0)
        if message is None:
            where = ctx.place(s0) or "前文"
            message = said[s0] = (
                f"这段文字与{where}（原文第 {ctx.doc.line_col(s0)[0]} 行）完全相同；各部分应各写各的内容"
            )
        yield ctx.finding(
            "duplicates.copied-passage",
            "duplicate_text",
            "warning",
            _heading_start(ctx, s),
            e,
            message,
            "删去重复的文字，或按本部分要求改写（如实际执行情况写实际完成值、对比栏写差异及原因）",
        )


def _key(sentence: str) -> str | None:
    """What two copies of a sentence share (its characters without blanks and punctuation); None for a sentence
    not compared: a table row, a short one, a short "不涉及" note."""
    if len(sentence) < MIN_CHARS or sentence.count("|") >= 3:  # (dropping blanks only shortens a sentence)
        return None  # a table row or a repeated header row: forms repeat their headers by design
    key = _NOISE.sub("", sentence)
    if len(key) < MIN_CHARS or (len(key) < 20 and _NOT_APPLICABLE.search(key)):
        return None  # a short "不涉及" note repeats across rows by design
    return key


def _heading_start(ctx: Context, start: int) -> int:
    """When the copy is the first thing under a heading line, the finding starts at that heading."""
    # Only blanks may stand between the heading line's end and the copy: a copy right after anything else (most
    # copies follow a 。 in their paragraph) cannot be first under a heading, whatever its section.
    if start > 0 and _NOT_BLANK.match(ctx.text, start - 1) is not None:
        return start
    # A copy opening with a non-blank character is first under its heading only if it opens where the first
    # non-blank character after some heading line stands (most line-start copies open elsewhere).
    if _NOT_BLANK.match(ctx.text, start) is not None and start not in ctx.memo(
        "duplicates.first_under_heading", _first_under_heading
    ):
        return start
    section = ctx.doc.section_at(start)
    if section is None:
        return start
    heading_end = ctx.text.find("\n", section.start)
    # only blanks between: found without copying the stretch, which can be the whole of a long section
    if 0 <= heading_end < start and _NOT_BLANK.search(ctx.text, heading_end, start) is None:
        return section.start
    return start


def _first_under_heading(ctx: Context) -> set[int]:
    """Where the first non-blank character after each section's heading line stands (sections at every depth)."""
    text = ctx.text
    out: set[int] = set()
    todo = list(ctx.doc.sections)
    while todo:
        section = todo.pop()
        todo.extend(section.children)
        heading_end = text.find("\n", section.start)
        first = _NOT_BLANK.search(text, heading_end) if heading_end >= 0 else None
        if first is not None:
            out.add(first.start())
    return out


# List items inside one paragraph: a clause may only be "restated" within its own item.
_ITEM = re.compile(
    r"(?:(?<=^)|(?<=[\s。；;：:]))(?:\d{1,2}[、.．](?!\d)|[（(]\d{1,2}[）)]|[一二三四五六七八九十]{1,2}[、是])"
)
_ITEM_FIRST = r"[\d（(一二三四五六七八九十]"  # what every item mark starts with
_CLAUSE = re.compile(r"[^，,；;：:。！？!?\n]+")
# The clauses of MIN_CHARS characters or more, the only ones compared (dropping fillers only shortens a clause):
# the same runs ``_CLAUSE`` finds, the short ones skipped by the regex engine.
_LONG_CLAUSE = re.compile(_CLAUSE.pattern.replace("]+", f"]{{{MIN_CHARS},}}"))
_CLOSES = re.compile(r"\s*[。！？!?\n]|\s*$")
_FILLER = re.compile(r"[\s已共了的均都也再亦]|成本")


@rule(
    "duplicates.restated-clause",
    "同一项内容中，一个分句把前面已写过的内容又写了一遍",
    category="duplicate_text",
    severity="info",
    example="1、办公楼维修项目：预算50万元，2023年全年实际支付50万元。维修屋面1200平方米，共支出50万元，2023年全年已实际支付50万元。",
    counter_example="1、办公楼维修项目：预算50万元，2023年全年实际支付50万元。2、设备购置项目：预算50万元，2023年全年实际支付50万元。",
)
def restated_clauses(ctx: Context) -> Iterator[Finding]:
    """A clause (more than 12 characters once spaces and fillers like 已/共 are dropped) repeated in its item."""
    text = ctx.text
    keys: dict[str, str] = {}  # a clause -> its words without fillers, worked out once per wording
    # A restatement and what it restates are two clauses of MIN_CHARS or more: shorter stretches hold none.
    shortest = 2 * MIN_CHARS
    for p0, p1 in _blocks(ctx):
        if p1 - p0 < shortest:
            continue
        bounds = [p0, *(m.start() for m in finditer_from(_ITEM, text, _ITEM_FIRST, p0, p1)), p1]
        for a, b in zip(bounds, bounds[1:], strict=False):
            if b - a < shortest:
                continue
            seen: dict[str, int] = {}
            for m in _LONG_CLAUSE.finditer(text, a, b):
                clause = m.group()
                try:
                    key = keys[clause]
                except KeyError:
                    key = keys[clause] = _FILLER.sub("", clause)
                if len(key) < MIN_CHARS:
                    continue
                # a restatement closes its sentence; a clause opening one is a new start
                if key in seen and _CLOSES.match(text, m.end()) is not None:
                    yield ctx.finding(
                        "duplicates.restated-clause",
                        "duplicate_text",
                        "info",
                        m.start(),
                        m.end(),
                        f"“{m.group().strip()}”与本项前文的分句内容相同，重复叙述",
                        "删去重复的分句",
                    )
                else:
                    seen[key] = m.start()


def _blocks(ctx: Context) -> list[tuple[int, int]]:
    """Paragraphs joined across hard line breaks, split where a line opens an item, a heading or a table row."""
    text = ctx.text
    out: list[tuple[int, int]] = []
    opens: dict[str, bool] = {}  # a line -> whether it opens an item or a heading, read once per wording
    for s, e in paragraphs(ctx):
        line = text[s:e]
        if "|" in line or ctx.in_table(s):
            continue  # table cells: the copied-passage rule judges them
        if out and out[-1][1] >= s - 2:
            starts = opens.get(line)
            if starts is None:
                starts = opens[line] = _ITEM.match(line) is not None or parse_heading(line) is not None
            if not starts:
                out[-1] = (out[-1][0], e)
                continue
        out.append((s, e))
    return out


_VERB_CHAIN = re.compile(
    r"(指导|协调|组织|负责|推进|监督|落实|实施|开展|制定|拟订|审核|检查|协助|统筹|指挥)(?:和|与|及|、)[\u4e00-\u9fff]{1,4}?\1(?=[\u4e00-\u9fff])"
)


@rule(
    "duplicates.doubled-verb",
    "两项职责连写，中间的动词重复（监督和检查监督……）",
    category="duplicate_text",
    severity="warning",
    example="负责全市安全生产的监督和检查监督落实整改。",
    counter_example="负责全市安全生产的监督和检查；监督落实整改。",
)
def doubled_verb(ctx: Context) -> Iterator[Finding]:
    """ "监督和检查监督落实…": a duty's verb pair runs straight into the next duty, so the verb appears twice."""
    for m in _VERB_CHAIN.finditer(ctx.text):
        yield ctx.finding(
            "duplicates.doubled-verb",
            "duplicate_text",
            "warning",
            m.start(),
            m.end(),
            f"“{m.group()}”中“{m.group(1)}”重复出现，两项职责之间缺少分隔",
            f"在两项职责之间加分号，或删去重复的“{m.group(1)}”",
        )
