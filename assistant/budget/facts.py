"""FactSheet: every figure of a ReportData, and the figures derived from them, each with a stable id.

Ids are what prompts hand the model and what placeholders name: ``budget.basic``, ``p2.executed``,
``p2.i3.target``, ``p2.execution_rate_calc``. Projects and indicators are numbered from 1 in file order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict

from assistant.budget.models import FundingRow, Money, Project, ReportData
from assistant.budget.scoring import (
    DEFAULT_RULES,
    ScoringRules,
    completion_ratio,
    execution_score,
    grade_for,
    indicator_score,
)
from assistant.errors import InputError
from assistant.text.numbers import NumberMention, find_numbers
from assistant.units import MONEY_UNITS, Dimension, convert_money, dimension_of, format_number, same_count_unit

HUNDRED = Decimal(100)


class Fact(BaseModel):
    """One figure: where it came from, what it is, and how a report writes it."""

    model_config = ConfigDict(frozen=True)

    id: str
    label: str
    value: Decimal
    unit: str
    dimension: Dimension
    source: str
    derived: bool = False
    item: str = "部门"
    attribute: str = ""
    decimals: int | None = None

    def written(self, unit: str | None = None) -> str:
        """The fact as a report writes it (``25万元``, ``56.56%``), optionally in another money unit."""
        if unit and unit != self.unit and self.dimension == "money":
            value = convert_money(self.value, self.unit, unit)
            return f"{format_number(value, _decimals_needed(value))}{unit}"
        return f"{format_number(self.value, self.decimals)}{self.unit}"

    def forms(self) -> list[str]:
        """Every natural way to write the fact: its own unit, plus 元/万元/亿元 where that is exact enough."""
        out = [self.written()]
        if self.dimension == "money":
            for unit in ("元", "万元", "亿元"):
                value = convert_money(self.value, self.unit, unit)
                if unit != self.unit and value >= Decimal("0.01") and _decimals_needed(value) <= 4:
                    out.append(self.written(unit))
        return out

    def matches(self, value: Decimal, unit: str | None, decimals: int) -> bool:
        """Does a figure written as ``value`` ``unit`` with ``decimals`` places state this fact?"""
        mine = self._in_unit(unit)
        if mine is None:
            return False
        if mine == value:
            return True
        step = Decimal(1).scaleb(-decimals)
        # Reports round half up or simply cut digits; both are the same figure at the precision written.
        return mine.quantize(step, ROUND_HALF_UP) == value or mine.quantize(step, ROUND_DOWN) == value

    def states(self, n: NumberMention) -> bool:
        """Does the mention ``n`` state this fact — at its precision, or as its 约/近/超过/不足 allows, on the side
        a bound puts it (``超过3万人`` is not 29800人, ``不足3万人`` is not 31200人)?"""
        mine = self._in_unit(n.unit)
        if mine is None:
            return False
        below = n.comparator in ("<", "≤") or n.raw.lstrip().startswith(("近", "将近", "接近"))
        if below and (mine > n.value or (n.comparator == "<" and mine == n.value)):
            return False
        if n.comparator in (">", "≥") and (mine < n.value or (n.comparator == ">" and mine == n.value)):
            return False
        if self.matches(n.value, n.unit, n.decimals):
            return True
        if not (n.approximate or n.comparator in (">", "<", "≥", "≤")):
            return False
        # A bound or 近 truncates (近5000 may be 4987); 约 rounds, so it is off by half a step at most.
        directed = below or n.comparator in (">", "≥")
        step = _loose_step(n)
        if n.raw.lstrip().startswith(("近", "将近", "接近")) and n.value:
            # 近 is close below: within a tenth of the figure, however round it is (近1000万元 is not 100万元).
            step = min(step, abs(n.value) / 10)
        return abs(mine - n.value) < step if directed else abs(mine - n.value) <= step / 2

    def _in_unit(self, unit: str | None) -> Decimal | None:
        if unit is None:
            return self.value
        if self.dimension == "money":
            return convert_money(self.value, self.unit, unit) if unit in MONEY_UNITS else None
        if self.dimension == "ratio":
            return self.value if unit in ("%", "百分比") else None
        if self.dimension in ("score", "year"):
            return self.value if unit == self.unit else None
        return self.value if same_count_unit(self.unit, unit) else None


def _decimals_needed(value: Decimal) -> int:
    text = format_number(value)
    return len(text.split(".")[1]) if "." in text else 0


def _loose_step(n: NumberMention) -> Decimal:
    """The step an approximate figure is written to: its last written place, widened over the trailing zeros of a
    whole number (近5000万元 → 1000万元, 约3万人 → 1万人); a written fraction is exact to its places (约10.00万元)."""
    step = Decimal(1).scaleb(-n.decimals)
    if "." in n.raw or "点" in n.raw:
        return step
    written = abs(n.value).scaleb(n.decimals).normalize()
    exponent = written.as_tuple().exponent
    return step.scaleb(exponent) if isinstance(exponent, int) and exponent > 0 else step


class Derived(BaseModel):
    """A non-numeric derived result (e.g. the grade a recomputed score earns)."""

    id: str
    label: str
    text: str


class FactSheet:
    """The facts of one ReportData, looked up by id or by a written figure."""

    def __init__(self, data: ReportData, facts: list[Fact], notes: list[Derived], money_unit: str = "万元") -> None:
        self.data = data
        self.money_unit = money_unit  # the one unit a draft writes every amount in
        self.facts = facts
        self.notes = notes
        self._by_id = {f.id: f for f in facts}

    def __iter__(self) -> Iterator[Fact]:
        return iter(self.facts)

    def __len__(self) -> int:
        return len(self.facts)

    def __contains__(self, fact_id: object) -> bool:
        return fact_id in self._by_id

    def written(self, fact: Fact, unit: str | None = None) -> str:
        """The fact as the draft writes it: amounts in ``money_unit`` (per-head amounts in their own unit)."""
        if fact.dimension == "money" and not fact.id.endswith(".per_calc"):
            return fact.written(self.money_unit)
        return fact.written(unit)

    def get(self, fact_id: str) -> Fact | None:
        """The fact with this id, or None."""
        return self._by_id.get(fact_id)

    def __getitem__(self, fact_id: str) -> Fact:
        return self._by_id[fact_id]

    def select(self, prefixes: Iterable[str]) -> list[Fact]:
        """Facts whose id starts with any of the prefixes (what one section needs)."""
        wanted = tuple(prefixes)
        return [f for f in self.facts if f.id.startswith(wanted)]

    def supporting(self, n: NumberMention, text: str | None = None) -> list[Fact]:
        """The facts a figure as written states (unit-aware, at its precision, 约/近/超过 as written).

        With ``text`` (the text ``n`` was read from), a compound unit the reader does not attach counts too:
        ``105元/亩`` states a fact whose unit is ``元/亩``.
        """
        want = dimension_of(n.unit) if n.unit else None
        found = [f for f in self.facts if (want is None or f.dimension == want) and f.states(n)]
        if found or text is None:
            return found
        return [f for f in self.facts if _compound_states(f, n, text)]

    @cached_property
    def department_text(self) -> list[Fact]:
        """The figures the department wrote in its own narrative (data text fields), as facts sourced ``text:``."""
        out: list[Fact] = []
        for path, value in _strings(self.data, "data"):
            for n in find_numbers(value):
                if n.kind in ("year", "date", "plain") or n.unit is None:
                    continue
                out.append(
                    Fact(
                        id=f"text.{len(out) + 1}",
                        label=n.raw,
                        value=n.value,
                        unit=n.unit,
                        dimension=dimension_of(n.unit),
                        source=f"text: {path}",
                        attribute="部门填报文字",
                    )
                )
        return out

    def in_department_text(self, n: NumberMention) -> bool:
        """True when the department's own text in the data states the figure ``n`` (after unit conversion)."""
        if n.unit is None:
            return False
        want = dimension_of(n.unit)
        return any(f.dimension == want and f.states(n) for f in self.department_text)

    def match(self, value: Decimal, unit: str | None, decimals: int = 0) -> list[Fact]:
        """Which facts does a written figure state, with unit conversion and at the precision written."""
        want = dimension_of(unit) if unit else None
        out = []
        for fact in self.facts:
            if want is not None and fact.dimension != want and not (want == "count" and fact.dimension == "count"):
                continue
            if fact.matches(value, unit, decimals):
                out.append(fact)
        return out


