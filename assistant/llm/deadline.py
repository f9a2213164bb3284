"""One run's overall time budget for model calls: after it, every call fails fast with a ModelError.

A draft or a review sets it once (``with deadline(120):``); the pipelines already fall back per section or chunk
on ModelError, so a model that stops answering costs the run at most its deadline, never calls × timeout × tries.
A context variable carries it, so runs sharing one client (the web page) each keep their own clock, and the
tasks ``asyncio.run`` starts inherit it.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Iterator

_ENDS_AT: contextvars.ContextVar[float | None] = contextvars.ContextVar("assistant_model_deadline", default=None)


@contextlib.contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Model calls made inside the block (and tasks it starts) must finish within ``seconds``; None: no limit."""
    if seconds is None:
        yield
        return
    ends = time.monotonic() + max(0.0, seconds)
    outer = _ENDS_AT.get()
    token = _ENDS_AT.set(ends if outer is None else min(outer, ends))
    try:
        yield
    finally:
        _ENDS_AT.reset(token)


def remaining() -> float | None:
    """Seconds left before the current run's deadline (0 when passed); None when no deadline is set."""
    ends = _ENDS_AT.get()
    return None if ends is None else max(0.0, ends - time.monotonic())
