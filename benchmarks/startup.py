"""Start-up and one-report review time, as a user meets it: a fresh process, wall and CPU time, median of N runs.

    python benchmarks/startup.py [--runs 5] [--report PATH]

Prints the time of ``assistant review <reference report>`` (start-up included, deterministic checks only) next to
``python -c pass``, and, when ``zhlint`` is already installed or cached for ``npx`` (checked offline; nothing is
downloaded), the peer's time on the same file. Also prints which heavy libraries a plain review imported.

Measured as installed: the package's bytecode is compiled first (``pip install`` does that; a checkout run with
``PYTHONDONTWRITEBYTECODE=1`` never gets it, and its "from source" line shows what that costs), and the caches of
compiled patterns and parsed packs (``$ASSISTANT_CACHE_DIR``, a temporary folder here) are filled by one first run,
whose time is printed too.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).parents[1]
REFERENCE = ROOT / "eval_cases" / "reports" / "kunming-2023-self-evaluation.txt"
HEAVY = ("openai", "langchain_text_splitters", "docx", "pdfplumber", "openpyxl", "gradio", "httpx", "jinja2", "asyncio")
TARGET = 0.3


def wall(
    command: list[str], runs: int, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> tuple[float, float, int]:
    """Median wall and CPU seconds of ``runs`` fresh runs of ``command``, and the last exit status.

    CPU time (user + system of the child) is printed too: on a busy machine it moves far less than wall time.
    """
    times, cpu = [], []
    status = 0
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        # ``-m`` puts the working folder first on sys.path: it decides which copy of the package runs.
        done = subprocess.run(command, capture_output=True, env=env, cwd=cwd, check=False)
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        status = done.returncode
    return statistics.median(times), statistics.median(cpu), status


def compile_bytecode(env: dict[str, str]) -> None:
    """Write the package's ``__pycache__`` as an install would (gitignored; PYTHONDONTWRITEBYTECODE is lifted)."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "assistant")],
        env={k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"},
        capture_output=True,
        check=False,
    )


def source_copy(folder: Path) -> Path:
    """A copy of the package without bytecode, to time a start that compiles every module from source."""
    shutil.copytree(ROOT / "assistant", folder / "assistant", ignore=shutil.ignore_patterns("__pycache__"))
    return folder


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
    chars = len(args.report.read_text(encoding="utf-8"))
    review = [sys.executable, "-m", "assistant", "review", str(args.report)]
    with tempfile.TemporaryDirectory(prefix="startup-") as tmp:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "ASSISTANT_CACHE_DIR": str(Path(tmp) / "cache")}
        compile_bytecode(env)
        first, first_cpu, _ = wall(review, 1, env)  # fills the caches, as a user's first review does
        ours, ours_cpu, status = wall(review, args.runs, env)
        baseline, baseline_cpu, _ = wall([sys.executable, "-c", "pass"], args.runs, env)
        copy = source_copy(Path(tmp))
        source_env = {**env, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
        source, source_cpu, _ = wall(review, args.runs, source_env, cwd=copy)
        heavy = heavy_imports(args.report, env)
    print(f"report: {args.report.name} ({chars} characters), median of {args.runs} fresh runs; load {_load()}")
    verdict = "ok" if ours <= TARGET else f"over the {TARGET} s target"
    print(f"assistant review  {ours:6.3f} s wall  {ours_cpu:6.3f} s CPU  (exit {status}; {verdict})")
    print(f"python -c pass    {baseline:6.3f} s wall  {baseline_cpu:6.3f} s CPU  (the interpreter alone)")
    print(
        f"  first run       {first:6.3f} s wall  {first_cpu:6.3f} s CPU  (empty cache: patterns compiled, packs parsed)"
    )
    print(f"  from source     {source:6.3f} s wall  {source_cpu:6.3f} s CPU  (no bytecode: PYTHONDONTWRITEBYTECODE=1)")
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
