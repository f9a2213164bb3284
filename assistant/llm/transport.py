"""Transport: one chat-completions request to the endpoint, with our retry policy around it.

The SDK's own retries are switched off (``max_retries=0``) so this is the only policy, and tests can see it.
Retried: 429 (honouring Retry-After / retry-after-ms, capped), 5xx, 408/409, timeouts, connection errors,
bodies that are not JSON, streams cut before their finish_reason. Not retried: other 4xx (a wrong key or
model name will not fix itself). A ``response_format`` the server refuses with 400/422 raises
:class:`FormatRejected` at once so the caller can degrade; a 500 is ambiguous (llama.cpp answers an unsupported
``json_schema`` with 500, any server may fail once), so only a 500 that repeats for the same request counts as a
refusal — one transient error never costs the run its structured output. When retries run out:
:class:`~assistant.errors.ModelError` naming endpoint and model, never the key or a password in the URL.

Every wait (a free slot, the request, a back-off) is also bounded by the run's deadline
(:mod:`assistant.llm.deadline`): once it has passed, calls fail at once.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import time
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from assistant.errors import ModelError
from assistant.llm.completion import Completion
from assistant.llm.config import ModelConfig
from assistant.llm.deadline import remaining
from assistant.llm.store import scrub

if TYPE_CHECKING:
    import ssl

    import openai
    from openai.types.chat import ChatCompletionMessageParam  # noqa: F401 - named in cast()

# Statuses with which servers refuse a response_format they do not implement, at once.
_FORMAT_REJECTED = {400, 422}
# llama.cpp refuses an unsupported response_format with 500: a refusal only when it repeats for the same request.
_FORMAT_REJECTED_IF_REPEATED = 500
_REPEATS_FOR_REFUSAL = 2


class FormatRejected(Exception):
    """The server refused the request's ``response_format`` (HTTP ``status``)."""

    def __init__(self, status: int) -> None:
        self.status = status


class _StreamCut(Exception):
    """The stream ended without a finish_reason: the connection dropped mid-answer."""


class _DeadlinePassed(Exception):
    """The run's overall deadline passed while waiting."""


class _Retry(Exception):
    def __init__(self, reason: str, wait: float | None = None) -> None:
        self.reason = reason
        self.wait = wait


