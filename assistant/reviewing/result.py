"""The review pipeline: a report in, findings with exact places out."""

from __future__ import annotations

from pydantic import BaseModel, Field

from assistant.checks.finding import Finding
from assistant.reviewing.coverage import Coverage
from assistant.text.document import Document


class SectionInfo(BaseModel):
    """A heading of the reviewed document and the span it covers."""

    id: str
    title: str
    level: int
    start: int
    end: int


class DocumentInfo(BaseModel):
    """What the review says about the document itself."""

    path: str | None
    chars: int
    sections: list[SectionInfo]


class Review(BaseModel):
    """The outcome of a review: the normalised text, findings in document order, and notes on how it ran."""

    document: DocumentInfo
    text: str
    findings: list[Finding]
    notes: list[str] = Field(default_factory=list)
    model: str | None = None
    coverage: Coverage | None = None  # what the checks covered; None for a review built without them

    def all_clear(self) -> bool:
        """No findings, and every check ran over readable text: only then may a report say 未发现问题."""
        return not self.findings and (self.coverage is None or self.coverage.complete)

    def worst(self) -> str | None:
        """The highest severity among the findings, or None when there are none."""
        for level in ("error", "warning", "info"):
            if any(f.severity == level for f in self.findings):
                return level
        return None


def describe(doc: Document) -> DocumentInfo:
    """The document's path, size and flattened section list."""
    # The sections as plain data, parents before children, validated in one call (not one a section).
    sections: list[dict[str, object]] = []
    stack = list(reversed(doc.sections))
    while stack:
        s = stack.pop()
        sections.append({"id": s.id, "title": s.title, "level": s.level, "start": s.start, "end": s.end})
        stack.extend(reversed(s.children))
    return DocumentInfo.model_validate({"path": doc.path, "chars": len(doc.text), "sections": sections})
