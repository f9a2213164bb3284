"""Validation problems in the user's terms: pydantic errors as (place, problem) pairs in Chinese, never its English.

Shared by every reader of files a person writes (data files, the review config, model settings).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

Locator = Callable[[tuple[str | int, ...]], str | None]

MAX_PROBLEMS = 30
"""Problems listed in one message; a million-row mistake still prints a short one."""


def capped(problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """At most MAX_PROBLEMS problems, and a last line saying how many more there are."""
    if len(problems) <= MAX_PROBLEMS:
        return problems
    rest = len(problems) - MAX_PROBLEMS
    return [*problems[:MAX_PROBLEMS], ("……", f"另有 {rest} 处问题未列出；请先改正以上各处")]


def describe_errors(exc: ValidationError, locate: Locator | None = None) -> list[tuple[str, str]]:
    """A pydantic error as (place, problem) pairs in Chinese, at most MAX_PROBLEMS of them."""
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        where = field_path(loc)
        place = locate(loc) if locate else None
        problems.append((f"{place}（{where}）" if place else where, explain(err)))
    return capped(problems)


def field_path(loc: tuple[str | int, ...]) -> str:
    """``('projects', 2, 'executed')`` → ``projects[2].executed``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out or "（顶层）"


def explain(err: Any) -> str:
    """One pydantic error in the user's terms."""
    kind = err["type"]
    value = err.get("input")
    if kind == "extra_forbidden":
        return f"未知字段（值为 {short(value)}）；请检查拼写，或对照 `assistant init` 生成的模板"
    if kind == "missing":
        return "缺少必填项"
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"“{short(value)}”不是允许的取值；应为 {expected}"
    if kind in ("decimal_parsing", "decimal_type", "float_parsing", "int_parsing", "int_from_float"):
        return f"“{short(value)}” 不是数字"
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"“{short(value)}” 超出允许范围（{err['msg']}）"
    if kind in ("string_type", "list_type", "dict_type", "model_type", "model_attributes_type"):
        want = {"string_type": "文字", "list_type": "列表", "dict_type": "键值对"}.get(kind, "键值对")
        return f"应为{want}，而不是{kind_of(value)}"
    if kind == "finite_number":
        return f"“{short(value)}” 不是有限的数（NaN/无穷大不能作为金额或数量）"
    if kind in ("greater_than", "less_than"):
        ctx = err.get("ctx", {})
        bound = f"应大于 {ctx['gt']}" if "gt" in ctx else (f"应小于 {ctx['lt']}" if "lt" in ctx else "超出允许范围")
        return f"“{short(value)}” {bound}"
    if kind == "int_parsing_size":
        return f"“{short(value)}” 超出允许范围"
    if kind in ("bool_type", "bool_parsing"):
        return f"“{short(value)}” 应为 true 或 false"
    if kind in ("string_too_short", "too_short"):
        return "不能为空"
    if kind in ("string_too_long", "too_long"):
        return "内容过长"
    if kind == "enum":
        expected = err.get("ctx", {}).get("expected", "")
        return f"“{short(value)}”不是允许的取值；应为 {expected}"
    if kind in ("date_parsing", "date_type", "date_from_datetime_parsing", "datetime_parsing"):
        return f"“{short(value)}” 不是日期（应写成 2024-01-31）"
    return f"“{short(value)}” 不符合要求"


def short(value: Any) -> str:
    """``value`` as text, cut to 40 characters."""
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "…"


def kind_of(value: Any) -> str:
    """What kind of value a person wrote, in Chinese (列表, 键值对, 文字 …)."""
    return {list: "列表", dict: "键值对", str: "文字", type(None): "空值"}.get(type(value), type(value).__name__)
