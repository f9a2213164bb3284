"""Which model to talk to: ``ModelConfig`` and how flags, environment and presets resolve into one.

Precedence, field by field: command-line flags, then environment (``ASSISTANT_MODEL``, ``ASSISTANT_PRESET``,
``OPENAI_BASE_URL``, ``OPENAI_API_KEY`` or the preset's own key variable such as ``DEEPSEEK_API_KEY``), then
the preset's defaults. No model anywhere means offline: :func:`resolve_config` returns ``None``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlparse

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from assistant.errors import InputError
from assistant.llm.protocol import DEFAULT_CONCURRENCY
from assistant.validation import describe_errors

StructuredMode = Literal["auto", "json_schema", "json_object", "text"]

OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1"
LOCAL_DUMMY_KEY = "not-needed"
DEFAULT_DEADLINE = 120.0
"""Seconds a draft or a review may spend on model calls before the rest falls back (well inside 150 s)."""


@dataclass(frozen=True)
class Preset:
    """A known OpenAI-compatible service: where it lives, its usual model, where its key is kept."""

    name: str
    base_url: str
    model: str | None = None
    key_env: str | None = None
    local_key: str | None = None  # local servers accept any key; the SDK still wants one
    # llama.cpp's server cuts a running stream as soon as another request waits (interrupt_requests): one at a time.
    concurrency: int | None = None
    timeout: float | None = None  # small local models on a CPU answer slowly
    deadline: float | None = None  # and a whole draft on one takes far longer than the default budget


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("openai", OPENAI_DEFAULT_BASE_URL),
        Preset("deepseek", "https://api.deepseek.com/v1", "deepseek-chat", "DEEPSEEK_API_KEY"),
        Preset("qwen", "https://dashscope.aliyuncs.com/compatible-mode/v1", "qwen-plus", "DASHSCOPE_API_KEY"),
        Preset("zhipu", "https://open.bigmodel.cn/api/paas/v4", "glm-4-flash", "ZHIPUAI_API_KEY"),
        Preset("moonshot", "https://api.moonshot.cn/v1", "moonshot-v1-8k", "MOONSHOT_API_KEY"),
        Preset("ollama", "http://127.0.0.1:11434/v1", local_key="ollama"),
        Preset("vllm", "http://127.0.0.1:8000/v1", local_key=LOCAL_DUMMY_KEY),
        Preset(
            "llamacpp",
            "http://127.0.0.1:8080/v1",
            local_key=LOCAL_DUMMY_KEY,
            concurrency=1,
            timeout=300,
            deadline=3600,
        ),
    )
}
PRESET_ALIASES = {
    "dashscope": "qwen",
    "glm": "zhipu",
    "kimi": "moonshot",
    "llama.cpp": "llamacpp",
    "llama-cpp": "llamacpp",
}


class ModelConfig(BaseModel):
    """Everything the client needs to reach one model; the key is a SecretStr and never printed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = Field(min_length=1)
    base_url: str | None = None
    api_key: SecretStr | None = None
    preset: str | None = None
    timeout: float = Field(default=60.0, gt=0)
    deadline: float | None = Field(
        default=DEFAULT_DEADLINE, gt=0, description="one draft's or review's overall seconds with the model"
    )
    max_retries: int = Field(default=3, ge=0)
    concurrency: int = Field(default=DEFAULT_CONCURRENCY, ge=1)
    temperature: float = 0.2
    max_tokens: int = Field(default=2048, ge=16, description="upper bound on one answer; small local models ramble")
    structured: StructuredMode = "auto"

    @property
    def endpoint(self) -> str:
        """The base URL actually used (the SDK's OpenAI default when none is set)."""
        return (self.base_url or OPENAI_DEFAULT_BASE_URL).rstrip("/")

    @property
    def display_endpoint(self) -> str:
        """The endpoint with any password in it masked (``http://u:***@host/v1``): for messages, logs, the cache."""
        return mask_url_credentials(self.endpoint)

    def url_secrets(self) -> tuple[str, ...]:
        """Credentials written into the base URL (``http://user:password@host``), in every spelling that may leak."""
        parsed = urlparse(self.endpoint)
        out = []
        if parsed.password:
            out += [parsed.password, unquote(parsed.password)]
        return tuple(s for s in out if s)

    def secret(self) -> str:
        """The API key in clear, for the SDK only; a dummy for keyless local servers."""
        return self.api_key.get_secret_value() if self.api_key else LOCAL_DUMMY_KEY


_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^/\s@:]*)(:[^/\s@]*)?@")


def mask_url_credentials(text: str) -> str:
    """Every ``scheme://user:password@`` in ``text`` with the password masked (``scheme://user:***@``)."""
    return _URL_CREDENTIALS.sub(lambda m: f"{m.group(1)}{m.group(2)}{':***' if m.group(3) else ''}@", text)


