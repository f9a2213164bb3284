"""Self-evaluation table rules: scores, weights, grades, rates, targets and actual values.

The rules read every table the Document holds — Word and PDF tables and the ones recovered from flattened text
(``text/tables.py``) — through the role of each column (``column_role``: 权重, 得分, 指标值, 完成值 …), so the same
rule runs on every layout. A cell is read as a number only when it holds nothing else.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from functools import lru_cache

from assistant.budget.scoring import ScoringRules, grade_for
from assistant.checks.finding import Finding
from assistant.checks.registry import Context, rule
from assistant.checks.spans import last_of
from assistant.text.document import Table, TableCell
from assistant.text.numbers import NumberMention
from assistant.text.tables import COMPARATOR, cell_number, column_role, is_percent
from assistant.units import format_number, same_count_unit

_NOTHING_WRITTEN = re.compile(r"[无/／—\-\s]*")
_NUMBERED_NAME = re.compile(r"指标\s*\d+\s*[:：]?")

# The indicator header the rule examples use (``assistant rules ID`` prints them; the tests run them).
_IND = "一级指标 | 二级指标 | 三级指标 | 指标性质 | 指标值 | 度量单位 | 完成值 | 分值 | 得分 | 偏差原因\n"
_VERDICT = re.compile(
    r"达成预期|达到预期|效果明显|效果显著|成效显著|圆满完成|已完成|完成目标|达到目标|达标|较好|良好|满意"
)
# Words that judge rather than measure; in a row whose target is a quantity they stand where a figure belongs.
_VERDICT_WORD = re.compile(
    r"^(?:已?全部完成|已?完成|已?达到|达成|达标|合格|有效|显著|明显|及时|准时|好|较好|良好|优|优秀|高|较高|是|满意|"
    r"达成预期|达到预期|效果明显|效果显著|成效显著|圆满完成|完成目标|达到目标|符合要求|符合标准)$"
)
_GRADE = re.compile(
    r"(\d+(?:\.\d+)?)\s*分[^。；\n]{0,20}?(?:等级|评价等级|评定为|评为|评价为|结果为|等次)[为是：:“\"]?\s*[“\"]?(优秀?|良好?|中等?|差)"
)
_GRADE_CELL = re.compile(r"^[“\"]?(优秀?|良好?|中等?|差)[”\"]?$")
_TARGET_WORDS = re.compile(r"以上|及以上|不低于|不少于|达到|≥|>=|不超过|以内|≤")
_QUANTITY = re.compile(
    r"^(?P<cmp>≥|≤|>=|<=|>|<|=|＝|≧|≦|═|不低于|不少于|不高于|不超过|大于等于|小于等于)?\s*"
    r"(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<unit>[%％]|[^\d\s.,]{1,4})?$"
)
_LOWER_IS_BETTER = re.compile(
    r"控制率|调整率|结转率|结余率|变动率|偏差率|投诉率|差错率|事故率|发生率|成本|费用|支出|时间|时限|天数"
)
# Rates that cannot exceed 100%: a share of people, cases or money.
_BOUNDED_RATE = re.compile(
    r"满意度|满意率|知晓率|覆盖率|合格率|达标率|准确率|及时率|参保率|入学率|到位率|就业率|普及率|完好率"
)
_MEASURE_UNIT = re.compile(
    r"^(?:[%％]|万元|元|亿元|人|人次|次|个|台|套|天|日|月|年|户|家|所|项|件|场|期|篇|份|公里|千米|米|平方米|亩|吨)$"
)
_CAUSE = re.compile(
    r"原因[是为：:在]|主要原因|由于|因为|受[^。；|\n]{1,12}影响|导致|尚未|未能|滞后|延迟|推迟|待(?:结算|验收|支付|拨付)|因[^。；|\n]{1,8}(?:未|暂缓)"
)
# The form's own printed note ("1.预算执行率=预算执行数/调整后预算数,…需说明原因(100字以内)") is not content.
_PRINTED_NOTE = re.compile(r"^\s*\d[.、．][^|]*=|需说明原因|应单独说明理由|\(\d+字以内\)|（\d+字以内）")
_FORM_TITLE = re.compile(
    r"(?:^|(?<=[\s|]))[^\s|。，,；;：:]{2,40}?(?:自评表|评价表)(?=\s*(?:[(（][^)）\n]{0,12}[)）])?\s*(?:\||\n|$|\s))",
    re.MULTILINE,
)
_REASON_HEADER = re.compile(
    "|".join(
        r"\s*".join(word)
        for word in ("偏差原因分析及改进措施", "偏差原因分析", "未完成原因分析", "存在问题和改进措施", "偏差原因")
    )
)
_UNIT_DECL = re.compile(r"[(（]\s*(?:单位[:：]\s*)?(万元|元|亿元|千元)\s*[)）]|单位[:：]\s*(万元|元|亿元|千元)")
# A provincial or national unit (a 厅, a 省 not followed by its city or county) may hold amounts of 100亿元.
_HIGH_LEVEL = re.compile(
    r"厅|国家|国务院|中央(?![及和与]|财政|资金|级|补助|转移)|[\u4e00-\u9fff]{1,3}(?:省|自治区)(?!级)(?![\u4e00-\u9fff]{1,6}[市县区州盟])"
)
_ADJUSTED = re.compile(r"追加|追减|调增|调减|调整|调入|调出|增加|减少|新增|压减")


# --- reading tables by column role --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One table row with its cells by column role (the first column holding each role)."""

    table: Table
    cells: tuple[TableCell, ...]
    roles: dict[str, TableCell]
    # The roles whose cell holds text (the rules ask each row for its roles many times), and number() by role, read
    # once. Fields rather than cached properties: every row needs both, and a cached property's first look-up costs
    # more than building the row.
    _filled: dict[str, TableCell] = field(compare=False, repr=False)
    # The row's name (``label_of``: its indicator name, else its first non-empty cell) and whether it is a 合计/总分
    # row, read with the row: several rules ask every row for them.
    label: str = field(compare=False, repr=False)
    is_total: bool = field(compare=False, repr=False)
    _numbers: dict[str, Decimal | None] = field(default_factory=dict, compare=False, repr=False)

    def get(self, role: str) -> TableCell | None:
        """The cell of a role, when the row has one with text."""
        return self._filled.get(role)

    def number(self, role: str) -> Decimal | None:
        """The number a role's cell holds, when it holds only a number."""
        numbers = self._numbers
        if role not in numbers:
            cell = self.get(role)
            numbers[role] = cell_number(cell.text) if cell is not None else None
        return numbers[role]

    @staticmethod
    def label_of(cells: tuple[TableCell, ...], filled: dict[str, TableCell]) -> str:
        """The name of a row of ``cells`` whose roles with text are ``filled``."""
        for role in ("name", "level2", "level1"):
            cell = filled.get(role)
            if cell is not None:
                return _squash(cell.text)
        first = next((c for c in cells if c.text.strip()), None)
        return _squash(first.text) if first else ""

    @property
    def span(self) -> tuple[int, int]:
        """From the row's first to its last non-empty cell."""
        filled = [c for c in self.cells if c.text.strip()]
        return (filled[0].start, filled[-1].end) if filled else (0, 0)


_SPACES = re.compile(r"\s+")
_TOTAL_LABEL = re.compile(r"合计|总计|总分|小计")


def _squash(text: str) -> str:
    return _SPACES.sub("", text)


def _roles(table: Table) -> list[str | None]:
    # a row's table is asked once per row: a header is read once, however many rows and tables repeat it
    return list(_header_roles(tuple(table.header)))


@lru_cache(maxsize=1024)
def _header_roles(header: tuple[str, ...]) -> tuple[str | None, ...]:
    roles = [column_role(h) for h in header]
    # Of several budget columns the adjusted one (调整后/全年) is the base of the rate.
    budgets = [i for i, r in enumerate(roles) if r == "budget"]
    if len(budgets) > 1:
        keep = next((i for i in budgets if re.search(r"调整|全年", header[i])), budgets[-1])
        roles = [None if r == "budget" and i != keep else r for i, r in enumerate(roles)]
    return tuple(roles)


