"""ModelClient: the one way the assistant talks to a model (any OpenAI-compatible endpoint).

Two calls, in the spirit of simonw/llm — :meth:`ModelClient.complete` (text, optionally streamed) and
:meth:`ModelClient.structured` (a validated pydantic value, instructor-style). The client owns the cache,
the call log and what it learned about the endpoint; :class:`~assistant.llm.transport.Transport` owns the
HTTP request, concurrency and retries.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from assistant.errors import ModelError, StructuredOutputError
from assistant.llm import structured as st
from assistant.llm.cache import CachedResponse, ResponseCache, cache_key
from assistant.llm.completion import Completion
from assistant.llm.config import ModelConfig
from assistant.llm.log import CallLog
from assistant.llm.store import Store, StoreUnavailable, problem
from assistant.llm.transport import FormatRejected, Transport, clip

T = TypeVar("T", bound=BaseModel)
R = TypeVar("R")


class ModelClient:
    """Async client for one configured model; share one instance across a run."""

    def __init__(
        self,
        config: ModelConfig,
        *,
        cache: ResponseCache | None = None,
        log: CallLog | None = None,
        use_cache: bool = True,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        retry_after_cap: float = 30.0,
    ) -> None:
        self.config = config
        self.cache = cache
        self.log = log
        self.use_cache = use_cache
        self.transport = Transport(
            config, backoff_base=backoff_base, backoff_cap=backoff_cap, retry_after_cap=retry_after_cap
        )
        self._unsupported: set[str] = set()
        self.notes: list[str] = []
        """What the user should know about this run's client (a call log that could not be used …)."""
        if cache is not None:
            found = self._guard(lambda: cache.unsupported(config.display_endpoint, config.model))
            self._unsupported |= found or set()

    @classmethod
    def open(cls, config: ModelConfig, *, path: str | Path | None = None, use_cache: bool = True) -> ModelClient:
        """A client with the call log and cache in one SQLite file (default ``.assistant/calls.sqlite``).

        A locked, corrupt or read-only file does not stop the run: the client works without cache and log, and
        says so in ``notes``.
        """
        try:
            store = Store(path)
        except StoreUnavailable as exc:
            client = cls(config, use_cache=use_cache)
            client.notes.append(f"{exc}。本次不使用缓存，也不记录模型调用")
            return client
        return cls(config, cache=ResponseCache(store=store), log=CallLog(store=store), use_cache=use_cache)

    @property
    def name(self) -> str:
        """The configured model's name."""
        return self.config.model

    @property
    def concurrency(self) -> int:
        """How many requests this endpoint takes at once (from the configuration)."""
        return self.config.concurrency

    @property
    def unsupported(self) -> frozenset[str]:
        """Features this endpoint was found not to support (``json_schema``, ``json_object``, ``stream_options``)."""
        found = set(self._unsupported)
        if not self.transport.stream_options_ok:
            found.add("stream_options")
        return frozenset(found)

    async def aclose(self) -> None:
        """Close HTTP connections (the log and cache stay open)."""
        await self.transport.aclose()

    async def __aenter__(self) -> ModelClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- public calls ----------------------------------------------------------------------------
    async def complete(
        self,
        messages: list[dict[str, Any]],
        *,
        template: str,
        template_hash: str,
        stream: bool = False,
        on_delta: Callable[[str], None] | None = None,
        on_reset: Callable[[], None] | None = None,
    ) -> Completion:
        """Ask for a text answer; with ``stream`` each piece goes to ``on_delta`` as it arrives.

        If a stream breaks and is retried, ``on_reset`` is called first so the caller can clear what it showed.
        """
        return await self._complete(
            messages,
            template=template,
            template_hash=template_hash,
            mode="text",
            response_format=None,
            stream=stream,
            on_delta=on_delta,
            on_reset=on_reset,
        )

    async def structured(
        self,
        messages: list[dict[str, Any]],
        schema: type[T],
        *,
        template: str,
        template_hash: str,
        attempts: int = 3,
    ) -> st.Structured[T]:
        """Ask for a value of ``schema``: validate, re-ask with the errors, degrade the mode, or raise."""
        notes: list[str] = []
        total = 0
        last_text = ""
        modes = st.modes_for(self.config.structured, self._unsupported)
        for index, mode in enumerate(modes):
            following = modes[index + 1] if index + 1 < len(modes) else None
            convo = messages if mode == "json_schema" else st.with_schema_instruction(messages, schema)
            fmt = st.response_format(mode, schema)
            for _ in range(attempts):
                try:
                    completion = await self._complete(
                        convo, template=template, template_hash=template_hash, mode=mode, response_format=fmt
                    )
                except StructuredOutputError:
                    raise
                except ModelError as exc:
                    if not notes:
                        raise
                    # Say what was already tried: "json_schema refused, then json_object timed out" helps the user.
                    raise ModelError(f"{exc}（此前：{'；'.join(notes)}）", notes=[*exc.notes, *notes]) from None
                except FormatRejected as rejected:
                    self._mark_unsupported(mode, f"HTTP {rejected.status}")
                    notes.append(f"服务器不支持 {mode}（HTTP {rejected.status}），已改用 {following or 'text'}")
                    break
                total += 1
                last_text = completion.text
                value, problem = st.parse(completion.text, schema)
                if value is not None:
                    return st.Structured[T](
                        value=value, completion=completion, mode_used=mode, attempts=total, notes=notes
                    )
                self._forget(completion)
                convo = st.feedback(convo, completion.text, problem)
            else:
                if following is not None:
                    notes.append(f"{mode} 模式下 {attempts} 次回答都未通过校验，已改用 {following}")
        raise StructuredOutputError(
            f"模型服务 {self.config.display_endpoint} 上的 {self.config.model} 连续 {total} 次没有给出符合格式的回答"
            f"（最后一次：{clip(last_text, 80) or '空'}）。可换用更强的模型，或稍后重试。",
            last_text=last_text,
            attempts=total,
            notes=notes,
        )

    async def list_models(self) -> list[str]:
        """Model ids the endpoint offers (GET /models) — a quick connectivity check."""
        return await self.transport.list_models()

    # -- one logical call: cache, retries, log -------------------------------------------------------
    async def _complete(
        self,
        messages: list[dict[str, Any]],
        *,
        template: str,
        template_hash: str,
        mode: str,
        response_format: dict[str, Any] | None,
        stream: bool = False,
        on_delta: Callable[[str], None] | None = None,
        on_reset: Callable[[], None] | None = None,
    ) -> Completion:
        cfg = self.config
        key = None
        if self.cache is not None:
            key = cache_key(
                endpoint=cfg.endpoint,
                model=cfg.model,
                messages=messages,
                temperature=cfg.temperature,
                response_format=response_format,
            )
            cache = self.cache
            hit = self._guard(lambda: cache.get(key)) if self.use_cache else None
            if hit is not None:
                if stream and on_delta is not None:
                    on_delta(hit.text)
                completion = Completion(**hit.model_dump(), cached=True, attempts=0, cache_key=key)
                self._log(template, template_hash, messages, mode, completion=completion)
                return completion
        try:
            completion = await self.transport.send(messages, response_format, stream, on_delta, on_reset)
        except FormatRejected as exc:
            self._log(template, template_hash, messages, mode, error=f"response_format 被拒绝（HTTP {exc.status}）")
            raise
        except ModelError as exc:
            self._log(template, template_hash, messages, mode, error=str(exc))
            raise
        completion.cache_key = key
        self._log(template, template_hash, messages, mode, completion=completion)
        if self.cache is not None and key is not None:
            answer = CachedResponse(**completion.model_dump(include=set(CachedResponse.model_fields)))
            cache, done = self.cache, key
            self._guard(lambda: cache.put(done, endpoint=cfg.display_endpoint, answer=answer))
        return completion

    def _mark_unsupported(self, feature: str, note: str) -> None:
        self._unsupported.add(feature)
        if self.cache is not None:
            cache = self.cache
            self._guard(lambda: cache.mark_unsupported(self.config.display_endpoint, self.config.model, feature, note))

    def _forget(self, completion: Completion) -> None:
        if self.cache is not None and completion.cache_key is not None:
            cache, key = self.cache, completion.cache_key
            self._guard(lambda: cache.forget(key))

    def _guard(self, action: Callable[[], R]) -> R | None:
        """Run a cache or log action; if the SQLite file fails mid-run, go on without it and say so once."""
        try:
            return action()
        except sqlite3.Error as exc:
            where = self.cache.store.path if self.cache is not None else (self.log.path if self.log else "")
            self.notes.append(f"{where}: 模型调用记录{problem(exc)}；本次余下的调用不再使用缓存，也不记录")
            self.cache = None
            self.log = None
            return None

    def _log(
        self,
        template: str,
        template_hash: str,
        messages: list[dict[str, Any]],
        mode: str,
        *,
        completion: Completion | None = None,
        error: str | None = None,
    ) -> None:
        log = self.log
        if log is None:
            return
        self._guard(
            lambda: log.record(
                model=completion.model if completion else self.config.model,
                endpoint=self.config.display_endpoint,
                template=template,
                template_hash=template_hash,
                messages=messages,
                response=completion.text if completion else None,
                tokens_in=completion.tokens_in if completion else None,
                tokens_out=completion.tokens_out if completion else None,
                latency_ms=completion.latency_ms if completion else None,
                cached=completion.cached if completion else False,
                error=error,
                mode=mode,
                secrets=self.transport.secrets(),
            )
        )
