"""The page in Debian's Chromium over loopback, as a finance officer and a bureau reviewer use it.

The app runs in-process on a free 127.0.0.1 port and the browser refuses every request not for that address, so
nothing reaches the internet. Screenshots of what the user sees at 1366×768 go to ``artifacts/screenshots/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from fake_openai import FakeOpenAI
from test_web import fill_template
from test_web_server import free_port

from assistant.export.docx_comments import read_comments
from assistant.web.app import PAGE_TITLE, build_app

ROOT = Path(__file__).parents[1]
EXAMPLES = ROOT / "examples"
REPORT = ROOT / "eval_cases" / "reports" / "kunming-2023-self-evaluation.txt"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
CHROMIUM_ARGS += ["--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 60_000  # generous: a slow CI machine must not fail these
VIEWPORT = {"width": 1366, "height": 768}

# Latin words the product may show: formats, units, its own names. Anything else is English UI to translate.
ALLOWED_WORDS = {
    "Word",
    "Excel",
    "Markdown",
    "JSON",
    "YAML",
    "HTML",
    "WPS",
    "docx",
    "xlsx",
    "yaml",
    "yml",
    "json",
    "pdf",
}
ALLOWED_WORDS |= {"txt", "md", "KB", "MB", "B", "n", "p", "PDF", "OpenAI", "DeepSeek", "GLM", "Kimi", "Ollama"}
ALLOWED_WORDS |= {"vLLM", "llama", "cpp", "zip"}


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests")
    app = build_app(None, examples_dir=EXAMPLES, eval_dir=ROOT / "eval_cases")
    port = free_port()
    app.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
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


def _open(browser: Any, url: str) -> Any:
    context = browser.new_context(locale="zh-CN", accept_downloads=True, viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(url) else route.abort())
    pg = context.new_page()
    pg.goto(url)
    pg.get_by_role("tab", name="起草").wait_for()
    return pg


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    pg = _open(browser, server)
    try:
        yield pg
    finally:
        pg.context.close()


def _shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _tab(page: Any, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).first.click()


def _review(page: Any, report: Path = REPORT) -> None:
    _tab(page, "审阅")
    page.locator("#review-upload input[type=file]").set_input_files(str(report))
    page.locator("#review-upload").get_by_text(report.stem).first.wait_for()
    page.locator("#review-run").click()
    page.locator("#review-status").get_by_text("审阅完成").wait_for()
    page.locator("#review-pane .card").first.wait_for()


def _in_view(page: Any, box: str, target: Any) -> bool:
    """True when ``target`` lies inside the visible part of the scrolling ``box`` (within a few frames)."""
    for _ in range(20):
        b = page.locator(box).bounding_box()
        r = target.bounding_box()
        if b and r and r["y"] >= b["y"] - 1 and r["y"] + r["height"] <= b["y"] + b["height"] + 1:
            return True
        page.wait_for_timeout(50)
    return False


def _download(page: Any, button: str, target: Path) -> Path:
    with page.expect_download() as info:
        page.locator(button).click()
    info.value.save_as(target)
    return target


# The user's own documents (the drafted text, the report under review, quotes from it) may hold Latin letters.
CONTENT = "#draft-html .doc, #review-pane .rp-doc, #review-pane q, #draft-findings q"


def _english(page: Any, *names: str) -> list[str]:
    """Latin words visible in the page's interface, other than allowed product terms and the user's file names."""
    text = page.evaluate(
        """(content) => {
        const hidden = Array.from(document.querySelectorAll(content));
        const before = hidden.map((e) => e.style.display);
        hidden.forEach((e) => { e.style.display = "none"; });
        const text = document.body.innerText;
        hidden.forEach((e, i) => { e.style.display = before[i]; });
        return text;
    }""",
        CONTENT,
    )
    for name in names:
        text = text.replace(name, "")
    text = re.sub(r"“[^”]*”", "", text)  # quotations of a report's words (eval case titles cite its typos)
    return sorted({w for w in re.findall(r"[A-Za-z][A-Za-z.]*", text) if w.strip(".") not in ALLOWED_WORDS})


# -- the review pane ------------------------------------------------------------------------------------------


def test_clicking_the_tenth_card_scrolls_its_words_into_view_and_highlights_them(page: Any) -> None:
    _review(page)
    doc = page.locator("#review-pane .rp-doc")
    doc.evaluate("d => d.scrollTop = 0")
    card = page.locator("#review-pane .card").nth(9)
    card.click()
    index = card.get_attribute("data-i")
    highlighted = page.locator("#review-pane mark.hl")
    assert highlighted.count() >= 1
    first = highlighted.first
    assert index in (first.get_attribute("data-f") or "").split()
    assert doc.evaluate("d => d.scrollTop") > 0  # the text moved to the finding
    assert _in_view(page, "#review-pane .rp-doc", first)
    assert "current" in (card.get_attribute("class") or "")
    assert page.locator("#review-pane .rp-pos").inner_text().startswith("10/")
    _shot(page, "review-card-10")


def test_clicking_a_mark_brings_its_card_into_view(page: Any) -> None:
    _review(page)
    marks = page.locator("#review-pane .rp-doc mark")
    mark = marks.nth(marks.count() - 1)  # the last mark: its card is far down the list
    mark.scroll_into_view_if_needed()
    mark.click()
    current = page.locator("#review-pane .card.current")
    assert current.count() == 1
    assert current.get_attribute("data-i") in (mark.get_attribute("data-f") or "").split()
    assert _in_view(page, "#review-pane .rp-cards", current)


def test_the_error_chip_leaves_only_error_cards_and_error_marks(page: Any) -> None:
    _review(page)
    total = page.locator("#review-pane .card").count()
    chip = page.locator("#review-pane .chip[data-sev=error]")
    errors = int(chip.locator(".n").inner_text())
    chip.click()
    visible = page.locator("#review-pane .card:not([hidden])")
    assert 0 < visible.count() == errors < total
    assert set(visible.evaluate_all("cs => cs.map(c => c.dataset.sev)")) == {"error"}
    lit = page.locator("#review-pane .rp-doc mark:not(.off)")
    assert lit.count() > 0
    assert all("sev-error" in c for c in lit.evaluate_all("ms => ms.map(m => m.className)"))
    assert f"当前显示 {errors} 条" in page.locator("#review-pane .rp-counts").inner_text()
    _shot(page, "review-errors-only")
    page.locator("#review-pane .rp-clear").click()
    assert page.locator("#review-pane .card:not([hidden])").count() == total


def test_next_and_previous_by_button_and_keyboard(page: Any) -> None:
    _review(page)
    position = page.locator("#review-pane .rp-pos")
    page.locator("#review-pane .rp-next").click()
    page.locator("#review-pane .rp-next").click()
    assert position.inner_text().startswith("2/")
    page.locator("#review-pane .rp-doc").focus()
    page.keyboard.press("n")
    assert position.inner_text().startswith("3/")
    page.keyboard.press("p")
    page.keyboard.press("p")
    assert position.inner_text().startswith("1/")
    page.locator("#review-pane .rp-prev").click()  # wraps round to the last
    total = page.locator("#review-pane .card").count()
    assert position.inner_text() == f"{total}/{total}"


def test_a_handled_finding_is_left_out_of_the_downloaded_word_comments(page: Any, tmp_path: Path) -> None:
    _review(page)
    before = read_comments(_download(page, "#review-docx", tmp_path / "before.docx"))
    card = page.locator("#review-pane .card").first
    message = card.locator(".msg").inner_text()
    assert any(message in text for _, text, _ in before)
    card.locator("button[data-act=done]").click()
    counts = page.locator("#review-pane .rp-counts")
    assert "已处理 1" in counts.inner_text() and f"待处理 {len(before) - 1}" in counts.inner_text()
    assert card.is_hidden()  # handled cards step aside unless asked for
    # The downloads are rewritten in the background; wait until the Word file no longer carries the comment.
    after: list[tuple[str, str, str]] = before
    for attempt in range(40):
        after = read_comments(_download(page, "#review-docx", tmp_path / f"after{attempt}.docx"))
        if len(after) < len(before):
            break
        page.wait_for_timeout(250)
    assert len(after) == len(before) - 1
    assert not any(message in text for _, text, _ in after)
    page.locator("#review-pane .rp-show-closed").check()
    # The pane may be drawn again as the rewritten downloads arrive: wait for the card's mark, don't read it once.
    card.locator(".state").get_by_text("已处理").wait_for()
    assert "已处理" in card.locator(".state").inner_text()
    _shot(page, "review-handled")


def test_the_downloads_carry_the_users_file_name(page: Any, tmp_path: Path) -> None:
    _review(page)
    for button in ("#review-docx", "#review-json", "#review-page"):
        with page.expect_download() as info:
            page.locator(button).click()
        assert info.value.suggested_filename.startswith(REPORT.stem + "（审阅）"), info.value.suggested_filename
        info.value.save_as(tmp_path / info.value.suggested_filename)
    page_html = (tmp_path / f"{REPORT.stem}（审阅）.html").read_text(encoding="utf-8")
    assert "/tmp/" not in page_html and "assistant-web-" not in page_html


def test_a_report_twenty_times_as_long_still_filters_and_selects_quickly(page: Any, tmp_path: Path) -> None:
    long_report = tmp_path / "长报告.txt"
    text = REPORT.read_text(encoding="utf-8")
    long_report.write_text("\n\n".join([text] * 20), encoding="utf-8")
    _review(page, long_report)
    cards = page.locator("#review-pane .card").count()
    assert cards > 20 * 50
    # Filtering and selecting still work on a long report (the time each click takes is printed, not asserted:
    # tests don't judge speed on a shared machine; the figures go to the log).
    result = page.evaluate(
        """() => {
        const pane = document.querySelector('#review-pane');
        const t0 = performance.now();
        pane.querySelector('.chip[data-sev=error]').click();
        const t1 = performance.now();
        const shown = pane.querySelectorAll('.card:not([hidden])');
        const onlyErrors = [...shown].every(c => c.classList.contains('sev-error'));
        const target = shown[Math.min(200, shown.length - 1)];
        target.click();
        const t2 = performance.now();
        const selected = target.classList.contains('current');
        pane.querySelector('.rp-clear').click();
        return {shown: shown.length, onlyErrors, selected, ms: [t1 - t0, t2 - t1, performance.now() - t2]};
    }"""
    )
    print("long report: error filter, select, clear (ms):", result["ms"])
    assert result["shown"] > 20 and result["onlyErrors"] and result["selected"], result
    _shot(page, "review-long")


# -- Chinese everywhere -----------------------------------------------------------------------------------


def test_no_english_after_draft_review_a_broken_upload_and_an_eval_run(page: Any, tmp_path: Path) -> None:
    assert page.title() == PAGE_TITLE
    assert _english(page) == []
    page.locator("#draft-example input").click()
    page.get_by_role("option", name="昆明市总工会 2023 年度").click()
    page.locator("#draft-status").get_by_text("已载入").wait_for()
    page.locator("#draft-run").click()
    page.locator("#draft-progress").get_by_text("起草完成").wait_for()
    assert _english(page) == [], "after drafting"
    page.locator("#draft-progress").scroll_into_view_if_needed()
    _shot(page, "draft")

    broken = tmp_path / "坏数据.yaml"
    broken.write_text("year: 2024\ndepartment:\n  name: 某局\n   budget: x: y\n", encoding="utf-8")
    page.locator("#draft-upload input[type=file]").set_input_files(str(broken))
    page.locator("#draft-status").get_by_text("第 4 行").wait_for()
    page.get_by_test_id("toast-body").first.wait_for()
    assert _english(page, broken.name, broken.stem) == [], "after a broken upload"
    assert "请注意" in page.get_by_test_id("toast-body").first.inner_text()
    _shot(page, "draft-broken-upload")

    _review(page)
    assert _english(page, REPORT.name, REPORT.stem) == [], "after review"
    _shot(page, "review")

    _tab(page, "模型设置")
    page.locator("#advanced").get_by_text("高级").first.click()
    page.locator("#eval-cases").wait_for()
    assert "eval_cases" not in page.locator("#eval-cases").inner_text()
    boxes = page.locator("#eval-cases input[type=checkbox]")
    for i in range(2, boxes.count()):  # two cases keep the run short
        boxes.nth(i).uncheck()
    page.locator("#eval-run").click()
    page.locator("#eval-status").get_by_text("评测完成").wait_for()
    assert _english(page, REPORT.name, REPORT.stem) == [], "after an eval run"
    page.locator("#eval-table").scroll_into_view_if_needed()
    _shot(page, "eval")


# -- for staff ----------------------------------------------------------------------------------------------


def test_a_staffer_downloads_the_blank_template_fills_it_drafts_and_gets_word(page: Any, tmp_path: Path) -> None:
    blank = tmp_path / "模板.xlsx"
    for _ in range(20):  # the template is attached when the page has finished opening
        try:
            with page.expect_download(timeout=1000) as info:
                page.locator("#draft-template").click()
        except Exception:
            continue
        assert info.value.suggested_filename.endswith(".xlsx")
        info.value.save_as(blank)
        break
    filled = fill_template(blank, tmp_path / "青禾县文化旅游局2024.xlsx")
    page.locator("#draft-upload input[type=file]").set_input_files(str(filled))
    page.locator("#draft-status").get_by_text("青禾县文化旅游局 2024 年度").wait_for()
    headings = [c.value for c in openpyxl.load_workbook(filled)["项目"][1]]
    cell = f"项目!{openpyxl.utils.get_column_letter(headings.index('执行率低原因') + 1)}2"
    assert cell in page.locator("#draft-status").inner_text()  # the cell to fill, in the user's workbook
    page.locator("#draft-run").click()
    page.locator("#draft-progress").get_by_text("起草完成").wait_for()
    with page.expect_download() as info:
        page.locator("#draft-docx").click()
    assert "青禾县文化旅游局2024年度" in info.value.suggested_filename
    target = tmp_path / "草稿.docx"
    info.value.save_as(target)
    assert "青禾县文化旅游局" in "\n".join(p.text for p in docx.Document(str(target)).paragraphs)
    _shot(page, "draft-from-template")


def test_the_first_screen_has_no_empty_download_boxes(page: Any) -> None:
    for button in ("#draft-docx", "#draft-md", "#draft-json"):
        assert page.locator(button).count() == 0 or page.locator(button).is_hidden()
    _shot(page, "first-screen")


def test_removing_the_file_resets_what_depends_on_it(page: Any) -> None:
    page.locator("#draft-upload input[type=file]").set_input_files(str(EXAMPLES / "education-bureau-2024.yaml"))
    page.locator("#draft-status").get_by_text("已载入").wait_for()
    page.locator("#draft-run").click()
    page.locator("#draft-progress").get_by_text("起草完成").wait_for()
    page.locator("#draft-docx").wait_for()
    page.locator("#draft-upload").get_by_role("button", name=re.compile("清除|Clear|×")).first.click()
    page.locator("#draft-status").get_by_text("请先上传数据文件").wait_for()
    assert page.locator("#draft-docx").is_hidden()
    assert page.locator("#draft-html").inner_text().strip() == ""
    page.locator("#draft-run").click()
    page.locator("#draft-progress").get_by_text("请先上传数据文件").wait_for()


def test_a_broken_upload_then_an_example_still_drafts(page: Any, tmp_path: Path) -> None:
    broken = tmp_path / "损坏的数据.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook at all")
    page.locator("#draft-upload input[type=file]").set_input_files(str(broken))
    page.locator("#draft-status").get_by_text("未能载入 损坏的数据.xlsx").wait_for()
    page.get_by_test_id("toast-text").filter(has_text="无法打开").first.wait_for()
    assert "Traceback" not in page.content()
    page.locator("#draft-example input").click()
    page.get_by_role("option", name="教育局 2024 年度", exact=False).first.click()
    page.locator("#draft-status").get_by_text("已载入").wait_for()
    page.locator("#draft-run").click()
    page.locator("#draft-progress").get_by_text("起草完成").wait_for()
    page.locator("#draft-docx").wait_for()


def test_the_model_form_applies_to_this_browser_session_only(
    browser: Any, server: str, fake_openai: FakeOpenAI
) -> None:
    fake_openai.default = "{year}年度部门预算总支出{budget.expenditure_total}。"
    mine, other = _open(browser, server), _open(browser, server)
    try:
        _tab(mine, "模型设置")
        mine.locator("#model-name textarea, #model-name input").first.fill("fake-model")
        mine.locator("#model-url textarea, #model-url input").first.fill(fake_openai.base_url)
        mine.locator("#model-key input").fill("sk-browser-only")
        mine.locator("#model-apply").click()
        mine.locator("#model-settings").get_by_text("fake-model").wait_for()
        assert mine.locator("#model-key input").input_value() == ""
        assert "sk-browser-only" not in mine.content()
        _shot(mine, "model-settings")
        _tab(mine, "起草")
        mine.locator("#draft-example input").click()
        mine.get_by_role("option", name="昆明市总工会 2023 年度").click()
        mine.locator("#draft-status").get_by_text("已载入").wait_for()
        mine.locator("#draft-run").click()
        mine.locator("#draft-progress").get_by_text("起草完成").wait_for()
        assert fake_openai.requests and fake_openai.requests[-1].headers["authorization"] == "Bearer sk-browser-only"
        _tab(other, "模型设置")
        other.locator("#model-settings").get_by_text("未配置模型").wait_for()  # the other session is still offline
    finally:
        mine.context.close()
        other.context.close()


def test_review_with_a_model_shows_its_stages_and_can_be_cancelled(browser: Any, fake_openai: FakeOpenAI) -> None:
    from assistant.llm import ModelConfig

    fake_openai.default = '{"findings": []}'
    fake_openai.latency = 1.0
    config = ModelConfig(model="fake-model", base_url=fake_openai.base_url, api_key="k", concurrency=1, timeout=30)
    app = build_app(config, examples_dir=EXAMPLES, eval_dir=ROOT / "eval_cases")
    port = free_port()
    app.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    pg = _open(browser, f"http://127.0.0.1:{port}/")
    try:
        _tab(pg, "审阅")
        pg.locator("#review-upload input[type=file]").set_input_files(str(REPORT))
        pg.locator("#review-upload").get_by_text(REPORT.stem).first.wait_for()
        pg.locator("#review-run").click()
        status = pg.locator("#review-status")
        status.get_by_text(re.compile(r"模型审阅 [12]/\d+ 段")).wait_for()
        assert "读取 → 检查 → 【模型审阅" in status.inner_text() and "】 → 汇总" in status.inner_text()
        _shot(pg, "review-model-stages")
        pg.locator("#review-cancel").click()
        status.get_by_text("已取消审阅").wait_for()
        assert pg.locator("#review-docx").is_hidden()
        sent = len(fake_openai.requests)
        pg.wait_for_timeout(1500)
        assert len(fake_openai.requests) <= sent + 1  # nothing more goes to the model after the cancel
    finally:
        pg.context.close()
        app.close()
