"""Document ingest: normalisation, sections, tables, offsets and the errors a person sees."""

from __future__ import annotations

import hashlib
from pathlib import Path

import docx
import pytest
from report_shape import PARTS
from reportlab.lib import pdfencrypt
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as PdfTable

from assistant.errors import InputError
from assistant.text.document import Document, Section, document_from_text, load_document

REFERENCE = Path(__file__).parents[1] / "eval_cases" / "reports" / "kunming-2023-self-evaluation.txt"


@pytest.fixture(scope="module")
def reference() -> Document:
    return load_document(REFERENCE)


def _all_sections(sections: list[Section]) -> list[Section]:
    out: list[Section] = []
    for section in sections:
        out.append(section)
        out.extend(_all_sections(section.children))
    return out


def _lines(doc: Document) -> list[str]:
    return doc.text.split("\n")


# --- the reference report -------------------------------------------------------------------------------------


def test_reference_heading_broken_across_lines_is_joined(reference: Document) -> None:
    lines = _lines(reference)
    assert "一、部门基本情况" in lines
    assert "二、绩效自评工作情况" in lines
    assert "（二）部门绩效目标的设立情况" in lines
    assert "（二）自评组织过程" in lines


def test_reference_has_the_seven_top_sections(reference: Document) -> None:
    assert [s.title for s in reference.sections] == PARTS
    assert [s.id for s in reference.sections] == ["1", "2", "3", "4", "5", "6", "7"]
    assert all(s.level == 1 for s in reference.sections)


def test_reference_second_level_sections(reference: Document) -> None:
    children = {s.title[:2]: [c.title for c in s.children] for s in reference.sections}
    assert children["一、"] == [
        "（一）部门概况",
        "（二）部门绩效目标的设立情况",
        "（三）部门整体收支情况",
        "（四）部门预算管理制度建设情况",
    ]
    assert children["二、"] == ["（一）绩效自评的目的", "（二）自评组织过程"]
    assert children["五、"] == children["六、"] == children["七、"] == []


def test_reference_heading_run_into_previous_paragraph_is_split_out(reference: Document) -> None:
    children = {s.title[:2]: [c.title for c in s.children] for s in reference.sections}
    assert children["三、"] == ["（一）评价情况分析", "（二）综合评价结论"]
    assert children["四、"] == ["（一）存在的问题", "（二）整改情况"]
    assert any(line.startswith("（二）综合评价结论：预期完成情况较好") for line in _lines(reference))


def test_reference_third_level_sections(reference: Document) -> None:
    process = reference.sections[1].children[1]
    assert [(c.id, c.title, c.level) for c in process.children] == [
        ("2.2.1", "1.前期准备", 3),
        ("2.2.2", "2.组织实施", 3),
    ]


def test_reference_numbered_items_inside_paragraphs_are_not_headings(reference: Document) -> None:
    titles = [s.title for s in _all_sections(reference.sections)]
    assert not any(t.startswith(("(", "1、", "1.按照")) for t in titles)
    assert "年度重点工作：1、昆明市总工会送温暖专项资金" in _lines(reference)


def test_reference_section_spans_start_at_their_headings(reference: Document) -> None:
    for section in _all_sections(reference.sections):
        assert reference.text.startswith(section.title, section.start)
        for child in section.children:
            assert section.start < child.start and child.end <= section.end


def test_reference_words_broken_by_line_ends_are_joined(reference: Document) -> None:
    assert "根据市委、市政府、省总工会的中心工作" in reference.text
    duties = next(line for line in _lines(reference) if line.startswith("昆明市总工会主要职责："))
    assert "(13)承办市委、市政府和上级工会交办的其他工作。" in duties
    assert duties.endswith("昆明市总工会职工学校是昆明市总工会下属的二级单位。")


def test_reference_line_starting_with_full_stop_joins_previous(reference: Document) -> None:
    assert "将相关自评材料报送局办公室。二是绩效评价领导小组" in reference.text


def test_reference_short_line_ends_its_paragraph(reference: Document) -> None:
    lines = _lines(reference)
    i = lines.index("年度重点工作：1、昆明市总工会送温暖专项资金")
    assert lines[i + 1] == "常态化工作：1、昆明市农民工维权中心专项资金。2、市属困难企业困难职工生活补助资金。"


