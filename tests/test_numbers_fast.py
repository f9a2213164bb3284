"""The figure reader's shortcuts change nothing: with every first-character gate opened (each check then runs
at every number, as the plain reader did) it reads the same mentions, and the mentions it builds without
pydantic's validation equal validated ones."""

from __future__ import annotations

from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from assistant.text import numbers
from assistant.text.numbers import NumberMention, find_numbers


class _Everything:
    """A set that holds every character: a gate built on it lets every number through to the full check."""

    def __contains__(self, _: object) -> bool:
        return True


_OPEN = _Everything()
_GATES = ("_UNIT_OPENERS", "_AFTER_OPENERS", "_BEFORE_OPENERS", "_REFERENCE_LAST")

# Pieces of report prose that exercise every branch of the reader when strung together at random.
_PIECES = [
    "0", "3", "12", "2023", "1950", "3.5", "14.14", "1,234", "1,234.56", "1.2.3", "-5", "-", "—", "~", "至", "到",
    "万", "亿", "元", "万元", "亿元", "%", "％", "个", "人", "项", "次", "年", "月", "日", "号", "分", "角", "余", "多",
    "约", "近", "将近", "大约", "左右", "以上", "及以下", "以内", "内", "不低于", "达到", "达", "下达", "超过", "不足",
    "≥", "<=", "负", "百分之", "百分之九十", "百分之五点五", "百分百", "一", "二", "十", "百", "千", "两", "零", "〇",
    "二〇二三", "三十", "一百二十", "一万二", "壹佰元伍角陆分", "叁拾元整", "5元3角", "5元3分析", "贰", "拾", "佰",
    "共", "共计", "合计", "第", "附件", "表", "（", "）", "(", ")", "、", ".", "。", "，", ",", "：", "\n", " ", "\u3000",
    "《", "》", "〔", "〕", "5G", "PM", "A", "项目", "人员", "性", "统", "每", "度", "份", "分析", "百分点", "个百分点",
    "０", "１", "５", "．", "－", "～", "＞", "≧", "万\n元", "50万 ", "十分", "次性", "公", "中", "一户一策",
    "2023-05-06", "2023.5.6", "35. 3万元", "1. 5万元", "1、", "(1)", "季度", "年内", "天内", "5天", "个月",
]  # fmt: skip
texts = st.lists(st.sampled_from(_PIECES), max_size=24).map("".join)


def _as_tuples(found: list[NumberMention]) -> list[tuple[object, ...]]:
    return [(n.start, n.end, n.raw, n.value, str(n.value), n.unit, n.kind, n.comparator, n.decimals, n.approximate) for n in found]  # fmt: skip


def _read_plainly(text: str) -> list[NumberMention]:
    with mock.patch.multiple(numbers, **{gate: _OPEN for gate in _GATES}):
        return find_numbers(text)


EDGE_CASES = [
    "全年预算数240万元，执行数235.2万元，执行率98.00%。",
    "补助资金壹佰元伍角陆分，另付叁拾元整。",
    "增长率为负5%，负增长百分之二。",
    "满意度约95%，近三年累计不低于１２０人次，大约3.5万人左右。",
    "投资二十万元、五亿元，共三个项目，合计十二项。",
    "第3季度完成附件1所列的5个项目，表2中的10号楼。",
    "“1. 5万元用于培训”，单价35. 3万元。",
    "2021-2025年，3-5万元，三至五个，二〇二三年五月，2023年5月6日。",
    "3年内建成，5个工作日内办结，两个月之内完成。",
]


@settings(max_examples=1500, deadline=None)
@given(texts)
def test_gated_reader_reads_what_the_plain_reader_reads(text: str) -> None:
    assert _as_tuples(find_numbers(text)) == _as_tuples(_read_plainly(text))


@pytest.mark.parametrize("text", EDGE_CASES)
def test_gated_reader_agrees_on_written_edge_cases(text: str) -> None:
    found = find_numbers(text)
    assert found, text
    assert _as_tuples(found) == _as_tuples(_read_plainly(text))


@settings(max_examples=400, deadline=None)
@given(texts)
def test_mentions_equal_validated_models(text: str) -> None:
    for n in find_numbers(text):
        validated = NumberMention.model_validate(n.model_dump())
        assert validated == n and n == validated
        assert hash(validated) == hash(n) and repr(validated) == repr(n)
        assert validated.model_dump_json() == n.model_dump_json()
        assert validated.model_fields_set == n.model_fields_set


def test_built_mentions_stay_frozen_and_copyable() -> None:
    n = find_numbers("执行数235.2万元")[0]
    with pytest.raises(ValidationError):  # a frozen instance
        n.unit = "元"  # type: ignore[misc]
    assert n.model_copy(update={"unit": "元"}).unit == "元"
    assert n.unit == "万元"


def _match_unit_plainly(t: str, p: int) -> tuple[str, int] | None:
    """The unit at ``p`` by a walk through the units starting with that character, longest first."""
    if p >= len(t):
        return None
    for u in numbers._UNITS_BY_FIRST.get(t[p], ()):
        if t.startswith(u, p):
            k = p + len(u)
            if k < len(t) and t[k] in numbers._NOT_UNIT_BEFORE.get(u, ""):
                continue
            return numbers._UNIT_ALIASES.get(u, u), k
    return None


_UNIT_PIECES = [
    *(u for units in numbers._UNITS_BY_FIRST.values() for u in units),
    *numbers._NOT_UNIT_BEFORE.values(),
    "员", "目", "性", "析", "钟", "5", " ", "\n",
]  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_UNIT_PIECES), min_size=1, max_size=6).map("".join))
def test_unit_pattern_takes_the_unit_the_walk_takes(text: str) -> None:
    for p in range(len(text) + 1):
        assert numbers._match_unit(text, p) == _match_unit_plainly(text, p)
