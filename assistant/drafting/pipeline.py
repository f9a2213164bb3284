"""The drafting pipeline: ``draft()`` — sections drafted concurrently by a model, or offline from templates.

With a model, each section goes through :class:`SectionWriter` (placeholders filled, figures grounded, repaired,
unsupported ones marked); a section whose model call fails falls back to its offline template. Without a model,
every section comes from its offline template. Either way the data's own inconsistencies are attached.
"""

from __future__ import annotations

import asyncio

from assistant.budget.facts import build_facts
from assistant.budget.models import ReportData
from assistant.budget.scoring import DEFAULT_RULES, ScoringRules
from assistant.drafting.model import SectionWriter
from assistant.drafting.offline import attach_data_issues, collect_findings, draft_offline, select_sections
from assistant.drafting.plan import plan_sections
from assistant.drafting.result import Draft, Progress, ProgressFn
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
) -> Draft:
    """Draft the report synchronously (see ``draft_report``)."""

    async def run() -> Draft:
        try:
            return await draft_report(
                data,
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
) -> Draft:
    """Draft every section (or ``sections``) with ``model``; offline templates when ``model`` is None."""
    sheet = build_facts(data, rules)
    if model is None:
        result = draft_offline(data, sheet, sections=sections, prompts=prompts, data_path=data_path)
        if progress:
            total = len(result.sections)
            for i, s in enumerate(result.sections, 1):
                progress(Progress(s.id, s.title, "done", s.text, i, total))
        return result
    prompts = prompts or default_prompts()
    specs = select_sections(plan_sections(data), sections)
    writer = SectionWriter(model, data, sheet, prompts, rules, repair_rounds, progress, len(specs))
    drafted = list(await asyncio.gather(*(writer.write(spec) for spec in specs)))
    drafted, orphans = attach_data_issues(drafted, sheet, rules)
    fell_back = [s.title for s in drafted if s.source == "fallback"]
    notes = [f"本稿由模型 {model.name} 起草，所有数字均由程序按数据填入并核对"]
    if fell_back:
        notes.append(f"以下章节模型起草失败，已改用离线模板：{'、'.join(fell_back)}")
    notes += writer.notes
    return Draft(
        model=model.name,
        data_path=data_path,
        department=data.department.name,
        year=data.year,
        sections=drafted,
        findings=collect_findings(drafted),
        notes=[*notes, *orphans],
    )
