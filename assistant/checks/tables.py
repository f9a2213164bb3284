"""Self-evaluation table rules: scores, weights, grades, rates, targets and actual values."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from assistant.budget.scoring import grade_for
from assistant.checks.finding import Finding
from assistant.checks.registry import Context, rule
from assistant.text.document import Table, TableCell
from assistant.text.numbers import NumberMention
from assistant.units import MONEY_UNITS, format_number, same_count_unit, to_yuan

_VERDICT = re.compile(
    r"达成预期|达到预期|效果明显|效果显著|成效显著|圆满完成|已完成|完成目标|达到目标|达标|较好|良好|满意"
)
_GRADE = re.compile(
    r"(\d+(?:\.\d+)?)\s*分[^。；\n]{0,20}?(?:等级|评价等级|评定为|评为|评价为|结果为|等次)[为是：:“\"]?\s*[“\"]?(优秀?|良好?|中等?|差)"
)
_TARGET_WORDS = re.compile(r"以上|及以上|不低于|不少于|达到|≥|>=|不超过|以内|≤")


def _col(table: Table, *words: str) -> int | None:
    for i, head in enumerate(table.header):
        if any(w in head for w in words):
            return i
    return None


def _cell(row: list[TableCell], i: int | None) -> TableCell | None:
    return row[i] if i is not None and i < len(row) else None


def _first_number(ctx: Context, cell: TableCell | None) -> NumberMention | None:
    if cell is None:
        return None
    nums = [n for n in ctx.numbers_in(cell.start, cell.end) if n.kind not in ("year", "date")]
    return nums[0] if nums else None


@rule("tables.score-over-weight", "得分高于分值", category="arithmetic", severity="error")
def score_over_weight(ctx: Context) -> Iterator[Finding]:
    """A row whose 得分 exceeds its 分值."""
    for table in ctx.doc.tables:
        wi, si = _col(table, "分值", "权重"), _col(table, "得分")
        if wi is None or si is None:
            continue
        for row in table.rows:
            w, s = _first_number(ctx, _cell(row, wi)), _first_number(ctx, _cell(row, si))
            if w and s and s.value > w.value:
                yield ctx.finding(
                    "tables.score-over-weight",
                    "arithmetic",
                    "error",
                    s.start,
                    s.end,
                    f"得分 {format_number(s.value)} 高于该项分值 {format_number(w.value)}",
                    "得分不能超过分值，请按完成情况重新计分",
                )


@rule("tables.weights-total", "分值合计不等于总分", category="arithmetic", severity="error")
def weights_total(ctx: Context) -> Iterator[Finding]:
    """The 分值 column of a table must add up to its 合计 row, or to 100 when there is none."""
    for table in ctx.doc.tables:
        wi = _col(table, "分值", "权重")
        if wi is None:
            continue
        total_row: NumberMention | None = None
        weights: list[NumberMention] = []
        for row in table.rows:
            w = _first_number(ctx, _cell(row, wi))
            if w is None:
                continue
            if row and re.search(r"合计|总分|总计", row[0].text):
                total_row = w
            else:
                weights.append(w)
        if len(weights) < 3:
            continue
        summed = sum((w.value for w in weights), Decimal(0))
        expected = total_row.value if total_row else Decimal(100)
        if summed != expected:
            anchor = total_row or weights[-1]
            yield ctx.finding(
                "tables.weights-total",
                "arithmetic",
                "error",
                anchor.start,
                anchor.end,
                f"各项分值合计 {format_number(summed)} 分，应为 {format_number(expected)} 分",
                "核对各指标分值，使其合计等于总分（通常为 100 分）",
            )


@rule("tables.grade", "总分与所写等级不符", category="contradiction", severity="error")
def grade_mismatch(ctx: Context) -> Iterator[Finding]:
    """A stated score and grade that disagree (优 ≥ 90, 良 80–89.99, 中 60–79.99, 差 < 60)."""
    for m in _GRADE.finditer(ctx.text):
        score = Decimal(m.group(1))
        grade = m.group(2)[0]
        expected = grade_for(score)
        if score <= 100 and expected != grade:
            yield ctx.finding(
                "tables.grade",
                "contradiction",
                "error",
                m.start(),
                m.end(),
                f"得分 {format_number(score)} 分对应的等级应为“{expected}”，此处写作“{grade}”",
                f"将等级改为“{expected}”，或核对得分",
            )


@rule("tables.rate", "表中执行率与预算数、执行数不符", category="arithmetic", severity="error")
def table_rate(ctx: Context) -> Iterator[Finding]:
    """执行率 recomputed from a row's money columns."""
    for table in ctx.doc.tables:
        bi = _col(table, "全年预算数", "调整后预算", "预算数")
        ei = _col(table, "全年执行数", "执行数", "实际支出")
        ri = _col(table, "执行率")
        if bi is None or ei is None or ri is None or len({bi, ei, ri}) < 3:
            continue
        for row in table.rows:
            b, e, r = (_first_number(ctx, _cell(row, i)) for i in (bi, ei, ri))
            if not (b and e and r) or r.kind != "percent":
                continue
            unit = table_unit(table)
            by, ey = _yuan(b, unit), _yuan(e, unit)
            if not by:
                continue
            rate = ey / by * 100
            step = Decimal(1).scaleb(-r.decimals)
            if r.value not in (rate.quantize(step, ROUND_HALF_UP), rate.quantize(step, ROUND_DOWN)):
                yield ctx.finding(
                    "tables.rate",
                    "arithmetic",
                    "error",
                    r.start,
                    r.end,
                    f"执行率写作 {r.raw}，按执行数 {e.raw} ÷ 预算数 {b.raw} 应为 {format_number(rate, 2)}%",
                    f"改为 {format_number(rate, 2)}%",
                )


