"""One eval run for every face: ``run_suite()`` runs (or re-grades) the cases and compares them with the baseline.

The CLI (``assistant eval``) and the web page's eval tab both call it, so the threshold rule, where the baseline
is and what counts as a failed run are written once:

    suite = await run_suite(load_cases([folder]), Settings(model=client, progress=report))
    suite.failed                          # CLI: exit status 1; page: "有回归、过期、出错或低于阈值的用例"
    suite.summary()                       # the Markdown table and the changes against the baseline
    suite.write(Path("eval_results"))     # outputs.json (re-gradable), results.json, summary.md, summary.html

- Threshold: offline and scripted runs must pass every case (1.0); a real model's repeats 80% (0.8), unless given.
- Baseline: the file given, else ``baseline.json`` in the folder of the first case (see :func:`default_baseline`);
  a missing file means every case is new. A subset of the cases compares against the same file as is: cases
  that did not run are not reported "removed" while their files exist, so no caller trims the baseline.
- The caller owns the model: it opens it and closes it (``aclose``) after the run, in the same event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.evaluation import summary
from assistant.evaluation.baseline import Baseline, Comparison, baseline_from, compare, load_baseline, write_baseline
from assistant.evaluation.cases import Case, load_cases
from assistant.evaluation.outputs import CaseResult, Output
from assistant.evaluation.runner import Settings, evaluate, grade_saved, write_run
from assistant.llm.protocol import ChatModel

OFFLINE_THRESHOLD = 1.0
MODEL_THRESHOLD = 0.8
BASELINE_NAME = "baseline.json"


def default_threshold(model: ChatModel | None) -> float:
    """The lowest passing rate per case: every repeat offline (deterministic), 80% with a real model."""
    return OFFLINE_THRESHOLD if model is None else MODEL_THRESHOLD


def default_baseline(case_paths: Sequence[str | Path]) -> Path | None:
    """The ``baseline.json`` beside the cases: in the first path's folder (the path itself when it is a folder)."""
    if not case_paths:
        return None
    first = Path(case_paths[0])
    return (first if first.is_dir() else first.parent) / BASELINE_NAME


@dataclass
class Suite:
    """A finished run: per-case results, the generated outputs, and the comparison with the baseline."""

    results: list[CaseResult]
    outputs: list[Output]
    comparison: Comparison
    threshold: float
    model: str | None
    baseline_path: Path | None
    baseline: Baseline | None

    @property
    def failed(self) -> bool:
        """Whether the run failed: a regression, an unexplained or new failure, a stale or errored case."""
        return self.comparison.failed

    def summary(self) -> str:
        """The Markdown summary (table, totals, known failures, changes against the baseline)."""
        return summary.markdown(self.results, self.comparison)

    def write(self, directory: Path) -> list[Path]:
        """Write outputs.json, results.json, summary.md and summary.html into ``directory``."""
        return write_run(
            directory, self.results, self.outputs, self.comparison, model=self.model, threshold=self.threshold
        )

    def approve(self, path: Path | None = None) -> Path:
        """Write this run as the approved baseline (to ``path``, else the baseline it was compared with)."""
        target = path or self.baseline_path
        if target is None:
            raise ValueError("no baseline path to approve into")
        approved = baseline_from(self.results, self.model, self.baseline, root=target.resolve().parent)
        write_baseline(target, approved)
        return target


async def run_suite(
    cases: list[Case],
    settings: Settings,
    *,
    baseline: Path | None = None,
    threshold: float | None = None,
    saved: list[Output] | None = None,
) -> Suite:
    """Generate and grade ``cases`` (or only grade ``saved`` outputs), then compare with the baseline file."""
    if saved is not None:
        results, outputs = await grade_saved(cases, saved, settings), saved
    else:
        results, outputs = await evaluate(cases, settings)
    path = baseline if baseline is not None else default_baseline([c.path for c in cases])
    approved = load_baseline(path) if path is not None and path.exists() else None
    limit = threshold if threshold is not None else default_threshold(settings.model)
    return Suite(
        results=results,
        outputs=outputs,
        comparison=compare(approved, results, limit),
        threshold=limit,
        model=settings.model.name if settings.model is not None else None,
        baseline_path=path,
        baseline=approved,
    )


def evaluate_cases(
    paths: Iterable[str | Path],
    *,
    model: ChatModel | None = None,
    baseline: Path | None = None,
    threshold: float | None = None,
    repeat: int = 1,
) -> Suite:
    """Synchronous :func:`run_suite` over the case files or folders ``paths`` (closes ``model`` at the end)."""
    cases = load_cases(paths)

    async def run() -> Suite:
        try:
            return await run_suite(cases, Settings(model=model, repeat=repeat), baseline=baseline, threshold=threshold)
        finally:
            if model is not None:
                await model.aclose()

    return asyncio.run(run())
