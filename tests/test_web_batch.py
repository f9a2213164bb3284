"""The 批量审阅 tab: a .zip of reports, one broken, reviewed with progress, summarised, each report opened, downloaded.

The handlers are driven directly; the last test does the same in Chromium (fixtures from test_web_browser.py).
"""

from __future__ import annotations

import html
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import test_web_browser as web
from openpyxl import load_workbook
from test_web_browser import SCREENSHOTS, _english, _tab

from assistant.web.handlers import Handlers

ROOT = Path(__file__).parents[1]
server, browser, page = web.server, web.browser, web.page  # the browser tests' fixtures: one server, Chromium


def _report(department: str, year: int, body: str) -> str:
    return f"{department}{year}年度部门整体支出绩效自评报告\n一、部门基本情况\n{body}\n"


# Invented departments and figures. The second one's parts (300 + 150) do not make its stated total (500).
SOUND = "全年预算数为320万元，全年执行数为304万元，执行率为95%。全年完成河道巡查86次。"
WRONG_SUM = "全年预算数为500万元，其中基本支出300万元，项目支出150万元。全年执行数为470万元。"


def three_reports(folder: Path) -> Path:
    """A .zip as a bureau would receive it: two readable reports in a sub-folder and a broken .pdf."""
    folder.mkdir(parents=True, exist_ok=True)
    archive = folder / "春季收到的报告.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("县直/云岭县水务局.txt", _report("云岭县水务局", 2024, SOUND))
        z.writestr("县直/云岭县林业和草原局.md", _report("云岭县林业和草原局", 2024, WRONG_SUM))
        z.writestr("损坏的报告.pdf", b"%PDF-1.4\n\x00\x13\x87garbage that no reader can open\xff\xfe")
    return archive


@pytest.fixture
def handlers(tmp_path: Path) -> Handlers:
    return Handlers(workdir=tmp_path / "work", eval_dir=tmp_path / "no-cases")


def _row_of(step: Any, word: str) -> int:
    """The summary row (as the page's table numbers it) of the report whose name has ``word``."""
    return next(i for i, e in step.state.entries.items() if word in e.name)


def test_a_zip_is_reviewed_with_progress_and_the_broken_report_is_listed(handlers: Handlers, tmp_path: Path) -> None:
    steps = list(handlers.run_batch([str(three_reports(tmp_path / "in"))], "s1"))
    progress = [s.status for s in steps[:-1]]
    assert any("已审阅 3/3：" in p for p in progress), progress
    assert all("春季收到的报告.zip" not in p for p in progress)  # the report's own name, not the archive's
    last = steps[-1]
    assert "共 3 份报告，已审阅 2 份，无法审阅 1 份" in last.status
    assert "无法审阅的文件（1 个）" in last.status and "- 损坏的报告.pdf：" in last.status
    assert str(tmp_path) not in last.status and "/tmp/" not in last.status
    # The summary is in the page: the plots and the table, the wrong sum counted against its department.
    shown = last.summary
    assert "<svg" in shown and "云岭县林业和草原局" in shown and "<a href" not in shown and "<iframe" not in shown
    assert str(tmp_path) not in shown and "assistant-batch" not in shown
    rows = {int(i): bool(failed) for failed, i in re.findall(r"<tr( class='failed')? data-row='(\d+)'>", shown)}
    assert sorted(rows) == [0, 1, 2] and sum(rows.values()) == 1
    assert set(last.state.entries) == {i for i, failed in rows.items() if not failed}  # the broken one can't open
    forest = last.state.entries[_row_of(last, "林业")]
    assert forest.name == "县直/云岭县林业和草原局.md" and "错误 0" not in forest.label  # its wrong sum is counted


