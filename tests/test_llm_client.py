"""ModelClient against the loopback fake server: retries, streaming, structured output, secrecy, config."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fake_openai import CutStream, FakeOpenAI, Hang, Raw, Reply, Status
from pydantic import BaseModel, SecretStr

from assistant.errors import InputError, ModelError
from assistant.llm import (
    CallLog,
    ModelClient,
    ModelConfig,
    ResponseCache,
    Store,
    StructuredOutputError,
    extract_json,
    resolve_config,
)

KEY = "sk-test-SECRET-do-not-leak-123456"
MSGS = [{"role": "system", "content": "你是预算绩效报告助手。"}, {"role": "user", "content": "写一段话。"}]
R = TypeVar("R")


class Finding(BaseModel):
    quote: str
    message: str


class Findings(BaseModel):
    findings: list[Finding]


GOOD = '{"findings": [{"quote": "效果明显", "message": "缺少数据支撑"}]}'


def run(coro: Awaitable[R]) -> R:
    async def wrap() -> R:
        return await coro

    return asyncio.run(wrap())


def make_client(server: FakeOpenAI, tmp_path: Path | None = None, **overrides: Any) -> ModelClient:
    options: dict[str, Any] = {"timeout": 2.0, "max_retries": 2, "concurrency": 4}
    client_options = {k: overrides.pop(k) for k in ("use_cache",) if k in overrides}
    options.update(overrides)
    config = ModelConfig(model="fake-model", base_url=server.base_url, api_key=SecretStr(KEY), **options)
    if tmp_path is None:
        return ModelClient(config, backoff_base=0.01, **client_options)
    store = Store(tmp_path / "calls.sqlite")
    return ModelClient(
        config,
        cache=ResponseCache(store=store),
        log=CallLog(store=store),
        backoff_base=0.01,
        **client_options,
    )


def ask(client: ModelClient, messages: list[dict[str, Any]] = MSGS, **kw: Any) -> Any:
    return run(client.complete(messages, template="test", template_hash="h1", **kw))


# -- retries -------------------------------------------------------------------------------------


def test_plain_completion_returns_text_usage_and_latency(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(["本年度预算执行率为{{fact:rate}}。"])
    c = ask(make_client(fake_openai))
    assert c.text == "本年度预算执行率为{{fact:rate}}。"
    assert (c.tokens_in, c.tokens_out) == (sum(len(m["content"]) for m in MSGS), len(c.text))
    assert c.latency_ms >= 0 and not c.cached and c.attempts == 1


def test_429_waits_for_retry_after_then_succeeds(fake_openai: FakeOpenAI) -> None:
    fake_openai.script([Status(429, retry_after=1), "ok"])
    started = time.perf_counter()
    c = ask(make_client(fake_openai))
    assert c.text == "ok" and c.attempts == 2
    assert time.perf_counter() - started >= 0.9  # backoff_base is 0.01, so only Retry-After explains this


def test_500_then_success(fake_openai: FakeOpenAI) -> None:
    fake_openai.script([Status(500), "ok"])
    assert ask(make_client(fake_openai)).text == "ok"
    assert len(fake_openai.chat_requests) == 2


def test_permanent_500_raises_model_error_naming_endpoint_and_model_not_key(fake_openai: FakeOpenAI) -> None:
    fake_openai.default = Status(500, message=f"upstream broke, your key {KEY} is fine")
    with pytest.raises(ModelError) as info:
        ask(make_client(fake_openai))
    message = str(info.value)
    assert fake_openai.base_url in message and "fake-model" in message
    assert KEY not in message and KEY not in repr(info.value)
    assert len(fake_openai.chat_requests) == 3  # 1 + max_retries


def test_unauthorized_is_not_retried(fake_openai: FakeOpenAI) -> None:
    fake_openai.script([Status(401, message="bad key")])
    with pytest.raises(ModelError, match="API key"):
        ask(make_client(fake_openai))
    assert len(fake_openai.chat_requests) == 1


def test_hang_past_timeout_is_retried_then_model_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.default = Hang(5)
    # "超时" in the error is the proof the client's timeout cut the hang short (a 5 s answer would have arrived).
    with pytest.raises(ModelError, match="超时"):
        ask(make_client(fake_openai, timeout=0.3, max_retries=1))
    assert len(fake_openai.chat_requests) == 2


def test_hang_then_answer_succeeds(fake_openai: FakeOpenAI) -> None:
    fake_openai.script([Hang(5), "ok"])
    assert ask(make_client(fake_openai, timeout=0.3)).text == "ok"


def test_dropped_connection_is_retried(fake_openai: FakeOpenAI) -> None:
    fake_openai.script([CutStream(), "ok"])  # non-streaming request: the server just hangs up
    assert ask(make_client(fake_openai)).text == "ok"


def test_non_json_body_is_retried(fake_openai: FakeOpenAI) -> None:
    fake_openai.script([Raw(b"<html>502 Bad Gateway</html>"), "ok"])
    assert ask(make_client(fake_openai)).text == "ok"


# -- streaming -------------------------------------------------------------------------------------


def test_stream_deltas_arrive_in_order_with_usage(fake_openai: FakeOpenAI) -> None:
    fake_openai.script([Reply("一二三四五六", chunks=["一二", "三四", "五六"])])
    deltas: list[str] = []
    c = ask(make_client(fake_openai), stream=True, on_delta=deltas.append)
    assert deltas == ["一二", "三四", "五六"]
    assert c.text == "一二三四五六" and c.tokens_out == 6 and c.finish_reason == "stop"
    assert fake_openai.chat_requests[0].json["stream"] is True
    assert fake_openai.chat_requests[0].json["stream_options"] == {"include_usage": True}


def test_cut_stream_is_retried_and_reset(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(
        [CutStream(after_chunks=2, text="被切断的回答内容很长很长"), Reply("完整回答", chunks=["完整", "回答"])]
    )
    shown: list[str] = []
    c = ask(make_client(fake_openai), stream=True, on_delta=shown.append, on_reset=shown.clear)
    assert c.text == "完整回答" and c.attempts == 2
    assert shown == ["完整", "回答"]


def test_server_rejecting_stream_options_is_asked_again_without(fake_openai: FakeOpenAI) -> None:
    fake_openai.reject_stream_options = 400
    fake_openai.script([Reply("好的")])
    client = make_client(fake_openai)
    c = ask(client, stream=True)
    assert c.text == "好的" and c.tokens_out is None
    assert "stream_options" not in fake_openai.chat_requests[-1].json
    assert "stream_options" in client.unsupported


# -- structured output -----------------------------------------------------------------------------


def structured(client: ModelClient, attempts: int = 3) -> Any:
    return run(client.structured(MSGS, Findings, template="review", template_hash="h2", attempts=attempts))


def test_structured_uses_json_schema_when_supported(fake_openai: FakeOpenAI) -> None:
    fake_openai.script([GOOD])
    result = structured(make_client(fake_openai))
    assert result.value.findings[0].quote == "效果明显"
    assert result.mode_used == "json_schema" and result.attempts == 1 and result.notes == []
    sent = fake_openai.chat_requests[0].json["response_format"]
    assert sent["type"] == "json_schema" and sent["json_schema"]["schema"] == Findings.model_json_schema()


@pytest.mark.parametrize("status", [400, 500])
def test_json_schema_rejected_falls_back_to_json_object(fake_openai: FakeOpenAI, status: int) -> None:
    fake_openai.reject_json_schema = status  # 500 is what llama.cpp's server answers
    fake_openai.script([GOOD])
    client = make_client(fake_openai)
    result = structured(client)
    assert result.mode_used == "json_object"
    assert any(f"HTTP {status}" in n and "json_object" in n for n in result.notes)
    assert "json_schema" in client.unsupported
    # A 400 refuses at once; a 500 is a refusal only when it repeats (once more), not retried as a long outage.
    asked = 2 if status == 400 else 3
    assert len(fake_openai.chat_requests) == asked
    json_object_request = fake_openai.chat_requests[asked - 1].json
    assert json_object_request["response_format"] == {"type": "json_object"}
    assert "JSON Schema" in json_object_request["messages"][0]["content"]
    fake_openai.script([GOOD])
    assert structured(client).mode_used == "json_object"  # remembered: no second probe
    assert len(fake_openai.chat_requests) == asked + 1


def test_both_json_modes_rejected_falls_back_to_text(fake_openai: FakeOpenAI) -> None:
    fake_openai.reject_json_schema = 500
    fake_openai.reject_json_object = 400
    fake_openai.script([f"好的，结果如下：\n```json\n{GOOD}\n```\n以上。"])
    result = structured(make_client(fake_openai))
    assert result.mode_used == "text" and len(result.notes) == 2
    assert "response_format" not in fake_openai.chat_requests[-1].json


@pytest.mark.parametrize("bad", ["", "{ }"])
def test_empty_answer_is_asked_again_with_the_validation_error(fake_openai: FakeOpenAI, bad: str) -> None:
    fake_openai.script([bad, GOOD])
    result = structured(make_client(fake_openai))
    assert result.attempts == 2 and result.mode_used == "json_schema"
    follow_up = fake_openai.chat_requests[1].json["messages"]
    assert follow_up[:-2] == fake_openai.chat_requests[0].json["messages"]
    assert follow_up[-2]["role"] == "assistant"
    expected = "回答为空" if bad == "" else "findings: Field required"
    assert expected in follow_up[-1]["content"]


def test_answer_ignoring_the_schema_is_caught_by_validation(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(['{"result": "报告写得很好"}', GOOD])
    result = structured(make_client(fake_openai))
    assert result.attempts == 2
    assert "findings" in fake_openai.chat_requests[1].json["messages"][-1]["content"]


def test_answer_by_content_with_a_callable(fake_openai: FakeOpenAI) -> None:
    def by_section(request: dict[str, Any]) -> str:
        text = request["messages"][-1]["content"]
        return "第一节" if "一" in text else "其他"

    fake_openai.default = by_section
    client = make_client(fake_openai)
    assert ask(client, [{"role": "user", "content": "写第一部分"}]).text == "第一节"
    assert ask(client, [{"role": "user", "content": "写第二部分"}]).text == "其他"


def test_exhausted_mode_degrades_to_the_next(fake_openai: FakeOpenAI) -> None:
    fake_openai.script(["不是 JSON", "还不是", GOOD])
    result = structured(make_client(fake_openai), attempts=2)
    assert result.mode_used == "json_object" and result.attempts == 3
    assert any("未通过校验" in n for n in result.notes)


def test_all_attempts_failing_raises_structured_output_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.default = "抱歉，我无法回答。"
    with pytest.raises(StructuredOutputError) as info:
        structured(make_client(fake_openai), attempts=2)
    assert info.value.attempts == 6  # 2 per mode × json_schema, json_object, text
    assert info.value.last_text == "抱歉，我无法回答。"
    assert isinstance(info.value, ModelError) and KEY not in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        GOOD,
        f"```json\n{GOOD}\n```",
        f"根据您的要求，审阅结果如下：\n{GOOD}\n希望对您有帮助。",
        f"<think>先想一想 {{x}}</think>\n```\n{GOOD}\n```",
    ],
)
def test_extract_json_finds_the_object(text: str) -> None:
    assert json.loads(extract_json(text) or "null") == json.loads(GOOD)


def test_text_mode_extracts_json_from_fences_and_prose(fake_openai: FakeOpenAI) -> None:
    fake_openai.script([f"好的。\n```json\n{GOOD}\n```"])
    config = {"structured": "text"}
    result = structured(make_client(fake_openai, **config))
    assert result.mode_used == "text" and result.value.findings[0].message == "缺少数据支撑"


# -- concurrency -------------------------------------------------------------------------------------


def test_concurrency_bound_is_respected(fake_openai: FakeOpenAI) -> None:
    fake_openai.latency = 0.1
    client = make_client(fake_openai, concurrency=3)

    async def many() -> list[Any]:
        jobs = [
            client.complete([{"role": "user", "content": f"第{i}节"}], template="t", template_hash="h")
            for i in range(9)
        ]
        return await asyncio.gather(*jobs)

    assert len(run(many())) == 9
    assert fake_openai.max_in_flight == 3  # never more than the bound, and more than one at a time


# -- secrecy and the log ----------------------------------------------------------------------------


def test_key_is_sent_as_bearer_but_never_logged_or_shown(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    fake_openai.script(["ok", Status(500, message=f"invalid key {KEY}")] + [Status(503)] * 3)
    client = make_client(fake_openai, tmp_path)
    ask(client)
    with pytest.raises(ModelError) as info:
        ask(client, [{"role": "user", "content": "另一个问题"}])
    assert fake_openai.chat_requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert KEY not in str(info.value)
    assert KEY not in repr(client.config) and KEY not in str(client.config)
    for path in tmp_path.iterdir():
        assert KEY.encode() not in path.read_bytes(), path
    assert client.log is not None
    rows = client.log.recent(10)
    assert [r.error is None for r in rows] == [False, True]
    assert rows[1].template == "test" and rows[1].template_hash == "h1" and rows[1].messages == MSGS


def test_store_migrations_are_numbered_and_idempotent(tmp_path: Path) -> None:
    first = Store(tmp_path / "calls.sqlite")
    version = first.version
    first.close()
    again = Store(tmp_path / "calls.sqlite")
    assert again.version == version >= 2
    rows = again.conn.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
    assert [r[0] for r in rows] == list(range(1, version + 1))


def test_default_log_path_honours_assistant_home(tmp_path: Path) -> None:
    from assistant.llm import default_path

    assert default_path({"ASSISTANT_HOME": str(tmp_path)}) == tmp_path / "calls.sqlite"
    assert default_path({}).parts[-2:] == (".assistant", "calls.sqlite")


# -- configuration --------------------------------------------------------------------------------------


def test_nothing_configured_means_offline() -> None:
    assert resolve_config(env={}) is None
    assert resolve_config(env={"OPENAI_API_KEY": KEY}) is None  # a key alone chooses no model


def test_flags_beat_environment() -> None:
    env = {"ASSISTANT_MODEL": "env-model", "OPENAI_BASE_URL": "https://env.example/v1", "OPENAI_API_KEY": "env-key"}
    config = resolve_config(model="flag-model", base_url="https://flag.example/v1", api_key="flag-key", env=env)
    assert config is not None
    assert (config.model, config.endpoint, config.secret()) == ("flag-model", "https://flag.example/v1", "flag-key")
    from_env = resolve_config(env=env)
    assert from_env is not None
    assert (from_env.model, from_env.endpoint, from_env.secret()) == ("env-model", "https://env.example/v1", "env-key")


def test_preset_prefix_in_model_name() -> None:
    config = resolve_config(model="deepseek:deepseek-reasoner", env={"DEEPSEEK_API_KEY": "dk"})
    assert config is not None
    assert (config.preset, config.model, config.endpoint, config.secret()) == (
        "deepseek",
        "deepseek-reasoner",
        "https://api.deepseek.com/v1",
        "dk",
    )


@pytest.mark.parametrize(
    ("preset", "model", "url"),
    [
        ("deepseek", "deepseek-chat", "https://api.deepseek.com/v1"),
        ("qwen", "qwen-plus", "https://dashscope.aliyuncs.com/compatible-mode/v1"),
        ("dashscope", "qwen-plus", "https://dashscope.aliyuncs.com/compatible-mode/v1"),
        ("zhipu", "glm-4-flash", "https://open.bigmodel.cn/api/paas/v4"),
        ("moonshot", "moonshot-v1-8k", "https://api.moonshot.cn/v1"),
    ],
)
def test_hosted_presets_supply_endpoint_and_model(preset: str, model: str, url: str) -> None:
    config = resolve_config(preset=preset, env={"OPENAI_API_KEY": "k"})
    assert config is not None and (config.model, config.endpoint) == (model, url)


def test_local_presets_need_no_key_and_keep_ollama_tags() -> None:
    ollama = resolve_config(model="ollama:qwen2.5:7b", env={})
    assert ollama is not None
    assert (ollama.model, ollama.endpoint, ollama.secret()) == ("qwen2.5:7b", "http://127.0.0.1:11434/v1", "ollama")
    vllm = resolve_config(model="Qwen/Qwen2.5-7B-Instruct", env={"ASSISTANT_PRESET": "vllm"})
    assert vllm is not None and vllm.endpoint == "http://127.0.0.1:8000/v1" and vllm.secret() == "not-needed"
    plain = resolve_config(model="qwen2.5:7b", base_url="http://localhost:11434/v1", env={})
    assert plain is not None and plain.model == "qwen2.5:7b" and plain.preset is None


def test_hosted_endpoint_without_key_fails_loudly() -> None:
    with pytest.raises(InputError, match="DEEPSEEK_API_KEY"):
        resolve_config(preset="deepseek", env={})


def test_unknown_preset_lists_known_ones() -> None:
    with pytest.raises(InputError, match="deepseek"):
        resolve_config(preset="deepsek", env={})


def test_preset_without_default_model_asks_for_one() -> None:
    with pytest.raises(InputError, match="--model"):
        resolve_config(preset="ollama", env={})


def test_model_list_from_the_server(fake_openai: FakeOpenAI) -> None:
    assert run(make_client(fake_openai).list_models()) == ["fake-model"]


def test_client_is_reusable_across_event_loops(fake_openai: FakeOpenAI) -> None:
    client = make_client(fake_openai)
    fake_openai.script(["a", "b"])
    assert ask(client).text == "a"
    assert ask(client).text == "b"


def test_llamacpp_preset_runs_one_request_at_a_time() -> None:
    config = resolve_config(preset="llamacpp", model="gemma", env={})
    assert config is not None and config.concurrency == 1
    assert resolve_config(preset="llamacpp", model="gemma", concurrency=3, env={}).concurrency == 3  # type: ignore[union-attr]


def test_every_request_bounds_the_answer_length(fake_openai: FakeOpenAI) -> None:
    run(make_client(fake_openai).complete(MSGS, template="t", template_hash="h"))
    run(make_client(fake_openai).complete(MSGS, template="t", template_hash="h", stream=True))
    assert all(r.json["max_tokens"] == 2048 for r in fake_openai.chat_requests)


def test_a_stream_cut_before_any_text_twice_is_not_retried_again(fake_openai: FakeOpenAI) -> None:
    # llama.cpp ends a stream whose prompt exceeds its context window with [DONE], no text and no finish_reason.
    overflow = Reply("", finish_reason=None, chunks=[])  # type: ignore[arg-type]
    fake_openai.script([overflow, overflow, "不会被请求到"])
    client = make_client(fake_openai, max_retries=3)
    with pytest.raises(ModelError, match="上下文长度"):
        run(client.complete(MSGS, template="t", template_hash="h", stream=True))
    assert len(fake_openai.chat_requests) == 2


def test_llamacpp_preset_waits_longer_for_slow_local_models() -> None:
    config = resolve_config(preset="llamacpp", model="gemma", env={})
    assert config is not None and config.timeout == 300


def test_a_later_mode_failing_still_says_what_was_tried_before(fake_openai: FakeOpenAI) -> None:
    fake_openai.reject_json_schema = 500
    fake_openai.default = Status(503)
    with pytest.raises(ModelError) as info:
        run(make_client(fake_openai, max_retries=0).structured(MSGS, Findings, template="t", template_hash="h"))
    assert "json_schema" in str(info.value) and "HTTP 503" in str(info.value)


def test_a_runs_deadline_covers_a_wait_for_a_free_slot_and_leaves_other_runs_alone(fake_openai: FakeOpenAI) -> None:
    from assistant.llm.deadline import deadline

    def by_content(body: dict[str, Any]) -> Any:
        return Hang(30) if body["messages"][-1]["content"] == "慢" else "快的回答"

    fake_openai.default = by_content
    client = make_client(fake_openai, timeout=30.0, concurrency=1)

    async def slow_run() -> float:
        started = time.perf_counter()
        with deadline(1.0):
            calls = [
                client.complete([{"role": "user", "content": "慢"}], template="t", template_hash="h")
                for _ in range(3)  # one holds the only slot, two wait for it
            ]
            results = await asyncio.gather(*calls, return_exceptions=True)
        assert all(isinstance(r, ModelError) and "总时限" in str(r) for r in results)
        return time.perf_counter() - started

    async def both() -> tuple[float, str]:
        took = await slow_run()
        answer = await client.complete([{"role": "user", "content": "快"}], template="t", template_hash="h")
        await client.aclose()
        return took, answer.text

    took, text = run(both())
    assert took < 3
    assert text == "快的回答"  # no deadline outside the block: the next run is not cut short
    assert len(fake_openai.chat_requests) == 2  # the two waiting calls never reached the server


def test_an_error_event_inside_a_stream_is_retried(fake_openai: FakeOpenAI) -> None:
    error = b'data: {"error": {"message": "model overloaded", "type": "server_error"}}\n\n'
    fake_openai.script([Raw(error, content_type="text/event-stream"), Reply("第二次的回答")])
    c = ask(make_client(fake_openai), stream=True)
    assert c.text == "第二次的回答" and c.attempts == 2


def test_stream_chunks_without_a_delta_or_usage_are_read_as_nothing(fake_openai: FakeOpenAI) -> None:
    events = [
        {"model": "served-name", "choices": [{"index": 0, "delta": None, "finish_reason": None}]},
        {"choices": None},
        {"choices": [{"index": 0, "delta": {"content": "回答"}, "finish_reason": None}], "usage": None},
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        {"choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": "two"}},
    ]
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    fake_openai.script([Raw(body.encode(), content_type="text/event-stream")])
    c = ask(make_client(fake_openai), stream=True)
    assert (c.text, c.model, c.finish_reason) == ("回答", "served-name", "stop")
    assert (c.tokens_in, c.tokens_out) == (7, None)  # a count that is not a number is not invented


def test_the_call_log_writes_ahead_so_a_call_costs_no_sync(tmp_path: Path) -> None:
    store = Store(tmp_path / "calls.sqlite")
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL: synced at checkpoints


def test_every_client_shares_one_tls_context_that_still_verifies_servers(fake_openai: FakeOpenAI) -> None:
    # Built once per process (loading the system certificates is the slow part of opening a client); sharing it
    # must not weaken it: certificates and host names are checked as the SDK's default client would.
    import ssl

    from assistant.llm import transport

    first, second = make_client(fake_openai), make_client(fake_openai)
    assert ask(first).text and ask(second).text
    context = transport._tls_context()
    for client in (first, second):
        sdk = client.transport._sdk
        assert sdk is not None
        assert sdk._client._transport._pool._ssl_context is context  # httpx2's connection pool holds it
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
