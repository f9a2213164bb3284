"""Speed of the text layers on a million characters: normalising, reading figures, the wording checks.

    python benchmarks/text_speed.py [--chars 1000000] [--repeat 3]

These were wall-clock assertions in the tests (a busy 2-core machine failed them for no fault of the code); here
they are figures to read. Each line prints the best of ``--repeat`` runs, the characters per second, and what was
found, so a change that makes a layer slower — or makes it find less — shows up next to the number.
Earlier limits, for reference: normalising < 3 s, reading figures < 10 s, wording checks < 2 s.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.checks.registry import Context
from assistant.checks.wording import check_wording
from assistant.text.document import document_from_text
from assistant.text.numbers import find_numbers

REFERENCE = Path(__file__).parents[1] / "eval_cases" / "reports" / "kunming-2023-self-evaluation.txt"


def repeated(chars: int) -> str:
    """The reference report repeated to ``chars`` characters (its mistakes included, so every rule has work)."""
    unit = REFERENCE.read_text(encoding="utf-8")
    return (unit * (chars // len(unit) + 1))[:chars]


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Best-of-``repeat`` seconds of ``fn`` and its last result."""
    seconds, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        seconds = min(seconds, time.perf_counter() - started)
    return seconds, result


def main() -> None:
    """Print one line per layer: seconds, characters per second, and how much it found."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chars", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    text = repeated(args.chars)

    seconds, doc = best(lambda: document_from_text(text), args.repeat)
    rows = [("normalise (document_from_text)", seconds, f"{len(doc.sections)} sections")]
    seconds, found = best(lambda: find_numbers(text), args.repeat)
    rows.append(("read figures (find_numbers)", seconds, f"{len(found)} figures"))
    ctx = Context(doc=doc)
    ctx.numbers  # noqa: B018 - computed once outside the timing: figures belong to the line above
    _ = ctx.sentences
    seconds, findings = best(lambda: check_wording(ctx), args.repeat)
    rows.append(("wording checks (check_wording)", seconds, f"{len(findings)} findings"))

    print(f"{len(text):,} characters, best of {args.repeat}")
    print(f"{'layer':<32} {'seconds':>8} {'chars/s':>12}  found")
    for name, secs, what in rows:
        print(f"{name:<32} {secs:>8.3f} {len(text) / secs:>12,.0f}  {what}")


if __name__ == "__main__":
    main()
