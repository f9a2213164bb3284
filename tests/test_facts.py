"""FactSheet: derived figures computed exactly, and written figures matched with units and precision."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from assistant.budget.facts import build_facts
from assistant.budget.models import ReportData


def make(**overrides: Any) -> ReportData:
    raw: dict[str, Any] = {
        "year": 2023,
        "department": {"name": "某市总工会"},
        "budget": {
            "initial_by_source": [{"source": "财政拨款", "amount": "3240.79"}],
            "adjustments": [{"kind": "调增", "amount": "119.2", "reason": "追加送温暖资金"}],
            "basic": "2552.45",
            "project": "718.34",
            "executed": "3300",
        },
        "projects": [
            {
                "name": "农民工维权中心专项资金",
                "total_budget": "25",
                "executed": "14.14",
                "counts": [{"label": "慰问人数", "value": 5500, "unit": "人（户）"}],
                "indicators": [
                    {
                        "level1": "产出指标",
                        "name": "慰问救助人数",
                        "comparator": "≥",
                        "target": 5500,
                        "unit": "人（户）",
                        "actual": 5000,
                        "weight": 50,
                        "score": 50,
                    },
                    {
                        "level1": "效益指标",
                        "name": "补助覆盖率",
                        "comparator": "≥",
                        "target": 100,
                        "unit": "%",
                        "actual": 100,
                        "weight": 30,
                        "score": 30,
                    },
                    {
                        "level1": "满意度指标",
                        "name": "服务对象满意度",
                        "comparator": "≥",
                        "target": 90,
                        "unit": "%",
                        "actual": 95,
                        "weight": 10,
                        "score": 10,
                    },
                ],
                "self_score": 96,
                "grade": "优",
            },
            {"name": "送温暖专项资金", "total_budget": "565", "executed": "5650000元"},
        ],
    }
    raw.update(overrides)
    return ReportData.model_validate(raw)


def test_full_year_budget_is_initial_plus_adjustments() -> None:
    sheet = build_facts(make())
    assert sheet["budget.total_calc"].value == Decimal("3359.99")
    assert sheet["budget.total_calc"].unit == "万元"


def test_execution_rate_is_exact_and_written_to_two_places() -> None:
    sheet = build_facts(make())
    rate = sheet["p1.execution_rate_calc"]
    assert rate.value == Decimal("56.56")
    assert rate.written() == "56.56%"
    assert sheet["p1.balance_calc"].written() == "10.86万元"


def test_amounts_in_different_units_are_one_fact() -> None:
    sheet = build_facts(make())
    executed = sheet["p2.executed"]
    assert executed.unit == "元"
    assert "565万元" in executed.forms()
    matched = {f.id for f in sheet.match(Decimal(565), "万元", 0)}
    assert {"p2.executed", "p2.total_budget"} <= matched


def test_written_figure_matches_at_the_precision_written() -> None:
    sheet = build_facts(make())
    assert "p1.execution_rate_calc" in {f.id for f in sheet.match(Decimal("56.6"), "%", 1)}
    assert "p1.execution_rate_calc" in {f.id for f in sheet.match(Decimal("56.56"), "%", 2)}
    assert "p1.execution_rate_calc" not in {f.id for f in sheet.match(Decimal("56.57"), "%", 2)}


def test_money_does_not_match_a_count_with_the_same_digits() -> None:
    sheet = build_facts(make())
    assert all(f.dimension == "money" for f in sheet.match(Decimal(5500), "元", 0))
    assert {f.id for f in sheet.match(Decimal(5500), "人（户）", 0)} >= {"p1.c1", "p1.i1.target"}


def test_unknown_figure_matches_nothing() -> None:
    sheet = build_facts(make())
    assert sheet.match(Decimal("123.45"), "万元", 2) == []


def test_per_person_amount_is_derived_from_counts() -> None:
    sheet = build_facts(make())
    per = sheet["p1.c1.per_calc"]
    assert per.unit == "元"
    assert per.written() == "25.71元"  # 141400 元 / 5500 人（户）


def test_indicator_completion_and_score_follow_the_usual_rules() -> None:
    sheet = build_facts(make())
    assert sheet["p1.i1.completion_calc"].written() == "90.91%"
    assert sheet["p1.i1.score_calc"].written() == "45.45分"  # 5000/5500 × 50
    assert sheet["p1.i3.score_calc"].value == Decimal(10)  # met a ≥ target: full weight
    # 执行率 56.56% × 10 + 45.45 + 30 + 10
    assert sheet["p1.score_calc"].written() == "91.11分"
    assert any(n.id == "p1.grade_calc" and n.text == "优" for n in sheet.notes)


def test_totals_over_projects() -> None:
    sheet = build_facts(make())
    assert sheet["projects.total_budget_sum"].value == Decimal(590)
    assert sheet["projects.executed_sum"].written() == "579.14万元"


def test_fact_ids_are_stable_across_builds() -> None:
    assert [f.id for f in build_facts(make())] == [f.id for f in build_facts(make())]
