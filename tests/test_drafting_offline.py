"""The offline draft: structure, grounded figures, placeholders, data issues as findings, the JSON contract."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from report_shape import EXAMPLE_DATA as EXAMPLES
from report_shape import PARTS

from assistant.budget.facts import build_facts
from assistant.budget.loader import load_data
from assistant.budget.models import ReportData
from assistant.drafting import (
    OFFLINE_NOTE,
    Draft,
    draft_offline,
    fill,
    placeholder_ids,
    plan_sections,
)
from assistant.errors import InputError
from assistant.text.numbers import find_numbers

SUBSECTIONS = {
    "1": ["（一）部门概况", "（二）部门绩效目标的设立情况", "（三）部门整体收支情况", "（四）部门预算管理制度建设情况"],
    "2": ["（一）绩效自评的目的", "（二）自评组织过程"],
    "3": ["（一）评价情况分析", "（二）综合评价结论"],
    "4": ["（一）存在的问题", "（二）整改情况"],
}
DIGITS = re.compile(r"\d+")
YEAR = re.compile(r"(?:19|20)\d{2}(?=年)")
# Numerals that are not figures: dates, list numbers, document numbers (财预〔2020〕10号), ordinals (第3批).
NOT_FIGURE = re.compile(r"\d{1,2}(?=[月日])|(?:^|(?<=[\n。；：，）)]))[（(]?\d{1,2}[.、）)]|〔\d{4}〕\d+号|第\d+")


def _draft(path: Path) -> tuple[ReportData, Draft]:
    data = load_data(path)
    return data, draft_offline(data, build_facts(data), data_path=str(path))


def _minimal(**extra: object) -> ReportData:
    raw: dict[str, object] = {
        "year": 2024,
        "department": {"name": "某某局"},
        "budget": {"initial_by_source": [{"source": "财政拨款", "amount": 100}], "basic": 60, "project": 40},
    }
    raw.update(extra)
    return ReportData.model_validate(raw)


def _ids(pairs: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a <= start and end <= b for a, b in pairs)


@pytest.fixture(scope="module", params=EXAMPLES, ids=[p.stem for p in EXAMPLES])
def example(request: pytest.FixtureRequest) -> tuple[ReportData, Draft]:
    return _draft(request.param)


def test_examples_exist() -> None:
    assert any(p.stem == "kunming-2023" for p in EXAMPLES)


def test_seven_parts_in_printed_order(example: tuple[ReportData, Draft]) -> None:
    _, draft = example
    top = [s.title for s in draft.sections if s.level == 1 and s.kind == "narrative"]
    assert top == PARTS
    for parent, titles in SUBSECTIONS.items():
        assert [s.title for s in draft.sections if s.id.startswith(parent + ".")] == titles


def test_every_project_has_its_table_section(example: tuple[ReportData, Draft]) -> None:
    data, draft = example
    ids = [s.id for s in draft.sections if s.kind == "table"]
    assert ids == ["table.overall", *[f"table.p{i}" for i in range(1, len(data.projects) + 1)]]
    assert all(s.source == "offline" for s in draft.sections)
    assert draft.notes[0].startswith(OFFLINE_NOTE)


def test_no_figure_outside_a_fact_unless_visibly_flagged(example: tuple[ReportData, Draft]) -> None:
    _, draft = example
    # A figure of the department's own text is sourced once per draft; its repeats are the same figure.
    sourced = {f.quote for f in draft.findings if f.category == "ungrounded_number"}
    for section in draft.sections:
        text = section.text
        allowed = [(f.start, f.end) for f in section.spans]
        allowed += [(f.start, f.end) for f in section.findings]
        allowed += [(n.start, n.end) for n in find_numbers(text) if n.raw in sourced]
        allowed += [(m.start(), m.end()) for m in YEAR.finditer(text)]
        allowed += [(m.start(), m.end()) for m in NOT_FIGURE.finditer(text)]
        stray = [m.group(0) for m in DIGITS.finditer(text) if not _ids(allowed, m.start(), m.end())]
        assert not stray, f"{section.id}: digits {stray} are neither facts nor flagged"
        assert "【待核实" not in text


def test_template_text_types_no_digit_itself() -> None:
    data = _minimal(
        budget={
            "initial_by_source": [{"source": "财政拨款", "amount": 100}, {"source": "其他资金", "amount": 20}],
            "adjustments": [{"kind": "调增", "amount": 5, "reason": "追加经费"}],
            "total": 125,
            "basic": 80,
            "project": 45,
            "executed": 110,
            "carryover": 15,
        },
        projects=[
            {
                "name": "甲项目",
                "initial_budget": 40,
                "total_budget": 45,
                "executed": 30,
                "indicators": [
                    {
                        "level1": "产出指标",
                        "name": "培训人次",
                        "comparator": "≥",
                        "target": 300,
                        "unit": "人次",
                        "actual": 280,
                    }
                ],
                "self_score": 88,
                "grade": "良",
            }
        ],
        self_assessment={"score": 91.5, "grade": "优"},
    )
    draft = draft_offline(data, build_facts(data))
    for section in draft.sections:
        spans = [(f.start, f.end) for f in section.spans if not f.matched]
        spans += [(m.start(), m.end()) for m in YEAR.finditer(section.text)]
        stray = [m.group(0) for m in DIGITS.finditer(section.text) if not _ids(spans, m.start(), m.end())]
        assert not stray, f"{section.id}: {stray}"
        assert not [f for f in section.findings if f.category == "ungrounded_number"]
    text = draft.section("1.3").text  # type: ignore[union-attr]
    for figure in ("120万元", "5万元", "125万元", "80万元", "45万元", "110万元", "88.00%", "15万元"):
        assert figure in text


def test_fill_replaces_known_ids_and_records_spans() -> None:
    sheet = build_facts(_minimal())
    filled = fill("基本支出{budget.basic}，项目支出{budget.project}。", sheet)
    assert filled.text == "基本支出60万元，项目支出40万元。"
    assert [(f.id, filled.text[f.start : f.end]) for f in filled.facts] == [
        ("budget.basic", "60万元"),
        ("budget.project", "40万元"),
    ]
    assert filled.unknown == []


def test_every_amount_is_written_in_the_drafts_one_money_unit() -> None:
    # A unit asked for in a placeholder does not break the rule: one unit throughout, converted exactly.
    sheet = build_facts(_minimal(), money_unit="元")
    filled = fill("基本支出{budget.basic}，项目支出{budget.project|万元}。", sheet)
    assert filled.text == "基本支出600000元，项目支出400000元。"
    with pytest.raises(InputError, match="金额单位"):
        build_facts(_minimal(), money_unit="万")


def test_fill_marks_unknown_id_visibly_and_reports_it() -> None:
    sheet = build_facts(_minimal())
    filled = fill("执行数{budget.executed}。", sheet)
    assert filled.text == "执行数【待核实：budget.executed】。"
    assert filled.unknown == ["budget.executed"]
    assert filled.facts == []


def test_fill_keeps_escaped_braces_literal() -> None:
    sheet = build_facts(_minimal())
    assert fill("{{budget.basic}}", sheet).text == "{budget.basic}"


def test_placeholder_ids_in_order_without_repeats() -> None:
    assert placeholder_ids("{a.b}与{p2.executed|元}，{a.b}，{{x}}") == ["a.b", "p2.executed"]


def test_braces_in_data_text_stay_text() -> None:
    data = _minimal(problems=["原文写有{budget.basic}字样"])
    draft = draft_offline(data, build_facts(data))
    assert "原文写有{budget.basic}字样" in draft.section("4.1").text  # type: ignore[union-attr]


def test_kunming_parts_total_is_a_finding_on_section_1_3() -> None:
    _, draft = _draft(next(p for p in EXAMPLES if p.stem == "kunming-2023"))
    section = draft.section("1.3")
    assert section is not None
    hits = [f for f in section.findings if f.rule == "data-parts-total"]
    assert hits and hits[0].category == "arithmetic" and hits[0].source == "check"
    assert hits[0].section == "（三）部门整体收支情况"
    assert section.text[hits[0].start : hits[0].end] == hits[0].quote == "2552.45万元"
    assert hits[0] in draft.findings


def test_kunming_low_execution_without_reason_is_flagged_on_its_project() -> None:
    _, draft = _draft(next(p for p in EXAMPLES if p.stem == "kunming-2023"))
    section = draft.section("table.p1")
    assert section is not None
    hit = next(f for f in section.findings if f.rule == "data-low-execution-no-reason")
    assert hit.category == "missing_value" and hit.quote == "56.56%"
    assert "【请补充：执行率偏低的原因及改进措施】" in section.text


def test_empty_lists_get_a_marked_prompt_never_invented_content() -> None:
    data = _minimal()
    draft = draft_offline(data, build_facts(data))
    assert draft.section("4.1").text == "【请补充：本年度存在的主要问题，建议写明具体项目和数据】"  # type: ignore[union-attr]
    for sid in ("4.2", "5", "6", "7", "2.1", "2.2", "3.2"):
        section = draft.section(sid)
        assert section is not None and section.text.startswith("【请补充："), sid
        assert any(f.category == "placeholder" for f in section.findings)


def test_no_projects_still_gives_an_honest_analysis_section() -> None:
    data = _minimal()
    draft = draft_offline(data, build_facts(data))
    assert [s.id for s in draft.sections if s.kind == "table"] == ["table.overall"]
    assert draft.section("3.1").text.startswith("【请补充：")  # type: ignore[union-attr]


def test_conclusion_states_scores_without_reviewer_language() -> None:
    path = next((p for p in EXAMPLES if p.stem.startswith("education")), None)
    if path is None:
        pytest.skip("no scored example")
    _, draft = _draft(path)
    text = draft.section("3.2").text  # type: ignore[union-attr]
    assert "自评得分" in text
    assert "重算" not in text  # a recomputed score that differs is a finding for the drafter, not report text


def test_sections_argument_limits_the_draft_and_rejects_unknown_ids() -> None:
    data = _minimal()
    sheet = build_facts(data)
    assert [s.id for s in draft_offline(data, sheet, sections=["1.3", "7"]).sections] == ["1.3", "7"]
    with pytest.raises(InputError, match="没有这些章节"):
        draft_offline(data, sheet, sections=["9"])


def test_plan_ids_are_stable() -> None:
    data = _minimal(projects=[{"name": "甲"}, {"name": "乙"}])
    ids = [s.id for s in plan_sections(data)]
    assert ids[:5] == ["1", "1.1", "1.2", "1.3", "1.4"]
    assert ids[-3:] == ["table.overall", "table.p1", "table.p2"]


def test_json_contract_shape(example: tuple[ReportData, Draft]) -> None:
    _, draft = example
    contract = draft.to_contract()
    assert set(contract) == {"model", "money_unit", "sections", "findings"}
    assert contract["money_unit"] == "万元"
    assert contract["model"] is None
    finding_keys = [
        "rule",
        "category",
        "severity",
        "message",
        "suggestion",
        "quote",
        "start",
        "end",
        "section",
        "source",
    ]
    total = 0
    for raw in contract["sections"]:
        table = ["table"] if raw["id"].startswith("table.") else []
        assert list(raw) == ["id", "title", "text", "source", "findings", *table]
        for block in raw.get("table", {}).get("blocks", []):
            assert all(len(row) == len(block["header"]) for row in block["rows"])
        assert raw["source"] == "offline"
        for f in raw["findings"]:
            assert list(f) == finding_keys
            assert raw["text"][f["start"] : f["end"]] == f["quote"]
            assert f["section"] == raw["title"]
        total += len(raw["findings"])
    assert len(contract["findings"]) == total
    assert all(list(f) == finding_keys for f in contract["findings"])


# -- the department's own text, reviewed while drafting -----------------------------------------------------------


def _dept_draft() -> Draft:
    data = _minimal(
        department={
            "name": "某某市民政局",
            "counts": [{"label": "常住人口", "value": 1286000, "unit": "人"}],
            "profile": "全市常住人口128.6万人，其中城镇人口80万人；全年资金完成年初预算的100X%，经费均按要求完成指出。",
        },
        achievements=["城镇人口80万人全部纳入救助监测。", "2021年拟开展的摸底排查已作出了积极的努力和贡献。"],
    )
    return draft_offline(data, build_facts(data))


def test_department_figures_are_grounded_after_unit_conversion_else_sourced_once() -> None:
    draft = _dept_draft()
    overview = draft.section("1.1")
    assert overview is not None
    # 128.6万人 is the data's 1286000人: a grounded figure, not a note.
    span = next(f for f in overview.spans if overview.text[f.start : f.end] == "128.6万人")
    assert span.id == "dept.c1"
    sourced = [f for f in draft.findings if f.rule == "draft-department-figure"]
    assert [f.quote for f in sourced] == ["80万人"]  # once, though the draft states it twice
    assert sourced[0].severity == "info" and "来源：部门填报文字" in sourced[0].message


def test_department_text_is_proofread_wherever_it_lands() -> None:
    draft = _dept_draft()
    rules = {f.rule.split(".")[0] for f in draft.findings}
    quotes = {f.quote for f in draft.findings}
    assert "100X%" in quotes  # a broken figure
    assert "完成指出" in quotes  # a typo
    assert any(f.category == "stale_date" and f.quote.startswith("2021") for f in draft.findings)
    assert any(f.category == "vague_wording" for f in draft.findings)
    assert "draft-needs-input" in {f.rule for f in draft.findings} and "placeholder" in rules
    # Our own 【请补充】 marks are reported once, by drafting, not a second time by the review's placeholder rule.
    marks = [f for f in draft.findings if f.quote.startswith("【请补充")]
    assert all(f.rule == "draft-needs-input" for f in marks)


def test_a_draft_of_prose_sections_builds_no_form(monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.drafting.tables as tables

    built: list[str] = []
    real_overall, real_project = tables.overall_form, tables.project_form

    def overall(*a: object, **k: object) -> object:
        built.append("overall")
        return real_overall(*a, **k)  # type: ignore[arg-type]

    def project(data: ReportData, n: int, *a: object, **k: object) -> object:
        built.append(f"p{n}")
        return real_project(data, n, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(tables, "overall_form", overall)
    monkeypatch.setattr(tables, "project_form", project)
    data = load_data(next(p for p in EXAMPLES if "education" in p.name))
    sheet = build_facts(data)
    prose = draft_offline(data, sheet, sections=["1.3"])
    assert built == [] and all(s.table is None for s in prose.sections)
    with_table = draft_offline(data, sheet, sections=["1.3", "table.p2"])
    assert built == ["p2"]
    whole = draft_offline(data, sheet)
    assert with_table.section("table.p2").table == whole.section("table.p2").table  # type: ignore[union-attr]
