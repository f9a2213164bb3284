"""Deterministic review speed: time per size, throughput in MB/s, and cost per character relative to the smallest size.

    python benchmarks/review_speed.py [--sizes 20000,100000,250000,500000,1000000] [--repeat 3] [--clock cpu]
    python benchmarks/review_speed.py --sizes 20000,1000000,19MB        # up to a 19 MB text (about 6.9M characters)

A size is a number of characters, or UTF-8 megabytes with an ``MB`` suffix (the text is cut so its UTF-8 encoding is
about that long). The text is the reference report repeated (its mistakes included), so every rule family has work
to do. Linear growth shows as a per-character ratio near 1.0 at every size. "output" is writing the terminal report
(``review_to_text``: grouping findings by section, context of every quote). MB/s is UTF-8 bytes of input per second
of ingest + checks + output (the goal: ≥ 2 MB/s at 1M characters, and linear to 19 MB).

Sizes above 2M characters run once whatever ``--repeat`` says, so a 19 MB run stays within minutes. ``--clock cpu``
(the default) times with the process's CPU time, steady when other work shares the machine; ``--clock wall``
times with the wall clock (the two agree on a quiet machine: the review runs on one thread).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from assistant.export.review_text import review_to_text
from assistant.reviewing import review_document
from assistant.text.document import document_from_text

REFERENCE = Path(__file__).parents[1] / "eval_cases" / "reports" / "kunming-2023-self-evaluation.txt"
BIG = 2_000_000  # characters; larger sizes are measured once
CLOCKS: dict[str, Callable[[], float]] = {"cpu": time.process_time, "wall": time.perf_counter}


def text_of(size: int) -> str:
    """The reference report repeated and cut to ``size`` characters (at a paragraph break)."""
    base = REFERENCE.read_text(encoding="utf-8")
    text = (base + "\n\n") * (size // len(base) + 1)
    cut = text.rfind("\n\n", 0, size)
    return text[: cut if cut > 0 else size]


def chars_for(size: str) -> int:
    """Characters for a ``--sizes`` entry: ``250000`` is characters, ``19MB`` is about 19,000,000 UTF-8 bytes."""
    if size.upper().endswith("MB"):
        base = REFERENCE.read_text(encoding="utf-8") + "\n\n"
        bytes_per_char = len(base.encode("utf-8")) / len(base)
        return round(float(size[:-2]) * 1_000_000 / bytes_per_char)
    return int(size)


def measure(text: str, repeat: int, clock: Callable[[], float] = time.perf_counter) -> tuple[float, float, float, int]:
    """Best-of-``repeat`` seconds for ingest, checks and output, and the number of findings."""
    best_ingest = best_checks = best_output = float("inf")
    findings = 0
    for _ in range(repeat):
        t0 = clock()
        doc = document_from_text(text)
        t1 = clock()
        review = review_document(doc)
        t2 = clock()
        review_to_text(review)
        t3 = clock()
        best_ingest, best_checks, best_output = (
            min(best_ingest, t1 - t0),
            min(best_checks, t2 - t1),
            min(best_output, t3 - t2),
        )
        findings = len(review.findings)
    return best_ingest, best_checks, best_output, findings


def main() -> None:
    """Print a table of sizes, times, throughput and per-character cost ratios."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="20000,100000,250000,500000,1000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu")
    args = parser.parse_args()
    clock = CLOCKS[args.clock]
    sizes = [chars_for(s.strip()) for s in args.sizes.split(",") if s.strip()]
    print(f"clock: {args.clock}; best of {args.repeat} up to {BIG:,} characters, one run above")
    print(
        f"{'chars':>9} {'MB utf-8':>8} {'ingest ms':>10} {'checks ms':>10} {'output ms':>10} {'total ms':>9} "
        f"{'findings':>8} {'MB/s':>6} {'µs/char':>8} {'ratio':>6}"
    )
    # Compile the rule packs and import the rule families once, outside the timings: the first size would
    # otherwise carry the whole start-up cost and make every later ratio look sub-linear.
    measure(text_of(2000), 1)
    first: float | None = None
    for size in sizes:
        text = text_of(size)
        megabytes = len(text.encode("utf-8")) / 1e6
        ingest, checks, output, findings = measure(text, args.repeat if len(text) <= BIG else 1, clock)
        total = ingest + checks + output
        per_char = total / len(text) * 1e6
        first = first or per_char
        print(
            f"{len(text):>9} {megabytes:>8.2f} {ingest * 1e3:>10.1f} {checks * 1e3:>10.1f} {output * 1e3:>10.1f} "
            f"{total * 1e3:>9.1f} {findings:>8} {megabytes / total:>6.2f} {per_char:>8.2f} {per_char / first:>6.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
