"""Run eval cases: generate outputs (the draft or review pipeline), then grade them — two separate steps.

``evaluate`` does both per job (case × repeat) under a semaphore of ``concurrency`` jobs, so N cases take
about N/K model latencies; ``grade_saved`` grades outputs saved by an earlier run without generating.
Which model a job uses: the real one when given; otherwise the case's scripted outputs when it has any
(a prompt without a recorded answer makes the case ``stale``); otherwise none — drafts take the offline
path and reviews the deterministic checks.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

import assistant.drafting.pipeline as draft_pipeline
from assistant.checks.registry import CheckConfig
from assistant.drafting.result import Draft
from assistant.errors import InputError, StaleScript
from assistant.evaluation import assertions
from assistant.evaluation.cases import Assertion, Case, ScriptEntry, write_scripts
from assistant.evaluation.outputs import (
    AssertionResult,
    CaseResult,
    CaseStatus,
    Output,
    RunResult,
    RunStatus,
    SectionOutput,
)
from assistant.evaluation.scripted import MeteredModel, ScriptedModel
from assistant.llm.protocol import DEFAULT_CONCURRENCY, ChatModel
from assistant.prompts import PromptSet, prompt_set
from assistant.reviewing import Review, review_async
from assistant.text.document import document_from_text, load_document

ProgressFn = Callable[[CaseResult, int, int], None]


class RubricVerdict(BaseModel):
    """What the grading model answers for a rubric."""

    model_config = ConfigDict(populate_by_name=True)

    passed: bool = Field(alias="pass")
    score: float = Field(ge=0, le=1)
    reason: str


@dataclass
class Settings:
    """How to run: the model (None: scripted/offline), prompts, repeats, concurrency, recording."""

    model: ChatModel | None = None
    prompts_dir: Path | None = None
    repeat: int = 1
    concurrency: int = DEFAULT_CONCURRENCY
    record: bool = False
    progress: ProgressFn | None = None
    recorded: dict[str, list[ScriptEntry]] = field(default_factory=dict)

    @property
    def prompts(self) -> PromptSet:
        """The prompts in use (the shipped ones unless a folder was given)."""
        return prompt_set(self.prompts_dir)


# -- generation ---------------------------------------------------------------------------------


async def run_draft(case: Case, model: ChatModel | None, prompts: PromptSet) -> Draft:
    """Draft the case's data: the model path when a model is given, the offline templates otherwise."""
    data = case.report_data
    assert data is not None
    # Looked up at call time, so a patched pipeline is what runs.
    return await draft_pipeline.draft_report(
        data, model=model, sections=case.sections, prompts=prompts, sheet=case.facts
    )


async def run_review(case: Case, model: ChatModel | None, prompts: PromptSet) -> Review:
    """Review the case's report with the one review pipeline (checks, plus the critique when a model is given)."""
    doc = load_document(case.resolve(case.report)) if case.report else document_from_text(case.text or "")
    return await review_async(doc, facts=case.facts, config=CheckConfig(year=case.year), model=model, prompts=prompts)


def model_for(case: Case, settings: Settings, gate: asyncio.Semaphore | None = None) -> ChatModel | MeteredModel | None:
    """The model one job of ``case`` talks to (through the run's ``gate`` on calls in flight, when given)."""
    if settings.model is not None:
        return MeteredModel(settings.model, record=settings.record, gate=gate)
    if case.scripted:
        return ScriptedModel(case.scripted)
    return None


async def generate(case: Case, repeat: int, model: ChatModel | None, prompts: PromptSet) -> Output:
    """One generation of ``case``; a stale script or a crash becomes the output's status, never an exception."""
    out = Output(case=case.id, kind=case.kind, repeat=repeat, model=model.name if model else None)
    began = time.perf_counter()
    try:
        if case.kind == "draft":
            result = await run_draft(case, model, prompts)
            out.sections = [
                SectionOutput(id=s.id, title=s.title, text=s.text, source=s.source) for s in result.sections
            ]
            out.findings, out.notes = list(result.findings), list(result.notes)
        else:
            review = await run_review(case, model, prompts)
            out.document, out.findings, out.notes = review.text, list(review.findings), list(review.notes)
    except StaleScript as exc:
        out.status, out.error, out.stale_template = "stale", str(exc), exc.template
    except InputError as exc:
        out.status, out.error = "error", str(exc)
    except Exception as exc:  # a harness reports a crashing case and goes on with the others
        out.status, out.error = "error", f"{type(exc).__name__}: {exc}"
    out.latency_ms = int((time.perf_counter() - began) * 1000)
    if isinstance(model, MeteredModel):
        out.calls, out.cached_calls = model.calls, model.cached
        out.tokens_in, out.tokens_out = model.tokens_in, model.tokens_out
    return out