def table_rows(ctx: Context) -> list[Row]:
    """Every row of every table, with cells by role (computed once per review)."""

    def compute(c: Context) -> list[Row]:
        out: list[Row] = []
        for table in c.doc.tables:
            roles = _roles(table)
            for row in table.rows:
                by_role: dict[str, TableCell] = {}
                for role, cell in zip(roles, row, strict=False):
                    if role and role not in by_role:
                        by_role[role] = cell
                if any(cell.text.strip() for cell in row):
                    cells = tuple(row)
                    filled = {role: cell for role, cell in by_role.items() if cell.text.strip()}
                    label = Row.label_of(cells, filled)
                    total = _TOTAL_LABEL.match(label) is not None
                    out.append(Row(table, cells, by_role, filled, label, total))
        return out

    return ctx.memo("tables.rows", compute)


def _is_indicator(table: Table) -> bool:
    roles = set(_header_roles(tuple(table.header)))
    return bool(roles & {"target", "actual"}) and bool(roles & {"weight", "score"})


def _scoring(ctx: Context) -> ScoringRules:
    return ctx.config.scoring


def _form_title_starts(text: str) -> set[int]:
    """The starts of _FORM_TITLE's matches: the places finditer_after(_FORM_TITLE, text, r"[\\s|]") tries (a line
    start, or after a blank or a cell border; a title holds neither) that lie 2–40 characters before a 自评表 or
    评价表, where every match ends — tried only there."""
    found = set()
    for word in _FORM_WORD.finditer(text):
        q = word.start()
        for s in range(max(q - 40, 0), q - 1):
            if (s == 0 or text[s - 1].isspace() or text[s - 1] == "|") and _FORM_TITLE.match(text, s):
                found.add(s)
    return found


_FORM_WORD = re.compile("自评表|评价表")


def forms(ctx: Context) -> list[tuple[int, int]]:
    """Spans of the self-evaluation forms: from one form title (…自评表) to the next."""

    def compute(c: Context) -> list[tuple[int, int]]:
        starts = sorted({0, *_form_title_starts(c.text)})
        return [(s, e) for s, e in zip(starts, [*starts[1:], len(c.text)], strict=True) if e > s]

    return ctx.memo("tables.forms", compute)


def _form_of(ctx: Context, offset: int) -> tuple[int, int]:
    spans = forms(ctx)  # disjoint and in order: only the last one starting at or before ``offset`` can hold it
    i = bisect.bisect_right(ctx.memo("tables.form_starts", lambda c: [s for s, _ in forms(c)]), offset) - 1
    if i >= 0 and spans[i][0] <= offset < spans[i][1]:
        return spans[i]
    return 0, len(ctx.text)


def _rows_in(ctx: Context, lo: int, hi: int) -> list[Row]:
    """The table rows whose span starts in ``[lo, hi)``, in table order (found by bisection, not a walk)."""

    def index(c: Context) -> tuple[list[int], list[int]]:
        order = sorted(range(len(table_rows(c))), key=lambda k: table_rows(c)[k].span[0])
        return [table_rows(c)[k].span[0] for k in order], order

    starts, order = ctx.memo("tables.row_starts", index)
    rows = table_rows(ctx)
    return [rows[k] for k in sorted(order[bisect.bisect_left(starts, lo) : bisect.bisect_left(starts, hi)])]


def _rows_by_table(ctx: Context) -> dict[int, list[Row]]:
    """Each table's rows (by the table's identity), in order, grouped once per review."""

    def group(c: Context) -> dict[int, list[Row]]:
        out: dict[int, list[Row]] = {}
        for row in table_rows(c):
            out.setdefault(id(row.table), []).append(row)
        return out

    return ctx.memo("tables.rows_by_table", group)


def _reason_given(ctx: Context, form: tuple[int, int], rows: list[Row]) -> bool:
    """Whether the form explains itself: a filled reason cell that is not the printed note, or a cause in its text."""
    for row in rows:
        cell = row.get("reason")
        if cell is not None and not _PRINTED_NOTE.search(cell.text) and not _NOTHING_WRITTEN.fullmatch(cell.text):
            return True
    text = ctx.text[form[0] : form[1]]
    return any(not _PRINTED_NOTE.search(_line_around(text, m.start())) for m in _CAUSE.finditer(text))


def _line_around(text: str, offset: int) -> str:
    start = last_of(text, "\n|", offset) + 1
    ends = [e for e in (text.find("\n", offset), text.find("|", offset)) if e >= 0]
    return text[start : min(ends) if ends else len(text)]


def _finding_on_row(ctx: Context, row: Row, rule_id: str, category: str, severity: str, msg: str, fix: str) -> Finding:
    filled = [c for c in row.cells if c.text.strip() and not _PRINTED_NOTE.search(c.text)]
    start, end = (filled[0].start, filled[-1].end) if filled else row.span
    return ctx.finding(rule_id, category, severity, start, end, msg, fix)  # type: ignore[arg-type]


# --- execution rows -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Execution:
    """A row that reports budget execution: the rate as written and as computed from its amounts."""

    row: Row
    budget: Decimal | None
    spent: Decimal | None
    stated: Decimal | None
    computed: Decimal | None

    @property
    def rate(self) -> Decimal | None:
        """The computed rate when the amounts are there, else the written one."""
        return self.computed if self.computed is not None else self.stated


def executions(ctx: Context) -> list[Execution]:
    """Rows holding a 执行率 or both a budget and an executed amount."""

    def compute(c: Context) -> list[Execution]:
        out = []
        for row in table_rows(c):
            budget = row.number("budget")
            if budget is None:
                budget = row.number("initial")
            spent, rate_cell = row.number("spent"), row.get("rate")
            stated = cell_number(rate_cell.text) if rate_cell is not None and is_percent(rate_cell.text) else None
            computed = spent / budget * 100 if budget and spent is not None else None
            if stated is not None or computed is not None:
                out.append(Execution(row, budget, spent, stated, computed))
        return out

    return ctx.memo("tables.executions", compute)


@rule(
    "tables.rate",
    "表中执行率与预算数、执行数不符",
    category="arithmetic",
    severity="error",
    example="项目 | 调整后预算数 | 预算执行数 | 预算执行率\n总额 | 2.50 | 2.50 | 0.00%",
    counter_example="项目 | 调整后预算数 | 预算执行数 | 预算执行率\n总额 | 640.00 | 548.30 | 86%",
)
def table_rate(ctx: Context) -> Iterator[Finding]:
    """执行率 recomputed from a row's money columns, compared at the precision it is written."""
    for ex in executions(ctx):
        cell = ex.row.get("rate")
        if ex.stated is None or ex.computed is None or cell is None:
            continue
        decimals = max(-ex.stated.as_tuple().exponent, 0)  # type: ignore[operator]
        step = Decimal(1).scaleb(-decimals)
        if ex.stated in (ex.computed.quantize(step, ROUND_HALF_UP), ex.computed.quantize(step, ROUND_DOWN)):
            continue
        yield ctx.finding(
            "tables.rate",
            "arithmetic",
            "error",
            cell.start,
            cell.end,
            f"执行率写作 {cell.text.strip()}，按执行数 {format_number(ex.spent or Decimal(0))} ÷ 预算数 "
            f"{format_number(ex.budget or Decimal(0))} 应为 {format_number(ex.computed, 2)}%",
            f"改为 {format_number(ex.computed, 2)}%，或核对预算数和执行数",
        )


