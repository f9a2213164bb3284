"""The offline path: every section drafted from the data alone with jinja2 templates, no model involved.

Templates under ``prompts/offline/<template>.md.j2`` write figures only as fact placeholders (``{budget.basic}``);
``fill`` turns them into figures exactly as the model path does, so both paths share one notion of a grounded
number. Where the data has nothing to say, templates write a visible ``【请补充：…】`` rather than invent content.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from assistant.budget.consistency import DataIssue, check_data
from assistant.budget.facts import FactSheet
from assistant.budget.models import Money, Project, ReportData
from assistant.budget.scoring import DEFAULT_RULES, ScoringRules, indicator_met
from assistant.checks.finding import Finding, sort_findings
from assistant.drafting.grounding import DEPARTMENT_RULE, fill_and_ground
from assistant.drafting.issues import place_issues
from assistant.drafting.money import in_money_unit
from assistant.drafting.placeholders import escape
from assistant.drafting.plan import SectionSpec, plan_sections
from assistant.drafting.proofread import proofread
from assistant.drafting.result import Draft, DraftSection, section_from
from assistant.drafting.tables import build_forms
from assistant.errors import InputError
from assistant.prompts import PromptSet, default_prompts

OFFLINE_NOTE = "未配置模型：本稿由离线模板根据数据生成"


def placeholder(fact_id: str, unit: str | None = None) -> str:
    """The placeholder text for ``fact_id`` (optionally in another money unit): ``{p2.executed|元}``."""
    return "{" + fact_id + (f"|{unit}" if unit else "") + "}"


def escaped(value: Any, money_unit: str | None = None) -> Any:
    """A copy of data with every string's braces escaped, so a stray "{x}" in a department's text stays text.

    With ``money_unit``, amounts in the department's text are also written in that unit (see ``money``).
    """
    if isinstance(value, str):
        return escape(in_money_unit(value, money_unit) if money_unit else value)
    if isinstance(value, list):
        return [escaped(v, money_unit) for v in value]
    if isinstance(value, BaseModel) and not isinstance(value, Money):
        fields = {name: escaped(getattr(value, name), money_unit) for name in type(value).model_fields}
        return type(value).model_construct(**fields)
    return value


# Every section of a draft (and every eval case over the same data) renders from the same escaped copy: made once
# per data object and money unit, not once per section. The data object is held, so its id is not reused meanwhile.
_ESCAPED: dict[tuple[int, str], tuple[ReportData, ReportData]] = {}
_ESCAPED_HELD = 16


def escaped_data(data: ReportData, money_unit: str) -> ReportData:
    """``escaped(data, money_unit)``, made once per data object and unit (data is never changed after loading)."""
    key = (id(data), money_unit)
    held = _ESCAPED.get(key)
    if held is None or held[0] is not data:
        held = (data, escaped(data, money_unit))
        _ESCAPED[key] = held
        while len(_ESCAPED) > _ESCAPED_HELD:
            _ESCAPED.pop(next(iter(_ESCAPED)))
    return held[1]


def _context(spec: SectionSpec, data: ReportData, sheet: FactSheet, rules: ScoringRules) -> dict[str, Any]:
    notes = {n.id: n.text for n in sheet.notes}
    data = escaped_data(data, sheet.money_unit)

    def has(fact_id: str) -> bool:
        return fact_id in sheet

    def all_met(project: Project, rate_id: str) -> bool:
        """True when the project has quantified indicators, all reached, and its execution rate is not low."""
        quantified = [ind for ind in project.indicators if ind.target is not None]
        return bool(quantified) and all(indicator_met(i) for i in quantified) and not (rate_id and is_low(rate_id))

    def is_low(fact_id: str) -> bool:
        fact = sheet.get(fact_id)
        return fact is not None and fact.value < rules.low_execution_rate

    def first(*ids: str) -> str:
        """The first of ``ids`` the sheet holds, or "" (templates test it before writing a placeholder)."""
        return next((i for i in ids if i in sheet), "")

    ctx: dict[str, Any] = {
        "data": data,
        "dept": data.department,
        "budget": data.budget,
        "projects": data.projects,
        "sa": data.self_assessment,
        "has": has,
        "ph": placeholder,
        "unit_of": lambda fid: sheet[fid].unit if fid in sheet else None,
        "first": first,
        "is_low": is_low,
        "met": indicator_met,
        "all_met": all_met,
        "note": lambda nid: notes.get(nid, ""),
        "section": spec,
    }
    if spec.project is not None:
        ctx["p"] = data.projects[spec.project - 1]
        ctx["n"] = spec.project
        ctx["pid"] = f"p{spec.project}"
    return ctx


def _paragraphs(raw: str) -> str:
    lines = (re.sub(r"[ \t\u3000]+", " ", line).strip() for line in raw.splitlines())
    return "\n".join(line for line in lines if line)


def render_raw(
    spec: SectionSpec,
    data: ReportData,
    sheet: FactSheet,
    prompts: PromptSet,
    *,
    rules: ScoringRules = DEFAULT_RULES,
) -> str:
    """A section's offline template rendered with its figures still as placeholders (the model's reference)."""
    return _paragraphs(prompts.render(f"offline/{spec.template}.md.j2", **_context(spec, data, sheet, rules)))


def render_section(
    spec: SectionSpec,
    data: ReportData,
    sheet: FactSheet,
    prompts: PromptSet,
    *,
    rules: ScoringRules = DEFAULT_RULES,
) -> DraftSection:
    """Draft one section from its offline template: render, fill the placeholders, ground the literal figures."""
    if not spec.has_body:
        return section_from(spec, "offline")
    filled, findings = fill_and_ground(
        render_raw(spec, data, sheet, prompts, rules=rules),
        sheet,
        prefer=spec.fact_prefixes,
        section=spec.title,
        origin="data",
    )
    findings = sort_findings([*findings, *proofread(filled.text, spec.title, data.year)])
    return section_from(spec, "offline", filled, findings)


def select_sections(specs: list[SectionSpec], wanted: list[str] | None) -> list[SectionSpec]:
    """The specs whose ids are in ``wanted`` (all when None); an unknown id is an InputError."""
    if wanted is None:
        return specs
    known = {s.id for s in specs}
    missing = [w for w in wanted if w not in known]
    if missing:
        raise InputError(f"没有这些章节：{'、'.join(missing)}；可选的章节编号为 {'、'.join(s.id for s in specs)}")
    keep = set(wanted)
    return [s for s in specs if s.id in keep]


def attach_data_issues(
    sections: list[DraftSection], sheet: FactSheet, rules: ScoringRules = DEFAULT_RULES
) -> tuple[list[DraftSection], list[str]]:
    """Add the data's internal inconsistencies as findings on the sections that state the figures."""
    placed, orphans = place_issues(data_issues(sheet, rules), sections)
    out = []
    for s in sections:
        extra = placed.get(s.id, [])
        out.append(s.model_copy(update={"findings": sort_findings([*s.findings, *extra])}))
    return out, orphans


