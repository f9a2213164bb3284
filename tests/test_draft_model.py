"""Drafting with a model on the loopback server: placeholders filled, invented figures caught, failures contained."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fake_openai import FakeOpenAI, Raw, Status
from pydantic import SecretStr

from assistant.budget.loader import load_data
from assistant.budget.models import ReportData
from assistant.drafting.model import FALLBACK_RULE, UNVERIFIED, clean_answer
from assistant.drafting.pipeline import draft
from assistant.llm import CallLog, ModelClient, ModelConfig, ResponseCache, Store

EXAMPLE = Path(__file__).parents[1] / "examples" / "kunming-2023.yaml"
KEY = "sk-draft-SECRET-key-9876"


@pytest.fixture(scope="module")
def data() -> ReportData:
    return load_data(EXAMPLE)


def client(server: FakeOpenAI, tmp_path: Path, *, use_cache: bool = True) -> ModelClient:
    config = ModelConfig(
        model="fake-model", base_url=server.base_url, api_key=SecretStr(KEY), timeout=2.0, max_retries=1
    )
    store = Store(tmp_path / "calls.sqlite")
    return ModelClient(
        config, cache=ResponseCache(store=store), log=CallLog(store=store), use_cache=use_cache, backoff_base=0.01
    )


def section_title(body: dict[str, Any]) -> str:
    m = re.search(r"请起草章节“([^”]+)”", body["messages"][1]["content"])
    return m.group(1) if m else ""


def is_repair(body: dict[str, Any]) -> bool:
    return len(body["messages"]) > 2


def test_placeholders_become_the_data_figures(fake_openai: FakeOpenAI, tmp_path: Path, data: ReportData) -> None:
    fake_openai.default = lambda body: (
        "2023年度部门预算总支出{budget.expenditure_total}，其中基本支出{budget.basic}，项目支出{budget.project}。"
        if section_title(body) == "（三）部门整体收支情况"
        else "本部门内设{dept.internal_units}，按职责开展工作。"
    )
    result = draft(data, model=client(fake_openai, tmp_path), sections=["1.3", "1.1"])
    s = result.section("1.3")
    assert s is not None and s.source == "model"
    assert s.text == "2023年度部门预算总支出3240.79万元，其中基本支出2552.45万元，项目支出718.34万元。"
    assert result.model == "fake-model"
    assert {sec.source for sec in result.sections} == {"model"}


def test_a_model_that_keeps_inventing_figures_falls_back_and_says_so(
    fake_openai: FakeOpenAI, tmp_path: Path, data: ReportData
) -> None:
    # The model keeps typing its own figures: one right, one wrong, one invented, through every repair round.
    fake_openai.default = (
        "部门预算总支出{budget.expenditure_total}，基本支出2552.45万元，项目支出800万元，慰问困难职工12345人。"
    )
    # No cache: an identical repair request would otherwise be answered from it without reaching the server.
    result = draft(data, model=client(fake_openai, tmp_path, use_cache=False), sections=["1.3"])
    s = result.section("1.3")
    assert s is not None and s.source == "fallback"
    assert "800万元" not in s.text and "12345人" not in s.text
    why = [f for f in s.findings if f.rule == FALLBACK_RULE]
    assert len(why) == 1 and "800万元" in why[0].message and "12345人" in why[0].message
    assert s.text[why[0].start : why[0].end] == why[0].quote
    # The section went back to the model with the problems: 1 first answer + 2 repair rounds.
    assert len(fake_openai.chat_requests) == 3
    assert "800万元" in fake_openai.chat_requests[1].json["messages"][-1]["content"]
    assert "0 节由模型写成，1 节改用离线模板" in result.notes[0]


def test_repair_round_fixes_an_invented_figure(fake_openai: FakeOpenAI, tmp_path: Path, data: ReportData) -> None:
    fake_openai.default = lambda body: (
        "总支出{budget.expenditure_total}，基本支出{budget.basic}。"
        if is_repair(body)
        else "总支出{budget.expenditure_total}，基本支出2600万元。各项工作成效显著。"
    )
    result = draft(data, model=client(fake_openai, tmp_path), sections=["1.3"])
    s = result.section("1.3")
    assert s is not None and s.text == "总支出3240.79万元，基本支出2552.45万元。"
    assert [f for f in s.findings if f.category == "ungrounded_number"] == []
    repair = fake_openai.chat_requests[1].json["messages"][-1]["content"]
    assert "2600万元" in repair and "成效显著" in repair


def test_unknown_fact_id_is_marked_for_checking(fake_openai: FakeOpenAI, tmp_path: Path, data: ReportData) -> None:
    fake_openai.default = "总支出{budget.expenditure_total}，全年执行数为{budget.made_up}。"
    result = draft(data, model=client(fake_openai, tmp_path), sections=["1.3"], repair_rounds=0)
    s = result.section("1.3")
    assert s is not None and "【待核实：budget.made_up】" in s.text
    assert any(f.category == "placeholder" and f.severity == "error" for f in s.findings)


def test_a_failing_section_falls_back_without_losing_the_others(
    fake_openai: FakeOpenAI, tmp_path: Path, data: ReportData
) -> None:
    fake_openai.default = lambda body: (
        Status(500) if section_title(body) == "（一）部门概况" else "部门预算总支出{budget.expenditure_total}。"
    )
    result = draft(data, model=client(fake_openai, tmp_path), sections=["1.1", "1.3"])
    sources = {s.id: s.source for s in result.sections}
    assert sources == {"1.1": "fallback", "1.3": "model"}
    assert result.section("1.1").text  # type: ignore[union-attr]  # the offline text stands in
    assert any("离线模板" in n and "部门概况" in n for n in result.notes)


def test_empty_answers_fall_back_and_say_so(fake_openai: FakeOpenAI, tmp_path: Path, data: ReportData) -> None:
    fake_openai.default = ""
    result = draft(data, model=client(fake_openai, tmp_path), sections=["1.3"])
    assert result.sections[0].source == "fallback"
    assert any("空白" in n for n in result.notes)


def test_cached_rerun_makes_no_request(fake_openai: FakeOpenAI, tmp_path: Path, data: ReportData) -> None:
    fake_openai.default = "部门预算总支出{budget.expenditure_total}。"
    first = draft(data, model=client(fake_openai, tmp_path), sections=["1.3", "1.2"])
    sent = len(fake_openai.chat_requests)
    second = draft(data, model=client(fake_openai, tmp_path), sections=["1.3", "1.2"])
    assert len(fake_openai.chat_requests) == sent
    assert [s.text for s in second.sections] == [s.text for s in first.sections]
    draft(data, model=client(fake_openai, tmp_path, use_cache=False), sections=["1.3"])
    assert len(fake_openai.chat_requests) == sent + 1


def test_sections_are_drafted_concurrently(tmp_path: Path, data: ReportData) -> None:
    with FakeOpenAI(default="本节内容见数据。", latency=0.2) as server:
        draft(data, model=client(server, tmp_path), sections=["1.1", "1.2", "1.3", "1.4"])
        assert server.max_in_flight > 1


def test_the_key_never_reaches_the_log(fake_openai: FakeOpenAI, tmp_path: Path, data: ReportData) -> None:
    fake_openai.default = "部门预算总支出{budget.expenditure_total}。"
    draft(data, model=client(fake_openai, tmp_path), sections=["1.3"])
    assert KEY.encode() not in (tmp_path / "calls.sqlite").read_bytes()
    assert fake_openai.chat_requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_prompt_carries_fact_ids_not_a_license_to_type_figures(
    fake_openai: FakeOpenAI, tmp_path: Path, data: ReportData
) -> None:
    fake_openai.default = "部门预算总支出{budget.expenditure_total}。"
    draft(data, model=client(fake_openai, tmp_path), sections=["1.3"])
    system, user = (m["content"] for m in fake_openai.chat_requests[0].json["messages"])
    assert "占位符" in system
    assert "{budget.basic}：基本支出 = 2552.45万元" in user
    assert "{p1.executed}" not in user  # only the facts this section needs


def test_clean_answer_strips_fences_and_repeated_heading() -> None:
    raw = "```markdown\n## （三）部门整体收支情况\n**基本支出**{budget.basic}。\n```"
    assert clean_answer(raw, "（三）部门整体收支情况") == "基本支出{budget.basic}。"


def test_a_failed_repair_keeps_the_first_answer_marked(
    fake_openai: FakeOpenAI, tmp_path: Path, data: ReportData
) -> None:
    fake_openai.default = lambda body: (
        Status(500) if is_repair(body) else "总支出{budget.expenditure_total}，基本支出2600万元。"
    )
    result = draft(data, model=client(fake_openai, tmp_path), sections=["1.3"])
    s = result.section("1.3")
    assert s is not None and s.source == "model"
    assert s.text == "总支出3240.79万元，基本支出2600万元" + UNVERIFIED + "。"
    assert "1 处数字标为【待核实】" in result.notes[0]
    assert any("保留上一稿" in n for n in result.notes)


def test_repair_requests_stay_small_and_do_not_grow(fake_openai: FakeOpenAI, tmp_path: Path, data: ReportData) -> None:
    # The model keeps typing 40 distinct invented figures; each repair round lists at most 15 and says how many more.
    fake_openai.default = "".join(f"第{i}项支出{1000 + i}万元。" for i in range(40))
    draft(data, model=client(fake_openai, tmp_path, use_cache=False), sections=["1.3"])
    first, second, third = (r.json["messages"] for r in fake_openai.chat_requests)
    assert len(second) == len(third) == len(first) + 2  # original request + latest answer + its problems
    repair = third[-1]["content"]
    assert repair.count("\n- ") == 16 and "另有 25 处" in repair


def test_clean_answer_drops_prompt_and_chat_template_echoes() -> None:
    raw = "基本支出{budget.basic}。<<<参考材料结束>>> [/INST] <<SYS>>"
    assert clean_answer(raw, "（三）部门整体收支情况") == "基本支出{budget.basic}。"


# -- model answers as untrusted prose: figures in any form, thinking, off-topic and figure-free answers ------------


def test_invented_figures_in_chinese_numerals_fall_back(
    fake_openai: FakeOpenAI, tmp_path: Path, data: ReportData
) -> None:
    fake_openai.default = "总支出{budget.expenditure_total}，资助学生三千二百人次，完成率达到百分之九十九。"
    result = draft(data, model=client(fake_openai, tmp_path, use_cache=False), sections=["1.3"])
    s = result.section("1.3")
    assert s is not None and s.source == "fallback"
    assert "三千二百" not in s.text and "百分之九十九" not in s.text
    why = next(f for f in s.findings if f.rule == FALLBACK_RULE)
    assert "三千二百人次" in why.message and "百分之九十九" in why.message
    assert "所有数字均由程序" not in result.notes[0]


def test_one_invented_chinese_numeral_is_marked_not_silent(
    fake_openai: FakeOpenAI, tmp_path: Path, data: ReportData
) -> None:
    fake_openai.default = "总支出{budget.expenditure_total}，全年慰问职工一万二千人。"
    result = draft(data, model=client(fake_openai, tmp_path, use_cache=False), sections=["1.3"])
    s = result.section("1.3")
    assert s is not None and s.source == "model"
    assert "一万二千人" + UNVERIFIED in s.text
    assert any(f.quote == "一万二千人" and f.severity == "error" for f in s.findings)
    assert "1 处数字标为【待核实】" in result.notes[0]


def test_a_right_figure_in_words_counts_as_grounded(fake_openai: FakeOpenAI, tmp_path: Path, data: ReportData) -> None:
    # 3240.79万元 is the data's 预算总支出; written in 元 with a 约, or rounded in 亿元, it is the same figure.
    fake_openai.default = (
        "总支出{budget.expenditure_total}，约32407900元，即约0.32亿元；基本支出二千五百五十二点四五万元。"
    )
    result = draft(data, model=client(fake_openai, tmp_path), sections=["1.3"], repair_rounds=0)
    s = result.section("1.3")
    assert s is not None and s.source == "model"
    assert UNVERIFIED not in s.text
    assert not [f for f in s.findings if f.category == "ungrounded_number"]


def test_thinking_never_reaches_the_draft(fake_openai: FakeOpenAI, tmp_path: Path, data: ReportData) -> None:
    fake_openai.default = "<think>用户要写收支情况。我猜执行数是9999万元，满意度百分之九十八。</think>\n总支出{budget.expenditure_total}。"
    result = draft(data, model=client(fake_openai, tmp_path), sections=["1.3"])
    s = result.section("1.3")
    assert s is not None and s.source == "model"
    assert s.text == "总支出3240.79万元。"
    assert not [f for f in s.findings if f.category == "ungrounded_number"]


def test_half_tagged_and_unclosed_thinking_is_dropped() -> None:
    title = "（三）部门整体收支情况"
    assert clean_answer("先想想：共8888人。</think>总支出{budget.total}。", title) == "总支出{budget.total}。"
    assert clean_answer("总支出{budget.total}。<think>还要补充7777万元", title) == "总支出{budget.total}。"
    assert clean_answer("<THINKING>x</THINKING>正文", title) == "正文"


def test_reasoning_content_is_not_part_of_the_answer(fake_openai: FakeOpenAI, tmp_path: Path, data: ReportData) -> None:
    base = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "fake-model"}
    deltas = [
        {"role": "assistant", "content": "", "reasoning_content": "执行数大概是6666万元"},
        {"reasoning_content": "，再加5555人"},
        {"content": "总支出{budget.expenditure_total}。"},
    ]
    events = [{**base, "choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in deltas]
    events.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    body = "".join(f"data: {json.dumps(e, ensure_ascii=False)}\n\n" for e in events) + "data: [DONE]\n\n"
    fake_openai.default = Raw(body.encode("utf-8"), content_type="text/event-stream")
    result = draft(data, model=client(fake_openai, tmp_path), sections=["1.3"])
    s = result.section("1.3")
    assert s is not None and s.source == "model" and s.text == "总支出3240.79万元。"


def test_an_off_topic_model_falls_back_everywhere(fake_openai: FakeOpenAI, tmp_path: Path, data: ReportData) -> None:
    # The same paragraph for every section, even one that happens to state a real figure.
    fake_openai.default = "我局始终坚持以人民为中心，全年预算总支出{budget.expenditure_total}，各项工作稳步推进。"
    result = draft(data, model=client(fake_openai, tmp_path), sections=["1.1", "1.3", "2.1", "4.1", "6"])
    assert {s.id: s.source for s in result.sections} == dict.fromkeys(["1.1", "1.3", "2.1", "4.1", "6"], "fallback")
    for s in result.sections:
        assert "以人民为中心" not in s.text
        assert any(f.rule == FALLBACK_RULE for f in s.findings), s.id
    assert "0 节由模型写成，5 节改用离线模板" in result.notes[0]


def test_a_figure_free_model_falls_back_where_figures_are_due(
    fake_openai: FakeOpenAI, tmp_path: Path, data: ReportData
) -> None:
    fake_openai.default = lambda body: f"关于{section_title(body)}，本单位按计划推进各项工作。"
    result = draft(data, model=client(fake_openai, tmp_path), sections=["1.1", "1.3", "2.1"])
    sources = {s.id: s.source for s in result.sections}
    assert sources["1.1"] == sources["1.3"] == "fallback"
    why = next(f for f in result.section("1.3").findings if f.rule == FALLBACK_RULE)  # type: ignore[union-attr]
    assert "没有写出本节应有的数据" in why.message and "预算总支出" in why.message
    assert sources["2.1"] == "model"  # nothing there is a figure the data requires
    assert "1 节由模型写成，2 节改用离线模板" in result.notes[0]


def test_section_notes_follow_the_section_order_not_the_answer_order(
    fake_openai: FakeOpenAI, tmp_path: Path, data: ReportData
) -> None:
    import time

    def answer(body: dict[str, Any]) -> Status:
        if section_title(body) == "（一）部门概况":
            time.sleep(1)  # the first section's answer comes back last
        return Status(403)

    fake_openai.default = answer
    result = draft(data, model=client(fake_openai, tmp_path), sections=["1.1", "1.3"])
    told = [n for n in result.notes if n.startswith("章节")]
    assert len(told) == 2 and "部门概况" in told[0] and "收支" in told[1]


def test_the_proofreading_rules_are_ready_after_a_draft_with_a_model(
    fake_openai: FakeOpenAI, tmp_path: Path, data: ReportData
) -> None:
    import importlib

    proofread = importlib.import_module("assistant.drafting.proofread")
    fake_openai.default = "部门预算总支出{budget.expenditure_total}。"
    draft(data, model=client(fake_openai, tmp_path), sections=["1.3"])
    assert proofread._warmed.is_set()
    proofread.warm_up()  # a second call does nothing and never fails
