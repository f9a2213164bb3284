"""ReportData: what a department knows when it writes its self-evaluation report.

Money is a ``Money`` (Decimal + explicit unit). In a data file an amount may be written as a bare number, which is
read in the file's ``money_unit`` (default 万元), or as a string with its unit ("25万元", "250000元").
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from assistant.units import MONEY_UNITS, convert_money

MoneyUnit = Literal["元", "千元", "万元", "百万元", "亿元"]
Comparator = Literal["≥", "≤", "=", ">", "<"]

_AMOUNT_RE = re.compile(r"^\s*([+-]?\d+(?:,\d{3})*(?:\.\d+)?)\s*(元|千元|万元|百万元|亿元)?\s*$")
_COMPARATOR_ALIASES = {">=": "≥", "<=": "≤", "＝": "=", "≧": "≥", "≦": "≤", "＞": ">", "＜": "<"}


def to_decimal(raw: Any) -> Decimal:
    """Read a number written by a person (int, float, or numeric string) as an exact Decimal."""
    if isinstance(raw, bool):
        raise ValueError("应为数字")
    if isinstance(raw, Decimal):
        return raw
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        # repr gives the shortest string that round-trips: what the person typed.
        return Decimal(repr(raw))
    if isinstance(raw, str):
        text = raw.strip().replace(",", "").replace("，", "")
        text = text.translate(str.maketrans("０１２３４５６７８９．－", "0123456789.-"))
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"“{raw}” 不是数字") from None
        if not value.is_finite():
            raise ValueError(f"“{raw}” 不是数字")
        return value
    raise ValueError(f"“{raw}” 不是数字")


class Strict(BaseModel):
    """Base for inputs a person writes: unknown fields are errors, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=False)


class Money(BaseModel):
    """An amount of money with its unit; never a float."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: Decimal
    unit: MoneyUnit = "万元"

    def to(self, unit: str) -> Decimal:
        """The amount expressed in another money unit, exactly."""
        return convert_money(self.value, self.unit, unit)

    @property
    def yuan(self) -> Decimal:
        """The amount in 元."""
        return self.to("元")

    def __str__(self) -> str:
        return f"{_plain(self.value)}{self.unit}"


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def parse_money(raw: Any, default_unit: str) -> Money:
    """Read an amount as a person writes it in a data file: 3240.79, "25万元", "250000元", or {value, unit}."""
    if isinstance(raw, Money):
        return raw
    if isinstance(raw, dict):
        return Money.model_validate(raw)
    if isinstance(raw, str):
        m = _AMOUNT_RE.match(raw.replace("，", ","))
        if not m:
            raise ValueError(f"“{raw}” 不是金额：请写数字，可带单位，如 25、25万元、250000元")
        value = to_decimal(m.group(1))
        unit = m.group(2) or default_unit
    else:
        value = to_decimal(raw)
        unit = default_unit
    if unit not in MONEY_UNITS:
        raise ValueError(f"未知的金额单位“{unit}”")
    return Money(value=value, unit=unit)


class _Amounts(Strict):
    """Mixin: fields annotated ``Money`` accept bare numbers in the file's ``money_unit`` and must not be negative."""

    @field_validator("*", mode="before")
    @classmethod
    def _read_money(cls, raw: Any, info: ValidationInfo) -> Any:
        name = info.field_name
        if name is None or raw is None:
            return raw
        annotation = str(cls.model_fields[name].annotation)
        if "Money" not in annotation or "list" in annotation:
            return raw
        unit = (info.context or {}).get("money_unit", "万元")
        money = parse_money(raw, unit)
        if money.value < 0:
            raise ValueError(f"金额不能为负数（{money}）；调减请写在 adjustments 里，kind 填“调减”")
        return money


class Count(Strict):
    """A counted quantity with its unit (人, 户, 人次, 个, 项 …)."""

    label: str
    value: Decimal
    unit: str

    @field_validator("value", mode="before")
    @classmethod
    def _num(cls, raw: Any) -> Decimal:
        return to_decimal(raw)


class Department(Strict):
    """Who the department is."""

    name: str
    duties: list[str] = Field(default_factory=list, description="主要职责，一条一项")
    profile: str | None = Field(None, description="部门概况的补充说明")
    internal_units: list[str] = Field(default_factory=list, description="内设机构")
    internal_unit_count: int | None = Field(None, description="内设机构数量（如报告所写）")
    subordinate_units: list[str] = Field(default_factory=list, description="下属单位")
    counts: list[Count] = Field(default_factory=list, description="编制人数、在职人数等")