# -- grading ------------------------------------------------------------------------------------


async def grade(case: Case, output: Output, *, model: ChatModel | None, prompts: PromptSet) -> RunResult:
    """Grade one output against every assertion of its case."""
    if output.status != "ok":
        return RunResult(repeat=output.repeat, status=output.status, assertions=[], output=output)
    results = [await _grade_one(a, case, output, model, prompts) for a in case.asserts]
    status: RunStatus
    if any(r.stale for r in results):
        status = "stale"
    elif any(not r.passed and not r.skipped for r in results):
        status = "fail"
    elif any(r.skipped for r in results):
        status = "skipped"  # nothing failed, but something went ungraded: not a pass
    else:
        status = "pass"
    return RunResult(repeat=output.repeat, status=status, assertions=results, output=output)


async def _grade_one(
    a: Assertion, case: Case, output: Output, model: ChatModel | None, prompts: PromptSet
) -> AssertionResult:
    subject = assertions.Subject(case=case, output=output, text=output.text(a.sections))
    base = {"label": a.label, "description": a.description}
    try:
        if a.type == "rubric":
            return await _rubric(a, subject, model, prompts, base)
        v = assertions.evaluate(a, subject)
    except StaleScript as exc:
        return AssertionResult(**base, passed=False, score=0.0, reason=str(exc), stale=True)
    except InputError:
        raise
    except Exception as exc:  # a broken grader fails its assertion, loudly, instead of ending the run
        return AssertionResult(**base, passed=False, score=0.0, reason=f"断言执行出错：{type(exc).__name__}: {exc}")
    return AssertionResult(**base, passed=v.passed, score=v.score, reason=v.reason)


async def _rubric(
    a: Assertion, subject: assertions.Subject, model: ChatModel | None, prompts: PromptSet, base: dict[str, str]
) -> AssertionResult:
    if model is None:
        return AssertionResult(
            **base, passed=False, score=0.0, reason="没有配置模型（也没有录制的输出），跳过评分标准", skipped=True
        )
    messages = assertions.rubric_messages(prompts, a, subject)
    digest = prompts.digest([assertions.RUBRIC_TEMPLATE])
    got = await model.structured(messages, RubricVerdict, template="eval/rubric", template_hash=digest)
    verdict = got.value
    threshold = a.threshold if a.threshold is not None else 0.0
    v = assertions.Verdict(verdict.passed and verdict.score >= threshold, verdict.score, f"评分：{verdict.reason}")
    if a.negate:
        v = assertions.negate(v)
    return AssertionResult(**base, passed=v.passed, score=v.score, reason=v.reason)


def case_result(case: Case, runs: list[RunResult]) -> CaseResult:
    """Fold the repeats of one case into its result and pass rate."""
    runs = sorted(runs, key=lambda r: r.repeat)
    passed = sum(r.status == "pass" for r in runs)
    rate = passed / len(runs) if runs else 0.0
    stale = sorted({r.output.stale_template for r in runs if r.output.stale_template} | _stale_rubrics(runs))
    status: CaseStatus
    if stale or any(r.status == "stale" for r in runs):
        status = "stale"
    elif runs and all(r.status == "error" for r in runs):
        status = "error"
    elif runs and passed == len(runs):
        status = "pass"
    elif runs and all(r.status in ("pass", "skipped") for r in runs):
        status = "skipped"
    else:
        status = "fail"
    n = max(len(runs), 1)
    return CaseResult(
        id=case.id,
        kind=case.kind,
        path=str(case.path),
        description=case.description,
        status=status,
        pass_rate=rate,
        runs=runs,
        stale_templates=stale,
        known_failure=case.known_failure,
        script=case.script_source,
        latency_ms=sum(r.output.latency_ms for r in runs) // n,
        tokens_in=sum(r.output.tokens_in for r in runs),
        tokens_out=sum(r.output.tokens_out for r in runs),
    )


def _stale_rubrics(runs: list[RunResult]) -> set[str]:
    return {"eval/rubric" for r in runs for a in r.assertions if a.stale}


# -- whole runs ---------------------------------------------------------------------------------


