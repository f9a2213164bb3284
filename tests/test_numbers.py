"""Tests for assistant.text.numbers: numeric mentions in report prose, Chinese numerals, figure formatting."""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.text.numbers import NumberMention, find_numbers, format_amount, parse_chinese_numeral
from assistant.units import COUNT_UNITS, MONEY_UNITS, PERCENT, PERCENT_POINT, SCORE_UNIT, TIME_UNITS

# (sentence, [(raw, value, unit, kind, comparator), ...]). The first block is verbatim from the 2023
# self-evaluation report of 昆明市总工会 (hard line breaks removed); the rest are written like
# education, health and agriculture reports.
Expected = tuple[str, str, str | None, str, str | None]
SENTENCES: list[tuple[str, list[Expected]]] = [
    (
        "2023年初部门年初预算财政拨款收入3240.79万元，2023年预算调增119.2万元",
        [
            ("2023年", "2023", "年", "year", None),
            ("3240.79万元", "3240.79", "万元", "money", None),
            ("2023年", "2023", "年", "year", None),
            ("119.2万元", "119.2", "万元", "money", None),
        ],
    ),
    (
        "2023年部门预算总支出3240.79万元；其中：基本支出2552.45万元，项目支出718.34万元。",
        [
            ("2023年", "2023", "年", "year", None),
            ("3240.79万元", "3240.79", "万元", "money", None),
            ("2552.45万元", "2552.45", "万元", "money", None),
            ("718.34万元", "718.34", "万元", "money", None),
        ],
    ),
    (
        "全年对认定为符合条件的困难农民工5500人（户）及以上进行慰问及救助，财政最终给予支持额度250000元",
        [
            ("5500人（户）及以上", "5500", "人（户）", "count", "≥"),
            ("250000元", "250000", "元", "money", None),
        ],
    ),
    ("执行情况良好，完成年初预算的100X%，所有经费均按要求完成指出", []),
    ("依据财预〔2020〕10号文件", []),
    ("职工和收益对象满意度达到90%", [("达到90%", "90", "%", "percent", "≥")]),
    (
        "2023年昆明市总工会内设办公室、财资部、老经部、组织部、法律部、宣教部等12个部室，4个内产业工会",
        [
            ("2023年", "2023", "年", "year", None),
            ("12个", "12", "个", "count", None),
            ("4个", "4", "个", "count", None),
        ],
    ),
    (
        "1.按照市财政局相关文件要求，预算批复后及时上报2021年拟开展重点绩效运行跟踪监控项目备案的申请",
        [("2021年", "2021", "年", "year", None)],
    ),
    ("2.按照《昆明市市本级部门预算绩效管理工作考核办法》，开展预算绩效管理工作的组织领导", []),
    ("(1)贯彻执行党的路线、方针和政策，根据市委、市政府、省总工会的中心工作", []),
    ("(10)负责全市工会经费的收支核算，工会专项资金的筹措、使用、管理、审查和审计工作", []),
    ("一是年初预算批复后，向财政申报重点项目绩效，并下达文件给责任处室", []),
    ("二调整完善绩效自评工作领导小组。", []),
    ("部门预算按照年度内所有因素和事项的轻重缓急测算每一项目的支出，基本支出按月定额支出", []),
    ("并分为绩效自评准备阶段、绩效自评实施阶段、绩效自评总结三个阶段", [("三个", "3", "个", "count", None)]),
    (
        "2023年度市财政安排资金25万元，实际支出14.14万元。",
        [
            ("2023年度", "2023", "年", "year", None),
            ("25万元", "25", "万元", "money", None),
            ("14.14万元", "14.14", "万元", "money", None),
        ],
    ),
    (
        "2022年申报项目金额25万元，项目支出金额25万元，通过开展农民工维权各项活动,补助覆盖率100%，补助对象政策符合性100%",
        [
            ("2022年", "2022", "年", "year", None),
            ("25万元", "25", "万元", "money", None),
            ("25万元", "25", "万元", "money", None),
            ("100%", "100", "%", "percent", None),
            ("100%", "100", "%", "percent", None),
        ],
    ),
    (
        "2023年度严格按照相关要求对困难职工群体进行慰问，开支50万元",
        [("2023年度", "2023", "年", "year", None), ("50万元", "50", "万元", "money", None)],
    ),
    ("安排开支省级配套资金64.8万元。", [("64.8万元", "64.8", "万元", "money", None)]),
    ("自2007年6月起，在市委、市政府领导的关心重视下", [("2007年6月", "2007", "年", "date", None)]),
    ("以每人每月130元测算，按照“人数逐月审核递减、重大节日发放”的方式发放。", [("130元", "130", "元", "money", None)]),
    (
        "全年共向市属特困企业250人次困难职工发放生活补助费20万元",
        [("250人次", "250", "人次", "count", None), ("20万元", "20", "万元", "money", None)],
    ),
    ("资金发放到位率100%，发放过程规范，程序符合要求。", [("100%", "100", "%", "percent", None)]),
    (
        "对10200人（户）及以上的符合补助条件的职工在重大节日及特殊时期进行慰问救助",
        [("10200人（户）及以上", "10200", "人（户）", "count", "≥")],
    ),
    ("解决一部分困难职工生活问题，预计需资金5650000元。", [("5650000元", "5650000", "元", "money", None)]),
    (
        "2023年度市财政安排资金565万元，实际支出565万元。",
        [
            ("2023年度", "2023", "年", "year", None),
            ("565万元", "565", "万元", "money", None),
            ("565万元", "565", "万元", "money", None),
        ],
    ),
    ("《中华人民共和国预算法》、《昆明市预算绩效管理暂行办法》", []),
    ("严格落实《预算法》及省、市绩效管理工作的有关规定，进一步规范财政资金的管理", []),
    ("法律维权、困难职工帮扶等一系列围绕市委政府确定的工作目标的项目。", []),
    ("对农民工的慰问和救助，在一定程度上帮助农民工解决生活上遇到的困难。", []),
    ("由昆明市总工会下属困难职工帮扶中心开展具体工作、制定一些列规章制度约束。", []),
    ("执行情况良好，完成年初预算的100%，所有经费均按要求完成支出。", [("100%", "100", "%", "percent", None)]),
    ("我单位资产属于工会资产，有专门的上报口径，2022年新增国有资产", [("2022年", "2022", "年", "year", None)]),
    ("从而科学、有依据的做出下一年的项目资金预算，编制更为合理的预算", []),
    ("应该正确设计财政专项资金绩效评价指标，达到差异性与完整性的统一", []),
    ("（一）部门概况", []),
    ("一、部门基本情况", []),
    ("年度重点工作：1、昆明市总工会送温暖专项资金", []),
    ("三是按制度、按计划，加快资金支出进度；四是规范资金使用与核算", []),
    # Invented, in the style of other departments' reports.
    (
        "2024年全县义务教育阶段在校学生共计3.2万人，专任教师2150名。",
        [
            ("2024年", "2024", "年", "year", None),
            ("3.2万人", "32000", "人", "count", None),
            ("2150名", "2150", "名", "count", None),
        ],
    ),
    (
        "全年完成家庭医生签约服务12.6万人次，签约率达65.3%，较上年提高2.1个百分点。",
        [
            ("12.6万人次", "126000", "人次", "count", None),
            ("达65.3%", "65.3", "%", "percent", "≥"),
            ("2.1个百分点", "2.1", "个百分点", "percent_point", None),
        ],
    ),
    (
        "项目总投资1.2亿元，其中中央财政补助8000万元，地方配套4000万元。",
        [
            ("1.2亿元", "1.2", "亿元", "money", None),
            ("8000万元", "8000", "万元", "money", None),
            ("4000万元", "4000", "万元", "money", None),
        ],
    ),
    (
        "新建高标准农田2.5万亩，亩均补助1500元。",
        [("2.5万亩", "25000", "亩", "count", None), ("1500元", "1500", "元", "money", None)],
    ),
    (
        "群众满意度≥90%，实际达到96.5%。",
        [("≥90%", "90", "%", "percent", "≥"), ("达到96.5%", "96.5", "%", "percent", "≥")],
    ),
    ("受理的投诉案件应在15个工作日内办结。", [("15个工作日内", "15", "个工作日", "time", "≤")]),
    (
        "培训基层干部不少于二十场次，参训人员约1200人。",
        [("不少于二十场次", "20", "场次", "count", "≥"), ("约1200人", "1200", "人", "count", None)],
    ),
    ("资金拨付时间不超过3个月。", [("不超过3个月", "3", "个月", "time", "≤")]),
    ("绩效自评得分95.5分，评价等级为“优”。", [("95.5分", "95.5", "分", "score", None)]),
    ("公共卫生服务补助资金人均补助标准为89元。", [("89元", "89", "元", "money", None)]),
    ("预算执行率为百分之九十八点五。", [("百分之九十八点五", "98.5", "%", "percent", None)]),
    (
        "全市共有中小学一百二十所，幼儿园八十六所。",
        [("一百二十所", "120", "所", "count", None), ("八十六所", "86", "所", "count", None)],
    ),
    ("每年开展两次督导检查。", [("两次", "2", "次", "count", None)]),
    (
        "2021-2025年规划建设乡镇卫生院15所。",
        [
            ("2021", "2021", "年", "year", None),
            ("2025年", "2025", "年", "year", None),
            ("15所", "15", "所", "count", None),
        ],
    ),
    ("单个项目补助3-5万元。", [("3", "3", "万元", "money", None), ("5万元", "5", "万元", "money", None)]),
    ("按照云财绩〔2021〕5号文件要求，开展绩效自评", []),
    ("根据[2020]10号文件精神，规范资金管理", []),
    (
        "粮食产量达到12.8亿公斤，同比增长3%以上。",
        [("达到12.8亿公斤", "1280000000", "公斤", "count", "≥"), ("3%以上", "3", "%", "percent", "≥")],
    ),
    ("城乡居民医保参保率稳定在95%左右。", [("95%左右", "95", "%", "percent", None)]),
    ("全年下达资金500万元。", [("500万元", "500", "万元", "money", None)]),
    ("第一批项目于2023年3月15日前完成验收。", [("2023年3月15日", "2023", "年", "date", None)]),
    ("第3季度完成投资进度的75%。", [("75%", "75", "%", "percent", None)]),
    ("在5G基站建设方面，新建基站120个。", [("120个", "120", "个", "count", None)]),
    ("贫困发生率由2.3%下降至0.5%。", [("2.3%", "2.3", "%", "percent", None), ("0.5%", "0.5", "%", "percent", None)]),
    ("统一采购办公设备，实现一体化管理，唯一的问题是部分指标设置十分笼统。", []),
    (
        "截至2023年12月31日，累计发放补助资金1,234.56万元。",
        [("2023年12月31日", "2023", "年", "date", None), ("1,234.56万元", "1234.56", "万元", "money", None)],
    ),
    (
        "共涉及三个乡镇、十二个行政村。",
        [("三个", "3", "个", "count", None), ("十二个", "12", "个", "count", None)],
    ),
    ("项目实施周期为3年。", [("3年", "3", "年", "time", None)]),
    (
        "较上年减少5500人，10200人次参加培训",
        [("5500人", "5500", "人", "count", None), ("10200人次", "10200", "人次", "count", None)],
    ),
    (
        "二〇二三年全年完成造林1.5万亩。",
        [("二〇二三年", "2023", "年", "year", None), ("1.5万亩", "15000", "亩", "count", None)],
    ),
    ("建成一户一档信息系统，推行一村一品", []),
    ("门诊人次同比增长-3.2%", [("-3.2%", "-3.2", "%", "percent", None)]),
    ("生均公用经费标准提高至每生每年720元。", [("720元", "720", "元", "money", None)]),
    ("计划于6月底前完成全部项目验收", [("6月", "6", "月", "date", None)]),
    ("项目资金二十万元已全部拨付", [("二十万元", "20", "万元", "money", None)]),
    (
        "近3年累计投入资金约2亿元",
        [("近3年", "3", "年", "time", None), ("约2亿元", "2", "亿元", "money", None)],
    ),
    ("百分之百完成年度任务", [("百分之百", "100", "%", "percent", None)]),
    ("满意度90分以上为优秀", [("90分以上", "90", "分", "score", "≥")]),
    (
        "全年共举办培训班12期，培训1,500人次",
        [("12期", "12", "期", "count", None), ("1,500人次", "1500", "人次", "count", None)],
    ),
    ("其中一项指标未完成", [("一项", "1", "项", "count", None)]),
    ("数十个村庄受益，三分之一的资金用于设备购置", []),
    ("PM2.5年均浓度持续下降", []),
    ("1.2.3 绩效指标完成情况", []),
    ("具体情况详见附件1和表3，如图2所示", []),
]


