"""Shared pytest fixtures."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest
from fake_openai import FakeOpenAI

# Compiled patterns and parsed packs are cached between runs (assistant.regex_cache): tests keep theirs in a
# folder of their own, set before any test module imports the rules, never in the user's cache folder.
_CACHE = tempfile.mkdtemp(prefix="assistant-test-cache-")
os.environ["ASSISTANT_CACHE_DIR"] = _CACHE


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the tests' cache folder."""
    shutil.rmtree(_CACHE, ignore_errors=True)


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A started loopback OpenAI-compatible server; configure it via its attributes and ``script()``."""
    server = FakeOpenAI()
    with server:
        yield server
