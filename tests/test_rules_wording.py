"""Wording rule packs and the vague-wording family: every rule's example and counter-example, generated rewordings,
the reference report's mistakes, silence on clean prose, pack validation, one scanner per pack."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest
from rule_examples import assert_example_and_counter_example, findings, rules_of_family

from assistant.checks.finding import Finding
from assistant.checks.goals import MARKER_AFTER, markers
from assistant.checks.registry import CheckConfig, Context, Rule, all_rules, run_checks
from assistant.checks.wording import (
    _VAGUE_COUNT,
    Pack,
    _excepted,
    _fill,
    _Scanner,
    _scanner,
    _texts,
    _third,
    anchor,
    builtin_packs,
    check_wording,
    finditer,
    load_pack,
    measured,
    second_chars,
    trie_pattern,
)
from assistant.errors import InputError
from assistant.text.document import document_from_text, load_document

REFERENCE = Path(__file__).parents[1] / "eval_cases" / "reports" / "kunming-2023-self-evaluation.txt"


def check(text: str, **config: object) -> tuple[Context, list[Finding]]:
    ctx = Context(doc=document_from_text(text), config=CheckConfig.model_validate(config))
    return ctx, check_wording(ctx)


def rules_of(findings: list[Finding], prefix: str = "") -> list[tuple[str, str]]:
    return [(f.rule, f.quote) for f in findings if f.rule.startswith(prefix)]


@pytest.fixture(scope="module")
def reference() -> tuple[Context, list[Finding]]:
    ctx = Context(doc=load_document(REFERENCE))
    return ctx, check_wording(ctx)


# --- recall: what a careful reviewer marks in the reference report ------------------------------------------


@pytest.mark.parametrize(
    ("rule_id", "quote"),
    [
        ("vague.evaluative-claim", "取得良好成效"),
        ("vague.evaluative-claim", "得到了党委政府和农民工群体的肯定"),
        ("vague.verdict-actual", "均按照要求圆满完成"),
        ("vague.verdict-actual", "达到了预期的目标"),
        ("vague.verdict-actual", "严格完成目标"),
        ("vague.verdict-actual", "预期完成情况较好"),
        ("placeholder.broken-figure", "100X%"),
        ("repetition.doubled-phrase", "并分为并分为"),
        ("repetition.doubled-char", "的的"),
        ("term.typo", "收益对象"),
        ("term.typo", "完整地反应"),
        ("term.typo", "一些列"),
        ("term.typo", "年初指定"),
        ("term.typo", "本机部门"),
        ("term.typo", "完成指出"),
        ("term.zhang", "台帐"),
        ("vague.boilerplate", "严格按照"),
        ("vague.imprecise-degree", "在一定程度上"),
    ],
)
def test_reference_mistake_is_found_at_its_exact_span(
    reference: tuple[Context, list[Finding]], rule_id: str, quote: str
) -> None:
    ctx, findings = reference
    hits = [f for f in findings if f.rule == rule_id and f.quote == quote]
    assert hits, f"{rule_id} “{quote}” not found; got {rules_of(findings)}"
    for f in hits:
        assert ctx.text[f.start : f.end] == quote


@pytest.mark.parametrize(
    ("rule_id", "quote"),
    [("goals.no-indicator", "（二）部门绩效目标"), ("vague.conclusion-without-result", "预期完成情况较好")],
)
def test_reference_section_level_slips_are_found(rule_id: str, quote: str) -> None:
    findings = run_checks(load_document(REFERENCE))
    assert [f for f in findings if f.rule == rule_id and f.quote.startswith(quote)], rules_of(findings)


def test_substitution_says_what_the_right_term_is(reference: tuple[Context, list[Finding]]) -> None:
    _, findings = reference
    by_quote = {f.quote: f for f in findings if f.rule.startswith("term.")}
    assert by_quote["完成指出"].suggestion == "完成支出"
    assert "应为“反映”" not in by_quote["完整地反应"].message  # the whole phrase is swapped
    assert by_quote["完整地反应"].suggestion == "完整地反映"
    assert by_quote["本机部门"].suggestion == "本级部门"
    assert by_quote["台帐"].suggestion == "台账"


def test_claims_backed_by_figures_in_the_reference_are_not_vague(reference: tuple[Context, list[Finding]]) -> None:
    ctx, findings = reference
    # "…补助覆盖率100%，补助对象政策符合性100%，…达到了既定的目标。" carries its own figures.
    start = ctx.text.index("补助覆盖率100%")
    sentence = ctx.sentence_at(start)
    assert not [f for f in findings if f.rule.startswith("vague.") and sentence[0] <= f.start < sentence[1]]
    assert not [f for f in findings if f.quote == "履职效益明显"]  # an indicator's name, not a claim


# --- precision: clean, well-written paragraphs stay clean -------------------------------------------------

CLEAN = {
    "education": (
        "（一）部门整体收支情况\n"
        "2023年全年预算数12,860.50万元，全年执行数12,534.21万元，预算执行率97.46%。"
        "义务教育学生资助项目全年资助家庭经济困难学生3,216人，发放补助资金385.92万元，资金到位率100%，"
        "资助对象认定准确率100%。校舍维修改造项目完成维修面积8,640平方米，较计划增加5.2%，"
        "于2023年8月25日前全部竣工验收，工程验收合格率100%。\n"
        "学生及家长满意度调查收回有效问卷1,820份，满意度为96.3%，较上年提高2.1个百分点，取得良好成效。"
    ),
    "health": (
        "基本公共卫生服务项目年度目标为：65岁及以上老年人健康管理率≥70%，高血压患者规范管理率≥65%。"
        "实际完成情况：全年为42,518名老年人提供健康体检，健康管理率73.8%，达到预期目标；"
        "高血压患者规范管理率68.2%，较年度指标值高3.2个百分点。"
        "家庭医生签约服务覆盖常住人口15.6万人，签约率41.5%，服务对象满意度91.2分，效果明显。"
    ),
    "trade union": (
        "2023年度送温暖专项资金预算565万元，实际支出565万元，执行率100%。"
        "全年慰问困难职工10,200户，户均慰问金554元，慰问覆盖率100%，圆满完成年度目标。"
        "农民工维权中心全年受理农民工来访咨询1,326人次，办结率98.6%，帮助追回欠薪436.8万元，"
        "平均办理时限由15个工作日缩短至9个工作日。\n"
        "职工技能培训计划培训2,000人次，实际培训2,184人次，完成率109.2%，培训后职业技能等级证书取得率87%，"
        "显著提升了参训职工的就业能力。"
    ),
    "goals with measures": (
        "年度绩效目标：2024年12月31日前完成12所学校的校舍维修，维修面积≥8,000平方米，"
        "工程验收合格率=100%，单位造价≤1,200元/平方米，加强校舍安全管理。\n"
        "力争困难职工帮扶覆盖率达到100%，慰问金发放时间不超过节前10天，进一步提升帮扶精准度。"
    ),
    "whole report": (
        "一、部门基本情况\n（一）部门概况\n市卫生健康委员会内设科室15个，下属事业单位8个，编制人数236人，"
        "实有在职人员221人。\n（二）部门绩效目标的设立情况\n按照“量化易评”原则，部门设置绩效指标26个，"
        "其中产出指标15个、效益指标8个、满意度指标3个。\n二、绩效自评工作情况\n本次自评由财务科牵头，"
        "对照年初设定的26个指标逐项核实，收集佐证材料312份。\n三、评价情况分析及综合评价结论\n"
        "经自评，部门整体支出绩效得分93.5分，等级为“优”。\n四、存在的问题和整改情况\n"
        "个别项目支出进度偏慢，第三季度末执行率仅为61.3%，低于序时进度13.7个百分点。下一步，我委将建立项目支出"
        "月报制度，对执行率低于序时进度10个百分点的项目进行约谈。\n五、绩效自评结果应用\n"
        "自评结果作为2025年预算安排的重要依据，对得分低于80分的项目压减预算10%。\n"
        "六、主要经验及做法\n每月召开预算执行分析会，共召开12次；聘请第三方机构对3个重点项目开展评价。\n"
        "七、其他需说明的情况\n无。\n"
    ),
}


@pytest.mark.parametrize("name", list(CLEAN))
def test_clean_paragraph_has_no_wording_findings(name: str) -> None:
    _, findings = check(CLEAN[name])
    assert rules_of(findings) == []


def test_legitimate_look_alikes_are_not_flagged() -> None:
    text = (
        "本单位开发的APP已上线，采用PPP模式建设，配备X光机2台、X射线检测仪1台；"
        "展板尺寸3×4米，二〇二三年度申报截止日期为3月31日。"
        "为了了解实施效果，我们研究研究了相关制度，一步一步落实整改，做到实实在在、认认真真，工作作风明显转变。"
        "达到目的的项目全部验收，关键就是是否落实到位。立即定位问题，累积效应明显。"
        "<!-- assistant-ignore: vague.evaluative-claim -->【审阅忽略：term.typo】"
        "统计截至2023年12月31日。"
    )
    _, findings = check(text)
    assert [q for r, q in rules_of(findings) if not r.startswith("vague.")] == []


# --- each kind ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule_id", "quote"),
    [
        ("本年度共慰问XX户困难职工。", "placeholder.template-mark", "XX"),
        ("项目总投资XXX万元。", "placeholder.template-mark", "XXX万元"),
        ("由××单位负责实施。", "placeholder.template-mark", "××"),
        ("于□□年完成。", "placeholder.template-mark", "□□"),
        ("由○○科负责。", "placeholder.template-mark", "○○"),
        ("资金执行率为9X.5%。", "placeholder.broken-figure", "9X.5%"),
        ("偏差原因：待补充。", "placeholder.todo", "待补充"),
        ("项目负责人：【填写负责人姓名】。", "placeholder.template-bracket", "【填写负责人姓名】"),
        ("项目名称：[项目名称]。", "placeholder.template-bracket", "[项目名称]"),
        ("共培训（ ）人次。", "placeholder.template-bracket", "（ ）"),
        ("联系人：＿＿＿＿。", "placeholder.blank-line", "＿＿＿＿"),
        ("截止2023年12月31日，资金已全部拨付。", "term.as-of", "截止"),
        ("截止到2023年底，累计支出。", "term.as-of", "截止到"),
        ("资金以经下达各单位。", "term.typo-context", "以经"),
        ("无挤占、无截流现象。", "term.typo-context", "截流"),
        ("及时拔付资金。", "term.typo", "拔付"),
        ("预算执行律为95%。", "term.typo", "执行律"),
        ("对项目进行进行了评价。", "repetition.doubled-phrase", "进行进行"),
        ("全面开展绩效绩效自评。", "repetition.doubled-phrase", "绩效绩效"),
        ("建立了完善的的管理制度。", "repetition.doubled-char", "的的"),
        ("项目实施后社会效益显著。", "vague.evaluative-claim", "效益显著"),
        ("项目实施后达成预期指标。", "vague.verdict-actual", "达成预期指标"),
        ("年度目标：加强职工队伍建设。", "vague.unquantified-goal", "加强职工队伍建设"),
        ("职工生活条件有所改善。", "vague.imprecise-degree", "有所改善"),
    ],
)
def test_rule_finds_its_example(text: str, rule_id: str, quote: str) -> None:
    ctx, findings = check(text)
    hits = [f for f in findings if f.rule == rule_id]
    assert [f.quote for f in hits] == [quote], rules_of(findings)
    assert ctx.text[hits[0].start : hits[0].end] == quote


def test_substitution_regex_expands_backreferences(tmp_path: Path) -> None:
    pack = tmp_path / "extra.yaml"
    pack.write_text(
        "rules:\n"
        "  - id: local.rate\n"
        "    kind: substitution\n"
        "    category: typo\n"
        "    regex: true\n"
        "    message: 应为“{right}”\n"
        "    suggestion: '{right}'\n"
        "    swap: {'(执行|完成)律': '\\1率'}\n",
        encoding="utf-8",
    )
    _, findings = check("完成律为98%。", packs=[str(pack)], disable=["terms"])
    assert [(f.rule, f.quote, f.suggestion, f.message) for f in findings] == [
        ("local.rate", "完成律", "完成率", "应为“完成率”")
    ]


def test_occurrence_flags_each_use_beyond_the_limit() -> None:
    text = "进一步加强管理。进一步加强监督。进一步加强培训。进一步加强宣传。进一步加强考核。"
    _, findings = check(text)
    hits = [f for f in findings if f.rule == "vague.boilerplate"]
    assert len(hits) == 2
    assert "第4次" in hits[0].message and "第5次" in hits[1].message
    assert hits[0].start == text.index("进一步加强宣传")


def test_occurrence_in_paragraph_scope_counts_each_paragraph_apart() -> None:
    one = "加强管理，加强监督，加强培训。"
    _, findings = check(one + "\n" + "加强考核，加强宣传。")
    hits = [f for f in findings if f.rule == "vague.boilerplate-paragraph"]
    assert [f.start for f in hits] == [one.index("加强培训")]


def test_goal_verb_without_goal_context_is_not_a_goal() -> None:
    _, findings = check("财务部门加强了审核。")
    assert not [f for f in findings if f.rule == "vague.unquantified-goal"]


def test_unused_long_match_does_not_hide_a_claim_inside_it() -> None:
    _, findings = check("财务部门加强管理取得良好成效。")
    assert ("vague.evaluative-claim", "取得良好成效") in rules_of(findings)


def test_a_figure_that_measures_silences_a_claim_but_a_year_or_a_budget_does_not() -> None:
    _, with_year = check("2023年项目取得良好成效。")
    _, with_budget = check("2023年项目安排资金20万元，取得良好成效。")
    _, with_result = check("2023年项目帮扶困难家庭420户，取得良好成效。")
    assert rules_of(with_year, "vague.") == [("vague.evaluative-claim", "取得良好成效")]
    assert rules_of(with_budget, "vague.") == [("vague.evaluative-claim", "取得良好成效")]
    assert rules_of(with_result, "vague.") == []


def test_a_bound_or_an_estimate_is_not_a_measured_result() -> None:
    _, bound = check("职工满意度达到90%以上，效果良好。")
    _, measured = check("职工满意度为93.6%，效果良好。")
    assert rules_of(bound, "vague.verdict-actual") or rules_of(bound, "vague.evaluative-claim")
    assert rules_of(measured, "vague.") == []


def test_a_figure_far_away_in_a_flattened_row_does_not_measure_the_claim() -> None:
    row = "| 年度资金总额 | 320.5 | 318.2 | 99.3% | 10 | 9.9 | 项目实施后社会效益显著 |"
    _, findings = check(row)
    assert ("vague.evaluative-claim", "效益显著") in rules_of(findings)


# --- config, registry, packs -------------------------------------------------------------------------------


def test_every_builtin_pack_rule_is_a_registry_rule() -> None:
    ids = {r.id for r in all_rules()}
    pack_ids = {r.id for p in builtin_packs() for r in p.rules}
    assert len(pack_ids) >= 15
    assert pack_ids <= ids
    assert {"vague.evaluative-claim", "placeholder.broken-figure", "term.typo", "repetition.doubled-phrase"} <= ids


def test_config_disables_a_pack_rule_by_its_id() -> None:
    doc = document_from_text("项目取得良好成效，资金以经下达。")
    on = run_checks(doc)
    off = run_checks(doc, config=CheckConfig(disable=["vague.evaluative-claim"]))
    assert "vague.evaluative-claim" in {f.rule for f in on}
    assert "vague.evaluative-claim" not in {f.rule for f in off}
    assert "term.typo-context" in {f.rule for f in off}


def test_config_disables_a_whole_pack_by_name() -> None:
    _, findings = check("项目取得良好成效，资金以经下达。", disable=["vague"])
    assert rules_of(findings) == [("term.typo-context", "以经")]


def test_config_severity_applies_to_pack_rule() -> None:
    _, findings = check("项目取得良好成效。", severity={"vague.evaluative-claim": "error"})
    assert findings[0].severity == "error"


def test_extra_pack_runs_through_the_registry(tmp_path: Path) -> None:
    pack = tmp_path / "local.yaml"
    pack.write_text(
        "name: local\nrules:\n  - {id: local.banned, kind: existence, category: vague_wording, "
        "message: '不用“{match}”', tokens: [众所周知]}\n",
        encoding="utf-8",
    )
    doc = document_from_text("众所周知，预算执行率为98%。")
    findings = run_checks(doc, config=CheckConfig(packs=[str(pack)]))
    hits = [f for f in findings if f.rule == "local.banned"]
    assert [(f.quote, f.message) for f in hits] == [("众所周知", "不用“众所周知”")]


@pytest.mark.parametrize(
    ("body", "expect"),
    [
        ("rules:\n  - {id: a.b, kind: spelling, category: typo, message: m, tokens: [x]}\n", "kind“spelling”未知"),
        ("rules:\n  - {id: a.b, kind: existence, category: typo, message: m, tokens: [x], level: 1}\n", "level"),
        ("rules:\n  - {id: a.b, kind: existence, category: typo, message: m}\n", "tokens"),
        ("rules:\n  - {id: a.b, kind: existence, category: nonsense, message: m, tokens: [x]}\n", "category"),
        ("rules:\n  - {id: a.b, kind: existence, category: typo, message: m, regex: true, tokens: ['(']}\n", "正则"),
        (
            "rules:\n  - {id: a.b, kind: existence, category: typo, message: m, regex: true, tokens: ['(?P<n>x)']}\n",
            "命名分组",
        ),
        (
            "rules:\n  - {id: a.b, kind: existence, category: typo, message: m, tokens: [x]}\n"
            "  - {id: a.b, kind: existence, category: typo, message: m, tokens: [y]}\n",
            "重复",
        ),
        ("rules: [\n", "无法读取"),
        ("- just a list\n", "顶层"),
        ("rules: []\n", "rules"),
    ],
)
def test_malformed_pack_is_an_input_error_naming_the_file(tmp_path: Path, body: str, expect: str) -> None:
    pack = tmp_path / "broken.yaml"
    pack.write_text(body, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_pack(pack)
    assert str(pack) in str(err.value)
    assert expect in str(err.value)


def test_unknown_kind_error_names_the_rule(tmp_path: Path) -> None:
    pack = tmp_path / "broken.yaml"
    pack.write_text("rules:\n  - {id: a.b, kind: spelling, category: typo, message: m}\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"rules\[0\]（a\.b）"):
        check("文本。", packs=[str(pack)])


def test_missing_extra_pack_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nope.yaml"):
        check("文本。", packs=[str(tmp_path / "nope.yaml")])


def test_extra_pack_may_not_reuse_a_builtin_id(tmp_path: Path) -> None:
    pack = tmp_path / "dup.yaml"
    pack.write_text(
        "rules:\n  - {id: term.typo, kind: existence, category: typo, message: m, tokens: [x]}\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match="term.typo"):
        check("文本。", packs=[str(pack)])


def test_trie_pattern_prefers_the_longest_word() -> None:
    import re

    pattern = re.compile(trie_pattern(["圆满", "圆满完成", "完成"]))
    assert pattern.findall("圆满完成任务，圆满结束，完成") == ["圆满完成", "圆满", "完成"]


# --- speed ------------------------------------------------------------------------------------------------


def test_each_pack_is_one_scanner_over_the_text() -> None:
    for pack in builtin_packs():
        scanner = _scanner(pack, frozenset(r.id for r in pack.rules))
        assert scanner is not None and scanner.candidates is not None, pack.name
        # Tokens that could start anywhere need a pass of their own: keep them the exception.
        assert len(scanner.anywhere) <= 1, (pack.name, [t.rule.id for t in scanner.anywhere])


def _matches_tried_everywhere(scanner: _Scanner, text: str) -> list[tuple[str, int, int]]:
    """The straightforward scan: at every position, every target that can start with its character is tried."""
    found = []
    for at, ch in enumerate(text):
        for k, target in enumerate(scanner.by_char.get(ch, [])):
            m = target.pattern.match(text, at)
            if m is not None and m.end() > at:
                found.append((at, k, target.rule.id, m.end()))
    for k, target in enumerate(scanner.anywhere, 10_000):
        found.extend(
            (m.start(), k, target.rule.id, m.end()) for m in target.pattern.finditer(text) if m.end() > m.start()
        )
    return [(rid, at, end) for at, _, rid, end in sorted(found, key=lambda f: (f[0], f[1]))]


def _pieces(pack: Pack) -> list[str]:
    out = ["的", "和", "，", "。", "\n", "|", "2023年", "95%", "80万元", "完成", "工作", "（", "）", "“", "”"]
    for r in pack.rules:
        out += [r.example, r.counter_example, *r.exceptions]
        words = list(getattr(r, "swap", {})) if not getattr(r, "regex", False) else []
        words += getattr(r, "tokens", []) if not getattr(r, "regex", False) else []
        out += words + [w[: len(w) // 2] for w in words] + [w[len(w) // 2 :] for w in words]
    return [p for p in out if p]


def test_one_regex_per_pack_finds_what_trying_every_place_finds() -> None:
    """The pack's finder regex (C skips to where a token matches) loses and adds no match on generated text."""
    rng = random.Random(20)
    extra = Pack.model_validate(
        {
            "name": "made-up",
            "rules": [
                {
                    "id": "t.cls",
                    "kind": "existence",
                    "category": "typo",
                    "message": "m",
                    "regex": True,
                    "tokens": ["[甲乙丙]{2}(?=丁)", "(?<=，)[甲丁]+", "乙?丙丁", "(?:戊|己)(?:戊|己)"],
                },
                {
                    "id": "t.lit",
                    "kind": "existence",
                    "category": "typo",
                    "message": "m",
                    "tokens": ["甲乙", "甲乙丙丁"],
                },
                {"id": "t.swap", "kind": "substitution", "category": "typo", "message": "m", "swap": {"丙丁": "丁丙"}},
            ],
        }
    )
    for pack in [*builtin_packs(), extra]:
        scanner = _scanner(pack, frozenset(r.id for r in pack.rules))
        assert scanner is not None
        pieces = _pieces(pack) + ["甲", "乙", "丙", "丁", "戊", "己"]
        for _ in range(60):
            text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))
            fast = [(t.rule.id, m.start(), m.end()) for t, m in scanner.matches(text)]
            assert fast == _matches_tried_everywhere(scanner, text), (pack.name, text)


