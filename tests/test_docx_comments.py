"""Word in, Word out: each finding becomes a Word comment anchored on exactly its words."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from docx.document import Document as WordDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from assistant.checks.finding import Finding
from assistant.cli import main
from assistant.export.docx_comments import AUTHOR, INITIALS, comment_text, read_comments, write_commented_docx
from assistant.reviewing import Review
from assistant.reviewing import review as run_review


def add_hyperlink(paragraph: Paragraph, text: str) -> None:
    link = OxmlElement("w:hyperlink")
    link.set(qn("w:anchor"), "top")
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = text
    run.append(t)
    link.append(run)
    paragraph._p.append(link)


def make_report(path: Path) -> Path:
    word: WordDocument = docx.Document()
    word.add_heading("一、部门基本情况", 1)
    p = word.add_paragraph()
    p.add_run("本部门2023年全年预算数为100万元，").bold = True
    p.add_run("全年执行数为80万元，执行率为100%。各项工作效果明显，")
    p.add_run("达到预期目标。").italic = True
    p = word.add_paragraph("第一行说明\n")  # a soft line break inside one Word paragraph
    p.add_run("资金使用效益显著，群众满意度较高。")
    add_hyperlink(word.add_paragraph("详见"), "附件一")
    word.add_heading("二、项目支出情况", 1)
    table = word.add_table(rows=2, cols=3)
    for i, row in enumerate([["项目名称", "全年预算数", "绩效说明"], ["送温暖专项资金", "25万元", "效果明显"]]):
        for j, value in enumerate(row):
            table.cell(i, j).text = value
    word.add_paragraph("不存在结转结余。")
    word.save(str(path))
    return path


def with_model_finding(review: Review, quote: str) -> Review:
    start = review.text.index(quote)
    extra = Finding(
        rule="model.missing_value",
        category="missing_value",
        severity="info",
        message="未说明群众满意度的调查方法和样本量",
        suggestion="写明满意度调查方式、样本数和满意率",
        quote=quote,
        start=start,
        end=start + len(quote),
        source="model",
    )
    return review.model_copy(update={"findings": [*review.findings, extra]})


def test_each_finding_is_a_comment_on_exactly_its_words(tmp_path: Path) -> None:
    source = make_report(tmp_path / "report.docx")
    before = source.read_bytes()
    review = with_model_finding(run_review(source), "群众满意度较高")
    assert len(review.findings) >= 4
    out = tmp_path / "reviewed.docx"
    written = write_commented_docx(review, out, source=source)

    assert source.read_bytes() == before  # the reviewer's file is untouched
    assert written.placed == len(review.findings) and not written.unplaced
    comments = read_comments(out)
    assert sorted((body, anchored) for _, body, anchored in comments) == sorted(
        (comment_text(f), f.quote) for f in review.findings
    )
    assert {author for author, _, _ in comments} == {AUTHOR}
    assert {c.initials for c in docx.Document(str(out)).comments} == {INITIALS}


def test_the_commented_copy_keeps_the_text_and_formatting(tmp_path: Path) -> None:
    source = make_report(tmp_path / "report.docx")
    review = run_review(source)
    out = tmp_path / "reviewed.docx"
    write_commented_docx(review, out, source=source)
    original, copy = docx.Document(str(source)), docx.Document(str(out))
    assert [p.text for p in copy.paragraphs] == [p.text for p in original.paragraphs]
    runs = copy.paragraphs[1].runs
    assert [r.bold for r in runs if "预算数" in r.text] == [True]
    assert any(r.text == "达到预期目标" and r.italic for r in runs)
    assert run_review(out).text == review.text  # the copy reads back as the same report


def test_a_finding_in_a_table_cell_is_anchored_in_that_cell(tmp_path: Path) -> None:
    source = make_report(tmp_path / "report.docx")
    review = run_review(source)
    cell_start = review.text.rindex("效果明显")
    cell = Finding(
        rule="model.vague_wording",
        category="vague_wording",
        severity="warning",
        message="绩效说明没有数据",
        quote="效果明显",
        start=cell_start,
        end=cell_start + 4,
        source="model",
    )
    out = tmp_path / "cell.docx"
    write_commented_docx(review.model_copy(update={"findings": [cell]}), out, source=source)
    [(_, body, anchored)] = read_comments(out)
    assert anchored == "效果明显" and body == "【警告·表述空泛】绩效说明没有数据"
    table = docx.Document(str(out)).tables[0]
    xml = table._tbl.xml
    assert "commentRangeStart" in xml and "commentRangeEnd" in xml


def test_text_input_gives_a_new_document_with_the_same_comments(tmp_path: Path) -> None:
    source = tmp_path / "report.txt"
    source.write_text(
        "一、部门基本情况\n2023年全年预算数为100万元，全年执行数为80万元，执行率为100%。\n\n各项工作效果明显。\n",
        encoding="utf-8",
    )
    review = run_review(source)
    assert review.findings
    out = tmp_path / "reviewed.docx"
    write_commented_docx(review, out, source=source)
    comments = read_comments(out)
    assert sorted(a for _, _, a in comments) == sorted(f.quote for f in review.findings)
    paragraphs = [p.text for p in docx.Document(str(out)).paragraphs]
    assert paragraphs == [line for line in review.text.split("\n") if line.strip()]


def test_the_original_cannot_be_overwritten(tmp_path: Path) -> None:
    from assistant.errors import InputError

    source = make_report(tmp_path / "report.docx")
    with pytest.raises(InputError):
        write_commented_docx(run_review(source), source, source=source)


def test_the_comments_part_is_a_real_part_of_the_package(tmp_path: Path) -> None:
    source = make_report(tmp_path / "report.docx")
    out = tmp_path / "reviewed.docx"
    write_commented_docx(run_review(source), out, source=source)
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        assert "word/comments.xml" in names
        assert "comments.xml" in z.read("word/_rels/document.xml.rels").decode()
        assert "comments+xml" in z.read("[Content_Types].xml").decode()


def test_review_cli_writes_the_commented_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("ASSISTANT_MODEL", "ASSISTANT_PRESET"):
        monkeypatch.delenv(var, raising=False)
    source = make_report(tmp_path / "report.docx")
    out = tmp_path / "cli.docx"
    assert main(["review", str(source), "-o", str(out), "--fail-on", "never"]) == 0
    assert len(read_comments(out)) == len(run_review(source).findings)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_commented_copy_and_keeps_the_comments(tmp_path: Path) -> None:
    source = make_report(tmp_path / "report.docx")
    out = tmp_path / "reviewed.docx"
    review = run_review(source)
    write_commented_docx(review, out, source=source)
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin:/usr/local/bin"}
    for target, folder in (("pdf", tmp_path), ("docx:MS Word 2007 XML", tmp_path / "roundtrip")):
        subprocess.run(
            ["soffice", "--headless", "--convert-to", target, "--outdir", str(folder), str(out)],
            check=True,
            timeout=180,
            capture_output=True,
            env=env,
        )
    assert (tmp_path / "reviewed.pdf").stat().st_size > 0
    again = read_comments(tmp_path / "roundtrip" / "reviewed.docx")
    assert sorted(a for _, _, a in again) == sorted(f.quote for f in review.findings)


def test_a_department_comment_already_in_the_report_is_kept_and_ours_get_their_own_ids(tmp_path: Path) -> None:
    source = make_report(tmp_path / "report.docx")
    word = docx.Document(str(source))
    word.add_comment(word.paragraphs[1].runs[0], text="请财务科核对", author="张三", initials="ZS")
    word.save(str(source))
    out = tmp_path / "reviewed.docx"
    review = run_review(source)
    written = write_commented_docx(review, out, source=source)
    comments = docx.Document(str(out)).comments
    ids = [c.comment_id for c in comments]
    assert len(ids) == len(set(ids)) == written.placed + 1
    assert [c.text for c in comments if c.author == "张三"] == ["请财务科核对"]
    assert sum(c.author == AUTHOR for c in comments) == written.placed


def test_every_one_of_many_findings_is_its_own_comment_on_its_own_words(tmp_path: Path) -> None:
    paragraph = "2023年全年预算数为100万元，全年执行数为80万元，执行率为100%。各项工作效果明显，台帐清楚。\n\n"
    source = tmp_path / "long.txt"
    source.write_text("一、部门基本情况\n" + paragraph * 150, encoding="utf-8")
    review = run_review(source)
    assert len(review.findings) >= 300
    out = tmp_path / "reviewed.docx"
    written = write_commented_docx(review, out, source=source, track_fixes=False)
    assert written.placed == len(review.findings)
    comments = read_comments(out)
    assert sorted(a for _, _, a in comments) == sorted(f.quote for f in review.findings)
    ids = [c.comment_id for c in docx.Document(str(out)).comments]
    assert len(set(ids)) == len(ids)
