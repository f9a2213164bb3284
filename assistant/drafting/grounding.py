"""Grounding: every figure in drafted text is either a fact or visibly flagged.

After ``fill``, text may still hold figures typed literally — copied from the department's own narrative in the
data, or typed by a model. Each is matched against the FactSheet (unit-aware, at the precision written): a match
becomes a fact span like a filled placeholder; anything else becomes an ``ungrounded_number`` finding. Years,
dates, list ordinals and document numbers (〔2020〕10号) are not figures and are left alone.
"""

from __future__ import annotations

import re
from decimal import Decimal

from assistant.budget.facts import FactSheet
from assistant.checks.finding import Finding, Severity
from assistant.drafting.placeholders import Filled, FilledFact, fill
from assistant.units import COUNT_UNITS, MONEY_UNITS, TIME_UNITS

_NUMBER = re.compile(r"(?<![\d.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\d.])\d+(?:\.\d+)?")
_BASE_UNITS = (*MONEY_UNITS, "%", "％", "个百分点", "分", *COUNT_UNITS, *TIME_UNITS)
# Spans that hold digits but are not figures: years, dates, ordinals, document numbers, unresolved-id marks.
_NOT_FIGURES = re.compile(
    r"(?<!\d)(?:19|20)\d{2}(?=\s*(?:年|—|–|-|至|〕|\]|］))"  # a year
    r"|[〔\[［(（](?:19|20)\d{2}[〕\]］)）]\s*\d+\s*号"  # 文号 such as 财预〔2020〕10号
    r"|(?<![\d.])\d{1,2}(?=\s*(?:月|日))"  # a month or a day
    r"|第\s*\d+"  # an ordinal 第3批
    r"|(?:^|(?<=[\n。；;：:，,\s）)]))[（(]?\d{1,2}(?:[.．、](?!\d)|[）)])"  # a list number: 1. 1、 (1) （1）
    r"|【待核实：[^】]*】"
)


def _units(sheet: FactSheet) -> list[str]:
    units = {f.unit for f in sheet if f.unit} | set(_BASE_UNITS)
    return sorted(units, key=len, reverse=True)


def ground(
    filled: Filled,
    sheet: FactSheet,
    *,
    prefer: list[str] | None = None,
    section: str | None = None,
    severity: Severity = "warning",
    origin: str = "文字中",
) -> tuple[Filled, list[Finding]]:
    """Match the literal figures of ``filled`` to facts; return the text with their spans added, and findings for the rest."""
    text = filled.text
    covered = [(f.start, f.end) for f in filled.facts]
    covered += [(m.start(), m.end()) for m in _NOT_FIGURES.finditer(text)]
    units = _units(sheet)
    added: list[FilledFact] = []
    findings: list[Finding] = []
    for m in _NUMBER.finditer(text):
        start, end = m.start(), m.end()
        if any(a <= start and end <= b for a, b in covered):
            continue
        unit = next((u for u in units if text.startswith(u, end)), None)
        raw = m.group(0).replace(",", "")
        decimals = len(raw.split(".")[1]) if "." in raw else 0
        stop = end + len(unit) if unit else end
        match = None
        if unit:
            candidates = sheet.match(Decimal(raw), "%" if unit == "％" else unit, decimals)
            preferred = [f for f in candidates if prefer and f.id.startswith(tuple(prefer))]
            found = preferred or candidates
            match = found[0] if found else None
        if match is not None:
            added.append(FilledFact(id=match.id, start=start, end=stop, matched=True))
            continue
        quote = text[start:stop]
        findings.append(
            Finding(
                rule="draft-ungrounded-number",
                category="ungrounded_number",
                severity=severity,
                message=f"{origin}的数字“{quote}”在数据中没有对应的数值，无法核对",
                suggestion="请核实该数字；如属实，请把它录入数据文件的相应字段，或改写为不含数字的表述",
                quote=quote,
                start=start,
                end=stop,
                section=section,
            )
        )
    if not added:
        return filled, findings
    facts = sorted([*filled.facts, *added], key=lambda f: f.start)
    return filled.model_copy(update={"facts": facts}), findings


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
    severity: Severity,
    origin: str,
) -> tuple[Filled, list[Finding]]:
    """Fill a section's placeholders and ground its literal figures: the one check both drafting paths share."""
    filled, grounding = ground(
        fill(text, sheet), sheet, prefer=prefer, section=section, severity=severity, origin=origin
    )
    findings = [
        *unknown_findings(filled, section=section),
        *prompt_findings(filled.text, section=section),
        *grounding,
    ]
    return filled, findings
