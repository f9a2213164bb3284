"""Load ReportData from .yaml/.yml/.json/.xlsx with errors that name the file, the field and the line or cell."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from assistant.budget.models import Money, ReportData
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
    text = _read_text(p)
    if not text.strip():
        raise InputError(f"{p}: 文件是空的；可用 `assistant init 目录` 生成模板后填写")
    if suffix == ".json":
        raw = _parse_json(text, p)
        return validate_data(raw, str(p), None)
    raw, locate = _parse_yaml(text, p)
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


def read_yaml(path: str | Path) -> tuple[Any, Locator]:
    """A YAML file read with the data files' protections (YAML 1.2 numbers, bounded aliases), and a line locator."""
    p = Path(path)
    text = _read_text(p)
    return _parse_yaml(text, p)


def _read_text(p: Path) -> str:
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{p}: 无法读取文件（{os_reason(exc)}）；请检查文件权限，或复制一份可读的文件再试") from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{p}: 无法识别文件编码；请另存为 UTF-8")


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


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core resolution: decimals kept as text (exact money), dates as text, no 1.1 numbers.

    YAML 1.1 reads ``02552`` as octal 1386, ``42:32:45`` as base-60 153165 and ``0x1F`` as 31: money silently
    changed. Here base-60 and ``1_000`` stay text (as in YAML 1.2), so a number field refuses them with their line
    and a text field such as a time keeps them; leading zeros and hex/octal/binary forms mean different numbers to
    different readers and are refused with their line wherever they appear.
    """


_Loader.yaml_implicit_resolvers = {}
_AMBIGUOUS_TAG = "tag:assistant,2026:ambiguous-number"
_NOT_FINITE_TAG = "tag:assistant,2026:not-finite"
_DIGITS = list("-+0123456789.")
for _tag, _pattern, _first in (
    # First match wins: the ambiguous YAML 1.1 forms before the plain YAML 1.2 ones.
    (
        _AMBIGUOUS_TAG,
        r"""^(?:[-+]?0[0-9_]+(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?
        |[-+]?0[xX][0-9a-fA-F_]+|[-+]?0[oO][0-7_]+|[-+]?0[bB][01_]+)$""",
        _DIGITS,
    ),
    ("tag:yaml.org,2002:int", r"^[-+]?[0-9]+$", _DIGITS),
    (
        "tag:yaml.org,2002:float",
        r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$",
        _DIGITS,
    ),
    (_NOT_FINITE_TAG, r"^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", list("-+.")),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", ["<"]),
):
    _Loader.add_implicit_resolver(_tag, re.compile(_pattern, re.X), _first)


class _RefusedScalar(Exception):
    """A plain scalar whose meaning is ambiguous or not a finite number."""

    def __init__(self, node: yaml.ScalarNode, message: str) -> None:
        self.line = node.start_mark.line + 1
        self.message = message


def _str_float(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


def _ambiguous(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    assert isinstance(node, yaml.ScalarNode)
    text = node.value
    readings = [f"YAML {version} 读作 {value}" for version, value in _readings(text) if value != text]
    said = f"，{'，'.join(readings)}" if readings else ""
    raise _RefusedScalar(
        node,
        f"“{short(text)}”是有歧义的数字写法（前导零或十六进制/八进制/二进制{said}）；"
        "请写成普通十进制数（如 2552、1200.5），或加引号写成文字",
    )


def _readings(text: str) -> list[tuple[str, str]]:
    """What YAML 1.1 and YAML 1.2 readers make of a number written with a prefix or a leading zero."""
    out = []
    try:
        old = yaml.safe_load(text) if len(text) <= 40 else None
    except yaml.YAMLError:
        old = None
    if isinstance(old, int | float) and not isinstance(old, bool):
        out.append(("1.1", str(old)))
    digits = text.replace("_", "").lstrip("+-")
    sign = -1 if text.startswith("-") else 1
    base = {"0x": 16, "0o": 8}.get(digits[:2].lower())
    try:
        if base is not None:
            out.append(("1.2", str(sign * int(digits[2:], base))))
        elif digits[:2].lower() != "0b" and "_" not in text:
            out.append(("1.2", format(sign * Decimal(digits), "f")))
    except (ValueError, ArithmeticError):
        pass
    return out


def _not_finite(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    assert isinstance(node, yaml.ScalarNode)
    raise _RefusedScalar(node, f"“{node.value}”不是有限的数（NaN/无穷大不能作为金额或数量）；请填写具体数字")


_Loader.add_constructor("tag:yaml.org,2002:float", _str_float)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _str_float)
_Loader.add_constructor(_AMBIGUOUS_TAG, _ambiguous)
_Loader.add_constructor(_NOT_FINITE_TAG, _not_finite)

MAX_NODES = 200_000
"""Values a data file may expand to, counting every alias use: a real file has a few thousand."""


def _parse_yaml(text: str, p: Path) -> tuple[Any, Locator]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _check_expansion(node, p)
        raw = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(
            f"{p}{where}: YAML 格式错误（{problem}）；常见原因：缩进不一致、冒号后缺空格、引号不成对"
        ) from None
    except _RefusedScalar as exc:
        raise InputError(f"{p}:{exc.line}: {exc.message}") from None
    except RecursionError:
        raise InputError(f"{p}: YAML 嵌套层数过多，无法读取；数据文件不需要这么深的结构") from None
    finally:
        loader.dispose()

    def locate(loc: tuple[str | int, ...]) -> str | None:
        line = _yaml_line(node, loc)
        return f"第 {line} 行" if line else None

    return raw, locate


def _check_expansion(root: yaml.Node, p: Path) -> None:
    """Refuse anchors and aliases that expand to more than MAX_NODES values, or refer to themselves.

    A few hundred bytes of nested aliases (a "billion laughs") expand to billions of values: counted on the node
    graph, where each shared node is visited once, this costs microseconds instead of minutes and gigabytes.
    """
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            line = node.start_mark.line + 1
            raise InputError(f"{p}:{line}: YAML 锚点引用了它自身（循环引用）；请展开写出，不要用 & 和 * 互相引用")
        active.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            for child in node.value:
                total += size(child)
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                total += size(k) + size(v)
        if total > MAX_NODES:
            raise InputError(
                f"{p}:{node.start_mark.line + 1}: 用锚点（&）和引用（*）展开后超过 {MAX_NODES} 项，"
                "不像是数据文件；请直接写出数据，不要层层引用"
            )
        active.discard(key)
        sizes[key] = total
        return total

    size(root)


def _yaml_line(node: yaml.Node | None, loc: tuple[str | int, ...]) -> int | None:
    """The 1-based line of the deepest YAML node on the path ``loc``."""
    best = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == part:
                    best = key.start_mark.line + 1
                    nxt = value
                    break
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            best = node.start_mark.line + 1
        else:
            break
        if node is None:
            break
    return best
