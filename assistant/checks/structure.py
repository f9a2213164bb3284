"""Document slips a reviewer sees in the outline: lists announced and never written, heading numbers lost or
skipped, a cover field holding the report type, brackets opened and never closed, a grade with no score."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.checks.finding import Finding
from assistant.checks.registry import Context, rule
from assistant.checks.scan import finditer_before
from assistant.checks.spans import last_of
from assistant.text.sections import match_marker, parse_heading, starts_with_marker

_HAN = re.compile(r"[\u4e00-\u9fff]")

_CN = "一二三四五六七八九十"


@dataclass(frozen=True)
class Heading:
    """A heading line: where it is, its marker level and number, and its title."""

    start: int
    end: int
    level: int
    number: int
    title: str


def paragraphs(ctx: Context) -> list[tuple[int, int]]:
    """The document's non-empty lines, split once per review and shared by the structure-level rules."""
    return ctx.memo("structure.paragraphs", lambda c: c.doc.paragraphs())


def in_table(ctx: Context, offset: int) -> bool:
    """Whether ``offset`` falls inside one of the document's tables."""
    return ctx.in_table(offset)


def headings(ctx: Context) -> list[Heading]:
    """Numbered heading lines outside tables, in order (circled-digit level 5 left out: formula cells use it)."""

    def compute(c: Context) -> list[Heading]:
        out = []
        text = c.text
        for s, e in paragraphs(c):
            line = text[s:e]
            if not (line.startswith("#") or starts_with_marker(line)):
                continue  # parse_heading wants a marker at the start, or after a markdown "#"
            if in_table(c, s):
                continue
            h = parse_heading(line)
            if h is None or h.level >= 5:
                continue
            found = match_marker(line, h.title_start)
            if found is None:
                continue
            title = line[found[2] : h.title_end]
            if not _HAN.search(title):
                continue
            out.append(Heading(s, e, h.level, h.number, title))
        return out

    return ctx.memo("structure.headings", compute)


def _marker_pattern(level: int, number: int) -> re.Pattern[str]:
    cn = _CN[number - 1] if 1 <= number <= 10 else str(number)
    return re.compile(
        {
            1: rf"{cn}、",
            2: rf"[（(]{cn}[）)]",
            3: rf"(?<![\d.]){number}(?:[.．](?!\d)|、)",
            4: rf"[（(]{number}[）)]",
        }[level]
    )


_MARK_NAMES = {1: "{}、", 2: "（{}）", 3: "{}.", 4: "（{}）"}


def _mark(level: int, number: int) -> str:
    shown = _CN[number - 1] if level in (1, 2) and 1 <= number <= 10 else str(number)
    return _MARK_NAMES[level].format(shown)


@rule(
    "structure.heading-sequence",
    "标题编号不连续：从(3)开始、跳过了某一号",
    category="structure",
    severity="warning",
    example="一、绩效情况\n（一）产出\n（三）效益\n受益群众3200人。",
    counter_example="一、绩效情况\n（一）产出\n（二）效益\n受益群众3200人。",
)
def heading_sequence(ctx: Context) -> Iterator[Finding]:
    """Sibling headings should count 1, 2, 3 …: a first heading numbered 3, or a jump from 1 to 3, lost one."""
    stack: list[Heading] = []
    last: dict[tuple[int, int], int] = {}  # (parent start, level) -> last number seen
    text = ctx.text
    for h in headings(ctx):
        while stack and stack[-1].level >= h.level:
            stack.pop()
        parent = stack[-1] if stack else None
        key = (parent.start if parent else -1, h.level)
        prev = last.get(key)
        last[key] = h.number
        stack.append(h)
        if prev is None and (parent is None or h.level <= 2):
            continue  # the file (or the excerpt under review) may start mid-document
        expected = 1 if prev is None else prev + 1
        if h.number <= expected or h.number > 20:
            continue
        region_start = parent.start if parent else 0
        missing = [
            n for n in range(expected, h.number) if not _marker_pattern(h.level, n).search(text, region_start, h.start)
        ]
        if not missing:
            continue
        names = "、".join(_mark(h.level, n) for n in missing)
        yield ctx.finding(
            "structure.heading-sequence",
            "structure",
            "warning",
            h.start,
            h.end,
            f"标题“{text[h.start : h.end][:30]}”编号为{_mark(h.level, h.number)}，前面缺少{names}",
            "补上缺少的部分，或把编号改为连续",
        )