def _summary(n: NumberMention) -> tuple[str, Decimal, str | None, str, str | None]:
    return (n.raw, n.value, n.unit, n.kind, n.comparator)


@pytest.mark.parametrize(("sentence", "expected"), SENTENCES, ids=[f"s{i:02d}" for i in range(len(SENTENCES))])
def test_finds_exactly_the_quantities_a_reader_sees(sentence: str, expected: list[Expected]) -> None:
    found = [_summary(n) for n in find_numbers(sentence)]
    assert found == [(raw, Decimal(v), unit, kind, cmp) for raw, v, unit, kind, cmp in expected]


@pytest.mark.parametrize(("sentence", "_"), SENTENCES, ids=[f"s{i:02d}" for i in range(len(SENTENCES))])
def test_spans_point_at_the_raw_text(sentence: str, _: object) -> None:
    for n in find_numbers(sentence):
        assert sentence[n.start : n.end] == n.raw


def test_table_has_at_least_sixty_sentences() -> None:
    assert len(SENTENCES) >= 60


@pytest.mark.parametrize(
    ("text", "decimals"),
    [
        ("实际支出14.14万元", 2),
        ("安排资金25万元", 0),
        ("百分之九十", 0),
        ("百分之三点五", 1),
        ("1,234.56元", 2),
        ("25.00万元", 2),
        ("3.2万人", -3),  # precision in 人: the last written digit is the thousand
    ],
)
def test_decimals_record_the_precision_as_written(text: str, decimals: int) -> None:
    (n,) = find_numbers(text)
    assert n.decimals == decimals


