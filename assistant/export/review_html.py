"""The HTML review page: one self-contained file with the findings table and the report text highlighted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.checks.finding import CATEGORY_NAMES, SEVERITY_NAMES, SEVERITY_RANK, Finding, severity_counts
from assistant.export.review_text import (
    SEVERITIES,
    category_counts,
    group_by_section,
    one_line,
    verdict,
)
from assistant.prompts import default_prompts

if TYPE_CHECKING:
    from assistant.reviewing.result import Review

PAGE_TITLE = "绩效自评报告审阅结果"


@dataclass(frozen=True)
class Segment:
    """A run of text covered by the same findings (by number); ``anchors`` are the findings that start here.

    A zero-width finding (something missing at a place) becomes an empty segment with ``points`` set.
    """

    text: str
    covering: tuple[int, ...] = ()
    anchors: tuple[int, ...] = ()
    points: tuple[int, ...] = ()


def segments(text: str, findings: list[Finding]) -> list[Segment]:
    """Cut ``text`` at every finding boundary so overlapping spans become flat, non-overlapping runs.

    Finding ``n`` is ``findings[n - 1]``; one whose offsets do not hold its quote is left unmarked.
    """
    starts: dict[int, list[int]] = {}
    ends: dict[int, list[int]] = {}
    empty: set[int] = set()
    for n, f in enumerate(findings, start=1):
        start, end = f.start, f.end
        if not (0 <= start <= end <= len(text)) or text[start:end] != f.quote:
            continue  # marking the wrong words would mislead more than not marking; the table still lists it
        starts.setdefault(start, []).append(n)
        ends.setdefault(end, []).append(n)
        if start == end:
            empty.add(n)
    bounds = sorted({0, len(text)} | starts.keys() | ends.keys())
    active: dict[int, None] = {}  # an ordered set of the spans open at the current boundary
    out: list[Segment] = []
    for i, lo in enumerate(bounds):
        for n in ends.get(lo, []):
            active.pop(n, None)
        opening = starts.get(lo, [])
        points = tuple(n for n in opening if n in empty)
        if points:
            out.append(Segment("", (), points, points))
        spans = tuple(n for n in opening if n not in empty)
        active.update(dict.fromkeys(spans))
        if i + 1 < len(bounds):
            out.append(Segment(text[lo : bounds[i + 1]], tuple(sorted(active)), spans))
    return out


def review_to_html(review: Review) -> str:
    """One self-contained HTML page: summary counts, a findings table, and the full text with spans marked."""
    findings = review.findings
    rows = []
    for group in group_by_section(review):
        for item in group.items:
            f = item.finding
            rows.append(
                {
                    "number": item.number,
                    "section": group.title,
                    "category": CATEGORY_NAMES.get(f.category, f.category),
                    "severity": f.severity,
                    "severity_name": SEVERITY_NAMES[f.severity],
                    "rule": f.rule,
                    "source": f.source,
                    "quote": one_line(f.quote),
                    "message": f.message,
                    "suggestion": f.suggestion,
                }
            )
    pieces = [_piece(seg, findings) for seg in segments(review.text, findings)]
    return default_prompts().render(
        "review.html.j2",
        title=PAGE_TITLE,
        path=review.document.path or "（未命名文档）",
        chars=review.document.chars,
        model=review.model,
        notes=review.notes,
        coverage=review.coverage.lines() if review.coverage is not None else [],
        verdict=verdict(review),
        severity_names=[(s, SEVERITY_NAMES[s]) for s in SEVERITIES],
        severity_counts=severity_counts(findings),
        category_rows=[
            (CATEGORY_NAMES.get(c, c), counts, sum(counts.values())) for c, counts in category_counts(findings).items()
        ],
        total=len(findings),
        rows=rows,
        pieces=pieces,
    )


def _piece(seg: Segment, findings: list[Finding]) -> dict[str, object]:
    """What the template needs for one segment: its text, anchors, and the mark's class and tooltip."""
    numbers = seg.covering or seg.points
    marked = [findings[n - 1] for n in numbers]
    worst = max((f.severity for f in marked), key=SEVERITY_RANK.__getitem__, default="info")
    classes = [f"sev-{worst}"]
    if len(marked) > 1:
        classes.append("multi")
    if seg.points:
        classes.append("point")
    return {
        "text": seg.text,
        "anchors": seg.anchors,
        "marked": bool(marked),
        "class": " ".join(classes),
        "title": "\n".join(
            f"[{n}] {SEVERITY_NAMES[f.severity]}：{f.message}" for n, f in zip(numbers, marked, strict=True)
        ),
        "numbers": " ".join(map(str, numbers)),
    }
