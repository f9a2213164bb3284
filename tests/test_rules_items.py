"""Same-item amounts across the document: projects, funds and funding tiers, with units converted."""

from __future__ import annotations

import pytest

from assistant.checks.finding import Finding
from assistant.checks.items import conflicting_amounts
from assistant.checks.registry import Context, all_rules
from assistant.text.document import document_from_text


def conflicts(text: str) -> list[Finding]:
    return list(conflicting_amounts(Context(doc=document_from_text(text))))


@pytest.mark.parametrize(
    ("first", "later"),
    [
        ("中央补助资金320万元", "中央补助资金300万元"),
        ("省级配套资金80万元", "省级资金85万元"),
        ("市级财政安排资金45万元", "市财政安排资金54万元"),
        ("本级资金12.5万元", "本级资金125万元"),
    ],
)
def test_a_funding_tier_with_two_amounts(first: str, later: str) -> None:
    text = f"一、资金情况\n本项目{first}，已下达。\n三、执行情况\n{later}已下达。\n"
    found = conflicts(text)
    assert len(found) == 1 and found[0].severity == "error"
    assert found[0].quote in later


@pytest.mark.parametrize(
    ("first", "later"),
    [
        ("中央补助资金320万元", "中央补助资金3200000元"),
        ("省级配套资金80万元", "省级配套资金0.008亿元"),
        ("本级资金12.5万元", "本级资金125000元"),
    ],
)
def test_the_same_amount_in_other_units_is_not_a_conflict(first: str, later: str) -> None:
    assert conflicts(f"一、资金情况\n本项目{first}，已下达。\n三、执行情况\n{later}已下达。\n") == []


@pytest.mark.parametrize(
    "text",
    [
        # a comparison with last year names two amounts of one tier on purpose
        "本年中央资金320万元，已下达。\n中央资金较上年增加20万元，上年中央资金300万元。",
        # budget and spending of one tier are different attributes
        "中央资金预算320万元。\n中央资金实际支出300万元。",
        # two figures in one sentence are compared by the writer, not contradicted
        "中央资金320万元，其中第一批中央资金200万元。",
    ],
)
def test_comparisons_and_other_attributes_are_not_conflicts(text: str) -> None:
    assert conflicts(text) == []


def test_two_projects_each_with_their_own_tier_amounts() -> None:
    text = "乡村道路项目支出绩效自评表\n中央补助资金320万元。\n饮水安全项目支出绩效自评表\n中央补助资金150万元。\n"
    assert conflicts(text) == []


def test_a_named_project_with_two_spending_amounts() -> None:
    text = (
        "（一）农村饮水安全巩固提升项目全年预算80万元，实际支出72万元。\n"
        "（二）项目成效\n农村饮水安全巩固提升项目实际支出76万元，新建管网12公里。\n"
    )
    found = conflicts(text)
    assert found and "72万元" in found[0].message and found[0].quote == "76万元"


def test_the_rule_declares_example_and_counter_example() -> None:
    (r,) = [r for r in all_rules() if r.id == "items.conflicting-amounts"]
    assert conflicts(r.example) and not conflicts(r.counter_example)


@pytest.mark.parametrize(
    ("first", "later"),
    [
        ("农机购置补贴资金62万元", "农机购置补贴资金66万元"),
        ("安排困难职工帮扶资金120万元", "下达困难职工帮扶资金102万元"),
        # the same fund named two ways
        ("教育专项工作经费16.2万元", "教育工作经费项目财政资金16.8万元"),
    ],
)
def test_a_named_fund_with_two_amounts(first: str, later: str) -> None:
    text = f"一、基本情况\n2024年{first}。\n二、执行情况\n2024年{later}。\n"
    found = conflicts(text)
    assert len(found) == 1 and found[0].quote in later


@pytest.mark.parametrize(
    "text",
    [
        # another year's figure for the same fund
        "2023年农机购置补贴资金62万元。\n2024年农机购置补贴资金66万元。",
        # generic labels name no particular fund
        "专项资金62万元。\n专项资金66万元。",
        # one amount restated in 元
        "农机购置补贴资金62万元。\n农机购置补贴资金620000元。",
    ],
)
def test_named_funds_that_do_not_conflict(text: str) -> None:
    assert conflicts(text) == []
