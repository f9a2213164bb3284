"""The model client: the only package that talks to a model (and the only one importing ``openai``).

    config = resolve_config(model=flag_model)        # None → offline
    client = ModelClient.open(config)                # log + cache in .assistant/calls.sqlite
    c = await client.complete(messages, template="section", template_hash=h)
    s = await client.structured(messages, Findings, template="review", template_hash=h)

Errors: :class:`~assistant.errors.ModelError` when the endpoint stays down;
:class:`StructuredOutputError` (a ModelError) when it keeps answering output that fails validation.
"""

from assistant.errors import StructuredOutputError
from assistant.llm.cache import ResponseCache, cache_key
from assistant.llm.client import ModelClient
from assistant.llm.completion import Completion
from assistant.llm.config import PRESETS, ModelConfig, Preset, resolve_config
from assistant.llm.log import CallLog, CallRecord
from assistant.llm.protocol import ChatModel
from assistant.llm.store import Store, default_path
from assistant.llm.structured import Mode, Structured, extract_json

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
