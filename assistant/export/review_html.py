"""The HTML review page: one self-contained file with the findings table and the report text highlighted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

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
        finding_rows=finding_rows(review),
        report=marked_report(review.text, findings),
    )


def finding_rows(review: Review) -> Markup:
    """The findings table's rows (``<tr>`` each), grouped by section in document order; HTML built here for speed,
    as :func:`marked_report`."""
    out: list[str] = []
    for group in group_by_section(review):
        section = escape(group.title)
        for item in group.items:
            f, n = item.finding, item.number
            model = " · 模型" if f.source == "model" else ""
            out.append(
                f'<tr id="row-{n}" class="sev-{f.severity}">\n<td class="num">{n}</td>\n<td>{section}</td>\n'
                f"<td>{escape(CATEGORY_NAMES.get(f.category, f.category))}"
                f'<span class="rule">{escape(f.rule)}{model}</span></td>\n'
                f'<td><span class="badge sev-{f.severity}">{SEVERITY_NAMES[f.severity]}</span></td>\n'
                f'<td><a href="#f{n}">{escape(one_line(f.quote))}</a></td>\n'
                f"<td>{escape(f.message)}</td>\n<td>{escape(f.suggestion)}</td>\n</tr>\n"
            )
    return Markup("".join(out))


def marked_report(text: str, findings: list[Finding]) -> Markup:
    """The report text as HTML: each run covered by findings in a ``<mark>`` (class, tooltip, numbers), and an
    anchor where each finding starts. Built here rather than in the template: a long report has thousands of runs,
    and a template loop over them was most of the time it takes to write a review page."""
    out: list[str] = []
    for seg in segments(text, findings):
        out.extend(f'<a class="anchor" id="f{n}" href="#row-{n}"></a>' for n in seg.anchors)
        numbers = seg.covering or seg.points
        if not numbers:
            out.append(escape(seg.text))
            continue
        marked = [findings[n - 1] for n in numbers]
        worst = max((f.severity for f in marked), key=SEVERITY_RANK.__getitem__)
        classes = f"sev-{worst}" + (" multi" if len(marked) > 1 else "") + (" point" if seg.points else "")
        title = "\n".join(
            f"[{n}] {SEVERITY_NAMES[f.severity]}：{f.message}" for n, f in zip(numbers, marked, strict=True)
        )
        out.append(
            f'<mark class="{classes}" title="{escape(title)}" data-findings="{" ".join(map(str, numbers))}">'
            f"{escape(seg.text)}</mark>"
        )
    return Markup("".join(out))
