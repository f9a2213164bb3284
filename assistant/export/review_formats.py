"""The review as JSON, and writing a review to a file whose extension picks the format."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import InputError
from assistant.export.review_text import review_to_markdown, review_to_text

if TYPE_CHECKING:
    from assistant.reviewing.result import Review

FINDING_KEYS = ("rule", "category", "severity", "message", "suggestion", "quote", "start", "end", "section", "source")
SECTION_KEYS = ("id", "title", "level", "start", "end")


def review_to_json(review: Review, *, include_text: bool = False) -> str:
    """The review as JSON: document (path, chars, sections, optionally text), findings, notes, model, coverage.

    ``coverage`` is what the checks covered (null when unknown); its ``complete`` is false when some checks could
    not run or part of the text could not be read — then an empty ``findings`` is not an all-clear.
    """
    document: dict[str, Any] = {
        "path": review.document.path,
        "chars": review.document.chars,
        "sections": [s.model_dump(mode="json", include=set(SECTION_KEYS)) for s in review.document.sections],
    }
    if include_text:
        document["text"] = review.text
    # Keys are listed, not dumped wholesale, so a field added to Finding does not silently change the contract.
    findings = [{k: v for k, v in f.model_dump(mode="json").items() if k in FINDING_KEYS} for f in review.findings]
    coverage = None
    if review.coverage is not None:
        coverage = {**review.coverage.model_dump(mode="json"), "complete": review.coverage.complete}
    payload = {
        "document": document,
        "findings": findings,
        "notes": list(review.notes),
        "model": review.model,
        "coverage": coverage,
    }
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def _html(review: Review) -> str:
    # The HTML page renders a jinja2 template: loaded only when a page is written, not for text or JSON.
    from assistant.export.review_html import review_to_html

    return review_to_html(review)


_WRITERS: dict[str, Callable[[Review, bool], str]] = {
    ".json": lambda review, include_text: review_to_json(review, include_text=include_text),
    ".md": lambda review, _: review_to_markdown(review),
    ".html": lambda review, _: _html(review),
    ".htm": lambda review, _: _html(review),
    ".txt": lambda review, _: review_to_text(review),
}
REVIEW_EXTENSIONS = tuple(_WRITERS)
"""The extensions ``write_review`` understands (.docx is written by the docx exporter, not here)."""


def write_review(review: Review, path: Path, *, include_text: bool = False) -> None:
    """Write ``review`` to ``path`` (UTF-8) in the format its extension names, creating parent folders."""
    path = Path(path)
    writer = _WRITERS.get(path.suffix.lower())
    if writer is None:
        given = f"“{path.suffix}”" if path.suffix else "（没有扩展名）"
        raise InputError(
            f"{path}: 无法按扩展名{given}写出审阅结果；请使用以下扩展名之一：{'、'.join(REVIEW_EXTENSIONS)}"
        )
    content = writer(review, include_text)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: 无法写入审阅结果（{exc.strerror or exc}），请检查路径和写入权限") from None
