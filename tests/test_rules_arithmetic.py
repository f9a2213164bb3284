"""Arithmetic rules: breakdowns written every way a report writes them, and the rate rule."""

from __future__ import annotations

import pytest

from assistant.checks.arithmetic import parts_total
from assistant.checks.breakdowns import breakdowns
from assistant.checks.finding import Finding
from assistant.checks.registry import Context, all_rules
from assistant.text.document import document_from_text


def ctx_of(text: str) -> Context:
    return Context(doc=document_from_text(text))


def parts_findings(text: str) -> list[Finding]:
    return list(parts_total(ctx_of(text)))


# --- totals whose parts don't add up, in every form -----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # 其中, total first, same sentence
        "2024年局机关预算支出合计1250.6万元，其中基本支出830.4万元，项目支出440.2万元。",
        "部门年初预算1250.6万元；其中：人员经费830.4万元，公用经费440.2万元。",
        # total in one sentence, parts in the next
        "省级下达专项资金5200万元。具体是：农村公路养护1800万元；危桥改造950万元；安防工程2300万元。",
        "区财政共安排补助资金760万元。其中：学前教育补助310万元，义务教育补助420万元。",
        # 分别为 / 包括
        "全年拨付三个街道资金共420万元，分别为东街道150万元、西街道160万元、南街道100万元。",
        "项目资金96万元，包括设备购置52万元、场地租赁24万元、人员培训15万元。",
        # total after its parts
        "设备购置52万元、场地租赁24万元、人员培训15万元，合计96万元。",
        "东片区拨付38.5万元，西片区拨付41.2万元，共计80.2万元。",
        # parts in a bracket
        "下达补助资金860万元（其中校舍维修520万元、设备购置300万元），全年支出760万元。",
        # parts in one sentence, their total in the next
        "校舍维修拨付520万元，设备购置拨付300万元。以上合计860万元。",
        # 来源为
        "项目总投资150万元，资金来源为：中央补助90万元、县级配套50万元。",
        # units mixed in one breakdown
        "项目总投资1.2亿元，其中中央资金8000万元，地方配套3000万元。",
        "年初预算40万元，其中财政拨款250000元，单位自筹100000元。",
    ],
)
def test_parts_that_do_not_add_up_are_flagged(text: str) -> None:
    found = parts_findings(text)
    assert len(found) == 1, [f.message for f in found]
    assert found[0].severity == "error"
    assert "分项之和与合计不符" in found[0].message


@pytest.mark.parametrize(
    "text",
    [
        "2024年局机关预算支出合计1250.6万元，其中基本支出830.4万元，项目支出420.2万元。",
        "省级下达专项资金5050万元。具体是：农村公路养护1800万元；危桥改造950万元；安防工程2300万元。",
        "全年拨付三个街道资金共410万元，分别为东街道150万元、西街道160万元、南街道100万元。",
        "设备购置52万元、场地租赁24万元、人员培训15万元，合计91万元。",
        "项目总投资1.1亿元，其中中央资金8000万元，地方配套3000万元。",
        "年初预算35万元，其中财政拨款250000元，单位自筹100000元。",
        "校舍维修拨付520万元，设备购置拨付300万元。以上合计820万元。",
        "项目总投资140万元，资金来源为：中央补助90万元、县级配套50万元。",
        # a closing bracket ends the parts: the next clause's figure is not one of them
        "下达补助资金820万元（其中校舍维修520万元、设备购置300万元），全年支出760万元。",
        # the parts end at a clause without a figure, even with no full stop anywhere
        "按生均800元安排，共计239万元，其中上级资金179.25万元，本级59.75万元，目标是保障学校运转"
        "二、资金使用情况全年支出共计87.06万元，余款结转下年",
        # rounding the figures themselves carry
        "合计支出100万元，其中人员经费33.3万元，公用经费33.3万元，项目经费33.4万元。",
        # a count breakdown that adds up
        "全年共实施项目9个。其中：住建局6个、教育局2个、卫健委1个。",
    ],
)
def test_parts_that_add_up_are_not_flagged(text: str) -> None:
    assert parts_findings(text) == []


