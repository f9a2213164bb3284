"""Year-on-year rules: passages and figures carried over unchanged from last year's report."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.checks.finding import Finding
from assistant.checks.registry import all_rules
from assistant.reviewing import review_document
from assistant.text.document import document_from_text

REFERENCE = Path(__file__).parents[1] / "eval_cases" / "reports" / "kunming-2023-self-evaluation.txt"

LAST = """安和县农业农村局2023年度部门整体支出绩效自评报告
一、部门基本情况
（一）部门职责
负责全县农业农村发展规划的拟订和组织实施，指导农村集体经济组织建设和农村宅基地管理工作。
（二）年度绩效目标
完成高标准农田建设1.2万亩，培训高素质农民800人次，农产品质量安全例行监测合格率达到98%以上。
二、存在的问题
部分项目绩效目标设置不够细化，个别指标难以量化考核，项目资金拨付进度偏慢。
三、整改情况
下一步将加强绩效目标审核，细化量化指标，督促项目单位加快资金拨付进度。
四、预算执行情况
全年预算数为1,286.37万元，实际支出1,254.18万元，执行率97.5%。
"""


def findings(this: str, last: str = LAST) -> list[Finding]:
    review = review_document(document_from_text(this, "今年.txt"), previous=document_from_text(last, "上年.txt"))
    return [f for f in review.findings if f.rule.startswith("previous.")]


def advanced(text: str, by: int = 1) -> str:
    """The same report with every year moved on by ``by``."""
    return re.sub(r"(?:19|20)\d{2}(?=\s*年)", lambda m: str(int(m.group()) + by), text)


def test_a_report_copied_with_the_year_advanced_is_flagged_section_by_section() -> None:
    found = findings(advanced(LAST))
    sections = {f.section for f in found if f.rule == "previous.copied-passage"}
    assert any("存在的问题" in (s or "") for s in sections)
    assert any("整改情况" in (s or "") for s in sections)
    assert any("年度绩效目标" in (s or "") for s in sections)


def test_a_repeated_problem_says_the_rectification_did_not_happen() -> None:
    (problem,) = [f for f in findings(advanced(LAST)) if "存在的问题" in (f.section or "")]
    assert problem.severity == "warning"
    assert "整改" in problem.message
    assert problem.elsewhere is not None
    assert problem.elsewhere.quote in LAST
    assert LAST[problem.elsewhere.start : problem.elsewhere.end] == problem.elsewhere.quote


def test_duties_that_repeat_are_information_only() -> None:
    (duties,) = [f for f in findings(advanced(LAST)) if "职责" in (f.section or "")]
    assert duties.severity == "info"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("部分项目绩效目标设置不够细化", "部分项目的绩效目标设置仍不够细化"),
        ("督促项目单位加快资金拨付进度", "督促各项目单位加快资金的拨付进度"),
        ("培训高素质农民800人次", "培训高素质农民共800人次"),
    ],
)
def test_a_near_verbatim_copy_with_a_few_words_changed_is_still_a_copy(old: str, new: str) -> None:
    this = advanced(LAST).replace(old, new)
    assert new in this
    copies = [f for f in findings(this) if f.rule == "previous.copied-passage" and new in f.quote]
    assert copies and "几乎相同" in copies[0].message


def test_rewritten_sections_are_not_flagged() -> None:
    this = advanced(LAST)
    this = this.replace(
        "部分项目绩效目标设置不够细化，个别指标难以量化考核，项目资金拨付进度偏慢。",
        "3个项目的满意度指标缺少调查样本，农机购置补贴资金在第四季度集中拨付，全年拨付比例为82%。",
    )
    this = this.replace(
        "下一步将加强绩效目标审核，细化量化指标，督促项目单位加快资金拨付进度。",
        "2024年9月起对满意度调查实行抽样登记，补贴资金改为按季度拨付，截至12月底已拨付96%。",
    )
    sections = {f.section or "" for f in findings(this)}
    assert not any("存在的问题" in s or "整改情况" in s for s in sections)
    assert any("年度绩效目标" in s for s in sections)


def test_updated_figures_are_not_copies() -> None:
    this = advanced(LAST).replace(
        "全年预算数为1,286.37万元，实际支出1,254.18万元，执行率97.5%",
        "全年预算数为1,342.05万元，实际支出1,301.66万元，执行率97.0%",
    )
    assert not [f for f in findings(this) if "预算执行" in (f.section or "")]


def test_the_same_amount_written_in_a_new_sentence_is_flagged() -> None:
    this = advanced(LAST).replace(
        "全年预算数为1,286.37万元，实际支出1,254.18万元，执行率97.5%。",
        "本年度部门预算安排1286.37万元，主要用于高标准农田建设和农民培训。",
    )
    same = [f for f in findings(this) if f.rule == "previous.same-figure"]
    assert [f.quote for f in same] == ["1286.37万元"]


def test_short_figures_and_different_amounts_are_not_flagged() -> None:
    this = advanced(LAST).replace(
        "全年预算数为1,286.37万元，实际支出1,254.18万元，执行率97.5%。",
        "本年度部门预算安排1342.05万元，其中项目支出12万元。",
    )
    assert not [f for f in findings(this) if f.rule == "previous.same-figure"]


def test_without_last_years_report_the_rules_stay_silent() -> None:
    review = review_document(document_from_text(LAST, "今年.txt"))
    assert not [f for f in review.findings if f.rule.startswith("previous.")]


def test_the_reference_report_against_itself_a_year_on_with_two_sections_rewritten() -> None:
    last = REFERENCE.read_text(encoding="utf-8")
    this = advanced(last)
    problems = re.search(r"（一）存在的问题(.+?)（二）整改情况", this, re.S)
    uses = re.search(r"五、绩效自评结果应用(.+?)六、", this, re.S)
    assert problems and uses
    this = this.replace(problems.group(1), "\n本年度3个项目的满意度调查样本不足100份，结论代表性不够。\n")
    this = this.replace(
        uses.group(1), "\n自评结果已报市财政局，并用于2025年送温暖资金分配，按得分调减低分项目预算5%。\n"
    )
    found = findings(this, last)
    # The innermost heading of each finding's place: "四、存在的问题和整改情况 > （二）整改情况" → "（二）整改情况".
    sections = [(f.section or "").split(" > ")[-1] for f in found if f.rule == "previous.copied-passage"]
    assert not any("存在的问题" in s or "结果应用" in s for s in sections)
    for unchanged in ("整改情况", "绩效目标", "综合评价结论"):
        assert any(unchanged in s for s in sections), unchanged


def test_rules_declare_examples() -> None:
    rules = {r.id: r for r in all_rules() if r.id.startswith("previous.")}
    assert set(rules) == {"previous.copied-passage", "previous.same-figure"}
    assert all(r.example and r.counter_example for r in rules.values())