_DIGITS = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _compound_states(fact: Fact, n: NumberMention, text: str) -> bool:
    """A figure followed by a fact's compound unit the reader does not attach (``2000元/生·年``, ``105元/亩``)."""
    if not fact.unit or len(fact.unit) < 2:
        return False
    m = _DIGITS.search(text, n.start, n.end)
    if m is None or not text.startswith(fact.unit, m.end()):
        return False
    raw = m.group().replace(",", "")
    return fact.matches(Decimal(raw), fact.unit, len(raw.split(".")[1]) if "." in raw else 0)


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string in a data model with its path (``projects[0].performance``)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}[{i}]")
    elif isinstance(value, BaseModel) and not isinstance(value, Money):
        for name in type(value).model_fields:
            yield from _strings(getattr(value, name), f"{path}.{name}")


def build_facts(data: ReportData, rules: ScoringRules = DEFAULT_RULES, money_unit: str = "万元") -> FactSheet:
    """Turn a ReportData into its FactSheet: source figures plus exactly computed derived ones.

    ``money_unit`` is the unit a draft writes amounts in (every amount in one unit, converted exactly).
    """
    if money_unit not in MONEY_UNITS:
        raise InputError(f"未知的金额单位“{money_unit}”；可选 {'、'.join(MONEY_UNITS)}")
    b = _Builder()
    b.add("year", "报告年度", Decimal(data.year), "年", "year", "data: year")
    dept = data.department
    if dept.internal_unit_count is not None:
        b.add(
            "dept.internal_units",
            "内设机构数量",
            Decimal(dept.internal_unit_count),
            "个",
            "count",
            "data: department.internal_unit_count",
        )
    for i, c in enumerate(dept.counts, 1):
        b.add(f"dept.c{i}", c.label, c.value, c.unit, dimension_of(c.unit), f"data: department.counts[{i - 1}]")
    _budget_facts(b, data, rules)
    for i, project in enumerate(data.projects, 1):
        _project_facts(b, i, project, rules)
    _project_totals(b, data)
    for i, row in enumerate(data.overall_table, 1):
        label = f"整体自评表“{row.task}”"
        if row.weight is not None:
            b.add(
                f"overall.r{i}.weight",
                f"{label}分值",
                row.weight,
                "分",
                "score",
                f"data: overall_table[{i - 1}].weight",
            )
        if row.score is not None:
            b.add(
                f"overall.r{i}.score", f"{label}得分", row.score, "分", "score", f"data: overall_table[{i - 1}].score"
            )
    rows = data.overall_table
    if rows and all(r.weight is not None for r in rows):
        b.add(
            "overall.weight_total_calc",
            "整体自评表分值合计",
            sum((r.weight for r in rows if r.weight is not None), Decimal(0)),
            "分",
            "score",
            "derived: Σ overall.r*.weight",
        )
    if rows and all(r.score is not None for r in rows):
        b.add(
            "overall.score_total_calc",
            "整体自评表得分合计",
            sum((r.score for r in rows if r.score is not None), Decimal(0)),
            "分",
            "score",
            "derived: Σ overall.r*.score",
        )
    sa = data.self_assessment
    if sa.score is not None:
        b.add("self.score", "自评总分", sa.score, "分", "score", "data: self_assessment.score")
        b.note("self.grade_calc", "自评总分对应的等级", grade_for(sa.score, rules))
    return FactSheet(data, b.facts, b.notes, money_unit)


