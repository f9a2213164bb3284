"""``assistant eval``: the CLI face of evaluation — load cases, run or re-grade, write results, compare, exit."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.cli.main import _EXTENSIONS, command
from assistant.errors import InputError

if TYPE_CHECKING:
    from assistant.evaluation.suite import Suite

DEFAULT_CASES = Path("eval_cases")


def _add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="在固定用例上评测起草与审阅，与基线比较（回归时退出状态为 1）")
    p.add_argument("paths", nargs="*", help="用例文件或目录（默认当前目录的 eval_cases/，没有则用随程序安装的用例）")
    p.add_argument("--prompts", help="提示词目录（默认随程序安装的 prompts/）")
    p.add_argument("--repeat", type=int, default=1, help="每个用例运行次数，给出每个用例的通过率（默认 1）")
    p.add_argument("--concurrency", type=int, help="同时运行的用例数，也是同时发出的模型请求数（默认 4）")
    p.add_argument("--outputs", help="只评分：对以前保存的 outputs.json 重新评分，不再生成")
    p.add_argument("--baseline", help="基线文件（默认用例所在目录的 baseline.json，存在时）")
    p.add_argument("--threshold", type=float, help="每个用例的最低通过率（离线/脚本运行默认 1.0，真实模型默认 0.8）")
    p.add_argument("--update-baseline", action="store_true", help="认可本次结果：写入基线")
    p.add_argument("--record", action="store_true", help="用真实模型运行，并把得到的输出录制到 <用例>.scripted.yaml")
    p.add_argument("-o", "--output-dir", default="eval_results", help="结果目录（默认 eval_results/）")
    g = p.add_argument_group("模型（不配置则用录制的输出或离线运行）")
    g.add_argument("--model", help="模型名，或“预设:模型”（环境变量 ASSISTANT_MODEL）")
    g.add_argument("--preset", help="服务预设：openai deepseek qwen zhipu moonshot ollama vllm llamacpp")
    g.add_argument("--base-url", help="OpenAI 兼容接口地址（环境变量 OPENAI_BASE_URL）")
    g.add_argument("--timeout", type=float, help="单次请求超时秒数")
    g.add_argument("--no-cache", action="store_true", help="不使用本地响应缓存")


_EXTENSIONS.append(_add)


def _progress(result: object, done: int, total: int) -> None:
    from assistant.evaluation.outputs import CaseResult
    from assistant.evaluation.summary import STATUS_NAMES

    assert isinstance(result, CaseResult)
    passes = sum(r.status == "pass" for r in result.runs)
    print(
        f"[{done}/{total}] {result.id}：{STATUS_NAMES[result.status]} {passes}/{len(result.runs)}，{result.latency_ms} ms",
        file=sys.stderr,
        flush=True,
    )


@command("eval")
def _eval(args: argparse.Namespace) -> int:
    from assistant.cli.model_flags import model_config
    from assistant.evaluation import Settings, load_cases, read_outputs
    from assistant.evaluation.suite import default_baseline, run_suite
    from assistant.llm import ModelClient
    from assistant.resources import resource_dir

    if args.repeat < 1 or (args.concurrency is not None and args.concurrency < 1):
        raise InputError("--repeat 和 --concurrency 应为正整数")
    paths = [Path(p) for p in args.paths] or [DEFAULT_CASES if DEFAULT_CASES.is_dir() else resource_dir("eval_cases")]
    installed = not args.paths and not DEFAULT_CASES.is_dir()
    if installed and (args.record or (args.update_baseline and not args.baseline)):
        raise InputError(
            f"随程序安装的用例（{paths[0]}）是只读的：请先复制到自己的目录，"
            "再运行 assistant eval <目录> --record / --update-baseline"
        )
    cases = load_cases(paths)
    baseline = Path(args.baseline) if args.baseline else default_baseline(paths)
    if args.baseline and not Path(args.baseline).exists() and not args.update_baseline:
        raise InputError(f"{args.baseline}: 基线文件不存在（首次可加 --update-baseline 生成）")
    # --concurrency given: that many model calls at once too (the endpoint's default would otherwise cap them).
    config = model_config(args)
    if args.record and (config is None or args.outputs):
        raise InputError("--record 需要用 --model 指定真实模型，且不能与 --outputs 同用")
    saved = read_outputs(Path(args.outputs)).outputs if args.outputs else None
    # Repeats must reach the model: a cached answer would make every repeat the same.
    model = ModelClient.open(config, use_cache=not (args.no_cache or args.repeat > 1)) if config else None
    settings = Settings(
        model=model,
        prompts_dir=Path(args.prompts) if args.prompts else None,
        repeat=args.repeat,
        record=args.record,
        progress=_progress,
    )
    if args.concurrency is not None:
        settings.concurrency = args.concurrency
    import asyncio

    async def run() -> Suite:
        try:
            return await run_suite(cases, settings, baseline=baseline, threshold=args.threshold, saved=saved)
        finally:
            if model is not None:
                await model.aclose()

    suite = asyncio.run(run())
    written = suite.write(Path(args.output_dir))
    print(suite.summary())
    print(f"结果已写入：{', '.join(map(str, written))}", file=sys.stderr)
    if args.update_baseline:
        print(f"已更新基线：{suite.approve(baseline)}", file=sys.stderr)
        return 0
    if suite.failed:
        print("评测未通过：有回归、过期、出错、低于阈值或未说明原因的失败用例（见上表）。", file=sys.stderr)
        return 1
    return 0
