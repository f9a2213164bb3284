"""Reading report files: the only module that touches python-docx and pdfplumber.

Each reader returns an ``Extraction``: the original text (the file's content, or the text extracted from a Word
or PDF file, which is what line/column numbers refer to) and its blocks for ``reflow.normalise``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from assistant.errors import InputError
from assistant.text import legibility
from assistant.text.flattened import table_regions
from assistant.text.lines import split_lines
from assistant.text.page_layout import PageLayout, TextLine
from assistant.text.reflow import Block, Flow, Grid, Para, wrap_width

MAX_BYTES = 20 * 1024 * 1024
MAX_PAGES = 500
_MIN_PAGE_WIDTH = 30  # half-width units: 15 CJK characters
_NO_ENCODING = "PDF 字体缺少编码信息，无法提取文字；请另存为 .docx 或先 OCR"
_NO_TEXT_LAYER = "该 PDF 没有文字层（可能是扫描件），请先做 OCR 或提供 Word/文本版本"


@dataclass
class Extraction:
    """The original text and how it splits into blocks."""

    raw: str
    blocks: list[Block] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what a reader should know about how the text was read
    unreadable: str | None = None  # how much of the text could not be read, when some could not


class _Writer:
    """Builds the original text piece by piece without quadratic concatenation."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.blocks: list[Block] = []

    def add(self, text: str) -> tuple[int, int]:
        if self.size:
            self.parts.append("\n")
            self.size += 1
        start = self.size
        self.parts.append(text)
        self.size += len(text)
        return start, self.size

    def table(self, rows: list[list[str | None]], title: str | None, source: Literal["docx", "pdf"]) -> None:
        """Write a table cell per line, a blank line between rows; a None cell repeats the one left of/above it."""
        spans: list[list[tuple[int, int]]] = []
        for r, row in enumerate(rows):
            if r:
                self.add("")
            out: list[tuple[int, int]] = []
            for c, cell in enumerate(row):
                if cell is None:
                    if c:
                        out.append(out[-1])
                    elif spans and spans[-1]:
                        out.append(spans[-1][0])
                    else:
                        out.append((self.size, self.size))
                    continue
                out.append(self.add(cell))
            spans.append(out)
        self.blocks.append(Grid(title, spans, source))

    def flow(self, text: str) -> None:
        """Add hard-wrapped text; text that directly follows other flow text (the next page) continues it."""
        follows = bool(self.blocks) and isinstance(self.blocks[-1], Flow) and self.blocks[-1].end == self.size
        start, end = self.add(text)
        if follows:
            start = self.blocks.pop().start  # type: ignore[union-attr]
        self.blocks.append(Flow(start, end))

    def result(self) -> Extraction:
        return Extraction("".join(self.parts), self.blocks)


def _too_big(path: Path) -> InputError:
    return InputError(
        f"{path}：文件太大（超过 {MAX_BYTES // (1024 * 1024)} MB 文本或 {MAX_PAGES} 页），请拆分后分别处理"
    )


def read_text_file(path: Path) -> Extraction:
    """A .txt/.md file: UTF-8 (with or without BOM), UTF-16 (with or without BOM), else GB18030 or Big5."""
    if path.stat().st_size > MAX_BYTES:
        raise _too_big(path)
    data = path.read_bytes()
    notes: list[str] = []
    bom16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    utf16 = "utf-16" if bom16 else legibility.utf16_without_bom(data)
    text: str | None = None
    if utf16:
        try:
            text = data.decode(utf16)
            notes.append("文件编码为 UTF-16，已按 UTF-16 读取")
        except UnicodeDecodeError:
            text = None
    if text is None:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            legacy = legibility.decode_legacy(data)
            if legacy is not None:
                text, name = legacy
                notes.append(
                    f"文件编码为 {name}，已按此编码读取"
                    if name == "UTF-16"
                    else f"文件不是 UTF-8 编码，已按 {name} 编码读取；如文字显示不对，请另存为 UTF-8 后重试"
                )
    if text is None:
        raise InputError(
            f"{path}：无法识别文件编码（不是 UTF-8、UTF-16、GB18030 或 Big5），请用记事本等另存为 UTF-8 后重试"
        )
    return Extraction(text, [Flow(0, len(text))], notes)