class _Builder:
    def __init__(self) -> None:
        self.facts: list[Fact] = []
        self.notes: list[Derived] = []

    def add(
        self,
        fid: str,
        label: str,
        value: Decimal,
        unit: str,
        dimension: Dimension,
        source: str,
        *,
        item: str = "部门",
        attribute: str = "",
        decimals: int | None = None,
    ) -> Fact:
        derived = source.startswith("derived")
        fact = Fact(
            id=fid,
            label=label,
            value=value,
            unit=unit,
            dimension=dimension,
            source=source,
            derived=derived,
            item=item,
            attribute=attribute or label,
            decimals=decimals,
        )
        self.facts.append(fact)
        return fact

    def money(
        self, fid: str, label: str, money: Money | None, source: str, *, item: str = "部门", attribute: str = ""
    ) -> Fact | None:
        if money is None:
            return None
        return self.add(fid, label, money.value, money.unit, "money", source, item=item, attribute=attribute or label)

    def yuan(
        self,
        fid: str,
        label: str,
        value_yuan: Decimal,
        unit: str,
        source: str,
        *,
        item: str = "部门",
        attribute: str = "",
    ) -> Fact:
        """A derived amount computed in 元, expressed in ``unit``."""
        value = convert_money(value_yuan, "元", unit)
        return self.add(fid, label, value, unit, "money", source, item=item, attribute=attribute or label)

    def rate(
        self, fid: str, label: str, value: Decimal, source: str, *, item: str = "部门", attribute: str = ""
    ) -> Fact:
        return self.add(fid, label, value, "%", "ratio", source, item=item, attribute=attribute or label, decimals=2)

    def note(self, fid: str, label: str, text: str) -> None:
        self.notes.append(Derived(id=fid, label=label, text=text))


