"""Writing the commented .docx: seconds per size and the cost per comment relative to the smallest size.

    python benchmarks/docx_comments_speed.py [--sizes 20000,60000,250000]

The text is the reference report repeated (as in review_speed.py), so a long text carries thousands of findings.
Linear growth shows as a per-comment ratio near 1.0. Before the comment ids were counted by the writer, python-docx
searched every comment for the highest id at each addition: 3,881 comments took 93 s.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from review_speed import text_of

from assistant.export.docx_comments import write_commented_docx
from assistant.reviewing import review_document
from assistant.text.document import document_from_text


def main() -> None:
    """Print comments written, seconds and the per-comment cost ratio for each size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="20000,60000,250000")
    args = parser.parse_args()
    print(f"{'chars':>9} {'comments':>9} {'seconds':>8} {'ms/comment':>10} {'ratio':>6}")
    first: float | None = None
    with tempfile.TemporaryDirectory() as folder:
        for size in (int(s) for s in args.sizes.split(",")):
            review = review_document(document_from_text(text_of(size)))
            t0 = time.perf_counter()
            written = write_commented_docx(review, Path(folder) / f"{size}.docx", track_fixes=True)
            seconds = time.perf_counter() - t0
            per = seconds / max(written.placed, 1) * 1e3
            first = first or per
            print(f"{size:>9} {written.placed:>9} {seconds:>8.2f} {per:>10.2f} {per / first:>6.2f}")


if __name__ == "__main__":
    main()
