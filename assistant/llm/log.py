"""The call log: every model call (and cache hit) as one row, for audit and ``assistant log``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from assistant.llm.store import Store, scrub


class CallRecord(BaseModel):
    """One logged call, as ``recent()`` returns it."""

    id: int
    ts: str
    model: str
    endpoint: str
    template: str
    template_hash: str
    messages: list[dict[str, Any]]
    response: str | None
    tokens_in: int | None
    tokens_out: int | None
    latency_ms: int | None
    cached: bool
    error: str | None
    mode: str | None = None


class CallLog:
    """Append-only log of model calls in the local SQLite file; never holds an API key."""

    def __init__(self, path: str | Path | None = None, *, store: Store | None = None) -> None:
        self.store = store if store is not None else Store(path)

    @property
    def path(self) -> Path:
        """The SQLite file."""
        return self.store.path

    def record(
        self,
        *,
        model: str,
        endpoint: str,
        template: str,
        template_hash: str,
        messages: list[dict[str, Any]],
        response: str | None,
        tokens_in: int | None = None,
        tokens_out: int | None = None,
        latency_ms: int | None = None,
        cached: bool = False,
        error: str | None = None,
        mode: str | None = None,
        secrets: tuple[str, ...] = (),
    ) -> int:
        """Write one row (secrets and token-shaped strings masked) and return its id."""
        ts = datetime.now(UTC).isoformat(timespec="milliseconds")
        row = (
            ts,
            model,
            scrub(endpoint, secrets),
            template,
            template_hash,
            scrub(json.dumps(messages, ensure_ascii=False), secrets),
            scrub(response, secrets),
            tokens_in,
            tokens_out,
            latency_ms,
            int(cached),
            scrub(error, secrets),
            mode,
        )
        with self.store.lock:
            cur = self.store.conn.execute(
                "INSERT INTO calls (ts, model, endpoint, template, template_hash, messages, response,"
                " tokens_in, tokens_out, latency_ms, cached, error, mode) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                row,
            )
            return int(cur.lastrowid or 0)

    def recent(self, n: int = 20) -> list[CallRecord]:
        """The last ``n`` calls, newest first."""
        with self.store.lock:
            rows = self.store.conn.execute("SELECT * FROM calls ORDER BY id DESC LIMIT ?", (n,)).fetchall()
        return [
            CallRecord(**{**dict(r), "messages": json.loads(r["messages"]), "cached": bool(r["cached"])}) for r in rows
        ]

    def close(self) -> None:
        """Close the underlying file."""
        self.store.close()