def _budget_facts(b: _Builder, data: ReportData, rules: ScoringRules) -> None:
    bud = data.budget
    unit = data.money_unit
    for i, s in enumerate(bud.initial_by_source, 1):
        b.money(
            f"budget.initial.s{i}",
            f"年初预算（{s.source}）",
            s.amount,
            f"data: budget.initial_by_source[{i - 1}]",
            attribute="年初预算",
        )
    b.money("budget.initial_total", "年初预算", bud.initial_total, "data: budget.initial_total")
    initial_yuan: Decimal | None = bud.initial_total.yuan if bud.initial_total else None
    if bud.initial_by_source:
        total = sum((s.amount.yuan for s in bud.initial_by_source), Decimal(0))
        if len(bud.initial_by_source) > 1:
            b.yuan(
                "budget.initial_calc",
                "年初预算（各来源合计）",
                total,
                unit,
                "derived: Σ budget.initial.s*",
                attribute="年初预算",
            )
        initial_yuan = initial_yuan if initial_yuan is not None else total
    for i, adj in enumerate(bud.adjustments, 1):
        b.money(f"budget.adj{i}", f"预算{adj.kind}", adj.amount, f"data: budget.adjustments[{i - 1}]")
    net = sum((a.signed for a in bud.adjustments), Decimal(0))
    if len(bud.adjustments) > 1:
        b.yuan("budget.adjust_net", "预算调整净额", net, unit, "derived: Σ budget.adj*")
    b.money("budget.total", "全年预算数", bud.total, "data: budget.total")
    total_yuan: Decimal | None = bud.total.yuan if bud.total else None
    if initial_yuan is not None and bud.adjustments:
        b.yuan(
            "budget.total_calc",
            "全年预算数（年初预算+调整）",
            initial_yuan + net,
            unit,
            "derived: 年初预算 + Σ 调整",
            attribute="全年预算数",
        )
        total_yuan = total_yuan if total_yuan is not None else initial_yuan + net
    if total_yuan is None and initial_yuan is not None:
        total_yuan = initial_yuan
    b.money("budget.expenditure_total", "预算总支出", bud.expenditure_total, "data: budget.expenditure_total")
    b.money("budget.basic", "基本支出", bud.basic, "data: budget.basic")
    b.money("budget.project", "项目支出", bud.project, "data: budget.project")
    if bud.basic and bud.project:
        b.yuan(
            "budget.parts_calc",
            "基本支出与项目支出合计",
            bud.basic.yuan + bud.project.yuan,
            unit,
            "derived: budget.basic + budget.project",
        )
    b.money("budget.executed", "全年执行数", bud.executed, "data: budget.executed")
    _funding_facts(b, "budget", bud.funding, "budget", "部门")
    b.money("budget.carryover", "结转结余", bud.carryover, "data: budget.carryover")
    if bud.execution_rate is not None:
        b.add(
            "budget.execution_rate",
            "预算执行率",
            bud.execution_rate,
            "%",
            "ratio",
            "data: budget.execution_rate",
            attribute="预算执行率",
        )
    if bud.executed and total_yuan:
        rate = bud.executed.yuan / total_yuan * HUNDRED
        b.rate(
            "budget.execution_rate_calc",
            "预算执行率（执行数/全年预算数）",
            rate,
            "derived: budget.executed / 全年预算数",
            attribute="预算执行率",
        )
        b.add(
            "budget.execution_score_calc",
            "预算执行率得分",
            execution_score(rate, rules),
            "分",
            "score",
            "derived: 执行率 × 分值",
            decimals=2,
        )
        b.yuan(
            "budget.balance_calc",
            "结余（全年预算数−执行数）",
            total_yuan - bud.executed.yuan,
            unit,
            "derived: 全年预算数 − budget.executed",
            attribute="结转结余",
        )


