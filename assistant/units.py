"""Units of measure: money (元/万元/亿元), percentages, counts; conversion to a base unit is exact."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

Dimension = Literal["money", "ratio", "count", "score", "time", "year", "other"]

# Money units and their factor to 元. Decimal keeps the conversions exact.
MONEY_UNITS: dict[str, Decimal] = {
    "元": Decimal(1),
    "千元": Decimal(1000),
    "万元": Decimal(10000),
    "百万元": Decimal(1000000),
    "亿元": Decimal(100000000),
    "千万元": Decimal(10000000),
}

PERCENT = "%"
PERCENT_POINT = "个百分点"

# Units of counted things common in these reports. Longer names first so matching is greedy.
COUNT_UNITS: tuple[str, ...] = (
    "人（户）",
    "人(户)",
    "人次",
    "户次",
    "家次",
    "场次",
    "批次",
    "件次",
    "课时",
    "学时",
    "人",
    "户",
    "个",
    "项",
    "次",
    "场",
    "家",
    "所",
    "件",
    "份",
    "期",
    "名",
    "篇",
    "条",
    "套",
    "台",
    "辆",
    "座",
    "间",
    "张",
    "本",
    "册",
    "批",
    "类",
    "支",
    "处",
    "例",
    "床",
    "亩",
    "公里",
    "千米",
    "米",
    "平方米",
    "立方米",
    "吨",
    "千克",
    "公斤",
    "册次",
    "班",
    "校",
    "园",
    "村",
    "镇",
    "组",
    "平方公里",
    "公顷",
    "头",
    "株",
    "棵",
    "届",
    "栋",
)

TIME_UNITS: tuple[str, ...] = (
    "个工作日",
    "工作日",
    "个季度",
    "个月",
    "个小时",
    "小时",
    "分钟",
    "周年",
    "天",
    "日",
    "周",
    "月",
    "年",
)

SCORE_UNIT = "分"


def is_money_unit(unit: str | None) -> bool:
    """True when ``unit`` is a money unit."""
    return unit in MONEY_UNITS


def dimension_of(unit: str | None) -> Dimension:
    """The dimension a unit belongs to (money, ratio, count, score, time or other)."""
    if unit is None:
        return "other"
    if unit in MONEY_UNITS:
        return "money"
    if unit in (PERCENT, "百分比", PERCENT_POINT):
        return "ratio"
    if unit == SCORE_UNIT:
        return "score"
    if unit in TIME_UNITS:
        return "time"
    return "count"


def to_yuan(value: Decimal, unit: str) -> Decimal:
    """Convert an amount in ``unit`` to 元 exactly."""
    return value * MONEY_UNITS[unit]


def convert_money(value: Decimal, unit: str, to_unit: str) -> Decimal:
    """Convert an amount between money units exactly (no rounding)."""
    return value * MONEY_UNITS[unit] / MONEY_UNITS[to_unit]


def same_count_unit(a: str | None, b: str | None) -> bool:
    """True when two count units name the same thing (人（户） and 人(户), 公斤 and 千克)."""
    return _canonical_count(a) == _canonical_count(b)


_COUNT_ALIASES = {"人(户)": "人（户）", "公斤": "千克", "千米": "公里", "百分比": "%"}


def _canonical_count(unit: str | None) -> str | None:
    if unit is None:
        return None
    return _COUNT_ALIASES.get(unit, unit)


def format_number(value: Decimal, decimals: int | None = None) -> str:
    """A Decimal as a report writes it: fixed point, no separators; trailing zeros dropped unless ``decimals`` is set."""
    if decimals is not None:
        value = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        return format(value, "f")
    text = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