@rule(
    "tables.execution-score",
    "预算执行率得分与执行率不符",
    category="arithmetic",
    severity="warning",
    example="指标 | 分值 | 执行率 | 得分\n预算执行率 | 10 | 100% | 9",
    counter_example="指标 | 分值 | 执行率 | 得分\n预算执行率 | 10 | 83% | 8.3",
)
def execution_score(ctx: Context) -> Iterator[Finding]:
    """The 预算执行率 item scores rate × weight (full weight at 100%); a different score needs an explanation."""
    for ex in executions(ctx):
        weight, score = ex.row.number("weight"), ex.row.number("score")
        cell = ex.row.get("score")
        if weight is None or score is None or cell is None or ex.rate is None or not 0 < weight <= 100:
            continue
        decimals = max(-score.as_tuple().exponent, 0)  # type: ignore[operator]
        step = Decimal(1).scaleb(-decimals)
        candidates = {r for r in (ex.stated, ex.computed) if r is not None}
        allowed = set()
        for rate in candidates:
            exact = min(rate, Decimal(100)) / 100 * weight
            allowed |= {exact.quantize(step, ROUND_HALF_UP), exact.quantize(step, ROUND_DOWN)}
        if score in allowed:
            continue
        expected = min(ex.rate, Decimal(100)) / 100 * weight
        rate_text = format_number(ex.rate, 2)
        yield ctx.finding(
            "tables.execution-score",
            "arithmetic",
            "warning",
            cell.start,
            cell.end,
            f"执行率 {rate_text}%、分值 {format_number(weight)} 分，按执行率计分应得 {format_number(expected, 2)} 分，"
            f"此处得 {format_number(score)} 分",
            "按“执行率 × 分值”计分，或在原因栏说明扣分依据",
        )


@rule(
    "tables.low-rate-no-reason",
    "预算执行率低于 90% 却未说明原因",
    category="missing_value",
    severity="warning",
    example="项目 | 全年预算数 | 全年执行数 | 执行率 | 偏差原因\n年度资金总额 | 500 | 310 | 62% |",
    counter_example="项目 | 全年预算数 | 全年执行数 | 执行率 | 偏差原因\n年度资金总额 | 500 | 310 | 62% | 主要原因是设备尾款190万元待验收后支付",
)
def low_rate_no_reason(ctx: Context) -> Iterator[Finding]:
    """A form whose execution rate is below the threshold (90% by default) and that gives no reason anywhere."""
    threshold = _scoring(ctx).low_execution_rate
    seen: set[tuple[int, int]] = set()
    for ex in executions(ctx):
        rate = ex.rate
        if rate is None or rate >= threshold or (ex.budget is not None and ex.budget <= 0):
            continue
        form = _form_of(ctx, ex.row.span[0])
        if form in seen:
            continue
        seen.add(form)
        rows = _rows_in(ctx, form[0], form[1])
        if _reason_given(ctx, form, rows):
            continue
        header = _REASON_HEADER.search(ctx.text, form[0], form[1])
        anchor = ex.row.get("rate") or ex.row.get("spent") or ex.row.cells[0]
        start, end = (header.start(), header.end()) if header else (anchor.start, anchor.end)
        yield ctx.finding(
            "tables.low-rate-no-reason",
            "missing_value",
            "warning",
            start,
            end,
            f"预算执行率 {_rate_text(ex)}，低于 {format_number(threshold)}%，表中没有说明原因和改进措施",
            "说明未执行部分的金额、原因（如合同未到付款节点）和下一步措施",
        )


def _rate_text(ex: Execution) -> str:
    if ex.stated is not None:
        return f"{format_number(ex.stated)}%"
    assert ex.computed is not None
    return f"{format_number(ex.computed, 2)}%（{format_number(ex.spent or Decimal(0))} ÷ {format_number(ex.budget or Decimal(0))}）"


@rule(
    "tables.adjustment-no-reason",
    "年中调整预算却未说明理由",
    category="missing_value",
    severity="warning",
    example="项目 | 年初预算数 | 调整后预算数 | 预算执行数 | 执行率 | 原因\n总额 | 100.00 | 120.00 | 118.00 | 98.33% |",
    counter_example="项目 | 年初预算数 | 调整后预算数 | 预算执行数 | 执行率 | 原因\n总额 | 120.00 | 120.00 | 118.00 | 98.33% |",
)
def adjustment_no_reason(ctx: Context) -> Iterator[Finding]:
    """年初预算 differs from 调整后/全年预算 and the form gives no reason for the adjustment."""
    done: set[int] = set()
    for row in table_rows(ctx):
        initial = row.number("initial")
        budget = row.number("budget")
        if initial is None or budget is None or id(row.table) in done or budget <= 0:
            continue
        done.add(id(row.table))  # the first row is the total; its 其中 rows repeat the same adjustment
        if abs(budget - initial) <= budget * Decimal("0.005"):
            continue
        form = _form_of(ctx, row.span[0])
        reason = row.get("reason")
        if reason is not None and not _PRINTED_NOTE.search(reason.text) and _ADJUSTED.search(reason.text):
            continue
        if re.search(
            r"调整(?:原因|理由)|追加[^。|\n]{0,20}(?:用于|原因)|调[增减][^。|\n]{0,20}(?:用于|原因)",
            ctx.text[form[0] : form[1]],
        ):
            continue
        yield _finding_on_row(
            ctx,
            row,
            "tables.adjustment-no-reason",
            "missing_value",
            "warning",
            f"年初预算 {format_number(initial)}、调整后预算 {format_number(budget)}，"
            f"年中调整了 {format_number(budget - initial)}，未说明调整理由",
            "在原因栏写明追加或调减的金额、依据和用途",
        )


# --- weights, scores and grades ----------------------------------------------------------------------------------


@rule(
    "tables.score-over-weight",
    "得分高于分值",
    category="arithmetic",
    severity="error",
    example=_IND + "产出指标 | 数量指标 | 培训人次 | ≥ | 500 | 人次 | 520 | 10 | 12 |",
    counter_example=_IND + "产出指标 | 数量指标 | 培训人次 | ≥ | 500 | 人次 | 520 | 10 | 10 |",
)
def score_over_weight(ctx: Context) -> Iterator[Finding]:
    """A row whose 得分 exceeds its 分值/权重."""
    for row in table_rows(ctx):
        w, s, cell = row.number("weight"), row.number("score"), row.get("score")
        if w is None or s is None or cell is None or is_percent(cell.text) or s <= w:
            continue
        yield ctx.finding(
            "tables.score-over-weight",
            "arithmetic",
            "error",
            cell.start,
            cell.end,
            f"得分 {format_number(s)} 高于该项分值 {format_number(w)}",
            "得分不能超过分值，请按完成情况重新计分",
        )


_POINTS = re.compile(r"[(（]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]")


