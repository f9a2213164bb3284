"""Claims and execution rules: completion claims against the report's own rates, low rates without a reason."""

from __future__ import annotations

import bisect
import random
from decimal import Decimal

import pytest

from assistant.checks.amounts import item_scopes
from assistant.checks.claims import completeness_claims, no_deviation_claims
from assistant.checks.execution import low_rate_without_reason
from assistant.checks.execution_rows import form_at, forms
from assistant.checks.finding import Finding
from assistant.checks.rates import rates
from assistant.checks.registry import CheckConfig, Context, all_rules
from assistant.text.document import document_from_text


def ctx_of(text: str, **config: object) -> Context:
    return Context(doc=document_from_text(text), config=CheckConfig.model_validate(config))


def low(text: str, **config: object) -> list[Finding]:
    return list(low_rate_without_reason(ctx_of(text, **config)))


def full_claims(text: str) -> list[Finding]:
    return list(completeness_claims(ctx_of(text)))


def steady_claims(text: str) -> list[Finding]:
    return list(no_deviation_claims(ctx_of(text)))


# --- the rates ledger --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("该项目预算执行率为78.5%。", "78.5"),
        ("项目资金使用率62%，较上年下降。", "62"),
        ("截至年底，补助资金兑付率达到45%。", "45"),
        ("| 年度资金总额 | 500 | 310 | 62% | |", "62"),
        ("年度资金总额: | 1,200.00 | 1,020.00 | 85.00% |", "85.00"),
        ("| 预算执行率 | ≥ | 90 | % | 82% | 10 | 8.2 |", "82"),
        ("执行率(%)执行率权重执行率得分(分)O76%107.6", "76"),
    ],
)
def test_stated_and_row_rates_are_read(text: str, value: str) -> None:
    assert [r.value for r in rates(ctx_of(text))] == [Decimal(value)]


@pytest.mark.parametrize(
    "text",
    [
        "预算执行率低于90%的项目须说明原因。",
        "执行率在90%以下的，扣减下年预算。",
        "资金到位率100%。",
        "| 预算执行率(B/A×100%) | 权重 |",
    ],
)
def test_thresholds_and_arrival_rates_are_not_spending_rates(text: str) -> None:
    assert rates(ctx_of(text)) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("全年预算120万元，实际支出86万元，剩余资金结转下年使用。", Decimal("71.67")),
        ("市财政安排资金1,200,000元，实际支出96万元。", Decimal("80")),
        ("年初预算50万元，全年支出50万元。", Decimal("100")),
    ],
)
def test_rates_are_derived_from_budget_and_spending(text: str, value: Decimal) -> None:
    (r,) = rates(ctx_of(text))
    assert r.source == "derived" and round(r.value, 2) == value


# A one-project report: the budget under its funding heading, the spending total under the next heading.
ONE_PROJECT = (
    "青溪镇中心小学专项资金绩效自评报告\n一、基本情况\n（一）资金安排\n我校2024年按生均800元安排，共计{budget}，"
    "其中上级资金{upper}，本级{local}。\n二、资金使用情况\n{spent_line}\n三、存在的问题\n暂无。\n"
)


@pytest.mark.parametrize(
    "spent_line",
    [
        "我校2024年财政安排支出共计48.6万元，余款安排下年支出。",
        "全年实际支出48.6万元，剩余资金结转至2025年使用。",
        "截至年底累计使用资金48.6万元。",
    ],
)
def test_a_one_project_reports_spending_is_set_against_its_only_budget_across_headings(spent_line: str) -> None:
    text = ONE_PROJECT.format(budget="120万元", upper="90万元", local="30万元", spent_line=spent_line)
    (r,) = rates(ctx_of(text))
    assert r.source == "derived" and round(r.value, 2) == Decimal("40.50")
    assert len(low(text)) == 1


@pytest.mark.parametrize(
    ("budget", "spent_line"),
    [
        # a second budget figure: which one the spending is against cannot be told
        ("120万元", "全年实际支出48.6万元，另有追加预算30万元尚未下达。"),
        # the report states its rate: nothing to derive
        ("120万元", "全年实际支出48.6万元，预算执行率40.5%，主要因校舍维修工程延期至次年开工。"),
        # two spending figures: the later one may be a part
        ("120万元", "全年实际支出118.6万元，其中设备购置支出共计48.6万元。"),
        # spending above the only budget: not a spending rate
        ("40万元", "全年实际支出48.6万元。"),
    ],
)
def test_no_rate_across_headings_when_the_pairing_is_not_the_only_one(budget: str, spent_line: str) -> None:
    text = ONE_PROJECT.format(budget=budget, upper="30万元", local="10万元", spent_line=spent_line)
    assert [r for r in rates(ctx_of(text)) if r.source == "derived" and r.value < 90] == []