@pytest.mark.parametrize(
    "text",
    [
        # a section heading ends the parts: 87.06 belongs to the next section
        "共计239万元，其中上级资金179.25万元，本级59.75万元二、资金使用情况全年支出87.06万元。",
        # the document ends inside the list: cut off, not complete
        "项目支出87.5万元，分别是交流经费5万元，评审经费18万元，专家经费2.5万元，科",
        # 主要包括 is not all of it
        "项目资金96万元，主要包括设备购置52万元、场地租赁24万元。",
        # 用于 lists what money is for, not always all of it
        "安排资金500万元，用于道路硬化200万元、路灯安装100万元。",
        # spending is not a part of a budget
        "预算100万元，其中中央资金60万元，已支出90万元。",
        # two figures in one clause: which one is the part?
        "预算100万元，其中中央资金60万元比上年增加5万元，省级资金30万元。",
        # per-head standards are not parts
        "共计120万元，其中按每人2000元标准发放，按每户500元补助。",
    ],
)
def test_ambiguous_or_partial_lists_are_left_alone(text: str) -> None:
    assert parts_findings(text) == []


def test_count_breakdown_that_does_not_add_up() -> None:
    found = parts_findings("全年共实施项目9个。其中：住建局6个、教育局2个、卫健委2个。")
    assert found and "6个 + 2个 + 2个 = 10个" in found[0].message


def test_breakdown_spans_total_and_parts() -> None:
    text = "部门年初预算1250.6万元；其中：人员经费830.4万元，公用经费440.2万元。"
    (b,) = breakdowns(ctx_of(text))
    assert b.total.raw == "1250.6万元"
    assert [p.raw for p in b.parts] == ["830.4万元", "440.2万元"]
    found = parts_findings(text)
    assert found[0].quote.startswith("1250.6万元") and found[0].quote.endswith("440.2万元")


@pytest.mark.parametrize("total,unit", [("96", "万元"), ("960000", "元"), ("0.0096", "亿元")])
def test_units_are_converted_before_adding(total: str, unit: str) -> None:
    text = f"设备购置52万元、场地租赁24万元、人员培训20万元，合计{total}{unit}。"
    assert parts_findings(text) == []


# --- the rate rule ----------------------------------------------------------------------------------------


def test_stated_rate_that_disagrees_with_its_amounts() -> None:
    from assistant.checks.arithmetic import stated_rate

    ctx = ctx_of("资助项目全年预算200万元，实际支出150万元，预算执行率为85%。")
    found = list(stated_rate(ctx))
    assert found and "75" in found[0].message
    assert list(stated_rate(ctx_of("资助项目全年预算200万元，实际支出150万元，预算执行率为75%。"))) == []


@pytest.mark.parametrize("rule_id", ["arithmetic.parts-total", "arithmetic.rate", "arithmetic.count-items"])
def test_every_arithmetic_rule_flags_its_example_and_not_its_counter_example(rule_id: str) -> None:
    (r,) = [r for r in all_rules() if r.id == rule_id]
    assert r.example and r.counter_example
    assert list(r.fn(ctx_of(r.example)))
    assert list(r.fn(ctx_of(r.counter_example))) == []


# --- counts against the items listed ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "全年共实施3个项目，分别是道路硬化、路灯安装、绿化提升和公厕改造。",
        "局机关共有5个股室，分别为办公室、财务股、规划股、执法股。",
        "涉及两类支出，即人员经费、公用经费及项目经费。",
        "局机关下设办公室、财务股、规划股、执法股3个股室。",
    ],
)
def test_a_count_that_the_list_does_not_match(text: str) -> None:
    from assistant.checks.arithmetic import count_items

    found = list(count_items(ctx_of(text)))
    assert len(found) == 1 and found[0].category == "arithmetic" and found[0].severity == "warning"


