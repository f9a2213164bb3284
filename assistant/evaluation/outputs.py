"""What a run produces: generated outputs (re-gradable files) and graded results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.checks.finding import Finding
from assistant.errors import InputError

OutputStatus = Literal["ok", "stale", "error"]
# "skipped": nothing failed, but an assertion could not be graded (a rubric without a model) — not a pass.
RunStatus = Literal["pass", "fail", "skipped", "stale", "error"]
CaseStatus = RunStatus


class SectionOutput(BaseModel):
    """One drafted section as generated."""

    id: str
    title: str
    text: str
    source: str


class Output(BaseModel):
    """One generation of one case: the draft or review produced, and what it cost."""

    case: str
    kind: Literal["draft", "review"]
    repeat: int = 1
    status: OutputStatus = "ok"
    error: str | None = None
    stale_template: str | None = None
    model: str | None = None
    sections: list[SectionOutput] = []
    document: str = Field("", description="review: the normalised report text the findings point into")
    findings: list[Finding] = []
    notes: list[str] = []
    latency_ms: int = 0
    calls: int = 0
    cached_calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0

    def text(self, sections: list[str] | None = None) -> str:
        """The output as graded: draft sections (all, or these ids) with titles; for a review, its findings."""
        if self.kind == "review":
            return "\n".join(f"[{f.rule}/{f.category}] “{f.quote}”：{f.message}" for f in self.findings)
        chosen = [s for s in self.sections if sections is None or s.id in sections]
        return "\n\n".join(f"{s.title}\n{s.text}" if s.text else s.title for s in chosen)


class AssertionResult(BaseModel):
    """One assertion's verdict in the promptfoo shape ``{pass, score, reason}``."""

    model_config = ConfigDict(populate_by_name=True)

    label: str
    description: str = ""
    passed: bool = Field(alias="pass")
    score: float
    reason: str
    skipped: bool = False
    stale: bool = False


class RunResult(BaseModel):
    """One graded generation."""

    repeat: int
    status: RunStatus
    assertions: list[AssertionResult]
    output: Output


class CaseResult(BaseModel):
    """Every repeat of one case, and its pass rate."""

    id: str
    kind: str
    path: str
    description: str = ""
    status: CaseStatus
    pass_rate: float = Field(description="share of repeats that passed; a skipped or failed repeat is not a pass")
    runs: list[RunResult]
    known_failure: str | None = Field(None, description="the case's declared reason for failing, if any")
    script: str | None = Field(None, description="where its scripted answers came from: 手写, or 录制：model，date")
    stale_templates: list[str] = []
    latency_ms: int = 0
    tokens_in: int = 0
    tokens_out: int = 0

    @property
    def assertion_rates(self) -> dict[str, float]:
        """Per assertion (by label, numbered), the share of repeats in which it held."""
        rates: dict[str, list[bool]] = {}
        for run in self.runs:
            for i, a in enumerate(run.assertions, 1):
                rates.setdefault(f"{i}. {a.label}", []).append(a.passed)
        return {k: sum(v) / len(v) for k, v in rates.items()}


class OutputsFile(BaseModel):
    """The generation step's file: grade it again with ``assistant eval --outputs FILE``."""

    version: int = 1
    model: str | None = None
    outputs: list[Output]


def write_outputs(path: Path, outputs: list[Output], model: str | None) -> None:
    """Save generated outputs for later re-grading."""
    body = OutputsFile(model=model, outputs=outputs).model_dump(mode="json")
    path.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")


def read_outputs(path: Path) -> OutputsFile:
    """Load a saved outputs file; InputError when it is not one."""
    try:
        return OutputsFile.model_validate_json(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: 无法读取输出文件（{exc.strerror or exc}）") from None
    except ValidationError as exc:
        raise InputError(
            f"{path}: 不是 assistant eval 保存的输出文件（outputs.json）：{exc.errors()[0]['msg']}"
        ) from None