# --- execution below the threshold with no reason ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "该项目全年预算120万元，实际支出86万元，剩余资金结转下年使用。",
        "项目资金执行率为62.5%，其余资金已按规定结转。",
        "2024年度补助资金使用率为71%。",
        "就业补助资金绩效自评表\n全年预算数 | 全年执行数 | 预算执行率 | 存在问题和改进措施 |\n"
        "年度资金总额 | 500 | 310 | 62% | |\n",
        "财政项目支出绩效自评表 年初预算数 全年预算数 全年执行数 分值 执行率 得分 80000 80000 60000 10 7.5 "
        "年度 总体 目标 75% 实际完成情况 已完成。偏差原因分析及改进措施",
    ],
)
def test_low_rate_without_a_reason_is_flagged(text: str) -> None:
    found = low(text)
    assert len(found) == 1, [(f.quote, f.message) for f in found]
    assert found[0].category == "missing_value" and found[0].severity == "warning"


def test_an_empty_reason_column_is_where_the_finding_points() -> None:
    text = (
        "资金投入情况绩效自评表\n全年预算数 | 全年执行数 | 预算执行率 | 存在问题和改进措施 |\n"
        "年度资金总额 | 500 | 310 | 62% | |\n"
    )
    (f,) = low(text)
    assert f.quote == "存在问题和改进措施" and "原因栏为空" in f.message


@pytest.mark.parametrize(
    "text",
    [
        "项目执行率78%，主要原因是设备采购合同12月签订，尾款30万元待验收后支付。",
        "全年预算120万元，实际支出86万元，由于施工单位进场推迟，部分工程款未到支付节点。",
        "资金使用率为70%。受汛期影响，两处工程延期至次年3月完工。",
        "预算执行率为80%，未执行部分系年底下达的追加资金，尚未完成招标。",
        "项目资金执行率为82%，偏差原因：培训班改为线上举办，场地费节约。",
        # at or above the threshold
        "预算执行率为96.5%。",
        "全年预算120万元，实际支出118万元。",
    ],
)
def test_a_stated_reason_or_a_good_rate_is_left_alone(text: str) -> None:
    assert low(text) == []


def test_the_threshold_is_configurable() -> None:
    text = "项目资金执行率为85%。"
    assert low(text)
    assert low(text, scoring={"low_execution_rate": 80}) == []


# --- completion claims against the figures -----------------------------------------------------------------


@pytest.mark.parametrize(
    "claim",
    [
        "项目资金已全部支出完毕。",
        "本年度不存在结转结余。",
        "所有经费均已按计划完成支出。",
        "资金已全额拨付到位。",
        "已完成项目补助资金的发放。",
        "完成年初预算的100%。",
        "项目预算执行率100%。",
    ],
)
@pytest.mark.parametrize(
    "evidence",
    [
        "项目全年预算200万元，实际支出150万元。",
        "项目资金执行率为75%。",
        "| 年度资金总额 | 200 | 150 | 75% |",
    ],
)
def test_full_spending_claims_contradicted_by_the_report(claim: str, evidence: str) -> None:
    found = full_claims(evidence + "\n" + claim)
    assert len(found) == 1, [(f.quote, f.message) for f in found]
    assert found[0].severity == "error" and found[0].quote in claim
    assert "75" in found[0].message


@pytest.mark.parametrize(
    "claim",
    ["项目资金已全部支出完毕。", "本年度不存在结转结余。", "完成年初预算的100%。", "项目资金已全额拨付。"],
)
def test_full_spending_claims_that_the_figures_support(claim: str) -> None:
    assert full_claims("项目全年预算200万元，实际支出200万元，预算执行率100%。\n" + claim) == []


def test_a_settled_activity_is_not_a_money_claim() -> None:
    # 结算 of a contract is an activity; the money claim needs 支付/拨付/发放/兑付 of the money itself.
    assert full_claims("执行率为60%。\n已完成与运营方的费用结算。") == []


def test_arrival_at_100_percent_is_not_a_spending_claim() -> None:
    assert full_claims("资金到位率100%，预算执行率为60%，主要原因是工程延期。") == []


