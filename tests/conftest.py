"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_openai import FakeOpenAI


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A started loopback OpenAI-compatible server; configure it via its attributes and ``script()``."""
    server = FakeOpenAI()
    with server:
        yield server
