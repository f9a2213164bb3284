"""Dates: years carried over from earlier reports, malformed written-out dates, terms obsolete by the report year."""

from __future__ import annotations

import pytest
from rule_examples import assert_example_and_counter_example, findings, rules_of_family

from assistant.checks.registry import Rule


@pytest.mark.parametrize("r", rules_of_family("dates."), ids=lambda r: r.id)
def test_rule_example_fires_and_counter_example_does_not(r: Rule) -> None:
    assert_example_and_counter_example(r)


@pytest.mark.parametrize("date", ["二二年八月", "二三年 五月 月", "二〇二三年五月月", "2023年 年底"])
def test_malformed_dates(date: str) -> None:
    assert findings(f"评价单位：某县财政局 {date}", "dates.malformed"), date


@pytest.mark.parametrize("date", ["二〇二三年五月", "2023年5月", "十二年来", "三年五月完成"])
def test_well_formed_dates_and_durations(date: str) -> None:
    assert findings(f"评价单位：某县财政局 {date}", "dates.malformed") == [], date


def test_obsolete_term_depends_on_the_report_year() -> None:
    later = "某局2019年度项目支出绩效自评报告\n预算外资金安排维修项目20万元。"
    earlier = "某局2009年度项目支出绩效自评报告\n预算外资金安排维修项目20万元。"
    assert findings(later, "dates.obsolete-term")
    assert findings(earlier, "dates.obsolete-term") == []


def test_stale_year_keeps_history_and_comparisons() -> None:
    text = "某局2023年度部门整体支出绩效自评报告\n自2019年起实行项目库管理。2023年支出较2022年增长5%。上报2021年拟开展的项目。"
    assert [f.quote for f in findings(text, "dates.stale-year")] == ["2021年"]