def _funding_facts(b: _Builder, pre: str, rows: list[FundingRow], src: str, item: str) -> None:
    """Facts of the 其中 rows of a form's funding block: amounts per source and each source's execution rate."""
    for k, row in enumerate(rows, 1):
        fp, rsrc = f"{pre}.f{k}", f"{src}.funding[{k - 1}]"
        for attr, label in (("initial", "年初预算数"), ("total", "全年预算数"), ("executed", "全年执行数")):
            b.money(
                f"{fp}.{attr}",
                f"{row.source}{label}",
                getattr(row, attr),
                f"data: {rsrc}.{attr}",
                item=item,
                attribute=f"{row.source}{label}",
            )
        budget = row.total or row.initial
        if row.executed and budget and budget.yuan:
            b.rate(
                f"{fp}.execution_rate_calc",
                f"{row.source}执行率",
                row.executed.yuan / budget.yuan * HUNDRED,
                f"derived: {fp}.executed / 预算数",
                item=item,
                attribute=f"{row.source}执行率",
            )


def _project_facts(b: _Builder, i: int, p: Project, rules: ScoringRules) -> None:
    pre = f"p{i}"
    src = f"projects[{i - 1}]"
    name = p.name
    b.money(
        f"{pre}.initial_budget",
        f"{name}年初预算数",
        p.initial_budget,
        f"data: {src}.initial_budget",
        item=name,
        attribute="年初预算数",
    )
    b.money(
        f"{pre}.total_budget",
        f"{name}全年预算数",
        p.total_budget,
        f"data: {src}.total_budget",
        item=name,
        attribute="全年预算数",
    )
    b.money(
        f"{pre}.executed", f"{name}全年执行数", p.executed, f"data: {src}.executed", item=name, attribute="全年执行数"
    )
    unit = (p.total_budget or p.executed or p.initial_budget or Money(value=Decimal(0))).unit
    if p.initial_budget and p.total_budget and p.initial_budget.yuan != p.total_budget.yuan:
        b.yuan(
            f"{pre}.adjust_calc",
            f"{name}预算调整额",
            p.total_budget.yuan - p.initial_budget.yuan,
            unit,
            f"derived: {pre}.total_budget − {pre}.initial_budget",
            item=name,
            attribute="预算调整额",
        )
    if p.execution_rate is not None:
        b.add(
            f"{pre}.execution_rate",
            f"{name}执行率",
            p.execution_rate,
            "%",
            "ratio",
            f"data: {src}.execution_rate",
            item=name,
            attribute="执行率",
        )
    budget = p.total_budget or p.initial_budget
    rate: Decimal | None = None
    if p.executed and budget and budget.yuan:
        rate = p.executed.yuan / budget.yuan * HUNDRED
        b.rate(
            f"{pre}.execution_rate_calc",
            f"{name}执行率（执行数/预算数）",
            rate,
            f"derived: {pre}.executed / 预算数",
            item=name,
            attribute="执行率",
        )
        b.add(
            f"{pre}.execution_score_calc",
            f"{name}预算执行率得分",
            execution_score(rate, rules),
            "分",
            "score",
            "derived: 执行率 × 分值",
            item=name,
            attribute="预算执行率得分",
            decimals=2,
        )
        b.yuan(
            f"{pre}.balance_calc",
            f"{name}结余（预算数−执行数）",
            budget.yuan - p.executed.yuan,
            unit,
            f"derived: 预算数 − {pre}.executed",
            item=name,
            attribute="结余",
        )
    _funding_facts(b, pre, p.funding, src, name)
    for j, c in enumerate(p.counts, 1):
        b.add(
            f"{pre}.c{j}",
            f"{name}{c.label}",
            c.value,
            c.unit,
            dimension_of(c.unit),
            f"data: {src}.counts[{j - 1}]",
            item=name,
            attribute=c.label,
        )
        spend = p.executed or budget
        if spend and c.value and dimension_of(c.unit) == "count":
            per = spend.yuan / c.value
            b.add(
                f"{pre}.c{j}.per_calc",
                f"{name}每{c.unit}平均金额（{c.label}）",
                per,
                "元",
                "money",
                f"derived: {pre}.executed / {pre}.c{j}",
                item=name,
                attribute=f"每{c.unit}金额",
                decimals=2,
            )
    scores: list[Decimal] = []
    complete = bool(p.indicators)
    for j, ind in enumerate(p.indicators, 1):
        ip = f"{pre}.i{j}"
        isrc = f"{src}.indicators[{j - 1}]"
        what = f"{name}“{ind.name}”"
        unit_i = ind.unit or ""
        if ind.target is not None:
            b.add(
                f"{ip}.target",
                f"{what}年度指标值",
                ind.target,
                unit_i,
                dimension_of(ind.unit),
                f"data: {isrc}.target",
                item=name,
                attribute=f"{ind.name}目标",
            )
        if ind.actual is not None:
            b.add(
                f"{ip}.actual",
                f"{what}实际完成值",
                ind.actual,
                unit_i,
                dimension_of(ind.unit),
                f"data: {isrc}.actual",
                item=name,
                attribute=f"{ind.name}实际",
            )
        ratio = completion_ratio(ind)
        if ratio is not None:
            b.rate(
                f"{ip}.completion_calc",
                f"{what}完成率（实际/目标）",
                ratio,
                f"derived: {ip}.actual / {ip}.target",
                item=name,
                attribute=f"{ind.name}完成率",
            )
        if ind.weight is not None:
            b.add(
                f"{ip}.weight",
                f"{what}分值",
                ind.weight,
                "分",
                "score",
                f"data: {isrc}.weight",
                item=name,
                attribute=f"{ind.name}分值",
            )
        if ind.score is not None:
            b.add(
                f"{ip}.score",
                f"{what}得分",
                ind.score,
                "分",
                "score",
                f"data: {isrc}.score",
                item=name,
                attribute=f"{ind.name}得分",
            )
        calc = indicator_score(ind)
        if calc is not None:
            b.add(
                f"{ip}.score_calc",
                f"{what}得分（按规则重算）",
                calc,
                "分",
                "score",
                f"derived: 规则({ip})",
                item=name,
                attribute=f"{ind.name}得分",
                decimals=2,
            )
            scores.append(calc)
        elif ind.score is not None:
            scores.append(ind.score)  # qualitative: the stated score is all there is
        else:
            complete = False
    weights = [ind.weight for ind in p.indicators]
    if weights and all(w is not None for w in weights):
        b.add(
            f"{pre}.weight_total_calc",
            f"{name}分值合计（含预算执行率）",
            rules.execution_weight + sum((w for w in weights if w is not None), Decimal(0)),
            "分",
            "score",
            f"derived: 执行率分值 + Σ {pre}.i*.weight",
            item=name,
            attribute="分值合计",
        )
    if p.self_score is not None:
        b.add(
            f"{pre}.self_score",
            f"{name}自评得分",
            p.self_score,
            "分",
            "score",
            f"data: {src}.self_score",
            item=name,
            attribute="自评得分",
        )
    if rate is not None and complete:
        total = execution_score(rate, rules) + sum(scores, Decimal(0))
        b.add(
            f"{pre}.score_calc",
            f"{name}自评得分（按规则重算）",
            total,
            "分",
            "score",
            f"derived: 执行率得分 + Σ 指标得分({pre})",
            item=name,
            attribute="自评得分",
            decimals=2,
        )
        b.note(f"{pre}.grade_calc", f"{name}重算得分对应的等级", grade_for(total, rules))