def test_reference_every_character_maps_back_to_its_original_line_and_column(reference: Document) -> None:
    original = REFERENCE.read_text(encoding="utf-8").split("\n")
    for offset, char in enumerate(reference.text):
        if char in "\n ":
            continue
        line, col = reference.line_col(offset)
        assert original[line - 1][col - 1] == char, (offset, char, line, col)


def test_reference_continuation_of_broken_heading_maps_to_next_original_line(reference: Document) -> None:
    offset = reference.text.index("一、部门基本情况") + len("一、部门基")
    assert reference.line_col(offset) == (5, 1)  # "本情况" starts line 5 of the file
    assert reference.line_col(reference.text.index("一、部门基本情况")) == (4, 1)


def test_reference_section_title_at_gives_the_heading_path(reference: Document) -> None:
    offset = reference.text.index("2023年初部门年初预算")
    assert reference.section_title_at(offset) == "一、部门基本情况 > （三）部门整体收支情况"
    section = reference.section_at(offset)
    assert section is not None and section.id == "1.3"
    assert reference.section_at(0) is None  # the document title precedes every section


def test_reference_heading_with_body_on_its_line_keeps_the_heading_as_title(reference: Document) -> None:
    last = reference.sections[-1]
    assert last.title == "七、其他需说明的情况"
    assert reference.text.startswith("七、其他需说明的情况 无其他需要说明的情况。", last.start)


def test_reference_flattened_tables_are_found_with_titles_and_headers(reference: Document) -> None:
    assert [(t.title, t.source) for t in reference.tables] == [
        ("部门整体支出绩效自评表", "flattened"),
        ("部门整体支出绩效自评职责履行良好表", "flattened"),
    ]
    assert reference.tables[0].header == [
        "目标",
        "任务名称",
        "编制预算时提出的的任务措施",
        "绩效指标实际执行情况",
        "执行情况与年初预算的对比",
        "相关情况说明",
    ]
    assert len(reference.tables[1].header) == 5


def test_reference_flattened_table_cells_group_into_rows(reference: Document) -> None:
    table = reference.tables[0]
    full = [row for row in table.rows if len(row) == len(table.header)]
    assert len(full) >= 14
    assert [c.text for c in table.rows[0]][:2] == ["履职效益明显", "经济效益"]
    assert table.rows[0][-1].text == "无"
    assert [c.text for c in table.rows[2]] == ["履职效益明显", "生态效益", "无", "无", "无", "无"]
    assert [row[1].text for row in table.rows[4:8]] == [
        "预算编制科学",
        "基本支出足额保障",
        "确保重点支出安排",
        "严控“三公经费”支出",
    ]


def test_reference_merged_first_column_is_carried_down(reference: Document) -> None:
    table = reference.tables[0]
    first, second = table.rows[0][0], table.rows[1][0]
    assert first.text == second.text == "履职效益明显"
    assert (first.start, first.end) == (second.start, second.end)


def test_reference_second_table_rows_are_complete(reference: Document) -> None:
    table = reference.tables[1]
    assert [row[0].text for row in table.rows] == [
        "昆明市农民工维权中心专项资金",
        "昆明市总工会送温暖及节日慰问专项资金",
        "创业担保贷款补助资金",
        "市属困难企业困难职工生活补助资金",
        "昆明市总工会送温暖专项资金",
    ]
    assert all(len(row) == 5 and row[-1].text == "无" for row in table.rows)


def test_reference_every_table_cell_span_matches_the_text(reference: Document) -> None:
    for table in reference.tables:
        assert table.start < table.end
        for row in table.rows:
            for cell in row:
                assert reference.text[cell.start : cell.end] == cell.text
                assert table.start <= cell.start <= cell.end <= table.end


def test_reference_headings_inside_tables_are_not_sections(reference: Document) -> None:
    for section in _all_sections(reference.sections):
        assert not any(t.start <= section.start < t.end for t in reference.tables)


def test_reference_quotes_are_kept_as_written(reference: Document) -> None:
    assert "每年绩效评价为“优”的项目" in reference.text


# --- small texts ------------------------------------------------------------------------------------------------


def _wrap(paragraph: str, width: int = 24) -> str:
    """Hard-wrap like a PDF extraction: every line ``width`` characters but the last."""
    return "\n".join(paragraph[i : i + width] for i in range(0, len(paragraph), width))


