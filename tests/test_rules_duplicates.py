"""Text written twice: copied passages (anchored on their heading), restated clauses, doubled verbs, repetition
pack rules (其中包括, 项目（一期）项目, 等……等)."""

from __future__ import annotations

import random

import pytest
from rule_examples import assert_example_and_counter_example, findings, rules_of_family

from assistant.checks.duplicates import _CLAUSE, _LONG_CLAUSE, _NOT_BLANK, MIN_CHARS, _heading_start
from assistant.checks.registry import CheckConfig, Context, Rule
from assistant.text.document import document_from_text


@pytest.mark.parametrize("r", rules_of_family("duplicates.", "repetition."), ids=lambda r: r.id)
def test_rule_example_fires_and_counter_example_does_not(r: Rule) -> None:
    assert_example_and_counter_example(r)


def test_a_copy_that_is_the_whole_subsection_is_anchored_on_its_heading() -> None:
    sentence = "2023年共下达耕地保护补助资金48万元，上年结余3.2万元。"
    text = f"一、资金情况\n{sentence}\n（一）资金到位情况\n{sentence}\n（二）执行情况\n支出13.6万元。\n"
    found = findings(text, "duplicates.copied-passage")
    assert len(found) == 1 and found[0].quote.startswith("（一）资金到位情况")


def test_repeated_header_rows_and_short_not_applicable_notes_are_not_copies() -> None:
    header = "一级指标 | 二级指标 | 三级指标 | 指标值 | 完成值 | 权重 | 得分 |"
    na = "本单位无政府采购，此项不适用。"
    text = f"{header}\n产出指标 | 数量 | 培训人次 | 200 | 210 | 10 | 10 |\n{header}\n{na}\n{na}\n"
    assert findings(text, "duplicates.copied-passage") == []


def test_a_clause_longer_than_twelve_characters_repeated_elsewhere_is_a_copy() -> None:
    text = "一、概况\n本年度完成全县中小学校舍安全排查。\n二、绩效\n本年度完成全县中小学校舍安全排查。\n"
    assert findings(text, "duplicates.copied-passage")


def test_restatement_counts_only_within_one_item() -> None:
    same_item = "1、校舍维修：2023年全年实际支付资金35.3万元，维修屋面500平方米，2023年全年已实际支付资金35.3万元。"
    two_items = "1、校舍维修：2023年全年实际支付资金20万元。2、围墙改造：2023年全年实际支付资金20万元。"
    assert findings(same_item, "duplicates.restated-clause")
    assert findings(two_items, "duplicates.restated-clause") == []


@pytest.mark.parametrize("verb", ["指导", "协调", "监督", "组织"])
def test_doubled_duty_verbs(verb: str) -> None:
    assert findings(f"负责全市项目的{verb}和审核{verb}推进重点工程建设。", "duplicates.doubled-verb")


def test_nouns_repeated_around_a_conjunction_are_not_doubled_verbs() -> None:
    assert findings("加强城市管理和综合管理，推进指导工作。", "duplicates.doubled-verb") == []


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("改造工程（二期）工程已完工。", True),
        ("完成率(%)完成率分值", False),
        ("路灯、绿化等附属设施等。", True),
        ("坚持平等、公正等原则。", False),
        ("其中包含在编人员12人。", True),
    ],
)
def test_repetition_pack_rules(text: str, flagged: bool) -> None:
    rules = ("repetition.around-bracket", "repetition.double-deng", "repetition.redundant-pair")
    assert bool([f for f in findings(text) if f.rule in rules]) is flagged


def test_the_blank_test_agrees_with_strip_on_every_character() -> None:
    """_heading_start asks "only blanks between?" with a search for \\S instead of slicing and stripping."""
    assert all(chr(c).isspace() == (_NOT_BLANK.match(chr(c)) is None) for c in range(0x110000))


@pytest.mark.parametrize("seed", range(20))
def test_long_clause_search_finds_the_clauses_the_plain_split_keeps(seed: int) -> None:
    """The clauses compared are the plain split's clauses of MIN_CHARS characters or more, whatever the window."""
    rng = random.Random(seed)
    pieces = ["，", "。", "；", "\n", "：", "!", "资金", "已", "项目建设", "完成验收工作", "全年共支付工程款", "a b"]
    for _ in range(100):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        a = rng.randint(0, len(text))
        b = rng.randint(a, len(text))
        plain = [m.span() for m in _CLAUSE.finditer(text, a, b) if len(m.group()) >= MIN_CHARS]
        assert [m.span() for m in _LONG_CLAUSE.finditer(text, a, b)] == plain, (text, a, b)


def _heading_start_plain(ctx: Context, start: int) -> int:
    """The copy's anchor as first written: the section's heading when only blanks stand between it and the copy."""
    section = ctx.doc.section_at(start)
    if section is None:
        return start
    heading_end = ctx.text.find("\n", section.start)
    if 0 <= heading_end < start and not ctx.text[heading_end:start].strip():
        return section.start
    return start


@pytest.mark.parametrize("seed", range(10))
def test_the_heading_anchor_gate_agrees_with_the_plain_anchor_at_every_offset(seed: int) -> None:
    """A copy right after a non-blank character is never first under a heading: the gate skips the section
    look-up there, and gives the plain answer everywhere, headings and blank lines included."""
    rng = random.Random(seed)
    pieces = ["一、资金情况\n", "（二）执行情况\n", "1.项目进度\n", "\n", "\n\n", "  ", "\u3000", "。", "，",
              "全年下达资金80万元", "已全部支付", "a b"]  # fmt: skip
    anchored = 0
    for _ in range(30):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 25)))
        ctx = Context(doc=document_from_text(text), config=CheckConfig())
        for start in range(len(ctx.text) + 1):
            expected = _heading_start_plain(ctx, start)
            anchored += expected != start
            assert _heading_start(ctx, start) == expected, (text, start)
    assert anchored > 20  # the texts do hold copies first under their heading
