"""Claims of completeness (100%、全部支出、不存在结转结余) that the report's own figures contradict."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from assistant.checks.amounts import amounts
from assistant.checks.finding import Finding
from assistant.checks.registry import Context, rule
from assistant.units import format_number

_CLAIMS = re.compile(
    r"(不存在|无|没有|未产生|未形成)结转结余"
    r"|(所有|全部)(经费|资金|项目资金)[^。；\n]{0,12}(完成支出|支出完毕|全部支出|已支出)"
    r"|支出完毕"
    r"|完成(年初|全年)?预算的\s*100(\.0+)?\s*[%％]"
    r"|(预算)?执行率(为|达到?)?\s*100(\.0+)?\s*[%％]"
)
_LOW = Decimal("0.995")  # below 99.5% spent is not "all spent"


@rule(
    "claims.completeness",
    "“全部支出/不存在结转结余/100%”与报告中的金额矛盾",
    category="contradiction",
    severity="error",
)
def completeness_claims(ctx: Context) -> Iterator[Finding]:
    """Flag a claim of full spending when some item in the report (or the data) was underspent."""
    evidence = _underspent(ctx)
    if not evidence:
        return
    for m in _CLAIMS.finditer(ctx.text):
        yield ctx.finding(
            "claims.completeness",
            "contradiction",
            "error",
            m.start(),
            m.end(),
            f"此处称“{m.group()}”，但{evidence}",
            "据实写明各项目的执行数、执行率和结转结余金额及原因",
        )


def _underspent(ctx: Context) -> str | None:
    """A sentence naming the first underspent item, from the report's own figures, else from the data."""
    by_item: dict[str, dict[str, list[Decimal]]] = {}
    raw: dict[tuple[str, str], str] = {}
    for a in amounts(ctx):
        if a.item is None or a.attribute == "other":
            continue
        by_item.setdefault(a.item, {}).setdefault(a.attribute, []).append(a.yuan)
        raw.setdefault((a.item, a.attribute), a.mention.raw)
    for item, attrs in by_item.items():
        budgets, spent = attrs.get("budget") or attrs.get("initial"), attrs.get("spent")
        if budgets and spent and min(spent) < max(budgets) * _LOW:
            low = min(spent)
            rate = format_number(low / max(budgets) * 100, 2)
            return (
                f"报告中“{item}”预算 {raw.get((item, 'budget')) or raw[(item, 'initial')]}、实际支出 {format_number(low / 10000)}万元"
                f"（执行率约 {rate}%）"
            )
    if ctx.facts is not None:
        for f in ctx.facts:
            if f.id.endswith(".execution_rate_calc") and f.value < 100 * _LOW:
                return f"数据显示{f.label}为 {f.written()}"
    return None