def test_a_row_opens_that_report_in_the_review_pane_with_its_downloads(handlers: Handlers, tmp_path: Path) -> None:
    last = list(handlers.run_batch([str(three_reports(tmp_path / "in"))], "s1"))[-1]
    steps = list(handlers.open_batch_report(last.state, _row_of(last, "林业")))
    first, done = steps[0], steps[-1]
    assert first.pane and first.files == (None, None, None)  # the pane first, the files after
    assert "**正在查看**：县直/云岭县林业和草原局.md" in done.status and "审阅完成" in done.status
    assert 'class="rp"' in done.pane and 'data-box="batch-handled"' in done.pane and "data-reveal" in done.pane
    cards = re.findall(r'<div class="card sev-(\w+)"', done.pane)
    assert "error" in cards and "云岭县林业和草原局" in html.unescape(done.pane)
    assert done.state is not None and done.state.review.findings and done.state.name == "云岭县林业和草原局.md"
    docx_file, json_file, page_file = (Path(f) for f in done.files if f)
    assert [p.name for p in (docx_file, json_file, page_file)] == [
        "云岭县林业和草原局（审阅）.docx",
        "云岭县林业和草原局（审阅）.json",
        "云岭县林业和草原局（审阅）.html",
    ]
    page = page_file.read_text(encoding="utf-8")
    assert "春季收到的报告.zip/县直/云岭县林业和草原局.md" in page  # the report as the user named it
    assert "/tmp/" not in page and "assistant-batch" not in page and str(tmp_path) not in page
    # 已处理 on the first card leaves it out of the rewritten downloads, as on the 审阅 tab.
    token = done.state.token
    kept = handlers.handled_files(done.state, f'{{"token": "{token}", "done": [0], "ignored": []}}')
    assert kept[1] is not None
    again = json.loads(Path(kept[1]).read_text(encoding="utf-8"))
    assert len(again["findings"]) == len(done.state.review.findings) - 1
    # The water bureau's row shows its own report; the broken file and rows that are not there say so.
    water = list(handlers.open_batch_report(last.state, _row_of(last, "水务")))[-1]
    assert "云岭县水务局" in water.status and water.state is not None and water.state.review is not done.state.review
    broken = next(i for i in range(3) if i not in last.state.entries)
    assert "无法审阅" in list(handlers.open_batch_report(last.state, broken))[-1].status
    for row in (99, "../../etc/passwd", None, True):
        assert list(handlers.open_batch_report(last.state, row))[-1].pane == ""
    assert list(handlers.open_batch_report(None, 0))[-1].pane == ""

    xlsx, page_file, archive = (Path(f) for f in last.files if f)
    assert (xlsx.name, page_file.name, archive.name) == ("批量审阅汇总.xlsx", "批量审阅汇总.html", "各报告审阅结果.zip")
    with zipfile.ZipFile(archive) as z:
        names = sorted(z.namelist())
    assert names == ["审阅结果/县直/云岭县林业和草原局（审阅）.html", "审阅结果/县直/云岭县水务局（审阅）.html"]
    # The downloaded summary links to the reviews where the .zip puts them.
    sheet = load_workbook(xlsx)["审阅汇总"]
    links = {row[0].value: row[9].value for row in sheet.iter_rows(min_row=2)}
    assert links["春季收到的报告.zip/县直/云岭县水务局.txt"] == "审阅结果/县直/云岭县水务局（审阅）.html"
    assert "href='审阅结果/县直/云岭县水务局（审阅）.html'" in page_file.read_text(encoding="utf-8")
    assert str(tmp_path) not in page_file.read_text(encoding="utf-8")


def test_a_word_report_in_a_zip_is_opened_and_commented_on_its_own_text(handlers: Handlers, tmp_path: Path) -> None:
    import docx as python_docx

    from assistant.export.docx_comments import read_comments

    word = python_docx.Document()
    for line in _report("云岭县气象局", 2024, WRONG_SUM).splitlines():
        word.add_paragraph(line)
    word.add_paragraph("本段为气象局自己的格式与文字。")
    source = tmp_path / "气象局.docx"
    word.save(str(source))
    archive = tmp_path / "报告.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(source, "气象局.docx")
    last = list(handlers.run_batch([str(archive)], "s3"))[-1]
    done = list(handlers.open_batch_report(last.state, 0))[-1]
    commented = Path(done.files[0] or "")
    assert commented.name == "气象局（审阅）.docx"
    texts = [p.text for p in python_docx.Document(str(commented)).paragraphs]
    assert "本段为气象局自己的格式与文字。" in texts  # the user's own document, with comments added
    assert read_comments(commented)


