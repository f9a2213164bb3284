"""Regular expressions compiled once, kept between runs: the SRE code of a pattern, saved and handed back.

Python compiles a regular expression in pure Python (``re._parser``, ``re._compiler``): the few hundred patterns
the checks define cost more at start-up than reviewing a report. The compiled form (SRE code, a list of integers)
depends only on the pattern, its flags and the interpreter, so it is saved in a user cache folder, one file per
interpreter build, and passed straight to ``_sre.compile`` on the next run, which validates it.

Two users: the wording packs keep their own file (``assistant.checks.pack_cache``), and the command line
``warm()``s re's own cache at start from what the same command compiled last time and ``remember()``s at the end
what it compiled anew, so every ``re.compile`` at module level is a dictionary look-up on a warm start.

Only ever an optimisation: a missing, unreadable, corrupt or foreign file is ignored and rebuilt, an unwritable
folder is skipped, and where the interpreter's ``re`` internals differ from CPython's nothing is cached.
``$ASSISTANT_CACHE_DIR`` names the folder (default: the user's cache folder).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from array import array
from pathlib import Path
from typing import Any

APP = "budget-report-assistant"
FORMAT = 2
# A file holds what one command compiled: past this many patterns it is written back with this run's only.
MAX_PATTERNS = 3000

# [flags, groups, groupindex, indexgroup, code]: what ``_sre.compile`` takes; the code as uint32 bytes.
Entry = list[Any]


def cache_dir() -> Path | None:
    """``$ASSISTANT_CACHE_DIR``, else the user's cache folder (XDG on Linux, %LOCALAPPDATA% on Windows), or None."""
    env = os.environ.get("ASSISTANT_CACHE_DIR", "").strip()
    if env:
        return Path(env)
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA", "").strip()
        return Path(local) / APP / "cache" if local else None
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    if xdg:
        return Path(xdg) / APP
    try:
        return Path.home() / ".cache" / APP
    except RuntimeError:  # no home folder known
        return None


def interpreter_key() -> str | None:
    """A name for this interpreter's SRE code, or None when compiled code cannot be reused here."""
    try:
        import _sre
        from re import _compiler, _parser  # type: ignore[attr-defined]  # noqa: F401
    except ImportError:
        return None
    if sys.implementation.name != "cpython" or array("I").itemsize != _sre.CODESIZE:
        return None
    build = f"{sys.version}|{_sre.MAGIC}|{_sre.CODESIZE}|{_sre.MAXREPEAT}|{_sre.MAXGROUPS}"
    return hashlib.sha256(build.encode()).hexdigest()[:16]


def compile_keeping_code(pattern: str, flags: int = 0) -> tuple[re.Pattern[str], Entry | None]:
    """``re.compile(pattern, flags)`` as ``re._compiler.compile`` does it, and its code to save (None: can't).

    ``re.error`` for an invalid pattern, as ``re.compile`` raises it.
    """
    try:
        import _sre
        from re import _compiler, _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(pattern, flags)
        code = _compiler._code(parsed, flags)
        state = parsed.state
        indexgroup: list[str | None] = [None] * state.groups
        for name, i in state.groupdict.items():
            indexgroup[i] = name
        final = flags | state.flags
        entry = [final, state.groups - 1, dict(state.groupdict), indexgroup, array("I", code).tobytes()]
        compiled = _sre.compile(pattern, final, code, state.groups - 1, state.groupdict, tuple(indexgroup))
    except re.error:
        raise
    except Exception:  # internals unlike CPython 3.11–3.13's: compile the ordinary way, save nothing
        return re.compile(pattern, flags), None
    return compiled, entry


def from_code(pattern: str, entry: Entry) -> re.Pattern[str] | None:
    """The pattern rebuilt from saved code, or None when the entry is unusable (``_sre`` validates the code)."""
    try:
        import _sre

        flags, groups, groupindex, indexgroup, packed = entry
        code = array("I")
        code.frombytes(packed)
        compiled: re.Pattern[str] = _sre.compile(pattern, flags, code.tolist(), groups, groupindex, tuple(indexgroup))
    except Exception:
        return None
    if not isinstance(compiled, re.Pattern) or compiled.pattern != pattern:
        return None
    return compiled


def read_cache(path: Path | None) -> tuple[dict[str, Any], list[tuple[Any, Entry]]] | None:
    """A cache file's payload and its (key, entry) pairs when the file is whole, else None.

    The file is the SHA-256 of the rest on its first line, a JSON line (the payload, and each entry with its key
    and the place of its code), then the code of every entry as uint32 words: no JSON to parse for the bulk.
    """
    if path is None:
        return None
    try:
        data = path.read_bytes()
        first = data.index(b"\n")
        second = data.index(b"\n", first + 1)
        view = memoryview(data)  # slices of a view: half a megabyte is never copied
        if data[:first].decode("ascii") != hashlib.sha256(view[first + 1 :]).hexdigest():
            return None  # truncated or altered: rebuilt on this run
        payload = json.loads(view[first + 1 : second].tobytes())
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            return None
        view = view[second + 1 :]
        entries = [(key, [*head, view[at : at + size]]) for key, *head, at, size in payload.pop("codes")]
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return payload, entries


