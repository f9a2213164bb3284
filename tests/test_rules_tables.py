"""Table rules: scores, weights, grades, rates, targets and actual values, on every table layout.

The forms below are invented (departments, indicators, figures); each problem is planted in a table that is
otherwise right, and each clean form adds up, so an error-level finding on it is a false alarm.
"""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from rule_examples import rule_findings

from assistant.budget.scoring import ScoringRules
from assistant.checks import tables
from assistant.checks.finding import Finding
from assistant.checks.registry import CheckConfig, Context, all_rules, run_checks
from assistant.text.document import document_from_text, load_document

IND = "一级指标 | 二级指标 | 三级指标 | 指标性质 | 指标值 | 度量单位 | 完成值 | 分值 | 得分 | 偏差原因"
TABLE_RULES = [r for r in all_rules() if r.id.startswith("tables.")]


def check(text: str, config: CheckConfig | None = None) -> list[Finding]:
    return run_checks(document_from_text(text), config=config)


def fired(text: str, rule_id: str, config: CheckConfig | None = None) -> list[Finding]:
    """What one rule finds on its own (the whole review keeps one finding when two families see one problem)."""
    return rule_findings(text, rule_id, config)


def indicator_form(*rows: str) -> str:
    return IND + "\n" + "\n".join(rows) + "\n"


# A whole project form that adds up: 10 (execution) + 45 + 25 + 20 = 100 points, scores 9.6 + 45 + 25 + 18 = 97.6.
CLEAN_FORM = (
    "西溪街道2023年度项目支出绩效自评表\n"
    "项目名称 | 老旧小区加装电梯补助\n"
    "预算执行情况(10分) | 年度预算数(万元) | 年初预算 | 调整后预算数 | 预算执行数 | 预算执行率 | 权重 | 得分 | 原因 |\n"
    "总额 | 300.00 | 300.00 | 288.00 | 96.00% | 10 | 9.6 | 2台电梯尾款12万元待验收后支付 |\n"
    "其中:财政资金 | 300.00 | 300.00 | 288.00 | 96.00% | / | / ||\n"
    "绩效指标(90分) | " + IND + " |\n"
    "产出指标 | 数量指标 | 加装电梯数量 | ≥ | 20 | 台 | 22 | 45 | 45 | |\n"
    "产出指标 | 质量指标 | 验收合格率 | = | 100 | % | 100% | 25 | 25 | |\n"
    "满意度指标 | 服务对象满意度指标 | 居民满意度 | ≥ | 95 | % | 86% | 20 | 18 | 2台电梯调试期间停运引起投诉 |\n"
    "合计 | 100 | 97.6 | 优 |\n"
)


# --- every rule's own example and counter-example ----------------------------------------------------------------


@pytest.mark.parametrize("rule", TABLE_RULES, ids=lambda r: r.id)
def test_rule_flags_its_example(rule) -> None:  # type: ignore[no-untyped-def]
    assert rule.example and fired(rule.example, rule.id)


@pytest.mark.parametrize("rule", TABLE_RULES, ids=lambda r: r.id)
def test_rule_leaves_its_counter_example_alone(rule) -> None:  # type: ignore[no-untyped-def]
    assert rule.counter_example
    assert fired(rule.counter_example, rule.id) == []
    assert not [f for f in check(rule.counter_example) if f.rule.startswith("tables.") and f.severity == "error"]


# --- a form whose figures add up ---------------------------------------------------------------------------------


def test_clean_form_gets_no_table_finding() -> None:
    found = [f for f in check(CLEAN_FORM) if f.rule.startswith("tables.")]
    assert found == [], [(f.rule, f.quote) for f in found]


def test_clean_form_gets_no_error_at_all() -> None:
    assert not [f for f in check(CLEAN_FORM) if f.severity == "error"]


def test_clean_form_is_read_as_two_tables_with_every_row() -> None:
    doc = document_from_text(CLEAN_FORM)
    execution, indicators = [t for t in doc.tables if t.rows]
    assert len(execution.rows) == 2
    assert [row[2].text for row in indicators.rows] == ["加装电梯数量", "验收合格率", "居民满意度", "合计"]


