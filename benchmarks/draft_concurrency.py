"""A full draft with a model against a loopback server answering after L seconds: wall time in units of L.

    python benchmarks/draft_concurrency.py [--latency 0.5] [--data examples/kunming-2023.yaml] [--runs 3]

Every section of the example is drafted with the model, all at once (the client's concurrency is the number of
sections), so the ideal is one model latency L; target ≤ 1.2 L (issue 15 measured 1.67 L with 19 sections). The
loopback model answers each section with the facts it was offered, as placeholders, so every section takes exactly
one call (the run checks it: no repair round) and the figure measures the pipeline, not a model. Sections whose
answers read alike (they share their facts) fall back to the offline template after their call, as they would.

Prints, per run (median of ``--runs``): the pipeline's wall time (``draft()``: facts, prompts, all calls, filling,
grounding, proofreading, the forms and the data's own checks — what every face waits for) and where it went:
before the first call, the span of the calls, after the last answer. Then the same draft as a user runs it,
``assistant draft <data> -o draft.docx`` in a fresh process, whose wall time adds start-up and writing the .docx.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pydantic import SecretStr

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from eval_speed import answer  # noqa: E402
from fake_openai import FakeOpenAI  # noqa: E402

from assistant.budget.loader import load_data  # noqa: E402
from assistant.drafting.pipeline import draft  # noqa: E402
from assistant.llm import ModelClient, ModelConfig  # noqa: E402

TARGET = 1.2
ISSUE = 1.67


def pipeline(server: FakeOpenAI, data_path: Path) -> tuple[float, float, float, int, int]:
    """Wall seconds of one full ``draft()``, seconds before the first call and after the last answer, calls made,
    and sections that fell back (the loopback model's answers are alike where sections share their facts)."""
    data = load_data(data_path)
    config = ModelConfig(model="bench", base_url=server.base_url, api_key=SecretStr("bench"), concurrency=64)
    client = ModelClient(config)  # no cache: every section really goes to the server
    before = len(server.chat_requests)
    started = time.perf_counter()
    result = draft(data, model=client)
    wall = time.perf_counter() - started
    mine = server.chat_requests[before:]
    if len(mine) != sum(1 for s in result.sections if s.has_text):
        raise SystemExit(f"{len(mine)} calls for {len(result.sections)} sections: a repair round would mislead")
    lead = min(r.received for r in mine) - started
    tail = started + wall - max(r.received for r in mine) - server.latency
    return wall, lead, tail, len(mine), sum(1 for s in result.sections if s.source == "fallback")


def cli(server: FakeOpenAI, data_path: Path, out: Path) -> float:
    """Wall seconds of ``assistant draft <data> -o <out>.docx`` in a fresh process (start-up and .docx included)."""
    env = {**os.environ, "OPENAI_API_KEY": "bench", "PYTHONPATH": str(ROOT), "ASSISTANT_HOME": str(out.parent)}
    command = [sys.executable, "-m", "assistant", "draft", str(data_path), "-o", str(out), "--model", "bench"]
    command += ["--base-url", server.base_url, "--concurrency", "64", "--no-cache"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"assistant draft failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return wall


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=0.5, help="seconds per model call (L)")
    parser.add_argument("--data", default=str(ROOT / "examples" / "kunming-2023.yaml"))
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    args = parser.parse_args()
    latency, data = args.latency, Path(args.data)
    with FakeOpenAI(default=answer, latency=latency) as server, tempfile.TemporaryDirectory() as tmp:
        pipeline(server, data)  # warm: imports and compiled rules are start-up, measured by the CLI run below
        runs = [pipeline(server, data) for _ in range(args.runs)]
        walls = [cli(server, data, Path(tmp) / "draft.docx") for _ in range(args.runs)]
    wall, lead, tail = (statistics.median(x) for x in list(zip(*runs, strict=True))[:3])
    calls, fell = runs[-1][3:]
    print(f"L = {latency:.2f} s per call; {calls} sections, one call each, all in flight at once ({fell} fell back)")
    print(f"{'':22} {'wall s':>7} {'wall/L':>7} {'target':>7} {'issue':>6}")
    print(f"{'draft() pipeline':22} {wall:>7.2f} {wall / latency:>7.2f} {'≤ ' + str(TARGET):>7} {ISSUE:>6.2f}")
    cli_wall = statistics.median(walls)
    print(
        f"{'assistant draft -o .docx':22} {cli_wall:>7.2f} {cli_wall / latency:>7.2f}   (start-up and .docx included)"
    )
    span = wall - lead - tail
    print(f"pipeline: {lead:.3f} s before the first call, {span:.3f} s of calls, {tail:.3f} s after the last answer")
    print(f"runs (pipeline wall): {' '.join(f'{r[0]:.3f}' for r in runs)}")
    print(f"machine load (1 min): {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
