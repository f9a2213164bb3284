"""The wording packs' cache: parsed pack files and the compiled code of their patterns, kept between runs.

The packs' scanners are a few hundred large patterns, which take Python longer to compile than a whole review takes
(see ``assistant.regex_cache``); their SRE code is kept here by pattern, with the characters each can start with,
and each pack file's parsed YAML by the SHA-256 of its bytes, so a warm start parses no YAML and compiles nothing.
An edited pack has other bytes, hence another key: it is read anew.

The cache only saves time, never changes a result: a missing, unreadable or corrupt file is ignored and rebuilt, an
unwritable folder is skipped, and on an interpreter whose ``re`` internals differ patterns are compiled as usual.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.regex_cache import (
    Entry,
    cache_dir,
    compile_keeping_code,
    from_code,
    interpreter_key,
    read_cache,
    write_cache,
)

# A cache that grew past these (many edited extra packs) is written back with only what the last run used.
MAX_PATTERNS = 5000
MAX_PACKS = 64


class PackCache:
    """Parsed packs by content hash and compiled patterns by source text, loaded once, written back when new."""

    def __init__(self, folder: Path | None) -> None:
        key = interpreter_key()
        self.path = folder / f"wording-{key}.cache" if folder is not None and key is not None else None
        self._lock = threading.Lock()
        self._loaded = False
        self._dirty = False
        self._patterns: dict[str, Entry] = {}  # pattern -> what _sre.compile takes
        self._first: dict[str, str | None] = {}  # version + pattern -> the characters a match can start with
        self._packs: dict[str, Any] = {}  # sha256 of a pack file -> its parsed YAML
        self._used: set[str] = set()
        self._used_packs: set[str] = set()
        self._compiled: dict[str, re.Pattern[str]] = {}  # this process's, by pattern: each is built once

    # -- reading ------------------------------------------------------------------------------------------------

    def _load(self) -> None:
        self._loaded = True
        saved = read_cache(self.path)
        if saved is None:
            return  # absent, unreadable or not ours: compile as usual
        payload, entries = saved
        first, packs = payload.get("first"), payload.get("packs")
        if isinstance(first, dict) and isinstance(packs, dict):
            self._patterns = {key: entry for key, entry in entries if isinstance(key, str)}
            self._first, self._packs = first, packs

    def pack(self, digest: str) -> Any | None:
        """The parsed YAML of the pack file whose bytes hash to ``digest``, or None."""
        with self._lock:
            if not self._loaded:
                self._load()
            raw = self._packs.get(digest)
            if raw is not None:
                self._used_packs.add(digest)
            return raw

    def add_pack(self, digest: str, raw: Any) -> None:
        """Remember a parsed pack (only when it survives a JSON round trip unchanged)."""
        try:
            same = json.loads(json.dumps(raw, ensure_ascii=False)) == raw
        except (TypeError, ValueError):
            same = False
        if same:
            with self._lock:
                self._packs[digest] = raw
                self._used_packs.add(digest)
                self._dirty = True

    def compile(self, pattern: str) -> re.Pattern[str]:
        """``re.compile(pattern)``, from the cached code when there is some; ``re.error`` as usual when invalid."""
        done = self._compiled.get(pattern)
        if done is not None:
            return done
        with self._lock:
            if not self._loaded:
                self._load()
            entry = self._patterns.get(pattern)
        if entry is not None:
            compiled = from_code(pattern, entry)
            if compiled is not None:
                self._used.add(pattern)
                self._compiled[pattern] = compiled
                return compiled
        compiled, entry = compile_keeping_code(pattern)
        if entry is not None:
            with self._lock:
                self._patterns[pattern] = entry
                self._used.add(pattern)
                self._dirty = True
        if len(self._compiled) >= MAX_PATTERNS:
            self._compiled.clear()  # a long-running server reading many edited packs: keep memory bounded
        self._compiled[pattern] = compiled
        return compiled

    def first_chars(self, pattern: str, compute: Callable[[str], set[str] | None], version: str) -> set[str] | None:
        """``compute(pattern)`` (where a match can start), remembered per ``version`` of the code that computes it."""
        key = f"{version}\n{pattern}"
        with self._lock:
            if not self._loaded:
                self._load()
            if key in self._first:
                chars = self._first[key]
                self._used.add(key)
                return None if chars is None else set(chars)
        found = compute(pattern)
        with self._lock:
            self._first[key] = None if found is None else "".join(sorted(found))
            self._used.add(key)
            self._dirty = True
        return found

    # -- writing ------------------------------------------------------------------------------------------------

    def save(self) -> None:
        """Write what this run added (atomically); silently skipped when the folder cannot be written."""
        with self._lock:
            if not self._dirty or self.path is None:
                return
            patterns, first, packs = self._patterns, self._first, self._packs
            if len(patterns) > MAX_PATTERNS or len(packs) > MAX_PACKS:
                patterns = {p: e for p, e in patterns.items() if p in self._used}
                first = {p: c for p, c in first.items() if p in self._used}
                packs = {d: r for d, r in packs.items() if d in self._used_packs}
            payload = {"first": dict(first), "packs": dict(packs)}
            entries = list(patterns.items())
            self._dirty = False
            path = self.path
        if not write_cache(path, payload, entries):
            with self._lock:
                self.path = None  # read-only or full: don't try again in this process


_SHARED: PackCache | None = None


def shared() -> PackCache:
    """The process's cache, in the folder named when it was first used."""
    global _SHARED
    if _SHARED is None:
        _SHARED = PackCache(cache_dir())
    return _SHARED