# --- scores and weights ------------------------------------------------------------------------------------------


def test_met_target_scored_below_weight_without_reason() -> None:
    text = indicator_form("产出指标 | 时效指标 | 补助发放及时率 | ≥ | 95 | % | 100% | 20 | 16 |")
    (f,) = fired(text, "tables.met-but-deducted")
    assert "补助发放及时率" in f.message and "16" in f.message
    assert f.quote.startswith("产出指标") and f.quote.endswith("16")


def test_met_target_deduction_with_a_reason_is_left_alone() -> None:
    text = indicator_form(
        "产出指标 | 时效指标 | 补助发放及时率 | ≥ | 95 | % | 100% | 20 | 16 | 第三季度补助延迟12天发放"
    )
    assert fired(text, "tables.met-but-deducted") == []


def test_same_completion_date_on_both_sides_counts_as_met() -> None:
    text = indicator_form("产出指标 | 时效指标 | 工程完工时间 | = | 2023年11月 | | 2023年11月 | 10 | 8 |")
    assert fired(text, "tables.met-but-deducted")


def test_missed_target_with_full_marks() -> None:
    text = indicator_form("产出指标 | 数量指标 | 新增就业岗位 | ≥ | 800 | 个 | 610 | 20 | 20 |")
    (f,) = fired(text, "tables.missed-but-full")
    assert "15.25" in f.message  # 610 ÷ 800 × 20


def test_lower_is_better_indicator_under_its_ceiling_is_not_missed() -> None:
    text = indicator_form("产出指标 | 成本指标 | 单台电梯补助标准 | ≤ | 15 | 万元 | 14.2 | 20 | 20 |")
    assert fired(text, "tables.missed-but-full") == []
    assert fired(text, "tables.met-but-deducted") == []


def test_missed_target_with_partial_score_needs_a_reason() -> None:
    text = indicator_form("效益指标 | 社会效益指标 | 垃圾分类知晓率 | ≥ | 90 | % | 84% | 10 | 9 |")
    assert [f.severity for f in fired(text, "tables.deduction-no-reason")] == ["info"]


def test_score_above_weight_is_an_error_on_the_score() -> None:
    text = indicator_form("产出指标 | 数量指标 | 送戏下乡场次 | ≥ | 30 | 场 | 32 | 15 | 16 |")
    (f,) = fired(text, "tables.score-over-weight")
    assert f.severity == "error" and f.quote == "16"


def test_weights_under_a_points_budget_must_add_up() -> None:
    text = (
        "绩效指标(60分) | " + IND + "\n"
        "产出指标 | 数量指标 | 改造户厕 | ≥ | 300 | 户 | 312 | 30 | 30 |\n"
        "产出指标 | 质量指标 | 改厕验收合格率 | ≥ | 95 | % | 98% | 25 | 25 |\n"
    )
    (f,) = fired(text, "tables.weights-total")
    assert "55" in f.message and "60" in f.message


def test_level_points_written_in_the_first_level_cell() -> None:
    text = indicator_form(
        "产出指标(50分) | 数量指标 | 改造户厕 | ≥ | 300 | 户 | 312 | 30 | 30 |",
        "质量指标 | 改厕验收合格率 | ≥ | 95 | % | 98% | 25 | 25 |",
        "效益指标(40分) | 社会效益指标 | 农户满意度 | ≥ | 90 | % | 93% | 40 | 40 |",
    )
    (f,) = fired(text, "tables.weights-total")
    assert f.quote == "产出指标(50分)" and "55" in f.message


def test_total_row_checked_against_execution_and_indicator_scores() -> None:
    wrong = CLEAN_FORM.replace("合计 | 100 | 97.6 | 优", "合计 | 100 | 95.6 | 优")
    (f,) = fired(wrong, "tables.score-total")
    assert "97.6" in f.message
    assert fired(CLEAN_FORM, "tables.score-total") == []