def preset_named(name: str) -> Preset:
    """Look up a preset by name or alias; an unknown name is an InputError listing the known ones."""
    key = PRESET_ALIASES.get(name.strip().lower(), name.strip().lower())
    if key not in PRESETS:
        known = "、".join(PRESETS)
        raise InputError(f"未知的模型预设 {name!r}。可用的预设：{known}。")
    return PRESETS[key]


def is_local(url: str) -> bool:
    """True for loopback servers (Ollama, vLLM, llama.cpp on this machine), which need no key."""
    host = (urlparse(url).hostname or "").lower()
    return host in {"localhost", "127.0.0.1", "::1", "0.0.0.0"} or host.endswith(".localhost")


def resolve_config(
    model: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    preset: str | None = None,
    env: Mapping[str, str] | None = None,
    *,
    timeout: float | None = None,
    concurrency: int | None = None,
    structured: StructuredMode | None = None,
    deadline: float | None = None,
) -> ModelConfig | None:
    """Combine flags, environment and presets into a ModelConfig, or None when no model is configured."""
    env = os.environ if env is None else env

    def from_env(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    flag_preset = preset_named(preset) if preset else None
    flag_model = model.strip() if model and model.strip() else None
    # "deepseek:deepseek-chat" names preset and model at once; "qwen2.5:7b" (an Ollama tag) does not.
    if flag_model and flag_preset is None and ":" in flag_model:
        prefix, rest = flag_model.split(":", 1)
        if _is_preset_name(prefix) and rest:
            flag_preset, flag_model = preset_named(prefix), rest

    env_model = from_env("ASSISTANT_MODEL")
    env_preset_name = from_env("ASSISTANT_PRESET")
    env_preset = preset_named(env_preset_name) if env_preset_name else None
    if env_model and env_preset is None and ":" in env_model:
        prefix, rest = env_model.split(":", 1)
        if _is_preset_name(prefix) and rest:
            env_preset, env_model = preset_named(prefix), rest

    chosen = flag_preset or env_preset
    name = flag_model or env_model or (chosen.model if chosen else None)
    if name is None:
        if chosen is not None:
            raise InputError(
                f"模型预设 {chosen.name} 没有默认模型，请用 --model 或 ASSISTANT_MODEL 指定模型名"
                f"（例如 --model {chosen.name}:模型名）。"
            )
        return None  # offline

    url = (
        base_url
        or (flag_preset.base_url if flag_preset else None)
        or from_env("OPENAI_BASE_URL")
        or (env_preset.base_url if env_preset else None)
    )
    key = (
        api_key
        or (from_env(chosen.key_env) if chosen and chosen.key_env else None)
        or from_env("OPENAI_API_KEY")
        or (chosen.local_key if chosen else None)
    )
    endpoint = (url or OPENAI_DEFAULT_BASE_URL).rstrip("/")
    if key is None:
        if not is_local(endpoint):
            where = f"{chosen.key_env} 或 OPENAI_API_KEY" if chosen and chosen.key_env else "OPENAI_API_KEY"
            raise InputError(
                f"模型服务 {endpoint} 需要 API key：请设置环境变量 {where}（密钥只从环境变量读取，不接受命令行参数，以免留在命令历史中）；"
                "不配置模型则以离线方式运行。"
            )
        key = LOCAL_DUMMY_KEY

    extra: dict[str, object] = {}
    env_timeout, env_concurrency = from_env("ASSISTANT_TIMEOUT"), from_env("ASSISTANT_CONCURRENCY")
    env_deadline = from_env("ASSISTANT_DEADLINE")
    try:
        if timeout is not None or env_timeout:
            extra["timeout"] = timeout if timeout is not None else float(env_timeout or 0)
        elif chosen is not None and chosen.timeout is not None:
            extra["timeout"] = chosen.timeout
        if concurrency is not None or env_concurrency:
            extra["concurrency"] = concurrency if concurrency is not None else int(env_concurrency or 0)
        elif chosen is not None and chosen.concurrency is not None:
            extra["concurrency"] = chosen.concurrency
        if deadline is not None or env_deadline:
            extra["deadline"] = deadline if deadline is not None else float(env_deadline or 0)
        elif chosen is not None and chosen.deadline is not None:
            extra["deadline"] = chosen.deadline
    except ValueError as exc:
        raise InputError(f"ASSISTANT_TIMEOUT / ASSISTANT_CONCURRENCY / ASSISTANT_DEADLINE 应为数字：{exc}") from exc
    if structured is not None:
        extra["structured"] = structured
    try:
        return ModelConfig(
            model=name,
            base_url=endpoint,
            api_key=SecretStr(key),
            preset=chosen.name if chosen else None,
            **extra,
        )
    except ValidationError as exc:
        problems = "；".join(f"{where}: {what}" for where, what in describe_errors(exc))
        raise InputError(mask_url_credentials(f"模型配置无效：{problems}")) from None


def _is_preset_name(name: str) -> bool:
    key = name.strip().lower()
    return key in PRESETS or key in PRESET_ALIASES
