"""``assistant check``'s inconsistency rules on small, targeted data."""

from __future__ import annotations

from typing import Any

from assistant.budget.consistency import check_data
from assistant.budget.facts import build_facts
from assistant.budget.models import ReportData


def codes(raw: dict[str, Any]) -> list[str]:
    base: dict[str, Any] = {"year": 2024, "department": {"name": "某部门"}}
    base.update(raw)
    return [i.code for i in check_data(build_facts(ReportData.model_validate(base)))]


def test_consistent_budget_has_no_issues() -> None:
    assert codes({"budget": {"total": 100, "basic": 60, "project": 40, "executed": 95}}) == []


def test_parts_that_do_not_add_up_to_the_total() -> None:
    assert "parts-total" in codes({"budget": {"expenditure_total": 3240.79, "basic": 2552.45, "project": 718.34}})


def test_equal_amounts_in_other_units_are_not_a_mismatch() -> None:
    assert codes({"budget": {"total": "25万元", "basic": "150000元", "project": 10, "executed": "250000元"}}) == []


def test_spending_above_budget() -> None:
    assert "over-budget" in codes({"projects": [{"name": "A", "total_budget": 10, "executed": 12}]})


def test_stated_rate_that_disagrees_with_its_amounts() -> None:
    project = {
        "name": "A",
        "total_budget": 25,
        "executed": 14.14,
        "execution_rate": "100%",
        "low_execution_reason": "部分活动延期",
    }
    assert codes({"projects": [project]}) == ["rate-mismatch"]


def test_stated_rate_at_lower_precision_is_accepted() -> None:
    project = {"name": "A", "total_budget": 25, "executed": 24, "execution_rate": 96}
    assert codes({"projects": [project]}) == []


def test_low_execution_without_a_reason() -> None:
    assert "low-execution-no-reason" in codes({"projects": [{"name": "A", "total_budget": 25, "executed": 14.14}]})


def test_adjustment_without_a_reason() -> None:
    assert "adjustment-no-reason" in codes({"budget": {"adjustments": [{"kind": "调增", "amount": 119.2}]}})
    assert "adjustment-no-reason" in codes(
        {"projects": [{"name": "A", "initial_budget": 20, "total_budget": 25, "executed": 25}]}
    )


def test_target_without_actual_and_score_above_weight() -> None:
    ind = {
        "level1": "产出指标",
        "name": "培训人次",
        "comparator": "≥",
        "target": 500,
        "unit": "人次",
        "weight": 20,
        "score": 25,
    }
    found = codes({"projects": [{"name": "A", "indicators": [ind]}]})
    assert "target-no-actual" in found
    assert "score-over-weight" in found


def test_weights_that_do_not_add_up() -> None:
    inds = [
        {"level1": "产出指标", "name": "x", "comparator": "≥", "target": 1, "unit": "个", "actual": 1, "weight": 50},
        {"level1": "效益指标", "name": "y", "comparator": "≥", "target": 1, "unit": "个", "actual": 1, "weight": 30},
        {"level1": "满意度指标", "name": "z", "comparator": "≥", "target": 90, "unit": "%", "actual": 95, "weight": 5},
    ]
    found = codes({"projects": [{"name": "A", "indicators": inds}]})
    assert "weights-total" in found
    assert "level-weights" in found


def test_score_that_does_not_match_its_grade() -> None:
    assert codes({"self_assessment": {"score": 88, "grade": "优"}}) == ["grade-mismatch"]
    assert codes({"self_assessment": {"score": 92, "grade": "优"}}) == []