def test_total_weight_counts_the_execution_item() -> None:
    wrong = CLEAN_FORM.replace("合计 | 100 | 97.6 | 优", "合计 | 105 | 97.6 | 优")
    (f,) = fired(wrong, "tables.weights-total")
    assert f.quote == "105" and "100" in f.message


def test_a_form_cut_off_before_its_execution_block_is_not_totalled() -> None:
    text = (
        "绩效指标(90分) | " + IND + "\n产出指标 | 数量指标 | 改造户厕 | ≥ | 300 | 户 | 312 | 90 | 90 |\n合计 | 100 |\n"
    )
    assert fired(text, "tables.weights-total") == []


def test_grade_in_the_total_row_follows_the_score() -> None:
    wrong = CLEAN_FORM.replace("合计 | 100 | 97.6 | 优", "合计 | 100 | 97.6 | 良")
    (f,) = fired(wrong, "tables.grade")
    assert f.quote == "良" and "优" in f.message


def test_grade_thresholds_come_from_the_scoring_rules() -> None:
    strict = ScoringRules(grade_floors={"优": Decimal(98), "良": Decimal(85), "中": Decimal(60), "差": Decimal(0)})
    assert fired(CLEAN_FORM, "tables.grade", CheckConfig(scoring=strict))
    assert fired(CLEAN_FORM, "tables.grade") == []


# --- execution ---------------------------------------------------------------------------------------------------


def test_rate_that_its_amounts_contradict() -> None:
    text = "项目 | 全年预算数 | 全年执行数 | 执行率\n年度资金总额 | 2.5 | 2.5 | 0%\n"
    (f,) = fired(text, "tables.rate")
    assert f.quote == "0%" and "100" in f.message


def test_rate_is_compared_at_its_written_precision() -> None:
    text = "项目 | 全年预算数 | 全年执行数 | 执行率\n年度资金总额 | 736.40 | 681.15 | 92%\n其中:财政资金 | 736.40 | 681.15 | 92.50%\n"
    assert fired(text, "tables.rate") == []  # 681.15 ÷ 736.40 = 92.497%


def test_execution_score_at_full_rate_must_be_the_weight() -> None:
    text = "指标名称 | 分值 | 执行率 | 得分\n预算执行率 | 10 | 100% | 8\n"
    (f,) = fired(text, "tables.execution-score")
    assert f.quote == "8"


def test_execution_score_follows_the_rate_computed_from_amounts() -> None:
    text = "年初预算数 全年预算数 全年执行数 分值 执行率 得分 180000.00 180000.00 151200.0 10 8.40 年度总体目标"
    assert fired(text, "tables.execution-score") == []  # 151200 ÷ 180000 = 84% → 8.4
    assert fired(text.replace("8.40", "9.50"), "tables.execution-score")


def test_low_rate_without_a_reason_anchors_on_the_reason_column() -> None:
    text = (
        "就业补助资金绩效自评表\n"
        "资金投入情况 | 全年预算数(A) | 全年执行数(B) | 预算执行率(B/A×100%) |\n"
        "年度资金总额: | 420 | 331.8 | 79% |\n"
        "资金管理情况 | 情况说明 | 存在问题和改进措施 |\n"
        "分配科学性 | 按因素法分配到各乡镇。 | |\n"
    )
    (f,) = fired(text, "tables.low-rate-no-reason")
    assert f.quote == "存在问题和改进措施" and "79%" in f.message


def test_low_rate_with_a_cause_in_the_form_is_left_alone() -> None:
    text = (
        "项目 | 全年预算数 | 全年执行数 | 执行率 |\n年度资金总额 | 420 | 331.8 | 79% |\n"
        "执行率偏低的主要原因是第四批补贴资金12月下达，尚未拨付到户。\n"
    )
    assert fired(text, "tables.low-rate-no-reason") == []


