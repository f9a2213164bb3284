"""The draft as a Word document laid out like a government report (GB/T 9704 page, 公文 fonts, real tables).

Title in 方正小标宋简体 二号; 一、 headings in 黑体 三号; （一） headings in 楷体_GB2312 三号; body 仿宋_GB2312 三号,
first line indented two characters, fixed 28-point line spacing; margins 37/35/28/26 mm; page number in the footer.
Fonts are named for East Asian text (``w:eastAsia``) as well as Latin text, so Word and WPS pick them up. A machine
without a font substitutes its own (LibreOffice and WPS map 方正小标宋简体 to a 宋/黑 face).
The self-evaluation tables are real Word tables whose amounts are written from the FactSheet.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from docx import Document as new_document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from assistant.budget.facts import FactSheet, build_facts
from assistant.budget.models import Indicator, Project, ReportData
from assistant.budget.scoring import DEFAULT_RULES, ScoringRules, execution_score
from assistant.checks.finding import CATEGORY_NAMES, SEVERITY_NAMES
from assistant.drafting.result import Draft, DraftSection
from assistant.units import format_number


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
OVERALL_COLUMNS = ("一级指标", "任务名称", "任务措施", "实际执行情况", "对比", "说明")
INDICATOR_COLUMNS = ("一级指标", "二级指标", "三级指标", "指标值", "实际完成值", "分值", "得分", "偏差原因及改进措施")


def write_draft_docx(
    draft: Draft,
    data: ReportData,
    path: str | Path,
    *,
    fonts: ReportFonts = FONTS,
    rules: ScoringRules = DEFAULT_RULES,
) -> Path:
    """Write ``draft`` as a .docx report with the self-evaluation tables built from ``data``."""
    sheet = build_facts(data, rules)
    doc = new_document()
    _page_setup(doc)
    _styles(doc, fonts)
    _footer_page_number(doc, fonts)
    _title(doc, draft.title, fonts)
    for section in draft.sections:
        if section.kind == "table":
            continue
        _heading(doc, section, fonts)
        _body(doc, section.text)
    tables = {s.id: s for s in draft.sections if s.kind == "table"}
    if tables:
        if "table.overall" in tables:
            _overall_table(doc, data, sheet, tables["table.overall"], fonts)
        for i, project in enumerate(data.projects, 1):
            narrative = tables.get(f"table.p{i}")
            if narrative is not None:
                _project_table(doc, project, i, sheet, narrative, fonts, rules)
    _drafting_notes(doc, draft, fonts)
    target = Path(path)
    doc.save(str(target))
    return target


# ---- page, styles, fonts ----------------------------------------------------------------------------------------


def _page_setup(doc: DocxDocument) -> None:
    for s in doc.sections:
        s.orientation = WD_ORIENT.PORTRAIT
        s.page_width, s.page_height = Mm(210), Mm(297)
        s.top_margin, s.bottom_margin = Mm(37), Mm(35)
        s.left_margin, s.right_margin = Mm(28), Mm(26)
        s.footer_distance = Mm(28) - Mm(7)  # page number sits about 7 mm below the text block


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


def _body(doc: DocxDocument, text: str) -> None:
    for line in text.splitlines():
        if line.strip():
            doc.add_paragraph(line.strip())


# ---- tables ------------------------------------------------------------------------------------------------------


def _table_title(doc: DocxDocument, title: str, fonts: ReportFonts) -> None:
    p = doc.add_paragraph()
    p.add_run().add_break(WD_BREAK.PAGE)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.first_line_indent = Pt(0)
    _indent_none(p)
    run = p.add_run(title)
    set_font(run, fonts.heading1, fonts.latin, fonts.body_size, bold=False)


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
        run = p.add_run(line)
        set_font(run, fonts.body, fonts.latin, fonts.table_size, bold=bold)


def _new_table(doc: DocxDocument, rows: int, cols: int) -> Table:
    table = doc.add_table(rows=rows, cols=cols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    return table


def _merge_runs(table: Table, col: int, first_row: int, values: list[str]) -> None:
    """Merge vertically adjacent cells of ``col`` that repeat the same value (一级指标 spans its rows)."""
    start = 0
    for k in range(1, len(values) + 1):
        if k == len(values) or values[k] != values[start]:
            if k - start > 1:
                top = table.cell(first_row + start, col)
                merged = top.merge(table.cell(first_row + k - 1, col))
                for p in merged.paragraphs[1:]:
                    p._p.getparent().remove(p._p)
            start = k


def _fact(sheet: FactSheet, *ids: str, unit: str | None = None) -> str:
    for fid in ids:
        fact = sheet.get(fid)
        if fact is not None:
            return fact.written(unit if fact.dimension == "money" else None)
    return ""


def _overall_table(
    doc: DocxDocument, data: ReportData, sheet: FactSheet, section: DraftSection, fonts: ReportFonts
) -> None:
    _table_title(doc, f"{data.department.name}{data.year}年度部门整体支出绩效自评表", fonts)
    rows = data.overall_table
    scored = any(r.weight is not None or r.score is not None for r in rows)
    columns = [*OVERALL_COLUMNS, *(("分值", "得分") if scored else ())]
    table = _new_table(doc, len(rows) + 1, len(columns))
    for c, name in enumerate(columns):
        _cell(table.cell(0, c), name, fonts, bold=True, center=True)
    for r, row in enumerate(rows, 1):
        values = [row.level1, row.task, row.measures or "", row.performance or "", row.comparison or "", row.note or ""]
        if scored:
            values += [_fact(sheet, f"overall.r{r}.weight"), _fact(sheet, f"overall.r{r}.score")]
        for c, value in enumerate(values):
            _cell(table.cell(r, c), value, fonts, center=c in (0, 1) or c >= len(OVERALL_COLUMNS))
    _merge_runs(table, 0, 1, [r.level1 for r in rows])
    if section.text:
        p = doc.add_paragraph()
        _plain_run(p, "自评说明：", fonts, fonts.body_size, fonts.heading1)
        _body(doc, section.text)


def _target(ind: Indicator, sheet: FactSheet, iid: str) -> str:
    written = _fact(sheet, f"{iid}.target")
    if written:
        return f"{ind.comparator or ''}{written}"
    return ind.target_text or ""


def _project_table(
    doc: DocxDocument,
    project: Project,
    n: int,
    sheet: FactSheet,
    section: DraftSection,
    fonts: ReportFonts,
    rules: ScoringRules,
) -> None:
    pid = f"p{n}"
    _table_title(doc, "项目支出绩效自评表", fonts)
    inds = project.indicators
    ncols = len(INDICATOR_COLUMNS)
    header_rows = 5
    table = _new_table(doc, header_rows + len(inds) + 2, ncols)

    def span(row: int, a: int, b: int, text: str, **kw: bool) -> None:
        cell = table.cell(row, a).merge(table.cell(row, b)) if b > a else table.cell(row, a)
        _cell(cell, text, fonts, **kw)

    span(0, 0, 0, "项目名称", bold=True, center=True)
    span(0, 1, ncols - 1, project.name)
    budget_unit = next(
        (sheet[f"{pid}.{a}"].unit for a in ("total_budget", "initial_budget") if f"{pid}.{a}" in sheet), None
    )
    rate_id = f"{pid}.execution_rate_calc" if f"{pid}.execution_rate_calc" in sheet else f"{pid}.execution_rate"
    rate = sheet.get(rate_id)
    labels = ["年初预算数", "全年预算数", "全年执行数", "执行率", "分值", "得分"]
    values = [
        _fact(sheet, f"{pid}.initial_budget", unit=budget_unit),
        _fact(sheet, f"{pid}.total_budget", unit=budget_unit),
        _fact(sheet, f"{pid}.executed", unit=budget_unit),
        rate.written() if rate else "",
        format_number(rules.execution_weight),
        format_number(execution_score(rate.value, rules), 2) if rate else "",
    ]
    top = table.cell(1, 0).merge(table.cell(2, 0))
    _cell(top, "项目资金", fonts, bold=True, center=True)
    for k, (label, value) in enumerate(zip(labels, values, strict=True)):
        last = k == len(labels) - 1
        span(1, k + 1, ncols - 1 if last else k + 1, label, bold=True, center=True)
        span(2, k + 1, ncols - 1 if last else k + 1, value, center=True)
    span(3, 0, 0, "年度总体目标", bold=True, center=True)
    span(3, 1, ncols - 1, project.goal or "")
    for c, name in enumerate(INDICATOR_COLUMNS):
        _cell(table.cell(4, c), name, fonts, bold=True, center=True)
    for j, ind in enumerate(inds, 1):
        row, iid = header_rows + j - 1, f"{pid}.i{j}"
        cells = [
            ind.level1,
            ind.level2 or "",
            ind.name,
            _target(ind, sheet, iid),
            _fact(sheet, f"{iid}.actual") or ind.actual_text or "",
            _fact(sheet, f"{iid}.weight").removesuffix("分"),
            _fact(sheet, f"{iid}.score").removesuffix("分"),
            ind.deviation or "",
        ]
        for c, value in enumerate(cells):
            _cell(table.cell(row, c), value, fonts, center=c not in (2, 7))
    _merge_runs(table, 0, header_rows, [i.level1 for i in inds])
    _merge_runs(table, 1, header_rows, [f"{i.level1}|{i.level2 or ''}" for i in inds])
    total_row = header_rows + len(inds)
    weights = [i.weight for i in inds]
    total_weight = (
        format_number(rules.execution_weight + sum((w for w in weights if w is not None), Decimal(0)))
        if inds and all(w is not None for w in weights)
        else ""
    )
    span(total_row, 0, 4, "总分", bold=True, center=True)
    span(total_row, 5, 5, total_weight, center=True)
    span(total_row, 6, 6, _fact(sheet, f"{pid}.self_score").removesuffix("分"), center=True)
    span(total_row, 7, 7, f"自评等级：{project.grade}" if project.grade else "", center=True)
    span(total_row + 1, 0, 0, "实际执行情况及偏差说明", bold=True, center=True)
    span(total_row + 1, 1, ncols - 1, section.text)


def _drafting_notes(doc: DocxDocument, draft: Draft, fonts: ReportFonts) -> None:
    """起草提示 at the end: the notes and every finding, for the drafter to clear before the report is final."""
    if not draft.notes and not draft.findings:
        return
    p = doc.add_paragraph()
    p.add_run().add_break(WD_BREAK.PAGE)
    p = doc.add_paragraph(style="Heading 1")
    run = p.add_run("附：起草提示（定稿前删除）")
    set_font(run, fonts.heading1, fonts.latin, fonts.body_size)
    for note in draft.notes:
        doc.add_paragraph(note)
    for f in draft.findings:
        doc.add_paragraph(
            f"【{f.section or ''}】{SEVERITY_NAMES[f.severity]}·{CATEGORY_NAMES[f.category]}：“{f.quote}”——{f.message}"
        )
