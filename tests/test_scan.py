"""The finditer shortcuts in checks/scan.py, and patterns rewritten so the engine can skip through the text, find
exactly what the plain ``finditer`` and the patterns as first written find."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.checks.amounts import _ITEM_LINE, _ITEM_LINE_LAST, _PROSE_ITEM, _norm, _prose_items, label_start
from assistant.checks.arithmetic import _LIST_THEN_COUNT, _lists_then_counts
from assistant.checks.claims import _CLAIM_PATTERNS
from assistant.checks.dates import _CN_DATE, _DOUBLED_AFTER, _cn_dates, _doubled_after
from assistant.checks.execution_rows import _COLUMN, HEADER_RUN
from assistant.checks.items import _TIER_REACH, clause_start
from assistant.checks.reasons import _REASON_COLUMN
from assistant.checks.registry import Context
from assistant.checks.scan import finditer_at, finditer_before, finditer_run_before
from assistant.checks.spans import finditer_after
from assistant.checks.structure import _COLON, _HEADING_WORD_LAST, _HEADING_WORDS, _LIST_INTRO
from assistant.checks.tables import (
    _FIELD_LABEL,
    _FIELD_LABEL_LAST,
    _FORM_TITLE,
    _copied_neighbour_cells,
    _form_title_starts,
    _squash,
)
from assistant.text.document import document_from_text
from assistant.text.sections import parse_heading, starts_with_marker
from assistant.text.tables import cell_number

# Pieces that make each pattern match, almost match and fail in many ways when strung together at random.
_DATE_PIECES = [
    "二〇二三", "二二", "二〇二", "一九", "2023", "１２", "5", "年", "月", "日", "号", " ", "\n", "　", "五", "十",
    "二", "〇", "零", "十二", "，", "A", "二二年", "年 年", "5月 月", "二〇二三年五月", " 月", "二三年 五月", "日 日",
]  # fmt: skip
_LIST_PIECES = [
    "道路", "硬化", "路灯", "绿化提升", "公厕", "、", "、", "、", "和", "等", "共", "共计", "在内的", "3", "两", "十二",
    "个", "项", "家", "，", "。", " ", "：", "A", "（", "维修改造工程建设管理服务保障项目资金", "道路、", "路灯、",
    "绿化和公厕3个项目，", "等4家。", "两类；", "监测站共2所：",
]  # fmt: skip
_HEADER_PIECES = [
    "年初预算数", "全年预算", "调整后预算数", "全年执行数", "执行数", "预算执行率", "执行率", "分值", "权重", "得分",
    " ", "\t", "|", " | ", "\n", "项目", "80", "%", "预算", "执行",
]  # fmt: skip
_INTRO_PIECES = [
    "目标", "指标", "任务", "内容", "措施", "问题", "项目", "情况", "如下", "有", "：", ":", "报告", "汇报", "说明",
    "通报", "\n", "（一）", "1.", "本年度", "主要", "目标如下：", "问题有:", "报告目标如下：", "说明问题有：",
]  # fmt: skip
_LINE_PIECES = [
    "专项资金",
    "补助资金",
    "资金",
    "项目",
    "经费",
    "专项",
    "道路",
    "维修",
    " ",
    "\u3000",
    "\t",
    "，",
    "：",
    "金",
    "目",
]
_REASON_PIECES = [
    "偏差", "未完成", "未达标", "原因分析", "及", "和", "改进", "整改", "措施", "存在", "的", "问题", "原因", "改进措施",
    " ", "\n", "|", "偏差原因分析及改进措施", "存在的问题及整改措施",
]  # fmt: skip
reason_texts = st.lists(st.sampled_from(_REASON_PIECES), max_size=20).map("".join)
_REASON_COLUMN_PLAIN = re.compile(
    r"(?:偏差|未完成|未达标)?原因分析[及和与]?\s*(?:改进|整改)?\s*措施|存在(?:的)?问题[及和与]?\s*(?:原因|改进措施|整改措施)?"
)
_STEADY_PIECES = [
    "不存在",
    "未出现",
    "没有",
    "无",
    "明显",
    "偏离",
    "偏差",
    "差异",
    "，",
    "。",
    "\n",
    "执行数与预算数",
    "基本",
    "一致",
    "资金",
]
steady_texts = st.lists(st.sampled_from(_STEADY_PIECES), max_size=20).map("".join)
_STEADY_PLAIN = re.compile(
    r"(?:不存在|未出现|没有|无)[^。；|，,\n]{0,12}?(?:偏离|偏差|差异)|执行数与预算数(?:基本)?一致"
)
_ITEM_PIECES = [
    "道路维修", "专项资金", "补助资金", "资金", "项目", "经费", "全年", "年初", "预算", "支出", "执行", "共", "累计", "。", "；",
    "\n", "（一）", "1.", "一、", "2023年度", "“", "”", "80万元", "，", "部分", "A", "。道路维修资金全年", "\n（一）供水项目预算",
    "1.培训经费支出",
]  # fmt: skip
item_texts = st.lists(st.sampled_from(_ITEM_PIECES), max_size=24).map("".join)
header_texts = st.lists(st.sampled_from(_HEADER_PIECES), max_size=30).map("".join)
intro_texts = st.lists(st.sampled_from(_INTRO_PIECES), max_size=30).map("".join)
lines = st.lists(st.sampled_from(_LINE_PIECES), max_size=16).map("".join)
# The column-name run as it was written before its first name was spelt out.
_HEADER_RUN_PLAIN = re.compile(rf"(?:(?:{_COLUMN})[ \t]*\|?[ \t]*){{3,}}")
date_texts = st.lists(st.sampled_from(_DATE_PIECES), max_size=30).map("".join)
list_texts = st.lists(st.sampled_from(_LIST_PIECES), max_size=40).map("".join)


def _spans(matches: object) -> list[tuple[int, int, tuple[str | None, ...]]]:
    return [(m.start(), m.end(), m.groups()) for m in matches]  # type: ignore[attr-defined]


@settings(max_examples=400, deadline=None)
@given(date_texts)
def test_malformed_date_scan_finds_what_finditer_finds(text: str) -> None:
    assert _spans(_cn_dates(text)) == _spans(_CN_DATE.finditer(text))


@settings(max_examples=400, deadline=None)
@given(date_texts)
def test_figures_before_a_doubled_date_word_are_those_the_lookahead_finds(text: str) -> None:
    assert list(_doubled_after(text)) == [m.end() for m in _DOUBLED_AFTER.finditer(text)]


@settings(max_examples=400, deadline=None)
@given(list_texts)
def test_listed_count_scan_finds_what_finditer_finds(text: str) -> None:
    assert _spans(_lists_then_counts(text)) == _spans(_LIST_THEN_COUNT.finditer(text))


@pytest.mark.parametrize(
    "text",
    [
        "二二三年 五月 月",
        "2023年 年5月",
        "评价日期：二〇二三年五月 月",
        "包括道路硬化、路灯安装、绿化提升和公厕改造3个项目。",
        "实施了维修改造工程建设管理服务保障项目资金、道路硬化、路灯安装共3个项目，",
        "甲乙、丙丁、戊己等5个单位，庚辛、壬癸2项。",
    ],
)
def test_shortcuts_agree_on_written_examples(text: str) -> None:
    assert _spans(_cn_dates(text)) == _spans(_CN_DATE.finditer(text))
    assert _spans(finditer_before(_LIST_INTRO, text, _COLON, 4, 3)) == _spans(_LIST_INTRO.finditer(text))
    assert _spans(HEADER_RUN.finditer(text)) == _spans(_HEADER_RUN_PLAIN.finditer(text))
    assert _spans(_lists_then_counts(text)) == _spans(_LIST_THEN_COUNT.finditer(text))


def test_scan_at_given_starts_rejects_a_pattern_that_matches_nothing() -> None:
    with pytest.raises(ValueError):
        list(finditer_at(re.compile(r"(?=a)"), "ba", [0, 1]))


def test_run_before_scan_respects_the_longest_run() -> None:
    pattern = re.compile(r"(?:[a-z]{2,3}-)+[0-9]")
    text = "abcdef-1 xy-zz-2 q-3"
    assert _spans(finditer_run_before(pattern, text, "-", "a", "z", 2, 3)) == _spans(pattern.finditer(text))


@settings(max_examples=400, deadline=None)
@given(header_texts)
def test_header_run_reads_what_the_repeated_form_reads(text: str) -> None:
    assert _spans(HEADER_RUN.finditer(text)) == _spans(_HEADER_RUN_PLAIN.finditer(text))
    assert _spans(HEADER_RUN.finditer(text, 3, 40)) == _spans(_HEADER_RUN_PLAIN.finditer(text, 3, 40))


@settings(max_examples=400, deadline=None)
@given(intro_texts)
def test_list_intro_scan_finds_what_finditer_finds(text: str) -> None:
    assert _spans(finditer_before(_LIST_INTRO, text, _COLON, 4, 3)) == _spans(_LIST_INTRO.finditer(text))


@settings(max_examples=400, deadline=None)
@given(lines)
def test_item_line_gate_passes_every_item_line(line: str) -> None:
    if line.rstrip()[-1:] not in _ITEM_LINE_LAST:
        assert _ITEM_LINE.match(_norm(line)) is None


@settings(max_examples=400, deadline=None)
@given(reason_texts)
def test_reason_column_reads_what_the_optional_form_reads(text: str) -> None:
    assert _spans(_REASON_COLUMN.finditer(text)) == _spans(_REASON_COLUMN_PLAIN.finditer(text))
    assert _spans(_REASON_COLUMN.finditer(text, 2, 30)) == _spans(_REASON_COLUMN_PLAIN.finditer(text, 2, 30))


@settings(max_examples=400, deadline=None)
@given(steady_texts)
def test_no_deviation_claim_reads_what_the_grouped_form_reads(text: str) -> None:
    steady = _CLAIM_PATTERNS[-1][1]
    assert _spans(steady.finditer(text)) == _spans(_STEADY_PLAIN.finditer(text))


@settings(max_examples=500, deadline=None)
@given(item_texts)
def test_prose_item_scan_finds_what_the_separator_scan_finds(text: str) -> None:
    assert _spans(_prose_items(text)) == _spans(finditer_after(_PROSE_ITEM, text, "[。；\n]"))


_BACK_PIECES = [
    "，",
    ",",
    "。",
    "；",
    "：",
    "、",
    "\n",
    "|",
    "（",
    "(",
    "）",
    ")",
    "中央",
    "资金",
    "60",
    "万元",
    "农机购置补贴",
    " ",
]
back_texts = st.lists(st.sampled_from(_BACK_PIECES), max_size=30).map("".join)


def _walk_back(text: str, offset: int, reach: int, stops: str) -> int:
    """The plain way: step back a character at a time until a stop character or the reach."""
    lo = offset
    while lo > max(offset - reach, 0) and text[lo - 1] not in stops:
        lo -= 1
    return lo


@settings(max_examples=300, deadline=None)
@given(back_texts, st.integers(min_value=0, max_value=80))
def test_label_and_clause_starts_equal_the_step_back(text: str, offset: int) -> None:
    offset = min(offset, len(text))
    assert label_start(text, offset) == _walk_back(text, offset, 30, "，,。；;：:\n|（(、）)")
    assert clause_start(text, offset) == _walk_back(text, offset, _TIER_REACH, "，,。；;：:、\n|（(")


_CELL_PIECES = [
    "项目实施内容及过程概述",
    "情况说明",
    "存在问题",
    "存在的问题",
    "改进措施",
    "主要成效",
    "1.",
    " ",
    "\u3000",
    "无",
    "80",
    "|",
    "题",
    "存",
]
cell_lines = st.lists(st.sampled_from(_CELL_PIECES), max_size=14).map("".join)


def _pipe_cells_plainly(line: str, pos: int) -> list[tuple[int, str]]:
    found = []
    for m in re.finditer(r"[^|]*\|", line):
        body = m.group()[:-1]
        found.append((pos + m.start() + len(body) - len(body.lstrip()), body.strip()))
    return found


@settings(max_examples=400, deadline=None)
@given(cell_lines)
def test_pipe_cells_and_label_gates_agree_with_the_patterns(line: str) -> None:
    at, split = 5, []
    for body in line.split("|")[:-1]:
        split.append((at + len(body) - len(body.lstrip()), body.strip()))
        at += len(body) + 1
    assert split == _pipe_cells_plainly(line, 5)
    for _, text in split:
        if text[-1:] not in _FIELD_LABEL_LAST:
            assert not _FIELD_LABEL.match(_squash(text))
        if not (text.startswith("存") and text.endswith("题")):
            assert not re.fullmatch(r"存在(?:的)?问题", _squash(text))


_ROW_PIECES = [
    "| 完成年度培训任务一千人次 | 完成年度培训任务一千人次 |\n",
    "目标 | 完成年度培训任务一千人次 | 完成年度培训任务一千人次\n",
    "完成年度培训任务一千人次",
    "完成年度培训任务一千人次 ",
    " ",
    "|",
    "||",
    "80",
    "好",
    "\n",
    "道路硬化长度达到十公里",
]
table_texts = st.lists(st.sampled_from(_ROW_PIECES), max_size=16).map("".join)


def _copied_cells_plainly(text: str) -> list[tuple[int, int]]:
    """Neighbouring non-empty ``|`` cells with the same long sentence, found by a regex over each line."""
    out, pos = [], 0
    for line in text.split("\n"):
        if line.count("|") >= 2:
            cells = [(m.start(), m.group()) for m in re.finditer(r"[^|]+", line)]
            for (_, left), (at, right) in zip(cells, cells[1:], strict=False):
                words = _squash(right)
                if len(words) >= 8 and words == _squash(left) and cell_number(words) is None:
                    start = pos + at + (len(right) - len(right.lstrip()))
                    out.append((start, start + len(right.strip())))
        pos += len(line) + 1
    return out


@settings(max_examples=300, deadline=None)
@given(table_texts)
def test_copied_neighbour_cells_are_those_the_regex_split_finds(text: str) -> None:
    ctx = Context(doc=document_from_text(text))
    assert [(f.start, f.end) for f in _copied_neighbour_cells(ctx)] == _copied_cells_plainly(ctx.text)


_FORM_PIECES = [
    "项目支出绩效自评表",
    "部门整体支出绩效评价表",
    "自评表",
    "评价表",
    "（2023年度）",
    " ",
    "\n",
    "|",
    "，",
    "2023年度",
    "某县",
    "说明",
]
form_texts = st.lists(st.sampled_from(_FORM_PIECES), max_size=16).map("".join)


@settings(max_examples=400, deadline=None)
@given(form_texts)
def test_form_title_starts_are_those_the_separator_scan_finds(text: str) -> None:
    plain = {m.start() for m in finditer_after(_FORM_TITLE, text, r"[\s|]")}
    assert _form_title_starts(text) == plain


_HEADING_PIECES = [
    "一、",
    "（二）",
    "(3)",
    "4.",
    "5、",
    "①",
    "#",
    "## ",
    "| ",
    "项目概况",
    "：",
    " ",
    "1.5万元",
    "十",
    "（",
    "）",
]
heading_lines = st.lists(st.sampled_from(_HEADING_PIECES), max_size=8).map("".join)


@settings(max_examples=400, deadline=None)
@given(heading_lines)
def test_heading_gate_passes_every_heading(line: str) -> None:
    if not (line.startswith("#") or starts_with_marker(line)):
        assert parse_heading(line) is None


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["情况", "情况分析", "指标", "结论", "措施", "问题", "建议", "概况", "说明", "资金", " ", "\n", "析"]
        ),
        max_size=6,
    ).map("".join)
)
def test_heading_word_gate_passes_every_heading_word(line: str) -> None:
    if line.rstrip()[-1:] not in _HEADING_WORD_LAST:
        assert not _HEADING_WORDS.search(line.strip())