class Tasks(Strict):
    """The year's key tasks (年度重点工作) and routine tasks (常态化工作)."""

    key: list[str] = Field(default_factory=list)
    routine: list[str] = Field(default_factory=list)


class Source(_Amounts):
    """One funding source of the initial budget (财政拨款, 其他资金 …)."""

    source: str
    amount: Money


class Adjustment(_Amounts):
    """A mid-year budget adjustment (调增/调减) and its stated reason."""

    kind: Literal["调增", "调减"]
    amount: Money
    reason: str | None = None

    @property
    def signed(self) -> Decimal:
        """The adjustment in 元, negative for 调减."""
        return self.amount.yuan if self.kind == "调增" else -self.amount.yuan


class FundingRow(_Amounts):
    """One funding source of a project or the department, as the self-evaluation form lists it (其中：财政拨款 …)."""

    source: str = Field(description="资金来源：财政拨款、上年结转、其他资金 …")
    initial: Money | None = Field(None, description="年初预算数")
    total: Money | None = Field(None, description="全年预算数")
    executed: Money | None = Field(None, description="全年执行数")


class BudgetSummary(_Amounts):
    """The department's budget and spending as stated (any part may be missing)."""

    initial_by_source: list[Source] = Field(default_factory=list, description="年初预算，按资金来源")
    initial_total: Money | None = Field(None, description="年初预算合计（如报告所写）")
    adjustments: list[Adjustment] = Field(default_factory=list, description="预算调整")
    total: Money | None = Field(None, description="全年预算数（调整后）")
    expenditure_total: Money | None = Field(None, description="预算总支出（基本支出+项目支出），如报告单独列出")
    basic: Money | None = Field(None, description="基本支出")
    project: Money | None = Field(None, description="项目支出")
    executed: Money | None = Field(None, description="全年执行数")
    carryover: Money | None = Field(None, description="结转结余")
    execution_rate: Decimal | None = Field(None, description="报告所写的预算执行率（%）")
    low_execution_reason: str | None = Field(None, description="执行率低于 90% 的原因")
    funding: list[FundingRow] = Field(default_factory=list, description="按资金来源的年初预算/全年预算/全年执行数")

    @field_validator("execution_rate", mode="before")
    @classmethod
    def _rate(cls, raw: Any) -> Decimal | None:
        return None if raw is None else _percent(raw)


def _percent(raw: Any) -> Decimal:
    if isinstance(raw, str):
        raw = raw.strip().rstrip("%％").strip()
    value = to_decimal(raw)
    if value < 0:
        raise ValueError("百分比不能为负数")
    return value


class Indicator(Strict):
    """A performance indicator (一级/二级/三级指标) with its target, actual value and score."""

    level1: str = Field(description="一级指标：产出指标/效益指标/满意度指标 …")
    level2: str | None = Field(None, description="二级指标：数量指标/质量指标/时效指标/成本指标 …")
    name: str = Field(validation_alias=AliasChoices("name", "level3"), description="三级指标（也可写作 level3）")
    comparator: Comparator | None = Field(None, description="指标性质 ≥ ≤ = > <；定性指标留空")
    target: Decimal | None = Field(None, description="年度指标值（数值）")
    target_text: str | None = Field(None, description="定性指标的目标表述")
    unit: str | None = Field(None, description="度量单位：% 人 户 万元 …")
    actual: Decimal | None = Field(None, description="实际完成值（数值）")
    actual_text: str | None = Field(None, description="实际完成情况的文字表述")
    weight: Decimal | None = Field(None, description="分值")
    score: Decimal | None = Field(None, description="得分")
    deviation: str | None = Field(None, description="偏差原因及改进措施")

    @field_validator("comparator", mode="before")
    @classmethod
    def _cmp(cls, raw: Any) -> Any:
        if isinstance(raw, str):
            raw = raw.strip()
            return _COMPARATOR_ALIASES.get(raw, raw) or None
        return raw

    @field_validator("target", "actual", "weight", "score", mode="before")
    @classmethod
    def _num(cls, raw: Any) -> Decimal | None:
        if raw is None or raw == "":
            return None
        if isinstance(raw, str):
            raw = raw.strip().rstrip("%％")
        value = to_decimal(raw)
        if value < 0:
            raise ValueError("不能为负数")
        return value

    @property
    def quantified(self) -> bool:
        """True for a quantitative indicator (a numeric target)."""
        return self.target is not None