def _project_totals(b: _Builder, data: ReportData) -> None:
    unit = data.money_unit
    if data.projects:
        b.add(
            "projects.count",
            "项目个数",
            Decimal(len(data.projects)),
            "个",
            "count",
            "data: projects",
            attribute="项目个数",
        )
    if len(data.projects) < 2:
        return
    for attr, label in (("initial_budget", "年初预算数"), ("total_budget", "全年预算数"), ("executed", "全年执行数")):
        amounts = [getattr(p, attr) for p in data.projects]
        if all(a is not None for a in amounts):
            total = sum((a.yuan for a in amounts), Decimal(0))
            b.yuan(
                f"projects.{attr}_sum",
                f"各项目{label}合计",
                total,
                unit,
                f"derived: Σ p*.{attr}",
                attribute=f"项目{label}合计",
            )
    budgets = [p.total_budget or p.initial_budget for p in data.projects]
    executed = [p.executed for p in data.projects]
    if all(budgets) and all(executed):
        total_b = sum((m.yuan for m in budgets if m), Decimal(0))
        total_e = sum((m.yuan for m in executed if m), Decimal(0))
        if total_b:
            b.rate(
                "projects.execution_rate_calc",
                "项目支出总体执行率",
                total_e / total_b * HUNDRED,
                "derived: Σ执行数 / Σ预算数",
                attribute="项目执行率",
            )
