"""Parsed data files kept between runs, by the SHA-256 of their text: a warm start parses no YAML.

Reading a data file with the pure-Python YAML parser (the C one has no depth guard, see ``yamlfile``) takes longer
than the rest of an offline draft's start; ``assistant eval`` reads the same example files on every run. A file
that parsed cleanly is stored as JSON under ``<cache>/yaml/``, keyed by its text and by the reader's own source, so
an edited file, or a changed reader, is parsed anew. Only clean parses are kept: a file with an error is parsed
(and refused with its line) every time.

The cache only saves time, never changes a result: the stored value must survive a JSON round trip unchanged to
be kept, a missing, unreadable or corrupt entry is ignored and rewritten, and an unwritable folder is skipped.
Line numbers for error messages come from parsing the text again, only when a message needs one.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from assistant.budget import yamlfile
from assistant.regex_cache import cache_dir, write_atomically
from assistant.validation import Locator

MAX_TEXT = 2_000_000  # characters; larger files are parsed each time (a real data file is a few dozen kilobytes)
MAX_ENTRIES = 256  # files kept; the oldest go first


@cache
def _reader_key() -> str:
    """The reader's own source: a change to how YAML is read invalidates every entry."""
    try:
        return hashlib.sha256(Path(yamlfile.__file__).read_bytes()).hexdigest()[:16]
    except OSError:
        return "unknown"


def _entry(text: str) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    digest = hashlib.sha256(f"{_reader_key()}\0{text}".encode()).hexdigest()
    return folder / "yaml" / f"{digest}.json"


def parse_yaml_cached(text: str, p: Path) -> tuple[Any, Locator]:
    """``yamlfile.parse_yaml(text, p)``, served from the cache when this text parsed cleanly before."""
    path = _entry(text) if len(text) <= MAX_TEXT else None
    if path is not None:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
        else:
            return raw, _lazy_locator(text, p)
    raw, locate = yamlfile.parse_yaml(text, p)
    if path is not None:
        _store(path, raw)
    return raw, locate


def _lazy_locator(text: str, p: Path) -> Locator:
    located: list[Locator] = []

    def locate(loc: tuple[str | int, ...]) -> str | None:
        if not located:
            located.append(yamlfile.parse_yaml(text, p)[1])
        return located[0](loc)

    return locate


def _store(path: Path, raw: Any) -> None:
    try:
        data = json.dumps(raw, ensure_ascii=False, separators=(",", ":"))
        if json.loads(data) != raw:
            return  # e.g. integer keys: JSON would hand back something else
    except (TypeError, ValueError, RecursionError):
        return
    if write_atomically(path, data.encode("utf-8")):
        _prune(path.parent)


def _prune(folder: Path) -> None:
    try:
        entries = [e for e in os.scandir(folder) if e.name.endswith(".json")]
        if len(entries) <= MAX_ENTRIES:
            return
        entries.sort(key=lambda e: e.stat().st_mtime)
    except OSError:  # another run pruned at the same time: the next store prunes again
        return
    for e in entries[: len(entries) - MAX_ENTRIES]:
        try:
            os.unlink(e.path)
        except OSError:
            pass