ANCHORED = [
    r"([甲乙丙]{2,4})[（(](?=[^（）()\n]{0,3}[甲乙])[^（）()\n]{1,4}[）)]\1",
    r"(?<=丁)[甲乙]{0,3}丙",
    r"(?:甲|乙丙)丁+",
    r"[^丙]{1,3}?丁",
    r"(甲)?(?(1)乙|丙)丁",
    r"\b[甲a]{1,2}[乙b]",
    r"^[甲乙]丁",
    r"(?i)[a-c]{1,2}d",
    r"(?i:a)d",
    r"([甲乙])[丙丁]{0,2}\1",
]


@pytest.mark.parametrize("pattern", ANCHORED)
def test_anchored_scan_finds_what_finditer_finds(pattern: str) -> None:
    """Trying only the places before an anchor character gives finditer's matches, in order, on generated text."""
    try:
        compiled = re.compile(pattern)
    except re.error:
        pytest.skip("not a valid pattern here")
    rng = random.Random(pattern)
    pieces = ["甲", "乙", "丙", "丁", "（", "）", "(", ")", "\n", "a", "B", "c", "D", " ", "甲乙", "乙丙（甲）乙丙"]
    for _ in range(300):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        fast = [(m.start(), m.end(), m.groups()) for m in finditer(compiled, text)]
        assert fast == [(m.start(), m.end(), m.groups()) for m in compiled.finditer(text)], (pattern, text)


