"""Deterministic review speed: time per size, and cost per character relative to the smallest size.

    python benchmarks/review_speed.py [--sizes 20000,100000,250000,500000,1000000] [--repeat 3]

The text is the reference report repeated (its mistakes included), so every rule family has work to do.
Linear growth shows as a per-character ratio near 1.0 at every size. "output" is writing the terminal report
(``review_to_text``: grouping findings by section, context of every quote).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from assistant.export.review_text import review_to_text
from assistant.reviewing import review_document
from assistant.text.document import document_from_text

REFERENCE = Path(__file__).parents[1] / "eval_cases" / "reports" / "kunming-2023-self-evaluation.txt"


def text_of(size: int) -> str:
    """The reference report repeated and cut to ``size`` characters (at a paragraph break)."""
    base = REFERENCE.read_text(encoding="utf-8")
    text = (base + "\n\n") * (size // len(base) + 1)
    cut = text.rfind("\n\n", 0, size)
    return text[: cut if cut > 0 else size]


def measure(text: str, repeat: int) -> tuple[float, float, float, int]:
    """Best-of-``repeat`` seconds for ingest, checks and output, and the number of findings."""
    best_ingest = best_checks = best_output = float("inf")
    findings = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        doc = document_from_text(text)
        t1 = time.perf_counter()
        review = review_document(doc)
        t2 = time.perf_counter()
        review_to_text(review)
        t3 = time.perf_counter()
        best_ingest, best_checks, best_output = (
            min(best_ingest, t1 - t0),
            min(best_checks, t2 - t1),
            min(best_output, t3 - t2),
        )
        findings = len(review.findings)
    return best_ingest, best_checks, best_output, findings


def main() -> None:
    """Print a table of sizes, times and per-character cost ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="20000,100000,250000,500000,1000000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"{'chars':>9} {'ingest ms':>10} {'checks ms':>10} {'output ms':>10} {'total ms':>9} {'findings':>8} "
        f"{'µs/char':>8} {'ratio':>6}"
    )
    # Compile the rule packs and import the rule families once, outside the timings: the first size would
    # otherwise carry the whole start-up cost and make every later ratio look sub-linear.
    measure(text_of(2000), 1)
    first: float | None = None
    for size in sizes:
        text = text_of(size)
        ingest, checks, output, findings = measure(text, args.repeat)
        total = ingest + checks + output
        per_char = total / len(text) * 1e6
        first = first or per_char
        print(
            f"{len(text):>9} {ingest * 1e3:>10.1f} {checks * 1e3:>10.1f} {output * 1e3:>10.1f} {total * 1e3:>9.1f} "
            f"{findings:>8} "
            f"{per_char:>8.2f} {per_char / first:>6.2f}"
        )


if __name__ == "__main__":
    main()
