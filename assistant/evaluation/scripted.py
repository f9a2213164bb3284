"""ScriptedModel: a ChatModel that answers from recorded outputs, keyed by the exact prompt.

The key is the sha256 of ``json.dumps(messages, ensure_ascii=False, sort_keys=True)``. A prompt with no
recorded answer raises :class:`StaleScript` — the prompt (template, data or code around it) changed since the
script was recorded, so the case is reported ``stale`` instead of silently passing or failing.
:class:`MeteredModel` wraps a real model for a run: it counts tokens and calls and, with ``record``, keeps
every answer so ``--record`` can write the scripts; the run's ``gate`` bounds the calls in flight across its cases.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from pydantic import BaseModel

from assistant.errors import StaleScript, StructuredOutputError
from assistant.evaluation.cases import ScriptEntry
from assistant.llm.completion import Completion
from assistant.llm.protocol import DEFAULT_CONCURRENCY, ChatModel
from assistant.llm.structured import Structured, parse

T = TypeVar("T", bound=BaseModel)
R = TypeVar("R")


def prompt_hash(messages: list[dict[str, Any]]) -> str:
    """sha256 of the exact messages JSON: the key of a scripted answer."""
    return hashlib.sha256(json.dumps(messages, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


class ScriptedModel:
    """Answers each prompt with its recorded output; raises StaleScript for a prompt never recorded."""

    def __init__(self, entries: Iterable[ScriptEntry], name: str = "scripted") -> None:
        self._name = name
        self._answers = {e.prompt_hash: e.output for e in entries}

    @property
    def name(self) -> str:
        """The model name outputs report."""
        return self._name

    @property
    def concurrency(self) -> int:
        """Scripted answers cost nothing: the default limit keeps runs shaped like real ones."""
        return DEFAULT_CONCURRENCY

    async def aclose(self) -> None:
        """Nothing to release."""

    def _answer(self, messages: list[dict[str, Any]], template: str) -> str:
        key = prompt_hash(messages)
        if key not in self._answers:
            raise StaleScript(template, key)
        return self._answers[key]

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
        """The recorded text for these messages."""
        text = self._answer(messages, template)
        if stream and on_delta is not None:
            on_delta(text)
        return Completion(text=text, model=self._name, finish_reason="stop", attempts=0)

    async def structured(
        self,
        messages: list[dict[str, Any]],
        schema: type[T],
        *,
        template: str,
        template_hash: str,
        attempts: int = 3,
    ) -> Structured[T]:
        """The recorded answer, parsed and validated like a real one."""
        text = self._answer(messages, template)
        value, problem = parse(text, schema)
        if value is None:
            raise StructuredOutputError(f"录制的输出未通过校验：{problem}", last_text=text, attempts=1)
        completion = Completion(text=text, model=self._name, finish_reason="stop", attempts=0)
        return Structured[T](value=value, completion=completion, mode_used="text", attempts=1)


class MeteredModel:
    """A real model seen through one case: tokens and calls counted, answers optionally recorded.

    ``gate``, shared by every case of a run, bounds the model calls in flight: cases may prepare their prompts
    ahead of a free slot, so a slot that frees is taken at once instead of after the next case's start-up.
    """

    def __init__(self, inner: ChatModel, *, record: bool = False, gate: asyncio.Semaphore | None = None) -> None:
        self.inner = inner
        self.record = record
        self.gate = gate
        self.recorded: list[ScriptEntry] = []
        self.calls = 0
        self.cached = 0
        self.tokens_in = 0
        self.tokens_out = 0

    @property
    def name(self) -> str:
        """The wrapped model's name."""
        return self.inner.name

    @property
    def concurrency(self) -> int:
        """The wrapped model's limit."""
        return self.inner.concurrency

    async def aclose(self) -> None:
        """Close the wrapped model."""
        await self.inner.aclose()

    def _count(self, c: Completion) -> None:
        self.calls += 1
        self.cached += int(c.cached)
        self.tokens_in += c.tokens_in or 0
        self.tokens_out += c.tokens_out or 0

    async def _through_gate(self, call: Callable[[], Awaitable[R]]) -> R:
        if self.gate is None:
            return await call()
        async with self.gate:
            result = await call()
        # Let a case waiting for the slot send its request before this case goes on checking its answer.
        await asyncio.sleep(0)
        return result

    def _keep(self, messages: list[dict[str, Any]], template: str, text: str) -> None:
        if self.record:
            self.recorded.append(ScriptEntry(prompt_hash=prompt_hash(messages), output=text, template=template))

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
        """Forward to the real model, counting and recording."""
        c = await self._through_gate(
            lambda: self.inner.complete(
                messages,
                template=template,
                template_hash=template_hash,
                stream=stream,
                on_delta=on_delta,
                on_reset=on_reset,
            )
        )
        self._count(c)
        self._keep(messages, template, c.text)
        return c

    async def structured(
        self,
        messages: list[dict[str, Any]],
        schema: type[T],
        *,
        template: str,
        template_hash: str,
        attempts: int = 3,
    ) -> Structured[T]:
        """Forward to the real model, counting and recording the validated answer."""
        s = await self._through_gate(
            lambda: self.inner.structured(
                messages, schema, template=template, template_hash=template_hash, attempts=attempts
            )
        )
        self._count(s.completion)
        # The raw text may have needed a retry with feedback; what replays is the value the pipeline got.
        text = s.completion.text if parse(s.completion.text, schema)[0] is not None else s.value.model_dump_json()
        self._keep(messages, template, text)
        return s