class Transport:
    """Sends requests for one ModelConfig: bounded concurrency, timeouts, retries with backoff and jitter."""

    def __init__(
        self,
        config: ModelConfig,
        *,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        retry_after_cap: float = 30.0,
    ) -> None:
        self.config = config
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.retry_after_cap = retry_after_cap
        self.stream_options_ok = True
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sdk: openai.AsyncOpenAI | None = None
        self._slots: asyncio.Semaphore | None = None

    async def aclose(self) -> None:
        """Close HTTP connections."""
        if self._sdk is not None:
            await self._sdk.close()
            self._sdk = None
            self._loop = None

    async def list_models(self) -> list[str]:
        """Model ids the endpoint offers (GET /models)."""
        import openai

        sdk, _ = self._connection()
        try:
            page = await sdk.models.list()
        except openai.OpenAIError as exc:
            raise self.error(self.describe(exc), 1) from None
        return [m.id for m in page.data]

    async def send(
        self,
        messages: list[dict[str, Any]],
        response_format: dict[str, Any] | None,
        stream: bool,
        on_delta: Callable[[str], None] | None,
        on_reset: Callable[[], None] | None,
    ) -> Completion:
        """One answer, retried as needed; raises FormatRejected or ModelError."""
        # Imported at the first request, not with the module: a run answered from the cache never pays for it.
        import openai

        tries = self.config.max_retries + 1
        attempt = 0
        reason = ""
        empty_cuts = 0
        format_500s = 0
        while attempt < tries:
            attempt += 1
            shown = [False]  # did on_delta see anything from this attempt?
            self._check_deadline(attempt)
            sdk, slots = self._connection()
            try:
                await _within(slots.acquire())
                try:
                    started = time.perf_counter()
                    if stream:
                        once = self._stream_once(sdk, messages, on_delta, shown)
                    else:
                        once = self._create_once(sdk, messages, response_format)
                    completion = await _within(once)
                finally:
                    slots.release()
                completion.latency_ms = round((time.perf_counter() - started) * 1000)
                completion.attempts = attempt
                return completion
            except _DeadlinePassed:
                if shown[0] and on_reset is not None:
                    on_reset()
                raise self.deadline_error(attempt) from None
            except openai.APIStatusError as exc:
                status = exc.status_code
                if stream and self.stream_options_ok and status in (400, 422):
                    # Some servers refuse stream_options; ask again without it (not counted as a retry).
                    self.stream_options_ok = False
                    attempt -= 1
                    continue
                if response_format is not None and status in _FORMAT_REJECTED:
                    raise FormatRejected(status) from None
                if response_format is not None and status == _FORMAT_REJECTED_IF_REPEATED:
                    format_500s += 1
                    if format_500s >= _REPEATS_FOR_REFUSAL:
                        raise FormatRejected(status) from None
                    # Asking once more tells a refusal from a hiccup; like the stream_options probe, not a retry.
                    attempt -= 1
                else:
                    format_500s = 0
                retry = self._classify_status(exc)
            except openai.APITimeoutError:
                retry = _Retry(f"{self.config.timeout:g} 秒内没有响应（超时）")
            except openai.APIConnectionError as exc:
                retry = _Retry(f"连接失败或中断（{self.describe(exc)}）")
            except _StreamCut:
                if not shown[0]:
                    empty_cuts += 1
                    if empty_cuts >= 2:
                        # The same request cut before any text, twice: the server rejects it (a prompt longer
                        # than its context window does this on llama.cpp); asking again changes nothing.
                        raise self.error(
                            "流式回答两次在输出任何内容之前就中断（服务器开始回答后立即断开；"
                            "llama.cpp 等本地服务在提示词超出上下文长度时会这样）",
                            attempt,
                        ) from None
                hint = (
                    "；若是 llama.cpp 服务，请用 --concurrency 1，或启动时加 --interrupt_requests False"
                    if self.config.concurrency > 1
                    else ""
                )
                retry = _Retry(f"流式回答中途断开{hint}")
            except _Retry as exc:
                retry = exc
            except TimeoutError:  # the SDK's own timeout surfaces as APITimeoutError; this is a safety net
                retry = _Retry(f"{self.config.timeout:g} 秒内没有响应（超时）")
            except json.JSONDecodeError:  # a 200 whose body (or an SSE event) is not JSON
                retry = _Retry("服务器返回了无法解析的内容（不是 JSON）")
            except openai.APIError as exc:  # error event inside a stream, or a body the SDK could not read
                retry = _Retry(f"服务器返回了错误或无法解析的内容（{self.describe(exc)}）")
            except openai.OpenAIError as exc:
                raise self.error(self.describe(exc), attempt) from None
            reason = retry.reason
            if shown[0] and on_reset is not None:
                on_reset()
            if attempt < tries:
                wait = retry.wait if retry.wait is not None else self._backoff(attempt)
                left = remaining()
                if left is not None and wait >= left:
                    raise self.deadline_error(attempt, reason)
                await asyncio.sleep(wait)
        raise self.error(reason, attempt)

    def _check_deadline(self, attempt: int) -> None:
        left = remaining()
        if left is not None and left <= 0:
            raise self.deadline_error(attempt - 1)

    def deadline_error(self, attempts: int, reason: str = "") -> ModelError:
        """The ModelError for a run whose overall deadline has passed."""
        limit = f"（{self.config.deadline:g} 秒）" if self.config.deadline else ""
        last = f"；此前：{reason}" if reason else ""
        return self.error(
            f"本次运行使用模型的总时限{limit}已到{last}；未完成的部分改用离线结果（可用 --deadline 放宽）",
            attempts,
            final=True,
        )

    def _classify_status(self, exc: openai.APIStatusError) -> _Retry:
        status = exc.status_code
        detail = f"HTTP {status} {self.describe(exc)}".strip()
        if status == 429 or status >= 500 or status in (408, 409):
            return _Retry(detail, _retry_after(exc.response.headers, self.retry_after_cap))
        hints = {
            401: "API key 无效或缺失，请检查 OPENAI_API_KEY（密钥只从环境变量读取）",
            403: "该 key 无权使用此模型",
            404: "模型名或服务地址不对（base_url 通常以 /v1 结尾）",
        }
        hint = hints.get(status, "请求被拒绝")
        raise self.error(f"{detail}；{hint}", 1, final=True) from None

    # -- one HTTP request ------------------------------------------------------------------------
    async def _create_once(
        self, sdk: openai.AsyncOpenAI, messages: list[dict[str, Any]], response_format: dict[str, Any] | None
    ) -> Completion:
        import openai

        resp = await sdk.chat.completions.create(
            model=self.config.model,
            messages=cast("list[ChatCompletionMessageParam]", messages),
            temperature=self.config.temperature,
            max_tokens=self.config.max_tokens,
            response_format=response_format if response_format is not None else openai.omit,  # type: ignore[arg-type]
        )
        if not getattr(resp, "choices", None):
            raise _Retry("回答中没有 choices")
        choice = resp.choices[0]
        usage = resp.usage
        return Completion(
            text=(choice.message.content if choice.message else None) or "",
            model=resp.model or self.config.model,
            tokens_in=usage.prompt_tokens if usage else None,
            tokens_out=usage.completion_tokens if usage else None,
            finish_reason=choice.finish_reason,
        )

    async def _stream_once(
        self,
        sdk: openai.AsyncOpenAI,
        messages: list[dict[str, Any]],
        on_delta: Callable[[str], None] | None,
        shown: list[bool],
    ) -> Completion:
        import openai

        body: dict[str, Any] = {
            "model": self.config.model,
            "messages": messages,
            "temperature": self.config.temperature,
            "max_tokens": self.config.max_tokens,
            "stream": True,
        }
        if self.stream_options_ok:
            body["stream_options"] = {"include_usage": True}
        # The same request ``chat.completions.create`` sends, with its SSE decoding, error events and retries off,
        # but each chunk kept as the JSON dict it is: building the SDK's typed chunk costs ~0.3 ms per token, which
        # for every section of a draft arriving at once was most of the time after the model answered.
        stream = await sdk.post(
            "/chat/completions", cast_to=object, body=body, stream=True, stream_cls=openai.AsyncStream[object]
        )
        kind = str(getattr(getattr(stream, "response", None), "headers", {}).get("content-type", ""))
        if kind and "event-stream" not in kind:
            await stream.close()
            # An HTML error page or a plain JSON body where SSE was asked for: the server's fault, not the prompt's.
            raise _Retry(f"服务器返回了无法解析的内容（{kind.split(';')[0]}，不是流式回答）")
        parts: list[str] = []
        finish: str | None = None
        model = self.config.model
        tokens_in = tokens_out = None
        events = 0
        async with stream:
            async for chunk in stream:
                events += 1
                if not isinstance(chunk, dict):
                    continue
                if isinstance(chunk.get("model"), str) and chunk["model"]:
                    model = chunk["model"]
                usage = chunk.get("usage")
                if isinstance(usage, dict):
                    tokens_in, tokens_out = _count(usage.get("prompt_tokens")), _count(usage.get("completion_tokens"))
                for choice in chunk.get("choices") or ():
                    if not isinstance(choice, dict):
                        continue
                    delta = choice.get("delta")
                    piece = delta.get("content") if isinstance(delta, dict) else None
                    if piece and isinstance(piece, str):
                        parts.append(piece)
                        shown[0] = True
                        if on_delta is not None:
                            on_delta(piece)
                    finish = choice.get("finish_reason") or finish
        if finish is None:
            if events == 0:
                raise _Retry("服务器返回了空的流式回答（没有任何内容）")
            raise _StreamCut()
        return Completion(
            text="".join(parts), model=model, tokens_in=tokens_in, tokens_out=tokens_out, finish_reason=finish
        )

    # -- plumbing --------------------------------------------------------------------------------
    def _connection(self) -> tuple[openai.AsyncOpenAI, asyncio.Semaphore]:
        # The SDK's HTTP pool and the semaphore belong to one event loop; a new loop (another
        # asyncio.run) gets fresh ones.
        import openai

        loop = asyncio.get_running_loop()
        if self._sdk is None or self._slots is None or self._loop is not loop:
            self._sdk = openai.AsyncOpenAI(
                api_key=self.config.secret(),
                base_url=self.config.endpoint,
                timeout=self.config.timeout,
                max_retries=0,
                http_client=openai.DefaultAsyncHttpxClient(
                    base_url=self.config.endpoint, timeout=self.config.timeout, verify=_tls_context()
                ),
            )
            self._slots = asyncio.Semaphore(self.config.concurrency)
            self._loop = loop
        return self._sdk, self._slots

    def _backoff(self, attempt: int) -> float:
        delay = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return float(delay * (0.5 + random.random() / 2))

    def secrets(self) -> tuple[str, ...]:
        """What must never be shown or stored (the API key, a password in the base URL)."""
        key = (self.config.api_key.get_secret_value(),) if self.config.api_key else ()
        return key + self.config.url_secrets()

    def describe(self, exc: BaseException) -> str:
        """The server's own error message, scrubbed and short."""
        message = getattr(exc, "message", None) or str(exc)
        body = getattr(exc, "body", None)
        if isinstance(body, dict):
            inner = body.get("error", body)
            if isinstance(inner, dict) and isinstance(inner.get("message"), str):
                message = inner["message"]
        return clip(scrub(message, self.secrets()) or "", 200)

    def error(self, reason: str, attempts: int, *, final: bool = False) -> ModelError:
        """A ModelError naming endpoint and model, for the user."""
        cfg = self.config
        tried = "" if final else f"（共尝试 {attempts} 次）"
        text = f"模型服务 {cfg.display_endpoint} 上的 {cfg.model} 无法使用：{reason}{tried}。"
        if not final:
            text += "请检查网络、服务地址与模型名，稍后重试；不配置模型则以离线方式运行。"
        return ModelError(scrub(text, self.secrets()) or text)