def test_the_printed_form_note_is_not_a_reason() -> None:
    text = (
        "预算执行情况(10分) | 年度预算数(万元) | 年初预算 | 调整后预算数 | 预算执行数 | 预算执行率 | 权重 | 得分 | 原因 |\n"
        "总额 | 60.00 | 60.00 | 42.00 | 70.00% | 10 | 7 | 1.预算执行率=预算执行数/调整后预算数,未达到90%的需说明原因"
        "(100字以内) |\n"
    )
    assert fired(text, "tables.low-rate-no-reason")


def test_low_rate_in_a_glued_row() -> None:
    assert fired("执行率(%)执行率权重执行率得分(分)O64%106.4当年绩效目标", "tables.low-rate-no-reason")


def test_adjustment_without_reason_is_reported_once_per_table() -> None:
    text = (
        "预算执行情况(10分) | 年度预算数(万元) | 年初预算 | 调整后预算数 | 预算执行数 | 预算执行率 | 权重 | 得分 | 原因 |\n"
        "总额 | 0.00 | 8.40 | 8.40 | 100.00% | 10 | 10 | |\n"
        "其中:财政资金 | 0.00 | 8.40 | 8.40 | 100.00% | / | / | |\n"
    )
    (f,) = fired(text, "tables.adjustment-no-reason")
    assert f.quote.startswith("总额") and "8.4" in f.message


def test_adjustment_explained_in_the_reason_cell_is_left_alone() -> None:
    assert fired(
        CLEAN_FORM.replace("| 300.00 | 300.00 | 288.00", "| 250.00 | 300.00 | 288.00"), "tables.adjustment-no-reason"
    )
    text = (
        "项目 | 年初预算数 | 调整后预算数 | 预算执行数 | 执行率 | 原因\n"
        "总额 | 250.00 | 300.00 | 288.00 | 96.00% | 年中追加50万元用于新增10台电梯\n"
    )
    assert fired(text, "tables.adjustment-no-reason") == []


# --- target and actual -------------------------------------------------------------------------------------------


def test_verdict_where_a_quantity_belongs() -> None:
    text = indicator_form("产出指标 | 数量指标 | 培训新型农民 | ≥ | 300 | 人 | 已完成 | 40 | 40 |")
    (f,) = fired(text, "tables.verdict-actual")
    assert "已完成" in f.message and "300" in f.message


@pytest.mark.parametrize("word", ["达标", "效果明显", "好"])
def test_verdict_words_in_a_quantity_row(word: str) -> None:
    text = indicator_form(f"产出指标 | 质量指标 | 道路平整度合格率 | ≥ | 95 | % | {word} | 20 | 20 |")
    assert fired(text, "tables.verdict-actual")


def test_qualitative_target_with_a_measured_result_is_fine() -> None:
    text = indicator_form("效益指标 | 社会效益指标 | 群众获得感 | | 明显提升 | | 受访群众92%表示有改善 | 10 | 10 |")
    assert fired(text, "tables.verdict-actual") == [] and fired(text, "tables.actual-copies-target") == []


def test_actual_written_as_the_target_bound() -> None:
    text = indicator_form("满意度指标 | 服务对象满意度指标 | 学生满意度 | ≥ | 90 | % | ≥90% | 10 | 10 |")
    (f,) = fired(text, "tables.actual-copies-target")
    assert f.quote == "≥90%"


def test_actual_copying_the_target_words() -> None:
    text = "一级指标 | 二级指标 | 三级指标 | 指标值 | 完成值 | 分值 | 得分\n产出指标 | 质量指标 | 档案管理规范性 | 规范 | 规范 | 5 | 5\n"
    assert fired(text, "tables.actual-copies-target")


def test_satisfaction_target_above_100_percent() -> None:
    text = indicator_form("满意度指标 | 服务对象满意度指标 | 患者满意度 | ≥ | 102 | % | 97% | 10 | 10 |")
    (f,) = fired(text, "tables.rate-over-100")
    assert f.quote == "102"


def test_growth_above_100_percent_is_not_bounded() -> None:
    text = indicator_form("效益指标 | 经济效益指标 | 村集体收入增长率 | ≥ | 120 | % | 131% | 10 | 10 |")
    assert fired(text, "tables.rate-over-100") == []


