"""Plain-text review reports (terminal and Markdown) and the layout every readable format shares."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from assistant.checks.finding import (
    CATEGORY_NAMES,
    SEVERITIES,
    SEVERITY_NAMES,
    SEVERITY_RANK,
    Finding,
    severity_counts,
)

if TYPE_CHECKING:
    # Only for annotations: writing a review out should not pull in the whole review pipeline.
    from assistant.reviewing.result import Review, SectionInfo

Locate = Callable[[int], tuple[int, int]]
"""Maps an offset in the review text to a 1-based (line, column) the reader can jump to."""

NO_SECTION = "（无章节）"
CONTEXT_CHARS = 20
QUOTE_LIMIT = 80


class Item(NamedTuple):
    """A finding with its 1-based number in ``review.findings`` (the anchor every format links by)."""

    # A named tuple rather than a frozen dataclass: made once a finding, it costs a tenth to build.

    number: int
    finding: Finding


@dataclass
class SectionGroup:
    """The findings of one section, in text order; ``position`` orders the groups like the document."""

    title: str
    position: int
    items: list[Item] = field(default_factory=list)


def group_by_section(review: Review) -> list[SectionGroup]:
    """Findings grouped by section, sections in document order, findings without one under “（无章节）”."""
    sections = review.document.sections
    index = SectionIndex(sections)
    groups: dict[object, SectionGroup] = {}
    findings = review.findings
    rank = SEVERITY_RANK
    # Text order (then the worse first), each key made in one pass (no call a finding): a long text has tens of
    # thousands.
    keys = [(f.start, -rank[f.severity], f.end, f.rule) for f in findings]
    for n in sorted(range(len(findings)), key=keys.__getitem__):  # stable, like sorting the items themselves
        f = findings[n]
        item = Item(n + 1, f)
        found = index.named(f.section, f.start) if f.section else None
        if found is not None:
            key: object = found
            title, position = sections[found].title, sections[found].start
        elif f.section:
            key, title, position = ("title", f.section), f.section, f.start
        else:
            key, title, position = None, NO_SECTION, f.start
        group = groups.get(key)
        if group is None:
            group = groups[key] = SectionGroup(title, position)
        group.items.append(item)
    return sorted(groups.values(), key=lambda g: g.position)


class SectionIndex:
    """Section look-ups in O(log n): the sections holding an offset, and the one a finding names.

    ``sections`` is the flattened tree in document order (a parent before its children), as ``describe`` makes
    it; sections either nest or do not overlap, so the sections holding an offset are one chain of ancestors.
    """

    def __init__(self, sections: list[SectionInfo]) -> None:
        self.sections = sections
        self.starts = [s.start for s in sections]
        self.ends = [_end(s) for s in sections]
        self.titles = [s.title for s in sections]
        self.parent: list[int | None] = []
        stack: list[int] = []
        for i, s in enumerate(sections):
            while stack and _end(sections[stack[-1]]) <= s.start:
                stack.pop()
            self.parent.append(stack[-1] if stack else None)
            stack.append(i)
        self.first: dict[str, int] = {}
        for i, s in enumerate(sections):
            self.first.setdefault(s.title, i)

    def holding(self, offset: int) -> list[int]:
        """Indices of the sections holding ``offset``, innermost first."""
        i: int | None = bisect.bisect_right(self.starts, offset) - 1
        if i is not None and i < 0:
            i = None
        out: list[int] = []
        while i is not None:
            if self.starts[i] <= offset < self.ends[i]:
                out.append(i)
            i = self.parent[i]
        return out

    def named(self, title: str, offset: int) -> int | None:
        """The section titled ``title``: the innermost one holding ``offset``, else the first of that title."""
        if title not in self.first:
            return None  # no section has that title (a table's row and column, a heading path)
        i: int | None = bisect.bisect_right(self.starts, offset) - 1
        if i is not None and i < 0:
            i = None
        while i is not None:
            if self.titles[i] == title and self.starts[i] <= offset < self.ends[i]:
                return i
            i = self.parent[i]
        return self.first[title]


def _end(s: SectionInfo) -> int:
    return max(s.end, s.start + 1)  # an empty section still holds its own start


def category_counts(findings: Iterable[Finding]) -> dict[str, dict[str, int]]:
    """Per category (in the order of CATEGORY_NAMES, only those present), the count of each severity."""
    table: dict[str, dict[str, int]] = {}
    for f in findings:
        table.setdefault(f.category, dict.fromkeys(SEVERITIES, 0))[f.severity] += 1
    order = list(CATEGORY_NAMES)
    return dict(sorted(table.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))


def context(text: str, f: Finding, width: int = CONTEXT_CHARS) -> tuple[str, str, str]:
    """The quote with up to ``width`` characters either side, stopping at line breaks, each side on one line."""
    if not (0 <= f.start <= f.end <= len(text)) or text[f.start : f.end] != f.quote:
        return "", f.quote, ""  # a quote we cannot place is shown alone rather than beside the wrong text
    lo = max(0, f.start - width)
    before = text[lo : f.start]
    if "\n" in before:
        before = before[before.rfind("\n") + 1 :]
    elif lo > 0:
        before = "…" + before
    hi = min(len(text), f.end + width)
    after = text[f.end : hi]
    if "\n" in after:
        after = after[: after.find("\n")]
    elif hi < len(text):
        after += "…"
    return before.lstrip(), f.quote, after.rstrip()


_LINE_BREAK = re.compile(r"\s*\n\s*")


def one_line(s: str, limit: int | None = QUOTE_LIMIT) -> str:
    """``s`` on one line (line breaks shown as ⏎), its middle elided when longer than ``limit``."""
    s = s.strip()
    if "\n" in s:
        s = _LINE_BREAK.sub(" ⏎ ", s)
    if limit is not None and len(s) > limit:
        head = limit * 2 // 3
        s = s[:head] + " … " + s[-(limit - head) :]
    return s


def review_to_text(review: Review, *, color: bool = False, locate: Locate | None = None) -> str:
    """A terminal report: header, notes, then each section's findings with context, message and suggestion."""
    paint = _Paint(color)
    counts = severity_counts(review.findings)
    summary = " · ".join(f"{SEVERITY_NAMES[s]} {n}" for s, n in counts.items())
    lines = [
        paint.bold(f"审阅：{review.document.path or '（未命名文档）'}  共 {review.document.chars} 字符  {summary}")
    ]
    if review.model:
        lines.append(f"模型：{review.model}")
    lines += [paint.note(f"【注意】{note}") for note in review.notes]
    if review.coverage is not None:
        lines += ["", paint.bold("检查范围")] + [f"  {line}" for line in review.coverage.lines()]
    if not review.findings:
        return "\n".join([*lines, "", verdict(review)]) + "\n"
    text = review.text
    for group in group_by_section(review):
        lines += ["", paint.bold(group.title)]
        _text_items(lines, text, group.items, paint, locate)
    return "\n".join(lines) + "\n"


