"""The local SQLite file behind the call log and the response cache, with numbered migrations.

Both live in one file (default ``.assistant/calls.sqlite`` under the current directory, or under
``$ASSISTANT_HOME``). Each migration runs once, in order; ``schema_version`` remembers how far a file got,
so an old file is brought up to date the first time a newer version opens it.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

FILENAME = "calls.sqlite"

MIGRATIONS: list[str] = [
    # 1: every model call, for audit and `assistant log`
    """
    CREATE TABLE calls (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ts TEXT NOT NULL,
        model TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        template TEXT NOT NULL,
        template_hash TEXT NOT NULL,
        messages TEXT NOT NULL,
        response TEXT,
        tokens_in INTEGER,
        tokens_out INTEGER,
        latency_ms INTEGER,
        cached INTEGER NOT NULL DEFAULT 0,
        error TEXT
    );
    CREATE INDEX calls_ts ON calls (ts);
    """,
    # 2: answers served again for identical requests, and what each endpoint turned out not to support
    """
    ALTER TABLE calls ADD COLUMN mode TEXT;
    CREATE TABLE cache (
        key TEXT PRIMARY KEY,
        ts TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        model TEXT NOT NULL,
        response TEXT NOT NULL,
        tokens_in INTEGER,
        tokens_out INTEGER,
        finish_reason TEXT
    );
    CREATE TABLE capabilities (
        endpoint TEXT NOT NULL,
        model TEXT NOT NULL,
        feature TEXT NOT NULL,
        supported INTEGER NOT NULL,
        note TEXT,
        ts TEXT NOT NULL,
        PRIMARY KEY (endpoint, model, feature)
    );
    """,
]

# Anything shaped like a bearer token is masked before it reaches disk, whatever the caller forgot.
_TOKEN_RE = re.compile(r"(?i)\b(sk-[A-Za-z0-9_\-]{8,}|bearer\s+[A-Za-z0-9_\-.]{8,})")


def default_path(env: Mapping[str, str] | None = None) -> Path:
    """``$ASSISTANT_HOME/calls.sqlite`` if set, else ``./.assistant/calls.sqlite``."""
    env = os.environ if env is None else env
    home = env.get("ASSISTANT_HOME", "").strip()
    return (Path(home) if home else Path.cwd() / ".assistant") / FILENAME


def scrub(text: str | None, secrets: Iterable[str] = ()) -> str | None:
    """Mask the given secrets and anything token-shaped in ``text``."""
    if text is None:
        return None
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return _TOKEN_RE.sub("***", text)


class Store:
    """One open SQLite file, migrated to the latest version; safe to share between threads."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.Lock()
        self.conn = sqlite3.connect(str(self.path), timeout=10, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self._migrate()

    def _migrate(self) -> None:
        with self.lock:
            self.conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = self.conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
            current = row[0] or 0
            for number, script in enumerate(MIGRATIONS, start=1):
                if number <= current:
                    continue
                # executescript commits on its own; the version row follows in the same script.
                self.conn.executescript(
                    f"BEGIN;\n{script}\nINSERT INTO schema_version (version) VALUES ({number});\nCOMMIT;"
                )

    @property
    def version(self) -> int:
        """The number of the last migration applied."""
        with self.lock:
            return int(self.conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] or 0)

    def close(self) -> None:
        """Close the connection."""
        with self.lock:
            self.conn.close()