@rule(
    "tables.weights-total",
    "分值合计与总分或本级分值不符",
    category="arithmetic",
    severity="error",
    example="绩效指标(50分) | " + _IND + "产出指标 | 数量指标 | 新建公厕 | ≥ | 12 | 座 | 12 | 20 | 20 |\n"
    "产出指标 | 质量指标 | 验收合格率 | ≥ | 95 | % | 100% | 20 | 20 |\n产出指标 | 时效指标 | 完工及时率 | ≥ | 90 | % | 100% | 15 | 15 |",
    counter_example="绩效指标(50分) | " + _IND + "产出指标 | 数量指标 | 新建公厕 | ≥ | 12 | 座 | 12 | 20 | 20 |\n"
    "产出指标 | 质量指标 | 验收合格率 | ≥ | 95 | % | 100% | 15 | 15 |\n产出指标 | 时效指标 | 完工及时率 | ≥ | 90 | % | 100% | 15 | 15 |",
)
def weights_total(ctx: Context) -> Iterator[Finding]:
    """Indicator weights must add up to their level's points (“产出指标(50分)”) and, with 执行率, to the 合计 row."""
    by_table: dict[int, list[Row]] = {}
    for row in table_rows(ctx):
        if _is_indicator(row.table):
            by_table.setdefault(id(row.table), []).append(row)
    for rows in by_table.values():
        table = rows[0].table
        items = [r for r in rows if not r.is_total and _has_values(r)]
        if not items or any(r.number("weight") is None for r in items):
            continue
        summed = sum((r.number("weight") or Decimal(0) for r in items), Decimal(0))
        budget = _POINTS.search(table.title or "")
        if budget and Decimal(budget.group(1)) != summed and len(items) >= 2:
            at = ctx.text.find(table.title or "", table.start, table.end)
            start = at if at >= 0 else items[0].span[0]
            yield ctx.finding(
                "tables.weights-total",
                "arithmetic",
                "error",
                start,
                start + len(table.title or "") if at >= 0 else items[0].span[1],
                f"“{table.title}”下各指标分值合计 {format_number(summed)} 分，与本级 {budget.group(1)} 分不符",
                "核对各指标分值，使其合计等于本级分值",
            )
        yield from _level_totals(ctx, items)
        total = next((r for r in rows if r.is_total), None)
        stated = total.number("weight") if total else None
        if total is None or stated is None or stated == summed:
            continue
        execution = _form_execution(ctx, total)
        if execution is None or execution[0] + summed == stated:
            continue
        cell = total.get("weight")
        assert cell is not None
        yield ctx.finding(
            "tables.weights-total",
            "arithmetic",
            "error",
            cell.start,
            cell.end,
            f"各指标分值 {format_number(summed)} 分加预算执行率 {format_number(execution[0])} 分为 "
            f"{format_number(summed + execution[0])} 分，合计栏写作 {format_number(stated)} 分",
            "核对各项分值，使其合计等于总分",
        )


def _level_totals(ctx: Context, items: list[Row]) -> Iterator[Finding]:
    """一级指标 cells that state their points (“产出指标(50分)”) against the weights under them."""
    groups: list[tuple[TableCell, list[Row]]] = []
    for row in items:
        level = row.get("level1")
        if level is not None:
            groups.append((level, [row]))
        elif groups:
            groups[-1][1].append(row)
    for level, rows in groups:
        points = _POINTS.search(level.text)
        if not points or len(rows) < 2:
            continue
        summed = sum((r.number("weight") or Decimal(0) for r in rows), Decimal(0))
        if summed != Decimal(points.group(1)):
            yield ctx.finding(
                "tables.weights-total",
                "arithmetic",
                "error",
                level.start,
                level.end,
                f"“{_squash(level.text)}”下各指标分值合计 {format_number(summed)} 分，与所写 {points.group(1)} 分不符",
                "核对本级各指标分值",
            )


def _has_values(row: Row) -> bool:
    return any(row.get(r) is not None for r in ("target", "actual", "weight", "score"))


def _form_execution(ctx: Context, total: Row) -> tuple[Decimal, Decimal | None] | None:
    """The 执行率 item's weight and score in the form holding ``total``, when the form has one."""
    form = _form_of(ctx, total.span[0])
    for ex in executions(ctx):
        if form[0] <= ex.row.span[0] < form[1] and (weight := ex.row.number("weight")) is not None:
            return weight, ex.row.number("score")
    return None


@rule(
    "tables.score-total",
    "总分与各项得分之和不符",
    category="arithmetic",
    severity="error",
    example="项目 | 分值 | 执行率 | 得分\n预算执行率 | 10 | 100% | 10\n"
    + _IND
    + "产出指标 | 数量指标 | 新建公厕 | ≥ | 12 | 座 | 10 | 45 | 40 |\n"
    "效益指标 | 社会效益指标 | 如厕满意度 | ≥ | 90 | % | 93% | 45 | 45 |\n总分 | 100 | 90",
    counter_example="项目 | 分值 | 执行率 | 得分\n预算执行率 | 10 | 100% | 10\n"
    + _IND
    + "产出指标 | 数量指标 | 新建公厕 | ≥ | 12 | 座 | 10 | 45 | 40 |\n"
    "效益指标 | 社会效益指标 | 如厕满意度 | ≥ | 90 | % | 93% | 45 | 45 |\n总分 | 100 | 95",
)
def score_total(ctx: Context) -> Iterator[Finding]:
    """The 总分/合计 row's score against the execution score plus every indicator score of the same form."""
    by_table: dict[int, list[Row]] = {}
    for row in table_rows(ctx):
        if _is_indicator(row.table):
            by_table.setdefault(id(row.table), []).append(row)
    for rows in by_table.values():
        total = next((r for r in rows if r.is_total), None)
        stated = total.number("score") if total else None
        items = [r for r in rows if not r.is_total and _has_values(r)]
        if total is None or stated is None or not items or any(r.number("score") is None for r in items):
            continue
        summed = sum((r.number("score") or Decimal(0) for r in items), Decimal(0))
        execution = _form_execution(ctx, total)
        if execution is None or execution[1] is None:
            continue
        expected = summed + execution[1]
        if expected == stated or summed == stated:
            continue
        cell = total.get("score")
        assert cell is not None
        yield ctx.finding(
            "tables.score-total",
            "arithmetic",
            "error",
            cell.start,
            cell.end,
            f"执行率得分 {format_number(execution[1])} 分加各指标得分 {format_number(summed)} 分为 "
            f"{format_number(expected)} 分，总分写作 {format_number(stated)} 分",
            "重新合计各项得分",
        )


@rule(
    "tables.grade",
    "总分与所写等级不符",
    category="contradiction",
    severity="error",
    example="经自评，该项目得分85分，评价等级为“优”。",
    counter_example="经自评，该项目得分92分，评价等级为“优”。",
)
def grade_mismatch(ctx: Context) -> Iterator[Finding]:
    """A stated score and grade that disagree (by default 优 ≥ 90, 良 80–89.99, 中 60–79.99, 差 < 60)."""
    scoring = _scoring(ctx)
    for m in _grades(ctx.text):
        score = Decimal(m.group(1))
        grade = m.group(2)[0]
        expected = grade_for(score, scoring)
        if score <= 100 and expected != grade:
            yield _grade_finding(ctx, m.start(), m.end(), score, grade, expected)
    for row in table_rows(ctx):
        if not row.is_total:
            continue
        total = row.number("score")
        cell = next((c for c in row.cells if _GRADE_CELL.match(c.text.strip())), None)
        if total is None or cell is None or total > 100:
            continue
        grade = _GRADE_CELL.match(cell.text.strip()).group(1)[0]  # type: ignore[union-attr]
        expected = grade_for(total, scoring)
        if expected != grade:
            yield _grade_finding(ctx, cell.start, cell.end, total, grade, expected)


def _grades(text: str) -> Iterator[re.Match[str]]:
    """``_GRADE.finditer(text)``, tried only in the run of digits, points and blanks before each 分 (the engine
    would try at every digit): a match is a number, blanks and the first 分 after them, so it starts in that run,
    and the first start there that matches is the one ``finditer`` finds."""
    match, find = _GRADE.match, text.find
    last = 0  # the end of the last match: finditer resumes there
    q = find("分")
    while q >= 0:
        p = q
        # \d is str.isdecimal and \s str.isspace for str patterns
        while p > last and (text[p - 1].isdecimal() or text[p - 1].isspace() or text[p - 1] == "."):
            p -= 1
        for start in range(p, q):
            m = match(text, start)
            if m is not None:
                yield m
                last = m.end()
                break
        q = find("分", max(q + 1, last))


def _grade_finding(ctx: Context, start: int, end: int, score: Decimal, grade: str, expected: str) -> Finding:
    return ctx.finding(
        "tables.grade",
        "contradiction",
        "error",
        start,
        end,
        f"得分 {format_number(score)} 分对应的等级应为“{expected}”，此处写作“{grade}”",
        f"将等级改为“{expected}”，或核对得分",
    )


# --- indicator rows: target, actual and score -------------------------------------------------------------------


@dataclass(frozen=True)
class Quantity:
    """A target or actual value read from its cell: comparator, number and unit."""

    comparator: str
    value: Decimal
    unit: str