async def evaluate(cases: list[Case], settings: Settings) -> tuple[list[CaseResult], list[Output]]:
    """Generate and grade every case ``repeat`` times, at most ``concurrency`` model calls (or jobs) at a time."""
    gate = _call_gate(settings)

    async def job(case: Case, repeat: int) -> RunResult:
        model = model_for(case, settings, gate)
        output = await generate(case, repeat, model, settings.prompts)
        result = await grade(case, output, model=model, prompts=settings.prompts)
        if isinstance(model, MeteredModel) and model.recorded:
            settings.recorded.setdefault(case.id, []).extend(model.recorded)
        return result

    results = await _run_jobs(cases, settings, job)
    if settings.record:
        for case in cases:
            entries = {e.prompt_hash: e for e in settings.recorded.get(case.id, [])}
            if entries and settings.model is not None:
                write_scripts(case, list(entries.values()), model=settings.model.name)
    return results, [run.output for r in results for run in r.runs]


async def grade_saved(cases: list[Case], outputs: list[Output], settings: Settings) -> list[CaseResult]:
    """Grade outputs saved by an earlier run (no generation); a case without saved outputs is an error."""
    saved: dict[str, list[Output]] = {}
    for o in outputs:
        saved.setdefault(o.case, []).append(o)
    repeats = {c.id: max(len(saved.get(c.id, [])), 1) for c in cases}
    gate = _call_gate(settings)

    async def job(case: Case, repeat: int) -> RunResult:
        mine = sorted(saved.get(case.id, []), key=lambda o: o.repeat)
        if repeat > len(mine):
            missing = Output(case=case.id, kind=case.kind, repeat=repeat, status="error", error="输出文件中没有该用例")
            return RunResult(repeat=repeat, status="error", assertions=[], output=missing)
        return await grade(case, mine[repeat - 1], model=model_for(case, settings, gate), prompts=settings.prompts)

    return await _run_jobs(cases, settings, job, repeats=repeats)


async def _run_jobs(
    cases: list[Case],
    settings: Settings,
    job: Callable[[Case, int], Any],
    repeats: dict[str, int] | None = None,
) -> list[CaseResult]:
    # With a real model the gate bounds the calls; twice as many jobs run so the next cases' prompts are ready
    # when a slot frees (N cases then take N/K model latencies, not N/K × (latency + one case's own work)).
    lookahead = 2 if settings.model is not None else 1
    semaphore = asyncio.Semaphore(max(settings.concurrency, 1) * lookahead)
    runs: dict[str, list[RunResult]] = {c.id: [] for c in cases}
    wanted = {c.id: (repeats or {}).get(c.id, settings.repeat) for c in cases}
    finished: dict[str, CaseResult] = {}

    async def one(case: Case, repeat: int) -> None:
        async with semaphore:
            result = await job(case, repeat)
        runs[case.id].append(result)
        if len(runs[case.id]) == wanted[case.id]:
            finished[case.id] = case_result(case, runs[case.id])
            if settings.progress:
                settings.progress(finished[case.id], len(finished), len(cases))

    await asyncio.gather(*(one(c, r) for c in cases for r in range(1, wanted[c.id] + 1)))
    return [finished[c.id] for c in cases]


def _call_gate(settings: Settings) -> asyncio.Semaphore | None:
    """The run's bound on model calls in flight (None without a real model: scripted answers cost no slot)."""
    return asyncio.Semaphore(max(settings.concurrency, 1)) if settings.model is not None else None


def write_run(
    directory: Path,
    results: list[CaseResult],
    outputs: list[Output],
    comparison: Any,
    *,
    model: str | None,
    threshold: float,
) -> list[Path]:
    """Write outputs.json (re-gradable), results.json, summary.md and summary.html into ``directory``."""
    import json

    from assistant.evaluation import summary
    from assistant.evaluation.outputs import write_outputs

    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / n for n in ("outputs.json", "results.json", "summary.md", "summary.html")]
    write_outputs(paths[0], outputs, model)
    body = {
        "model": model,
        "threshold": threshold,
        "cases": [r.model_dump(mode="json", by_alias=True) for r in results],
        "comparison": comparison.model_dump(mode="json") if comparison is not None else None,
    }
    paths[1].write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
    paths[2].write_text(summary.markdown(results, comparison) + "\n", encoding="utf-8")
    paths[3].write_text(summary.html_page(results, comparison), encoding="utf-8")
    return paths
