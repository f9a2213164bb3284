"""The review pane, modelled on Word/WPS review: the report with every finding marked on its words, the findings
as cards beside it, filter chips, 上一条/下一条 and a per-finding 已处理/忽略 toggle.

This module builds the pane's HTML from a Review (no gradio); the behaviour is client-side JavaScript in
``static/pane.js`` (loaded as the gr.HTML component's ``js_on_load``), so clicking, filtering and scrolling never
wait for the server. Only the handled/ignored state goes back, as JSON, for the downloads.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from importlib import resources

from assistant.checks.finding import CATEGORY_NAMES, SEVERITIES, SEVERITY_NAMES, SEVERITY_RANK, Finding
from assistant.export.review_html import segments
from assistant.reviewing.result import Review

STATUS_NAMES = {"done": "已处理", "ignored": "忽略"}


def asset(name: str) -> str:
    """A file of ``assistant/web/static`` as text (the pane's CSS and JavaScript)."""
    return resources.files("assistant.web").joinpath("static", name).read_text(encoding="utf-8")


@dataclass
class Handled:
    """Which findings (by index in the review) the reviewer marked 已处理 or 忽略, for one review (``token``)."""

    token: str = ""
    done: set[int] = field(default_factory=set)
    ignored: set[int] = field(default_factory=set)

    @classmethod
    def parse(cls, text: str | None, token: str, count: int) -> Handled:
        """The pane's JSON; state for another review, or malformed, counts as nothing handled."""
        try:
            raw = json.loads(text or "{}")
        except ValueError:
            return cls(token)
        if not isinstance(raw, dict) or raw.get("token") != token:
            return cls(token)

        def indexes(key: str) -> set[int]:
            values = raw.get(key)
            if not isinstance(values, list):
                return set()
            return {v for v in values if isinstance(v, int) and not isinstance(v, bool) and 0 <= v < count}

        done = indexes("done")
        return cls(token, done, indexes("ignored") - done)

    def kept(self, findings: list[Finding]) -> list[Finding]:
        """The findings still open: what the downloads carry."""
        closed = self.done | self.ignored
        return [f for i, f in enumerate(findings) if i not in closed]

    def note(self) -> str | None:
        """A line for the downloads saying what the reviewer set aside, or None."""
        if not self.done and not self.ignored:
            return None
        return f"审阅人已处理 {len(self.done)} 条、忽略 {len(self.ignored)} 条，本文件只列出其余问题"


def review_pane(review: Review, token: str, box: str = "review-handled", reveal: bool = False) -> str:
    """The pane's HTML: toolbar (counts, chips, 上一条/下一条), the marked report, and one card per finding.

    ``box`` is the element id of the hidden textbox that takes the 已处理/忽略 choices; ``reveal`` scrolls the pane
    into view when it arrives (opened from a row of the batch summary).
    """
    findings = review.findings
    shown = ' data-reveal="1"' if reveal else ""
    return (
        f'<div class="rp" data-token="{html.escape(token)}" data-total="{len(findings)}" '
        f'data-box="{html.escape(box)}"{shown}>'
        + _toolbar(findings)
        + '<div class="rp-main"><div class="rp-doc" tabindex="0" aria-label="报告原文">'
        + _marked_text(review)
        + '</div><div class="rp-cards" aria-label="问题列表">'
        + "".join(_card(i, f) for i, f in enumerate(findings))
        + ('<p class="rp-none">未发现问题。</p>' if not findings else "")
        + '<p class="rp-empty" hidden>没有符合筛选条件的问题。</p></div></div></div>'
    )


def _toolbar(findings: list[Finding]) -> str:
    sev = [s for s in SEVERITIES if any(f.severity == s for f in findings)]
    cats = sorted({f.category for f in findings}, key=list(CATEGORY_NAMES).index)
    chips = "".join(
        f'<button type="button" class="chip sev-{s}" data-sev="{s}" aria-pressed="false">'
        f'{SEVERITY_NAMES[s]} <b class="n"></b></button>'
        for s in sev
    )
    chips += '<span class="sep"></span>' + "".join(
        f'<button type="button" class="chip" data-cat="{c}" aria-pressed="false">'
        f'{html.escape(CATEGORY_NAMES.get(c, c))} <b class="n"></b></button>'
        for c in cats
    )
    return (
        '<div class="rp-bar"><div class="rp-top"><div class="rp-counts" aria-live="polite"></div>'
        '<div class="rp-nav"><button type="button" class="rp-prev" title="快捷键 p">上一条</button>'
        '<span class="rp-pos"></span><button type="button" class="rp-next" title="快捷键 n">下一条</button>'
        '<label class="rp-show"><input type="checkbox" class="rp-show-closed"> 显示已处理/忽略</label></div></div>'
        f'<div class="rp-chips">{chips}<button type="button" class="rp-clear">全部</button></div></div>'
    )


BLOCK_CHARS = 2000  # the text is cut into blocks at line ends so the browser lays out only what is on screen


def _marked_text(review: Review) -> str:
    findings = review.findings
    heads = {s.start: len(s.title) for s in review.document.sections}
    blocks: list[str] = []
    out: list[str] = []
    pos = size = 0
    for seg in segments(review.text, findings):
        numbers = seg.covering or seg.points
        text = seg.text
        if not numbers:
            cut = text.rfind("\n") + 1 if size + len(text) > BLOCK_CHARS else 0
            if cut:
                out.append(_plain(text[:cut], pos, heads))
                blocks.append("".join(out))
                out, size = [], 0
                text, pos = text[cut:], pos + cut
            out.append(_plain(text, pos, heads))
            pos += len(text)
            size += len(text)
            continue
        marked = [findings[n - 1] for n in numbers]
        worst = max((f.severity for f in marked), key=SEVERITY_RANK.__getitem__)
        ids = " ".join(str(n - 1) for n in numbers)
        point = " point" if seg.points else ""
        out.append(f'<mark class="sev-{worst}{point}" data-f="{ids}">{html.escape(text)}</mark>')
        pos += len(text)
        size += len(text)
    blocks.append("".join(out))
    return "".join(f'<div class="blk">{b}</div>' for b in blocks if b)


def _plain(text: str, pos: int, heads: dict[int, int]) -> str:
    """Unmarked text, with section headings set in bold so the reader keeps their bearings."""
    starts = sorted(h - pos for h in heads if pos <= h < pos + len(text))
    if not starts:
        return html.escape(text)
    out, at = [], 0
    for s in starts:
        line_end = text.find("\n", s)
        end = min(len(text) if line_end < 0 else line_end, s + max(1, heads[s + pos]))
        if s < at:
            continue
        out.append(html.escape(text[at:s]) + f'<b class="head">{html.escape(text[s:end])}</b>')
        at = end
    out.append(html.escape(text[at:]))
    return "".join(out)


def _card(i: int, f: Finding) -> str:
    quote = " ".join(f.quote.split()) or "（此处缺少内容）"
    if len(quote) > 80:
        quote = quote[:78] + "…"
    where = f'<span class="where">{html.escape(f.section)}</span>' if f.section else ""
    suggestion = f'<p class="fix">建议：{html.escape(f.suggestion)}</p>' if f.suggestion else ""
    return (
        f'<div class="card sev-{f.severity}" data-i="{i}" data-sev="{f.severity}" data-cat="{f.category}" '
        f'tabindex="-1"><div class="head"><span class="no">{i + 1}</span>'
        f'<span class="tag sev-{f.severity}">{SEVERITY_NAMES[f.severity]}</span>'
        f'<span class="cat">{html.escape(CATEGORY_NAMES.get(f.category, f.category))}</span>{where}'
        f'<span class="state"></span></div><q>{html.escape(quote)}</q>'
        f'<p class="msg">{html.escape(f.message)}</p>{suggestion}'
        '<div class="acts"><button type="button" data-act="done" aria-pressed="false">已处理</button>'
        '<button type="button" data-act="ignored" aria-pressed="false">忽略</button></div></div>'
    )
