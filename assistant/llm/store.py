"""The local SQLite file behind the call log and the response cache, with numbered migrations.

Both live in one file (default ``.assistant/calls.sqlite`` under the current directory, or under
``$ASSISTANT_HOME``). Each migration runs once, in order; ``schema_version`` remembers how far a file got,
so an old file is brought up to date the first time a newer version opens it.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

from assistant.errors import InputError
from assistant.llm.config import mask_url_credentials

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
    # A password written into a URL (http://user:password@host) is masked the same way.
    return mask_url_credentials(_TOKEN_RE.sub("***", text))


LOCK_WAIT = 2.0
"""Seconds SQLite waits for another process's lock before we call the file locked."""


class StoreUnavailable(InputError):
    """The call-log file cannot be used (locked, corrupt, read-only); the message says which and what to do."""


def problem(exc: BaseException) -> str:
    """What went wrong with the SQLite file, in the user's terms."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return "文件正被另一个程序占用（database is locked）"
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return "文件已损坏或不是调用记录文件"
    if "readonly" in text or "read-only" in text or "unable to open" in text or isinstance(exc, PermissionError):
        return "文件或所在文件夹不可写"
    if isinstance(exc, OSError):
        return f"无法访问（{exc.strerror or exc}）"
    return f"无法使用（{exc}）"


class Store:
    """One open SQLite file, migrated to the latest version; safe to share between threads.

    Raises :class:`StoreUnavailable` (after one retry) when the file is locked, corrupt or not writable.
    """

    def __init__(self, path: str | Path | None = None, *, lock_wait: float = LOCK_WAIT) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.lock = threading.Lock()
        last: BaseException | None = None
        for _ in range(2):  # a lock held for a moment by another run is worth a second try
            try:
                self._open(lock_wait)
                return
            except (sqlite3.Error, OSError) as exc:
                last = exc
                with contextlib.suppress(Exception):
                    self.conn.close()
        assert last is not None
        raise StoreUnavailable(
            f"{self.path}: 模型调用记录{problem(last)}；可设置环境变量 ASSISTANT_HOME 指向可写的文件夹，或删除该文件"
        ) from None

    def _open(self, lock_wait: float) -> None:
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(self.path), timeout=lock_wait, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        # A write-ahead log, synced at checkpoints rather than at every commit: a logged call costs microseconds
        # instead of an fsync (~10 ms) inside the event loop, and readers never wait for a writer. A power cut may
        # lose the last calls, never corrupt the file. Where WAL is unavailable SQLite keeps its rollback journal.
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
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