@pytest.mark.parametrize(
    "text",
    [
        "全年共实施4个项目，分别是道路硬化、路灯安装、绿化提升和公厕改造。",
        "局机关共有4个股室，分别为办公室、财务股、规划股、执法股。",
        "主要有人员经费、公用经费两类支出。",
        "包括办公室、财务股、规划股等5个股室。",
        "全年共实施9个项目，分别是道路硬化、路灯安装等。",
        "局机关下设办公室、财务股、规划股、执法股4个股室。",
    ],
)
def test_a_count_that_matches_or_an_open_list_is_left_alone(text: str) -> None:
    from assistant.checks.arithmetic import count_items

    assert list(count_items(ctx_of(text))) == []


# --- rates in a flattened form: values bound to the column names by position ----------------------------------

FORM = (
    "项目支出绩效自评表 项目名称 社区养老服务补助 年初预算数 全年预算数 全年执行数 分值 执行率 得分 "
    "80000.00 80000.00 60,500 10 {score} 其中:当年财政拨款 0 0 — 年度资金总额 实施单位 "
    "年度 总体 目标 {rate} 实际完成情况 已完成全年助餐服务。"
)


def rate_findings(text: str) -> list[Finding]:
    from assistant.checks.arithmetic import stated_rate

    return list(stated_rate(ctx_of(text)))


def test_a_form_rate_that_its_columns_disagree_with() -> None:
    found = rate_findings(FORM.format(score="7.56", rate="75.60%"))
    assert len(found) == 1 and found[0].quote == "75.60%" and "75.63%" in found[0].message


@pytest.mark.parametrize("rate", ["75.63%", "75.62%", "75.6%", "76%"])
def test_a_form_rate_at_its_written_precision_is_accepted(rate: str) -> None:
    assert rate_findings(FORM.format(score="7.56", rate=rate)) == []


def test_a_binding_that_the_score_contradicts_is_not_trusted() -> None:
    # 9.90 points for a 75.6% rate: the figures are not in the order of the names, so nothing is computed.
    assert rate_findings(FORM.format(score="9.90", rate="75.60%")) == []


# --- rows under an execution header -------------------------------------------------------------------------

HEADER = "资金投入情况 | 全年预算数(A) | 全年执行数(B) | 预算执行率(B/A×100%) |\n"


def test_a_row_whose_rate_is_not_its_quotient() -> None:
    found = rate_findings(HEADER + "年度资金总额 | 808.10 | 692.98 | 96% |\n")
    assert len(found) == 1 and found[0].quote == "96%" and "85.75%" in found[0].message


@pytest.mark.parametrize("rate", ["85.75%", "85.7%", "86%", "85%"])
def test_a_row_whose_rate_is_its_quotient_at_the_written_precision(rate: str) -> None:
    assert rate_findings(HEADER + f"年度资金总额 | 808.10 | 692.98 | {rate} |\n") == []


def test_figures_without_an_execution_header_are_not_a_rate_row() -> None:
    assert rate_findings("指标 | 目标 | 实际 | 完成比例 |\n培训人次 | 500 | 480 | 100% |\n") == []


def test_a_row_with_a_missing_cell_is_not_read_against_the_header() -> None:
    # 全年执行数 is empty in this row: 10 is the weight, not the spending.
    text = "| 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分 |\n| 5000.00 | 5000.00 | 10 | 100% | 10 |\n"
    assert rate_findings(text) == []


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("局机关共有4个项目：\n1.道路硬化，投入30万元。\n2.路灯安装。\n3.绿化提升。\n二、绩效情况\n全部完成。", True),
        ("局机关共有3个项目：\n1.道路硬化，投入30万元。\n2.路灯安装。\n3.绿化提升。\n二、绩效情况\n全部完成。", False),
        ("全年共实施3项工作：（1）培训；（2）宣传；（3）督查；（4）考核。\n二、成效\n较好。", True),
        # sub-items of a lower level do not count as items
        ("共有2个项目：\n1.道路项目\n（1）硬化。\n（2）拓宽。\n2.路灯项目。\n二、成效\n较好。", False),
        # the document ends inside the list: it may have more items
        ("共有5个项目1、烈士纪念设施维修。2、环境整治。3、屋顶防水。4、整体提升改造", False),
    ],
)
def test_a_count_against_a_numbered_list(text: str, flagged: bool) -> None:
    from assistant.checks.arithmetic import count_items

    assert bool(list(count_items(ctx_of(text)))) is flagged
