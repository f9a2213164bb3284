"""Start-up and one-report review time, as a user meets it: a fresh process, wall time, median of N runs.

    python benchmarks/startup.py [--runs 5] [--report PATH]

Prints the wall time of ``assistant review <reference report>`` (start-up included, deterministic checks only)
and, when ``zhlint`` is already installed or cached for ``npx`` (checked offline; nothing is downloaded), the
peer's time on the same file. Also prints which heavy libraries a plain review imported: none of them is needed.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).parents[1]
REFERENCE = ROOT / "eval_cases" / "reports" / "kunming-2023-self-evaluation.txt"
HEAVY = ("openai", "langchain_text_splitters", "docx", "pdfplumber", "openpyxl", "gradio", "httpx")
TARGET = 0.3


def wall(command: list[str], runs: int, env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """Median wall and CPU seconds of ``runs`` fresh runs of ``command``, and the last exit status.

    CPU time (user + system of the child) is printed too: on a busy machine it moves far less than wall time.
    """
    times, cpu = [], []
    status = 0
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, env=env, cwd=ROOT, check=False)
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        status = done.returncode
    return statistics.median(times), statistics.median(cpu), status


def heavy_imports(report: Path, env: dict[str, str]) -> list[str]:
    """The heavy libraries ``assistant review`` imported for an offline review of ``report``."""
    probe = (
        "import sys, io, contextlib\n"
        "from assistant.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['review', {str(report)!r}])\n"
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    # cwd=ROOT: ``-c`` and ``-m`` put the working folder first on sys.path, so it decides which copy is measured.
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    return done.stdout.split()


def zhlint_command(report: Path) -> list[str] | None:
    """How to run zhlint without touching the network, or None when it is not already available."""
    if shutil.which("zhlint"):
        return ["zhlint", str(report)]
    npx = shutil.which("npx")
    if npx is None:
        return None
    probe = subprocess.run(
        [npx, "--offline", "--no", "--", "zhlint", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    if probe.returncode != 0 or "ENOTCACHED" in probe.stderr or "ENOTCACHED" in probe.stdout:
        return None
    return [npx, "--offline", "--no", "--", "zhlint", str(report)]


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--report", type=Path, default=REFERENCE)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    chars = len(args.report.read_text(encoding="utf-8"))
    ours, ours_cpu, status = wall([sys.executable, "-m", "assistant", "review", str(args.report)], args.runs, env)
    baseline, baseline_cpu, _ = wall([sys.executable, "-c", "pass"], args.runs, env)
    print(f"report: {args.report.name} ({chars} characters), median of {args.runs} fresh runs; load {_load()}")
    verdict = "ok" if ours <= TARGET else f"over the {TARGET} s target"
    print(f"assistant review  {ours:6.3f} s wall  {ours_cpu:6.3f} s CPU  (exit {status}; {verdict})")
    print(f"python -c pass    {baseline:6.3f} s wall  {baseline_cpu:6.3f} s CPU  (the interpreter alone)")
    heavy = heavy_imports(args.report, env)
    print(f"heavy imports in an offline review: {', '.join(heavy) if heavy else 'none'}")
    command = zhlint_command(args.report)
    if command is None:
        print("zhlint            not available offline (not installed, not in the npx cache): not measured")
    else:
        peer, peer_cpu, peer_status = wall(command, args.runs)
        print(f"zhlint            {peer:6.3f} s wall  {peer_cpu:6.3f} s CPU  (exit {peer_status})")


def _load() -> str:
    """The one-minute load average: a figure taken on a busy machine says so."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "unknown"


if __name__ == "__main__":
    main()