def write_cache(path: Path, payload: dict[str, Any], entries: list[tuple[Any, Entry]]) -> bool:
    """Write a cache file atomically (readers never see half a file); False when the folder is not writable."""
    codes, chunks, at = [], [], 0
    for key, (flags, groups, groupindex, indexgroup, code) in entries:
        codes.append([key, flags, groups, groupindex, indexgroup, at, len(code)])
        chunks.append(bytes(code))
        at += len(code)
    index = json.dumps({**payload, "format": FORMAT, "codes": codes}, ensure_ascii=False, separators=(",", ":"))
    rest = index.encode("utf-8") + b"\n" + b"".join(chunks)
    data = hashlib.sha256(rest).hexdigest().encode("ascii") + b"\n" + rest
    return write_atomically(path, data)


def write_atomically(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` through a temporary file beside it, so readers never see half a file; False (and
    nothing written) when the folder cannot be made or written."""
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return False
    return True


# ---------------------------------------------------------------------------------------------------------
# The command line's start-up: re's own cache, filled from the last run of the same command


_warmed: dict[str, Any] = {}  # command -> {"path": Path, "known": set of (pattern, flags) the file holds}


def _command_file(command: str) -> Path | None:
    folder, key = cache_dir(), interpreter_key()
    if folder is None or key is None or not re.fullmatch(r"[a-z][a-z0-9_-]{0,30}", command):
        return None
    return folder / f"regex-{command}-{key}.cache"


def warm(command: str) -> int:
    """Put the patterns ``command`` compiled in earlier runs into ``re``'s cache; how many were restored."""
    path = _command_file(command)
    saved = read_cache(path)
    restored: set[tuple[str, int]] = set()
    cache = getattr(re, "_cache", None)
    if saved is not None and isinstance(cache, dict):
        for key, entry in saved[1]:
            try:
                pattern, flags = key
            except (TypeError, ValueError):
                continue
            compiled = from_code(pattern, entry) if isinstance(pattern, str) and isinstance(flags, int) else None
            if compiled is not None:
                # re.compile looks a pattern up by (type, pattern, flags) before compiling it (CPython 3.7-3.13)
                cache[str, pattern, flags] = compiled
                restored.add((pattern, flags))
    _warmed[command] = {"path": path, "known": restored}
    return len(restored)


def remember(command: str) -> None:
    """Save the code of every pattern this run compiled that the command's file lacks (a cold run pays once)."""
    state = _warmed.get(command)
    cache = getattr(re, "_cache", None)
    if state is None or state["path"] is None or not isinstance(cache, dict):
        return
    unstable = _unstable_patterns()
    current = [(key[1], key[2]) for key in list(cache) if _plain(key) and key[1] not in unstable]
    if not current or all(k in state["known"] for k in current):
        return
    saved = read_cache(state["path"])
    entries: dict[tuple[str, int], Entry] = {}
    if saved is not None and len(saved[1]) < MAX_PATTERNS:
        for key, entry in saved[1]:
            if isinstance(key, list) and len(key) == 2:
                entries[(key[0], key[1])] = entry
    for pattern, flags in current:
        if (pattern, flags) not in entries:
            try:
                _, new = compile_keeping_code(pattern, flags)
            except re.error:
                continue
            if new is not None:
                entries[(pattern, flags)] = new
    if write_cache(state["path"], {}, [([p, f], e) for (p, f), e in entries.items()]):
        state["known"] = set(entries)


def _unstable_patterns() -> set[str]:
    """Patterns whose text changes from run to run, so that saving them would rewrite the file after every run.

    The standard library's tokenizer builds its string-prefix patterns from a set, in hash-seed order (pydantic
    reaches it through ``inspect.signature`` when a model's default factory is a builtin): a new text each run,
    never found again by the next.
    """
    tokenize = sys.modules.get("tokenize")
    prefix = getattr(tokenize, "StringPrefix", None)
    if not isinstance(prefix, str):
        return set()
    return {v for v in vars(tokenize).values() if isinstance(v, str) and prefix in v}


def _plain(key: Any) -> bool:
    """A key of re's cache for a str pattern compiled with plain flags (not DEBUG)."""
    return (
        isinstance(key, tuple)
        and len(key) == 3
        and key[0] is str
        and isinstance(key[1], str)
        and isinstance(key[2], int)
        and not key[2] & re.DEBUG
    )