def verdict(review: Review) -> str:
    """What to say when there are no findings: an all-clear only when every check ran over readable text."""
    if review.findings:
        return ""
    if review.all_clear():
        return "未发现问题。"
    assert review.coverage is not None  # all_clear() holds whenever coverage is unknown
    return f"已运行的检查没有发现问题，但以下内容未能检查：{review.coverage.not_checked()}。"


def review_to_markdown(review: Review) -> str:
    """A Markdown report: title, counts by category and severity, then a findings table per section."""
    names = [SEVERITY_NAMES[s] for s in SEVERITIES]
    out = ["# 绩效自评报告审阅结果", ""]
    out.append(f"- 文件：{md_escape(review.document.path or '（未命名文档）')}")
    out.append(f"- 字符数：{review.document.chars}")
    if review.model:
        out.append(f"- 模型：{md_escape(review.model)}")
    out.append("")
    out += [f"> **注意**：{md_escape(note)}\n" for note in review.notes]
    if review.coverage is not None:
        out += ["## 检查范围", ""] + [f"- {md_escape(line)}" for line in review.coverage.lines()] + [""]
    if not review.findings:
        return "\n".join([*out, md_escape(verdict(review))]) + "\n"

    out += ["## 概览", "", "| 类别 | " + " | ".join(names) + " | 合计 |", "|---" * (len(names) + 2) + "|"]
    for category, row in category_counts(review.findings).items():
        cells = [str(row[s]) for s in SEVERITIES]
        out.append(f"| {CATEGORY_NAMES.get(category, category)} | {' | '.join(cells)} | {sum(row.values())} |")
    totals = severity_counts(review.findings)
    out.append(f"| **合计** | {' | '.join(str(n) for n in totals.values())} | **{len(review.findings)}** |")

    out += ["", "## 问题明细"]
    for group in group_by_section(review):
        out += [
            "",
            f"### {md_escape(group.title)}",
            "",
            "| 序号 | 严重程度 | 类别 | 原文 | 问题 | 建议 |",
            "|---" * 6 + "|",
        ]
        for item in group.items:
            f = item.finding
            cells = [
                str(item.number),
                SEVERITY_NAMES[f.severity],
                CATEGORY_NAMES.get(f.category, f.category),
                md_escape(one_line(f.quote)),
                md_escape(one_line(f.message, limit=None)),
                md_escape(one_line(f.suggestion, limit=None)),
            ]
            out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#!])")


