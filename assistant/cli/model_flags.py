"""Model flags shared by the faces (--model, --preset, --base-url, --no-cache, --concurrency, --deadline) and opening
the client. Nothing here imports the model client until a model is actually configured: offline runs start fast."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.llm.client import ModelClient
    from assistant.llm.config import ModelConfig


def add_model_flags(p: argparse.ArgumentParser) -> None:
    """Add the model options; with none given (and no ASSISTANT_MODEL), the command runs offline."""
    g = p.add_argument_group("模型（不配置则离线运行，不向任何地方发送数据）")
    g.add_argument("--model", help="模型名，或“预设:模型”，如 deepseek:deepseek-chat（环境变量 ASSISTANT_MODEL）")
    g.add_argument("--preset", help="服务预设：openai deepseek qwen zhipu moonshot ollama vllm llamacpp")
    g.add_argument("--base-url", help="OpenAI 兼容接口地址（环境变量 OPENAI_BASE_URL）")
    g.add_argument("--concurrency", type=int, help="同时发给模型的请求数上限（默认 4）")
    g.add_argument("--timeout", type=float, help="单次请求超时秒数（默认 60）")
    g.add_argument(
        "--deadline",
        type=float,
        help="整次运行使用模型的总时限（秒，默认 120；环境变量 ASSISTANT_DEADLINE）；到时未完成的部分改用离线结果",
    )
    g.add_argument("--no-cache", action="store_true", help="不使用本地缓存（模型响应；批量审阅时也不跳过未改动的文件）")


def model_config(args: argparse.Namespace) -> ModelConfig | None:
    """The model settings the flags and environment give, or None for offline (without loading the model code)."""
    if not (args.model or args.preset or os.environ.get("ASSISTANT_MODEL", "").strip()):
        if not os.environ.get("ASSISTANT_PRESET", "").strip():
            return None  # offline, as resolve_config would say, without loading the model configuration
    from assistant.llm.config import resolve_config

    return resolve_config(
        model=args.model,
        base_url=args.base_url,
        preset=args.preset,
        timeout=args.timeout,
        concurrency=args.concurrency,
        deadline=getattr(args, "deadline", None),
    )


def open_model(args: argparse.Namespace) -> ModelClient | None:
    """The configured model client, or None for offline. The key comes from the environment only."""
    config = model_config(args)
    if config is None:
        return None
    from assistant.llm.client import ModelClient

    return ModelClient.open(config, use_cache=not args.no_cache)


@contextlib.contextmanager
def model_run(model: ModelClient | None) -> Iterator[None]:
    """Run the body under the model's overall deadline, then tell the user what the client noted (offline: nothing)."""
    if model is None:
        yield
        return
    from assistant.llm.deadline import deadline
    from assistant.terminal import for_terminal

    try:
        with deadline(model.config.deadline):
            yield
    finally:
        for note in dict.fromkeys(model.notes):
            print(for_terminal(f"说明：{note}"), file=sys.stderr)
