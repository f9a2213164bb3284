"""Offset lookups the rule families share: they answer exactly what the straightforward walk answers."""

from __future__ import annotations

import random
import re

import pytest

from assistant.checks.amounts import _PROSE_ITEM
from assistant.checks.breakdowns import _OPENER, _OPENER_FIRST
from assistant.checks.claims import _LEFTOVER
from assistant.checks.duplicates import _ITEM, _ITEM_FIRST
from assistant.checks.entities import _GARBLED, _GARBLED_FIRST
from assistant.checks.execution_rows import _FORM_TITLE, _QUAD, TRIPLE
from assistant.checks.goals import _ITEM_MARK, _ITEM_MARK_FIRST
from assistant.checks.rates import _RATE_WORD
from assistant.checks.spans import finditer_after, finditer_anchored, finditer_from, in_spans, last_of, merge_spans
from assistant.checks.tables import _FORM_TITLE as _TABLE_FORM_TITLE


def test_merged_spans_answer_like_a_walk_over_every_span() -> None:
    rng = random.Random(15)
    for _ in range(200):
        spans = []
        for _ in range(rng.randint(0, 12)):
            a = rng.randint(0, 80)
            spans.append((a, a + rng.randint(-2, 15)))  # overlapping, touching and empty spans included
        merged = merge_spans(spans)
        for offset in range(-2, 100):
            assert in_spans(merged, offset) == any(a <= offset < b for a, b in spans), (spans, offset)


def test_last_of_finds_what_searching_back_to_the_start_finds() -> None:
    rng = random.Random(4)
    for _ in range(100):
        # long runs without a stop, so the look back has to widen several times (or reach the start)
        text = "".join(
            rng.choice(["，", "。", "\n", "资金" * rng.randint(0, 200), "万元"]) for _ in range(rng.randint(0, 12))
        )
        for offset in sorted({-3, 0, len(text), len(text) + 5, *(rng.randint(0, len(text)) for _ in range(20))}):
            expected = max(text.rfind(ch, 0, offset) for ch in "，。\n")
            assert last_of(text, "，。\n", offset) == expected, (text, offset)


def _random_text(rng: random.Random, pieces: list[str], n: int) -> str:
    return "".join(rng.choice(pieces) for _ in range(rng.randint(0, n)))


def test_rate_words_found_near_each_rate_character_match_a_full_scan() -> None:
    rng = random.Random(8)
    pieces = [
        "预算",
        "执行率",
        "资金",
        "支出率",
        "使用率",
        "完成",
        "率",
        "项目",
        "经费",
        "为",
        "95%",
        "，",
        "\n",
        "财政",
        "A",
    ]
    for _ in range(2000):
        text = _random_text(rng, pieces, 30)
        near = [m.span() for m in finditer_anchored(_RATE_WORD, text, "率", 10, 11)]
        assert near == [m.span() for m in _RATE_WORD.finditer(text)], text


def test_rows_found_from_their_first_digit_match_a_full_scan() -> None:
    rng = random.Random(12)
    pieces = ["808.1", " | ", "692.98", "86%", "1,250", "5", ".", ",", "O", "％", " ", "\t", "\n", "预算", "12", "3.5"]
    checked = 0
    for _ in range(3000):
        nums = ["808.1", "692.98", "1,250", "5", "12", "3.5", "86"]
        row = "".join(n + rng.choice([" | ", " ", "\t", "|", ""]) for n in rng.sample(nums, 3)).rstrip("| \t") + "%"
        text = _random_text(rng, pieces, 8) + row * rng.randint(0, 2) + _random_text(rng, pieces, 8)
        full = [(m.span(), m.groupdict()) for m in TRIPLE.finditer(text)]
        checked += bool(full)
        assert [(m.span(), m.groupdict()) for m in finditer_from(TRIPLE, text, r"\d")] == full, text
        quads = [(m.span(), m.groupdict()) for m in _QUAD.finditer(text + " | 7.5%")]
        assert [(m.span(), m.groupdict()) for m in finditer_from(_QUAD, text + " | 7.5%", r"\d")] == quads, text
    assert checked > 500