SECONDS = [
    "甲乙",
    "甲?乙丙",
    "(?:甲乙|丙)?丁戊",
    "甲[乙丙]{2,}",
    "(?<=丁)甲+乙",
    "甲(?=乙)丙?丁",
    "[甲乙]{0,2}丙丁",
    "甲[^乙]丙",
    "(?:甲|乙丙)+丁",
    "甲*?乙丙",
    "(?>甲乙|丙)丁",
    "甲{2}|乙丙",
    "(?i:a)b",
    "甲",
    "甲乙|丙",
    "(甲)\\1乙",
]


@pytest.mark.parametrize("pattern", SECONDS)
def test_second_characters_hold_every_match_of_two_or_more(pattern: str) -> None:
    """Where ``second_chars`` names a set, no match is one character long and every longer one has its second
    character in the set: the finder may pass over a candidate followed by anything else."""
    second = second_chars(pattern)
    compiled = re.compile(pattern)
    rng = random.Random(pattern)
    for _ in range(300):
        text = "".join(rng.choice("甲乙丙丁戊aAbB") for _ in range(rng.randint(0, 12)))
        for at in range(len(text)):
            m = compiled.match(text, at)
            if m is None or second is None:
                continue
            assert m.end() - at != 1, (pattern, text, at)
            if m.end() - at >= 2:
                assert text[at + 1] in second, (pattern, text, at)


