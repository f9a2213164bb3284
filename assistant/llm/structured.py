"""Structured output: the modes, the request format for each, and reading JSON out of a model's answer.

The client tries ``json_schema`` (the server enforces the schema), then ``json_object`` (the server only
promises JSON), then ``text`` (we dig the JSON out of prose and code fences). Whatever the server promises,
the answer is validated with pydantic; a failure is fed back to the model, instructor-style.
"""

from __future__ import annotations

import json
import re
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field, ValidationError

from assistant.llm.completion import Completion

Mode = Literal["json_schema", "json_object", "text"]
MODES: tuple[Mode, ...] = ("json_schema", "json_object", "text")

T = TypeVar("T", bound=BaseModel)

_FENCE_RE = re.compile(r"```[ \t]*(?:json|JSON|json5)?[ \t]*\n?(.*?)```", re.DOTALL)
# Reasoning models served locally (DeepSeek-R1, QwQ) think aloud before answering.
_THINK_RE = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)


class Structured(BaseModel, Generic[T]):
    """A validated answer with how it was obtained; ``notes`` are for people (fallbacks taken)."""

    value: T
    completion: Completion
    mode_used: Mode
    attempts: int
    notes: list[str] = Field(default_factory=list)


def modes_for(preference: str, unsupported: set[str]) -> list[Mode]:
    """The modes to try, best first, from the configured preference, minus what the server lacks."""
    start = 0 if preference == "auto" else MODES.index(preference)
    modes = [m for m in MODES[start:] if m not in unsupported]
    return modes or ["text"]


def response_format(mode: Mode, schema: type[BaseModel]) -> dict[str, Any] | None:
    """The ``response_format`` request field for a mode (None for text)."""
    if mode == "json_schema":
        name = re.sub(r"[^A-Za-z0-9_-]", "_", schema.__name__)[:64] or "answer"
        return {
            "type": "json_schema",
            "json_schema": {"name": name, "schema": schema.model_json_schema(), "strict": False},
        }
    if mode == "json_object":
        return {"type": "json_object"}
    return None


def with_schema_instruction(messages: list[dict[str, Any]], schema: type[BaseModel]) -> list[dict[str, Any]]:
    """Add the JSON Schema to the system message, for modes where the server does not enforce it.

    OpenAI also requires the word "JSON" in the messages for ``json_object``. Appended to the first system
    message (or as a new first one) because some local chat templates reject a system message elsewhere.
    """
    schema_json = json.dumps(schema.model_json_schema(), ensure_ascii=False)
    instruction = (
        "只输出一个 JSON 对象，不要输出 Markdown 代码块或任何解释。该 JSON 必须符合以下 JSON Schema：\n" + schema_json
    )
    out = [dict(m) for m in messages]
    for m in out:
        if m.get("role") == "system" and isinstance(m.get("content"), str):
            m["content"] = f"{m['content']}\n\n{instruction}"
            return out
    return [{"role": "system", "content": instruction}, *out]


def extract_json(text: str) -> str | None:
    """The first JSON object or array in ``text``: bare, in a ``` fence, or after/before prose."""
    text = _THINK_RE.sub("", text).strip()
    if not text:
        return None
    candidates = [text] + [m.group(1).strip() for m in _FENCE_RE.finditer(text)]
    for candidate in candidates:
        try:
            json.loads(candidate)
            return candidate
        except ValueError:
            pass
    decoder = json.JSONDecoder()
    for source in candidates:
        for match in re.finditer(r"[{\[]", source):
            try:
                _, end = decoder.raw_decode(source, match.start())
            except ValueError:
                continue
            return source[match.start() : end]
    return None


def parse(text: str, schema: type[T]) -> tuple[T | None, str]:
    """Validate the answer against ``schema``: the value, or None and the problem in words for the model."""
    if not text.strip():
        return None, "回答为空。"
    candidate = extract_json(text)
    if candidate is None:
        return None, "回答中没有找到 JSON 对象。"
    try:
        return schema.model_validate_json(candidate), ""
    except ValidationError as exc:
        return None, describe_errors(exc)


def describe_errors(exc: ValidationError) -> str:
    """A compact, model-readable list of pydantic errors (field path: message)."""
    lines = []
    for err in exc.errors(include_url=False):
        where = ".".join(str(p) for p in err["loc"]) or "(整个对象)"
        lines.append(f"- {where}: {err['msg']}")
    return "JSON 未通过校验：\n" + "\n".join(lines)


def feedback(messages: list[dict[str, Any]], answer: str, problem: str) -> list[dict[str, Any]]:
    """The conversation to ask again: our messages, the model's answer, and what was wrong with it."""
    return [
        *messages,
        {"role": "assistant", "content": answer if answer.strip() else "（空回答）"},
        {
            "role": "user",
            "content": f"你上面的回答不符合要求。{problem}\n请改正后重新回答：只输出符合 JSON Schema 的 JSON 对象，不要输出其他内容。",
        },
    ]