def _quantity(text: str, unit_cell: TableCell | None = None) -> Quantity | None:
    m = _QUANTITY.match(_squash(text).replace("，", ","))
    if m is None:
        return None
    unit = m.group("unit") or (unit_cell.text.strip() if unit_cell is not None else "")
    cmp = m.group("cmp") or ""
    cmp = {"≧": "≥", "≦": "≤", "═": "=", "＝": "=", ">=": "≥", "<=": "≤", "不低于": "≥", "不少于": "≥"}.get(cmp, cmp)
    cmp = {"大于等于": "≥", "不高于": "≤", "不超过": "≤", "小于等于": "≤"}.get(cmp, cmp)
    return Quantity(cmp, Decimal(m.group("num").replace(",", "")), unit.replace("％", "%"))


@dataclass(frozen=True)
class Indicator:
    """An indicator row read for judgement."""

    row: Row
    comparator: str
    target: Quantity | None
    actual: Quantity | None
    weight: Decimal | None
    score: Decimal | None

    def met(self) -> bool | None:
        """Whether the actual meets the target; None when they can't be compared."""
        if self.target is None or self.actual is None:
            target, actual = self.row.get("target"), self.row.get("actual")
            if target is not None and actual is not None and _squash(target.text) == _squash(actual.text):
                return True  # "2021年12月完成" on both sides: done as planned
            return None
        if self.actual.unit and self.target.unit and not same_count_unit(self.actual.unit, self.target.unit):
            if not (self.actual.unit == "%") == (self.target.unit == "%"):
                return None
        cmp = self.comparator or ("≤" if _LOWER_IS_BETTER.search(self.row.label) else "≥")
        t, a = self.target.value, self.actual.value
        return {"≥": a >= t, ">": a > t, "≤": a <= t, "<": a < t, "=": a == t}.get(cmp, a >= t)


def indicators(ctx: Context) -> list[Indicator]:
    """Every indicator row (a table with 指标值/完成值 and 分值/得分 columns), read once."""

    def compute(c: Context) -> list[Indicator]:
        out = []
        for row in table_rows(c):
            if not _is_indicator(row.table) or row.is_total:
                continue
            unit = row.get("unit")
            target_cell, actual_cell = row.get("target"), row.get("actual")
            target = _quantity(target_cell.text, unit) if target_cell else None
            actual = _quantity(actual_cell.text, unit) if actual_cell else None
            nature = row.get("nature")
            cmp = nature.text.strip() if nature is not None and COMPARATOR.match(nature.text.strip()) else ""
            cmp = {"≧": "≥", "≦": "≤", "═": "=", "＝": "=", ">=": "≥", "<=": "≤"}.get(cmp, cmp)
            if target is not None and target.comparator:
                cmp = target.comparator
            out.append(Indicator(row, cmp, target, actual, row.number("weight"), row.number("score")))
        return out

    return ctx.memo("tables.indicators", compute)


def _reason_empty(ind: Indicator) -> bool:
    reason = ind.row.get("reason")
    return "reason" in ind.row.roles and (reason is None or bool(_PRINTED_NOTE.search(reason.text)))


@rule(
    "tables.met-but-deducted",
    "指标已完成却被扣分且未说明原因",
    category="contradiction",
    severity="warning",
    example=_IND + "产出指标 | 时效指标 | 资金拨付及时率 | ≥ | 95 | % | 100% | 10 | 8 |",
    counter_example=_IND + "产出指标 | 时效指标 | 资金拨付及时率 | ≥ | 95 | % | 100% | 10 | 10 |",
)
def met_but_deducted(ctx: Context) -> Iterator[Finding]:
    """An indicator whose actual meets its target, scored below its weight, with an empty reason column."""
    for ind in indicators(ctx):
        if ind.weight is None or ind.score is None or ind.score >= ind.weight or ind.met() is not True:
            continue
        if not _reason_empty(ind):
            continue
        yield _finding_on_row(
            ctx,
            ind.row,
            "tables.met-but-deducted",
            "contradiction",
            "warning",
            f"“{ind.row.label}”实际完成值已达到指标值，分值 {format_number(ind.weight)} 分却只得 "
            f"{format_number(ind.score)} 分，也未说明扣分原因",
            "完成目标的指标应得满分；确有扣分理由的，在偏差原因栏写明",
        )


@rule(
    "tables.missed-but-full",
    "未完成的量化指标仍得满分",
    category="contradiction",
    severity="warning",
    example=_IND + "产出指标 | 质量指标 | 验收合格率 | ≥ | 95 | % | 72% | 10 | 10 |",
    counter_example=_IND + "产出指标 | 成本指标 | 人员经费控制率 | ≤ | 100 | % | 92% | 10 | 10 |",
)
def missed_but_full(ctx: Context) -> Iterator[Finding]:
    """A quantitative target that was not met but kept its full weight (proportional scoring gives less)."""
    for ind in indicators(ctx):
        if ind.weight is None or ind.score is None or ind.score != ind.weight or ind.met() is not False:
            continue
        if ind.target is None or ind.actual is None or ind.comparator in ("≤", "<"):
            continue
        if _LOWER_IS_BETTER.search(ind.row.label) or not ind.target.value:
            continue
        proportional = min(ind.actual.value / ind.target.value, Decimal(1)) * ind.weight
        yield _finding_on_row(
            ctx,
            ind.row,
            "tables.missed-but-full",
            "contradiction",
            "warning",
            f"“{ind.row.label}”指标值 {format_number(ind.target.value)}{ind.target.unit}，实际 "
            f"{format_number(ind.actual.value)}{ind.actual.unit}，未达到却得满分 {format_number(ind.weight)} 分"
            f"（按比例约 {format_number(proportional, 2)} 分）",
            "未完成的量化指标按“实际值 ÷ 指标值 × 分值”计分，并说明偏差原因",
        )


@rule(
    "tables.deduction-no-reason",
    "指标扣分未说明原因",
    category="missing_value",
    severity="info",
    example=_IND + "效益指标 | 社会效益指标 | 政策知晓率 | = | 100 | % | 97% | 10 | 9 |",
    counter_example=_IND + "效益指标 | 社会效益指标 | 政策知晓率 | = | 100 | % | 97% | 10 | 9 | 部分新生家长未参加宣讲",
)
def deduction_no_reason(ctx: Context) -> Iterator[Finding]:
    """An indicator that missed its target and lost points, with the deviation-reason column left empty."""
    for ind in indicators(ctx):
        if ind.weight is None or ind.score is None or ind.score >= ind.weight or ind.met() is not False:
            continue
        if not _reason_empty(ind):
            continue
        yield _finding_on_row(
            ctx,
            ind.row,
            "tables.deduction-no-reason",
            "missing_value",
            "info",
            f"“{ind.row.label}”未完成指标值，得 {format_number(ind.score)}/{format_number(ind.weight)} 分，偏差原因栏空白",
            "写明未完成的原因和改进措施",
        )