def test_second_characters_of_simple_patterns() -> None:
    assert second_chars("甲?乙丙") == {"乙", "丙"}  # "乙丙" or "甲乙丙"
    assert second_chars("(?:甲乙|丙)?丁戊") == {"乙", "戊", "丁"}
    assert second_chars("甲") is None and second_chars("甲乙|丙") is None  # a one-character match
    assert second_chars("甲[^乙]丙") is None  # its second character may be almost anything


def test_anchor_is_a_nearby_character_every_match_holds() -> None:
    assert anchor(r"([一-龥]{2,4})[（(]x") == ("[\\(（]", 2, 4)
    assert anchor("(?:甲|乙丙)丁") == ("[丁]", 1, 2)
    assert anchor("甲*丁") is None  # no bound on how far before the anchor a match starts
    assert anchor("(?i)ad") is None  # "A" matches too: the parsed characters are not all of them
    assert anchor("甲|乙") == ("[乙甲]", 0, 0)  # one of two characters at the start
    assert anchor("甲丙|乙") is None


def test_several_rules_matching_at_one_place_all_report() -> None:
    # "完成情况良好" is a verdict; the same words open a boilerplate count; both packs' rules see the place.
    _, findings = check("项目完成情况良好，台帐齐全。")
    assert ("vague.verdict-actual", "完成情况良好") in rules_of(findings)
    assert ("term.zhang", "台帐") in rules_of(findings)