def md_escape(s: str) -> str:
    """``s`` as literal Markdown text, safe inside a table cell (``|`` and inline markup backslash-escaped)."""
    return _MD_SPECIAL.sub(r"\\\1", s)


def _text_items(lines: list[str], text: str, items: list[Item], paint: _Paint, locate: Locate | None) -> None:
    # One string per finding (its lines joined here), with ``context``, ``one_line`` and the plain quote mark
    # written out in one loop: the report of a long text holds tens of thousands of findings.
    size = len(text)
    width = CONTEXT_CHARS
    heads: dict[tuple[str, str, str], str] = {}
    append = lines.append
    color = paint.color
    for item in items:
        f = item.finding
        start, end, quote = f.start, f.end, f.quote
        key = (f.severity, f.category, f.rule)
        head = heads.get(key)
        if head is None:
            head = heads[key] = paint.head(*key)
        if locate is not None:
            line, col = locate(start)
            head = f"{head}｜{line}:{col}"
        if 0 <= start <= end <= size and text[start:end] == quote:
            lo = start - width if start > width else 0
            before = text[lo:start]
            cut = before.rfind("\n")
            if cut >= 0:
                before = before[cut + 1 :]
            elif lo:
                before = "…" + before
            before = before.lstrip()
            hi = end + width
            after = text[end:hi]
            cut = after.find("\n")
            if cut >= 0:
                after = after[:cut]
            elif hi < size:
                after += "…"
            after = after.rstrip()
        else:
            before = after = ""  # a quote we cannot place is shown alone rather than beside the wrong text
        shown = quote.strip()
        if "\n" in shown or len(shown) > QUOTE_LIMIT:
            shown = one_line(shown)
        shown = paint.quote(shown) if color else f"【{shown}】"
        suggestion = f"\n     建议：{f.suggestion}" if f.suggestion else ""
        append(f"  {item.number}. {head}\n     “{before}{shown}{after}”\n     {f.message}{suggestion}")


class _Paint:
    """ANSI styling when colour is on; plain text (quote in 【】) when it is off."""

    _SEVERITY = {"error": "1;31", "warning": "1;33", "info": "1;36"}

    def __init__(self, color: bool) -> None:
        self.color = color
        self._heads: dict[tuple[str, str], str] = {}

    def head(self, severity: str, category: str, rule: str) -> str:
        """ "警告｜表述空泛｜rule": severity and category named once per review, not once per finding."""
        key = (severity, category)
        named = self._heads.get(key)
        if named is None:
            named = self._heads[key] = (
                f"{self.severity(severity, SEVERITY_NAMES[severity])}｜{CATEGORY_NAMES.get(category, category)}"
            )
        return f"{named}｜{rule}"

    def _sgr(self, code: str, s: str) -> str:
        return f"\x1b[{code}m{s}\x1b[0m" if self.color else s

    def bold(self, s: str) -> str:
        return self._sgr("1", s)

    def note(self, s: str) -> str:
        return self._sgr("1;33", s)

    def severity(self, level: str, s: str) -> str:
        return self._sgr(self._SEVERITY.get(level, "1"), s)

    def quote(self, s: str) -> str:
        return f"\x1b[4m{s}\x1b[24m" if self.color else f"【{s}】"
