"""Draft and DraftSection: what drafting produces, and the JSON contract other tools read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from assistant.checks.finding import Finding
from assistant.drafting.placeholders import Filled, FilledFact
from assistant.drafting.plan import SectionSpec
from assistant.drafting.tables import FormTable


@dataclass(frozen=True)
class Progress:
    """One step of drafting, for a progress bar or a streaming page."""

    section: str
    title: str
    event: str  # "start" | "delta" | "reset" | "done" | "fallback"
    text: str = ""
    done: int = 0
    total: int = 0


ProgressFn = Callable[[Progress], None]

DraftSource = Literal["model", "offline", "fallback"]
FINDING_KEYS = ("rule", "category", "severity", "message", "suggestion", "quote", "start", "end", "section", "source")


class DraftSection(BaseModel):
    """One drafted section: its final text (placeholders filled), where the text came from, and what is wrong with it.

    Finding offsets (``start``/``end``) and ``spans`` are offsets into ``text``.
    """

    id: str
    title: str
    level: int
    text: str
    source: DraftSource
    kind: Literal["narrative", "table"] = "narrative"
    findings: list[Finding] = []
    facts_used: list[str] = []
    spans: list[FilledFact] = []
    notes: list[str] = []
    table: FormTable | None = None  # the official form a table section stands for, built from the data

    @property
    def has_text(self) -> bool:
        """False for a heading-only part (its text lives in its subsections)."""
        return bool(self.text.strip())


def section_from(
    spec: SectionSpec, source: DraftSource, filled: Filled | None = None, findings: list[Finding] | None = None
) -> DraftSection:
    """A DraftSection for ``spec`` from its filled text (an empty heading-only section when ``filled`` is None)."""
    if filled is None:
        return DraftSection(id=spec.id, title=spec.title, level=spec.level, text="", source=source, kind=spec.kind)
    return DraftSection(
        id=spec.id,
        title=spec.title,
        level=spec.level,
        text=filled.text,
        source=source,
        kind=spec.kind,
        findings=findings or [],
        facts_used=filled.fact_ids,
        spans=filled.facts,
    )


class Draft(BaseModel):
    """A drafted report: every section in printed order, every finding, and notes for the drafter."""

    model: str | None = None
    data_path: str | None = None
    department: str
    year: int
    sections: list[DraftSection]
    findings: list[Finding] = []
    notes: list[str] = []
    money_unit: str = "万元"

    @property
    def title(self) -> str:
        """The report's printed title."""
        return f"{self.department}{self.year}年度部门整体支出绩效自评报告"

    def section(self, section_id: str) -> DraftSection | None:
        """The section with this id, or None."""
        return next((s for s in self.sections if s.id == section_id), None)

    def to_contract(self) -> dict[str, Any]:
        """The JSON contract: ``{"model", "money_unit", "sections": [{id, title, text, source, findings, table?}],
        "findings"}``; a table section's ``table`` holds the form as blocks of rows."""
        sections = []
        for s in self.sections:
            entry: dict[str, Any] = {
                "id": s.id,
                "title": s.title,
                "text": s.text,
                "source": s.source,
                "findings": [finding_dict(f) for f in s.findings],
            }
            if s.table is not None:
                entry["table"] = s.table.model_dump(mode="json")
            sections.append(entry)
        return {
            "model": self.model,
            "money_unit": self.money_unit,
            "sections": sections,
            "findings": [finding_dict(f) for f in self.findings],
        }


def finding_dict(finding: Finding) -> dict[str, Any]:
    """A finding in the shape review output uses (same keys, same order)."""
    data = finding.model_dump(mode="json")
    return {key: data[key] for key in FINDING_KEYS}
