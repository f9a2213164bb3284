"""Score the deterministic review against the gold annotations of the development corpus.

    python benchmarks/corpus_score.py [--corpus PATH] [--verbose] [--json [PATH]]

The corpus is read in place from ``../shared/corpus`` next to the repository root (never copied). A gold finding
is hit when any finding's span overlaps the gold quote's span in ``Review.text``; an arithmetic or contradiction
finding overlapping an occurrence of a ``clean_figures`` entry is a false alarm. The last three lines printed are
the summary (must recall, should recall, false alarms), so ``tail -n 3`` gives the headline.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus"
ALARM_CATEGORIES = frozenset({"arithmetic", "contradiction"})


@dataclass
class Found:
    """One finding of the review, reduced to what scoring needs."""

    rule: str
    category: str
    severity: str
    message: str
    quote: str
    start: int
    end: int


@dataclass
class GoldResult:
    """One gold finding and whether the review hit it."""

    id: str
    tier: str
    category: str
    quote: str
    located: bool
    hit: bool
    by: list[str] = field(default_factory=list)


@dataclass
class FalseAlarm:
    """An arithmetic/contradiction finding that points at a figure the gold marks as correct."""

    figure: str
    rule: str
    category: str
    message: str
    quote: str


@dataclass
class DocResult:
    """Everything scored for one corpus document."""

    path: str
    short: str
    seconds: float
    error: str | None
    gold: list[GoldResult]
    findings: list[Found]
    false_alarms: list[FalseAlarm]

    def count(self, tier: str, *, hit_only: bool = False) -> int:
        """How many gold findings of ``tier`` (only the hit ones with ``hit_only``)."""
        return sum(1 for g in self.gold if g.tier == tier and (g.hit or not hit_only))


def _review(path: Path) -> tuple[str, list[Found]]:
    """Run the deterministic review in-process; the import lives here so its path is easy to change."""
    from assistant.reviewing import review

    result = review(path)
    found = [Found(f.rule, f.category, f.severity, f.message, f.quote, f.start, f.end) for f in result.findings]
    return result.text, found


def _fold(ch: str) -> str:
    """Compare characters by compatibility form, so a normaliser that widens or narrows punctuation still matches."""
    folded = unicodedata.normalize("NFKC", ch)
    # Keep a one-to-one character map: multi-character expansions would break the offset map.
    return folded if len(folded) == 1 else ch


def _squeeze(text: str) -> tuple[str, list[int]]:
    """The text without whitespace (characters folded) and, per kept character, its offset in ``text``."""
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        if not ch.isspace():
            chars.append(_fold(ch))
            offsets.append(i)
    return "".join(chars), offsets


def _occurrences(squeezed: tuple[str, list[int]], needle: str) -> list[tuple[int, int]]:
    """All spans of ``needle`` in the original text, matched whitespace-insensitively."""
    hay, offsets = squeezed
    target, _ = _squeeze(needle)
    spans: list[tuple[int, int]] = []
    if not target:
        return spans
    at = hay.find(target)
    while at >= 0:
        spans.append((offsets[at], offsets[at + len(target) - 1] + 1))
        at = hay.find(target, at + 1)
    return spans


def _overlaps(f: Found, span: tuple[int, int]) -> bool:
    """True when the finding's span shares at least one character with ``span`` (empty spans count as one)."""
    end = max(f.end, f.start + 1)
    return f.start < span[1] and span[0] < end


def _short(name: str) -> str:
    """``02_chongqing_kexuecheng-rongmeiti_2021_dept-table.txt`` → ``02 kexuecheng-rongmeiti``."""
    parts = Path(name).stem.split("_")
    return f"{parts[0]} {parts[2]}" if len(parts) > 2 else Path(name).stem


def score_document(corpus: Path, entry: dict[str, Any]) -> DocResult:
    """Review one document and score it against its gold entry."""
    path = corpus / entry["path"]
    t0 = time.perf_counter()
    error: str | None = None
    text, found = "", list[Found]()
    try:
        text, found = _review(path)
    except Exception as exc:  # one broken document (or a half-moved package) must not stop the benchmark
        error = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - t0
    squeezed = _squeeze(text)
    gold: list[GoldResult] = []
    for g in entry.get("findings") or []:
        spans = _occurrences(squeezed, g["quote"])
        hitters = sorted({f.rule for f in found for s in spans if _overlaps(f, s)})
        gold.append(GoldResult(g["id"], g["tier"], g["category"], g["quote"], bool(spans), bool(hitters), hitters))
    alarms: list[FalseAlarm] = []
    figure_spans = [(fig, s) for fig in entry.get("clean_figures") or [] for s in _occurrences(squeezed, str(fig))]
    for f in found:
        if f.category not in ALARM_CATEGORIES:
            continue
        # A finding counts once even when it covers several clean figures; report the first it touches.
        figure = next((fig for fig, s in figure_spans if _overlaps(f, s)), None)
        if figure is not None:
            alarms.append(FalseAlarm(figure, f.rule, f.category, f.message, f.quote))
    return DocResult(entry["path"], _short(entry["path"]), seconds, error, gold, found, alarms)


def _pct(hit: int, total: int) -> str:
    """A percentage with one decimal, or n/a for an empty tier."""
    return f"{100 * hit / total:.1f}%" if total else "n/a"


