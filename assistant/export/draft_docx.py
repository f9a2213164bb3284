"""The draft as a Word document laid out like a government report (GB/T 9704 page, 公文 fonts, real tables).

Title in 方正小标宋简体 二号; 一、 headings in 黑体 三号; （一） headings in 楷体_GB2312 三号; body 仿宋_GB2312 三号,
first line indented two characters, fixed 28-point line spacing; margins 37/35/28/26 mm; page number in the footer.
Fonts are named for East Asian text (``w:eastAsia``) as well as Latin text, so Word and WPS pick them up. A machine
without a font substitutes its own (LibreOffice and WPS map 方正小标宋简体 to a 宋/黑 face).
The official forms are real Word tables in a landscape section, 五号仿宋, header rows repeated on every page; their
figures come from the FactSheet in the draft's one money unit.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from docx import Document as new_document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from assistant.budget.models import ReportData
from assistant.budget.scoring import DEFAULT_RULES, ScoringRules
from assistant.checks.finding import CATEGORY_NAMES, SEVERITY_NAMES, Finding, sort_findings
from assistant.drafting.result import Draft, DraftSection
from assistant.drafting.tables import Block, FormTable
from assistant.export.docx_comments import AUTHOR, write_commented_docx
from assistant.reviewing.result import DocumentInfo, Review
from assistant.text.document import load_document


@dataclass(frozen=True)
class ReportFonts:
    """The faces and sizes (points) of a 公文-style report; override for a province's own rules."""

    title: str = "方正小标宋简体"
    heading1: str = "黑体"
    heading2: str = "楷体_GB2312"
    body: str = "仿宋_GB2312"
    latin: str = "Times New Roman"
    title_size: float = 22  # 二号
    body_size: float = 16  # 三号
    table_size: float = 10.5  # 五号
    line_spacing: float = 28


FONTS = ReportFonts()


def write_draft_docx(
    draft: Draft,
    data: ReportData,
    path: str | Path,
    *,
    fonts: ReportFonts = FONTS,
    rules: ScoringRules = DEFAULT_RULES,
) -> Path:
    """Write ``draft`` as a .docx report: the text, the official forms (landscape), and a Word comment per finding.

    Open findings are Word comments on their words (written by the review's comment writer), 【请补充】 and
    【待核实】 are highlighted, and the notes close the document as 起草提示.
    """
    doc = new_document()
    doc.core_properties.author = AUTHOR  # python-docx would sign the department's report as "python-docx"
    doc.core_properties.title = draft.title
    _page_setup(doc)
    _styles(doc, fonts)
    _footer_page_number(doc, fonts)
    _title(doc, draft.title, fonts)
    for section in draft.sections:
        if section.kind == "table":
            continue
        _heading(doc, section, fonts)
        _body(doc, section.text)
    forms = [s for s in draft.sections if s.kind == "table"]
    if forms:
        _orient(doc, landscape=True)
        for k, section in enumerate(forms):
            _form(doc, section, fonts, first=k == 0)
        _orient(doc, landscape=False)
    _drafting_notes(doc, draft, fonts, new_page=not forms)
    target = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "draft.docx"
        doc.save(str(plain))
        _comment(draft, plain, target)
    return target


def _comment(draft: Draft, plain: Path, target: Path) -> None:
    """Anchor each finding on its words in the saved document, with the review's comment writer."""
    text = load_document(plain).text
    placed: list[Finding] = []
    cursor = 0
    for section in draft.sections:
        body = section.text
        if not body.strip() or not section.findings:
            continue
        first = body.splitlines()[0].strip()
        base = text.find(first, cursor) if first else -1
        if base < 0:
            continue
        for f in section.findings:
            start = base + f.start
            if text[start : start + len(f.quote)] != f.quote:
                start = text.find(f.quote, base) if f.quote else -1
            if start < 0 or not f.quote:
                continue
            placed.append(f.model_copy(update={"start": start, "end": start + len(f.quote)}))
        cursor = base
    review = Review(
        document=DocumentInfo(path=str(target), chars=len(text), sections=[]),
        text=text,
        findings=sort_findings(placed),
    )
    # A draft's text is the department's data: a figure to change is a question for the department (a comment),
    # not an edit this program makes in its own draft.
    write_commented_docx(review, target, source=plain, track_fixes=False)