@rule(
    "tables.verdict-actual",
    "实际完成值写成了评价而非测量结果",
    category="vague_wording",
    severity="warning",
    example=_IND + "产出指标 | 成本指标 | 设备采购成本 | ≤ | 30 | 万元 | 完成 | 20 | 20 |",
    counter_example=_IND + "产出指标 | 成本指标 | 设备采购成本 | ≤ | 30 | 万元 | 28.6 | 20 | 20 |",
)
def verdict_actual(ctx: Context) -> Iterator[Finding]:
    """An actual-value cell that says 完成/达成预期/效果明显 where a measured value belongs."""
    for table in ctx.doc.tables:
        roles = _roles(table)
        if "actual" not in roles:
            continue
        for row in _rows_by_table(ctx).get(id(table), []):
            if row.is_total:
                continue
            cell = row.get("actual")
            if cell is None or any(map(str.isdigit, cell.text)):
                continue
            target = row.get("target")
            unit = row.get("unit")
            quantitative = (target is not None and _quantity(target.text, unit) is not None) or (
                unit is not None and bool(_MEASURE_UNIT.match(unit.text.strip()))
            )
            text = _squash(cell.text)
            if quantitative and _VERDICT_WORD.match(text):
                start, end = row.span
                yield ctx.finding(
                    "tables.verdict-actual",
                    "vague_wording",
                    "warning",
                    start,
                    end,
                    f"“{row.label}”是量化指标（指标值 {_squash(target.text) if target else ''}"
                    f"{_squash(unit.text) if unit else ''}），实际完成值却写作“{text}”",
                    "填写实际测得的数值和单位，并按实际值计分",
                )
                continue
            if target is not None and len(_squash(target.text)) >= 8 and _VERDICT_WORD.match(text):
                yield ctx.finding(
                    "tables.verdict-actual",
                    "vague_wording",
                    "warning",
                    cell.start,
                    cell.end,
                    f"目标写了具体任务，完成情况却只写“{text}”，没有说明完成了什么、完成多少",
                    "对照目标逐项写出实际完成的数量、质量和时间",
                )
                continue
            m = _VERDICT.search(cell.text)
            if m and not (target is not None and _squash(target.text) == text):
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


@rule(
    "tables.actual-copies-target",
    "实际完成值照抄指标值",
    category="vague_wording",
    severity="warning",
    example="一级指标 | 二级指标 | 三级指标 | 指标值 | 完成值 | 分值 | 得分\n产出指标 | 质量指标 | 资金使用合规性 | 好 | 好 | 5 | 5",
    counter_example=_IND + "产出指标 | 数量指标 | 受助学生人数 | ≥ | 640 | 人次 | 640 | 10 | 10 |",
)
def actual_copies_target(ctx: Context) -> Iterator[Finding]:
    """An actual value that repeats the target's words or bound (``≥95%``) instead of a measured result."""
    yield from _copied_neighbour_cells(ctx)
    for row in table_rows(ctx):
        actual, target = row.get("actual"), row.get("target")
        if actual is None or row.is_total:
            continue
        text = _squash(actual.text)
        bound = _QUANTITY.match(text)
        if bound is not None and bound.group("cmp"):
            message = f"实际完成值写作“{text}”，是目标的下限/上限，不是实际测得的数值"
        elif target is not None and text == _squash(target.text) and cell_number(text) is None and len(text) >= 1:
            if re.search(r"\d{4}年", text):
                continue  # a completion date met as planned is a measurement
            message = f"“{row.label}”的实际完成值与指标值一字不差（“{text}”），没有写出实际结果"
        else:
            continue
        yield ctx.finding(
            "tables.actual-copies-target",
            "vague_wording",
            "warning",
            actual.start,
            actual.end,
            message,
            "写出实际达到的数值或可核实的事实",
        )


def _copied_neighbour_cells(ctx: Context) -> Iterator[Finding]:
    """Two neighbouring cells of a ``|`` line holding the same sentence: the 实际完成情况 written as the 预期目标."""
    pos = 0
    text = ctx.text
    for line in text.split("\n"):
        if line.count("|") >= 2:
            left, at = None, 0
            for right in line.split("|"):  # neighbours: the non-empty pieces, one after the other
                if right and left is not None and len(right) >= 8:  # squashed, a shorter one is shorter still
                    words = _squash(right)
                    if len(words) >= 8 and words == _squash(left) and cell_number(words) is None:
                        start = pos + at + (len(right) - len(right.lstrip()))
                        yield ctx.finding(
                            "tables.actual-copies-target",
                            "vague_wording",
                            "warning",
                            start,
                            start + len(right.strip()),
                            f"相邻两栏内容一字不差（“{words[:20]}…”），完成情况照抄了目标",
                            "写出实际达到的数值或可核实的事实",
                        )
                if right:
                    left = right
                at += len(right) + 1
        pos += len(line) + 1


_QUALITATIVE_VERB = re.compile(r"^(?:促进|推动|提升|改善|保障|加强|确保|推进|助力|带动|维护|营造|增强|巩固)")
_MEASURABLE = re.compile(r"率|度|数|量|比例|人次|次数|时间|时限|成本|标准|面积|金额|天数|户数|人数|个数|里程|覆盖")


@rule(
    "tables.qualitative-percent",
    "定性目标配了百分比指标值",
    category="structure",
    severity="warning",
    example=_IND + "效益指标 | 可持续影响指标 | 促进乡村产业健康发展 | ≥ | 100 | % | 100% | 10 | 10 |",
    counter_example=_IND + "效益指标 | 可持续影响指标 | 农户技术培训覆盖率 | ≥ | 90 | % | 96% | 10 | 10 |",
)
def qualitative_percent(ctx: Context) -> Iterator[Finding]:
    """An indicator named by an aim (促进/推动/提升…) with nothing measurable in it, given a percentage target."""
    for ind in indicators(ctx):
        name = ind.row.get("name")
        if name is None or ind.target is None or ind.target.unit != "%":
            continue
        words = _squash(name.text)
        if not _QUALITATIVE_VERB.match(words) or _MEASURABLE.search(words):
            continue
        yield ctx.finding(
            "tables.qualitative-percent",
            "structure",
            "warning",
            name.start,
            name.end,
            f"“{words}”是定性的方向，没有可计量的对象，却以 {format_number(ind.target.value)}% 为指标值",
            "改为可计量的指标（如“培训覆盖率”“产值增长率”），或按定性指标写出评判标准",
        )


@rule(
    "tables.rate-over-100",
    "满意度等比率的指标值或实际值超过 100%",
    category="contradiction",
    severity="warning",
    example=_IND + "满意度指标 | 服务对象满意度指标 | 群众满意度 | ≥ | 105 | % | 98% | 10 | 10 |",
    counter_example=_IND + "满意度指标 | 服务对象满意度指标 | 群众满意度 | ≥ | 95 | % | 98% | 10 | 10 |",
)
def rate_over_100(ctx: Context) -> Iterator[Finding]:
    """A share that cannot exceed 100% (满意度, 覆盖率, 合格率 …) given a target or actual above it."""
    for ind in indicators(ctx):
        if not _BOUNDED_RATE.search(ind.row.label):
            continue
        for role, q in (("target", ind.target), ("actual", ind.actual)):
            cell = ind.row.get(role)
            if q is None or cell is None or q.unit != "%" or q.value <= 100:
                continue
            what = "指标值" if role == "target" else "实际完成值"
            yield ctx.finding(
                "tables.rate-over-100",
                "contradiction",
                "warning",
                cell.start,
                cell.end,
                f"“{ind.row.label}”的{what}为 {format_number(q.value)}%，这一比率不可能超过 100%",
                "核对该比率，满意度、覆盖率一类指标最高为 100%",
            )


@rule(
    "tables.malformed-target",
    "指标值写法不规范",
    category="structure",
    severity="warning",
    example="一级指标 | 二级指标 | 三级指标 | 指标值 | 完成值 | 分值 | 得分\n产出指标 | 质量指标 | 验收合格率 | ≥100百分比 | 100% | 10 | 10",
    counter_example="一级指标 | 二级指标 | 三级指标 | 指标值 | 完成值 | 分值 | 得分\n产出指标 | 质量指标 | 验收合格率 | ≥100% | 100% | 10 | 10",
)
def malformed_target(ctx: Context) -> Iterator[Finding]:
    """A target written as ≥100百分比, a comparator with no value, or a number with no unit anywhere in the row."""
    for row in table_rows(ctx):
        cell = row.get("target")
        if cell is None or row.is_total:
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
        text = _squash(cell.text)
        if COMPARATOR.match(text) and text != "定性":
            yield ctx.finding(
                "tables.malformed-target",
                "structure",
                "warning",
                cell.start,
                cell.end,
                f"指标值只写了“{text}”，没有数值",
                "写出完整的指标值，如“≥95%”",
            )
            continue
        q = _quantity(cell.text, row.get("unit"))
        later = row.get("actual") or row.get("weight")  # a row cut off by the end of the text is not judged
        if q is not None and not q.unit and later is not None and "unit" not in row.roles:
            yield ctx.finding(
                "tables.malformed-target",
                "structure",
                "warning",
                cell.start,
                cell.end,
                f"指标值“{cell.text.strip()}”没有度量单位",
                "补上度量单位（%、人次、个、天、万元 …）",
            )