@pytest.mark.parametrize(
    "text", ["约3.5万元", "大约200人", "近3年", "90%左右", "100余人", "3万余元", "二十多个", "接近80%"]
)
def test_approximation_words_mark_the_figure_approximate(text: str) -> None:
    (n,) = find_numbers(text)
    assert n.approximate
    assert n.raw == text


def test_exact_figures_are_not_approximate() -> None:
    assert not any(n.approximate for n in find_numbers("实际支出14.14万元，共250人次"))


@pytest.mark.parametrize(
    ("text", "comparator"),
    [
        ("不低于90%", "≥"),
        ("至少3次", "≥"),
        ("不超过5个工作日", "≤"),
        ("3天以内", "≤"),
        ("5%以下", "≤"),
        ("超过100万元", ">"),
        ("大于80分", ">"),
        ("低于2%", "<"),
        ("小于10人", "<"),
        ("≤ 15%", "≤"),
        ("＞50%", ">"),
    ],
)
def test_comparators_are_normalised_and_included_in_the_span(text: str, comparator: str) -> None:
    (n,) = find_numbers(text)
    assert (n.comparator, n.raw) == (comparator, text)


def test_full_width_digits_are_read_and_spans_keep_the_original_text() -> None:
    text = "收入３２４０．７９万元，满意度９５％"
    found = find_numbers(text)
    assert [(n.raw, n.value, n.unit) for n in found] == [
        ("３２４０．７９万元", Decimal("3240.79"), "万元"),
        ("９５％", Decimal(95), "%"),
    ]


