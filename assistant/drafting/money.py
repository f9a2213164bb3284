"""One money unit throughout a draft: amounts in the department's own text rewritten in the draft's unit, exactly.

``年初预算91190000元`` beside ``348.47万元`` reads like two documents; a drafter converts by hand. Here an amount
written with Arabic digits in a smaller money unit is converted exactly (Decimal) when the result is at least 1 and
needs at most ``MAX_DECIMALS`` places. Prices and per-head amounts (每亩105元, 1500元/亩, 不超过1500元) keep their
own unit, since 0.15万元 is not how anyone writes a price; larger units (3.5亿元) are left as the department wrote them.
"""

from __future__ import annotations

import re

from assistant.text.numbers import find_numbers
from assistant.units import MONEY_UNITS, convert_money, format_number

MAX_DECIMALS = 2
_CORE = re.compile(r"(\d[\d,]*(?:\.\d+)?)(元|千元|万元|百万元|千万元|亿元)$")
_PER_BEFORE = ("每", "均", "/", "／")
_PER_AFTER = ("/", "／", "每")


def in_money_unit(text: str, unit: str) -> str:
    """``text`` with its money amounts in ``unit`` where the conversion is exact and short."""
    if "元" not in text:
        return text  # every money unit ends in 元: nothing to convert (most of a department's text)
    out: list[str] = []
    pos = 0
    for n in find_numbers(text):
        if n.kind != "money" or n.unit not in MONEY_UNITS or MONEY_UNITS[n.unit] >= MONEY_UNITS[unit]:
            continue
        core = _CORE.search(text, n.start, n.end)
        if core is None or core.end() != n.end:
            continue
        before = text[max(0, core.start() - 2) : core.start()]
        if any(w in before for w in _PER_BEFORE) or text.startswith(_PER_AFTER, n.end):
            continue
        value = convert_money(n.value, n.unit, unit)
        written = format_number(value)
        if value < 1 or ("." in written and len(written.split(".")[1]) > MAX_DECIMALS):
            continue
        out.append(text[pos : core.start()])
        out.append(f"{written}{unit}")
        pos = core.end()
    out.append(text[pos:])
    return "".join(out)
