"""Load ReportData from .yaml/.yml/.json/.xlsx with errors that name the file, the field and the line or cell."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from assistant.budget.models import Money, ReportData
from assistant.budget.yaml_cache import parse_yaml_cached
from assistant.budget.yamlfile import read_text, read_yaml
from assistant.errors import DataValidationError, InputError
from assistant.paths import os_reason
from assistant.validation import Locator, capped, describe_errors, explain, field_path, kind_of, short

__all__ = ["describe_errors", "explain", "field_path", "load_data", "read_yaml", "validate_data"]


SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")
MAX_BYTES = 20 * 1024 * 1024


def load_data(path: str | Path) -> ReportData:
    """Read a department's data file; raise InputError saying where and what is wrong."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(
            f"{p}: 不支持的数据文件类型“{p.suffix or '无扩展名'}”；请提供 .yaml、.yml、.json 或 .xlsx 文件"
        )
    try:
        if not p.exists():
            raise InputError(f"{p}: 文件不存在；请检查路径")
        if p.is_dir():
            raise InputError(f"{p}: 这是一个文件夹，不是数据文件")
        size = p.stat().st_size
    except OSError as exc:
        raise InputError(f"{p}: 无法访问文件（{os_reason(exc)}）；请检查路径和权限") from None
    if size == 0:
        raise InputError(f"{p}: 文件是空的；可用 `assistant init 目录` 生成模板后填写")
    if size > MAX_BYTES:
        raise InputError(f"{p}: 文件过大（{size // 1024 // 1024} MB），数据文件不应超过 20 MB")
    if suffix == ".xlsx":
        from assistant.budget.workbook import read_workbook

        raw, cells = read_workbook(p)
        return validate_data(raw, str(p), lambda loc: cells.get(loc))
    text = read_text(p)
    if not text.strip():
        raise InputError(f"{p}: 文件是空的；可用 `assistant init 目录` 生成模板后填写")
    if suffix == ".json":
        raw = _parse_json(text, p)
        return validate_data(raw, str(p), None)
    raw, locate = parse_yaml_cached(text, p)
    return validate_data(raw, str(p), locate)


def validate_data(raw: Any, path: str, locate: Locator | None) -> ReportData:
    """Validate a parsed data mapping into ReportData, translating every problem to Chinese with its place."""
    if not isinstance(raw, dict):
        raise InputError(f"{path}: 顶层应是键值对（year、department、budget …），而不是{kind_of(raw)}")
    _check_size(raw, path)
    unit = raw.get("money_unit", "万元")
    try:
        data = ReportData.model_validate(raw, context={"money_unit": unit if isinstance(unit, str) else "万元"})
    except ValidationError as exc:
        raise DataValidationError(path, describe_errors(exc, locate)) from None
    problems = []
    for loc, value in _numbers(data, ()):
        why = _beyond_precision(value)
        if why:
            where = field_path(loc)
            place = locate(loc) if locate else None
            problems.append((f"{place}（{where}）" if place else where, f"“{short(value)}”{why}"))
    if problems:
        raise DataValidationError(path, capped(problems))
    return data


MAX_NODES = 200_000
"""Values a data file may hold (a YAML alias counted each time it is used): a real one has a few thousand."""


def _check_size(raw: Any, path: str) -> None:
    """Refuse a mapping of more than MAX_NODES values before validating it (validation of millions takes minutes)."""
    seen = 0
    stack = [raw]
    while stack:
        value = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            raise InputError(f"{path}: 数据超过 {MAX_NODES} 项，不像是一个部门的数据文件；请检查是否误粘贴了大量内容")
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


MAX_INTEGER_DIGITS = 15
"""Digits before the point: 10^15 元 is a thousand times any government's yearly budget."""
MAX_DIGITS = 20
"""All digits of a number: exact arithmetic and unit conversion (×10^8 for 亿元) stay within Decimal's 28."""


def _beyond_precision(value: Decimal | int) -> str | None:
    """Why a number is beyond a sane size or precision (None when it is fine)."""
    number = Decimal(value)
    if not number.is_finite():
        return "不是有限的数；请填写具体数字"
    if number == 0:
        return None
    whole = max(0, number.adjusted() + 1)
    exponent = number.as_tuple().exponent
    fraction = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if whole > MAX_INTEGER_DIGITS:
        return f"整数部分有 {whole} 位，超出合理范围（最多 {MAX_INTEGER_DIGITS} 位）；请检查是否多写了数字或单位不对"
    if whole + fraction > MAX_DIGITS:
        return f"共 {whole + fraction} 位数字，精度超出合理范围（最多 {MAX_DIGITS} 位）；请删去多余的小数位"
    return None


def _numbers(value: Any, loc: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Decimal | int]]:
    """Every Decimal and int inside a validated model, with its location (a Money at its own field)."""
    if isinstance(value, Money):
        yield loc, value.value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _numbers(getattr(value, name), (*loc, name))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _numbers(item, (*loc, index))
    elif isinstance(value, Decimal) or (isinstance(value, int) and not isinstance(value, bool)):
        yield loc, value


def _parse_json(text: str, p: Path) -> Any:
    try:
        return json.loads(text, parse_float=str, parse_constant=_json_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"{p}:{exc.lineno}:{exc.colno}: JSON 格式错误（{exc.msg}）；请修正该处后重试") from None
    except _NotFinite as exc:
        raise InputError(f"{p}: JSON 中的 {exc} 不是有限的数（NaN/无穷大不能作为金额或数量）；请填写具体数字") from None
    except RecursionError:
        raise InputError(f"{p}: JSON 嵌套层数过多，无法读取；数据文件不需要这么深的结构") from None


class _NotFinite(Exception):
    """NaN, Infinity or -Infinity in a JSON file (Python's json accepts them; they are not numbers)."""


def _json_constant(name: str) -> Any:
    raise _NotFinite(name)
