"""The approved baseline: each case's pass rate (and its assertions'), and comparing a run against it.

A case regresses when its pass rate drops below the baseline's *and* below the threshold — so a model run
with repeats is not failed for noise above the threshold, and a deterministic run (rates 0 or 1) is failed for
any case that used to pass. A failing case is a known failure only when the case itself says why
(``known_failure:`` in its file); one that failed in the baseline without saying why fails the run, so approving
a failure never silences it. A skipped case (an assertion nobody could grade) is listed, neither pass nor
failure. Stale and errored cases always fail the run.

Case paths in the baseline are relative to the baseline file's folder, so a copied folder of cases and its
baseline work from any working directory.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, PrivateAttr, ValidationError

from assistant.errors import InputError
from assistant.evaluation.outputs import CaseResult


class BaselineCase(BaseModel):
    """What was approved for one case."""

    path: str
    status: str
    pass_rate: float
    assertions: dict[str, float] = {}


class Baseline(BaseModel):
    """The approved state of every case, by id."""

    version: int = 1
    model: str | None = None
    cases: dict[str, BaselineCase] = {}

    _root: Path | None = PrivateAttr(default=None)

    @property
    def root(self) -> Path:
        """The folder case paths are relative to: the baseline file's (the working directory when not from a file)."""
        return self._root if self._root is not None else Path.cwd()


class Change(BaseModel):
    """One case whose state differs from (or is missing in) the baseline."""

    id: str
    before: float | None
    after: float | None
    detail: str = ""


class Comparison(BaseModel):
    """A run against the baseline: what got worse, better, appeared or went away, and what still fails."""

    regressions: list[Change] = []
    improvements: list[Change] = []
    new: list[Change] = []
    removed: list[Change] = []
    known_failures: list[Change] = []
    unexplained: list[Change] = []
    cleared: list[Change] = []
    skipped: list[Change] = []
    below_threshold: list[Change] = []
    stale: list[Change] = []
    errors: list[Change] = []

    @property
    def failed(self) -> bool:
        """Whether the run should exit with status 1."""
        return bool(self.regressions or self.below_threshold or self.unexplained or self.stale or self.errors)

    def of(self, case_id: str) -> str:
        """The one-word verdict of a case against the baseline, for tables."""
        for name, items in (
            ("回归", self.regressions),
            ("过期", self.stale),
            ("出错", self.errors),
            ("低于阈值", self.below_threshold),
            ("未说明的失败", self.unexplained),
            ("跳过", self.skipped),
            ("已知失败", self.known_failures),
            ("改进", self.improvements),
            ("新增", self.new),
        ):
            if any(c.id == case_id for c in items):
                return name
        return "不变"


def load_baseline(path: Path) -> Baseline:
    """Read a baseline file; InputError when it is malformed."""
    try:
        baseline = Baseline.model_validate_json(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: 无法读取基线（{exc.strerror or exc}）") from None
    except ValidationError as exc:
        raise InputError(f"{path}: 基线文件格式不对：{exc.errors()[0]['msg']}") from None
    baseline._root = path.resolve().parent
    return baseline


def baseline_from(
    results: list[CaseResult], model: str | None, previous: Baseline | None = None, *, root: Path | None = None
) -> Baseline:
    """The baseline approving ``results`` (paths relative to ``root``, the baseline's folder); entries of
    ``previous`` for cases not run (and still present) are kept."""
    folder = root if root is not None else previous.root if previous else Path.cwd()
    cases = dict(previous.cases) if previous else {}
    for gone in compare(previous, results, 1.0).removed if previous else []:
        cases.pop(gone.id, None)
    for r in results:
        cases[r.id] = BaselineCase(
            path=_portable(r.path, folder), status=r.status, pass_rate=r.pass_rate, assertions=r.assertion_rates
        )
    baseline = Baseline(model=model, cases=dict(sorted(cases.items())))
    baseline._root = folder.resolve()
    return baseline


def write_baseline(path: Path, baseline: Baseline) -> None:
    """Write the baseline as stable, diff-friendly JSON."""
    path.write_text(json.dumps(baseline.model_dump(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def compare(baseline: Baseline | None, results: list[CaseResult], threshold: float) -> Comparison:
    """Compare a run with the baseline by case id (no baseline: every case is new)."""
    cmp = Comparison()
    known = baseline.cases if baseline else {}
    for r in results:
        before = known.get(r.id)
        change = Change(id=r.id, before=before.pass_rate if before else None, after=r.pass_rate)
        if r.status == "stale":
            cmp.stale.append(change.model_copy(update={"detail": "、".join(r.stale_templates)}))
            continue
        if r.status == "error":
            cmp.errors.append(change.model_copy(update={"detail": _first_error(r)}))
            continue
        if r.status == "skipped":
            cmp.skipped.append(change.model_copy(update={"detail": _skipped(r)}))
            continue
        failing = r.pass_rate < threshold
        if r.known_failure and not failing:
            cmp.cleared.append(change.model_copy(update={"detail": "已通过，请删去用例中的 known_failure"}))
        if before is None:
            cmp.new.append(change)
            if failing:
                _failing(cmp, change, r, approved=False)
            continue
        if r.pass_rate < before.pass_rate and failing:
            cmp.regressions.append(change.model_copy(update={"detail": _newly_failing(before, r)}))
        elif r.pass_rate > before.pass_rate:
            cmp.improvements.append(change)
            if failing:
                _failing(cmp, change, r, approved=True)
        elif failing:
            _failing(cmp, change, r, approved=before.pass_rate < threshold)
    ran = {r.id for r in results}
    root = baseline.root if baseline else Path.cwd()
    loaded = {_portable(r.path, root) for r in results}
    for cid, before in known.items():
        if cid in ran:
            continue
        # Only a case whose file is gone, or was loaded and no longer defines it, is removed (not a subset run).
        if not (root / before.path).exists() or before.path in loaded:
            cmp.removed.append(Change(id=cid, before=before.pass_rate, after=None))
    return cmp


def _failing(cmp: Comparison, change: Change, r: CaseResult, *, approved: bool) -> None:
    """File a case below the threshold: declared known failure, a baseline-approved one without a reason, or new."""
    if r.known_failure:
        cmp.known_failures.append(change.model_copy(update={"detail": r.known_failure}))
    elif approved:
        reason = "基线中即未通过，但用例没有用 known_failure 写明原因：请修好，或在用例中写明"
        cmp.unexplained.append(change.model_copy(update={"detail": reason}))
    else:
        cmp.below_threshold.append(change)


def _skipped(r: CaseResult) -> str:
    labels = sorted({a.label for run in r.runs for a in run.assertions if a.skipped})
    return "未评分：" + "、".join(labels)


def _newly_failing(before: BaselineCase, r: CaseResult) -> str:
    now = r.assertion_rates
    worse = [label for label, rate in now.items() if rate < before.assertions.get(label, 1.0)]
    return "；".join(worse) if worse else f"状态 {before.status} → {r.status}"


def _first_error(r: CaseResult) -> str:
    return next((run.output.error or "" for run in r.runs if run.output.error), "")


def _portable(path: str, root: Path) -> str:
    """A case path relative to the baseline's folder when possible, so the baseline travels with its cases."""
    p = Path(path)
    try:
        return p.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return p.resolve().as_posix()
