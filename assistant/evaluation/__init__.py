"""Evaluation: fixed cases run through the draft and review pipelines, graded by assertions, compared to a baseline.

    suite = await run_suite(load_cases(["eval_cases"]), Settings(model=None))   # what the CLI and the page call
    suite.failed, suite.summary(), suite.write(Path("eval_results"))

Generation and grading are separate steps (``grade_saved`` re-grades saved outputs). Errors:
:class:`~assistant.errors.InputError` for an unusable case file; :class:`StaleScript` (reported as a ``stale``
case, never raised out of a run) when a scripted case meets a prompt it has no recorded answer for.
"""

from assistant.errors import StaleScript
from assistant.evaluation.assertions import FAMILIES, Verdict
from assistant.evaluation.baseline import Baseline, Comparison, baseline_from, compare, load_baseline, write_baseline
from assistant.evaluation.cases import Assertion, Case, ScriptEntry, load_case, load_cases
from assistant.evaluation.outputs import AssertionResult, CaseResult, Output, read_outputs, write_outputs
from assistant.evaluation.runner import (
    Settings,
    evaluate,
    generate,
    grade,
    grade_saved,
    run_draft,
    run_review,
    write_run,
)
from assistant.evaluation.scripted import MeteredModel, ScriptedModel, prompt_hash
from assistant.evaluation.suite import Suite, default_baseline, default_threshold, evaluate_cases, run_suite

__all__ = [
    "FAMILIES",
    "Assertion",
    "AssertionResult",
    "Baseline",
    "Case",
    "CaseResult",
    "Comparison",
    "MeteredModel",
    "Output",
    "ScriptEntry",
    "ScriptedModel",
    "Settings",
    "StaleScript",
    "Suite",
    "Verdict",
    "baseline_from",
    "compare",
    "default_baseline",
    "default_threshold",
    "evaluate",
    "evaluate_cases",
    "generate",
    "grade",
    "grade_saved",
    "load_baseline",
    "load_case",
    "load_cases",
    "prompt_hash",
    "read_outputs",
    "run_draft",
    "run_review",
    "run_suite",
    "write_baseline",
    "write_outputs",
    "write_run",
]
