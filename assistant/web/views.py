"""What the page shows, as plain functions over pipeline results: tables, summaries, marked-up text (no gradio)."""

from __future__ import annotations

import html

from assistant.checks.finding import CATEGORY_NAMES, SEVERITY_NAMES, SEVERITY_RANK, Finding, severity_counts
from assistant.drafting.plan import SectionSpec
from assistant.drafting.result import Draft, DraftSection
from assistant.export.review_html import segments
from assistant.reviewing.result import Review

OFFLINE = "未配置模型：离线运行"


def section_choices(specs: list[SectionSpec]) -> list[tuple[str, str]]:
    """Checkbox (label, id) for every section that has a body of its own."""
    return [(s.title if s.kind == "table" else f"{s.id} {s.title}", s.id) for s in specs if s.has_body]


def with_parents(specs: list[SectionSpec], wanted: list[str]) -> list[str]:
    """The chosen section ids plus their parents' headings, in plan order."""
    keep = set(wanted) | {s.parent for s in specs if s.id in wanted and s.parent}
    return [s.id for s in specs if s.id in keep]


def findings_rows(findings: list[Finding]) -> list[list[str]]:
    """One table row per finding: 章节, 类别, 严重程度, 原文, 问题, 建议."""
    return [
        [
            f.section or "",
            CATEGORY_NAMES.get(f.category, f.category),
            SEVERITY_NAMES[f.severity],
            " ".join(f.quote.split()),
            f.message,
            f.suggestion,
        ]
        for f in findings
    ]


def draft_summary(result: Draft) -> str:
    """The finished draft's status: sections, findings by severity, notes."""
    counts = severity_counts(result.findings)
    lines = [
        f"**起草完成**：共 {len(result.sections)} 节；待处理问题：错误 {counts['error']}、警告 {counts['warning']}、"
        f"提示 {counts['info']}。可在下方下载 Word、Markdown 和 JSON。"
    ]
    lines += [f"- {note}" for note in result.notes]
    return "\n".join(lines)


def draft_html(result: Draft) -> str:
    """The draft with its figures marked: filled from the data, or unsupported by it; a legend on top."""
    legend = (
        '<div class="legend">图例：<mark class="fact">3240.79万元</mark>由数据填入的数字'
        '<mark class="unsupported">4个</mark>数据中无对应数值、需要核实的数字</div>'
    )
    body = []
    for s in result.sections:
        body.append(f"<h3>{html.escape(s.title)}</h3>")
        if s.text:
            body.append(_marked_section(s))
    return legend + '<div class="doc">' + "".join(body) + "</div>"


def _marked_section(s: DraftSection) -> str:
    spans: list[tuple[int, int, str, str]] = []
    for f in s.findings:
        if f.category == "ungrounded_number" and 0 <= f.start < f.end <= len(s.text):
            spans.append((f.start, f.end, "unsupported", f.message))
    for fact in s.spans:
        if 0 <= fact.start < fact.end <= len(s.text):
            spans.append((fact.start, fact.end, "fact", f"由数据填入：{fact.id}"))
    out: list[str] = []
    pos = 0
    # Unsupported marks first at equal starts; a span overlapping one already placed is skipped.
    for start, end, kind, title in sorted(spans, key=lambda t: (t[0], t[2] != "unsupported", -t[1])):
        if start < pos:
            continue
        out.append(html.escape(s.text[pos:start]))
        out.append(f'<mark class="{kind}" title="{html.escape(title)}">{html.escape(s.text[start:end])}</mark>')
        pos = end
    out.append(html.escape(s.text[pos:]))
    return "".join(out)


def review_summary(review: Review, offline: bool) -> str:
    """The review's status: counts by severity, how it ran, its notes."""
    counts = severity_counts(review.findings)
    how = f"模型：{review.model}" if review.model else (OFFLINE + "（仅确定性检查）" if offline else "仅确定性检查")
    lines = [
        f"**审阅完成**：共 {len(review.findings)} 处问题（错误 {counts['error']}、警告 {counts['warning']}、"
        f"提示 {counts['info']}）；{review.document.chars} 字符。{how}。"
    ]
    lines += [f"- {note}" for note in review.notes]
    return "\n".join(lines)


def review_body(review: Review) -> str:
    """The report text with each finding marked by severity (the same cut as the HTML review page)."""
    findings = review.findings
    out = [
        '<div class="legend">图例：<mark class="sev-error">错误</mark><mark class="sev-warning">警告</mark>'
        '<mark class="sev-info">提示</mark>（鼠标悬停查看问题）</div><div class="doc">'
    ]
    for seg in segments(review.text, findings):
        numbers = seg.covering or seg.points
        if not numbers:
            out.append(html.escape(seg.text))
            continue
        marked = [findings[n - 1] for n in numbers]
        worst = max((f.severity for f in marked), key=SEVERITY_RANK.__getitem__)
        classes = f"sev-{worst}" + (" multi" if len(marked) > 1 else "") + (" point" if seg.points else "")
        title = "\n".join(
            f"[{CATEGORY_NAMES.get(f.category, f.category)}·{SEVERITY_NAMES[f.severity]}] {f.message}" for f in marked
        )
        out.append(f'<mark class="{classes}" title="{html.escape(title)}">{html.escape(seg.text)}</mark>')
    out.append("</div>")
    return "".join(out)
