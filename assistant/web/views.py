"""What the page shows, as plain functions over pipeline results: summaries, marked-up text, cards (no gradio)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from assistant.budget.facts import FactSheet
from assistant.checks.finding import CATEGORY_NAMES, SEVERITY_NAMES, Finding, severity_counts
from assistant.drafting.plan import SectionSpec
from assistant.drafting.result import Draft, DraftSection
from assistant.llm import ModelConfig
from assistant.reviewing.result import Review

OFFLINE = "未配置模型：离线运行"
EVAL_STATUS = {"pass": "通过", "fail": "未通过", "stale": "提示词已改、需重跑", "error": "出错"}
_PRESET_NAMES = {
    "openai": "OpenAI",
    "deepseek": "DeepSeek（深度求索）",
    "qwen": "通义千问（阿里云百炼）",
    "zhipu": "智谱 GLM",
    "moonshot": "Kimi（月之暗面）",
    "ollama": "本机 Ollama",
    "vllm": "本机 vLLM",
    "llamacpp": "本机 llama.cpp",
}


def preset_label(name: str) -> str:
    """A preset as the model form lists it."""
    return _PRESET_NAMES.get(name, name)


def error_md(message: str) -> str:
    """An error as Markdown: the first line in bold, the rest as its own paragraphs."""
    lines = message.splitlines() or [""]
    return "**错误：" + lines[0] + "**" + "".join(f"\n\n{line.strip()}" for line in lines[1:])


def section_choices(specs: list[SectionSpec]) -> list[tuple[str, str]]:
    """Checkbox (label, id) for every section with a body of its own, by printed title: ``一·（三）部门整体收支情况``.

    Subsections restart their numbering under each chapter, so a subsection carries its chapter's numeral.
    """
    numerals = {s.id: s.title.split("、", 1)[0] for s in specs if "、" in s.title[:4]}
    out = []
    for s in specs:
        if s.has_body:
            prefix = numerals.get(s.parent or "", "") if s.parent else ""
            out.append((f"{prefix}·{s.title}" if prefix else s.title, s.id))
    return out


def with_parents(specs: list[SectionSpec], wanted: list[str]) -> list[str]:
    """The chosen section ids plus their parents' headings, in plan order."""
    keep = set(wanted) | {s.parent for s in specs if s.id in wanted and s.parent}
    return [s.id for s in specs if s.id in keep]


def offline_markdown() -> str:
    """The model settings when no model is configured."""
    return (
        f"### {OFFLINE}\n\n起草使用离线模板，审阅只运行确定性检查；不向任何地方发送数据。"
        "如需使用模型，请在下方填写并点“应用”（只对本浏览器会话有效）。"
    )


def model_markdown(config: ModelConfig, origin: str) -> str:
    """A model configuration as Markdown: endpoint and model name, never the key."""
    return "\n".join(
        [
            "### 已配置模型",
            "",
            f"- 来源：{origin}",
            f"- 接口地址：{config.endpoint}",
            f"- 模型：{config.model}",
            f"- 同时请求数上限：{config.concurrency}；超时：{config.timeout:g} 秒",
            f"- 密钥：{'已填写（不显示）' if config.api_key is not None else '未填写'}",
        ]
    )


# -- draft ------------------------------------------------------------------------------------------------


def draft_summary(result: Draft) -> str:
    """The finished draft's status: sections, findings by severity, notes."""
    counts = severity_counts(result.findings)
    lines = [
        f"**起草完成**：共 {len(result.sections)} 节；待处理问题：错误 {counts['error']}、警告 {counts['warning']}、"
        f"提示 {counts['info']}。可下载 Word、Markdown 和 JSON。"
    ]
    lines += [f"- {note}" for note in result.notes]
    return "\n".join(lines)


def live_html(text: str) -> str:
    """The draft as it streams in, shown where the finished draft will appear."""
    body = html.escape(text) if text else "正在准备…"
    return f'<div class="legend">起草中的文本（实时更新）</div><div class="doc live">{body}</div>'


def draft_html(result: Draft, sheet: FactSheet | None = None) -> str:
    """The draft with its figures marked: filled from the data, or unsupported by it; a legend on top."""
    legend = (
        '<div class="legend">图例：<mark class="fact">3240.79万元</mark>由数据填入的数字'
        '<mark class="unsupported">4个</mark>数据中无对应数值、需要核实的数字（鼠标悬停查看来源）</div>'
    )
    body = []
    for s in result.sections:
        body.append(f"<h3>{html.escape(s.title)}</h3>")
        if s.text:
            body.append(_marked_section(s, sheet))
    return legend + '<div class="doc">' + "".join(body) + "</div>"


