"""Grounding: every figure in drafted text is either a fact or visibly flagged.

After ``fill``, text may still hold figures typed literally — copied from the department's own narrative in the
data, or typed by a model. Each is matched against the FactSheet (unit-aware, at the precision written): a match
becomes a fact span like a filled placeholder; anything else becomes an ``ungrounded_number`` finding. Years,
dates, list ordinals and document numbers (〔2020〕10号) are not figures and are left alone.
"""

from __future__ import annotations

import re
from typing import Literal

from assistant.budget.facts import FactSheet
from assistant.checks.finding import Finding, Severity
from assistant.drafting.placeholders import Filled, FilledFact, fill
from assistant.text.numbers import NumberMention, find_numbers

# Marks the drafting code writes itself; the figures inside them are ids or already flagged, not statements.
_MARKS = re.compile(r"【(?:待核实|请补充)[^】]*】")
DEPARTMENT_SOURCE = "来源：部门填报文字"
DEPARTMENT_RULE = "draft-department-figure"
UNVERIFIED_MARK = "【待核实"
Origin = Literal["model", "data"]


def figures(text: str) -> list[NumberMention]:
    """The figures of drafted text that must be grounded: every mention but years, dates and our own marks."""
    marks = [(m.start(), m.end()) for m in _MARKS.finditer(text)]
    return [
        n
        for n in find_numbers(text)
        if n.kind not in ("year", "date") and not any(a <= n.start and n.end <= b for a, b in marks)
    ]


def ground(
    filled: Filled,
    sheet: FactSheet,
    *,
    prefer: list[str] | None = None,
    section: str | None = None,
    origin: Origin = "data",
) -> tuple[Filled, list[Finding]]:
    """Match the literal figures of ``filled`` to facts; return the text with their spans added, and findings for the rest.

    A figure the FactSheet states (any unit, at the precision written, 约/近/超过 as written) becomes a fact span.
    Otherwise: in text copied from the data, a figure the department wrote is sourced to its text (one info
    finding); in a model's answer, a figure the department's text states is sourced the same way, and any other
    figure is an error — the model invented it.
    """
    text = filled.text
    covered = [(f.start, f.end) for f in filled.facts]
    added: list[FilledFact] = []
    findings: list[Finding] = []
    sourced: set[str] = set()
    for n in figures(text):
        if any(a <= n.start < b or a < n.end <= b for a, b in covered):
            continue
        candidates = sheet.supporting(n, text)
        preferred = [f for f in candidates if prefer and f.id.startswith(tuple(prefer))]
        found = preferred or candidates
        if found:
            added.append(FilledFact(id=found[0].id, start=n.start, end=n.end, matched=True))
            continue
        if origin == "data" or sheet.in_department_text(n):
            if n.raw in sourced:
                continue
            sourced.add(n.raw)
            findings.append(_finding(DEPARTMENT_RULE, "info", n, section, _DEPARTMENT_MESSAGE, "定稿前核对原始台账"))
            continue
        findings.append(
            _finding(
                "draft-ungrounded-number",
                "error",
                n,
                section,
                f"模型写出的数字“{n.raw}”在数据中没有对应的数值，无法核对",
                "请核实该数字；如属实，请把它录入数据文件的相应字段，或改写为不含数字的表述",
            )
        )
    if not added:
        return filled, findings
    facts = sorted([*filled.facts, *added], key=lambda f: f.start)
    return filled.model_copy(update={"facts": facts}), findings


_DEPARTMENT_MESSAGE = f"“{{raw}}”{DEPARTMENT_SOURCE}，数据的数值字段中没有它，程序未能核对，请起草人确认"


def _finding(rule: str, severity: Severity, n: NumberMention, section: str | None, message: str, tip: str) -> Finding:
    return Finding(
        rule=rule,
        category="ungrounded_number",
        severity=severity,
        message=message.replace("{raw}", n.raw),
        suggestion=tip,
        quote=n.raw,
        start=n.start,
        end=n.end,
        section=section,
    )


PROMPT_MARK = re.compile(r"【请补充：[^】]*】")


def prompt_findings(text: str, *, section: str | None = None) -> list[Finding]:
    """A finding for every ``【请补充：…】`` left for the drafter, so no gap goes unnoticed."""
    return [
        Finding(
            rule="draft-needs-input",
            category="placeholder",
            severity="warning",
            message="此处需要起草人补充内容（数据文件未提供）",
            suggestion="按提示补写，或在数据文件中补充相应字段后重新生成",
            quote=m.group(0),
            start=m.start(),
            end=m.end(),
            section=section,
        )
        for m in PROMPT_MARK.finditer(text)
    ]


def unknown_findings(filled: Filled, *, section: str | None = None) -> list[Finding]:
    """A finding for every ``【待核实：id】`` that ``fill`` left where a fact id was not in the FactSheet."""
    out = []
    for fid in filled.unknown:
        mark = f"【待核实：{fid}】"
        for m in re.finditer(re.escape(mark), filled.text):
            out.append(
                Finding(
                    rule="draft-unknown-fact",
                    category="placeholder",
                    severity="error",
                    message=f"引用了数据中不存在的数值“{fid}”",
                    suggestion="请在数据文件中补充该数值，或删除这句话",
                    quote=mark,
                    start=m.start(),
                    end=m.end(),
                    section=section,
                )
            )
    return out


def fill_and_ground(
    text: str,
    sheet: FactSheet,
    *,
    prefer: list[str],
    section: str,
    origin: Origin,
) -> tuple[Filled, list[Finding]]:
    """Fill a section's placeholders and ground its literal figures: the one check both drafting paths share."""
    filled, grounding = ground(fill(text, sheet), sheet, prefer=prefer, section=section, origin=origin)
    findings = [
        *unknown_findings(filled, section=section),
        *prompt_findings(filled.text, section=section),
        *grounding,
    ]
    return filled, findings
