"""Writers that turn a Review into something a person reads or a program consumes.

review_to_text      the terminal report, grouped by section (optionally coloured, with line:col)
review_to_markdown  a Markdown report: counts by category and severity, a findings table per section
review_to_html      one self-contained HTML page with every finding highlighted in the report text
review_to_json      the machine contract: document, findings (with exact offsets), notes, model
write_review        any of the above, chosen by the file's extension (.txt .md .html .htm .json)

The names are imported on first use: the terminal report alone must not load the HTML writer's jinja2.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.export.review_formats import REVIEW_EXTENSIONS, review_to_json, write_review
    from assistant.export.review_html import review_to_html
    from assistant.export.review_text import Locate, review_to_markdown, review_to_text

_LAZY: dict[str, str] = {
    "REVIEW_EXTENSIONS": "assistant.export.review_formats",
    "review_to_json": "assistant.export.review_formats",
    "write_review": "assistant.export.review_formats",
    "review_to_html": "assistant.export.review_html",
    "Locate": "assistant.export.review_text",
    "review_to_markdown": "assistant.export.review_text",
    "review_to_text": "assistant.export.review_text",
}

__all__ = [
    "REVIEW_EXTENSIONS",
    "Locate",
    "review_to_html",
    "review_to_json",
    "review_to_markdown",
    "review_to_text",
    "write_review",
]


def __getattr__(name: str) -> Any:
    """Import a writer on first use."""
    if name not in _LAZY:
        raise AttributeError(f"module 'assistant.export' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value
