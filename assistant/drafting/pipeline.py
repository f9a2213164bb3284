"""The drafting pipeline: ``draft()`` — sections drafted concurrently by a model, or offline from templates.

With a model, each section goes through :class:`SectionWriter` (placeholders filled, figures grounded, repaired,
unsupported ones marked); a section whose model call fails falls back to its offline template. Without a model,
every section comes from its offline template. Either way the data's own inconsistencies are attached.
"""

from __future__ import annotations

import asyncio

from assistant.budget.facts import FactSheet, build_facts
from assistant.budget.models import ReportData
from assistant.budget.scoring import DEFAULT_RULES, ScoringRules
from assistant.drafting.grounding import DEPARTMENT_RULE, UNVERIFIED_MARK
from assistant.drafting.model import SectionWriter
from assistant.drafting.offline import (
    attach_data_issues,
    attach_forms,
    collect_findings,
    draft_offline,
    select_sections,
    source_once,
)
from assistant.drafting.plan import plan_sections
from assistant.drafting.proofread import warm_up
from assistant.drafting.result import Draft, DraftSection, Progress, ProgressFn
from assistant.llm.protocol import ChatModel
from assistant.prompts import PromptSet, default_prompts


def draft(
    data: ReportData,
    *,
    model: ChatModel | None = None,
    sections: list[str] | None = None,
    prompts: PromptSet | None = None,
    data_path: str | None = None,
    progress: ProgressFn | None = None,
    repair_rounds: int = 2,
    max_unverified: int = 1,
    money_unit: str = "万元",
    rules: ScoringRules = DEFAULT_RULES,
) -> Draft:
    """Draft the report synchronously (see ``draft_report``)."""

    async def run() -> Draft:
        try:
            return await draft_report(
                data,
                max_unverified=max_unverified,
                money_unit=money_unit,
                rules=rules,
                model=model,
                sections=sections,
                prompts=prompts,
                data_path=data_path,
                progress=progress,
                repair_rounds=repair_rounds,
            )
        finally:
            # Connections belong to this event loop: close them before asyncio.run closes the loop.
            if model is not None:
                await model.aclose()

    return asyncio.run(run())


async def draft_report(
    data: ReportData,
    *,
    model: ChatModel | None,
    sections: list[str] | None = None,
    prompts: PromptSet | None = None,
    data_path: str | None = None,
    progress: ProgressFn | None = None,
    repair_rounds: int = 2,
    rules: ScoringRules = DEFAULT_RULES,
    max_unverified: int = 1,
    money_unit: str = "万元",
    sheet: FactSheet | None = None,
) -> Draft:
    """Draft every section (or ``sections``) with ``model``; offline templates when ``model`` is None.

    ``sheet``: the FactSheet of ``data`` under these ``rules`` and ``money_unit``, when the caller already built it.
    """
    sheet = sheet if sheet is not None else build_facts(data, rules, money_unit)
    if model is None:
        result = draft_offline(data, sheet, sections=sections, prompts=prompts, data_path=data_path, rules=rules)
        if progress:
            total = len(result.sections)
            for i, s in enumerate(result.sections, 1):
                progress(Progress(s.id, s.title, "done", s.text, i, total))
        return result
    prompts = prompts or default_prompts()
    specs = select_sections(plan_sections(data), sections)
    writer = SectionWriter(
        model, data, sheet, prompts, rules, repair_rounds, progress, len(specs), max_unverified=max_unverified
    )
    writing = asyncio.gather(*(writer.write(spec) for spec in specs))
    # Started after the sections' tasks, so their requests go out first: while the model answers, a thread loads
    # and compiles the rules the answers are proofread with (in a fresh process, otherwise paid after the answers).
    warming = asyncio.ensure_future(asyncio.to_thread(warm_up))
    try:
        drafted = list(await writing)
    finally:
        await warming
    by_id = {s.id: s for s in specs}
    for k in repeated_sections(drafted):
        why = "模型为多个章节写了几乎相同的文字，没有针对本节作答"
        writer.notes.append(f"章节“{drafted[k].title}”：{why}")
        drafted[k] = writer.fall_back(by_id[drafted[k].id], why)
    drafted = source_once(attach_forms(drafted, data, sheet, rules))
    drafted, orphans = attach_data_issues(drafted, sheet, rules)
    notes = [model_banner(model.name, drafted)]
    fell_back = [s.title for s in drafted if s.source == "fallback"]
    if fell_back:
        notes.append(f"以下章节改用离线模板（原因见各节的提示）：{'、'.join(fell_back)}")
    notes += [n for spec in specs for n in writer.section_notes.get(spec.id, [])] + writer.notes
    return Draft(
        model=model.name,
        data_path=data_path,
        department=data.department.name,
        year=data.year,
        sections=drafted,
        findings=collect_findings(drafted),
        notes=[*notes, *orphans],
        money_unit=sheet.money_unit,
    )


def _bigrams(text: str) -> set[str]:
    chars = [c for c in text if c.isalnum()]
    return {a + b for a, b in zip(chars, chars[1:], strict=False)}


def repeated_sections(sections: list[DraftSection], threshold: float = 0.6) -> list[int]:
    """Indexes of model-written sections whose text is nearly the same as another model-written section's."""
    model = [(i, _bigrams(s.text)) for i, s in enumerate(sections) if s.source == "model" and s.text.strip()]
    out: set[int] = set()
    for a, (i, x) in enumerate(model):
        for j, y in model[a + 1 :]:
            if x and y and len(x & y) / len(x | y) >= threshold:
                out.update((i, j))
    return sorted(out)


def model_banner(name: str, sections: list[DraftSection]) -> str:
    """One line on what the model wrote and what the code verified, claiming no more than was checked."""
    written = [s for s in sections if s.has_text and s.source == "model"]
    fell = [s for s in sections if s.has_text and s.source == "fallback"]
    checked = sum(len(s.spans) for s in sections)
    unverified = sum(s.text.count(UNVERIFIED_MARK) for s in sections)
    department = sum(1 for s in sections for f in s.findings if f.rule == DEPARTMENT_RULE)
    parts = [f"本稿由模型 {name} 起草：{len(written)} 节由模型写成，{len(fell)} 节改用离线模板"]
    parts.append(f"{checked} 处数字由程序按数据填入或核对一致")
    if unverified:
        parts.append(f"{unverified} 处数字标为【待核实】，未能核对")
    if department:
        parts.append(f"{department} 个数字来自部门填报文字，数据中无对应数值，未能核对")
    return "；".join(parts)
