"""A report as text: normalised (hard line breaks joined), cut into sections, with its tables located.

    load_document(path)          .txt .md .docx .pdf → Document, or InputError with a Chinese message
    document_from_text(text)     the same from a string

Every offset (``Section.start``, ``TableCell.start`` …) is into ``Document.text``; ``Document.line_col`` turns
one back into the line and column of the original file (for .docx/.pdf: of the extracted text).
"""

from __future__ import annotations

from array import array
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, PrivateAttr

from assistant.collector import collection_paused
from assistant.errors import InputError
from assistant.text.ingest import Extraction, check_legible, read_docx, read_pdf, read_text_file
from assistant.text.places import Places
from assistant.text.reflow import Flow, OffsetMap, line_col, line_starts, normalise
from assistant.text.sections import SectionSpan, build_sections

__all__ = ["Document", "Section", "Table", "TableCell", "document_from_text", "load_document"]

_READERS = {".txt": read_text_file, ".md": read_text_file, ".docx": read_docx, ".pdf": read_pdf}


class Section(BaseModel):
    """A headed part of the report; ``start``/``end`` span it, heading included, in ``Document.text``."""

    id: str
    title: str
    level: int
    start: int
    end: int
    children: list[Section] = []


class TableCell(BaseModel):
    """One cell; ``text == Document.text[start:end]``."""

    text: str
    start: int
    end: int


class Table(BaseModel):
    """A table: from Word, from a PDF's ruled table, or recovered from text where extraction flattened it."""

    title: str | None
    header: list[str]
    rows: list[list[TableCell]]
    start: int
    end: int
    source: Literal["docx", "pdf", "flattened"]