def test_nothing_uploaded_or_a_broken_zip_says_what_to_do(handlers: Handlers, tmp_path: Path) -> None:
    notes: list[tuple[str, str]] = []
    handlers.notify = lambda title, message: notes.append((title, message))
    assert "请先上传要审阅的报告" in list(handlers.run_batch(None))[-1].status
    bad = tmp_path / "报告.zip"
    bad.write_bytes(b"PK\x03\x04 not an archive")
    last = list(handlers.run_batch([str(bad)]))[-1]
    assert last.status.startswith("**错误：") and "报告.zip" in last.status and "zip" in last.status
    assert str(tmp_path) not in last.status and last.state is None and last.files == (None, None, None)
    assert notes and notes[-1][0] == "批量审阅失败"


def test_in_the_browser_a_zip_of_three_reports_gives_the_summary_and_a_row_opens_its_report(
    page: Any, tmp_path: Path
) -> None:
    archive = three_reports(tmp_path / "in")
    _tab(page, "批量审阅")
    page.locator("#batch-upload input[type=file]").set_input_files(str(archive))
    page.locator("#batch-upload").get_by_text("春季收到的报告").first.wait_for()
    page.locator("#batch-run").click()
    status = page.locator("#batch-status")
    status.get_by_text("批量审阅完成").wait_for()
    assert "无法审阅 1 份" in status.inner_text() and "损坏的报告.pdf" in status.inner_text()
    summary = page.locator("#batch-summary")
    summary.locator("#summary").wait_for()
    assert summary.locator("svg").count() == 3
    failed = summary.locator("tr.failed")
    assert failed.count() == 1 and "损坏的报告.pdf" in failed.inner_text()
    assert "云岭县林业和草原局" in summary.locator("#summary").inner_text()
    for button in ("#batch-xlsx", "#batch-html", "#batch-zip"):
        assert page.locator(button).is_visible()
    with page.expect_download() as info:
        page.locator("#batch-zip").click()
    assert info.value.suggested_filename == "各报告审阅结果.zip"
    assert _english(page, archive.name, archive.stem) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "batch.png"))
    summary.locator("#summary").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "batch-table.png"))

    # A click on the forestry bureau's row opens that report in the review pane: its findings, each on its words.
    summary.locator("tr", has_text="云岭县林业和草原局").click()
    pane = page.locator("#batch-pane")
    pane.locator(".card").first.wait_for()
    page.locator("#batch-report-status", has_text="正在查看：县直/云岭县林业和草原局.md").wait_for()
    assert "云岭县林业和草原局" in pane.locator(".rp-doc").inner_text()
    assert "current" in (summary.locator("tr", has_text="云岭县林业和草原局").get_attribute("class") or "")
    error = pane.locator(".card.sev-error").first
    error.click()
    lit = pane.locator("mark.hl")
    assert lit.count() >= 1 and error.get_attribute("data-i") in (lit.first.get_attribute("data-f") or "").split()
    assert "300" in lit.first.inner_text() or "500" in lit.first.inner_text() or "150" in lit.first.inner_text()
    page.locator("#batch-docx").wait_for(state="visible")
    page.screenshot(path=str(SCREENSHOTS / "batch-report.png"))
    with page.expect_download() as info:
        page.locator("#batch-docx").click()
    assert info.value.suggested_filename == "云岭县林业和草原局（审阅）.docx"
    # The other report's row replaces the pane with its own review.
    summary.locator("tr", has_text="云岭县水务局").click()
    page.locator("#batch-report-status", has_text="正在查看：县直/云岭县水务局.txt").wait_for()
    pane.locator(".rp-doc", has_text="云岭县水务局").wait_for()
    assert "云岭县林业和草原局" not in pane.locator(".rp-doc").inner_text()
    assert _english(page, archive.name, archive.stem) == []