def test_form_titles_found_before_each_biao_match_a_full_scan() -> None:
    rng = random.Random(2)
    pieces = ["项目支出", "绩效", "自评表", "自评", "表", "（", "）", "(", "部门整体", "，", "\n", "2023年", "评价表"]
    checked = 0
    for _ in range(2000):
        text = _random_text(rng, pieces, 20)
        full = [m.span() for m in _FORM_TITLE.finditer(text)]
        checked += bool(full)
        assert [m.span() for m in finditer_anchored(_FORM_TITLE, text, "表", 32, 33)] == full, text
    assert checked > 200


@pytest.mark.parametrize(
    ("pattern", "first", "pieces"),
    [
        (
            _LEFTOVER,
            "[尚暂未结剩余]",
            ["尚未", "支出", "不存在", "结转", "结余", "无", "没有", "资金", "下年", "12万元", "，", "未"],
        ),
        (
            _GARBLED,
            _GARBLED_FIRST,
            ["中共中央", "县委", "河北", "人民政府", "局", "部门", " ", "\n", "|", "省", "委员会"],
        ),
        (_OPENER, _OPENER_FIRST, ["（", "其中", "分别", "为", "用于", "包括", "：", "80万元", "主要", "(", "，"]),
        (_ITEM, _ITEM_FIRST, ["1.", "2、", "（3）", "一是", "十二、", "。", "；", " ", "\n", "4.5", "资金", ":"]),
        (_ITEM_MARK, _ITEM_MARK_FIRST, ["1.", "2、", "二是", "三、", "。", "，", " ", "\n", "4.5", "资金", "：", "12"]),
    ],
    ids=["leftover", "garbled", "opener", "duplicates-item", "goals-item"],
)
def test_patterns_found_from_their_first_character_match_a_full_scan(
    pattern: re.Pattern[str], first: str, pieces: list[str]
) -> None:
    rng = random.Random(21)
    checked = 0
    for _ in range(1500):
        text = _random_text(rng, pieces, 24)
        lo = rng.randint(0, len(text))
        hi = rng.randint(lo, len(text))
        full = [(m.span(), m.groups()) for m in pattern.finditer(text)]
        checked += bool(full)
        assert [(m.span(), m.groups()) for m in finditer_from(pattern, text, first)] == full, text
        bounded = [(m.span(), m.groups()) for m in pattern.finditer(text, lo, hi)]
        assert [(m.span(), m.groups()) for m in finditer_from(pattern, text, first, lo, hi)] == bounded, (text, lo, hi)
    assert checked > 300


@pytest.mark.parametrize(
    ("pattern", "seps", "pieces"),
    [
        (
            _PROSE_ITEM,
            "[。；\n]",
            ["城乡低保资金", "项目", "全年", "预算", "（一）", "1、", "2023年", "。", "；", "\n", "部分", "，"],
        ),
        (
            _TABLE_FORM_TITLE,
            r"[\s|]",
            ["项目支出", "绩效", "自评表", "评价表", "（2023年度）", " ", "\n", "|", "。", "表", "\t"],
        ),
    ],
    ids=["prose-item", "table-form-title"],
)
def test_patterns_found_after_their_separators_match_a_full_scan(
    pattern: re.Pattern[str], seps: str, pieces: list[str]
) -> None:
    rng = random.Random(17)
    checked = 0
    for _ in range(1500):
        text = _random_text(rng, pieces, 20)
        full = [(m.span(), m.groups()) for m in pattern.finditer(text)]
        checked += bool(full)
        assert [(m.span(), m.groups()) for m in finditer_after(pattern, text, seps)] == full, text
    assert checked > 100
