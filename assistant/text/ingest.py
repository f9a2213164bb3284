"""Reading report files: the only module that touches python-docx and pdfplumber.

Each reader returns an ``Extraction``: the original text (the file's content, or the text extracted from a Word
or PDF file, which is what line/column numbers refer to) and its blocks for ``reflow.normalise``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from assistant.errors import InputError
from assistant.text.reflow import Block, Flow, Grid, Para

MAX_BYTES = 20 * 1024 * 1024
MAX_PAGES = 500
_NO_TEXT_LAYER = "该 PDF 没有文字层（可能是扫描件），请先做 OCR 或提供 Word/文本版本"


@dataclass
class Extraction:
    """The original text and how it splits into blocks."""

    raw: str
    blocks: list[Block] = field(default_factory=list)


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
    """A .txt/.md file: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030."""
    if path.stat().st_size > MAX_BYTES:
        raise _too_big(path)
    data = path.read_bytes()
    text: str | None = None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8-sig", "gb18030"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise InputError(f"{path}：无法识别文件编码（既不是 UTF-8 也不是 GB18030），请用记事本等另存为 UTF-8 后重试")
    return Extraction(text, [Flow(0, len(text))])


def read_docx(path: Path) -> Extraction:
    """A Word .docx: paragraphs and tables in document order; every table cell on its own line."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except Exception:
        raise InputError(
            f"{path}：无法打开这个 Word 文件（不是有效的 .docx，可能已损坏或其实是旧版 .doc），请用 Word 另存为 .docx 后重试"
        ) from None
    writer = _Writer()
    last_paragraph = ""
    for element in _body_elements(document.element.body):
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = Paragraph(element, document).text
            start, end = writer.add(text)
            writer.blocks.append(Para(start, end))
            if text.strip():
                last_paragraph = text.strip()
        elif tag == "tbl":
            table = Table(element, document)
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
            title = last_paragraph if 0 < len(last_paragraph) <= 40 and last_paragraph[-1] not in "。；：:" else None
            writer.table(rows, title, "docx")
            last_paragraph = ""
        if writer.size > MAX_BYTES:
            raise _too_big(path)
    return writer.result()


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
    """A PDF's text layer page by page; ruled tables (pdfplumber) become cells, the rest prose to re-flow."""
    import pdfplumber

    writer = _Writer()
    try:
        with pdfplumber.open(str(path)) as pdf:
            if len(pdf.pages) > MAX_PAGES:
                raise _too_big(path)
            for page in pdf.pages:
                _read_page(page, writer)
                if writer.size > MAX_BYTES:
                    raise _too_big(path)
    except InputError:
        raise
    except Exception as error:
        if _is_encryption_error(error):
            raise InputError(f"{path}：PDF 已加密（需要密码），请先解除密码保护后重试") from None
        raise InputError(
            f"{path}：无法读取这个 PDF（文件可能已损坏或不是 PDF），请重新导出 PDF，或提供 Word/文本版本"
        ) from None
    extraction = writer.result()
    if not "".join(extraction.raw.split()):
        raise InputError(f"{path}：{_NO_TEXT_LAYER}")
    return extraction


def _read_page(page: Any, writer: _Writer) -> None:
    tables = sorted(page.find_tables(), key=lambda t: t.bbox[1])
    x0, top, x1, bottom = page.bbox
    y = top
    for table in tables:
        _prose(page, (x0, y, x1, max(y, table.bbox[1])), writer)
        rows = [list(row) for row in table.extract()]
        writer.table(rows, None, "pdf")
        y = min(max(y, table.bbox[3]), bottom)
    _prose(page, (x0, y, x1, bottom), writer)


def _prose(page: Any, bbox: tuple[float, float, float, float], writer: _Writer) -> None:
    if bbox[3] <= bbox[1]:
        return
    text = page.within_bbox(bbox).extract_text() or ""
    if text.strip():
        writer.flow(text)


def _is_encryption_error(error: BaseException) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        name = type(seen).__name__ + " " + " ".join(type(a).__name__ for a in seen.args if isinstance(a, BaseException))
        if "Password" in name or "Encrypt" in name:
            return True
        seen = seen.__cause__ or seen.__context__
    return False
