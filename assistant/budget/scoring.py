"""The usual self-evaluation scoring rules (configurable, since provinces vary)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.errors import InputError

if TYPE_CHECKING:
    # Only named in annotations: a review config (CheckConfig.scoring) needs these rules, not the data's models.
    from assistant.budget.models import Indicator

Grade = Literal["优", "良", "中", "差"]


_GRADE_FLOORS: dict[Grade, Decimal] = {"优": Decimal(90), "良": Decimal(80), "中": Decimal(60), "差": Decimal(0)}


class ScoringRules(BaseModel):
    """Weights and thresholds used to recompute scores; defaults follow common practice (财预〔2020〕10号)."""

    model_config = ConfigDict(extra="forbid")

    execution_weight: Decimal = Decimal(10)
    total: Decimal = Decimal(100)
    level_weights: dict[str, Decimal] = Field(
        default_factory=lambda: {"产出指标": Decimal(50), "效益指标": Decimal(30), "满意度指标": Decimal(10)}
    )
    grade_floors: dict[Grade, Decimal] = Field(default_factory=lambda: dict(_GRADE_FLOORS))
    low_execution_rate: Decimal = Decimal(90)


DEFAULT_RULES = ScoringRules()


def load_rules(path: str | Path) -> ScoringRules:
    """Read a province's scoring rules from YAML (any field of ScoringRules; the rest keep their defaults)."""
    import yaml

    p = Path(path)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{p}: 无法读取评分规则（{exc}）；请检查文件路径和 YAML 格式") from None
    try:
        return ScoringRules.model_validate(raw)
    except ValidationError as exc:
        where = "；".join(f"{'.'.join(map(str, e['loc']))}：{e['msg']}" for e in exc.errors())
        raise InputError(
            f"{p}: 评分规则有误（{where}）；可写 execution_weight、total、level_weights、grade_floors、low_execution_rate"
        ) from None


def grade_for(score: Decimal, rules: ScoringRules = DEFAULT_RULES) -> Grade:
    """The grade a total score earns: 优 ≥ 90, 良 80–89.99, 中 60–79.99, 差 < 60 by default."""
    for grade, floor in sorted(rules.grade_floors.items(), key=lambda kv: kv[1], reverse=True):
        if score >= floor:
            return grade
    return "差"


def execution_score(rate_percent: Decimal, rules: ScoringRules = DEFAULT_RULES) -> Decimal:
    """Score of the 预算执行率 item: rate × weight, capped at the weight."""
    return min(rate_percent, Decimal(100)) / Decimal(100) * rules.execution_weight


def indicator_score(ind: Indicator) -> Decimal | None:
    """Recompute a quantitative indicator's score; None when it can't be computed (qualitative, no actual, no weight)."""
    if ind.weight is None or ind.target is None or ind.actual is None:
        return None
    target, actual, weight = ind.target, ind.actual, ind.weight
    cmp = ind.comparator or "≥"
    if cmp in ("≥", ">"):
        if actual >= target or target == 0:
            return weight
        return actual / target * weight
    if cmp in ("≤", "<"):
        if actual <= target:
            return weight
        return target / actual * weight if actual else weight
    # "=": full marks when equal, otherwise the nearer ratio.
    if actual == target:
        return weight
    low, high = sorted((actual, target))
    return low / high * weight if high else Decimal(0)


def completion_ratio(ind: Indicator) -> Decimal | None:
    """实际/目标 × 100 (%) for a quantified indicator with an actual value."""
    if ind.target is None or ind.actual is None or ind.target == 0:
        return None
    return ind.actual / ind.target * Decimal(100)


def level_of(ind: Indicator) -> str:
    """The 一级指标 name normalised to the rules' keys (产出/效益/满意度 + 指标)."""
    name = ind.level1.strip()
    for key in ("产出", "效益", "满意度"):
        if name.startswith(key):
            return key + "指标"
    return name


def indicator_met(ind: Indicator) -> bool | None:
    """Did the actual value reach the target (by the comparator)? None when it can't be told."""
    if ind.target is None or ind.actual is None:
        return None
    cmp = ind.comparator or "≥"
    if cmp in ("≥", ">"):
        return ind.actual >= ind.target if cmp == "≥" else ind.actual > ind.target
    if cmp in ("≤", "<"):
        return ind.actual <= ind.target if cmp == "≤" else ind.actual < ind.target
    return ind.actual == ind.target