class Project(_Amounts):
    """A project (项目支出) with its money, narrative and indicators."""

    name: str
    category: str | None = Field(None, description="项目类别：重点/常态化/一次性 …")
    funding_source: str | None = Field(None, description="资金来源")
    supervisor: str | None = Field(None, description="主管部门（不填则为本部门）")
    implementer: str | None = Field(None, description="实施单位")
    lead_unit: str | None = Field(None, description="实施（牵头）处室")
    funding: list[FundingRow] = Field(default_factory=list, description="按资金来源的年初预算/全年预算/全年执行数")
    initial_budget: Money | None = Field(None, description="年初预算数")
    total_budget: Money | None = Field(None, description="全年预算数")
    executed: Money | None = Field(None, description="全年执行数")
    execution_rate: Decimal | None = Field(None, description="报告所写的执行率（%）")
    adjustment_reason: str | None = Field(None, description="预算调整的原因")
    low_execution_reason: str | None = Field(None, description="执行率低于 90% 的原因")
    goal: str | None = Field(None, description="年度总体目标：预期目标")
    goal_actual: str | None = Field(None, description="年度总体目标：实际完成情况")
    measures: str | None = Field(None, description="编制预算时提出的任务措施")
    performance: str | None = Field(None, description="实际执行情况")
    comparison: str | None = Field(None, description="执行情况与年初预算的对比")
    note: str | None = Field(None, description="相关情况说明")
    counts: list[Count] = Field(default_factory=list, description="受益人数、户数等")
    indicators: list[Indicator] = Field(default_factory=list)
    self_score: Decimal | None = Field(None, description="项目自评得分")
    grade: str | None = Field(None, description="项目自评等级")

    @field_validator("execution_rate", "self_score", mode="before")
    @classmethod
    def _pct(cls, raw: Any) -> Decimal | None:
        return None if raw is None or raw == "" else _percent(raw)


class OverallRow(Strict):
    """One row of the 部门整体支出绩效自评表."""

    level1: str = Field(description="一级指标/目标：履职效益明显、预算配置科学 …")
    task: str = Field(description="任务名称/二级指标")
    measures: str | None = Field(None, description="编制预算时提出的任务措施")
    performance: str | None = Field(None, description="绩效指标实际执行情况")
    comparison: str | None = Field(None, description="执行情况与年初预算的对比")
    note: str | None = Field(None, description="相关情况说明")
    weight: Decimal | None = None
    score: Decimal | None = None

    @field_validator("weight", "score", mode="before")
    @classmethod
    def _num(cls, raw: Any) -> Decimal | None:
        return None if raw is None or raw == "" else to_decimal(raw)


class SelfAssessment(Strict):
    """The department's self-assessed score and grade."""

    score: Decimal | None = None
    grade: Literal["优", "良", "中", "差"] | None = None

    @field_validator("score", mode="before")
    @classmethod
    def _num(cls, raw: Any) -> Decimal | None:
        return None if raw is None or raw == "" else to_decimal(raw)


class EvaluationWork(Strict):
    """How the self-evaluation was organised (section 二)."""

    purpose: str | None = None
    process: list[str] = Field(default_factory=list)


class ReportData(Strict):
    """Everything the department supplies for one year's self-evaluation report."""

    year: int = Field(ge=1990, le=2100)
    money_unit: MoneyUnit = Field("万元", description="不带单位的金额按此单位读取")
    department: Department
    tasks: Tasks = Field(default_factory=Tasks)
    budget: BudgetSummary = Field(default_factory=BudgetSummary)
    projects: list[Project] = Field(default_factory=list)
    overall_table: list[OverallRow] = Field(default_factory=list, description="部门整体支出绩效自评表")
    goal: str | None = Field(None, description="部门年度总体目标：预期目标")
    goal_actual: str | None = Field(None, description="部门年度总体目标：实际完成情况")
    evaluation: EvaluationWork = Field(default_factory=EvaluationWork)
    management: list[str] = Field(default_factory=list, description="部门预算管理制度建设情况，一条一项")
    achievements: list[str] = Field(default_factory=list, description="主要成效（带数据的事实）")
    conclusion: str | None = Field(None, description="综合评价结论")
    problems: list[str] = Field(default_factory=list)
    rectification: list[str] = Field(default_factory=list)
    results_use: list[str] = Field(default_factory=list)
    experience: list[str] = Field(default_factory=list)
    other_notes: list[str] = Field(default_factory=list)
    self_assessment: SelfAssessment = Field(default_factory=SelfAssessment)