@cache
def _tls_context() -> ssl.SSLContext:
    """The SDK's own default TLS settings, built once per process: loading the system's certificates takes
    ~40 ms, which every new client (each draft or review on the page) would otherwise pay again."""
    import httpx2

    return httpx2.create_ssl_context()


async def _within(awaitable: Any) -> Any:
    """Await ``awaitable`` within the run's deadline; _DeadlinePassed when it runs out first."""
    left = remaining()
    if left is None:
        return await awaitable
    if left <= 0:
        awaitable.close()
        raise _DeadlinePassed()
    try:
        return await asyncio.wait_for(awaitable, left)
    except TimeoutError:
        if remaining() == 0:
            raise _DeadlinePassed() from None
        raise


def _count(value: Any) -> int | None:
    """A token count from a server's usage record (None when missing or not a whole number)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _retry_after(headers: Any, cap: float) -> float | None:
    """Seconds the server asked us to wait (Retry-After / retry-after-ms), capped; None if not said."""
    try:
        if (ms := headers.get("retry-after-ms")) is not None:
            return min(cap, max(0.0, float(ms) / 1000))
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return min(cap, max(0.0, float(value)))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return min(cap, max(0.0, when.timestamp() - time.time()))
    except (TypeError, ValueError):
        return None


def clip(text: str, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