@rule(
    "tables.empty-indicator",
    "指标行未填写完成值和得分",
    category="missing_value",
    severity="warning",
    example=_IND + "产出指标 | 数量指标 | 补贴发放户数 | ≥ | 300 | 户 | | 20 | |",
    counter_example=_IND + "效益指标 | 生态效益指标 | | | | | | | |",
)
def empty_indicator(ctx: Context) -> Iterator[Finding]:
    """An indicator with a target and a weight but neither an actual value nor a score, or a template row
    (“指标1：”) left in."""
    for ind in indicators(ctx):
        row = ind.row
        name = row.get("name")
        if name is not None and _NUMBERED_NAME.fullmatch(_squash(name.text)) and not _has_values(row):
            yield _finding_on_row(
                ctx, row, "tables.empty-indicator", "missing_value", "warning",
                f"“{_squash(name.text)}”是模板留下的空指标行", "删除空行，或填写指标名称、指标值、完成值和得分",
            )  # fmt: skip
            continue
        if row.get("target") is None or ind.weight is None or row.get("actual") or row.get("score"):
            continue
        yield _finding_on_row(
            ctx,
            row,
            "tables.empty-indicator",
            "missing_value",
            "warning",
            f"“{row.label}”有指标值和分值，却没有填写完成值和得分",
            "填写实际完成值，并按完成情况计分",
        )


@rule(
    "tables.empty-required",
    "表中必填栏目空白",
    category="missing_value",
    severity="warning",
    example="资金管理情况 | 情况说明 | 存在问题和改进措施\n分配科学性 | 按因素法分配到8个街道。 | 无\n下达及时性 | |",
    counter_example="资金管理情况 | 情况说明 | 存在问题和改进措施\n分配科学性 | 按因素法分配到8个街道。 | 无\n下达及时性 | 资金于3月15日前全部下达 | 无",
)
def empty_required(ctx: Context) -> Iterator[Finding]:
    """A row of a 情况说明 table whose label is filled and whose explanation is empty, or a form field
    (“项目实施内容及过程概述 | |”) left blank."""
    yield from _empty_fields(ctx)
    for row in table_rows(ctx):
        if "note" not in row.roles or row.is_total:
            continue
        filled = [c for c in row.cells if c.text.strip()]
        if len(filled) != 1 or row.get("note") is not None:
            continue
        label = filled[0]
        if not 2 <= len(_squash(label.text)) <= 20 or cell_number(label.text) is not None:
            continue
        yield ctx.finding(
            "tables.empty-required",
            "missing_value",
            "warning",
            label.start,
            label.end,
            f"“{_squash(label.text)}”一栏没有填写情况说明",
            "按表格要求填写该项的实际情况",
        )


_FIELD_LABEL = re.compile(
    r"^(?:\d[.、．])?[\u4e00-\u9fff]{2,20}(?:概述|情况说明|完成情况|评价结论|存在问题|改进措施|主要做法|主要成效)$"
)


_FIELD_LABEL_LAST = frozenset("述明况论题施法效")


def _pipe_stream(ctx: Context) -> list[tuple[int, str]]:
    """Every ``|`` cell of the text in order, as (start, text) — rows and one-cell-per-line forms alike."""

    def compute(c: Context) -> list[tuple[int, str]]:
        cells: list[tuple[int, str]] = []
        pos = 0
        for line in c.text.split("\n"):
            if "|" in line:
                found = []
                at = pos
                for body in line.split("|")[:-1]:  # each piece closed by a "|"; what follows the last is no cell
                    found.append((at + len(body) - len(body.lstrip()), body.strip()))
                    at += len(body) + 1
                # Trailing empty cells of a row are padding; a line holding one empty cell is an empty cell.
                while len(found) > 1 and not found[-1][1]:
                    found.pop()
                cells.extend(found)
            pos += len(line) + 1
        return cells

    return ctx.memo("tables.pipe_stream", compute)


def _empty_fields(ctx: Context) -> Iterator[Finding]:
    cells = _pipe_stream(ctx)
    for i, (start, text) in enumerate(cells[:-1]):
        if text[-1:] not in _FIELD_LABEL_LAST:
            continue  # the label cannot end in one of _FIELD_LABEL's words (the cell text is stripped)
        label = _squash(text)
        if not _FIELD_LABEL.match(label) or cells[i + 1][1]:
            continue
        after = cells[i + 2][1] if i + 2 < len(cells) else ""
        if after and cell_number(after) is None and len(after) > 24:
            continue  # the value sits one cell further on (a merged cell)
        yield ctx.finding(
            "tables.empty-required",
            "missing_value",
            "warning",
            start,
            start + len(text),
            f"“{label}”一栏空白",
            "按表格要求填写该项内容",
        )


@rule(
    "tables.nothing-to-improve",
    "存在问题、改进措施写“无”，而表中有未完成或扣分的指标",
    category="missing_value",
    severity="warning",
    example=_IND
    + "产出指标 | 数量指标 | 改造户厕 | ≥ | 300 | 户 | 240 | 30 | 24 | |\n存在问题 | 无 |\n改进措施 | 无 |",
    counter_example=_IND
    + "产出指标 | 数量指标 | 改造户厕 | ≥ | 300 | 户 | 312 | 30 | 30 | |\n"
    + "产出指标 | 质量指标 | 验收合格率 | ≥ | 95 | % | 98% | 30 | 30 | |\n存在问题 | 无 |\n改进措施 | 无 |",
)
def nothing_to_improve(ctx: Context) -> Iterator[Finding]:
    """A form that answers 存在问题 with 无 while its own table shows a shortfall: a missed target, a deduction,
    a verdict in place of a figure, execution below the threshold, or all points resting on one indicator."""
    cells = _pipe_stream(ctx)
    for i, (start, text) in enumerate(cells[:-1]):
        if not (text.startswith("存") and text.endswith("题")):
            continue  # not 存在(的)?问题 (the cell text is stripped: its ends are the squashed text's)
        if not re.fullmatch(r"存在(?:的)?问题", _squash(text)) or not re.fullmatch(
            r"无|暂无|没有|无。", cells[i + 1][1]
        ):
            continue
        form = _form_of(ctx, start)
        reason = _shortfall(ctx, form)
        if reason is None:
            continue
        yield ctx.finding(
            "tables.nothing-to-improve",
            "missing_value",
            "warning",
            start,
            cells[i + 1][0] + len(cells[i + 1][1]),
            f"存在问题写“无”，但{reason}",
            "对照未完成或扣分的指标写明问题、原因和改进措施",
        )


def _shortfall(ctx: Context, form: tuple[int, int]) -> str | None:
    """What in the form's tables shows something left to improve, in words; None when everything was met."""
    inds = [i for i in indicators(ctx) if form[0] <= i.row.span[0] < form[1]]
    for ind in inds:
        if ind.weight is not None and ind.score is not None and ind.score < ind.weight:
            return f"“{ind.row.label}”得分低于分值"
        if ind.met() is False:
            return f"“{ind.row.label}”未达到指标值"
        actual = ind.row.get("actual")
        if actual is not None and _VERDICT_WORD.match(_squash(actual.text)) and ind.target is not None:
            return f"“{ind.row.label}”的完成值只写了“{_squash(actual.text)}”"
    threshold = _scoring(ctx).low_execution_rate
    for ex in executions(ctx):
        if form[0] <= ex.row.span[0] < form[1] and ex.rate is not None and ex.rate < threshold:
            return f"预算执行率仅 {_rate_text(ex)}"
    weighted = [i for i in inds if i.weight]
    if len(weighted) == 1:
        return f"全部绩效指标分值只落在“{weighted[0].row.label}”一项上"
    return None