class Document(BaseModel):
    """The normalised text of a report with its section tree and tables."""

    path: str | None
    text: str
    sections: list[Section]
    tables: list[Table]
    notes: list[str] = []  # how the file was read (legacy encoding, unreadable parts), for the review's notes
    unreadable: str | None = None  # what could not be read, when part of the text was illegible
    _origin: OffsetMap | None = PrivateAttr(default=None)
    _line_starts: array[int] | None = PrivateAttr(default=None)
    _raw: str | None = PrivateAttr(default=None)  # the original, its line starts found on the first ``line_col``
    _places: Places | None = PrivateAttr(default=None)
    _paragraphs: tuple[str, list[tuple[int, int]]] | None = PrivateAttr(default=None)

    def places(self) -> Places:
        """The section and table look-ups, built on first use (and again if ``sections`` or ``tables`` is replaced)."""
        private = self._private()
        places = private["_places"]
        if places is None or places.sections is not self.sections or places.tables is not self.tables:
            places = private["_places"] = Places(self.sections, self.tables)
        return places

    def section_at(self, offset: int) -> Section | None:
        """The deepest section containing ``offset``."""
        return self.places().section(offset)[0]

    def section_title_at(self, offset: int) -> str | None:
        """The heading path at ``offset``, e.g. "一、部门基本情况 > （三）部门整体收支情况"."""
        return self.places().section(offset)[1]

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of ``offset`` in the original text (the file, or what was extracted from it)."""
        if not 0 <= offset <= len(self.text):
            raise ValueError(f"offset {offset} is outside the text (0..{len(self.text)})")
        private = self._private()
        origin, starts = private["_origin"], private["_line_starts"]
        if origin is not None and starts is None and private["_raw"] is not None:
            starts = private["_line_starts"] = line_starts(private["_raw"])  # a review that shows no lines never asks
        if origin is None or starts is None:
            origin = private["_origin"] = OffsetMap.identity(len(self.text))
            starts = private["_line_starts"] = line_starts(self.text)
        return line_col(starts, origin[offset])

    def _private(self) -> dict[str, Any]:
        # The private attributes' own dict: reading ``self._places`` goes through pydantic's ``__getattr__``, which
        # costs more than the look-up it serves (the rules ask for sections and lines tens of thousands of times).
        private = self.__pydantic_private__
        assert private is not None  # pydantic sets it for every model with private attributes
        return private

    def paragraphs(self) -> list[tuple[int, int]]:
        """Spans of the non-empty lines of ``text`` (prose paragraphs, headings, table cells)."""
        private = self._private()
        cached = private["_paragraphs"]
        if cached is None or cached[0] is not self.text:  # several rule families ask; the text is split once
            cached = private["_paragraphs"] = (self.text, self._split_paragraphs())
        return list(cached[1])  # a copy: a caller may change its list

    def _split_paragraphs(self) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        pos = 0
        for line in self.text.split("\n"):
            end = pos + len(line)
            if line.strip():
                spans.append((pos, end))
            pos = end + 1
        return spans


def _section(span: SectionSpan, sid: str) -> Section:
    # The tree validated in one call from plain data: a call a section costs a sixth more over a long report.
    return Section.model_validate(_section_data(span, sid))


def _section_data(span: SectionSpan, sid: str) -> dict[str, Any]:
    children = [_section_data(child, f"{sid}.{i}") for i, child in enumerate(span.children, 1)]
    return {
        "id": sid,
        "title": span.title,
        "level": span.level,
        "start": span.start,
        "end": span.end,
        "children": children,
    }


def _build(extraction: Extraction, path: str | None) -> Document:
    # Ingest makes hundreds of thousands of small objects that live until it ends (see assistant.collector).
    with collection_paused():
        return _build_document(extraction, path)


def _build_document(extraction: Extraction, path: str | None) -> Document:
    normalised = normalise(extraction.raw, extraction.blocks)
    text = normalised.text
    # Each table validated in one call from plain data (its cells as dicts): a call a cell costs a fifth more.
    tables = [
        Table.model_validate(
            {
                "title": t.title,
                "header": t.header,
                "rows": [[{"text": text[s:e], "start": s, "end": e} for s, e in row] for row in t.rows],
                "start": t.start,
                "end": t.end,
                "source": t.source,
            }
        )
        for t in normalised.tables
    ]
    spans = build_sections(text, [(t.start, t.end) for t in normalised.tables])
    document = Document(
        path=path,
        text=text,
        sections=[_section(s, str(i)) for i, s in enumerate(spans, 1)],
        tables=tables,
        notes=list(extraction.notes),
        unreadable=extraction.unreadable,
    )
    document._origin = normalised.origin
    document._raw = extraction.raw
    return document


def document_from_text(text: str, path: str | None = None) -> Document:
    """Normalise and section a report given as text (hard-wrapped or not)."""
    return _build(Extraction(text, [Flow(0, len(text))]), path)


def load_document(path: str | Path) -> Document:
    """Read a report from .txt, .md, .docx or .pdf; raise InputError when the file cannot be used."""
    file = Path(path)
    reader = _READERS.get(file.suffix.lower())
    if reader is None:
        raise InputError(
            f"{file}：不支持的文件类型“{file.suffix or '（无扩展名）'}”，请提供 .docx、.pdf、.txt 或 .md 文件"
            "（旧版 .doc/.wps 请先另存为 .docx）"
        )
    if not file.exists():
        raise InputError(f"{file}：找不到这个文件，请检查路径和文件名")
    if not file.is_file():
        raise InputError(f"{file}：这不是一个文件（可能是文件夹），请指定报告文件本身")
    if file.stat().st_size == 0:
        raise InputError(f"{file}：文件是空的，请确认选对了文件")
    try:
        extraction = reader(file)
    except OSError as error:
        raise InputError(f"{file}：无法读取文件（{error.strerror or error}），请检查文件权限后重试") from None
    if not extraction.raw.strip():
        raise InputError(f"{file}：文件里没有文字，请确认选对了文件")
    check_legible(file, extraction)
    return _build(extraction, str(file))
