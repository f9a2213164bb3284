"""Fact placeholders: how drafted text names a figure without typing it.

Syntax, in text written by a template or a model::

    {budget.basic}          the fact ``budget.basic`` as the report writes it (``2552.45万元``)
    {p2.executed|元}        accepted for compatibility; amounts are always written in the sheet's ``money_unit``
    {{  }}                  a literal brace

``fill`` replaces each placeholder with ``Fact.written(unit)`` and records the span it occupies in the filled text;
an id the FactSheet does not hold becomes a visible ``【待核实：id】`` and is reported, never silently dropped.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from assistant.budget.facts import FactSheet
from assistant.units import MONEY_UNITS

PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)(?:\|([^{}|\s]{1,8}))?\}")
UNKNOWN_MARK = "【待核实：{id}】"


class FilledFact(BaseModel):
    """Where a fact's figure sits in the filled text (``text[start:end]``)."""

    id: str
    start: int
    end: int
    matched: bool = False  # True when the figure was written literally and matched to the fact afterwards


class Filled(BaseModel):
    """Text with its placeholders replaced, the spans of the figures, and the ids that could not be filled."""

    text: str
    facts: list[FilledFact] = []
    unknown: list[str] = []
    bad_units: list[str] = []  # ``id|unit`` where the unit could not apply; the fact was written in its own unit

    def fact_at(self, start: int, end: int) -> FilledFact | None:
        """The fact span that covers ``start``–``end``, if any."""
        for f in self.facts:
            if f.start <= start and end <= f.end:
                return f
        return None

    @property
    def fact_ids(self) -> list[str]:
        """Ids of the facts in the text, in order of first appearance, without repeats."""
        return list(dict.fromkeys(f.id for f in self.facts))


def escape(text: str) -> str:
    """Protect literal braces in text that must not be read as placeholders (data text inside a template)."""
    return text.replace("{", "{{").replace("}", "}}")


def placeholder_ids(text: str) -> list[str]:
    """The fact ids named by placeholders in ``text``, in order of first appearance, without repeats."""
    out: dict[str, None] = {}
    for m in PLACEHOLDER.finditer(text):
        if m.group(1):
            out[m.group(1)] = None
    return list(out)


def fill(text: str, sheet: FactSheet) -> Filled:
    """Replace every placeholder in ``text`` with its fact as written, recording spans and unknown ids."""
    parts: list[str] = []
    facts: list[FilledFact] = []
    unknown: list[str] = []
    bad_units: list[str] = []
    pos = 0
    length = 0
    for m in PLACEHOLDER.finditer(text):
        before = text[pos : m.start()]
        parts.append(before)
        length += len(before)
        pos = m.end()
        token = m.group(0)
        if token in ("{{", "}}"):
            parts.append(token[0])
            length += 1
            continue
        fid, unit = m.group(1), m.group(2)
        fact = sheet.get(fid)
        if fact is None:
            mark = UNKNOWN_MARK.format(id=fid)
            parts.append(mark)
            length += len(mark)
            if fid not in unknown:
                unknown.append(fid)
            continue
        if unit and unit != fact.unit and not (fact.dimension == "money" and unit in MONEY_UNITS):
            bad_units.append(f"{fid}|{unit}")
            unit = None
        written = sheet.written(fact, unit)
        facts.append(FilledFact(id=fid, start=length, end=length + len(written)))
        parts.append(written)
        length += len(written)
    parts.append(text[pos:])
    return Filled(text="".join(parts), facts=facts, unknown=unknown, bad_units=bad_units)