_ISSUES: dict[tuple[int, int], tuple[FactSheet, ScoringRules, list[DataIssue]]] = {}


def data_issues(sheet: FactSheet, rules: ScoringRules = DEFAULT_RULES) -> list[DataIssue]:
    """``check_data(sheet, rules)``, once per sheet and rules (eval cases over one data file share its sheet)."""
    key = (id(sheet), id(rules))
    held = _ISSUES.get(key)
    if held is None or held[0] is not sheet or held[1] is not rules:
        held = (sheet, rules, check_data(sheet, rules))
        _ISSUES[key] = held
        while len(_ISSUES) > _ESCAPED_HELD:
            _ISSUES.pop(next(iter(_ISSUES)))
    return list(held[2])


def source_once(sections: list[DraftSection]) -> list[DraftSection]:
    """Keep one 来源：部门填报文字 note per figure in the whole draft (its first mention), not one per section."""
    seen: set[str] = set()
    out = []
    for s in sections:
        kept = []
        for f in s.findings:
            if f.rule == DEPARTMENT_RULE:
                if f.quote in seen:
                    continue
                seen.add(f.quote)
            kept.append(f)
        out.append(s.model_copy(update={"findings": kept}) if len(kept) != len(s.findings) else s)
    return out


def attach_forms(
    sections: list[DraftSection], data: ReportData, sheet: FactSheet, rules: ScoringRules = DEFAULT_RULES
) -> list[DraftSection]:
    """Give each table section its official form, built from the data."""
    # Only the forms of the sections drafted: a draft of one prose section builds none.
    forms = build_forms(data, sheet, rules, only={s.id for s in sections if s.kind == "table"})
    return [s.model_copy(update={"table": forms.get(s.id)}) if s.kind == "table" else s for s in sections]


def collect_findings(sections: list[DraftSection]) -> list[Finding]:
    """Every section's findings, in section order."""
    return [f for s in sections for f in s.findings]


def draft_offline(
    data: ReportData,
    sheet: FactSheet,
    *,
    sections: list[str] | None = None,
    prompts: PromptSet | None = None,
    data_path: str | None = None,
    rules: ScoringRules = DEFAULT_RULES,
) -> Draft:
    """Draft the whole report (or the ``sections`` asked for) from the data alone, with offline templates."""
    prompts = prompts or default_prompts()
    specs = select_sections(plan_sections(data), sections)
    drafted = [render_section(spec, data, sheet, prompts, rules=rules) for spec in specs]
    drafted = source_once(attach_forms(drafted, data, sheet, rules))
    drafted, orphans = attach_data_issues(drafted, sheet, rules)
    return Draft(
        model=None,
        data_path=data_path,
        department=data.department.name,
        year=data.year,
        sections=drafted,
        findings=collect_findings(drafted),
        notes=[offline_banner(drafted), *orphans],
        money_unit=sheet.money_unit,
    )


def offline_banner(sections: list[DraftSection]) -> str:
    """The offline note, with how many figures the department's text holds that the data cannot confirm."""
    department = sum(1 for s in sections for f in s.findings if f.rule == DEPARTMENT_RULE)
    missing = sum(s.table.missing for s in sections if s.table is not None)
    parts = [OFFLINE_NOTE]
    if department:
        parts.append(f"{department} 个数字来自部门填报文字，数据中无对应数值，未能核对")
    if missing:
        parts.append(f"附表中 {missing} 处【请补充】待填写")
    return "；".join(parts)
