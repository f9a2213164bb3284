"""Where text sat on a PDF page, turned back into what a reader sees: blank lines between blocks, indents.

A PDF's text layer has no blank lines and no leading spaces: only positions. Reflow needs both (a blank line
ends a paragraph or a flattened table cell; an indented line starts a paragraph), so they are rebuilt from the
vertical gaps and left edges of the lines, measured against the document's usual line height and leading.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TextLine:
    """One line of text on a page, with its box (points, from the top left)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float


class PageLayout:
    """The document's usual line height, leading and margins, to turn positions back into blank lines and indents."""

    def __init__(self, lines: list[TextLine]) -> None:
        heights = sorted(line.bottom - line.top for line in lines) or [10.0]
        self.height = max(heights[len(heights) // 2], 1.0)
        gaps = sorted(b.top - a.bottom for a, b in zip(lines, lines[1:], strict=False) if b.top > a.top)
        # Without enough lines to know the leading, take single spacing (a fifth of the line height).
        self.leading = gaps[len(gaps) // 2] if len(gaps) >= 3 else self.height * 0.2
        self.blank = self.leading + self.height * 0.5  # a wider gap than this holds an empty line
        self.left = min((line.x0 for line in lines), default=0.0)
        self.right = max((line.x1 for line in lines), default=0.0)
        self.top = min((line.top for line in lines), default=0.0)
        self.bottom = max((line.bottom for line in lines), default=0.0)

    def text(self, lines: list[TextLine], *, page_top: bool = False, page_bottom: bool = False) -> str:
        """The lines as text: a blank line at a wide vertical gap, leading spaces for an indent (half-width units).

        ``page_top``: the lines open a page after the first, so a first line lower than the usual top margin
        had an empty line above it. ``page_bottom``: the lines close a page before the last, so a short last
        line well above the usual bottom margin had an empty line below it (a full one is a paragraph that a
        widow rule carried over, and continues).
        """
        out: list[str] = []
        if page_top and lines and lines[0].top - self.top > self.blank:
            out.append("")
        prev: TextLine | None = None
        for line in lines:
            if prev is not None and line.top - prev.bottom > self.blank:
                out.append("")
            indent = round((line.x0 - self.left) / (self.height / 2))
            out.append(" " * indent + line.text if indent >= 2 else line.text)
            prev = line
        if (
            page_bottom
            and prev is not None
            and self.bottom - prev.bottom > self.blank
            and prev.x1 < self.right - 2 * self.height
        ):
            out.append("")
        return "\n".join(out)