def test_a_claim_in_one_form_is_not_checked_against_another_form() -> None:
    text = (
        "甲项目支出绩效自评表\n年度资金总额 | 100 | 60 | 60% |\n偏差原因：设备未到货。\n"
        "乙项目支出绩效自评表\n年度资金总额 | 50 | 50 | 100% |\n项目资金已全部支出完毕。\n"
    )
    assert full_claims(text) == []


@pytest.mark.parametrize(
    "claim",
    [
        "执行数与预算数基本一致，未出现较大偏差。",
        "按照上级下达的金额执行，不存在执行数偏离预算数的问题。",
        "资金执行进度正常，无偏差。",
    ],
)
def test_no_deviation_claims_against_a_low_rate(claim: str) -> None:
    found = steady_claims("全年预算数 | 全年执行数 | 预算执行率 |\n年度资金总额 | 400 | 288 | 72% |\n" + claim)
    assert len(found) == 1 and found[0].category == "contradiction"
    assert steady_claims("年度资金总额 | 400 | 392 | 98% |\n" + claim) == []


def test_no_problem_under_the_problems_heading_against_a_low_rate() -> None:
    text = "全年安排资金300万元，实际支出120万元。\n五、存在的问题\n项目运转正常，暂无问题。"
    (f,) = steady_claims(text)
    assert "暂无问题" in f.quote
    assert steady_claims("全年安排资金300万元，实际支出120万元。\n检查中未发现问题，资料齐全。") == []


def test_every_claims_rule_declares_an_example_and_counter_example() -> None:
    checks = {
        "claims.completeness": full_claims,
        "claims.no-deviation": steady_claims,
        "execution.low-rate-no-reason": low,
        "execution.adjustment-no-reason": adjusted,
    }
    for r in all_rules():
        if r.id in checks:
            assert checks[r.id](r.example), r.id
            assert not checks[r.id](r.counter_example), r.id


# --- precision: what is not a claim, not a spending total --------------------------------------------------


def test_salaries_paid_in_full_is_not_a_claim_about_the_fund() -> None:
    assert full_claims("项目资金执行率为75%，主要原因是工程延期。\n保障在职人员工资足额发放。") == []


def test_one_use_among_several_is_not_the_spending_total() -> None:
    text = "安排资金100万元，发放农机补贴30万元，发放种粮补贴70万元。"
    assert rates(ctx_of(text)) == []


# --- budgets adjusted during the year --------------------------------------------------------------------


def adjusted(text: str) -> list[Finding]:
    from assistant.checks.execution import adjustment_without_reason

    return list(adjustment_without_reason(ctx_of(text)))


@pytest.mark.parametrize(
    "text",
    [
        "年初预算50万元，年中追加至80万元，全年支出79万元。",
        "2024年部门预算调增36.5万元；全年支出1200万元。",
        "预算执行情况 | 年初预算 | 调整后预算数 | 预算执行数 | 预算执行率 | 原因 |\n"
        "总额 | 100.00 | 120.00 | 118.00 | 98.33% | |",
        "总额 |\n100.00 |\n120.00 |\n118.00 |\n98.33% |\n|",
    ],
)
def test_an_adjustment_without_a_reason(text: str) -> None:
    found = adjusted(text)
    assert len(found) == 1 and found[0].category == "missing_value"


@pytest.mark.parametrize(
    "text",
    [
        "年初预算50万元，年中追加至80万元，用于新增2处监测站点建设，全年支出79万元。",
        "年中追加12.96万元，原因是新增2名工作人员。",
        "2024年部门预算调增36.5万元。主要是由于上级下达防汛应急补助。",
        # the cause written before the change
        "年中因省级下达高标准农田建设补助追加420.00万元，全年预算数4280.00万元。",
        "为了保障新增监测站点运行，年中调增预算30万元。",
        "总额 | 120.00 | 120.00 | 118.00 | 98.33% | 10 | 9.8 |",
        # more figures before the row: these are not initial/adjusted/spent columns
        "小计 2537695 213722.82 0 2751417.82 2546673.98 93% 204743.84 7%",
    ],
)
def test_an_explained_or_absent_adjustment_is_left_alone(text: str) -> None:
    assert adjusted(text) == []


def test_a_form_named_in_prose_does_not_make_a_percent_the_rate() -> None:
    text = "按要求填报了项目支出绩效自评表。执行率偏低的项目已督促整改，群众满意度85%。"
    assert rates(ctx_of(text)) == []