def test_chinese_comma_separates_two_numbers() -> None:
    assert [n.value for n in find_numbers("5500，10200")] == [Decimal(5500), Decimal(10200)]


def test_ascii_comma_groups_thousands() -> None:
    assert [n.value for n in find_numbers("共计12,345,678元")] == [Decimal(12345678)]


def test_a_line_break_between_number_and_unit_keeps_the_unit() -> None:
    (n,) = find_numbers("实际支出14.14\n万元。")
    assert (n.value, n.unit, n.raw) == (Decimal("14.14"), "万元", "14.14\n万元")


def test_bare_numbers_are_plain() -> None:
    (n,) = find_numbers("编号为 4821 的合同")
    assert (n.kind, n.unit, n.value) == ("plain", None, Decimal(4821))


def test_ten_thousand_without_a_unit_multiplies_a_bare_number() -> None:
    (n,) = find_numbers("开支50万，用于慰问")
    assert (n.value, n.unit, n.kind) == (Decimal(500000), None, "plain")


def test_percent_points_are_kept_apart_from_percentages() -> None:
    kinds = [(n.kind, n.unit) for n in find_numbers("达到56%，提高3个百分点，下降0.5百分点")]
    assert kinds == [("percent", "%"), ("percent_point", "个百分点"), ("percent_point", "个百分点")]


