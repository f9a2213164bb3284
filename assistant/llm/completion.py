"""What one model call returns."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Completion(BaseModel):
    """The text of one answer with its cost: tokens, latency, whether it came from the cache."""

    text: str
    model: str
    tokens_in: int | None = None
    tokens_out: int | None = None
    latency_ms: int = 0
    cached: bool = False
    finish_reason: str | None = None
    attempts: int = Field(default=1, description="HTTP requests made for this answer (0 when cached)")
    cache_key: str | None = Field(default=None, repr=False)