DUTIES = (
    "本部门负责全市职工的维权和帮扶工作，根据市委、市政府的部署开展各项工作，保证机关正常运转，无截留、无挪用等现象。"
)
GOALS = "（二）部门绩效目标的设立情况：年度重点工作有三项，分别是送温暖、农民工维权和困难职工生活补助，均已按要求完成"
WRAPPED = "\n".join(
    [
        "一、部门基",
        "本情况",
        "",
        "（一）部门概况",
        _wrap(DUTIES),
        "本段第二个段落是短行。",
        _wrap(GOALS),
        "，并报送财政。",
    ]
)


def test_full_width_line_continues_into_the_next() -> None:
    doc = document_from_text(WRAPPED)
    assert DUTIES in _lines(doc)


def test_short_line_ending_a_sentence_stays_a_paragraph() -> None:
    doc = document_from_text(WRAPPED)
    assert "本段第二个段落是短行。" in _lines(doc)


def test_line_starting_with_comma_joins_previous() -> None:
    doc = document_from_text(WRAPPED)
    assert GOALS + "，并报送财政。" in _lines(doc)


def test_heading_with_colon_body_is_detected_with_short_title() -> None:
    doc = document_from_text(WRAPPED)
    assert [c.title for c in doc.sections[0].children] == ["（一）部门概况", "（二）部门绩效目标的设立情况"]


def test_unwrapped_text_keeps_each_line_a_paragraph() -> None:
    text = (
        "一、部门基本情况\n"
        "这是一个很长的段落，作者在编辑器里没有手动换行，所以整段都在同一行里，长度超过其他行。\n"
        "第二段较短。\n"
        "第三段也是一段独立的文字，长度中等。\n"
    )
    doc = document_from_text(text)
    assert _lines(doc) == text.rstrip("\n").split("\n")


def test_numbered_item_with_long_body_is_not_a_heading_but_a_short_one_is() -> None:
    text = (
        "一、部门基本情况\n"
        "（1）贯彻执行党的路线、方针和政策，根据市委、市政府、省总工会的中心工作和党的工运方针研究制定工作任务。\n"
        "（2）项目概况\n"
        "① 资金来源\n"
    )
    doc = document_from_text(text)
    top = doc.sections[0]
    assert [(c.title, c.level) for c in top.children] == [("（2）项目概况", 4)]
    assert [(c.title, c.level) for c in top.children[0].children] == [("① 资金来源", 5)]


def test_section_levels_nest_by_marker() -> None:
    text = "一、甲\n（一）乙\n1.丙\n（1）丁\n①戊\n2、己\n二、庚\n"
    doc = document_from_text(text)
    assert [s.title for s in doc.sections] == ["一、甲", "二、庚"]
    second = doc.sections[0].children[0]
    assert [(c.id, c.title, c.level) for c in second.children] == [("1.1.1", "1.丙", 3), ("1.1.2", "2、己", 3)]
    assert doc.section_title_at(doc.text.index("戊")) == "一、甲 > （一）乙 > 1.丙 > （1）丁 > ①戊"


def test_decimal_number_at_line_start_is_not_a_heading() -> None:
    doc = document_from_text("一、部门基本情况\n1.5万元用于日常办公。\n")
    assert doc.sections[0].children == []


def test_heading_followed_by_space_and_body_takes_the_heading_as_title() -> None:
    doc = document_from_text("七、其他需说明的情况 无其他需要说明的情况。\n")
    assert doc.sections[0].title == "七、其他需说明的情况"


def test_crlf_nbsp_and_ideographic_indent_are_normalised() -> None:
    doc = document_from_text("一、概况\r\n\u3000\u3000资金\u00a0100万元。\r\n")
    assert doc.text == "一、概况\n资金 100万元。"
    assert doc.line_col(doc.text.index("资金")) == (2, 3)
    assert doc.line_col(doc.text.index("万元")) == (2, 9)


def test_latin_words_broken_across_lines_get_a_space() -> None:
    text = "This report line is wrapped by the PDF\nextraction tool in the middle of a\nsentence and this line is long enough\nto show the wrapping width clearly ok.\n"
    doc = document_from_text(text)
    assert "PDF extraction tool in the middle of a sentence" in doc.text