# ---- page, styles, fonts ----------------------------------------------------------------------------------------


def _page_setup(doc: DocxDocument) -> None:
    for s in doc.sections:
        s.orientation = WD_ORIENT.PORTRAIT
        s.page_width, s.page_height = Mm(210), Mm(297)
        s.top_margin, s.bottom_margin = Mm(37), Mm(35)
        s.left_margin, s.right_margin = Mm(28), Mm(26)
        s.footer_distance = Mm(28) - Mm(7)  # page number sits about 7 mm below the text block


def _orient(doc: DocxDocument, *, landscape: bool) -> None:
    """Start a new section (on a new page) in landscape or portrait; wide forms need the width."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    long, short = Mm(297), Mm(210)
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
    if landscape:
        section.top_margin, section.bottom_margin = Mm(28), Mm(26)
        section.left_margin, section.right_margin = Mm(37), Mm(35)
    else:
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)


def set_font(target: object, east_asian: str, latin: str, size: float | None = None, bold: bool | None = None) -> None:
    """Name a font for both Latin and East Asian text on a run or style (python-docx sets only the Latin one)."""
    font = target.font  # type: ignore[attr-defined]
    font.name = latin
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    rpr = target.element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if fonts.get(qn(theme)) is not None:
            del fonts.attrib[qn(theme)]
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:hint"), "eastAsia")


def _indent_chars(paragraph_format: object, element: object, chars: int, size: float) -> None:
    paragraph_format.first_line_indent = Pt(size * chars)  # type: ignore[attr-defined]
    ppr = element.get_or_add_pPr()  # type: ignore[attr-defined]
    ind = ppr.find(qn("w:ind"))
    if ind is None:
        ind = OxmlElement("w:ind")
        ppr.append(ind)
    ind.set(qn("w:firstLineChars"), str(chars * 100))


def _styles(doc: DocxDocument, fonts: ReportFonts) -> None:
    normal = doc.styles["Normal"]
    set_font(normal, fonts.body, fonts.latin, fonts.body_size)
    pf = normal.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(fonts.line_spacing)
    pf.space_before = pf.space_after = Pt(0)
    pf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _indent_chars(pf, normal.element, 2, fonts.body_size)
    for name, face in (("Heading 1", fonts.heading1), ("Heading 2", fonts.heading2)):
        style = doc.styles[name]
        set_font(style, face, fonts.latin, fonts.body_size, bold=False)
        style.font.color.rgb = None
        style.font.italic = False
        spf = style.paragraph_format
        spf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        spf.line_spacing = Pt(fonts.line_spacing)
        spf.space_before = spf.space_after = Pt(0)
        spf.keep_with_next = True
        _indent_chars(spf, style.element, 2, fonts.body_size)
    title = doc.styles["Title"]
    set_font(title, fonts.title, fonts.latin, fonts.title_size, bold=False)
    title.font.color.rgb = None
    tpf = title.paragraph_format
    tpf.alignment = WD_ALIGN_PARAGRAPH.CENTER
    tpf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    tpf.line_spacing = Pt(36)
    tpf.space_after = Pt(28)
    tpf.first_line_indent = Pt(0)
    # The built-in Title style draws a bottom border; a government report has none.
    ppr = title.element.get_or_add_pPr()
    border = ppr.find(qn("w:pBdr"))
    if border is not None:
        ppr.remove(border)


def _footer_page_number(doc: DocxDocument, fonts: ReportFonts) -> None:
    for s in doc.sections:
        p = s.footer.paragraphs[0] if s.footer.paragraphs else s.footer.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.first_line_indent = Pt(0)
        _plain_run(p, "— ", fonts, 14)
        field = OxmlElement("w:fldSimple")
        field.set(qn("w:instr"), "PAGE")
        inner = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = "1"
        inner.append(text)
        field.append(inner)
        p._p.append(field)
        _plain_run(p, " —", fonts, 14)


def _plain_run(p: Paragraph, text: str, fonts: ReportFonts, size: float, face: str | None = None) -> None:
    run = p.add_run(text)
    set_font(run, face or fonts.body, fonts.latin, size)


# ---- the report text ---------------------------------------------------------------------------------------------


def _title(doc: DocxDocument, title: str, fonts: ReportFonts) -> None:
    p = doc.add_paragraph(style="Title")
    run = p.add_run(title)
    set_font(run, fonts.title, fonts.latin, fonts.title_size)


def _heading(doc: DocxDocument, section: DraftSection, fonts: ReportFonts) -> None:
    level = 1 if section.level <= 1 else 2
    p = doc.add_paragraph(style=f"Heading {level}")
    run = p.add_run(section.title)
    set_font(run, fonts.heading1 if level == 1 else fonts.heading2, fonts.latin, fonts.body_size)


_MARK = re.compile(r"【(?:请补充|待核实)[^】]*】")


def add_marked(p: Paragraph, text: str, font: tuple[str, str, float] | None = None, bold: bool = False) -> None:
    """Add ``text`` to ``p`` as runs, the 【请补充】/【待核实】 marks highlighted so the drafter sees every gap."""
    pos = 0
    pieces: list[tuple[str, bool]] = []
    for m in _MARK.finditer(text):
        pieces += [(text[pos : m.start()], False), (m.group(), True)]
        pos = m.end()
    pieces.append((text[pos:], False))
    for piece, marked in pieces:
        if not piece:
            continue
        run = p.add_run(piece)
        if font is not None:
            set_font(run, font[0], font[1], font[2], bold=bold or None)
        if marked:
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _body(doc: DocxDocument, text: str) -> None:
    for line in text.splitlines():
        if line.strip():
            add_marked(doc.add_paragraph(), line.strip())


# ---- tables ------------------------------------------------------------------------------------------------------


def _indent_none(p: Paragraph) -> None:
    ind = p._p.get_or_add_pPr().find(qn("w:ind"))
    if ind is None:
        ind = OxmlElement("w:ind")
        p._p.get_or_add_pPr().append(ind)
    ind.set(qn("w:firstLineChars"), "0")
    ind.set(qn("w:firstLine"), "0")


def _cell(cell: _Cell, text: str, fonts: ReportFonts, *, bold: bool = False, center: bool = False) -> None:
    lines = [line for line in (text or "").splitlines() if line.strip()] or [""]
    first = cell.paragraphs[0]
    for k, line in enumerate(lines):
        p = first if k == 0 else cell.add_paragraph()
        pf = p.paragraph_format
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
        pf.first_line_indent = Pt(0)
        _indent_none(p)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.LEFT
        add_marked(p, line, (fonts.body, fonts.latin, fonts.table_size), bold=bold)


def _new_table(doc: DocxDocument, rows: int, cols: int) -> Table:
    table = doc.add_table(rows=rows, cols=cols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    return table


def _repeat_header(table: Table, rows: int) -> None:
    """Mark the first ``rows`` rows as header rows, repeated at the top of every page the table runs onto."""
    for row in table.rows[:rows]:
        trpr = row._tr.get_or_add_trPr()
        flag = OxmlElement("w:tblHeader")
        flag.set(qn("w:val"), "true")
        trpr.append(flag)


def _merge_down(table: Table, col: int, first_row: int, values: list[str]) -> None:
    """Merge vertically adjacent cells of ``col`` that repeat the same value (一级指标 spans its rows).

    Rows of the indicator block have one cell per grid column, so ``col`` indexes the row's cells directly.
    """
    rows = table._tbl.tr_lst
    start = 0
    for k in range(1, len(values) + 1):
        if k == len(values) or values[k] != values[start]:
            if k - start > 1 and values[start]:
                rows[first_row + start].tc_lst[col].vMerge = "restart"
                for j in range(start + 1, k):
                    tc = rows[first_row + j].tc_lst[col]
                    tc.vMerge = "continue"
                    for p in tc.p_lst:  # the merged cell shows the top cell's text once
                        for run in p.r_lst:
                            p.remove(run)
            start = k


def _grid_row(
    table: Table, r: int, values: list[str], spans: list[int], fonts: ReportFonts, bold: bool = False
) -> None:
    """Fill row ``r``: one cell per value, each spanning its grid columns (merged by gridSpan, in place)."""
    tr = table._tbl.tr_lst[r]
    tcs = list(tr.tc_lst)
    col = 0
    for value, span in zip(values, spans, strict=True):
        tc = tcs[col]
        if span > 1:
            width = Length(sum(int(t.width or 0) for t in tcs[col : col + span]))
            for extra in tcs[col + 1 : col + span]:
                tr.remove(extra)
            tc.grid_span = span
            tc.width = width
        # Labels and figures are centred; sentences read better left-aligned.
        _cell(_Cell(tc, table), value, fonts, bold=bold, center=bold or len(value) <= SHORT_CELL)
        col += span


SHORT_CELL = 10
LANDSCAPE_TEXT_WIDTH = Mm(297 - 37 - 35)


def _widths(table: Table, weights: list[int]) -> None:
    """Fix the grid column widths (Word otherwise shares the width equally and narrow text columns wrap)."""
    table.autofit = False
    total = sum(weights)
    widths = [Length(int(LANDSCAPE_TEXT_WIDTH * w / total)) for w in weights]
    for col, width in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=False):
        col.w = width  # LibreOffice and WPS lay out by the grid, Word by the cells: set both
    for tr in table._tbl.tr_lst:
        for tc, width in zip(tr.tc_lst, widths, strict=False):
            tc.width = width


def _form_table(doc: DocxDocument, form: FormTable, blocks: list[Block], fonts: ReportFonts) -> None:
    """One Word table for consecutive blocks; a block that repeats its header starts the table it is in."""
    count = sum(len(b.rows) + 1 + (1 if b.title and not b.repeat_header else 0) for b in blocks)
    table = _new_table(doc, count, form.grid)
    _widths(table, form.widths)
    for tr in table._tbl.tr_lst:  # a row stays on one page: a split row reads as a stray fragment
        tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    r = 0
    for block in blocks:
        if block.title and not block.repeat_header:
            _grid_row(table, r, [block.title], [form.grid], fonts, bold=True)
            r += 1
        _grid_row(table, r, block.header, block.spans, fonts, bold=True)
        if block.repeat_header:
            _repeat_header(table, r + 1)
        first = r + 1
        for row in block.rows:
            r += 1
            _grid_row(table, r, row, block.spans, fonts)
        r += 1
        if block.repeat_header:
            _merge_down(table, 0, first, [row[0] for row in block.rows])
            _merge_down(table, 1, first, [f"{row[0]}|{row[1]}" if row[1] else "" for row in block.rows])


def _form(doc: DocxDocument, section: DraftSection, fonts: ReportFonts, *, first: bool) -> None:
    """A form: its title, unit line, tables, then the section's text as 自评说明."""
    if not first:
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    form = section.table
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _indent_none(p)
    run = p.add_run(form.title if form else section.title)
    set_font(run, fonts.heading1, fonts.latin, fonts.body_size, bold=False)
    if form is not None:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _indent_none(p)
        _plain_run(p, form.unit, fonts, fonts.table_size)
        groups: list[list[Block]] = []
        for block in form.blocks:
            if block.repeat_header or not groups:
                groups.append([block])
            else:
                groups[-1].append(block)
        for k, group in enumerate(groups):
            if k:
                spacer = doc.add_paragraph()
                spacer.paragraph_format.line_spacing = Pt(2)
            _form_table(doc, form, group, fonts)
    if section.text:
        p = doc.add_paragraph()
        _plain_run(p, "自评说明：", fonts, fonts.body_size, fonts.heading1)
        _body(doc, section.text)


def _drafting_notes(doc: DocxDocument, draft: Draft, fonts: ReportFonts, *, new_page: bool) -> None:
    """起草提示 at the end: the notes and every finding, for the drafter to clear before the report is final."""
    if not draft.notes and not draft.findings:
        return
    if new_page:
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    p = doc.add_paragraph(style="Heading 1")
    run = p.add_run("附：起草提示（定稿前删除）")
    set_font(run, fonts.heading1, fonts.latin, fonts.body_size)
    for note in draft.notes:
        doc.add_paragraph(note)
    for f in draft.findings:
        doc.add_paragraph(
            f"【{f.section or ''}】{SEVERITY_NAMES[f.severity]}·{CATEGORY_NAMES[f.category]}：“{f.quote}”——{f.message}"
        )
