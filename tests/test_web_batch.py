"""The 批量审阅 tab: a .zip of reports, one broken, reviewed with progress, summarised, each report opened, downloaded.

The handlers are driven directly; the last test does the same in Chromium (fixtures from test_web_browser.py).
"""

from __future__ import annotations

import html
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


def test_a_zip_is_reviewed_with_progress_and_the_broken_report_is_listed(handlers: Handlers, tmp_path: Path) -> None:
    steps = list(handlers.run_batch([str(three_reports(tmp_path / "in"))], "s1"))
    progress = [s.status for s in steps[:-1]]
    assert any("已审阅 3/3：" in p for p in progress), progress
    assert all("春季收到的报告.zip" not in p for p in progress)  # the report's own name, not the archive's
    last = steps[-1]
    assert "共 3 份报告，已审阅 2 份，无法审阅 1 份" in last.status
    assert "无法审阅的文件（1 个）" in last.status and "- 损坏的报告.pdf：" in last.status
    assert str(tmp_path) not in last.status and "/tmp/" not in last.status
    # The summary is framed: the plots and the table, the wrong sum counted against its department.
    shown = html.unescape(last.summary)
    assert last.summary.startswith("<iframe") and "<svg" in shown and "云岭县林业和草原局" in shown
    assert "损坏的报告.pdf" in shown and "<a href" not in shown
    labels = dict(last.choices)
    assert set(labels) == {"县直/云岭县水务局.txt（云岭县水务局 2024 年度，错误 0、警告 0、提示 0）"} | {
        label for label in labels if label.startswith("县直/云岭县林业和草原局.md（")
    }
    assert len(labels) == 2  # the broken one cannot be opened
    assert "错误 0" not in next(k for k in labels if "林业" in k)  # its wrong sum is counted


def test_each_report_opens_and_the_downloads_carry_the_users_names(handlers: Handlers, tmp_path: Path) -> None:
    last = list(handlers.run_batch([str(three_reports(tmp_path / "in"))], "s1"))[-1]
    forest = next(v for k, v in last.choices if "林业" in k)
    framed, single = handlers.batch_report(last.state, forest)
    assert framed.startswith("<iframe") and "云岭县林业和草原局" in html.unescape(framed)
    assert single is not None and Path(single).name == "云岭县林业和草原局（审阅）.html"
    for text in (html.unescape(framed), Path(single).read_text(encoding="utf-8")):
        assert "春季收到的报告.zip/县直/云岭县林业和草原局.md" in text  # the report as the user named it
        assert "/tmp/" not in text and "assistant-batch" not in text and str(tmp_path) not in text
    assert handlers.batch_report(last.state, "../../etc/passwd") == ("", None)
    assert handlers.batch_report(None, forest) == ("", None)

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


def test_several_files_are_reviewed_and_a_data_file_among_them_is_listed(handlers: Handlers, tmp_path: Path) -> None:
    # Uploads arrive in folders of their own, as gradio stores them.
    report = tmp_path / "a1" / "青山县档案馆.txt"
    report.parent.mkdir()
    report.write_text(_report("青山县档案馆", 2025, SOUND), encoding="utf-8")
    stray = tmp_path / "b2" / "档案馆数据.xlsx"
    stray.parent.mkdir()
    stray.write_bytes(b"PK\x03\x04 a workbook sent by mistake")
    last = list(handlers.run_batch([str(report), str(stray)], "s2"))[-1]
    assert "共 2 份报告，已审阅 1 份，无法审阅 1 份" in last.status
    assert "- 档案馆数据.xlsx：" in last.status and ".docx" in last.status  # says which types it takes
    assert [label for label, _ in last.choices] == [
        "青山县档案馆.txt（青山县档案馆 2025 年度，错误 0、警告 0、提示 0）"
    ]


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


def test_in_the_browser_a_zip_of_three_reports_gives_the_summary_with_the_broken_one(page: Any, tmp_path: Path) -> None:
    archive = three_reports(tmp_path / "in")
    _tab(page, "批量审阅")
    page.locator("#batch-upload input[type=file]").set_input_files(str(archive))
    page.locator("#batch-upload").get_by_text("春季收到的报告").first.wait_for()
    page.locator("#batch-run").click()
    status = page.locator("#batch-status")
    status.get_by_text("批量审阅完成").wait_for()
    assert "无法审阅 1 份" in status.inner_text() and "损坏的报告.pdf" in status.inner_text()
    frame = page.frame_locator("#batch-summary iframe")
    frame.locator("#summary").wait_for()
    assert frame.locator("svg").count() == 3
    failed = frame.locator("tr.failed")
    assert failed.count() == 1 and "损坏的报告.pdf" in failed.inner_text()
    assert "云岭县林业和草原局" in frame.locator("#summary").inner_text()
    for button in ("#batch-xlsx", "#batch-html", "#batch-zip"):
        assert page.locator(button).is_visible()
    with page.expect_download() as info:
        page.locator("#batch-zip").click()
    assert info.value.suggested_filename == "各报告审阅结果.zip"
    assert _english(page, archive.name, archive.stem) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "batch.png"))
    frame.locator("#summary").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "batch-table.png"))

    page.locator("#batch-pick input").click()
    page.get_by_role("option", name="县直/云岭县林业和草原局.md", exact=False).click()
    review = page.frame_locator("#batch-report iframe")
    review.get_by_text("云岭县林业和草原局").first.wait_for()
    with page.expect_download() as info:
        page.locator("#batch-one").click()
    assert info.value.suggested_filename == "云岭县林业和草原局（审阅）.html"
    page.locator("#batch-report").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "batch-report.png"))
