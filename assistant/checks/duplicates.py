"""Long passages copied verbatim: between the plan, actual and comparison columns, between rows, between sections."""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.checks.finding import Finding
from assistant.checks.registry import Context, rule

_NOISE = re.compile(r"[\s，。；：、,.;:“”\"'（）()]+")
MIN_CHARS = 16


@rule(
    "duplicates.copied-passage", "大段文字在表格各栏或各处之间原样重复", category="duplicate_text", severity="warning"
)
def copied_passages(ctx: Context) -> Iterator[Finding]:
    """Every later copy of a sentence of at least 16 characters that already appeared elsewhere."""
    text = ctx.text
    first: dict[str, tuple[int, int]] = {}
    for s, e in ctx.sentences:
        key = _NOISE.sub("", text[s:e])
        if len(key) < MIN_CHARS:
            continue
        if key not in first:
            first[key] = (s, e)
            continue
        s0, _ = first[key]
        line, _col = ctx.doc.line_col(s0)
        where = ctx.place(s0) or "前文"
        yield ctx.finding(
            "duplicates.copied-passage",
            "duplicate_text",
            "warning",
            s,
            e,
            f"这段文字与{where}（原文第 {line} 行）完全相同；计划、实际执行和对比各栏应各写各的内容",
            "按本栏要求改写：实际执行情况写实际完成值，对比栏写与年初预算、目标的差异及原因",
        )
