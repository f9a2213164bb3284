"""The review pipeline: one entry point, ``review()``, for the CLI, the page and the eval runner.

    result = review("report.docx")                              # the deterministic checks
    result = review("report.docx", data="data.xlsx", model=m)   # + checks against the data, + the model's critique

The deterministic checks always run; with a model, its critique of each chunk is merged in, and when the model
fails the review keeps the checks' findings with a note saying so — never an empty report.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.checks.registry import CheckConfig, Context, run_checks
from assistant.reviewing.coverage import measure_coverage
from assistant.reviewing.result import Review, describe
from assistant.text.document import Document, load_document

if TYPE_CHECKING:
    from assistant.budget.facts import FactSheet
    from assistant.llm.protocol import ChatModel
    from assistant.prompts import PromptSet

_TITLE = re.compile(r"((?:19|20)\d{2})\s*年度?[^。\n]{0,30}(?:绩效|自评|报告)")
HEAD_CHARS = 300


def data_mismatch(doc: Document, facts: FactSheet) -> str | None:
    """One line saying the data belongs to another department or year than the report, or None when they agree."""
    head = doc.text[:HEAD_CHARS]
    data = facts.data
    title = _TITLE.search(head)
    other_year = title is not None and int(title.group(1)) != data.year
    other_department = bool(head.strip()) and data.department.name not in head
    if not (other_year or other_department):
        return None
    line = next((x.strip() for x in head.splitlines() if x.strip()), "")[:60]
    return (
        f"数据文件是“{data.department.name}{data.year}年度”的，与报告（“{line}”）的部门或年度不符，"
        "未按数据核对数字和年份；请换用对应的数据文件"
    )


def review_document(
    doc: Document,
    *,
    facts: FactSheet | None = None,
    config: CheckConfig | None = None,
    previous: Document | None = None,
) -> Review:
    """Run the deterministic checks over a loaded document (against last year's report when given).

    Data that belongs to another department or year is not checked against (the review says so first). The review
    says what the checks covered.
    """
    notes = list(doc.notes)
    mismatch = data_mismatch(doc, facts) if facts is not None else None
    if mismatch:
        # Checked against another year's data, every year in the report would be flagged; say it once instead.
        notes.insert(0, mismatch)
        facts = None
    ctx = Context(doc=doc, facts=facts, config=config or CheckConfig(), previous=previous)
    findings = run_checks(doc, context=ctx)
    if previous is not None:
        notes.append(f"已与上年报告对照：{previous.path or '上年报告'}")
    return Review(document=describe(doc), text=doc.text, findings=findings, notes=notes, coverage=measure_coverage(ctx))


async def review_async(
    source: str | Path | Document,
    *,
    data: str | Path | None = None,
    config: CheckConfig | None = None,
    facts: FactSheet | None = None,
    model: ChatModel | None = None,
    concurrency: int | None = None,
    prompts: PromptSet | None = None,
    previous: str | Path | Document | None = None,
) -> Review:
    """The deterministic review, then (with a model) the model's critique merged into it.

    ``data`` is a data file to check the figures against; ``facts`` the same, already loaded; ``previous`` is
    last year's report of the same department, for the year-on-year rules.
    """
    doc, result = _checked(source, data=data, config=config, facts=facts, previous=previous)
    if model is None:
        return result
    # The critique (and its text splitter, jinja2 prompts) is loaded only when a model will read the report:
    # an offline review starts in a fraction of the time.
    from assistant.reviewing.critique import critique

    merged = await critique(doc, result.findings, model, concurrency=concurrency or model.concurrency, prompts=prompts)
    return result.model_copy(
        update={
            "findings": merged.findings,
            "notes": [*result.notes, *merged.notes],
            "model": model.name if merged.used else None,
        }
    )


def _checked(
    source: str | Path | Document,
    *,
    data: str | Path | None,
    config: CheckConfig | None,
    facts: FactSheet | None,
    previous: str | Path | Document | None,
) -> tuple[Document, Review]:
    """The document and its deterministic review (the part of ``review_async`` that needs no event loop)."""
    doc = source if isinstance(source, Document) else load_document(source)
    if facts is None and data:
        # The data's loaders (pydantic models, workbook reader) are loaded only when a data file is given.
        from assistant.budget.facts import build_facts
        from assistant.budget.loader import load_data

        facts = build_facts(load_data(data))
    last = previous if isinstance(previous, Document) or previous is None else load_document(previous)
    return doc, review_document(doc, facts=facts, config=config, previous=last)


def review(
    source: str | Path | Document,
    *,
    data: str | Path | None = None,
    config: CheckConfig | None = None,
    model: ChatModel | None = None,
    concurrency: int | None = None,
    previous: str | Path | Document | None = None,
) -> Review:
    """Review a report file (or a loaded document); synchronous, and closes the model's connections at the end."""
    if model is None:
        # Without a model nothing awaits: no event loop (and no asyncio import) for an offline review.
        return _checked(source, data=data, config=config, facts=None, previous=previous)[1]
    import asyncio

    async def run() -> Review:
        try:
            return await review_async(
                source, data=data, config=config, model=model, concurrency=concurrency, previous=previous
            )
        finally:
            await model.aclose()

    return asyncio.run(run())