def table_unit(table: Table) -> str:
    """The money unit a table's header declares (单位：万元), 元 by default."""
    heading = " ".join([table.title or "", *table.header])
    m = re.search(r"(亿元|万元|千元|元)", heading)
    return m.group(1) if m else "万元"


def _yuan(n: NumberMention, default_unit: str) -> Decimal:
    unit = n.unit if n.unit in MONEY_UNITS else default_unit
    return to_yuan(n.value, unit)


@rule("tables.verdict-actual", "实际完成值写成了评价而非测量结果", category="vague_wording", severity="warning")
def verdict_actual(ctx: Context) -> Iterator[Finding]:
    """An 实际完成值 cell that says 达成预期/效果明显 instead of a measured value."""
    for table in ctx.doc.tables:
        ai = _col(table, "实际完成值", "实际值", "完成值")
        if ai is None:
            continue
        for row in table.rows:
            cell = _cell(row, ai)
            if cell is None or _first_number(ctx, cell):
                continue
            m = _VERDICT.search(cell.text)
            if m:
                start = cell.start + m.start()
                yield ctx.finding(
                    "tables.verdict-actual",
                    "vague_wording",
                    "warning",
                    start,
                    start + len(m.group()),
                    f"实际完成值写作“{cell.text.strip()}”，是评价而不是测量结果",
                    "填写实际测得的数值和单位，如“完成培训 1260 人次”“满意度 93.5%”",
                )


@rule("tables.malformed-target", "指标值写法不规范", category="missing_value", severity="warning")
def malformed_target(ctx: Context) -> Iterator[Finding]:
    """A target written as ≥100百分比, or a number with no unit where the table has no unit column."""
    for table in ctx.doc.tables:
        ti = _col(table, "年度指标值", "指标值", "目标值")
        ui = _col(table, "度量单位", "计量单位", "单位")
        if ti is None:
            continue
        for row in table.rows:
            cell = _cell(row, ti)
            if cell is None:
                continue
            bad = re.search(r"\d+(?:\.\d+)?\s*百分比", cell.text)
            if bad:
                start = cell.start + bad.start()
                yield ctx.finding(
                    "tables.malformed-target",
                    "structure",
                    "warning",
                    start,
                    start + len(bad.group()),
                    f"指标值“{bad.group()}”写法不规范：数值与“百分比”连写",
                    "写成“≥100%”，或把“%”填在度量单位栏",
                )
                continue
            n = _first_number(ctx, cell)
            unit_cell = _cell(row, ui)
            if n and n.unit is None and not (unit_cell and unit_cell.text.strip()):
                yield ctx.finding(
                    "tables.malformed-target",
                    "structure",
                    "warning",
                    n.start,
                    n.end,
                    f"指标值“{n.raw}”没有度量单位",
                    "补上度量单位（%、人次、个、天、万元 …）",
                )


@rule("tables.target-no-actual", "量化目标没有对应的实际完成值", category="missing_value", severity="warning")
def target_without_actual(ctx: Context) -> Iterator[Finding]:
    """A quantified target in the plan column whose row reports no actual figure of the same unit."""
    for table in ctx.doc.tables:
        pi = _col(table, "年度指标值", "任务措施", "绩效目标", "目标值")
        actual_cols = [i for i, h in enumerate(table.header) if re.search(r"实际|完成|对比", h) and i != pi]
        if pi is None or not actual_cols:
            continue
        for row in table.rows:
            plan = _cell(row, pi)
            if plan is None:
                continue
            actual_nums = [n for i in actual_cols if (c := _cell(row, i)) for n in ctx.numbers_in(c.start, c.end)]
            for n in ctx.numbers_in(plan.start, plan.end):
                if n.kind not in ("count", "percent") or not _is_target(ctx, n):
                    continue
                if any(a.kind == n.kind and same_count_unit(a.unit, n.unit) for a in actual_nums):
                    continue
                yield ctx.finding(
                    "tables.target-no-actual",
                    "missing_value",
                    "warning",
                    n.start,
                    n.end,
                    f"目标“{n.raw}”在实际执行情况中没有对应的实际完成值",
                    f"在实际执行情况栏写明实际完成的数值（单位：{n.unit}）",
                )


def _is_target(ctx: Context, n: NumberMention) -> bool:
    if n.comparator:
        return True
    around = ctx.text[max(0, n.start - 6) : n.end + 4]
    return bool(_TARGET_WORDS.search(around))
