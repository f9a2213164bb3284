"""Document slips in the outline: heading numbers, unnumbered headings, unwritten lists, cover fields, unclosed
brackets, grades without scores, form prompts left in place."""

from __future__ import annotations

import random
import re

import pytest
from rule_examples import assert_example_and_counter_example, findings, rules_of_family

from assistant.checks.registry import Rule
from assistant.text.document import document_from_text


@pytest.mark.parametrize(
    "r",
    rules_of_family("structure.", "punct.unclosed", "scores.", "placeholder.form-instruction"),
    ids=lambda r: r.id,
)
def test_rule_example_fires_and_counter_example_does_not(r: Rule) -> None:
    assert_example_and_counter_example(r)


@pytest.mark.parametrize(
    ("outline", "missing"),
    [
        ("一、基本情况\n1.产出指标\n3.效益指标\n", "2."),
        ("一、基本情况\n1.资金到位情况\n（3）时效指标\n", "（1）"),
        ("一、基本情况\n二、绩效情况\n四、存在问题\n", "三、"),
    ],
)
def test_a_lost_heading_number_is_named(outline: str, missing: str) -> None:
    found = findings(outline + "内容。\n", "structure.heading-sequence")
    assert found and missing in found[0].message


def test_numbers_written_inline_are_not_lost() -> None:
    text = "一、基本情况\n1.产出指标\n全年培训200人次。2.质量指标合格率98%。\n3.效益指标\n受益群众5000人。\n"
    assert findings(text, "structure.heading-sequence") == []


def test_unnumbered_heading_and_table_titles() -> None:
    text = "一、项目概况\n预算80万元。\n资金使用情况分析\n支出76万元。\n三、问题\n无。\n"
    assert [f.quote for f in findings(text, "structure.unnumbered-heading")] == ["资金使用情况分析"]
    fine = "一、项目概况\n预算80万元。\n项目支出绩效自评表\n支出76万元。\n三、问题\n无。\n"
    assert findings(fine, "structure.unnumbered-heading") == []


@pytest.mark.parametrize("intro", ["年度绩效目标如下：", "主要做法有：", "存在的问题如下："])
def test_list_announced_and_not_written(intro: str) -> None:
    text = f"一、基本情况\n（一）概况\n{intro}\n（二）资金情况\n预算80万元。\n"
    assert findings(text, "structure.list-not-written")
    written = f"一、基本情况\n（一）概况\n{intro}\n1.完成培训200人次。\n（二）资金情况\n预算80万元。\n"
    assert findings(written, "structure.list-not-written") == []


def test_report_intro_before_the_first_section_is_fine() -> None:
    assert findings("现将自评情况报告如下：\n一、基本情况\n预算80万元。\n", "structure.list-not-written") == []


@pytest.mark.parametrize("opener", ["（", "〔", "《"])
def test_unclosed_brackets(opener: str) -> None:
    text = f"依据某财预{opener}2023 12号文件，下达资金80万元。\n二、其他\n"
    assert findings(text, "punct.unclosed-bracket")


def test_enumeration_markers_and_brackets_closed_on_the_next_line_are_fine() -> None:
    text = "（1）培训200人次（含线上\n120人次），合格率98%。\n二、其他\n"
    assert findings(text, "punct.unclosed-bracket") == []


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("部门整体支出及三个专项的自评结果均为良好。", True),
        ("经自评，该项目绩效等级为“优”。", True),
        ("项目自评得分96分，评价等级为优秀。", False),
        ("评价等级分为优、良、中、差四个档次。", False),
    ],
)
def test_grade_without_score(text: str, flagged: bool) -> None:
    assert bool(findings(text, "scores.grade-without-score")) is flagged


@pytest.mark.parametrize(
    "prompt",
    [
        "简要说明项目年度目标的实现程度。（限150字）",
        "请结合绩效指标完成情况分析偏差原因(200字以内)",
        "对照年初绩效目标，逐项说明完成情况（不超过100字）",
    ],
)
def test_form_prompts_left_in_cells(prompt: str) -> None:
    assert findings(f"年度目标完成情况 | {prompt} |", "placeholder.form-instruction")


def test_printed_form_note_with_a_formula_is_not_a_prompt() -> None:
    note = "原因 | 1.执行率=执行数/全年预算数，低于90%的应写明原因(100字以内) |"
    assert findings(note, "placeholder.form-instruction") == []


def _unclosed_by_walking(line: str) -> list[int]:
    """The straightforward reading: every character visited, brackets matched on a stack."""
    stack: list[tuple[str, int]] = []
    unclosed: list[tuple[str, int]] = []
    for j, ch in enumerate(line):
        if ch in "（(〔《【[":
            stack.append((ch, j))
        elif ch in "）)〕》】]":
            want = "（(〔《【["["）)〕》】]".index(ch)]
            for k in range(len(stack) - 1, -1, -1):
                if stack[k][0] == want or {stack[k][0], want} <= {"（", "("}:
                    unclosed.extend(stack[k + 1 :])
                    del stack[k:]
                    break
    return sorted(j for _, j in unclosed + stack)


_ENUMERATION = re.compile(r"[（(](?:\d{1,2}|[一二三四五六七八九十]{1,2})[）)]")


def test_unclosed_brackets_found_by_jumping_between_brackets_match_a_character_walk() -> None:
    rng = random.Random(7)
    pieces = ["（", "）", "(", ")", "〔", "〕", "《", "》", "【", "】", "[", "]", "资金", "下达", "80万元", "，"]
    # whole pairs too, so many lines close every bracket at once (the lines the rule passes over unwalked)
    pieces += ["（万元）", "《办法》", "(a)", "【注】", "〔2024〕", "[1]", "（）"] * 2
    checked = 0
    for _ in range(300):
        line = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 14))) + "。"
        text = document_from_text(f"一、情况\n{line}\n二、其他\n").text  # the rule reads the normalised text
        lines = text.split("\n")
        if len(lines) < 3 or lines[2] != "二、其他":
            continue  # normalising joined the lines: not the case under test
        checked += 1
        body = len(lines[0]) + 1
        found = findings(text, "punct.unclosed-bracket")
        expected = [j for j in _unclosed_by_walking(lines[1]) if not _ENUMERATION.match(lines[1], j)]
        assert sorted(f.start - body for f in found) == expected, lines[1]
    assert checked > 100


def test_paragraphs_searched_for_openers_are_those_holding_one() -> None:
    from assistant.checks.registry import Context
    from assistant.checks.structure import _with_opener, paragraphs

    rng = random.Random(3)
    pieces = ["（", "）", "《", "》", "[", "〔", "【", "(", "资金", "下达", "\n", "\n\n", " ", "一、情况\n"]
    for _ in range(500):
        ctx = Context(doc=document_from_text("".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))))
        text, lines = ctx.text, paragraphs(ctx)
        plain = [i for i, (s, e) in enumerate(lines[:-1]) if any(ch in "（(〔《【[" for ch in text[s:e])]
        assert list(_with_opener(ctx, lines)) == plain, text