def _fact_title(fact_id: str, sheet: FactSheet | None) -> str:
    fact = sheet.get(fact_id) if sheet is not None else None
    if fact is None:
        return "由数据填入"
    who = "" if fact.item in ("", "部门") else f"{fact.item}·"
    return f"由数据填入：{who}{fact.label}" + ("（计算得出）" if fact.derived else "")


def _marked_section(s: DraftSection, sheet: FactSheet | None) -> str:
    spans: list[tuple[int, int, str, str]] = []
    for f in s.findings:
        if f.category == "ungrounded_number" and 0 <= f.start < f.end <= len(s.text):
            spans.append((f.start, f.end, "unsupported", f.message))
    for fact in s.spans:
        if 0 <= fact.start < fact.end <= len(s.text):
            spans.append((fact.start, fact.end, "fact", _fact_title(fact.id, sheet)))
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


def draft_issues(result: Draft, speak: Callable[[str], str] = str) -> str:
    """The draft's findings as cards, each under its section's printed title; ``speak`` words data fields."""
    if not result.findings:
        return '<div class="issues"><p>没有待处理的问题。</p></div>'
    titles = {s.id: s.title for s in result.sections}
    cards = [
        _issue_card(f.model_copy(update={"message": speak(f.message), "suggestion": speak(f.suggestion)}), titles)
        for f in result.findings
    ]
    return f'<div class="issues"><div class="legend">待处理的问题（{len(cards)} 条）</div>{"".join(cards)}</div>'


def _issue_card(f: Finding, titles: dict[str, str]) -> str:
    section = f.section or ""
    # A finding names its section by id (``table.p1``) or already by title: show the title either way.
    where = titles.get(section, "" if re.fullmatch(r"[\w.]+", section, re.ASCII) else section)
    quote = " ".join(f.quote.split())
    fix = f'<p class="fix">建议：{html.escape(f.suggestion)}</p>' if f.suggestion else ""
    return (
        f'<div class="card sev-{f.severity}"><div class="head"><span class="tag sev-{f.severity}">'
        f'{SEVERITY_NAMES[f.severity]}</span><span class="cat">{html.escape(CATEGORY_NAMES.get(f.category, ""))}</span>'
        f'<span class="where">{html.escape(where)}</span></div>'
        + (f"<q>{html.escape(quote)}</q>" if quote else "")
        + f'<p class="msg">{html.escape(f.message)}</p>{fix}</div>'
    )


# -- review -----------------------------------------------------------------------------------------------


def review_summary(review: Review, mode: str) -> str:
    """The review's status: counts by severity, how it ran, its notes."""
    counts = severity_counts(review.findings)
    how = f"模型：{review.model}" if review.model else (mode + "，仅确定性检查" if mode == OFFLINE else "仅确定性检查")
    lines = [
        f"**审阅完成**：共 {len(review.findings)} 处问题（错误 {counts['error']}、警告 {counts['warning']}、"
        f"提示 {counts['info']}）；{review.document.chars} 字。{how}。"
        "点右侧问题卡片定位原文，点原文中的标记查看问题；按 n / p 切换下一条、上一条。"
    ]
    lines += [f"- {note}" for note in review.notes]
    return "\n".join(lines)


# -- eval -------------------------------------------------------------------------------------------------


def eval_table(results: list[Any], comparison: Any) -> str:
    """The eval results in Chinese, one row per case by its title."""
    rows = ["| 用例 | 类型 | 结果 | 检查项 | 与上次认可的结果相比 |", "|---|---|---|---|---|"]
    for r in results:
        last = r.runs[-1] if r.runs else None
        held = sum(a.passed for a in last.assertions) if last else 0
        total = len(last.assertions) if last else 0
        title = (r.description or r.id).replace("|", "｜")
        kind = "起草" if r.kind == "draft" else "审阅"
        rows.append(f"| {title} | {kind} | {EVAL_STATUS.get(r.status, '')} | {held}/{total} | {comparison.of(r.id)} |")
    return "\n".join(rows)