def test_comparator_without_a_value_is_a_malformed_target() -> None:
    text = "一级指标 | 二级指标 | 三级指标 | 指标值 | 完成值 | 分值 | 得分\n产出指标 | 数量指标 | 巡查次数 | ≥ | 52次 | 10 | 10\n"
    assert fired(text, "tables.malformed-target")


def test_indicator_with_target_and_weight_but_no_result() -> None:
    text = indicator_form("产出指标 | 数量指标 | 慰问困难党员 | ≥ | 150 | 人 | | 30 | |")
    (f,) = fired(text, "tables.empty-indicator")
    assert f.quote.startswith("产出指标")


def test_template_indicator_row_left_empty() -> None:
    text = indicator_form(
        "产出指标 | 数量指标 | 慰问困难党员 | ≥ | 150 | 人 | 156 | 30 | 30 |",
        "质量指标 | 指标2: |",
    )
    assert fired(text, "tables.empty-indicator")


def test_not_applicable_row_is_not_an_empty_indicator() -> None:
    text = indicator_form(
        "产出指标 | 数量指标 | 慰问困难党员 | ≥ | 150 | 人 | 156 | 30 | 30 |",
        "效益指标 | 生态效益指标 |",
    )
    assert fired(text, "tables.empty-indicator") == []


def test_required_explanation_left_blank() -> None:
    text = (
        "资金管理情况 | 情况说明 | 存在问题和改进措施 |\n"
        "分配科学性 | 按因素法分配。 | 无 |\n拨付合规性 | | |\n使用规范性 | 未发现挤占挪用。 | 无 |\n"
    )
    assert [f.quote for f in fired(text, "tables.empty-required")] == ["拨付合规性"]


# --- units -------------------------------------------------------------------------------------------------------


def test_yuan_figures_under_a_wanyuan_header() -> None:
    text = (
        "东山区档案馆部门整体支出绩效自评表\n资金结构\n（万元）\n年初预算 结转结余 年中调整 小计\n"
        "财政资金小计 3620418 12050.6 0 3632468.6\n①中央及省级财政资金\n②区级财政资金 3620418 12050.6 0 3632468.6\n"
        "合 计 3620418 12050.6 0 3632468.6\n"
    )
    (f,) = fired(text, "tables.unit-magnitude")
    assert f.quote == "（万元）"


def test_large_wanyuan_figures_of_a_provincial_department_are_plausible() -> None:
    text = (
        "某省交通运输厅部门整体支出绩效自评表\n资金结构\n（万元）\n年初预算 结转结余 年中调整 小计\n"
        "财政资金小计 1362000 52050.6 0 1414050.6\n合 计 1362000 52050.6 0 1414050.6\n"
    )
    assert fired(text, "tables.unit-magnitude") == []


# --- rewordings: the same table in every layout ---------------------------------------------------------------


ROWS = [
    ["产出指标", "数量指标", "建设高标准农田", "≥", "2000", "亩", "2100", "40", "40", ""],
    ["产出指标", "时效指标", "项目完工及时率", "≥", "95", "%", "100%", "20", "15", ""],
]


def _layouts() -> dict[str, str]:
    header = IND.split(" | ")
    return {
        "pipe rows": IND + " |\n" + "".join(" | ".join(r) + " |\n" for r in ROWS),
        "wrapped rows, trailing cells dropped": "| " + IND + " |\n"
        + "".join("| " + " | ".join(c for c in r if c) + " |\n" for r in ROWS),
        "group cell first": "绩效指标(90分) | " + IND + " |\n" + "".join(" | ".join(r) + " | ||\n" for r in ROWS),
        "one cell per line": "".join(f"{c} |\n" if c else "|\n" for c in [*header, *[c for r in ROWS for c in r]]),
        "markdown": "| " + IND + " |\n" + "|---" * len(header) + "|\n"
        + "".join("| " + " | ".join(r) + " |\n" for r in ROWS),
    }  # fmt: skip


