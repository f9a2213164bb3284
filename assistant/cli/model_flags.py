"""Model flags shared by the faces (--model, --preset, --base-url, --no-cache, --concurrency) and opening the client."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the client imports openai: only a command that opens a model should pay for it
    from assistant.llm import ModelClient


def add_model_flags(p: argparse.ArgumentParser) -> None:
    """Add the model options; with none given (and no ASSISTANT_MODEL), the command runs offline."""
    g = p.add_argument_group("模型（不配置则离线运行，不向任何地方发送数据）")
    g.add_argument("--model", help="模型名，或“预设:模型”，如 deepseek:deepseek-chat（环境变量 ASSISTANT_MODEL）")
    g.add_argument("--preset", help="服务预设：openai deepseek qwen zhipu moonshot ollama vllm llamacpp")
    g.add_argument("--base-url", help="OpenAI 兼容接口地址（环境变量 OPENAI_BASE_URL）")
    g.add_argument("--concurrency", type=int, help="同时发给模型的请求数上限（默认 4）")
    g.add_argument("--timeout", type=float, help="单次请求超时秒数（默认 60）")
    g.add_argument("--no-cache", action="store_true", help="不使用本地响应缓存")


def open_model(args: argparse.Namespace) -> ModelClient | None:
    """The configured model client, or None for offline. The key comes from the environment only."""
    from assistant.llm import ModelClient, resolve_config

    config = resolve_config(
        model=args.model,
        base_url=args.base_url,
        preset=args.preset,
        timeout=args.timeout,
        concurrency=args.concurrency,
    )
    if config is None:
        return None
    return ModelClient.open(config, use_cache=not args.no_cache)
