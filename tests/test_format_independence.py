"""The same report as .txt, as .docx and as .pdf gives the same findings: reflow and table recovery apply to all.

The inputs are generated here from the reference report: a .docx with one paragraph per line (what PDF-to-Word
converters make), a .docx with real paragraphs and Word tables, and a PDF printed by Chromium from an HTML page.
Findings are matched by rule and quote; each other format must keep ≥ 90% of the .txt findings and add ≤ 10%.
"""

from __future__ import annotations

import html
import shutil
import subprocess
from pathlib import Path

import docx
import pytest

from assistant.reviewing import review
from assistant.reviewing.result import Review
from assistant.text.document import document_from_text

REFERENCE = Path(__file__).parents[1] / "eval_cases" / "reports" / "kunming-2023-self-evaluation.txt"
KEEP, ADD = 0.90, 0.10
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def _keys(result: Review) -> set[tuple[str, str]]:
    return {(f.rule, f.quote) for f in result.findings}


@pytest.fixture(scope="module")
def from_txt() -> set[tuple[str, str]]:
    keys = _keys(review(REFERENCE))
    assert len(keys) >= 20  # the comparison means something only when the report has findings
    return keys


def _agreement(base: set[tuple[str, str]], other: set[tuple[str, str]]) -> tuple[float, float]:
    return len(base & other) / len(base), len(other - base) / len(base)


def _docx(path: Path, paragraphs: list[str]) -> Path:
    word = docx.Document()
    for text in paragraphs:
        word.add_paragraph(text)
    word.save(str(path))
    return path


def test_docx_with_one_paragraph_per_line_gives_the_txt_findings(
    tmp_path: Path, from_txt: set[tuple[str, str]]
) -> None:
    lines = REFERENCE.read_text(encoding="utf-8").split("\n")
    path = _docx(tmp_path / "converted.docx", lines)

    kept, added = _agreement(from_txt, _keys(review(path)))

    assert kept >= KEEP and added <= ADD, f"kept {kept:.0%}, added {added:.0%}"


def test_docx_with_real_paragraphs_and_word_tables_gives_the_txt_findings(
    tmp_path: Path, from_txt: set[tuple[str, str]]
) -> None:
    # What a department writes in Word: whole paragraphs, and the self-evaluation tables as real tables.
    doc = document_from_text(REFERENCE.read_text(encoding="utf-8"))
    word = docx.Document()
    pos = 0
    for table in doc.tables:
        for line in doc.text[pos : table.start].strip("\n").split("\n"):
            word.add_paragraph(line)
        if table.title:
            word.add_paragraph(table.title)
        columns = max(len(table.header), *(len(row) for row in table.rows))
        grid = word.add_table(rows=1 + len(table.rows), cols=columns)
        for c, name in enumerate(table.header):
            grid.cell(0, c).text = name
        for r, row in enumerate(table.rows, 1):
            for c, cell in enumerate(row, columns - len(row)):  # a row missing its merged first cell
                grid.cell(r, c).text = cell.text
        pos = table.end
    for line in doc.text[pos:].strip("\n").split("\n"):
        word.add_paragraph(line)
    path = tmp_path / "written.docx"
    word.save(str(path))

    result = review(path)
    kept, added = _agreement(from_txt, _keys(result))

    assert kept >= KEEP and added <= ADD, f"kept {kept:.0%}, added {added:.0%}"
    assert result.coverage is not None and result.coverage.tables == {"docx": len(doc.tables)}


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is needed to print the PDF")
def test_chromium_printed_pdf_gives_the_txt_findings(tmp_path: Path, from_txt: set[tuple[str, str]]) -> None:
    page = tmp_path / "report.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><style>pre { font-family: "WenQuanYi Zen Hei", '
        '"Noto Sans CJK SC", sans-serif; font-size: 12pt; }</style></head><body><pre>'
        + html.escape(REFERENCE.read_text(encoding="utf-8"))
        + "</pre></body></html>",
        encoding="utf-8",
    )
    pdf = tmp_path / "report.pdf"
    assert CHROMIUM is not None
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )

    result = review(pdf)
    kept, added = _agreement(from_txt, _keys(result))

    assert kept >= KEEP and added <= ADD, f"kept {kept:.0%}, added {added:.0%}"
    assert result.coverage is not None and result.coverage.tables.get("flattened", 0) >= 1