@pytest.mark.parametrize("layout", list(_layouts()))
def test_met_but_deducted_in_every_text_layout(layout: str) -> None:
    found = fired(_layouts()[layout], "tables.met-but-deducted")
    assert len(found) == 1 and "项目完工及时率" in found[0].message


def test_met_but_deducted_in_a_word_table(tmp_path: Path) -> None:
    path = tmp_path / "form.docx"
    word = docx.Document()
    word.add_paragraph("2023年度项目支出绩效自评表")
    header = IND.split(" | ")
    table = word.add_table(rows=len(ROWS) + 1, cols=len(header))
    for r, values in enumerate([header, *ROWS]):
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    word.save(str(path))
    doc = load_document(path)
    found = [f for f in run_checks(doc) if f.rule == "tables.met-but-deducted"]
    assert len(found) == 1 and doc.tables[0].source == "docx"


# --- glued OCR rows and goal tables ------------------------------------------------------------------------------


GLUED_FORM = (
    "指标名称计量单位指标性质年初指标值调整指标值完成值得分系数(%)指标权重(分)指标得分(分)是否核心指标"
    "监督抽检合格率%定量指标98%91.5%100%1010是执法案卷数量件120件126件100%55否制度执行情况好好100%33否"
    "行政成本控制率%100%96%100%22否"
)


def test_glued_row_missing_its_target_keeps_full_marks() -> None:
    (f,) = fired(GLUED_FORM, "tables.missed-but-full")
    assert "监督抽检合格率" in f.message and "9.34" in f.message  # 91.5 ÷ 98 × 10


def test_glued_verdict_copied_from_the_target() -> None:
    (f,) = fired(GLUED_FORM, "tables.actual-copies-target")
    assert f.quote == "好" and "制度执行情况" in f.message


def test_glued_form_gets_no_error() -> None:
    assert not [f for f in check(GLUED_FORM) if f.severity == "error"]


def test_glued_row_completed_as_planned_but_deducted() -> None:
    text = (
        "一级指标二级指标三级指标分值指标值全年实际值得分未完成原因分析及改进措施"
        "时效指标(5分)工程完工时间52023年10月完工2023年10月完工4成本指标(10分)"
    )
    (f,) = fired(text, "tables.met-but-deducted")
    assert "工程完工时间" in f.message


def test_goal_table_completion_written_as_one_word() -> None:
    text = (
        "项目基本情况 | 1.项目年度目标完成情况 | 项目年度目标 | 年度目标完成情况 |\n"
        "完成全镇12个村污水管网改造，12月底前通水运行。 | 已完成 |\n"
    )
    (f,) = fired(text, "tables.verdict-actual")
    assert f.quote == "已完成"


def test_goal_table_with_a_measured_completion_is_fine() -> None:
    text = (
        "项目基本情况 | 1.项目年度目标完成情况 | 项目年度目标 | 年度目标完成情况 |\n"
        "完成全镇12个村污水管网改造，12月底前通水运行。 | 完成11个村改造，1个村因征地延至次年3月 |\n"
    )
    assert fired(text, "tables.verdict-actual") == []


def test_completion_cell_copying_the_goal_cell() -> None:
    text = (
        "| 年度总体目标 | 预期目标 | 实际完成情况 | 保障全县困难群众基本生活，按时足额发放救助金 "
        "| 保障全县困难群众基本生活，按时足额发放救助金 | 绩效指标 |\n"
    )
    (f,) = fired(text, "tables.actual-copies-target")
    assert f.quote == "保障全县困难群众基本生活，按时足额发放救助金"


def test_form_field_left_blank_in_a_one_cell_per_line_form() -> None:
    text = "项目基本情况 |\n2.项目实施内容及过程概述 |\n|\n预算执行情况(10分) |\n"
    (f,) = fired(text, "tables.empty-required")
    assert f.quote == "2.项目实施内容及过程概述"


def test_header_cell_followed_by_row_padding_is_not_a_blank_field() -> None:
    text = "总体目标完成情况 | 总体目标 | 全年实际完成情况 | |||\n保障困难群众基本生活。 | 全年发放救助金1260万元。 | |||\n"
    assert fired(text, "tables.empty-required") == []