_HEADING_WORDS = re.compile(r"(?:情况|情况分析|分析|指标|结论|措施|问题|建议|概况|说明)$")
_HEADING_WORD_LAST = frozenset("况析标论施题议明")
_NO_HEADING_TEXT = re.compile(r"[\s，。；：:、,.;!?！？|\d“”\"]")


@rule(
    "structure.unnumbered-heading",
    "编号标题之间夹着一个没有编号的标题",
    category="structure",
    severity="info",
    example="一、项目基本情况\n\n本项目预算80万元。\n\n资金使用情况分析\n\n全年支出76万元。\n\n三、存在的问题\n\n无。",
    counter_example="一、项目基本情况\n\n本项目预算80万元。\n\n二、资金使用情况分析\n\n全年支出76万元。\n\n三、存在的问题\n\n无。",
)
def unnumbered_heading(ctx: Context) -> Iterator[Finding]:
    """A short title-like line (…情况/…分析/…指标) with no number, in a report whose other headings are numbered."""
    heads = headings(ctx)
    if len([h for h in heads if h.level <= 3]) < 2:
        return
    lines = paragraphs(ctx)
    # "some heading before this line or some heading after it" is "not every heading starts right here"
    first_start = min(h.start for h in heads)
    last_start = max(h.start for h in heads)
    text = ctx.text
    for i, (s, e) in enumerate(lines):
        if text[s:e].rstrip()[-1:] not in _HEADING_WORD_LAST:
            continue  # _HEADING_WORDS cannot match the stripped line's end
        if i == 0 or in_table(ctx, s):
            continue
        line = text[s:e].strip()
        if not 4 <= len(line) <= 20 or _NO_HEADING_TEXT.search(line) or match_marker(line) is not None:
            continue
        if not _HEADING_WORDS.search(line) or i + 1 >= len(lines):
            continue
        if first_start >= s and last_start <= s:
            continue
        yield ctx.finding(
            "structure.unnumbered-heading",
            "structure",
            "info",
            s,
            e,
            f"“{line}”像是一个标题，却没有编号，与前后编号的标题不一致",
            "按所在层级补上编号（如“二、”“（二）”“2.”）",
        )


_LIST_INTRO = re.compile(
    r"(?<!报告)(?<!汇报)(?<!说明)(?<!通报)(?:目标|指标|任务|内容|措施|问题|职责|职能|项目|成效|情况|做法|建议|要求)(?:如下|有)[:：]"
)

_COLON = re.compile("[:：]")  # every _LIST_INTRO match is a two-character word, 如下 or 有, and this colon


@rule(
    "structure.list-not-written",
    "“……如下：”之后没有写出要列举的内容",
    category="structure",
    severity="warning",
    example="（二）年度绩效目标\n本年度绩效目标如下：\n（三）资金安排情况\n全年安排资金80万元。",
    counter_example="（二）年度绩效目标\n本年度绩效目标如下：\n1.培训≥1500人次。\n（三）资金安排情况\n全年安排资金80万元。",
)
def list_not_written(ctx: Context) -> Iterator[Finding]:
    """A list announced with "如下：" and followed directly by the next heading of the same or a higher level."""
    text = ctx.text
    for m in finditer_before(_LIST_INTRO, text, _COLON, 4, 3):
        nxt = re.compile(r"\s*").match(text, m.end())
        pos = nxt.end() if nxt else m.end()
        if pos >= len(text):
            continue  # the file ends here: a truncated document, not a missing list
        found = match_marker(text, pos)
        if found is None:
            continue
        level = found[0]
        section = ctx.doc.section_at(m.start())
        own_level = section.level if section is not None else None
        line_start = last_of(text, "\n", pos) + 1
        line_end = text.find("\n", pos)  # not `"\n" in text[pos:]`: that copies the rest of the text each time
        if line_start == pos and parse_heading(text[pos : line_end if line_end >= 0 else len(text)]) is None:
            continue
        if own_level is None or level > own_level:
            continue
        yield ctx.finding(
            "structure.list-not-written",
            "structure",
            "warning",
            m.start(),
            m.end(),
            f"“{m.group()}”之后直接是下一个标题，要列举的内容没有写",
            "补写列举的内容（目标、指标或措施逐条写明），或删去这句引语",
        )


