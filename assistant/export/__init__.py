"""Writers that turn a Review into something a person reads or a program consumes.

review_to_text      the terminal report, grouped by section (optionally coloured, with line:col)
review_to_markdown  a Markdown report: counts by category and severity, a findings table per section
review_to_html      one self-contained HTML page with every finding highlighted in the report text
review_to_json      the machine contract: document, findings (with exact offsets), notes, model
write_review        any of the above, chosen by the file's extension (.txt .md .html .htm .json)
"""

from assistant.export.review_formats import REVIEW_EXTENSIONS, review_to_json, write_review
from assistant.export.review_html import review_to_html
from assistant.export.review_text import Locate, review_to_markdown, review_to_text

__all__ = [
    "REVIEW_EXTENSIONS",
    "Locate",
    "review_to_html",
    "review_to_json",
    "review_to_markdown",
    "review_to_text",
    "write_review",
]
