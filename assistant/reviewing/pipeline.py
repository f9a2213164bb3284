"""The review pipeline: one entry point, ``review()``, for the CLI, the page and the eval runner.

    result = review("report.docx")                              # the deterministic checks
    result = review("report.docx", data="data.xlsx", model=m)   # + checks against the data, + the model's critique

The deterministic checks always run; with a model, its critique of each chunk is merged in, and when the model
fails the review keeps the checks' findings with a note saying so — never an empty report.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.budget.facts import FactSheet, build_facts
from assistant.budget.loader import load_data
from assistant.checks.registry import CheckConfig, Context, run_checks
from assistant.reviewing.coverage import measure_coverage
from assistant.reviewing.result import Review, describe
from assistant.text.document import Document, load_document

if TYPE_CHECKING:
    from assistant.llm.protocol import ChatModel
    from assistant.prompts import PromptSet


def review_document(
    doc: Document,
    *,
    facts: FactSheet | None = None,
    config: CheckConfig | None = None,
    previous: Document | None = None,
) -> Review:
    """Run the deterministic checks over a loaded document (against last year's report when given).

    The review says what the checks covered.
    """
    ctx = Context(doc=doc, facts=facts, config=config or CheckConfig(), previous=previous)
    findings = run_checks(doc, context=ctx)
    notes = list(doc.notes)
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
    doc = source if isinstance(source, Document) else load_document(source)
    if facts is None and data:
        facts = build_facts(load_data(data))
    last = previous if isinstance(previous, Document) or previous is None else load_document(previous)
    result = review_document(doc, facts=facts, config=config, previous=last)
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

    async def run() -> Review:
        try:
            return await review_async(
                source, data=data, config=config, model=model, concurrency=concurrency, previous=previous
            )
        finally:
            if model is not None:
                await model.aclose()

    return asyncio.run(run())