_REPORT_AS_NAME = re.compile(
    r"项目名称[ \t\u3000]*[:：|][ \t\u3000]*[^|\n]{0,20}?(?:绩效)?(?:评价|自评)报告(?=[ \t\u3000]*(?:[|\n]|$))"
)


@rule(
    "structure.report-type-as-name",
    "“项目名称”一栏填的是报告类型，而不是被评价的项目或单位",
    category="structure",
    severity="warning",
    example="项目名称：部门整体支出绩效自评报告\n项目单位：某县文化馆",
    counter_example="项目名称：某县文化馆免费开放项目\n项目单位：某县文化馆",
)
def report_type_as_name(ctx: Context) -> Iterator[Finding]:
    """项目名称: 部门整体支出绩效评价报告 — the field names the document type instead of what was evaluated."""
    for m in _REPORT_AS_NAME.finditer(ctx.text):
        yield ctx.finding(
            "structure.report-type-as-name",
            "structure",
            "warning",
            m.start(),
            m.end(),
            "“项目名称”填写的是报告类型，没有写明被评价的项目或部门",
            "填写被评价的项目名称（部门整体支出评价写部门全称）",
        )


_OPEN_CLOSE = {"（": "）", "(": ")", "〔": "〕", "《": "》", "【": "】", "[": "]"}
_CLOSERS = {v: k for k, v in _OPEN_CLOSE.items()}
_BRACKET = re.compile("[" + "".join(re.escape(ch) for ch in (*_OPEN_CLOSE, *_CLOSERS)) + "]")
_OPENER = re.compile("[" + "".join(re.escape(ch) for ch in _OPEN_CLOSE) + "]")
_NOT_BRACKET = "[^" + "".join(re.escape(ch) for ch in (*_OPEN_CLOSE, *_CLOSERS)) + "|]*"
# A paragraph whose every bracket is closed by its own closer before the next bracket ("（万元）…《办法》"), and with
# no table rule '|': the bracket walk leaves nothing open there, so it is not walked.
_FLAT_PAIRS = re.compile(
    "(?:"
    + _NOT_BRACKET
    + "(?:"
    + "|".join(re.escape(o) + _NOT_BRACKET + re.escape(c) for o, c in _OPEN_CLOSE.items())
    + "))*"
    + _NOT_BRACKET
)
_ENUM_PAREN = re.compile(r"[（(](?:\d{1,2}|[一二三四五六七八九十]{1,2})[）)]")


def _with_opener(ctx: Context, lines: list[tuple[int, int]]) -> Iterator[int]:
    """The indexes of the paragraphs but the last (it may be cut off mid-sentence) holding an opening bracket, in
    order: a paragraph without one leaves nothing open."""
    text = ctx.text
    starts = [s for s, _ in lines]
    search = _OPENER.search
    m = search(text)
    while m is not None and (i := bisect.bisect_right(starts, m.start()) - 1) < len(lines) - 1:
        if i >= 0 and m.start() < lines[i][1]:
            yield i
            m = search(text, lines[i][1])
        else:
            m = search(text, m.start() + 1)


@rule(
    "punct.unclosed-bracket",
    "括号、书名号或文号的六角括号开了没有关",
    category="typo",
    severity="warning",
    example="补贴购机农户5户（东湖片区3户，西湖片区2户，补助金额9.8万元。\n二、存在的问题",
    counter_example="补贴购机农户5户（东湖片区3户，西湖片区2户），补助金额9.8万元。\n二、存在的问题",
)
def unclosed_bracket(ctx: Context) -> Iterator[Finding]:
    """An opening bracket with no closing one before the paragraph ends (the next paragraph may close it)."""
    text = ctx.text
    lines = paragraphs(ctx)
    flat = _FLAT_PAIRS.fullmatch
    for i in _with_opener(ctx, lines):
        s, e = lines[i]
        if flat(text, s, e):
            continue
        line = text[s:e]
        if "|" in line:
            continue
        stack: list[tuple[str, int]] = []
        unclosed: list[tuple[str, int]] = []
        for b in _BRACKET.finditer(line):  # only brackets matter: jump between them at C speed
            j, ch = b.start(), b.group()
            if ch in _OPEN_CLOSE:
                stack.append((ch, j))
            elif ch in _CLOSERS:
                for k in range(len(stack) - 1, -1, -1):
                    if stack[k][0] == _CLOSERS[ch] or {stack[k][0], _CLOSERS[ch]} <= {"（", "("}:
                        unclosed.extend(stack[k + 1 :])  # "（某财〔2025 3号）": the 〔 inside never closed
                        del stack[k:]
                        break
        stack = unclosed + stack
        if not stack:
            continue
        following = text[lines[i + 1][0] : lines[i + 1][1]]
        for opener, j in stack:
            closer = _OPEN_CLOSE[opener]
            if _ENUM_PAREN.match(line, j) or (closer in following and opener not in following.split(closer)[0]):
                continue
            start = s + j
            sentence_end = ctx.sentence_at(start)[1]
            end = min(sentence_end, start + 60, e)
            yield ctx.finding(
                "punct.unclosed-bracket",
                "typo",
                "warning",
                start,
                max(end, start + 1),
                f"“{opener}”开了括号，到段末也没有对应的“{closer}”",
                f"在括注内容结束处补上“{closer}”",
            )