_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_FORMULA = re.compile(rf"([{_CIRCLED}])\s*[=＝]\s*([{_CIRCLED}](?:\s*[-+/×*－＋÷]\s*[{_CIRCLED}])*)")


@rule(
    "tables.column-formula",
    "表中数值不符合表头写明的栏目公式",
    category="arithmetic",
    severity="error",
    example="资金结构（万元）\n年初预算① 结转② 调整③ 小计④=①+②+③ 支出⑤ 执行率⑥=⑤/④\n"
    "财政资金 120 30 0 160 135 84%\n合计 120 30 0 160 135 84%",
    counter_example="资金结构（万元）\n年初预算① 结转② 调整③ 小计④=①+②+③ 支出⑤ 执行率⑥=⑤/④\n"
    "财政资金 120 30 0 150 135 90%\n合计 120 30 0 150 135 90%",
)
def column_formula(ctx: Context) -> Iterator[Finding]:
    """Columns numbered ①②… whose header states how they are computed (④=①+②+③, ⑥=⑤/④), checked row by row,
    once the numbering is confirmed by the row's other figures."""
    for table in ctx.doc.tables:
        rows = [r for r in table.rows if len(r) > 1]
        if not rows:
            continue
        head = ctx.text[table.start : min(c.start for c in rows[0])]
        formulas = [(_CIRCLED.index(m.group(1)) + 1, m.group(2)) for m in _FORMULA.finditer(head)]
        numbered = {_CIRCLED.index(ch) + 1 for ch in head if ch in _CIRCLED}
        width = len(rows[0]) - 1
        if not formulas or max(numbered) != width or any(len(r) - 1 != width for r in rows):
            continue
        results = [(row, col, expr, _evaluate(row, col, expr)) for row in rows for col, expr in formulas]
        checked = [r for r in results if r[3] is not None]
        wrong = [r for r in checked if r[3] is not None and not r[3][0]]
        if not wrong or len(wrong) * 2 > len(checked):
            continue  # most figures disagree: the numbering is not what we think
        for row, col, expr, outcome in wrong:
            assert outcome is not None
            cell = row[col]
            yield ctx.finding(
                "tables.column-formula",
                "arithmetic",
                "error",
                cell.start,
                cell.end,
                f"按表头公式 {_CIRCLED[col - 1]}={expr.replace(' ', '')}，该栏应为 {outcome[1]}，表中写作 {cell.text.strip()}",
                "按公式重新计算该栏，或核对参与计算的各栏数值",
            )


def _evaluate(row: list[TableCell], col: int, expr: str) -> tuple[bool, str] | None:
    """Whether ``row[col]`` equals the formula over the row's numbered cells, and the expected value as written;
    None when a cell is missing or not a number."""
    terms = re.findall(rf"[{_CIRCLED}]|[-+/×*－＋÷]", expr)
    values = []
    for t in terms[::2]:
        k = _CIRCLED.index(t) + 1
        v = cell_number(row[k].text) if k < len(row) else None
        if v is None:
            return None
        values.append(v)
    stated_text = row[col].text.strip()
    stated = cell_number(stated_text)
    if stated is None:
        return None
    ops = terms[1::2]
    if ops and all(op in "/÷" for op in ops) and len(values) == 2:
        if not values[1]:
            return None
        exact = values[0] / values[1] * (100 if is_percent(stated_text) else 1)
    elif all(op in "+-＋－" for op in ops):
        exact = values[0]
        for op, v in zip(ops, values[1:], strict=True):
            exact = exact + v if op in "+＋" else exact - v
    else:
        return None
    decimals = max(-stated.as_tuple().exponent, 0)  # type: ignore[operator]
    step = Decimal(1).scaleb(-decimals)
    ok = stated in (exact.quantize(step, ROUND_HALF_UP), exact.quantize(step, ROUND_DOWN))
    unit = "%" if is_percent(stated_text) else ""
    return ok, f"{format_number(exact.quantize(step, ROUND_HALF_UP), decimals)}{unit}"


@rule(
    "tables.unit-magnitude",
    "表中金额单位与数额量级不符",
    category="arithmetic",
    severity="warning",
    example="清河县水务局2023年度部门整体支出绩效自评表\n资金结构\n（万元）\n年初预算 结转 调整 小计\n"
    "财政资金小计 1850000 120000.5 0 1970000.5\n合 计 1850000 120000.5 0 1970000.5",
    counter_example="清河县水务局2023年度部门整体支出绩效自评表\n资金结构\n（元）\n年初预算 结转 调整 小计\n"
    "财政资金小计 1850000 120000.5 0 1970000.5\n合 计 1850000 120000.5 0 1970000.5",
)
def unit_magnitude(ctx: Context) -> Iterator[Finding]:
    """A table declared in 万元 whose amounts run to 7 integer digits (≥ 100亿元): the figures are likely in 元."""
    if _HIGH_LEVEL.search(ctx.text[:120]):  # the title and the unit's name, not the funding tiers below them
        return
    for table in ctx.doc.tables:
        first = min((c.start for row in table.rows for c in row if c.text.strip()), default=table.end)
        decl = None
        for m in _UNIT_DECL.finditer(ctx.text, table.start, first):
            decl = m
        if decl is None or (decl.group(1) or decl.group(2)) != "万元":
            continue
        big = [
            n
            for row in table.rows
            for c in row
            if (n := cell_number(c.text)) is not None and not is_percent(c.text) and n >= 1_000_000
        ]
        if not big:
            continue
        yield ctx.finding(
            "tables.unit-magnitude",
            "arithmetic",
            "warning",
            decl.start(),
            decl.end(),
            f"表中金额单位为万元，但有 {format_number(max(big))} 这样的数额（折合超过 100 亿元），金额单位疑为元",
            "核对金额单位：数额以元填写的，把单位改为“元”",
        )


@rule(
    "tables.target-no-actual",
    "量化目标没有对应的实际完成值",
    category="missing_value",
    severity="warning",
    example="指标名称 | 年度指标值 | 实际完成值 | 说明\n受助职工 | 不少于5000户 | 已按计划完成慰问 | 无",
    counter_example="指标名称 | 年度指标值 | 实际完成值 | 说明\n受助职工 | 不少于5000户 | 慰问5230户 | 无",
)
def target_without_actual(ctx: Context) -> Iterator[Finding]:
    """A quantified target in the plan column whose row reports no actual figure of the same unit."""
    for table in ctx.doc.tables:
        if _is_indicator(table):
            continue  # indicator rows are judged by tables.empty-indicator
        pi = _col(table, "年度指标值", "任务措施", "绩效目标", "目标值")
        actual_cols = [i for i, h in enumerate(table.header) if re.search(r"实际|完成|对比", h) and i != pi]
        if pi is None or not actual_cols:
            continue
        for row in table.rows:
            plan = row[pi] if pi < len(row) else None
            if plan is None:
                continue
            targets = [
                n for n in ctx.numbers_in(plan.start, plan.end) if n.kind in ("count", "percent") and _is_target(ctx, n)
            ]
            if not targets:
                continue  # the actual columns are read only for a row with a target
            actual_nums = [n for i in actual_cols if i < len(row) for n in ctx.numbers_in(row[i].start, row[i].end)]
            for n in targets:
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


def _col(table: Table, *words: str) -> int | None:
    for i, head in enumerate(table.header):
        if any(w in head for w in words):
            return i
    return None


def _is_target(ctx: Context, n: NumberMention) -> bool:
    if n.comparator:
        return True
    around = ctx.text[max(0, n.start - 6) : n.end + 4]
    return bool(_TARGET_WORDS.search(around))
