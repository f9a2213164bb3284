"""The terminal report's one-loop writer and its grouping, against the plain per-finding code they replaced."""

from __future__ import annotations

import random
from typing import get_args

import pytest

from assistant.checks.finding import SEVERITY_NAMES, SEVERITY_RANK, Category, Finding, Severity, severity_counts
from assistant.export.review_text import (
    Item,
    Locate,
    SectionIndex,
    _Paint,
    context,
    group_by_section,
    one_line,
    review_to_text,
)
from assistant.reviewing import DocumentInfo, Review, SectionInfo

WORDS = ["预算执行", "绩效目标", "满意度", "  ", " ", "\n", "\n\n", "完成率95%", "abc", "，", "。", "效果明显"]
TITLES = ["一、基本情况", "二、绩效分析", "（一）产出", "一、基本情况"]  # a repeated title, as in a long report


def plain_groups(review: Review) -> list[list[int]]:
    """The finding numbers of each group as the plain sort of the items gave them."""
    items = sorted(
        [Item(n, f) for n, f in enumerate(review.findings, start=1)],
        key=lambda i: (i.finding.start, -SEVERITY_RANK[i.finding.severity], i.finding.end, i.finding.rule),
    )
    index = SectionIndex(review.document.sections)
    groups: dict[object, tuple[int, list[int]]] = {}
    for item in items:
        f = item.finding
        found = index.named(f.section, f.start) if f.section else None
        key: object = found if found is not None else (f.section, None if f.section else 0)
        position = review.document.sections[found].start if found is not None else f.start
        groups.setdefault(key, (position, []))[1].append(item.number)
    return [numbers for _, numbers in sorted(groups.values(), key=lambda g: g[0])]


def plain_item(text: str, item: Item, paint: _Paint, locate: Locate | None) -> str:
    """One finding as the report wrote it a finding at a time (``context`` and ``one_line`` called as they are)."""
    f = item.finding
    head = paint.head(f.severity, f.category, f.rule)
    if locate is not None:
        line, col = locate(f.start)
        head += f"｜{line}:{col}"
    before, quote, after = context(text, f)
    suggestion = f"\n     建议：{f.suggestion}" if f.suggestion else ""
    return (
        f"  {item.number}. {head}\n     “{before}{paint.quote(one_line(quote))}{after}”\n     {f.message}{suggestion}"
    )


def plain_report(review: Review, color: bool, locate: Locate | None) -> str:
    paint = _Paint(color)
    summary = " · ".join(f"{SEVERITY_NAMES[s]} {n}" for s, n in severity_counts(review.findings).items())
    lines = [
        paint.bold(f"审阅：{review.document.path or '（未命名文档）'}  共 {review.document.chars} 字符  {summary}")
    ]
    for group in group_by_section(review):
        lines += ["", paint.bold(group.title)]
        lines += [plain_item(review.text, item, paint, locate) for item in group.items]
    return "\n".join(lines) + "\n"


def generated_review(seed: int) -> Review:
    rng = random.Random(seed)
    parts: list[str] = [rng.choice(["", "本报告依据年度预算编制和执行情况写成，分项说明如下"])]
    starts: list[tuple[str, int]] = []
    for title in TITLES:
        starts.append((title, sum(map(len, parts))))
        parts.append(title + "\n")
        parts += rng.choices(WORDS, k=rng.randint(5, 60))
        parts.append("\n")
    text = "".join(parts).rstrip("\n") + rng.choice(["", "\n"])
    sections = [
        SectionInfo(id=str(i), title=t, level=2 if t.startswith("（") else 1, start=s, end=e)
        for i, ((t, s), e) in enumerate(zip(starts, [s for _, s in starts[1:]] + [len(text)], strict=True))
    ]
    findings = []
    for _ in range(rng.randint(1, 60)):
        near = rng.randint(0, 25)  # offsets near either end, where the context is cut short
        start = rng.choice([rng.randint(0, len(text)), near, max(0, len(text) - near)])
        end = min(len(text), start + rng.choice([0, 1, 5, 30, 120]))
        quote = text[start:end]
        if rng.random() < 0.1:
            quote += "错"  # offsets that miss their quote
        if rng.random() < 0.05:
            start, end = len(text) + 3, len(text) + 3 + len(quote)  # past the end
        findings.append(
            Finding(
                rule=rng.choice(["r.a", "r.b", "r.c"]),
                category=rng.choice(get_args(Category)[:3]),
                severity=rng.choice(get_args(Severity)),
                message=rng.choice(["空泛", "数字不符"]),
                suggestion=rng.choice(["", "补充数据"]),
                quote=quote,
                start=start,
                end=end,
                section=rng.choice([None, "一、基本情况", "（一）产出", "表1 第2行"]),
            )
        )
    return Review(
        document=DocumentInfo(path=None, chars=len(text), sections=sections), text=text, findings=findings, notes=[]
    )


@pytest.mark.parametrize("seed", range(60))
def test_report_of_generated_findings_is_what_the_plain_writer_gives(seed: int) -> None:
    review = generated_review(seed)
    assert [[i.number for i in g.items] for g in group_by_section(review)] == plain_groups(review)
    for color in (False, True):
        for locate in (None, lambda offset: (offset // 7 + 1, offset % 7 + 1)):
            assert review_to_text(review, color=color, locate=locate) == plain_report(review, color, locate)
