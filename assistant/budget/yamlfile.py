"""YAML as the assistant reads it: YAML 1.2 core numbers, bounded alias expansion, errors with their line.

Used for data files and the review config alike: whatever a person writes in YAML is read the same careful way.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import InputError
from assistant.paths import os_reason
from assistant.validation import Locator, short


def read_yaml(path: str | Path) -> tuple[Any, Locator]:
    """A YAML file read with the data files' protections (YAML 1.2 numbers, bounded aliases), and a line locator."""
    p = Path(path)
    return parse_yaml(read_text(p), p)


def read_text(p: Path) -> str:
    """The text of a file a person wrote: UTF-8 (with or without BOM) or GB18030; InputError otherwise."""
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
"""Values a YAML file may expand to, counting every alias use: a real data file has a few thousand."""


def parse_yaml(text: str, p: Path) -> tuple[Any, Locator]:
    """The value of a YAML document and a locator from a field path to its line; InputError on any problem."""
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
        line = yaml_line(node, loc)
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


def yaml_line(node: yaml.Node | None, loc: tuple[str | int, ...]) -> int | None:
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