def test_month_alone_is_a_date_but_months_counted_are_time() -> None:
    kinds = [(n.raw, n.kind) for n in find_numbers("6月完成，历时3个月")]
    assert kinds == [("6月", "date"), ("3个月", "time")]


def test_iso_dates_are_dates() -> None:
    (n,) = find_numbers("于2023-06-30完成")
    assert (n.kind, n.value, n.raw) == ("date", Decimal(2023), "2023-06-30")


def test_a_month_range_after_a_year_is_one_date() -> None:
    (n,) = find_numbers("2023年1-6月累计支出")
    assert (n.raw, n.kind) == ("2023年1-6月", "date")


def test_chinese_range_takes_the_unit_of_its_second_number() -> None:
    found = [(n.raw, n.value, n.unit) for n in find_numbers("每村安排三至五个公益岗位")]
    assert found == [("三", Decimal(3), "个"), ("五个", Decimal(5), "个")]


def test_range_with_a_multiplier_scales_both_ends() -> None:
    found = [(n.value, n.unit) for n in find_numbers("覆盖3-5万人")]
    assert found == [(Decimal(30000), "人"), (Decimal(50000), "人")]


def test_a_bare_chinese_numeral_counts_after_gong() -> None:
    (n,) = find_numbers("全年共十二")
    assert (n.value, n.kind) == (Decimal(12), "plain")


def test_large_chinese_money_keeps_wan_as_the_unit() -> None:
    (n,) = find_numbers("拨付一百二十万元")
    assert (n.value, n.unit) == (Decimal(120), "万元")


def test_results_are_ordered_and_do_not_overlap() -> None:
    found = find_numbers("2023年支出3.5万元，不低于90%；5500人（户）及以上，约2亿元")
    assert all(a.end <= b.start for a, b in zip(found, found[1:], strict=False))


# --- Chinese numerals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("一百二十", "120"),
        ("两千", "2000"),
        ("三点五", "3.5"),
        ("十二", "12"),
        ("一万二千", "12000"),
        ("零点五", "0.5"),
        ("十", "10"),
        ("一百零五", "105"),
        ("一千零一十", "1010"),
        ("二十万", "200000"),
        ("一亿二千万", "120000000"),
        ("一万二", "12000"),
        ("一百二", "120"),
        ("二〇二三", "2023"),
        ("壹仟贰佰叁拾肆", "1234"),
        ("九十八点五", "98.5"),
    ],
)
def test_parse_chinese_numeral_reads_standard_forms(numeral: str, value: str) -> None:
    assert parse_chinese_numeral(numeral) == Decimal(value)


@pytest.mark.parametrize(
    "text", ["", "百", "万", "万一", "十四五", "一十十", "三点", "点五", "12", "一千零", "五千万万"]
)
def test_parse_chinese_numeral_rejects_what_is_not_a_numeral(text: str) -> None:
    with pytest.raises(ValueError):
        parse_chinese_numeral(text)