# --- every rule of the family: its example fires, its counter-example does not -----------------------------

WORDING_FAMILY = ("vague.", "placeholder.", "term.", "punct.doubled", "punct.docno", "punct.colon", "phrase.", "goals.")


@pytest.mark.parametrize("r", rules_of_family(*WORDING_FAMILY), ids=lambda r: r.id)
def test_rule_example_fires_and_counter_example_does_not(r: Rule) -> None:
    assert_example_and_counter_example(r)


# --- generated rewordings: the rules know the structure, not one report's sentence ---------------------------

_DEGREES = ["较好地", "圆满", "按质按量", "保质保量地", "顺利", "全面", "严格", "高质量"]
_VERBS = ["完成", "达成", "实现", "完成了"]
_OBJECTS = ["年度目标", "各项任务", "既定目标", "全年工作任务", ""]


@pytest.mark.parametrize("degree", _DEGREES)
@pytest.mark.parametrize("verb", _VERBS)
@pytest.mark.parametrize("obj", _OBJECTS)
def test_degree_completion_object_is_a_verdict_in_any_combination(degree: str, verb: str, obj: str) -> None:
    sentence = f"本年度我局{degree}{verb}{obj}。"
    assert findings(sentence, "vague.verdict-actual"), sentence
    measured = f"本年度我局{degree}{verb}{obj}，全年办结案件612件，按期办结率98.7%。"
    assert findings(measured, "vague.verdict-actual") == [], measured