def read_docx(path: Path) -> Extraction:
    """A Word .docx: paragraphs and tables in document order; every table cell on its own line."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    from assistant.zipguard import check_zip

    check_zip(path, kind="Word 文档")  # sizes from the zip directory, before python-docx inflates anything
    try:
        document = docx.Document(str(path))
    except Exception:
        raise InputError(
            f"{path}：无法打开这个 Word 文件（不是有效的 .docx，可能已损坏或其实是旧版 .doc），请用 Word 另存为 .docx 后重试"
        ) from None
    items: list[str | list[list[str | None]]] = []  # paragraph texts and tables, in document order
    size = 0
    for element in _body_elements(document.element.body):
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            items.append(Paragraph(element, document).text)
            size += len(items[-1])
        elif tag == "tbl":
            items.append(_table_rows(Table(element, document)))
            size += sum(len(cell or "") for row in items[-1] for cell in row)
        if size > MAX_BYTES:
            raise _too_big(path)
    reflow = _to_reflow(items)
    writer = _Writer()
    last_paragraph = ""
    for i, item in enumerate(items):
        if isinstance(item, str):
            if i in reflow:
                writer.flow(item)
            else:
                start, end = writer.add(item)
                writer.blocks.append(Para(start, end))
            if item.strip():
                last_paragraph = item.strip()
        else:
            title = last_paragraph if 0 < len(last_paragraph) <= 40 and last_paragraph[-1] not in "。；：:" else None
            writer.table(item, title, "docx")
            last_paragraph = ""
        if writer.size > MAX_BYTES:
            raise _too_big(path)
    return writer.result()


def _table_rows(table: Any) -> list[list[str | None]]:
    """A Word table's cell texts; a merged cell's repeats are None."""
    rows: list[list[str | None]] = []
    # Merged cells come back as the same <w:tc> element; holding the elements keeps lxml's proxies
    # (and so their identity) alive while we compare.
    seen: dict[Any, None] = {}
    for row in table.rows:
        cells: list[str | None] = []
        for cell in row.cells:
            cells.append(None if cell._tc in seen else cell.text)
            seen[cell._tc] = None
        rows.append(cells)
    return rows


def _to_reflow(items: list[str | list[list[str | None]]]) -> set[int]:
    """The paragraphs (by index in ``items``) to re-flow like extracted text rather than keep as they are.

    All of them when they are the wrapped lines of a page (what PDF-to-Word converters make); otherwise those
    holding a table that was flattened into paragraphs, so that it is recovered as from any other format.
    Real paragraphs are otherwise kept whole: a short one ("无") is never joined to a heading.
    """
    runs: list[list[int]] = [[]]  # runs of consecutive paragraphs between real tables
    for i, item in enumerate(items):
        if isinstance(item, str):
            runs[-1].append(i)
        elif runs[-1]:
            runs.append([])
    texts = ["\n".join(str(items[i]) for i in run) for run in runs]
    lines = [[line for line in split_lines(text, 0, len(text)) if line is not None] for text in texts]
    every_line = [line for run in lines for line in run]
    width = wrap_width(every_line)
    # Headings of similar length are not a page's wrapped lines: a page is wider than a heading.
    if width is not None and width >= _MIN_PAGE_WIDTH:
        return {i for run in runs for i in run}
    out: set[int] = set()
    for run, text in zip(runs, texts, strict=True):
        every = split_lines(text, 0, len(text))
        # Line k of the run belongs to the paragraph whose text holds it (a paragraph may hold line breaks).
        owner: list[int] = []
        for i in run:
            owner.extend([i] * (str(items[i]).count("\n") + 1))
        for title, header, end in table_regions(every):
            first = header if title is None else title
            out.update(owner[first:end])
    return out


def _body_elements(body: Any) -> list[Any]:
    """Top-level paragraphs and tables, looking inside content controls (w:sdt) that wrap them."""
    out: list[Any] = []
    for element in body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag in ("p", "tbl"):
            out.append(element)
        elif tag == "sdt":
            for content in element.iterchildren():
                if content.tag.rsplit("}", 1)[-1] == "sdtContent":
                    out.extend(_body_elements(content))
    return out


def read_pdf(path: Path) -> Extraction:
    """A PDF's text layer page by page; ruled tables (pdfplumber) become cells, the rest prose to re-flow.

    Prose keeps what the page shows of its layout: a blank line where the vertical gap between two lines is
    wider than the page's usual leading (a paragraph or table-cell break), and the indent of a line.
    """
    import pdfplumber

    # pdfminer logs its complaints about odd fonts to stderr; what matters to the user is said in our messages.
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    pages: list[list[_Piece]] = []
    size = 0
    with _pdf_errors(path):
        pdf = pdfplumber.open(str(path))
    with pdf:
        with _pdf_errors(path):
            count = len(pdf.pages)
        if count > MAX_PAGES:
            raise _too_big(path)
        for pdf_page in pdf.pages:
            pages.append(_read_page(path, pdf_page))
            size += sum(len(line.text) for piece in pages[-1] if isinstance(piece, _Lines) for line in piece.lines)
            if size > MAX_BYTES:
                raise _too_big(path)
    writer = _Writer()
    layout = PageLayout(
        [line for pieces in pages for piece in pieces if isinstance(piece, _Lines) for line in piece.lines]
    )
    for i, pieces in enumerate(pages):
        for j, piece in enumerate(pieces):
            if isinstance(piece, _Lines):
                first = i > 0 and j == 0
                last = i + 1 < len(pages) and j == len(pieces) - 1
                writer.flow(layout.text(piece.lines, page_top=first, page_bottom=last))
            else:
                writer.table(piece, None, "pdf")
    extraction = writer.result()
    if not "".join(extraction.raw.split()):
        raise InputError(f"{path}：{_NO_TEXT_LAYER}")
    # Some fonts map glyphs to Kangxi radicals ("⽣" for "生"); read them as the ideographs they show.
    extraction.raw = legibility.ordinary_ideographs(extraction.raw)
    return extraction


def check_legible(path: Path, extraction: Extraction) -> None:
    """Refuse text that is mostly unreadable; note text that is partly so (never review garbage as clean)."""
    found = legibility.problem(extraction.raw)
    if found is None:
        return
    refuse, detail = found
    pdf = path.suffix.lower() == ".pdf"
    if refuse:
        if pdf:
            raise InputError(f"{path}：{_NO_ENCODING}（{detail}）")
        raise InputError(
            f"{path}：文字无法识别为正常中文（{detail}）；请确认文件编码，或另存为 UTF-8 文本或 .docx 后重试"
        )
    where = "请另存为 .docx 或先 OCR" if pdf else "请确认文件编码，或另存为 UTF-8 文本或 .docx"
    extraction.unreadable = detail
    extraction.notes.append(f"部分文字无法正常读取（{detail}），这些地方未能检查；{where}")


@contextmanager
def _pdf_errors(path: Path) -> Iterator[None]:
    """Around one pdfplumber/pdfminer call: what they raise on a broken or encrypted file becomes an InputError.

    Only third-party calls go inside: an exception from our own code is a bug and must not be reported to the
    user as a damaged file.
    """
    try:
        yield
    except InputError:
        raise
    except Exception as error:  # pdfminer raises many unrelated types (PSEOF, PDFSyntaxError, KeyError…) on bad input
        if _is_encryption_error(error):
            raise InputError(f"{path}：PDF 已加密（需要密码），请先解除密码保护后重试") from None
        raise InputError(
            f"{path}：无法读取这个 PDF（文件可能已损坏或不是 PDF），请重新导出 PDF，或提供 Word/文本版本"
        ) from None


@dataclass
class _Lines:
    lines: list[TextLine]


_Piece = _Lines | list[list[str | None]]  # prose lines, or a table's rows


def _read_page(path: Path, page: Any) -> list[_Piece]:
    """The page top to bottom: runs of prose lines and the ruled tables between them."""
    with _pdf_errors(path):
        found = page.find_tables()
        tables = sorted(((t.bbox, [list(row) for row in t.extract()]) for t in found), key=lambda t: t[0][1])
        boxes = [bbox for bbox, _ in tables]
        prose = page.filter(lambda obj: not _inside(obj, boxes)) if boxes else page
        lines = [
            TextLine(line["text"], float(line["x0"]), float(line["x1"]), float(line["top"]), float(line["bottom"]))
            for line in prose.extract_text_lines(return_chars=False)
            if line["text"].strip()
        ]
    out: list[_Piece] = []
    rest = iter(sorted(lines, key=lambda line: line.top))
    line = next(rest, None)
    for bbox, rows in tables:
        pending: list[TextLine] = []
        while line is not None and line.top < bbox[1]:
            pending.append(line)
            line = next(rest, None)
        if pending:
            out.append(_Lines(pending))
        out.append(rows)
    pending = []
    while line is not None:
        pending.append(line)
        line = next(rest, None)
    if pending:
        out.append(_Lines(pending))
    return out


def _inside(obj: dict[str, Any], boxes: list[tuple[float, float, float, float]]) -> bool:
    """Whether a page object's centre lies in one of the table boxes (its text is read as the table's cells)."""
    if "x0" not in obj or "top" not in obj:
        return False
    x = (obj["x0"] + obj["x1"]) / 2
    y = (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)


def _is_encryption_error(error: BaseException) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        name = type(seen).__name__ + " " + " ".join(type(a).__name__ for a in seen.args if isinstance(a, BaseException))
        if "Password" in name or "Encrypt" in name:
            return True
        seen = seen.__cause__ or seen.__context__
    return False