_GRADE = re.compile(
    r"(?:等次|等级|评价结果|自评结果|评定结果)[^。；\n|]{0,6}?(?<!分)(?:均|都)?(?:为|是|评为|评定为|达到)[“\"「]?(?:优秀|优|良好|良|中|合格|差)"
)
_SCORE = re.compile(r"\d+(?:\.\d+)?\s*分|(?:得分|总分|自评分|分值)[^。；\n]{0,6}\d")


@rule(
    "scores.grade-without-score",
    "只写了等次（优秀、良好……），没有写自评得分",
    category="missing_value",
    severity="warning",
    example="经自评，本部门整体支出绩效自评等次为优秀。",
    counter_example="经自评，本部门整体支出绩效自评得分93.5分，等次为优秀。",
)
def grade_without_score(ctx: Context) -> Iterator[Finding]:
    """A grade asserted (等次为优秀) with no score in its paragraph: the grade cannot be checked."""
    text = ctx.text
    for m in _GRADE.finditer(text):
        p0, p1 = ctx.paragraph_at(m.start())
        if _SCORE.search(text, p0, p1) or "分为" in text[max(p0, m.start() - 4) : m.end()]:
            continue
        yield ctx.finding(
            "scores.grade-without-score",
            "missing_value",
            "warning",
            m.start(),
            m.end(),
            f"“{m.group()}”只给出等次，没有自评得分，无法核对等次是否与得分相符",
            "写明自评得分，如“自评得分N分，等次为优秀”（90分及以上为优）",
        )


_LIMIT = re.compile(r"[（(]\s*(?:限|不超过|不多于)?\s*\d{2,4}\s*字(?:以内|以下)?\s*[)）](?!\s*[:：]\s*[^\s|])")
_PROMPT = re.compile(
    r"\s*(?:请)?(?:对照|结合|针对|根据|围绕)?[^。|\n=:：]{0,20}?(?:说明|分析|概述|简述|填写|提出|列明|阐述|描述|总结)[^|\n=]{0,60}$"
)


@rule(
    "placeholder.form-instruction",
    "表格中印好的填写说明（“说明……（100字以内）”）没有替换为实际内容",
    category="placeholder",
    severity="error",
    example="年度目标完成情况 | 对照年初目标，逐项说明完成情况（不超过150字） |",
    counter_example="存在问题(200字以内)：部分资金拨付较晚，导致执行率偏低。",
)
def form_instruction(ctx: Context) -> Iterator[Finding]:
    """A cell that still holds the form's printed prompt: an imperative with no subject ending in a length limit."""
    text = ctx.text
    for m in _LIMIT.finditer(text):
        cell_start = last_of(text, "|\n", m.start()) + 1
        prompt = _PROMPT.match(text[cell_start : m.start()])
        if prompt is None:
            continue
        start = cell_start + len(prompt.group()) - len(prompt.group().lstrip())
        yield ctx.finding(
            "placeholder.form-instruction",
            "placeholder",
            "error",
            start,
            m.end(),
            f"“{text[start : m.end()]}”是表格的填写说明，不是填写的内容",
            "删去填写说明，按要求写明实际情况（完成了什么、数值多少、存在什么问题）",
        )
