"""What the pipelines need of a model: one small interface, so a scripted model can stand in for a real one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

from assistant.llm.completion import Completion
from assistant.llm.structured import Structured

T = TypeVar("T", bound=BaseModel)

DEFAULT_CONCURRENCY = 4
"""Requests in flight at once when nothing else is configured."""


class ChatModel(Protocol):
    """A chat model: the real client over HTTP, or a scripted stand-in used by offline evaluation."""

    @property
    def name(self) -> str:
        """The model's name as reported in outputs."""
        ...

    @property
    def concurrency(self) -> int:
        """How many requests the pipelines may have in flight at once."""
        ...

    async def aclose(self) -> None:
        """Release connections; called by the pipelines before their event loop ends."""
        ...

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
        """A text answer."""
        ...

    async def structured(
        self,
        messages: list[dict[str, Any]],
        schema: type[T],
        *,
        template: str,
        template_hash: str,
        attempts: int = 3,
    ) -> Structured[T]:
        """A validated value of ``schema``."""
        ...
