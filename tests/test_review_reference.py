"""The quality bar on the published reference report: what a careful human reviewer marks with a pen."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.checks.finding import Finding
from assistant.reviewing import Review, review_document
from assistant.reviewing import review as run_review
from assistant.text.document import document_from_text

FIXTURE = Path(__file__).parents[1] / "eval_cases" / "reports" / "kunming-2023-self-evaluation.txt"
EXAMPLE = Path(__file__).parents[1] / "examples" / "kunming-2023.yaml"


@pytest.fixture(scope="module")
def review() -> Review:
    return run_review(FIXTURE)


def having(review: Review, category: str, text: str) -> list[Finding]:
    return [f for f in review.findings if f.category == category and text in f.quote]


def test_every_quote_is_the_text_at_its_offsets(review: Review) -> None:
    assert review.findings
    assert all(review.text[f.start : f.end] == f.quote for f in review.findings)


def test_total_that_its_parts_do_not_add_up_to(review: Review) -> None:
    found = having(review, "arithmetic", "3240.79万元")
    assert found and "3270.79万元" in found[0].message
    assert found[0].section and "部门整体收支情况" in found[0].section


def test_years_carried_over_from_earlier_reports(review: Review) -> None:
    stale = [f.quote for f in review.findings if f.category == "stale_date"]
    assert "2021年" in stale  # 上报2021年拟开展重点绩效运行跟踪监控项目, in a 2023 report
    assert "2022年" in stale  # 2022年申报项目金额25万元
    assert "2007年6月" not in " ".join(stale)  # 自2007年6月起 is history, not a stale year


def test_unfilled_placeholder(review: Review) -> None:
    assert having(review, "placeholder", "100X")


def test_doubled_phrase(review: Review) -> None:
    assert [f for f in review.findings if "并分为并分为" in f.quote or f.quote == "并分为"]


def test_conflicting_amounts_for_one_project(review: Review) -> None:
    found = having(review, "contradiction", "25万元")
    assert any("14.14万元" in f.message for f in found)


def test_equal_amounts_in_different_units_are_not_a_contradiction(review: Review) -> None:
    # 财政最终给予支持额度250000元 and 市财政安排资金25万元 are the same budget.
    budget_conflicts = [f for f in review.findings if f.rule == "items.conflicting-amounts" and "预算" in f.message]
    assert budget_conflicts == []
    assert not having(review, "contradiction", "250000元")
    assert not having(review, "contradiction", "5650000元")


def test_claim_of_no_carryover_contradicted_by_underspending(review: Review) -> None:
    found = having(review, "contradiction", "不存在结转结余")
    assert found and "14.14万元" in found[0].message


def test_boilerplate_claims_without_figures(review: Review) -> None:
    assert having(review, "vague_wording", "取得良好成效")


def test_quantified_target_without_actual(review: Review) -> None:
    assert having(review, "missing_value", "10200人（户）")


def test_copied_columns_are_flagged(review: Review) -> None:
    copies = [f for f in review.findings if f.category == "duplicate_text"]
    assert any("我单位资产属于工会资产" in f.quote for f in copies)
    assert all(f.section for f in copies)


def test_clean_paragraph_yields_no_finding() -> None:
    text = (
        "一、部门基本情况\n"
        "（三）部门整体收支情况\n"
        "2024年部门年初预算1250.60万元，其中：基本支出830.40万元，项目支出420.20万元。"
        "全年执行1198.32万元，预算执行率95.82%。\n"
        "（四）项目实施情况\n"
        "学生资助项目全年资助家庭经济困难学生3260人次，发放资助资金486.50万元，资助对象认定准确率100%，"
        "较上年增加资助212人次；营养改善计划覆盖农村义务教育学生12850人，供餐天数198天。\n"
    )
    found = review_document(document_from_text(text)).findings
    assert found == [], [(f.rule, f.quote) for f in found]


def test_review_with_data_finds_the_same_project_conflict() -> None:
    review = run_review(FIXTURE, data=EXAMPLE)
    assert any(f.category == "contradiction" and f.quote == "25万元" for f in review.findings)