def test_nothing_to_improve_while_execution_is_low() -> None:
    text = (
        "项目 | 全年预算数 | 全年执行数 | 执行率 |\n年度资金总额 | 200 | 150 | 75% |\n"
        "存在问题 | 无 |\n改进措施 | 无 |\n"
    )
    (f,) = fired(text, "tables.nothing-to-improve")
    assert "75%" in f.message and f.quote == "存在问题 | 无"


# --- the clean form in every layout: no table finding, no error ------------------------------------------------

EXEC_HEADER = ["项目", "年初预算数", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分", "原因"]
EXEC_ROWS = [["总额", "300.00", "300.00", "288.00", "96.00%", "10", "9.6", "2台电梯尾款12万元待验收后支付"]]
IND_ROWS = [
    ["产出指标", "数量指标", "加装电梯数量", "≥", "20", "台", "22", "45", "45", ""],
    ["产出指标", "质量指标", "验收合格率", "=", "100", "%", "100%", "25", "25", ""],
    ["满意度指标", "服务对象满意度指标", "居民满意度", "≥", "95", "%", "86%", "20", "18", "调试期间停运引起投诉"],
]


def _clean_layouts() -> dict[str, str]:
    ind_header = IND.split(" | ")

    def pipe(rows: list[list[str]], wrap: bool = False) -> str:
        lines = [" | ".join(c for c in r if c or not wrap) for r in rows]
        return "".join(f"| {line} |\n" if wrap else f"{line} |\n" for line in lines)

    def stream(rows: list[list[str]]) -> str:
        return "".join(f"{c} |\n" if c else "|\n" for r in rows for c in r)

    title = "西溪街道2023年度项目支出绩效自评表\n"
    return {
        "pipe rows": title + pipe([EXEC_HEADER, *EXEC_ROWS]) + pipe([ind_header, *IND_ROWS]),
        "wrapped rows": title + pipe([EXEC_HEADER, *EXEC_ROWS], True) + pipe([ind_header, *IND_ROWS], True),
        "one cell per line": title + stream([EXEC_HEADER, *EXEC_ROWS]) + stream([ind_header, *IND_ROWS]),
    }


@pytest.mark.parametrize("layout", list(_clean_layouts()))
def test_clean_form_in_every_layout_gets_no_table_finding(layout: str) -> None:
    text = _clean_layouts()[layout]
    doc = document_from_text(text)
    assert sum(len(t.rows) for t in doc.tables) >= len(EXEC_ROWS) + len(IND_ROWS)
    found = [f for f in run_checks(doc) if f.rule.startswith("tables.") or f.severity == "error"]
    assert found == [], [(f.rule, f.quote) for f in found]


@pytest.mark.parametrize("layout", list(_clean_layouts()))
def test_planted_deduction_is_found_in_every_layout(layout: str) -> None:
    text = _clean_layouts()[layout].replace("| 25 | 25 |", "| 25 | 21 |").replace("25 |\n25 |\n", "25 |\n21 |\n")
    assert [f.rule for f in check(text) if f.rule.startswith("tables.")] == ["tables.met-but-deducted"]


def test_column_formulas_from_the_header_are_checked_row_by_row() -> None:
    text = (
        "南湖区文化馆部门整体支出绩效自评表\n资金结构\n（万元）\n预算安排 拨付情况 结余情况\n年初预算①\n结转结余②\n"
        "年中调整③ 小计\n④=①+②+③\n拨付金额⑤\n支出率(%)\n⑥=⑤/④\n结余⑦=④-⑤\n结余率(%)\n⑧=⑦/④\n"
        "财政资金小计 412.5 18.3 0 430.8 401.2 93% 29.6 7%\n"
        "合 计 412.5 18.3 0 430.8 401.2 93% 26.9 7%\n"
    )
    found = fired(text, "tables.column-formula")
    assert any(f.quote == "26.9" and "29.6" in f.message for f in found)
    assert all(f.start > text.index("合 计") for f in found)  # the first row adds up


def test_column_numbering_that_the_figures_do_not_confirm_is_not_judged() -> None:
    text = (
        "资金结构（万元）\n年初预算① 结转② 调整③ 小计④=①+②+③ 支出⑤ 执行率⑥=⑤/④\n"
        "财政资金 120 30 0 95 80 61%\n合计 120 30 0 95 80 61%\n"
    )
    assert fired(text, "tables.column-formula") == []


# --- lookups by bisection and grouping give what walking every row or form gives -----------------------------


def _forms_and_tables(rng: random.Random) -> str:
    parts = []
    for k in range(rng.randint(2, 5)):
        parts.append(rng.choice(["项目支出绩效自评表\n", "部门整体支出绩效自评表\n", "一、基本情况\n"]))
        parts.append("项目 | 全年预算数 | 全年执行数 | 执行率 | 偏差原因\n")
        for j in range(rng.randint(1, 4)):
            parts.append(
                f"资金{k}{j} | {rng.randint(50, 500)} | {rng.randint(10, 500)} | {rng.randint(10, 100)}% | 无\n"
            )
        parts.append("预算执行情况良好。\n")
    return "".join(parts)


def test_rows_and_forms_found_by_bisection_match_a_walk_over_every_row_and_form() -> None:
    rng = random.Random(3)
    for _ in range(30):
        ctx = Context(doc=document_from_text(_forms_and_tables(rng)))
        rows = tables.table_rows(ctx)
        assert rows and len(tables.forms(ctx)) >= 1
        for offset in range(-1, len(ctx.text) + 1):
            walked = next(((s, e) for s, e in tables.forms(ctx) if s <= offset < e), (0, len(ctx.text)))
            assert tables._form_of(ctx, offset) == walked
        for lo, hi in [*tables.forms(ctx), (0, len(ctx.text)), (5, 60)]:
            assert tables._rows_in(ctx, lo, hi) == [r for r in rows if lo <= r.span[0] < hi]
        for table in ctx.doc.tables:
            assert tables._rows_by_table(ctx).get(id(table), []) == [r for r in rows if r.table is table]


def test_stated_grades_found_before_each_fen_are_those_a_full_search_finds() -> None:
    rng = random.Random(4)
    # numbers (ASCII, full-width and Arabic-Indic digits, points), blanks of several kinds, 分 and the words a
    # stated grade needs, so matches start mid-run, after a point, across blanks and right after one another
    pieces = ["9", "1", "0", ".", "８", "٣", " ", "\u3000", "\n", "分", "分", "，", "。", "等级", "评为", "为", "“"]
    pieces += ["优", "良好", "中", "差", "秀", "总分", "得"]
    for _ in range(4000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        got = [(m.span(), m.groups()) for m in tables._grades(text)]
        assert got == [(m.span(), m.groups()) for m in tables._GRADE.finditer(text)], text


def test_a_rows_filled_roles_label_and_total_flag_are_the_plain_readings() -> None:
    pipe = "一、执行情况\n| 项目 | 年初预算数 | 全年执行数 |\n|---|---|---|\n| 甲项目 | 10 | 9 |\n| 合计 | 10 | 9 |\n"
    totals = 0
    for form in (CLEAN_FORM, GLUED_FORM, pipe):
        rows = tables.table_rows(Context(doc=document_from_text(form)))
        assert rows
        totals += sum(row.is_total for row in rows)
        for row in rows:
            for role, cell in row.roles.items():
                assert row.get(role) is (cell if cell.text.strip() else None)
            assert row.get("no-such-role") is None
            # the label and total flag read with the row, as the plain reading gives them
            named = [row.get(r) for r in ("name", "level2", "level1") if row.get(r) is not None]
            first = named[0] if named else next((c for c in row.cells if c.text.strip()), None)
            assert row.label == ("".join(first.text.split()) if first else "")
            assert row.is_total == any(row.label.startswith(w) for w in ("合计", "总计", "总分", "小计"))
    assert totals