# --- Formatting ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "decimals", "shown"),
    [
        ("3240.79", "万元", None, "3240.79万元"),
        ("250000", "元", None, "250000元"),
        ("2.5E+5", "元", None, "250000元"),
        ("56.560", "%", None, "56.56%"),
        ("5500", "人", None, "5500人"),
        ("14.145", "万元", 2, "14.15万元"),
        ("25", "万元", 2, "25.00万元"),
        ("-0.00", "%", None, "0%"),
        ("1234567.5", "元", None, "1234567.5元"),
    ],
)
def test_format_amount_writes_figures_like_a_report(value: str, unit: str, decimals: int | None, shown: str) -> None:
    assert format_amount(Decimal(value), unit, decimals) == shown


def test_format_amount_rejects_negative_decimals() -> None:
    with pytest.raises(ValueError):
        format_amount(Decimal(1), "元", -1)


# --- Properties ---------------------------------------------------------------------------------------

ROUND_TRIP_UNITS = sorted({*MONEY_UNITS, PERCENT, PERCENT_POINT, SCORE_UNIT, *COUNT_UNITS, *TIME_UNITS})
amounts = st.decimals(min_value=-(10**12), max_value=10**12, places=None, allow_nan=False, allow_infinity=False)


@settings(max_examples=400)
@given(value=amounts, unit=st.sampled_from(ROUND_TRIP_UNITS))
def test_format_then_find_gives_back_value_unit_and_precision(value: Decimal, unit: str) -> None:
    shown = format_amount(value, unit)
    (n,) = find_numbers(f"金额为{shown}。")
    assert (n.value, n.unit) == (value, unit)
    with localcontext() as ctx:
        ctx.prec = 100  # normalize() must not round the long decimals hypothesis draws
        exponent = int(value.normalize().as_tuple().exponent)
    assert n.decimals == max(0, -exponent)


@settings(max_examples=300)
@given(
    value=st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False, allow_infinity=False),
    unit=st.sampled_from(ROUND_TRIP_UNITS),
    decimals=st.integers(min_value=0, max_value=6),
)
def test_format_with_fixed_decimals_round_trips(value: Decimal, unit: str, decimals: int) -> None:
    (n,) = find_numbers(f"为{format_amount(value, unit, decimals)}，")
    assert n.unit == unit
    assert n.decimals == decimals
    assert abs(n.value - value) <= Decimal(1).scaleb(-decimals) / 2


report_alphabet = st.sampled_from(
    list("0123456789０１２３４５６７８９.,，。、-—~～%％()（）《》〔〕[]号第年月日度万亿元人次个分之百点约余多以上下内")
    + list("零〇一二两三四五六七八九十百千是些 \n\t")
    + ["不低于", "达到", "≥", "≤", "左右", "个百分点", "人（户）", "及以上", "PM", "G"]
)


@settings(max_examples=500)
@given(st.lists(report_alphabet, max_size=60).map("".join))
def test_any_text_gives_consistent_ordered_spans(text: str) -> None:
    found = find_numbers(text)
    for n in found:
        assert 0 <= n.start < n.end <= len(text)
        assert text[n.start : n.end] == n.raw
    assert all(a.end <= b.start for a, b in zip(found, found[1:], strict=False))


@settings(max_examples=200)
@given(st.text(max_size=200))
def test_arbitrary_unicode_never_breaks_the_scanner(text: str) -> None:
    for n in find_numbers(text):
        assert text[n.start : n.end] == n.raw


def test_a_wrap_space_after_the_decimal_point_is_read_through() -> None:
    # PDF text joined at a line wrap: "35. 3万元" is 35.3万元, not 3万元.
    (n,) = find_numbers("预算35. 3万元，")
    assert (n.value, n.unit, n.decimals, n.raw) == (Decimal("35.3"), "万元", 1, "35. 3万元")
    assert [n.value for n in find_numbers("执行率98. 5%")] == [Decimal("98.5")]


def test_a_list_marker_before_an_amount_is_not_a_wrapped_decimal() -> None:
    assert [(n.value, n.unit) for n in find_numbers("1. 5万元用于设备购置")] == [(Decimal(5), "万元")]
    assert [(n.value, n.unit) for n in find_numbers("完成3. 2个项目")] == [(Decimal(2), "个")]
