"""The sample data files in examples/: they load, and they say what they are meant to say.

kunming-2023.yaml is transcribed from a real published report and keeps that report's inconsistencies; the other
files are invented departments whose figures add up (except one documented slip) and follow the scoring rules.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from assistant.budget.loader import load_data
from assistant.budget.models import Money, Project, ReportData

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
DATA_FILES = sorted(p for p in EXAMPLES.iterdir() if p.suffix.lower() in (".yaml", ".yml", ".json", ".xlsx"))
INVENTED = [p for p in DATA_FILES if p.name != "kunming-2023.yaml"]
REFERENCE = ROOT / "eval_cases" / "reports" / "kunming-2023-self-evaluation.txt"  # the project's copy

CENT = Decimal("0.01")


def _wan(value: str) -> Decimal:
    return Money(value=Decimal(value), unit="万元").yuan


def _yuan(money: Money | None) -> Decimal:
    assert money is not None
    return money.yuan


def _r2(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def _grade(score: Decimal) -> str:
    return "优" if score >= 90 else "良" if score >= 80 else "中" if score >= 60 else "差"


def test_there_are_examples() -> None:
    names = {p.name for p in DATA_FILES}
    assert "kunming-2023.yaml" in names
    assert len(INVENTED) >= 2


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.name)
def test_example_loads(path: Path) -> None:
    data = load_data(path)
    assert isinstance(data, ReportData)
    assert data.department.name
    assert data.projects


# --- kunming-2023: the published report, figures as stated --------------------------------------------------------


@pytest.fixture(scope="module")
def kunming() -> ReportData:
    return load_data(EXAMPLES / "kunming-2023.yaml")


def _project(data: ReportData, name: str) -> Project:
    matches = [p for p in data.projects if p.name == name]
    assert len(matches) == 1, name
    return matches[0]


def test_kunming_budget_keeps_the_reports_figures(kunming: ReportData) -> None:
    b = kunming.budget
    assert kunming.year == 2023
    assert [(s.source, str(s.amount)) for s in b.initial_by_source] == [("财政拨款", "3240.79万元")]
    assert [(a.kind, str(a.amount), a.reason) for a in b.adjustments] == [("调增", "119.2万元", None)]
    assert str(b.expenditure_total) == "3240.79万元"
    assert str(b.basic) == "2552.45万元"
    assert str(b.project) == "718.34万元"
    # 散总不符, kept on purpose: 2552.45 + 718.34 = 3270.79 ≠ 3240.79.
    assert _yuan(b.basic) + _yuan(b.project) == _wan("3270.79")
    assert _yuan(b.basic) + _yuan(b.project) != _yuan(b.expenditure_total)
    # The report states no adjusted total, no execution figure and no score: nothing is derived into the file.
    assert b.total is None and b.executed is None and b.execution_rate is None
    assert kunming.self_assessment.score is None and kunming.self_assessment.grade is None


def test_kunming_projects(kunming: ReportData) -> None:
    assert [p.name for p in kunming.projects] == [
        "昆明市农民工维权中心专项资金",
        "昆明市总工会送温暖及节日慰问专项资金",
        "创业担保贷款补助资金",
        "市属困难企业困难职工生活补助资金",
        "昆明市总工会送温暖专项资金",
    ]
    weiquan = _project(kunming, "昆明市农民工维权中心专项资金")
    assert str(weiquan.total_budget) == "25万元"
    assert str(weiquan.executed) == "14.14万元"
    assert str(weiquan.initial_budget) == "250000元"  # written in 元 as the report does; the same amount as 25万元
    assert _yuan(weiquan.initial_budget) == _yuan(weiquan.total_budget)
    assert weiquan.execution_rate is None and weiquan.low_execution_reason is None  # the report gives neither
    target = next(i for i in weiquan.indicators if i.target is not None)
    assert (target.comparator, target.target, target.unit, target.actual) == ("≥", Decimal(5500), "人（户）", None)
    # the 对比 column contradicts the 14.14万元 actually spent; it stays as printed
    assert weiquan.comparison is not None and "项目支出金额25万元" in weiquan.comparison

    songwennuan = _project(kunming, "昆明市总工会送温暖专项资金")
    assert str(songwennuan.total_budget) == "565万元" and str(songwennuan.executed) == "565万元"
    assert _yuan(songwennuan.initial_budget) == Decimal(5650000)
    assert any(i.target == 10200 and i.unit == "人（户）" for i in songwennuan.indicators)

    butie = _project(kunming, "市属困难企业困难职工生活补助资金")
    assert str(butie.executed) == "20万元" and butie.total_budget is None
    assert [(c.value, c.unit) for c in butie.counts] == [(Decimal(250), "人次")]
    assert butie.measures is not None and "每人每月130元" in butie.measures

    assert str(_project(kunming, "创业担保贷款补助资金").executed) == "64.8万元"
    assert str(_project(kunming, "昆明市总工会送温暖及节日慰问专项资金").executed) == "50万元"
    # the five projects add to 724.8万元, not to the 718.34万元 of 项目支出 the report states
    spent = sum((_yuan(p.total_budget or p.executed) for p in kunming.projects), Decimal(0))
    assert spent == _wan("724.8") != _yuan(kunming.budget.project)


def test_kunming_department_and_tables(kunming: ReportData) -> None:
    dept = kunming.department
    assert dept.name == "昆明市总工会"
    assert len(dept.duties) == 13
    assert dept.duties[-1] == "承办市委、市政府和上级工会交办的其他工作。"
    assert dept.internal_units[:3] == ["办公室", "财资部", "老经部"]
    assert dept.internal_unit_count == 12
    assert dept.subordinate_units == ["昆明市总工会职工学校"]
    assert kunming.tasks.key == ["昆明市总工会送温暖专项资金"]
    assert len(kunming.tasks.routine) == 2

    rows = kunming.overall_table
    assert len(rows) == 15
    assert {r.level1 for r in rows} == {"履职效益明显", "预算配置科学", "预算执行有效", "预算管理规范"}
    assert "完成年初预算的100X%" in (rows[0].comparison or "")  # the printed typo is kept
    assert next(r for r in rows if r.task == "资产管理使用规范有效").level1 == "预算执行有效"  # as printed
    assert any("满意度达到90%" in (r.measures or "") for r in rows)
    assert kunming.other_notes == ["无其他需要说明的情况。"]


def test_kunming_narrative_is_verbatim(kunming: ReportData) -> None:
    """Every transcribed sentence occurs in the published report once the PDF line breaks are removed."""
    reference = re.sub(r"\s", "", REFERENCE.read_text(encoding="utf-8"))
    texts: list[str] = [*kunming.department.duties, *kunming.problems, *kunming.rectification]
    texts += [*kunming.results_use, *kunming.experience, *kunming.achievements, *kunming.other_notes]
    texts += [kunming.conclusion or "", kunming.evaluation.purpose or ""]
    texts += [t.split("：", 1)[1] for t in kunming.evaluation.process]
    for p in kunming.projects:
        texts += [p.measures or "", p.performance or "", p.comparison or "", p.note or ""]
    for r in kunming.overall_table:
        texts += [r.task, r.measures or "", r.performance or "", r.comparison or "", r.note or ""]
    missing = [t for t in texts if re.sub(r"\s", "", t) not in reference]
    assert not missing


# --- invented departments: consistent figures, scoring rules followed ----------------------------------------------


@pytest.mark.parametrize("path", INVENTED, ids=lambda p: p.name)
def test_invented_budget_adds_up(path: Path) -> None:
    data = load_data(path)
    b = data.budget
    assert sum((s.amount.yuan for s in b.initial_by_source), Decimal(0)) == _yuan(b.initial_total)
    assert _yuan(b.initial_total) + sum((a.signed for a in b.adjustments), Decimal(0)) == _yuan(b.total)
    assert all(a.reason for a in b.adjustments)
    assert _yuan(b.basic) + _yuan(b.project) == _yuan(b.executed)
    assert _yuan(b.total) - _yuan(b.executed) == _yuan(b.carryover)
    assert _r2(_yuan(b.executed) / _yuan(b.total) * 100) == b.execution_rate
    assert sum((_yuan(p.executed) for p in data.projects), Decimal(0)) == _yuan(b.project)
    stated_total = _yuan(b.expenditure_total)
    if path.name == "health-commission-2024.yaml":
        # the one deliberate slip: 27036.94 written as 27063.94 (documented in the file)
        assert stated_total - _yuan(b.executed) == _wan("27")
    else:
        assert stated_total == _yuan(b.executed)


@pytest.mark.parametrize("path", INVENTED, ids=lambda p: p.name)
def test_invented_projects_follow_the_scoring_rules(path: Path) -> None:
    data = load_data(path)
    assert 4 <= len(data.projects) <= 6
    for p in data.projects:
        rate = _yuan(p.executed) / _yuan(p.total_budget) * 100
        assert _r2(rate) == p.execution_rate, p.name
        if rate < 90:
            assert p.low_execution_reason, p.name
        if p.initial_budget is not None and _yuan(p.initial_budget) != _yuan(p.total_budget):
            assert p.adjustment_reason, p.name
        assert 4 <= len(p.indicators) <= 8, p.name
        weights: dict[str, Decimal] = {}
        total = _r2(min(rate, Decimal(100)) / 10)  # 预算执行率 10分
        for ind in p.indicators:
            assert ind.weight is not None and ind.score is not None
            assert ind.score <= ind.weight, (p.name, ind.name)
            weights[ind.level1] = weights.get(ind.level1, Decimal(0)) + ind.weight
            total += ind.score
            if ind.target is None:
                assert ind.target_text and ind.actual_text, (p.name, ind.name)
                continue
            assert ind.actual is not None and ind.comparator is not None
            if ind.comparator in ("≥", ">"):
                met = ind.actual >= ind.target
                expected = ind.weight if met else _r2(ind.actual / ind.target * ind.weight)
            elif ind.comparator in ("≤", "<"):
                met = ind.actual <= ind.target
                expected = ind.weight if met else _r2(ind.target / ind.actual * ind.weight)
            else:
                met = ind.actual == ind.target
                expected = ind.weight if met else _r2(ind.actual / ind.target * ind.weight)
            assert ind.score == expected, (p.name, ind.name)
            if not met:
                assert ind.deviation, (p.name, ind.name)
        assert weights == {"产出指标": 50, "效益指标": 30, "满意度指标": 10}, p.name
        assert total == p.self_score, p.name
        assert p.grade == _grade(total), p.name


@pytest.mark.parametrize("path", INVENTED, ids=lambda p: p.name)
def test_invented_overall_table_and_grade(path: Path) -> None:
    data = load_data(path)
    rows = data.overall_table
    assert sum((r.weight or Decimal(0) for r in rows), Decimal(0)) == 100
    score = sum((r.score or Decimal(0) for r in rows), Decimal(0))
    assert score == data.self_assessment.score
    assert data.self_assessment.grade == _grade(score)
    assert data.conclusion and str(score) in data.conclusion
    assert data.problems and data.rectification and data.results_use


def test_examples_mix_money_units() -> None:
    loaded = [load_data(p) for p in INVENTED]
    assert any(d.money_unit == "元" for d in loaded)
    units = {m.unit for d in loaded for p in d.projects for m in (p.initial_budget, p.total_budget, p.executed) if m}
    assert {"元", "万元"} <= units
