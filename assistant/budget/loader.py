"""Load ReportData from .yaml/.yml/.json/.xlsx with errors that name the file, the field and the line or cell."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from assistant.budget.models import ReportData
from assistant.errors import DataValidationError, InputError

Locator = Callable[[tuple[str | int, ...]], str | None]

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
    if not p.exists():
        raise InputError(f"{p}: 文件不存在；请检查路径")
    if p.is_dir():
        raise InputError(f"{p}: 这是一个文件夹，不是数据文件")
    size = p.stat().st_size
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
        raise InputError(f"{path}: 顶层应是键值对（year、department、budget …），而不是{_kind(raw)}")
    unit = raw.get("money_unit", "万元")
    try:
        return ReportData.model_validate(raw, context={"money_unit": unit if isinstance(unit, str) else "万元"})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            where = field_path(loc)
            place = locate(loc) if locate else None
            problems.append((f"{place}（{where}）" if place else where, explain(err)))
        raise DataValidationError(path, problems) from None


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
        return f"未知字段（值为 {_short(value)}）；请检查拼写，或对照 `assistant init` 生成的模板"
    if kind == "missing":
        return "缺少必填项"
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"“{_short(value)}”不是允许的取值；应为 {expected}"
    if kind in ("decimal_parsing", "decimal_type", "float_parsing", "int_parsing", "int_from_float"):
        return f"“{_short(value)}” 不是数字"
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"“{_short(value)}” 超出允许范围（{err['msg']}）"
    if kind in ("string_type", "list_type", "dict_type", "model_type", "model_attributes_type"):
        want = {"string_type": "文字", "list_type": "列表", "dict_type": "键值对"}.get(kind, "键值对")
        return f"应为{want}，而不是{_kind(value)}"
    return str(err["msg"])


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _kind(value: Any) -> str:
    return {list: "列表", dict: "键值对", str: "文字", type(None): "空值"}.get(type(value), type(value).__name__)


def _read_text(p: Path) -> str:
    data = p.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(f"{p}: 无法识别文件编码；请另存为 UTF-8")


def _parse_json(text: str, p: Path) -> Any:
    try:
        return json.loads(text, parse_float=str)
    except json.JSONDecodeError as exc:
        raise InputError(f"{p}:{exc.lineno}:{exc.colno}: JSON 格式错误（{exc.msg}）；请修正该处后重试") from None


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps decimals as strings (exact money) and dates as text."""


def _str_float(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


_Loader.add_constructor("tag:yaml.org,2002:float", _str_float)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _str_float)


def _parse_yaml(text: str, p: Path) -> tuple[Any, Locator]:
    try:
        node = yaml.compose(text, Loader=_Loader)
        raw = yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(
            f"{p}{where}: YAML 格式错误（{problem}）；常见原因：缩进不一致、冒号后缺空格、引号不成对"
        ) from None

    def locate(loc: tuple[str | int, ...]) -> str | None:
        line = _yaml_line(node, loc)
        return f"第 {line} 行" if line else None

    return raw, locate


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