@pytest.mark.parametrize("noun", ["成效", "效益", "社会效益", "成果", "作用"])
@pytest.mark.parametrize("predicate", ["显著", "十分明显", "较为突出", "良好"])
def test_effect_noun_with_a_degree_is_a_claim(noun: str, predicate: str) -> None:
    assert findings(f"项目实施后，{noun}{predicate}。", "vague.evaluative-claim")
    assert findings(f"项目实施后，受益农户860户，人均增收1200元，{noun}{predicate}。", "vague.evaluative-claim") == []


@pytest.mark.parametrize(
    "result",
    [
        "切实保障了困难群众的合法权益",
        "有效提升了窗口单位的服务形象",
        "进一步增强了群众的获得感",
        "营造了浓厚的创业氛围",
    ],
)
def test_a_direction_claimed_as_a_result_needs_a_figure(result: str) -> None:
    assert findings(f"通过项目实施，{result}。", "vague.evaluative-claim")
    assert findings(f"通过项目实施，{result}，群众满意度由88%提高到94.5%。", "vague.evaluative-claim") == []


@pytest.mark.parametrize("verb", ["加强", "提升", "完善", "推动", "做好", "确保", "保障"])
@pytest.mark.parametrize("obj", ["社区服务能力建设", "基层医疗服务水平", "资金监管"])
def test_a_goal_with_a_direction_and_no_quantity(verb: str, obj: str) -> None:
    assert findings(f"年度绩效目标：{verb}{obj}。", "vague.unquantified-goal")
    assert findings(f"年度绩效目标：{verb}{obj}，覆盖率≥95%，12月底前完成。", "vague.unquantified-goal") == []


@pytest.mark.parametrize(
    "text",
    [
        "三、提升基层服务能力情况\n全年培训基层人员420人次。",  # a heading
        "年度目标：完成“提升基层服务能力专项资金”的拨付。",  # a fund's name
        "主要职责：负责加强全县市场监管工作。",  # a duty, not a goal
        "| 产出指标 | 提升服务能力覆盖率 | ≥ | 95 | % | 97% |",  # an indicator's name in a table row
    ],
)
def test_goal_words_in_headings_names_duties_and_indicators_are_left_alone(text: str) -> None:
    assert findings(text, "vague.unquantified-goal") == []
    assert findings(text, "vague.evaluative-claim") == []


def test_indicator_name_is_not_praise() -> None:
    assert [f for f in findings("群众满意度指标值≥90%，实际完成值93%。") if f.rule.startswith("vague.")] == []


def test_a_suggestion_points_to_the_reports_own_results_not_its_spending() -> None:
    text = "三、绩效情况\n预算执行率98%。全年培训农民2184人次。项目取得良好成效。\n四、问题\n无。"
    (claim,) = findings(text, "vague.evaluative-claim")
    assert "全年培训农民2184人次" in claim.suggestion and "98%" not in claim.suggestion


