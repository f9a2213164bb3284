"""Drafting with a model on the loopback server: placeholders filled, invented figures caught, failures contained."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fake_openai import FakeOpenAI, Status
from pydantic import SecretStr

from assistant.budget.loader import load_data
from assistant.budget.models import ReportData
from assistant.drafting.model import UNVERIFIED, clean_answer
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
        else "本部门按要求开展了相关工作，详见数据。"
    )
    result = draft(data, model=client(fake_openai, tmp_path), sections=["1.3", "1.1"])
    s = result.section("1.3")
    assert s is not None and s.source == "model"
    assert s.text == "2023年度部门预算总支出3240.79万元，其中基本支出2552.45万元，项目支出718.34万元。"
    assert result.model == "fake-model"
    assert {sec.source for sec in result.sections} == {"model"}


def test_invented_and_wrong_figures_never_reach_the_output_unmarked(
    fake_openai: FakeOpenAI, tmp_path: Path, data: ReportData
) -> None:
    # The model keeps typing its own figures: one right, one wrong, one invented, through every repair round.
    fake_openai.default = "全年基本支出2552.45万元，项目支出800万元，慰问困难职工12345人。"
    # No cache: an identical repair request would otherwise be answered from it without reaching the server.
    result = draft(data, model=client(fake_openai, tmp_path, use_cache=False), sections=["1.3"])
    s = result.section("1.3")
    assert s is not None
    assert "2552.45万元" in s.text and "2552.45万元" + UNVERIFIED not in s.text  # a right figure stays clean
    assert "800万元" + UNVERIFIED in s.text
    assert "12345人" + UNVERIFIED in s.text
    bad = [f for f in s.findings if f.category == "ungrounded_number"]
    assert {f.quote for f in bad} >= {"800万元", "12345人"}
    assert all(s.text[f.start : f.end] == f.quote for f in s.findings)
    # The section went back to the model with the problems: 1 first answer + 2 repair rounds.
    assert len(fake_openai.chat_requests) == 3
    assert "800万元" in fake_openai.chat_requests[1].json["messages"][-1]["content"]


def test_repair_round_fixes_an_invented_figure(fake_openai: FakeOpenAI, tmp_path: Path, data: ReportData) -> None:
    fake_openai.default = lambda body: (
        "基本支出{budget.basic}。" if is_repair(body) else "基本支出2600万元。各项工作成效显著。"
    )
    result = draft(data, model=client(fake_openai, tmp_path), sections=["1.3"])
    s = result.section("1.3")
    assert s is not None and s.text == "基本支出2552.45万元。"
    assert [f for f in s.findings if f.category == "ungrounded_number"] == []
    repair = fake_openai.chat_requests[1].json["messages"][-1]["content"]
    assert "2600万元" in repair and "成效显著" in repair


def test_unknown_fact_id_is_marked_for_checking(fake_openai: FakeOpenAI, tmp_path: Path, data: ReportData) -> None:
    fake_openai.default = "全年执行数为{budget.made_up}。"
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
    fake_openai.default = lambda body: Status(500) if is_repair(body) else "基本支出2600万元。"
    result = draft(data, model=client(fake_openai, tmp_path), sections=["1.3"])
    s = result.section("1.3")
    assert s is not None and s.source == "model"
    assert s.text == "基本支出2600万元" + UNVERIFIED + "。"
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