def test_paragraphs_are_the_non_empty_lines() -> None:
    doc = document_from_text("一、概况\n\n正文。\n")
    assert [doc.text[s:e] for s, e in doc.paragraphs()] == ["一、概况", "正文。"]


def test_line_col_rejects_offsets_outside_the_text() -> None:
    doc = document_from_text("正文。")
    assert doc.line_col(len(doc.text)) == (1, 4)
    with pytest.raises(ValueError):
        doc.line_col(len(doc.text) + 1)


# --- files --------------------------------------------------------------------------------------------------------


def test_text_file_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes("\ufeff一、部门基本情况\n正文。\n".encode())
    doc = load_document(path)
    assert doc.sections[0].title == "一、部门基本情况"
    assert doc.path == str(path)


def test_gb18030_text_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes("一、部门基本情况\n正文。\n".encode("gb18030"))
    assert load_document(path).sections[0].title == "一、部门基本情况"


def test_markdown_heading_prefix_is_allowed(tmp_path: Path) -> None:
    path = tmp_path / "report.md"
    path.write_text("## 一、部门基本情况\n\n正文。\n", encoding="utf-8")
    assert load_document(path).sections[0].title == "一、部门基本情况"


def _write_docx(path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("一、部门基本情况")
    document.add_paragraph("\u3000\u3000（一）部门概况：本部门负责全市工会工作。")
    document.add_paragraph("部门整体支出绩效自评表")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate(
        [["目标", "任务名称", "说明"], ["履职效益明显", "经济效益", "完成"], ["", "社会效益", "无"]]
    ):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    table.cell(1, 0).merge(table.cell(2, 0))
    document.add_paragraph("二、绩效自评工作情况")
    document.save(str(path))


def test_docx_paragraphs_and_tables_keep_document_order(tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    _write_docx(path)
    doc = load_document(path)
    text = doc.text
    assert (
        text.index("（一）部门概况") < text.index("目标") < text.index("经济效益") < text.index("二、绩效自评工作情况")
    )
    assert [s.title for s in doc.sections] == ["一、部门基本情况", "二、绩效自评工作情况"]


def test_docx_table_cells_are_own_paragraphs_with_matching_spans(tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    _write_docx(path)
    doc = load_document(path)
    (table,) = doc.tables
    assert (table.title, table.header, table.source) == ("部门整体支出绩效自评表", ["目标", "任务名称", "说明"], "docx")
    assert [[c.text for c in row] for row in table.rows] == [
        ["履职效益明显", "经济效益", "完成"],
        ["履职效益明显", "社会效益", "无"],
    ]
    paragraphs = {doc.text[s:e] for s, e in doc.paragraphs()}
    for row in table.rows:
        for cell in row:
            assert doc.text[cell.start : cell.end] == cell.text
            assert cell.text in paragraphs


def test_docx_merged_cell_is_one_cell(tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    _write_docx(path)
    table = load_document(path).tables[0]
    assert (table.rows[0][0].start, table.rows[0][0].end) == (table.rows[1][0].start, table.rows[1][0].end)


def test_docx_is_not_modified(tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    _write_docx(path)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    load_document(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def _cjk_style() -> ParagraphStyle:
    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return ParagraphStyle("cn", fontName="STSong-Light", fontSize=12, leading=18, wordWrap="CJK")


BODY = (
    "本部门主要职责：贯彻执行党的路线、方针和政策，根据市委、市政府、省总工会的中心工作和党的工运方针，研究制定各个时期工会工作的方针和任务，指导全市各级工会工作。"
    * 2
)


def _write_pdf(path: Path) -> None:
    style = _cjk_style()
    grid = TableStyle([("FONTNAME", (0, 0), (-1, -1), "STSong-Light"), ("GRID", (0, 0), (-1, -1), 0.5, (0, 0, 0))])
    story = [
        Paragraph("一、部门基本情况", style),
        Paragraph("（一）部门概况", style),
        Paragraph(BODY, style),
        Spacer(1, 12),
        PdfTable([["目标", "任务名称", "说明"], ["履职效益明显", "经济效益", "完成"]], style=grid),
        Paragraph("二、绩效自评工作情况", style),
        Paragraph("严格落实预算法。", style),
    ]
    SimpleDocTemplate(str(path), pagesize=A4).build(story)


def test_pdf_text_layer_is_reflowed_and_sectioned(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    _write_pdf(path)
    doc = load_document(path)
    assert BODY in _lines(doc)
    assert [s.title for s in doc.sections] == ["一、部门基本情况", "二、绩效自评工作情况"]
    assert [c.title for c in doc.sections[0].children] == ["（一）部门概况"]


def test_pdf_ruled_table_becomes_a_table(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    _write_pdf(path)
    doc = load_document(path)
    (table,) = doc.tables
    assert (table.header, table.source) == (["目标", "任务名称", "说明"], "pdf")
    assert [[c.text for c in row] for row in table.rows] == [["履职效益明显", "经济效益", "完成"]]
    assert all(doc.text[c.start : c.end] == c.text for c in table.rows[0])


def test_pdf_offsets_map_to_the_extracted_text(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    _write_pdf(path)
    doc = load_document(path)
    line, col = doc.line_col(doc.text.index("（一）部门概况"))
    assert (line, col) == (2, 1)


# --- errors -------------------------------------------------------------------------------------------------------


def test_unknown_extension_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "report.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InputError, match=r"report\.doc.*不支持的文件类型.*\.docx"):
        load_document(path)


def test_missing_file_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.txt.*找不到这个文件"):
        load_document(tmp_path / "nope.txt")


def test_empty_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.txt.*文件是空的"):
        load_document(path)


def test_whitespace_only_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text(" \n\u3000\n\t\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"blank\.txt.*没有文字"):
        load_document(path)


def test_huge_text_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:
        f.truncate(21 * 1024 * 1024)  # sparse: size without writing 21 MB
    with pytest.raises(InputError, match=r"huge\.txt.*文件太大.*拆分"):
        load_document(path)


def test_corrupt_docx_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(b"this is not a zip file")
    with pytest.raises(InputError, match=r"broken\.docx.*无法打开这个 Word 文件.*另存为 \.docx"):
        load_document(path)


def test_corrupt_pdf_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\nthis is not really a pdf")
    with pytest.raises(InputError, match=r"broken\.pdf.*无法读取这个 PDF"):
        load_document(path)


def test_encrypted_pdf_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "locked.pdf"
    c = canvas.Canvas(str(path), encrypt=pdfencrypt.StandardEncryption("secret", canPrint=0))
    c.setFont("Helvetica", 12)
    c.drawString(72, 720, "budget report")
    c.save()
    with pytest.raises(InputError, match=r"locked\.pdf.*加密.*解除密码"):
        load_document(path)


def test_pdf_without_text_layer_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(path))
    c.rect(72, 72, 300, 300, fill=1)  # an image-like page: marks, no text
    c.showPage()
    c.save()
    with pytest.raises(InputError) as caught:
        load_document(path)
    assert str(caught.value) == f"{path}：该 PDF 没有文字层（可能是扫描件），请先做 OCR 或提供 Word/文本版本"


def test_pdf_with_too_many_pages_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "long.pdf"
    c = canvas.Canvas(str(path))
    for _ in range(501):
        c.showPage()
    c.save()
    with pytest.raises(InputError, match=r"long\.pdf.*500 页"):
        load_document(path)


def test_pdf_sentence_broken_across_pages_is_joined(tmp_path: Path) -> None:
    _cjk_style()  # registers the CJK font
    path = tmp_path / "pages.pdf"
    wrapped = _wrap(DUTIES * 3, 20).split("\n")  # the page break falls mid-sentence
    c = canvas.Canvas(str(path), pagesize=A4)
    for page in (wrapped[:4], wrapped[4:]):
        c.setFont("STSong-Light", 12)
        for i, line in enumerate(page):
            c.drawString(72, 760 - 18 * i, line)
        c.showPage()
    c.save()
    assert DUTIES * 3 in _lines(load_document(path))


# --- every format re-flows; what cannot be read is said -----------------------------------------------------------


def test_docx_with_one_paragraph_per_line_is_reflowed_like_text(tmp_path: Path) -> None:
    path = tmp_path / "converted.docx"
    word = docx.Document()
    for line in WRAPPED.split("\n"):
        word.add_paragraph(line)
    word.save(str(path))

    doc = load_document(path)

    assert doc.text == document_from_text(WRAPPED).text
    assert DUTIES in _lines(doc)


def test_docx_real_paragraphs_are_never_joined(tmp_path: Path) -> None:
    path = tmp_path / "written.docx"
    word = docx.Document()
    for text in ["四、存在的问题及原因分析", "（一）存在的问题", "无", "（二）整改措施", "无", DUTIES, "，另附说明。"]:
        word.add_paragraph(text)
    word.save(str(path))

    lines = _lines(load_document(path))

    assert lines[:5] == ["四、存在的问题及原因分析", "（一）存在的问题", "无", "（二）整改措施", "无"]


def _pdf_lines(path: Path, lines: list[tuple[float, str]], *, gap_after: frozenset[int] = frozenset()) -> None:
    """Draw ``(indent in points, text)`` lines at 18 pt leading; an empty line's worth of space after ``gap_after``."""
    _cjk_style()
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("STSong-Light", 12)
    y = 760.0
    for i, (indent, text) in enumerate(lines):
        c.drawString(72 + indent, y, text)
        y -= 36 if i in gap_after else 18
    c.save()


# Three full lines of 20: nothing in the width of its last line says the paragraph ends there.
FULL = "本局负责全县农田水利设施的建设和管护工作，全年按计划组织实施了灌区续建配套工程，完成渠道防渗改造任务共计九处，均已验收。"
SECOND = "第二段同样写满整行，用来检验两段之间的空行在提取后仍然把它们分开，而不是连成一段文字。"


def test_pdf_blank_line_between_full_lines_separates_paragraphs(tmp_path: Path) -> None:
    path = tmp_path / "gap.pdf"
    first = _wrap(FULL, 20).split("\n")
    second = _wrap(SECOND, 20).split("\n")
    _pdf_lines(path, [(0, t) for t in first + second], gap_after=frozenset({len(first) - 1}))

    lines = _lines(load_document(path))

    assert FULL in lines and SECOND in lines


def test_pdf_indented_first_line_starts_a_paragraph(tmp_path: Path) -> None:
    path = tmp_path / "indent.pdf"
    first = _wrap(FULL, 20).split("\n")
    second = _wrap(SECOND, 20).split("\n")
    _pdf_lines(path, [(0, t) for t in first] + [(24, second[0])] + [(0, t) for t in second[1:]])

    lines = _lines(load_document(path))

    assert FULL in lines and SECOND in lines


def _cid_pdf(path: Path, cids: int, ascii_text: str = "") -> None:
    """A PDF whose CJK font has Identity-H encoding and no ToUnicode map (text extracts as ``(cid:N)``)."""
    shown = b"".join(b"%04X" % (1000 + i) for i in range(cids))
    content = b"BT /F1 12 Tf 72 760 Td <" + shown + b"> Tj ET"
    if ascii_text:
        content += b" BT /F2 12 Tf 72 700 Td (" + ascii_text.encode() + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R /F2 7 0 R >> >>"
        b" /Contents 6 0 R >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /NoMap /Encoding /Identity-H /DescendantFonts [5 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NoMap /CIDSystemInfo << /Registry (Adobe)"
        b" /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))


def test_pdf_whose_font_has_no_unicode_map_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nomap.pdf"
    _cid_pdf(path, 300)
    with pytest.raises(InputError, match=r"nomap\.pdf：PDF 字体缺少编码信息，无法提取文字；请另存为 \.docx 或先 OCR"):
        load_document(path)


def test_cli_review_of_unmapped_pdf_exits_2_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant.cli.main import main

    path = tmp_path / "nomap.pdf"
    _cid_pdf(path, 300)
    assert main(["review", str(path)]) == 2
    captured = capsys.readouterr()
    assert "PDF 字体缺少编码信息" in captured.err and "Traceback" not in captured.err
    assert "未发现问题" not in captured.out


def test_pdf_partly_unmapped_is_reviewed_with_a_note_and_no_all_clear(tmp_path: Path) -> None:
    from assistant.export.review_text import review_to_text
    from assistant.reviewing import review

    path = tmp_path / "partly.pdf"
    _cid_pdf(path, 12, "Annual performance report of the culture bureau for the year, budget and spending. " * 2)

    result = review(path)

    assert result.coverage is not None and result.coverage.unreadable is not None
    assert any("(cid:N)" in note and "未能检查" in note for note in result.notes)
    out = review_to_text(result)
    assert "未发现问题。" not in out and "部分文字未能读取" in out


TRADITIONAL = (
    "某市文化局二零二三年度部門整體支出績效自評報告。一、部門基本情況：本局主要職責是組織實施全市公共文化服務體系建設，"
    "管理圖書館、博物館和文化館的業務工作。全年預算資金一千二百萬元，實際支出一千一百五十萬元。"
)


def test_big5_text_file_is_read_as_big5_and_named(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(TRADITIONAL.encode("big5"))
    doc = load_document(path)
    assert doc.text == TRADITIONAL
    assert any("Big5" in note for note in doc.notes)


def test_gb18030_text_file_is_named_in_a_note(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(("一、部门基本情况\n" + DUTIES + "\n").encode("gb18030"))
    doc = load_document(path)
    assert DUTIES in _lines(doc)
    assert any("GB18030" in note for note in doc.notes)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-16"])
def test_utf16_text_file_with_or_without_bom_is_read_and_named(tmp_path: Path, codec: str) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(("一、部门基本情况\nBudget 2023: " + DUTIES + "\n").encode(codec))
    doc = load_document(path)
    assert doc.sections[0].title == "一、部门基本情况"
    assert any("UTF-16" in note for note in doc.notes)


def test_utf8_text_file_gets_no_encoding_note(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_text("一、部门基本情况\n" + DUTIES + "\n", encoding="utf-8")
    assert load_document(path).notes == []


def test_text_in_an_encoding_that_reads_as_garbage_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(
        ("これは日本語で書かれた予算の報告書です。ひらがなとカタカナが多く含まれています。" * 3).encode("shift_jis")
    )
    with pytest.raises(InputError, match=r"report\.txt：文字无法识别为正常中文.*另存为 UTF-8"):
        load_document(path)


def test_kangxi_radicals_from_pdf_fonts_read_as_ordinary_ideographs() -> None:
    from assistant.text.legibility import ordinary_ideographs

    assert ordinary_ideographs("⼀、部⻔基本情况，⽣活补助") == "一、部门基本情况，生活补助"


def test_a_bug_in_our_pdf_code_is_not_reported_as_a_damaged_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.text.page_layout import PageLayout

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("a bug of ours")

    path = tmp_path / "report.pdf"
    _write_pdf(path)
    monkeypatch.setattr(PageLayout, "text", broken)
    with pytest.raises(RuntimeError, match="a bug of ours"):
        load_document(path)


def test_a_few_undecodable_glyphs_are_noted_even_in_readable_text(tmp_path: Path) -> None:
    path = tmp_path / "few.pdf"
    _cid_pdf(path, 2, "Performance report of the water bureau: budget, spending and results for the year. " * 3)
    doc = load_document(path)
    assert doc.unreadable is not None and "2 个字形缺少编码信息" in doc.unreadable


def test_full_width_letters_and_rare_place_names_do_not_make_a_report_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_text(
        "一、部门基本情况\nＡ类项目完成率１００％，涉及邗江区、婺源县。" + DUTIES * 2 + "\n", encoding="utf-8"
    )
    doc = load_document(path)
    assert doc.unreadable is None and doc.notes == []


def test_docx_table_flattened_into_paragraphs_is_recovered_and_prose_kept_whole(tmp_path: Path) -> None:
    path = tmp_path / "flattened.docx"
    word = docx.Document()
    paragraphs = [
        "一、部门基本情况",
        "（一）存在的问题",
        "无",
        "二、绩效自评表",
        "项目支出绩效自评表",
        "",
        "指标名称 年度指标值 实际完成值 偏差原因",
    ]
    for cell in ["培训人次", "≥300人次", "320人次", "无", "设备采购数量", "12台", "12台", "无"]:
        paragraphs += ["", cell]  # each cell a block of its own, as extraction flattens a table
    for text in paragraphs:
        word.add_paragraph(text)
    word.save(str(path))

    doc = load_document(path)

    (table,) = doc.tables
    assert (table.source, table.header) == ("flattened", ["指标名称", "年度指标值", "实际完成值", "偏差原因"])
    assert [[c.text for c in row] for row in table.rows] == [
        ["培训人次", "≥300人次", "320人次", "无"],
        ["设备采购数量", "12台", "12台", "无"],
    ]
    assert _lines(doc)[:3] == ["一、部门基本情况", "（一）存在的问题", "无"]
