"""Drafting wall time against a loopback model with a fixed per-call latency L.

    python benchmarks/draft_concurrency.py [--latency 0.5] [--data examples/kunming-2023.yaml]

Prints wall time in units of L with concurrency 1 and with concurrency on (one slot per section), and the share
of wall time spent filling placeholders and running the checks. The model answers every section at once with
placeholders only, so no repair round runs: the figures measure the pipeline, not a model.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from pydantic import SecretStr

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fake_openai import FakeOpenAI  # noqa: E402

import assistant.drafting.pipeline as drafting  # noqa: E402
from assistant.budget.loader import load_data  # noqa: E402
from assistant.llm import ModelClient, ModelConfig  # noqa: E402

ANSWER = "本年度部门预算总支出{budget.expenditure_total}，其中基本支出{budget.basic}，项目支出{budget.project}。"


def run(server: FakeOpenAI, data_path: Path, concurrency: int) -> tuple[float, float, int]:
    """Wall seconds, seconds spent in fill+checks, and model calls for one full draft."""
    config = ModelConfig(
        model="bench", base_url=server.base_url, api_key=SecretStr("bench"), concurrency=concurrency, timeout=30
    )
    client = ModelClient(config)  # no cache: every section really goes to the server
    spent = [0.0]
    original = drafting._SectionWriter._check

    def timed(self: Any, spec: Any, answer: str) -> Any:
        t0 = time.perf_counter()
        try:
            return original(self, spec, answer)
        finally:
            spent[0] += time.perf_counter() - t0

    drafting._SectionWriter._check = timed  # type: ignore[method-assign]
    try:
        before = len(server.chat_requests)
        t0 = time.perf_counter()
        result = drafting.draft(load_data(data_path), model=client)
        wall = time.perf_counter() - t0
    finally:
        drafting._SectionWriter._check = original  # type: ignore[method-assign]
    assert all(s.source == "model" for s in result.sections), "a section fell back; the figures would mislead"
    return wall, spent[0], len(server.chat_requests) - before


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.5, help="seconds per model call (L)")
    parser.add_argument("--data", default=str(ROOT / "examples" / "kunming-2023.yaml"))
    args = parser.parse_args()
    latency = args.latency
    with FakeOpenAI(default=ANSWER, latency=latency) as server:
        rows = []
        for concurrency in (1, 64):
            wall, checks, calls = run(server, Path(args.data), concurrency)
            rows.append((concurrency, wall, checks, calls))
    print(f"L = {latency:.2f} s per call")
    print(f"{'concurrency':>11} {'calls':>5} {'wall s':>7} {'wall/L':>7} {'checks+fill s':>13} {'share':>6}")
    for concurrency, wall, checks, calls in rows:
        print(f"{concurrency:>11} {calls:>5} {wall:>7.2f} {wall / latency:>7.2f} {checks:>13.3f} {checks / wall:>6.1%}")
    print(f"speed-up with concurrency: {rows[0][1] / rows[1][1]:.1f}×")


if __name__ == "__main__":
    main()