def test_compliance_without_problems_is_not_a_claim_about_spending() -> None:
    text = "全年安排资金300万元，实际支出120万元，原因是工程延期。\n资金使用管理良好，未发现问题。"
    assert steady_claims(text) == []
    assert steady_claims(text.replace("资金使用管理良好", "项目执行正常")) != []


# --- money the report says is left -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "leftover",
    ["截至年底尚未支付工程尾款12万元。", "结转下年使用资金3.5万元。", "年末结余资金8万元。", "暂未拨付资金20万元。"],
)
@pytest.mark.parametrize("claim", ["项目资金已全部支出完毕。", "不存在结转结余。", "执行进度100%。"])
def test_a_full_claim_against_money_the_report_says_is_left(leftover: str, claim: str) -> None:
    found = full_claims(leftover + "\n" + claim)
    assert len(found) == 1 and "报告写明" in found[0].message


def test_no_deviation_against_money_left_unspent() -> None:
    (f,) = steady_claims("已下达资金200万元，尚未支出资金200万元。\n执行进度正常，无偏差。")
    assert "尚未支出" in f.message


@pytest.mark.parametrize("text", ["不存在结转结余资金。", "无结余资金。", "全部资金已支出，没有结转资金。"])
def test_denied_leftovers_are_not_evidence(text: str) -> None:
    assert full_claims(text + "\n项目资金已全部支出完毕。") == []


def test_a_reason_given_in_the_problems_section_counts() -> None:
    text = (
        "三、预算执行情况\n全年预算120万元，实际支出86万元。\n四、绩效目标完成情况\n完成培训2000人次。\n"
        "五、存在的问题\n部分资金执行率偏低，主要原因是设备采购合同12月签订，尾款待验收后支付。\n"
    )
    assert low(text) == []
    assert low(text.replace("，主要原因是设备采购合同12月签订，尾款待验收后支付", "")) != []


def test_a_budget_plan_for_next_year_is_not_an_adjustment() -> None:
    assert adjusted("自评结果已报送财政局，并在下年度预算编制中对该专项调减预算80万元。") == []


def test_several_changes_in_one_sentence_are_one_finding() -> None:
    found = adjusted("年度执行中调增预算720万元、400万元，调减预算300万元，调整后全年预算数为39500万元。")
    assert len(found) == 1


# --- lookups every claim makes: the same answers as walking every anchor or form ----------------------------


def test_item_scopes_give_the_last_open_anchor_like_a_walk_over_every_anchor() -> None:
    rng = random.Random(9)
    for _ in range(300):
        anchors = []
        for k in range(rng.randint(0, 10)):
            start = rng.randint(0, 60)
            anchors.append((start, start + rng.randint(-3, 25), f"项目{k}"))  # nested, overlapping, empty scopes
        anchors.sort()
        points, names = item_scopes(anchors)
        for offset in range(-2, 90):
            walked = None
            for start, end, name in anchors:
                if start > offset:
                    break
                if offset < end:
                    walked = name
            i = bisect.bisect_right(points, offset) - 1
            assert (names[i] if i >= 0 else None) == walked, (anchors, offset)


def test_form_at_by_bisection_matches_a_walk_over_the_forms() -> None:
    rng = random.Random(11)
    for _ in range(20):
        parts = [rng.choice(["项目支出绩效自评表\n", "预算80万元，执行率95%。\n", "一、基本情况\n"]) for _ in range(12)]
        ctx = ctx_of("".join(parts))
        spans = forms(ctx)
        for offset in range(-1, len(ctx.text) + 2):
            walked = next(((s, e) for s, e in spans if s <= offset < e), None)
            assert form_at(ctx, offset) == walked


def test_sentences_about_execution_are_those_a_search_of_each_sentence_finds() -> None:
    from assistant.checks.execution import _ABOUT_EXECUTION, _about_execution

    rng = random.Random(12)
    # the words (and their halves), marks, blanks and breaks between them
    pieces = ["执行率", "执行", "率", "结转", "结余", "偏低", "未使用", "未", "使用", "。", "；", "\n", " ", "资金"]
    for _ in range(1500):
        ctx = Context(doc=document_from_text("".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))))
        plain = [(lo, hi) for lo, hi in ctx.sentences if _ABOUT_EXECUTION.search(ctx.text, lo, hi)]
        assert _about_execution(ctx) == plain, ctx.text
