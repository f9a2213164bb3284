"""Certain fixes travel back to the department as Word tracked changes, beside the comments."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import docx
import pytest

from assistant.checks.finding import Finding
from assistant.export.docx_comments import AUTHOR, changed_part, read_changes, read_comments, write_commented_docx
from assistant.reviewing import Review
from assistant.reviewing import review as run_review


def make_report(path: Path) -> Path:
    word = docx.Document()
    word.add_heading("一、部门基本情况", 1)
    p = word.add_paragraph()
    p.add_run("截止2024年12月31日，").bold = True
    p.add_run("全年预算数为500万元，其中基本支出300万元，项目支出150万元。")
    word.add_paragraph("现将评价况报告如下。各科室建立了资产台帐。")
    word.save(str(path))
    return path


def without_fixes(review: Review) -> Review:
    """The review with the fixes its rules proposed taken out, to test the writer on fixes given here."""
    return review.model_copy(update={"findings": [f.model_copy(update={"fix": None}) for f in review.findings]})


def fixed(review: Review, quote: str, fix: str, rule: str = "test.fix") -> Review:
    start = review.text.index(quote)
    finding = Finding(
        rule=rule,
        category="typo",
        severity="warning",
        message=f"“{quote}”应为“{fix}”",
        quote=quote,
        start=start,
        end=start + len(quote),
        fix=fix,
    )
    return review.model_copy(update={"findings": [*review.findings, finding]})


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("截止2024年", "截至2024年", (1, 2, "至")),
        ("评价况报告", "评价情况报告", (2, 2, "情")),
        ("500万元", "450万元", (0, 2, "45")),
        ("资产台帐", "资产台账", (3, 4, "账")),
    ],
)
def test_only_the_changed_characters_are_tracked(old: str, new: str, expected: tuple[int, int, str]) -> None:
    assert changed_part(old, new) == expected


def test_a_certain_fix_is_a_deletion_and_an_insertion_by_the_product(tmp_path: Path) -> None:
    source = make_report(tmp_path / "r.docx")
    review = without_fixes(run_review(source))
    review = fixed(review, "截止2024年", "截至2024年")
    review = fixed(review, "资产台帐", "资产台账")
    review = fixed(review, "评价况报告", "评价情况报告")
    out = tmp_path / "reviewed.docx"
    written = write_commented_docx(review, out, source=source)
    assert written.tracked == 3
    changes = read_changes(out)
    assert ("del", AUTHOR, "止") in changes and ("ins", AUTHOR, "至") in changes
    assert ("del", AUTHOR, "帐") in changes and ("ins", AUTHOR, "账") in changes
    assert ("ins", AUTHOR, "情") in changes
    # The comments are still there, one per finding, on their words.
    assert len(read_comments(out)) == len(review.findings)
    # Accepting every change gives the fixed text; rejecting gives the original.
    body = docx.Document(str(out)).element.body
    accepted = "".join(t.text or "" for t in body.iter("{*}t"))
    assert "截至2024年12月31日" in accepted and "资产台账" in accepted and "评价情况报告" in accepted


def test_findings_without_a_certain_fix_stay_comments(tmp_path: Path) -> None:
    source = make_report(tmp_path / "r.docx")
    before = source.read_bytes()
    review = run_review(source)
    out = tmp_path / "reviewed.docx"
    write_commented_docx(review, out, source=source)
    assert source.read_bytes() == before
    certain = [f for f in review.findings if f.fix is not None]
    assert bool(read_changes(out)) == bool(certain)
    write_commented_docx(review, out, source=source, track_fixes=False)
    assert read_changes(out) == []


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_keeps_the_tracked_changes(tmp_path: Path) -> None:
    source = make_report(tmp_path / "r.docx")
    review = fixed(fixed(without_fixes(run_review(source)), "截止2024年", "截至2024年"), "资产台帐", "资产台账")
    out = tmp_path / "reviewed.docx"
    write_commented_docx(review, out, source=source)
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(tmp_path / "rt"), str(out)],
        check=True,
        timeout=180,
        capture_output=True,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin:/usr/local/bin"},
    )
    again = read_changes(tmp_path / "rt" / "reviewed.docx")
    assert ("del", AUTHOR, "止") in again and ("ins", AUTHOR, "至") in again
    assert ("ins", AUTHOR, "账") in again


def test_the_review_itself_proposes_certain_fixes_and_leaves_the_rest_as_comments(tmp_path: Path) -> None:
    source = make_report(tmp_path / "r.docx")
    review = run_review(source)
    certain = {f.rule: f.fix for f in review.findings if f.fix is not None}
    # 截止 before a date, 台帐, and a total whose stated parts are all there.
    assert certain.get("term.as-of") == "截至"
    assert certain.get("term.zhang") == "台账"
    assert (certain.get("arithmetic.parts-total") or "").startswith("450万元")
    out = tmp_path / "reviewed.docx"
    written = write_commented_docx(review, out, source=source)
    assert written.tracked == len(certain)
    changes = read_changes(out)
    assert ("del", AUTHOR, "止") in changes and ("ins", AUTHOR, "至") in changes
    assert ("del", AUTHOR, "50") in changes and ("ins", AUTHOR, "45") in changes
    assert len(read_comments(out)) == len(review.findings)  # every finding is still a comment


def test_two_fixes_for_the_same_words_make_one_change(tmp_path: Path) -> None:
    source = make_report(tmp_path / "r.docx")
    review = fixed(run_review(source), "截止2024年", "截至2024年")  # the rule proposes it too
    out = tmp_path / "reviewed.docx"
    write_commented_docx(review, out, source=source)
    assert [c for c in read_changes(out) if c[2] == "止"] == [("del", AUTHOR, "止")]