def test_suggestions_never_quote_another_departments_figures() -> None:
    for pack in builtin_packs():
        for r in pack.rules:
            assert not re.search(r"\d{3,}[户人]", r.suggestion), (r.id, r.suggestion)


# --- a whole report: clean as written, and with slips planted the way template reuse leaves them -----------------

REPORT = """青禾县农业农村局2024年度部门整体支出绩效自评报告

根据县财政局《关于开展2024年度部门整体支出绩效自评工作的通知》（青财绩〔2025〕3号）要求，我局对2024年度部门整体支出开展了绩效自评。现将自评情况报告如下：
一、部门基本情况
（一）部门职能
主要职责：负责全县农业农村发展规划的编制和实施；负责农田建设项目管理；指导乡镇农业技术推广工作。
（二）机构和人员情况
我局内设办公室、计划财务股、农田建设股等6个股室，核定编制数42人，实有人数39人。
（三）部门绩效目标的设立情况
年度绩效目标如下：
1.完成高标准农田建设1.2万亩，工程验收合格率100%，12月底前完工。
2.开展农业实用技术培训≥2000人次，参训农民满意度≥90%。
3.农作物病虫害统防统治覆盖率≥45%。
二、部门整体收支情况
2024年部门年初预算3860.00万元，年中因省级下达高标准农田建设补助追加420.00万元，全年预算数4280.00万元；全年支出4165.32万元，预算执行率97.32%。其中：基本支出1126.40万元，项目支出3038.92万元。
三、绩效自评工作情况
本次自评由计划财务股牵头，对照年初设定的12个绩效指标逐项核实，收集佐证材料186份，于2025年3月完成自评。
四、评价情况分析及综合评价结论
（一）产出情况
全年建成高标准农田1.26万亩，完成率105%，工程验收合格率100%，于2024年12月20日前全部完工。开展技术培训2184人次，较目标多184人次。病虫害统防统治覆盖率47.3%。
（二）效益情况
项目区粮食亩产由412公斤提高到438公斤，带动农户增收约860万元；参训农民满意度调查收回问卷620份，满意度为93.6%。
（三）综合评价结论
经自评，部门整体支出绩效得分94.5分，等级为“优”。
五、存在的问题和改进措施
（一）存在的问题
部分项目资金拨付偏慢，第三季度末执行率仅为58.4%，低于序时进度16.6个百分点。
（二）改进措施
建立项目支出月报制度，对执行率低于序时进度10个百分点的项目进行约谈，2025年6月底前修订《农业项目资金管理办法》。
六、其他需说明的情况
无。
"""

PLANTS = [
    # (what is replaced, what replaces it, the rule that must fire)
    ("核定编制数42人，实有人数39人", "实有编制数42人", "term.staffing"),
    ("现将自评情况报告如下", "现将评价况报告如下", "phrase.set-phrase"),
    ("（青财绩〔2025〕3号）", "（青财绩〔2025 3号）", "punct.unclosed-bracket"),
    ("（二）效益情况", "（四）效益情况", "structure.heading-sequence"),
    ("得分94.5分，等级为“优”", "自评等次为优秀", "scores.grade-without-score"),
    ("满意度为93.6%。", "满意度为93.6%，为我区乡村振兴贡献农业力量。", "vague.slogan-purpose"),
    ("开展技术培训2184人次，较目标多184人次。", "各项培训任务均按质按量完成。", "vague.verdict-actual"),
    ("2.开展农业实用技术培训≥2000人次，参训农民满意度≥90%。", "2.进一步提升农民技能水平。", "vague.unquantified-goal"),
    ("我局对2024年度", "我局对2022年度", "dates.stale-year"),
]


def test_a_well_written_report_gets_no_finding() -> None:
    found = run_checks(document_from_text(REPORT))
    assert found == [], [(f.rule, f.quote) for f in found]


@pytest.mark.parametrize(("old", "new", "rule_id"), PLANTS, ids=[p[2] for p in PLANTS])
def test_a_planted_slip_is_found_and_nothing_else_is(old: str, new: str, rule_id: str) -> None:
    assert old in REPORT
    found = run_checks(document_from_text(REPORT.replace(old, new, 1)))
    assert rule_id in {f.rule for f in found}, [(f.rule, f.quote) for f in found]
    assert all(f.severity != "error" for f in found), [(f.rule, f.quote) for f in found if f.severity == "error"]


def test_heading_markers_found_from_their_first_character_match_the_lookbehind_scan() -> None:
    """goals' marker index (the engine skips to marker characters) gives exactly MARKER_AFTER.finditer."""
    rng = random.Random(5)
    pieces = [
        "一、",
        "十一、",
        "（二）",
        "(3)",
        "12.",
        "3、",
        "4.5",
        "1.",
        "\n",
        "。",
        "，",
        " ",
        "绩效目标",
        "A",
        "２.",
        "是",
    ]
    for _ in range(400):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 25)))
        expected = [(m.start(), m.end(), m.group(1)) for m in MARKER_AFTER.finditer(text)]
        assert markers(text) == expected, text


