"""The web page: its handlers called directly, and the page itself driven in Debian's Chromium over loopback.

The browser tests launch the app in-process on a free 127.0.0.1 port and block every request that is not for
that address, so they never reach the internet. A screenshot of each tab is kept in ``artifacts/screenshots/``.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
from fake_openai import FakeOpenAI

from assistant.web.app import OFFLINE, PAGE_TITLE, Handlers, build_app, draft_html

ROOT = Path(__file__).parents[1]
EXAMPLES = ROOT / "examples"
KUNMING = EXAMPLES / "kunming-2023.yaml"
REPORT = ROOT / "eval_cases" / "reports" / "kunming-2023-self-evaluation.txt"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 60_000  # generous: a slow CI machine must not fail these; no test asserts how long anything took


# -- handlers, without a browser --------------------------------------------------------------------------


@pytest.fixture
def handlers(tmp_path: Path) -> Handlers:
    return Handlers(workdir=tmp_path, examples_dir=EXAMPLES, eval_dir=tmp_path / "no-cases")


def test_examples_are_offered_by_file_name(handlers: Handlers) -> None:
    assert "kunming-2023.yaml" in handlers.example_choices()
    assert handlers.example_path("../pyproject.toml") is None


def test_loading_data_lists_its_warnings_and_sections(handlers: Handlers) -> None:
    path, status, sections = handlers.load_example("kunming-2023.yaml")
    assert path == str(KUNMING)
    assert "昆明市总工会 2023 年度" in status
    assert "3240.79万元" in status  # check_data's parts-total warning, shown before drafting
    assert ("1.3 （三）部门整体收支情况", "1.3") in sections["choices"]
    assert "1" not in sections["value"]  # a heading without a body of its own is not offered


def test_a_broken_data_file_gives_a_chinese_message_without_the_server_path(handlers: Handlers, tmp_path: Path) -> None:
    bad = tmp_path / "坏数据.yaml"
    bad.write_text("year: 2024\ndepartment: {name: 某局}\nbudget: {basic: 十四万}\n", encoding="utf-8")
    path, status, sections = handlers.load(str(bad))
    assert path is None and sections["choices"] == []
    assert "坏数据.yaml" in status and "budget.basic" in status
    assert str(tmp_path) not in status


def test_a_corrupt_spreadsheet_is_reported_not_raised(handlers: Handlers, tmp_path: Path) -> None:
    bad = tmp_path / "数据.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not really a workbook")
    path, status, _ = handlers.load(str(bad))
    assert path is None and status.startswith("**错误：")


def test_offline_draft_streams_progress_then_writes_three_files(handlers: Handlers) -> None:
    steps = list(handlers.run_draft(str(KUNMING), ["1.1", "1.3", "table.p1"]))
    assert len(steps) >= 2  # at least the start and the finished draft
    progress, live, marked, rows, *files = steps[-1]
    assert "起草完成" in progress and OFFLINE in steps[0][0]
    assert "（三）部门整体收支情况" in live
    assert '<mark class="fact"' in marked and "一、部门基本情况" in marked  # parent heading added
    assert all(len(row) == 6 for row in rows)
    assert [Path(f).suffix for f in files] == [".docx", ".md", ".json"]
    assert json.loads(Path(files[2]).read_text(encoding="utf-8"))["sections"]


def test_a_configured_model_streams_section_text_to_the_page(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    from assistant.llm import CallLog, ModelClient, ModelConfig, ResponseCache, Store

    fake_openai.default = "{year}年度部门预算总支出{budget.expenditure_total}。"
    config = ModelConfig(model="fake-model", base_url=fake_openai.base_url, api_key="sk-test", timeout=5.0)
    store = Store(tmp_path / "calls.sqlite")
    client = ModelClient(config, cache=ResponseCache(store=store), log=CallLog(store=store), use_cache=False)
    h = Handlers(workdir=tmp_path, model=client, examples_dir=EXAMPLES)
    steps = list(h.run_draft(str(KUNMING), ["1.3"]))
    assert "模型起草中" in steps[0][0]
    progress, live, marked, *_, json_path = steps[-1]
    assert "起草完成" in progress and "3240.79万元" in live and '<mark class="fact"' in marked
    assert "fake-model" in h.model_settings() and "sk-test" not in h.model_settings()
    assert json.loads(Path(json_path).read_text(encoding="utf-8"))["model"] == "fake-model"


def test_draft_without_data_asks_for_it(handlers: Handlers) -> None:
    (step,) = list(handlers.run_draft(None, ["1.1"]))
    assert "请先上传数据文件" in step[0] and step[4] is None


def test_unsupported_figures_get_their_own_mark(handlers: Handlers) -> None:
    steps = list(handlers.run_draft(str(KUNMING), ["1.1"]))
    marked = steps[-1][2]
    assert '<mark class="unsupported"' in marked  # the "4个" in the department's own text has no figure behind it
    assert "图例" in marked


def test_draft_html_escapes_the_text(handlers: Handlers) -> None:
    from assistant.drafting.result import Draft, DraftSection

    d = Draft(
        department="某局",
        year=2024,
        sections=[DraftSection(id="1", title="<b>", level=1, text="<x>", source="offline")],
    )
    out = draft_html(d)
    assert "&lt;x&gt;" in out and "<x>" not in out


def test_review_lists_findings_and_writes_json_and_html(handlers: Handlers) -> None:
    status, rows, body, commented, json_path, page = handlers.run_review(str(REPORT), None)
    assert "审阅完成" in status
    assert any("3240.79万元" in row[3] and row[1] == "计算错误" for row in rows)
    assert 'class="sev-error' in body
    assert json.loads(Path(json_path).read_text(encoding="utf-8"))["findings"]
    assert Path(page).read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    if commented is not None:
        assert docx.Document(commented).comments  # python-docx ≥ 1.2 reads comments


def test_review_refuses_an_unsupported_file_type(handlers: Handlers, tmp_path: Path) -> None:
    bad = tmp_path / "report.exe"
    bad.write_bytes(b"MZ")
    status, rows, *_ = handlers.run_review(str(bad), None)
    assert "不支持的报告类型" in status and rows == []


def test_model_settings_offline_and_configured_never_show_the_key(handlers: Handlers) -> None:
    from assistant.llm import ModelConfig

    assert OFFLINE in handlers.model_settings()
    handlers.model = ModelConfig(model="qwen-plus", base_url="http://127.0.0.1:9/v1", api_key="sk-SECRET")
    text = handlers.model_settings()
    assert "qwen-plus" in text and "http://127.0.0.1:9/v1" in text and "sk-SECRET" not in text


def test_eval_runs_chosen_cases_and_compares_with_the_baseline(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "inline.yaml").write_text(
        "kind: draft\ndescription: 一个小单位\nsections: ['1.3']\n"
        "data: {year: 2024, department: {name: 某局}, budget: {basic: 10, project: 5}}\n"
        "assert: [{type: contains, value: 某局}]\n",
        encoding="utf-8",
    )
    h = Handlers(workdir=tmp_path, eval_dir=cases)
    choices, note = h.eval_cases()
    assert note == "" and choices[0][0].startswith("inline（起草）一个小单位")
    *_, (status, table, page) = list(h.run_eval([choices[0][1]]))
    assert "评测完成" in status and "inline" in table and "新增" in table
    assert page is not None and Path(page).exists()


def test_eval_with_no_cases_chosen_says_so(tmp_path: Path) -> None:
    (step,) = list(Handlers(workdir=tmp_path, eval_dir=ROOT / "eval_cases").run_eval([]))
    assert "请至少选择一个评测用例" in step[0]


def test_closing_the_app_removes_its_temporary_folder() -> None:
    app = build_app()
    folder = app.handlers.workdir
    assert folder.is_dir() and os.environ["GRADIO_TEMP_DIR"].startswith(str(folder))
    app.launch(server_port=_free_port(), prevent_thread_lock=True, quiet=True)
    app.close()
    assert not folder.exists()


def test_cli_auth_parsing() -> None:
    from assistant.cli.web import parse_auth
    from assistant.errors import InputError

    assert parse_auth("a:b:c") == ("a", "b:c")
    assert parse_auth(None) is None
    with pytest.raises(InputError):
        parse_auth("nopassword")


# -- the page in a real browser ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run browser tests")
    app = build_app(None, examples_dir=EXAMPLES, eval_dir=ROOT / "eval_cases")
    port = _free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", accept_downloads=True, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    # Loopback only: anything else (fonts, analytics, CDNs) is refused.
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server) else route.abort())
    pg = context.new_page()
    pg.goto(server)
    pg.get_by_role("tab", name="起草").wait_for()
    try:
        yield pg
    finally:
        context.close()


def _shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _tab(page: Any, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).first.click()


def test_page_title_and_tabs_are_chinese(page: Any) -> None:
    assert page.title() == PAGE_TITLE
    for name in ("起草", "审阅", "评测", "模型设置"):
        assert page.get_by_role("tab", name=name, exact=True).count() >= 1
    _tab(page, "模型设置")
    page.locator("#model-settings").get_by_text(OFFLINE).wait_for()
    _shot(page, "model-settings")
    _tab(page, "评测")
    page.locator("#eval-cases").wait_for()
    _shot(page, "eval")


def test_eval_tab_runs_the_cases_and_shows_the_table(page: Any) -> None:
    _tab(page, "评测")
    page.locator("#eval-run").click()
    page.locator("#eval-status").get_by_text("评测完成").wait_for()
    page.locator("#eval-table table").get_by_text("对比基线").wait_for()
    _shot(page, "eval")


def test_draft_the_bundled_example_offline_and_download_docx(page: Any, tmp_path: Path) -> None:
    page.locator("#draft-example input").click()
    page.get_by_role("option", name="kunming-2023.yaml").click()
    page.locator("#draft-status").get_by_text("昆明市总工会 2023 年度").wait_for()
    page.locator("#draft-status").get_by_text("3240.79万元", exact=False).first.wait_for()
    page.locator("#draft-run").click()
    page.locator("#draft-progress").get_by_text("起草完成").wait_for()
    page.locator("#draft-html mark.fact").first.wait_for()
    page.locator("#draft-html mark.unsupported").first.wait_for()
    page.locator("#draft-findings").get_by_text("计算错误").first.wait_for()
    _shot(page, "draft")
    with page.expect_download() as info:
        page.locator("#draft-docx a").first.click()
    target = tmp_path / "draft.docx"
    info.value.save_as(target)
    text = "\n".join(p.text for p in docx.Document(str(target)).paragraphs)
    assert "昆明市总工会" in text


def test_review_the_reference_report_shows_findings(page: Any) -> None:
    _tab(page, "审阅")
    page.locator("#review-upload input[type=file]").set_input_files(str(REPORT))
    page.locator("#review-upload").get_by_text(REPORT.name).wait_for()
    page.locator("#review-run").click()
    page.locator("#review-status").get_by_text("审阅完成").wait_for()
    table = page.locator("#review-findings")
    table.get_by_text("3240.79万元", exact=False).first.wait_for()
    for category in ("计算错误", "表述空泛"):
        table.get_by_text(category).first.wait_for()
    page.locator("#review-html mark.sev-error").first.wait_for()
    page.locator("#review-json a").first.wait_for()
    _shot(page, "review")


def test_a_broken_upload_shows_an_error_and_the_page_keeps_working(page: Any, tmp_path: Path) -> None:
    broken = tmp_path / "损坏的数据.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook at all")
    page.locator("#draft-upload input[type=file]").set_input_files(str(broken))
    page.locator("#draft-status").get_by_text("损坏的数据.xlsx", exact=False).wait_for()
    page.get_by_test_id("toast-text").filter(has_text="无法打开").first.wait_for()  # the warning pops up too
    assert "Traceback" not in page.content()
    _shot(page, "draft-error")
    # The page is still usable: pick an example and draft it.
    page.locator("#draft-example input").click()
    page.get_by_role("option", name="education-bureau-2024.yaml").click()
    page.locator("#draft-status").get_by_text("已载入").wait_for()
    page.locator("#draft-run").click()
    page.locator("#draft-progress").get_by_text("起草完成").wait_for()
    page.locator("#draft-docx a").first.wait_for()
