"""``assistant rules [ID]``: every review rule, or one explained with its example and how to silence it."""

from __future__ import annotations

import argparse
import difflib
from typing import TYPE_CHECKING

from assistant.cli.main import _EXTENSIONS, command
from assistant.errors import InputError

if TYPE_CHECKING:
    from assistant.checks.registry import Rule

_NO_EXAMPLE = "（尚未提供）"


def _add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rules", help="列出全部审阅规则，或说明一条规则（示例、反例、如何关闭）")
    p.add_argument("id", nargs="?", help="规则编号（如 arithmetic.parts-total）或规则族（如 tables）；不给则列出全部")


_EXTENSIONS.append(_add)


@command("rules")
def _rules(args: argparse.Namespace) -> int:
    from assistant.checks.registry import all_rules

    rules = {r.id: r for r in all_rules()}
    if not args.id:
        print(rules_table(list(rules.values())))
        print(f"\n共 {len(rules)} 条规则。运行 assistant rules <编号> 查看一条规则的示例、反例和关闭方法。")
        return 0
    wanted = args.id.strip()
    if wanted in rules:
        print(explain(rules[wanted]))
        return 0
    family = [r for r in rules.values() if r.id.startswith(wanted.rstrip(".") + ".")]
    if family:
        print(rules_table(family))
        return 0
    raise InputError(_unknown(wanted, list(rules)))


def rules_table(rules: list[Rule]) -> str:
    """One line per rule: id, category, default severity, summary — columns aligned for CJK text."""
    from assistant.checks.finding import CATEGORY_NAMES, SEVERITY_NAMES
    from assistant.text.lines import display_width

    rows = [("编号", "类别", "默认级别", "说明")]
    rows += [
        (r.id, CATEGORY_NAMES.get(r.category, r.category), SEVERITY_NAMES[r.severity], r.description) for r in rules
    ]
    widths = [max(display_width(row[i]) for row in rows) for i in range(3)]

    def line(row: tuple[str, str, str, str]) -> str:
        cells = [cell + " " * (widths[i] - display_width(cell)) for i, cell in enumerate(row[:3])]
        return "  ".join([*cells, row[3]]).rstrip()

    return "\n".join(line(row) for row in rows)


def explain(r: Rule) -> str:
    """A rule explained: summary, category and severity, example, counter-example, and how to silence it."""
    from assistant.checks.finding import CATEGORY_NAMES, SEVERITY_NAMES

    example = r.example.strip() or _NO_EXAMPLE
    counter = r.counter_example.strip() or _NO_EXAMPLE
    return "\n".join(
        [
            f"{r.id}",
            f"  {r.description}",
            f"  类别：{CATEGORY_NAMES.get(r.category, r.category)}　默认级别：{SEVERITY_NAMES[r.severity]}",
            "",
            "会被标出的写法（示例）：",
            *_indent(example),
            "",
            "不会被标出的写法（反例）：",
            *_indent(counter),
            "",
            "如何关闭：",
            "  在审阅配置文件（assistant review --config 配置.yaml）中停用：",
            "    disable:",
            f"      - {r.id}",
            "  或改变它的级别（error / warning / info）：",
            "    severity:",
            f"      {r.id}: info",
            "  只在某一处忽略：在该段落中写入下面任一标记，对所在段落和下一段生效：",
            f"    <!-- assistant-ignore: {r.id} -->",
            f"    【审阅忽略：{r.id}】",
        ]
    )


def _indent(text: str) -> list[str]:
    return [f"  {line}" for line in text.splitlines()]


def _unknown(wanted: str, ids: list[str]) -> str:
    """The error for an id no rule has, naming the nearest ids."""
    near = difflib.get_close_matches(wanted, ids, n=5, cutoff=0.5)
    # A fragment of an id ("parts-total", "grade") is a near match too.
    near += [i for i in ids if wanted.lower() in i.lower() and i not in near]
    message = f"没有编号为“{wanted}”的规则"
    if near:
        return message + "。相近的规则：" + "、".join(near[:5]) + "；运行 assistant rules 查看全部规则"
    return message + "；运行 assistant rules 查看全部规则"
