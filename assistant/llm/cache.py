"""The response cache: identical requests are answered from disk, without an HTTP request.

The key is the sha256 of everything that determines the answer — endpoint, model, messages, temperature
and the response format (which carries the JSON schema). The same table file also remembers what an
endpoint turned out not to support (e.g. ``json_schema``), so a rerun does not probe it again.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from assistant.llm.store import Store


class CachedResponse(BaseModel):
    """A stored answer."""

    text: str
    model: str
    tokens_in: int | None = None
    tokens_out: int | None = None
    finish_reason: str | None = None


def cache_key(
    *,
    endpoint: str,
    model: str,
    messages: list[dict[str, Any]],
    temperature: float,
    response_format: dict[str, Any] | None,
) -> str:
    """sha256 over a canonical JSON of the request's answer-determining parts."""
    parts = {
        "endpoint": endpoint.rstrip("/"),
        "model": model,
        "messages": messages,
        "temperature": temperature,
        "response_format": response_format,
    }
    canonical = json.dumps(parts, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class ResponseCache:
    """Answers keyed by :func:`cache_key`, plus remembered endpoint capabilities."""

    def __init__(self, path: str | Path | None = None, *, store: Store | None = None) -> None:
        self.store = store if store is not None else Store(path)

    def get(self, key: str) -> CachedResponse | None:
        """The stored answer for ``key``, or None."""
        with self.store.lock:
            row = self.store.conn.execute(
                "SELECT response, model, tokens_in, tokens_out, finish_reason FROM cache WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        return CachedResponse(
            text=row["response"],
            model=row["model"],
            tokens_in=row["tokens_in"],
            tokens_out=row["tokens_out"],
            finish_reason=row["finish_reason"],
        )

    def put(self, key: str, *, endpoint: str, answer: CachedResponse) -> None:
        """Store (or replace) the answer for ``key``."""
        with self.store.lock:
            self.store.conn.execute(
                "INSERT OR REPLACE INTO cache (key, ts, endpoint, model, response, tokens_in, tokens_out,"
                " finish_reason) VALUES (?,?,?,?,?,?,?,?)",
                (
                    key,
                    _now(),
                    endpoint,
                    answer.model,
                    answer.text,
                    answer.tokens_in,
                    answer.tokens_out,
                    answer.finish_reason,
                ),
            )

    def forget(self, key: str) -> None:
        """Drop one answer (e.g. one that failed validation, so a rerun asks afresh)."""
        with self.store.lock:
            self.store.conn.execute("DELETE FROM cache WHERE key = ?", (key,))

    def unsupported(self, endpoint: str, model: str) -> set[str]:
        """Features this endpoint/model was found not to support."""
        with self.store.lock:
            rows = self.store.conn.execute(
                "SELECT feature FROM capabilities WHERE endpoint = ? AND model = ? AND supported = 0",
                (endpoint, model),
            ).fetchall()
        return {r["feature"] for r in rows}

    def mark_unsupported(self, endpoint: str, model: str, feature: str, note: str) -> None:
        """Remember that ``feature`` failed on this endpoint/model."""
        with self.store.lock:
            self.store.conn.execute(
                "INSERT OR REPLACE INTO capabilities (endpoint, model, feature, supported, note, ts)"
                " VALUES (?,?,?,0,?,?)",
                (endpoint, model, feature, note, _now()),
            )

    def clear(self) -> None:
        """Drop every stored answer and capability."""
        with self.store.lock:
            self.store.conn.execute("DELETE FROM cache")
            self.store.conn.execute("DELETE FROM capabilities")

    def close(self) -> None:
        """Close the underlying file."""
        self.store.close()
