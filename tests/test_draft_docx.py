"""The drafted report as .docx (real tables, 公文 fonts and page), Markdown and JSON."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from report_shape import EXAMPLE_DATA as EXAMPLES
from report_shape import PARTS

from assistant.budget.facts import build_facts
from assistant.budget.loader import load_data
from assistant.budget.models import ReportData
from assistant.drafting import Draft, draft_offline
from assistant.errors import InputError
from assistant.export.docx_comments import AUTHOR, read_comments
from assistant.export.draft_docx import write_draft_docx
from assistant.export.draft_formats import draft_to_json, draft_to_markdown, write_draft


@pytest.fixture(scope="module", params=EXAMPLES, ids=[p.stem for p in EXAMPLES])
def drafted(request: pytest.FixtureRequest) -> tuple[ReportData, Draft]:
    data = load_data(request.param)
    return data, draft_offline(data, build_facts(data))


@pytest.fixture(scope="module")
def written(
    drafted: tuple[ReportData, Draft], tmp_path_factory: pytest.TempPathFactory
) -> tuple[ReportData, Draft, Path]:
    data, draft = drafted
    path = write_draft_docx(draft, data, tmp_path_factory.mktemp("docx") / "draft.docx")
    return data, draft, path


def test_docx_has_title_and_parts_in_order(written: tuple[ReportData, Draft, Path]) -> None:
    data, draft, path = written
    doc = docx.Document(str(path))
    assert doc.paragraphs[0].text == f"{data.department.name}{data.year}年度部门整体支出绩效自评报告"
    headings = [p.text for p in doc.paragraphs if p.style is not None and p.style.name == "Heading 1"]
    assert headings[: len(PARTS)] == PARTS


PROJECT_COLUMNS = [
    "一级指标",
    "二级指标",
    "三级指标",
    "年度指标值",
    "实际完成值",
    "分值",
    "得分",
    "偏差原因分析及改进措施",
]
FUNDING_ROWS = ["年度资金总额", "其中："]
FUNDING_COLUMNS = ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]


def _texts(table: docx.table.Table) -> list[str]:
    return [c.text for row in table.rows for c in row.cells]


def test_docx_has_one_project_form_per_project_and_the_overall_form(written: tuple[ReportData, Draft, Path]) -> None:
    data, draft, path = written
    sheet = build_facts(data)
    doc = docx.Document(str(path))
    # Each form: the head (name, units, funding, goals) and its indicator table whose header repeats.
    assert len(doc.tables) == 2 * (1 + len(data.projects))
    overall_head, overall_rows = doc.tables[0], doc.tables[1]
    assert data.department.name in _texts(overall_head)
    assert [c.text for c in overall_rows.rows[0].cells][:4] == ["一级指标", "二级指标", "任务措施", "实际执行情况"]
    for row in data.overall_table:
        if row.measures:  # the 任务措施 text is in the form, not dropped
            assert any(row.measures[:8] in t for t in _texts(overall_rows))
    for i, project in enumerate(data.projects, 1):
        head, indicators = doc.tables[2 * i], doc.tables[2 * i + 1]
        cells = _texts(head)
        assert project.name in cells and "主管部门" in cells and "实施单位" in cells
        assert all(any(c.startswith(r) for c in cells) for r in FUNDING_ROWS)
        assert all(c in cells for c in FUNDING_COLUMNS) and "预期目标" in cells and "实际完成情况" in cells
        executed = sheet.get(f"p{i}.executed")
        if executed is not None:  # in the draft's one money unit, exactly
            assert sheet.written(executed).removesuffix(sheet.money_unit) in cells
        assert [c.text for c in indicators.rows[0].cells] == PROJECT_COLUMNS
        assert indicators.rows[0]._tr.trPr is not None and "tblHeader" in indicators.rows[0]._tr.trPr.xml
        inner = _texts(indicators)
        assert all(ind.name in inner for ind in project.indicators)
        assert "总分" in inner


def test_forms_sit_in_a_landscape_section_between_portrait_text(written: tuple[ReportData, Draft, Path]) -> None:
    _, _, path = written
    doc = docx.Document(str(path))
    wide = [s.page_width > s.page_height for s in doc.sections]  # type: ignore[operator]
    assert wide[0] is False and True in wide
    tables_xml = "".join(t._tbl.xml for t in doc.tables)
    assert 'w:eastAsia="仿宋_GB2312"' in tables_xml and 'w:val="21"' in tables_xml  # 五号 = 10.5 pt = 21 half-points


def test_gaps_are_highlighted_and_findings_are_word_comments(written: tuple[ReportData, Draft, Path]) -> None:
    _, draft, path = written
    doc = docx.Document(str(path))
    highlighted = {
        r.text
        for t in doc.tables
        for row in t.rows
        for c in row.cells
        for p in c.paragraphs
        for r in p.runs
        if r.font.highlight_color is not None
    } | {r.text for p in doc.paragraphs for r in p.runs if r.font.highlight_color is not None}
    asks = [s for s in draft.sections if "【请补充" in s.text or (s.table and s.table.missing)]
    if asks:
        assert any(t.startswith("【请补充") for t in highlighted)
    assert all(t.startswith(("【请补充", "【待核实")) for t in highlighted)
    comments = read_comments(path)
    anchored = [f for f in draft.findings if f.quote]
    assert len(comments) >= len(anchored) * 0.9  # each finding on its words (a quote Word splits may be missed)
    quotes = {f.quote for f in anchored}
    assert all(author == AUTHOR and text.startswith("【") and words in quotes for author, text, words in comments)


def test_markdown_has_the_forms_as_markdown_tables(drafted: tuple[ReportData, Draft]) -> None:
    data, draft = drafted
    text = draft_to_markdown(draft)
    assert text.count("| " + " | ".join(PROJECT_COLUMNS) + " |") == len(data.projects)
    assert text.count("| 资金 | " + " | ".join(FUNDING_COLUMNS) + " |") == 1 + len(data.projects)
    assert "| 预期目标 | 实际完成情况 |" in text


def test_docx_names_east_asian_fonts_and_gb9704_margins(written: tuple[ReportData, Draft, Path]) -> None:
    _, _, path = written
    doc = docx.Document(str(path))
    styles_xml = doc.styles.element.xml
    body_xml = doc.element.xml
    assert 'w:eastAsia="仿宋_GB2312"' in styles_xml
    assert 'w:eastAsia="黑体"' in styles_xml
    assert 'w:eastAsia="楷体_GB2312"' in body_xml
    assert 'w:eastAsia="方正小标宋简体"' in body_xml
    section = doc.sections[0]
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in margins if m is not None] == [37, 35, 28, 26]
    assert 'w:instr="PAGE"' in section.footer._element.xml
    normal = doc.styles["Normal"].paragraph_format
    assert normal.line_spacing is not None and round(normal.line_spacing.pt) == 28


def test_markdown_has_every_section_and_findings(drafted: tuple[ReportData, Draft]) -> None:
    _, draft = drafted
    text = draft_to_markdown(draft)
    assert text.startswith(f"# {draft.title}")
    positions = [text.index(f"## {title}") for title in PARTS]
    assert positions == sorted(positions)


def test_json_writer_emits_the_contract(drafted: tuple[ReportData, Draft]) -> None:
    _, draft = drafted
    assert json.loads(draft_to_json(draft)) == json.loads(json.dumps(draft.to_contract()))


def test_write_draft_dispatches_by_extension(drafted: tuple[ReportData, Draft], tmp_path: Path) -> None:
    data, draft = drafted
    for name in ("d.md", "d.json", "d.docx"):
        assert write_draft(draft, data, tmp_path / name).stat().st_size > 0
    assert json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))["model"] is None
    with pytest.raises(InputError, match="扩展名"):
        write_draft(draft, data, tmp_path / "d.pdf")
    with pytest.raises(InputError, match="不支持的输出格式"):
        write_draft(draft, data, tmp_path / "d.md", fmt="rtf")


def test_docx_converts_to_pdf_with_libreoffice(written: tuple[ReportData, Draft, Path], tmp_path: Path) -> None:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("LibreOffice is not installed")
    _, draft, path = written
    out = tmp_path / "pdf"
    subprocess.run(
        # A profile of its own: another soffice running on the machine would otherwise make this one exit at once.
        [office, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless", "--convert-to", "pdf"]
        + ["--outdir", str(out), str(path)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    assert (out / "draft.pdf").stat().st_size > 0
    # A picture of the pages to look at (artifacts/ is not committed): the forms must render as forms.
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is not None:
        pictures = Path(__file__).parents[1] / "artifacts" / f"draft-{draft.department}"
        pictures.mkdir(parents=True, exist_ok=True)
        subprocess.run([pdftoppm, "-png", "-r", "60", str(out / "draft.pdf"), str(pictures / "page")], check=True)
        assert any(pictures.glob("page-*.png"))


def test_the_document_is_signed_by_the_product(written: tuple[ReportData, Draft, Path]) -> None:
    _, draft, path = written
    props = docx.Document(str(path)).core_properties
    assert props.author == AUTHOR and props.title == draft.title