def test_remembered_message_and_suggestion_are_the_templates_filled() -> None:
    """A finding's texts come from a memo: the same as filling both templates, for every rule and many matches,
    asked for again or not."""
    rng = random.Random(7)
    for pack in builtin_packs():
        for r in pack.rules:
            for _ in range(5):
                word = "".join(rng.choice("提升工作质量{}match") for _ in range(rng.randint(0, 6)))
                values = {"match": word, "right": word[::-1], "n": str(len(word)), "max": "2", "unit": word[:2]}
                for key in rng.sample(sorted(values), rng.randint(0, 4)):
                    del values[key]
                expected = (_fill(r.message, values), _fill(r.suggestion, values))
                assert _texts(r, values) == expected == _texts(r, dict(values)), (r.id, values)


def test_exceptions_are_judged_as_by_searching_around_every_match() -> None:
    """The shortcuts (a text no exception holds, a match longer than every exception) give what searching the
    exceptions around the match gives, on generated text and spans of every length."""
    rng = random.Random(11)
    rule = Pack.model_validate(
        {
            "name": "made-up",
            "rules": [
                {
                    "id": "t.exc",
                    "kind": "existence",
                    "category": "typo",
                    "message": "m",
                    "tokens": ["光"],
                    "exceptions": ["X光", "光盘", "X光片机", "阳光"],
                }
            ],
        }
    ).rules[0]
    search = re.compile(trie_pattern(list(rule.exceptions)))
    reach = max(map(len, rule.exceptions))

    def plain(text: str, start: int, end: int) -> bool:
        window = search.finditer(text, max(0, start - reach), min(len(text), end + reach))
        return any(e.start() <= start and e.end() >= end for e in window)

    covered = 0
    for _ in range(400):
        text = "".join(rng.choice(["X", "光", "盘", "片", "机", "阳", "的", "，"]) for _ in range(rng.randint(1, 14)))
        for start in range(len(text)):
            for end in range(start + 1, len(text) + 1):
                expected = plain(text, start, end)
                covered += expected
                assert _excepted(rule, text, start, end) is expected, (text, start, end)
    assert covered > 200


def test_one_pass_over_a_sentence_s_figures_answers_as_the_two_look_ups() -> None:
    """``measured`` with a sentence reads its figures once: the same answer as looking in the span and then
    counting the sentence's figures, for spans inside generated sentences, figure kinds and bound settings."""
    rng = random.Random(3)
    pieces = ["完成", "培训", "120人次", "95%", "约80人", "≥90%", "一批", "3.5个百分点", "2024年", "12月",
              "80万元", "，", "提升", "得分92分", "几批"]  # fmt: skip
    kind_sets = [frozenset(["count"]), frozenset(["percent", "percent_point", "count", "score"]), frozenset()]

    def plain(
        ctx: Context, kinds: frozenset[str], bounds: bool, span: tuple[int, int], sentence: tuple[int, int] | None
    ) -> bool:
        def counts(n: Any) -> bool:
            return (
                n.kind in kinds
                and not _VAGUE_COUNT.fullmatch(n.raw)
                and (bounds or (n.comparator is None and not n.approximate))
            )

        if any(counts(n) for n in ctx.numbers_in(*span)):
            return True
        return sentence is not None and sum(counts(n) for n in ctx.numbers_in(*sentence)) >= 2

    seen = set()
    for _ in range(150):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) + "。"
        ctx = Context(doc=document_from_text(text), config=CheckConfig())
        sentence = (0, len(ctx.text))
        for _ in range(20):
            lo = rng.randint(0, len(ctx.text))
            hi = rng.randint(lo, len(ctx.text))
            kinds, bounds = rng.choice(kind_sets), rng.random() < 0.5
            for whole in (sentence, None):
                expected = plain(ctx, kinds, bounds, (lo, hi), whole)
                seen.add((expected, whole is None))
                assert measured(ctx, kinds, bounds, (lo, hi), whole) is expected, (text, lo, hi, kinds, bounds, whole)
    assert len(seen) == 4  # measured and not, with and without the sentence


def test_the_third_character_test_of_literal_words_loses_no_match() -> None:
    """A pack of literal words: its finder also asks the character two places on (a word's third), except after
    a candidate with a two-character word; it finds what trying every place finds."""
    pack = Pack.model_validate(
        {
            "name": "made-up-words",
            "rules": [
                {
                    "id": "t.words",
                    "kind": "existence",
                    "category": "typo",
                    "message": "m",
                    "tokens": ["甲乙丙", "乙丙丁戊", "丙丁甲", "丁戊"],
                },
                {
                    "id": "t.swap",
                    "kind": "substitution",
                    "category": "typo",
                    "message": "m",
                    "swap": {"戊己甲": "己戊甲"},
                },
            ],
        }
    )
    scanner = _scanner(pack, frozenset(r.id for r in pack.rules))
    assert scanner is not None and _third(scanner) != ""
    rng = random.Random(30)
    found = 0
    for _ in range(400):
        text = "".join(rng.choice("甲乙丙丁戊己，") for _ in range(rng.randint(1, 30)))
        fast = [(t.rule.id, m.start(), m.end()) for t, m in scanner.matches(text)]
        expected = _matches_tried_everywhere(scanner, text)
        found += len(expected)
        assert fast == expected, text
    assert found > 100
