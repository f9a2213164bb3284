"""The response cache: identical requests are served from disk without HTTP; --no-cache asks again."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from fake_openai import FakeOpenAI
from pydantic import BaseModel, SecretStr

from assistant.llm import CallLog, ModelClient, ModelConfig, ResponseCache, Store, cache_key

MSGS = [{"role": "user", "content": "写“部门基本情况”一节。"}]


class Verdict(BaseModel):
    ok: bool


def client_for(server: FakeOpenAI, tmp_path: Path, *, use_cache: bool = True, **config: Any) -> ModelClient:
    cfg = ModelConfig(model="fake-model", base_url=server.base_url, api_key=SecretStr("sk-cache-key-123456"), **config)
    store = Store(tmp_path / "calls.sqlite")
    return ModelClient(
        cfg, cache=ResponseCache(store=store), log=CallLog(store=store), use_cache=use_cache, backoff_base=0.01
    )


def complete(client: ModelClient, messages: list[dict[str, Any]] = MSGS, **kw: Any) -> Any:
    return asyncio.run(client.complete(messages, template="section", template_hash="h", **kw))


def test_cached_rerun_makes_no_http_request(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    fake_openai.script(["第一次的回答"])
    first = complete(client_for(fake_openai, tmp_path))
    again = complete(client_for(fake_openai, tmp_path))  # a new run: new client, same file
    assert len(fake_openai.chat_requests) == 1
    assert again.text == first.text == "第一次的回答"
    assert again.cached and again.attempts == 0 and not first.cached
    assert again.tokens_out == first.tokens_out


def test_cache_hit_is_logged_as_cached(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    client = client_for(fake_openai, tmp_path)
    complete(client)
    complete(client)
    assert client.log is not None
    assert [r.cached for r in client.log.recent(5)] == [True, False]


def test_no_cache_asks_the_server_again(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    fake_openai.script(["旧回答", "新回答"])
    complete(client_for(fake_openai, tmp_path))
    fresh = complete(client_for(fake_openai, tmp_path, use_cache=False))
    assert fresh.text == "新回答" and not fresh.cached
    assert len(fake_openai.chat_requests) == 2
    assert complete(client_for(fake_openai, tmp_path)).text == "新回答"  # and refreshed the cache


def test_different_messages_or_temperature_miss_the_cache(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    complete(client_for(fake_openai, tmp_path))
    complete(client_for(fake_openai, tmp_path), [{"role": "user", "content": "写另一节。"}])
    complete(client_for(fake_openai, tmp_path, temperature=0.7))
    assert len(fake_openai.chat_requests) == 3


def test_streamed_cache_hit_delivers_the_text_once(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    fake_openai.script(["流式回答"])
    complete(client_for(fake_openai, tmp_path), stream=True)
    shown: list[str] = []
    again = complete(client_for(fake_openai, tmp_path), stream=True, on_delta=shown.append)
    assert again.cached and shown == ["流式回答"]
    assert len(fake_openai.chat_requests) == 1


def test_structured_rerun_is_served_from_cache(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    fake_openai.reject_json_schema = 500
    fake_openai.script(['{"ok": true}'])

    def run() -> Any:
        client = client_for(fake_openai, tmp_path)
        return asyncio.run(client.structured(MSGS, Verdict, template="review", template_hash="h"))

    first = run()
    # json_schema refused twice (a 500 must repeat to count as a refusal), then json_object answers
    assert first.mode_used == "json_object" and len(fake_openai.chat_requests) == 3
    again = run()  # the unsupported json_schema is remembered in the file, so not even a probe
    assert again.value.ok and again.completion.cached and again.mode_used == "json_object"
    assert len(fake_openai.chat_requests) == 3


def test_answers_failing_validation_are_not_kept(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    fake_openai.script(["不是 JSON", '{"ok": false}'])
    client = client_for(fake_openai, tmp_path)
    asyncio.run(client.structured(MSGS, Verdict, template="review", template_hash="h"))
    fake_openai.script(['{"ok": true}'])
    rerun = asyncio.run(client.structured(MSGS, Verdict, template="review", template_hash="h"))
    assert rerun.value.ok is True and not rerun.completion.cached


def test_cache_key_covers_what_determines_the_answer() -> None:
    base: dict[str, Any] = {
        "endpoint": "http://x/v1",
        "model": "m",
        "messages": MSGS,
        "temperature": 0.2,
        "response_format": None,
    }
    key = cache_key(**base)
    assert cache_key(**{**base, "endpoint": "http://x/v1/"}) == key
    for change in (
        {"endpoint": "http://y/v1"},
        {"model": "n"},
        {"messages": [{"role": "user", "content": "别的"}]},
        {"temperature": 0.0},
        {"response_format": {"type": "json_object"}},
    ):
        assert cache_key(**{**base, **change}) != key, change
