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
from assistant.export.draft_docx import write_draft_docx
from assistant.export.draft_formats import draft_to_json, draft_to_markdown, write_draft


@pytest.fixture(scope="module", params=EXAMPLES, ids=[p.stem for p in EXAMPLES])
def drafted(request: pytest.FixtureRequest) -> tuple[ReportData, Draft]:
    data = load_data(request.param)
    return data, draft_offline(data, build_facts(data))


@pytest.fixture()
def written(drafted: tuple[ReportData, Draft], tmp_path: Path) -> tuple[ReportData, Draft, Path]:
    data, draft = drafted
    path = write_draft_docx(draft, data, tmp_path / "draft.docx")
    return data, draft, path


def test_docx_has_title_and_parts_in_order(written: tuple[ReportData, Draft, Path]) -> None:
    data, draft, path = written
    doc = docx.Document(str(path))
    assert doc.paragraphs[0].text == f"{data.department.name}{data.year}年度部门整体支出绩效自评报告"
    headings = [p.text for p in doc.paragraphs if p.style is not None and p.style.name == "Heading 1"]
    assert headings[: len(PARTS)] == PARTS


def test_docx_tables_are_real_tables_with_projects_and_figures(written: tuple[ReportData, Draft, Path]) -> None:
    data, _, path = written
    sheet = build_facts(data)
    doc = docx.Document(str(path))
    assert len(doc.tables) == 1 + len(data.projects)
    overall = doc.tables[0]
    assert [c.text for c in overall.rows[0].cells][:6] == [
        "一级指标",
        "任务名称",
        "任务措施",
        "实际执行情况",
        "对比",
        "说明",
    ]
    assert len(overall.rows) == 1 + len(data.overall_table)
    for i, (project, table) in enumerate(zip(data.projects, doc.tables[1:], strict=True), 1):
        cells = [c.text for row in table.rows for c in row.cells]
        assert project.name in cells
        executed = sheet.get(f"p{i}.executed")
        if executed is not None:
            budget = sheet.get(f"p{i}.total_budget") or sheet.get(f"p{i}.initial_budget")
            assert executed.written(budget.unit if budget else None) in cells
        for ind in project.indicators:
            assert ind.name in cells
        assert "一级指标" in cells and "实际完成值" in cells


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
    _, _, path = written
    out = tmp_path / "pdf"
    subprocess.run(
        [office, "--headless", "--convert-to", "pdf", "--outdir", str(out), str(path)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    assert (out / "draft.pdf").stat().st_size > 0
