"""The model client: the only package that talks to a model (and the only one importing ``openai``).

    config = resolve_config(model=flag_model)        # None → offline
    client = ModelClient.open(config)                # log + cache in .assistant/calls.sqlite
    with deadline(config.deadline):                  # assistant.llm.deadline: one run's overall time budget
        c = await client.complete(messages, template="section", template_hash=h)
        s = await client.structured(messages, Findings, template="review", template_hash=h)

Errors: :class:`~assistant.errors.ModelError` when the endpoint stays down or the run's deadline has passed;
:class:`StructuredOutputError` (a ModelError) when it keeps answering output that fails validation.

Names are imported on first use (PEP 562): an offline command that only asks ``resolve_config`` never pays for
``openai`` (about 0.5 s).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.errors import StructuredOutputError
    from assistant.llm.cache import ResponseCache, cache_key
    from assistant.llm.client import ModelClient
    from assistant.llm.completion import Completion
    from assistant.llm.config import PRESETS, ModelConfig, Preset, resolve_config
    from assistant.llm.log import CallLog, CallRecord
    from assistant.llm.protocol import ChatModel
    from assistant.llm.store import Store, default_path
    from assistant.llm.structured import Mode, Structured, extract_json

_WHERE = {
    "StructuredOutputError": "assistant.errors",
    "ResponseCache": "assistant.llm.cache",
    "cache_key": "assistant.llm.cache",
    "ModelClient": "assistant.llm.client",
    "Completion": "assistant.llm.completion",
    "PRESETS": "assistant.llm.config",
    "ModelConfig": "assistant.llm.config",
    "Preset": "assistant.llm.config",
    "resolve_config": "assistant.llm.config",
    "CallLog": "assistant.llm.log",
    "CallRecord": "assistant.llm.log",
    "ChatModel": "assistant.llm.protocol",
    "Store": "assistant.llm.store",
    "default_path": "assistant.llm.store",
    "Mode": "assistant.llm.structured",
    "Structured": "assistant.llm.structured",
    "extract_json": "assistant.llm.structured",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'assistant.llm' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "PRESETS",
    "CallLog",
    "CallRecord",
    "ChatModel",
    "Completion",
    "Mode",
    "ModelClient",
    "ModelConfig",
    "Preset",
    "ResponseCache",
    "Store",
    "Structured",
    "StructuredOutputError",
    "cache_key",
    "default_path",
    "extract_json",
    "resolve_config",
]
