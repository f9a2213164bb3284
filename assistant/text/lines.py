"""Lines of extracted text and paragraphs built from them, as spans of the original text.

A ``Paragraph`` never copies text: it is a list of spans of the original plus what goes between them ("" between
CJK characters, " " between two Latin words), so the normalised text can be mapped back character by character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.text.sections import MARKER, MARKER_FIRST

LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SPACE = " \t\u00a0\u3000\x0c\ufeff\u200b"
_ASCII_WORD = re.compile(r"[A-Za-z0-9.,%\-]+")


@dataclass(slots=True)
class Line:
    """One non-blank line: its content span in the original (spaces stripped) and what reflow needs to know."""

    start: int  # content start in raw (after leading spaces)
    end: int
    text: str
    indent: int
    width: int
    marker: bool  # opens with a heading/list marker


Lines = list[Line | None]  # None is a blank line


@dataclass(slots=True)
class Paragraph:
    """Spans of the original text joined by ``seps``; ``blank_before`` when a blank line preceded it."""

    segs: list[tuple[int, int]]
    seps: list[str] = field(default_factory=list)
    blank_before: bool = False

    def text(self, raw: str) -> str:
        """The paragraph as it reads (before NBSP becomes a space)."""
        if len(self.segs) == 1:  # most paragraphs and table cells are one span
            return raw[self.segs[0][0] : self.segs[0][1]]
        if len(self.seps) + 1 == len(self.segs) and not any(self.seps):  # CJK lines join without a space
            return "".join([raw[s:e] for s, e in self.segs])
        parts = [raw[self.segs[0][0] : self.segs[0][1]]]
        for sep, (s, e) in zip(self.seps, self.segs[1:], strict=True):
            parts.append(sep)
            parts.append(raw[s:e])
        return "".join(parts)

    def split(self, k: int) -> tuple[Paragraph, Paragraph]:
        """Cut before character ``k`` of the paragraph's text; the second part starts a new paragraph."""
        pos = 0
        for j, (s, e) in enumerate(self.segs):
            if k < pos + (e - s):
                cut = s + (k - pos)
                if cut == s:  # cut before a whole segment: the separator in front of it goes
                    return Paragraph(self.segs[:j], self.seps[: max(j - 1, 0)], self.blank_before), Paragraph(
                        self.segs[j:], self.seps[j:]
                    )
                head = Paragraph([*self.segs[:j], (s, cut)], self.seps[:j], self.blank_before)
                return head, Paragraph([(cut, e), *self.segs[j + 1 :]], self.seps[j:])
            pos += e - s
            if j < len(self.seps):
                if k < pos + len(self.seps[j]):
                    return Paragraph(self.segs[: j + 1], self.seps[:j], self.blank_before), Paragraph(
                        self.segs[j + 1 :], self.seps[j + 1 :]
                    )
                pos += len(self.seps[j])
        raise ValueError(f"offset {k} is past the paragraph")


def display_width(s: str) -> int:
    """Width in half-width units: ASCII counts 1, everything else (CJK, full-width punctuation) 2."""
    narrow = len(s.encode("ascii", "ignore"))
    return narrow + 2 * (len(s) - narrow)


def first_unit_width(s: str) -> int:
    if not s[0].isascii():  # no ASCII word opens here (most lines open with a CJK character)
        return 2
    m = _ASCII_WORD.match(s)
    return m.end() if m else 1  # the display width of a word, or of one (ASCII) character


def separator(left: str, right: str) -> str:
    a, b = left[-1], right[0]
    if a.isascii() and b.isascii() and a.isalnum() and b.isalnum() and not (a.isdigit() and b.isdigit()):
        return " "
    return ""


def split_lines(raw: str, start: int, end: int) -> Lines:
    """The lines of ``raw[start:end]``, stripped, with None for blank lines."""
    segment = raw[start:end]
    if "\r" in segment:
        pieces = LINE_BREAK.split(segment)
        breaks = [m.end() - m.start() for m in LINE_BREAK.finditer(segment)]
        breaks.append(0)  # after the last piece: none
    else:
        pieces = segment.split("\n")
        breaks = [1] * len(pieces)
    # One pass with the work of ``_line`` inlined: a report has tens of thousands of lines.
    out: Lines = []
    append = out.append
    marker = MARKER.match
    marker_first = MARKER_FIRST
    pos = start
    for text, brk in zip(pieces, breaks, strict=True):
        body = text.lstrip(_SPACE)
        if body:
            lead = len(text) - len(body)
            body = body.rstrip(_SPACE)
            size = len(body)
            indent = display_width(text[:lead].replace("\t", "    ")) if lead else 0
            width = size if body.isascii() else 2 * size - len(body.encode("ascii", "ignore"))
            first = body[0]
            opens = (first in marker_first or first.isdecimal()) and marker(body) is not None
            append(Line(pos + lead, pos + lead + size, body, indent, width, opens))
        else:
            append(None)
        pos += len(text) + brk
    return out


def joined(lines: Lines) -> Paragraph | None:
    """Every non-blank line of ``lines`` as one paragraph (a table cell wrapped inside its column)."""
    present = [line for line in lines if line is not None]
    if not present:
        return None
    texts = [line.text for line in present]
    seps = [separator(left, right) for left, right in zip(texts, texts[1:], strict=False)]
    return Paragraph([(line.start, line.end) for line in present], seps)
