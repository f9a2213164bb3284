"""Vague wording that only shows at the scale of a section or a list: a goals section with no indicator, a list of
slogans, a results section of one phrase, an evaluation conclusion with no result.

Headings are found in the text itself (a marker such as 一、 （二） 3. followed by a title), because in reports
extracted from PDF or web pages they often run on inside a paragraph ("…运行平稳三、项目绩效情况达到了…").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import repeat

from assistant.checks.finding import Finding
from assistant.checks.registry import Context, rule
from assistant.checks.spans import finditer_from
from assistant.checks.structure import paragraphs
from assistant.text.numbers import NumberMention

_MARKER = r"(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)]|(?<![\d.])\d{1,2}(?:[.．](?!\d)|、))"
_NEXT_MARKER = {
    "cn": re.compile(r"[一二三四五六七八九十]{1,3}、"),
    "paren-cn": re.compile(r"[（(][一二三四五六七八九十]{1,3}[）)]|[一二三四五六七八九十]{1,3}、"),
    "digit": re.compile(
        r"(?<![\d.])\d{1,2}(?:[.．](?!\d)|、)|[（(][一二三四五六七八九十]{1,3}[）)]|[一二三四五六七八九十]{1,3}、"
    ),
}
_MEASURED = ("percent", "percent_point", "count", "time", "score")


def _style(marker: str) -> str:
    if marker[0] in "（(":
        return "paren-cn"
    return "cn" if marker[0] in "一二三四五六七八九十" else "digit"


def _sections(ctx: Context, title: re.Pattern[str]) -> Iterator[tuple[int, int, int, int]]:
    """(heading start, title end, body end) for every marker + title matching ``title``, inline or on its own line."""
    text = ctx.text
    for start, end, marker in ctx.memo("goals.markers", lambda c: markers(c.text)):
        t = title.match(text, end)
        if t is None:
            continue
        nxt = _NEXT_MARKER[_style(marker)].search(text, t.end(), t.end() + 3000)
        body_end = nxt.start() if nxt else min(len(text), t.end() + 3000)
        yield start, end, t.end(), body_end


# A heading marker at the start of the text, after a break or stop, or run on after a Chinese character.
MARKER_AFTER = re.compile(rf"(?:(?<=^)|(?<=[\n。：:；;\s])|(?<=[\u4e00-\u9fff]))({_MARKER})\s*")
# The same test made from each place a marker can start with (a leading character set the engine skips by):
# it consumes that character and looks back from it for the place and ahead for the marker.
_MARKER_AT = re.compile(
    rf"[一二三四五六七八九十（(\d](?<=(?:(?<=^)|(?<=[\n。：:；;\s])|(?<=[\u4e00-\u9fff]))(?=(({_MARKER})\s*))[\s\S])"
)


def markers(text: str) -> list[tuple[int, int, str]]:
    """(start, end with the spaces after it, marker) of every ``MARKER_AFTER`` match, as its ``finditer`` gives
    them: a candidate inside the previous marker is skipped, as finditer resumes after each match."""
    out: list[tuple[int, int, str]] = []
    last = 0
    for m in _MARKER_AT.finditer(text):
        if m.start() >= last:
            last = m.end(1)
            out.append((m.start(), last, m.group(2)))
    return out


def _measured(n: NumberMention) -> bool:
    return n.kind in _MEASURED and not n.approximate


_GOAL_TITLE = re.compile(
    r"[^。；：:，,\n|]{0,12}?(?<![完实])绩效目标(?:设定|设置|申报)?(?:情况)?(?=[\s。：:\n（(]|$|[一二三四五六七八九十\d]|[\u4e00-\u9fff])"
)
_GOAL_TITLE_NOT = re.compile(r"完成|实现|分析|结论|评价|自评|偏差|调整|下达|分解|管理")
_INDICATOR_WORDS = re.compile(
    r"指标|目标值|[≥≤≧≦><]|不低于|不少于|不超过|不高于|以上|以内|满意度|合格率|覆盖率|达标率|完成率|知晓率|及时率"
    r"|前完成|前完工|底前|月底|年底|时限|验收合格"
    # a rate with its value (spending rates measure money, not results), or a goal stated with a figure
    r"|(?<!使用)(?<!执行)(?<!支付)(?<!到位)率\s*(?:为|达到?|[≥=])?\s*\d|(?:目标|指标)[:：为是][^。\n]{0,30}\d"
)


@rule(
    "goals.no-indicator",
    "“绩效目标”部分只写了资金和用途，没有任何指标或目标值",
    category="missing_value",
    severity="warning",
    example="（一）绩效目标情况\n本项目预算80万元，主要用于办公楼维修和设备购置，保障单位正常运转。\n（二）资金安排情况",
    counter_example="（一）绩效目标情况\n完成办公楼维修2000平方米，验收合格率100%，12月底前完工。\n（二）资金安排情况",
)
def goals_without_indicators(ctx: Context) -> Iterator[Finding]:
    """A section titled 绩效目标 whose body names no indicator, bound, rate or deadline: nothing can be checked."""
    text = ctx.text
    for start, title_start, title_end, body_end in _sections(ctx, _GOAL_TITLE):
        title = text[title_start:title_end]
        if _GOAL_TITLE_NOT.search(title):
            continue
        body = text[title_end:body_end]
        if len(body.strip()) < 15 or _INDICATOR_WORDS.search(body):
            continue
        yield ctx.finding(
            "goals.no-indicator",
            "missing_value",
            "warning",
            start,
            title_end,
            f"“{text[start:title_end].strip()}”部分只写了资金和用途，没有绩效指标、目标值或完成时限",
            "逐项写出绩效指标：产出（数量、质量、时效、成本）和效益、满意度指标，各带 ≥/≤/= 目标值和计量单位",
        )


_RESULT_TITLE = re.compile(
    r"[^。；：:，,\n|]{0,14}?(?:绩效情况|效益情况|实施效果|绩效分析|成效|评价结论|自评结论|目标完成情况)"
)
_EMPTY_BODY = re.compile(r"\s*(?:无|不涉及|暂无|无此项)?[。.]?\s*")


@rule(
    "vague.thin-section",
    "绩效、效益或结论部分只有一句话，没有任何实测数据",
    category="vague_wording",
    severity="warning",
    example="一、基本情况\n本项目预算50万元。\n二、项目绩效情况\n项目运行正常。\n三、存在的问题\n资金下达较晚。",
    counter_example="一、基本情况\n本项目预算50万元。\n二、项目绩效情况\n完成培训1200人次，合格率96%。\n三、存在的问题\n无。",
)
def thin_section(ctx: Context) -> Iterator[Finding]:
    """A performance/results section whose whole body is a short phrase with no measured figure."""
    text = ctx.text
    for start, _title_start, title_end, body_end in _sections(ctx, _RESULT_TITLE):
        body = text[title_end:body_end].strip(" \t\u3000:：\n")
        if not body or len(body) >= 40 or _EMPTY_BODY.fullmatch(body) or "字以内" in body:
            continue
        if any(_measured(n) for n in ctx.numbers_in(title_end, body_end)):
            continue
        yield ctx.finding(  # anchored on the heading: the phrase itself may carry its own wording finding
            "vague.thin-section",
            "vague_wording",
            "warning",
            start,
            title_end,
            f"“{text[start:title_end].strip()}”只有“{body}”一句，没有产出、效益的实测数据",
            "按绩效指标逐项写明实际完成值、与目标值的对比和偏差原因",
        )


_CONCLUSION = re.compile(r"(?:评价结论|自评结论|综合评价结论)[ \t\u3000]*[|:：][ \t\u3000]*([^|\n]{4,200})")
_RESULT_WORDS = re.compile(r"\d|优秀|良好|[优良中差]等|等次|等级|合格|得分|总分")


@rule(
    "vague.conclusion-without-result",
    "“评价结论”没有给出得分、等次或任何绩效结果",
    category="vague_wording",
    severity="warning",
    example="评价结论 | 按照资金管理办法，将资金支付给施工单位。 |",
    counter_example="评价结论 | 项目自评得分95分，等次为优；完成维修2000平方米，验收合格。 |",
)
def conclusion_without_result(ctx: Context) -> Iterator[Finding]:
    """An evaluation conclusion that only describes what was done (paid, purchased), with no score or result."""
    for m in _CONCLUSION.finditer(ctx.text):
        body = m.group(1).strip()
        if _RESULT_WORDS.search(body) or "字以内" in body:
            continue
        yield ctx.finding(
            "vague.conclusion-without-result",
            "vague_wording",
            "warning",
            m.start(1),
            m.end(1),
            f"评价结论“{body[:30]}”没有自评得分、等次或绩效结果",
            "写明自评得分和等次，并概括主要绩效指标的完成情况",
        )


_ITEM_MARK = re.compile(
    r"(?:(?<=^)|(?<=[\s。；;：:]))(\d{1,2})[、.．](?!\d)|(?:(?<=^)|(?<=[\s。；;：:，,]))([一二三四五六七八九十])是"
)
_ITEM_MARK_FIRST = r"[\d一二三四五六七八九十]"  # what every item mark starts with
_MARK_ENDS = ("、", ".", "．", "是")
_DIRECTIVE = re.compile(
    r"\s*(?:强化|加快|推动|实施|践行|坚持|聚焦|做好|加强|深化|推进|提升|提高|积极|全力|紧紧|着力|持续|全面|大力|扎实|进一步"
    r"|切实|更大力度|统筹|巩固|打好|打造|夯实|优化|完善|健全|促进|落实|抓好|构建|筑牢|激发|服务)"
)


@rule(
    "vague.slogan-list",
    "编号列举的任务、目标或措施都是口号（强化……、推动……），没有数量和时限",
    category="vague_wording",
    severity="warning",
    example="1、聚焦主责主业，全面提升服务效能。2、坚持改革创新，加快构建发展格局。3、强化作风建设，筑牢廉政防线。"
    "4、推动城乡融合，激发市场活力。",
    counter_example="1、完成12座桥梁定期检测。2、新建污水管网8.5公里。3、强化作风建设，筑牢廉政防线。"
    "4、改造老旧小区6个，12月底前完工。",
)
def slogan_list(ctx: Context) -> Iterator[Finding]:
    """A numbered list of four or more items, nearly all opening with a directive verb and none measured."""
    text = ctx.text
    for p0, p1 in _list_paragraphs(ctx):
        # Four items need four marks of two characters or more: a shorter paragraph holds at most three.
        if p1 - p0 < 8 or sum(map(text.count, _MARK_ENDS, repeat(p0), repeat(p1))) < 4:
            continue  # every item mark ends in one of these: fewer than four cannot make a list of four
        items = _items(text, p0, p1)
        if len(items) < 4:
            continue
        slogans = [(s, e) for s, e in items if _DIRECTIVE.match(text, s) and not any(
            _measured(n) for n in ctx.numbers_in(s, e))]  # fmt: skip
        if len(slogans) * 4 < len(items) * 3:
            continue
        for s, e in slogans:
            yield ctx.finding(
                "vague.slogan-list",
                "vague_wording",
                "warning",
                s,
                e,
                f"“{text[s:e][:24]}”是口号式的任务，没有说明做到多少、何时完成",
                "把每项任务写成可考核的产出：做什么、数量或质量要求、完成时限",
            )


def _list_paragraphs(ctx: Context) -> list[tuple[int, int]]:
    """Paragraphs, with runs of consecutive one-item lines merged (a list written one item per line)."""
    out: list[tuple[int, int]] = []
    text = ctx.text
    match = _ITEM_MARK.match
    last_is_item = False  # whether the last paragraph of ``out`` opens with an item mark
    for s, e in paragraphs(ctx):
        # an item mark opens with a figure (\d: str.isdecimal) or 一…十: only then is the pattern tried
        first = text[s]
        is_item = (first.isdecimal() or first in _CN_ONE_TO_TEN) and match(text, s) is not None
        if out and is_item and last_is_item:
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
            last_is_item = is_item
    return out


_CN_ONE_TO_TEN = frozenset("一二三四五六七八九十")


def _items(text: str, p0: int, p1: int) -> list[tuple[int, int]]:
    """The consecutive items 1, 2, 3 … (or 一是, 二是 …) of the longest numbered run in a paragraph."""
    marks = []
    for m in finditer_from(_ITEM_MARK, text, _ITEM_MARK_FIRST, p0, p1):
        n = int(m.group(1)) if m.group(1) else "一二三四五六七八九十".index(m.group(2)) + 1
        marks.append((n, m.start(), m.end()))
    run: list[tuple[int, int, int]] = []
    best: list[tuple[int, int, int]] = []
    for mark in marks:
        if mark[0] == 1:
            run = [mark]
        elif run and mark[0] == run[-1][0] + 1:
            run.append(mark)
        if len(run) > len(best):
            best = list(run)
    items = []
    for i, (_n, _s, e) in enumerate(best):
        end = best[i + 1][1] if i + 1 < len(best) else p1
        if i + 1 == len(best):
            stop = re.compile(r"[。；;\n]").search(text, e, end)
            end = stop.end() if stop else end
        items.append((e, end))
    return items


_PCT_OF_TASK = re.compile(
    r"完成(?:了)?(?:全年|年度|年初|全年度)?[^，。；,;\n|\d]{0,16}?(?:任务|目标|计划)(?:数)?的\s*(\d+(?:\.\d+)?)\s*[%％]"
)


@rule(
    "goals.percent-without-base",
    "只写“完成任务的100%”，没有写任务（目标）数是多少",
    category="missing_value",
    severity="warning",
    example="全年新增参保人数达2150人，完成年度参保任务的100%。",
    counter_example="年度参保任务2100人，实际参保2150人，完成年度参保任务的102.4%。",
)
def percent_without_base(ctx: Context) -> Iterator[Finding]:
    """ "完成…任务的N%" with the task never quantified in the paragraph: the percentage cannot be checked."""
    text = ctx.text
    for m in _PCT_OF_TASK.finditer(text):
        p0, p1 = ctx.paragraph_at(m.start())
        quantities = [
            n
            for n in ctx.numbers_in(p0, p1)
            if n.kind in ("count", "money", "time") and not m.start() <= n.start < m.end()
        ]
        units = {n.unit for n in quantities}
        # The base is stated when a quantity near a 任务/目标/计划 word shares a unit with another quantity.
        stated = (
            any(re.search(r"任务|目标|计划", text[max(p0, n.start - 12) : n.end + 4]) for n in quantities)
            and len(quantities) >= 2
            and len(units) < len(quantities)
        )
        if stated:
            continue
        yield ctx.finding(
            "goals.percent-without-base",
            "missing_value",
            "warning",
            m.start(),
            m.end(),
            f"“{m.group()}”只给出完成比例，没有写明任务（目标）数，无法核对",
            "写明目标数和实际完成数，如“年度任务N人，实际完成M人，完成率X%”",
        )


_MONEY_AS_OUTPUT = re.compile(
    r"(?:数量指标|产出数量|质量指标)[^。；;\n|]{0,6}?[:：][^。；;\n|]{0,24}?(?:收到|到位|拨付|安排|下达|获得|支出|使用)"
    r"[^。；;\n|]{0,16}?\d+(?:\.\d+)?\s*(?:万元|亿元|元)"
)


@rule(
    "goals.money-as-output",
    "产出（数量、质量）指标写的是收到或拨付了多少钱，那是投入不是产出",
    category="structure",
    severity="warning",
    example="①数量指标：2023年，我校收到专项工作经费资金12.5万元。",
    counter_example="①数量指标：2023年，为86名教师开展专项培训，人均经费1450元。",
)
def money_as_output(ctx: Context) -> Iterator[Finding]:
    """A quantity or quality indicator whose value is money received or allocated: an input dressed as output."""
    for m in _MONEY_AS_OUTPUT.finditer(ctx.text):
        yield ctx.finding(
            "goals.money-as-output",
            "structure",
            "warning",
            m.start(),
            m.end(),
            "产出指标写的是到位或拨付的资金，反映的是投入，不是项目产出",
            "产出指标写项目实际完成的数量、质量（如受益人数、完成工程量、合格率），资金放在预算执行部分",
        )