def _totals(results: list[DocResult]) -> dict[str, Any]:
    """Corpus-wide counts and recalls."""
    must = sum(r.count("must") for r in results)
    should = sum(r.count("should") for r in results)
    must_hit = sum(r.count("must", hit_only=True) for r in results)
    should_hit = sum(r.count("should", hit_only=True) for r in results)
    return {
        "documents": len(results),
        "must_hit": must_hit,
        "must_total": must,
        "must_recall": must_hit / must if must else None,
        "should_hit": should_hit,
        "should_total": should,
        "should_recall": should_hit / should if should else None,
        "findings": sum(len(r.findings) for r in results),
        "errors": sum(1 for r in results for f in r.findings if f.severity == "error"),
        "false_alarms": sum(len(r.false_alarms) for r in results),
        "failed_documents": sum(1 for r in results if r.error),
        "seconds": sum(r.seconds for r in results),
    }


def _print_table(results: list[DocResult]) -> None:
    """One row per document."""
    print(f"{'document':<28} {'must':>6} {'should':>7} {'findings':>8} {'errors':>6} {'FA':>3}")
    for r in results:
        must = f"{r.count('must', hit_only=True)}/{r.count('must')}"
        should = f"{r.count('should', hit_only=True)}/{r.count('should')}"
        errors = sum(1 for f in r.findings if f.severity == "error")
        note = f"  审阅失败: {r.error}" if r.error else ""
        print(f"{r.short:<28} {must:>6} {should:>7} {len(r.findings):>8} {errors:>6} {len(r.false_alarms):>3}{note}")


def _print_verbose(results: list[DocResult]) -> None:
    """Each missed gold finding, each hit with the rules behind it, and each false alarm."""
    print("\nmissed gold findings:")
    for r in results:
        for g in r.gold:
            if not g.hit:
                where = "  [review failed]" if r.error else "" if g.located else "  [quote not found in review.text]"
                print(f"  {r.short:<26} {g.id:<28} {g.tier:<6} {g.category:<15} {g.quote}{where}")
    # Hits are listed with the rules that made them, so a hit by an unrelated rule is easy to spot.
    print("\nhit gold findings:")
    for r in results:
        for g in r.gold:
            if g.hit:
                print(f"  {r.short:<26} {g.id:<28} {g.tier:<6} {g.category:<15} by {', '.join(g.by)}")
    print("\nfalse alarms on clean figures:")
    for r in results:
        for a in r.false_alarms:
            print(f"  {r.short:<26} {a.figure!r:<14} {a.rule}: {a.message}")


def _ensure_dependencies() -> None:
    """Run under the project's virtualenv when this interpreter lacks its dependencies (e.g. a bare ``python3``).

    A score of 0% because the review could not be imported would be a measurement that never happened.
    """
    try:
        import assistant.reviewing  # noqa: F401
    except ImportError as exc:
        home = Path(__file__).resolve().parents[1] / ".venv"
        venv = home / "bin" / "python"
        # Compare environments, not binaries: a venv's python is a symlink to the very interpreter running here.
        if venv.is_file() and Path(sys.prefix).resolve() != home.resolve():
            os.execv(str(venv), [str(venv), *sys.argv])
        print(f"无法导入审阅程序（{exc}）：请先安装（pip install -e .）后再运行；本次未评分", file=sys.stderr)
        raise SystemExit(2) from None


def main(argv: list[str] | None = None) -> int:
    """Score every corpus document and print the table, then the three summary lines."""
    _ensure_dependencies()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus folder (default ../shared/corpus)")
    parser.add_argument("--verbose", action="store_true", help="list missed gold findings and false alarms")
    parser.add_argument(
        "--json", nargs="?", const="-", metavar="PATH", help="dump everything as JSON (to PATH, or alone to stdout)"
    )
    args = parser.parse_args(argv)
    corpus: Path = args.corpus.resolve()
    gold_file = corpus / "gold.yaml"
    if not gold_file.is_file():
        print(
            f"找不到评测语料：{corpus} 下没有 gold.yaml（默认位置为仓库根目录旁的 ../shared/corpus，可用 --corpus 指定）",
            file=sys.stderr,
        )
        return 2
    entries = yaml.safe_load(gold_file.read_text(encoding="utf-8")).get("documents") or []
    results = [score_document(corpus, e) for e in entries]
    totals = _totals(results)
    if args.json:
        dump = json.dumps(
            {"corpus": str(corpus), "totals": totals, "documents": [asdict(r) for r in results]},
            ensure_ascii=False,
            indent=2,
        )
        if args.json == "-":
            # JSON alone on stdout so it can be piped into a parser.
            print(dump)
            return 0
        Path(args.json).write_text(dump + "\n", encoding="utf-8")
    _print_table(results)
    if args.verbose:
        _print_verbose(results)
    print(
        f"\n{totals['documents']} documents, {totals['findings']} findings ({totals['errors']} errors), "
        f"{totals['failed_documents']} failed, {totals['seconds']:.1f} s"
    )
    print(
        f"must recall: {totals['must_hit']}/{totals['must_total']} = {_pct(totals['must_hit'], totals['must_total'])}"
    )
    print(
        f"should recall: {totals['should_hit']}/{totals['should_total']} = "
        f"{_pct(totals['should_hit'], totals['should_total'])}"
    )
    print(f"clean-figure false alarms: {totals['false_alarms']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
