"""The web page's handlers, called directly (no browser): loading, drafting, review stages, handled findings, eval.

The page itself in Chromium is tested in test_web_browser.py; routes and logins in test_web_server.py.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from fake_openai import FakeOpenAI

from assistant.export.docx_comments import read_comments
from assistant.llm import ModelConfig
from assistant.web.app import build_app
from assistant.web.handlers import Handlers, ReviewState
from assistant.web.pane import Handled, review_pane
from assistant.web.views import OFFLINE, draft_html

ROOT = Path(__file__).parents[1]
EXAMPLES = ROOT / "examples"
KUNMING = EXAMPLES / "kunming-2023.yaml"
REPORT = ROOT / "eval_cases" / "reports" / "kunming-2023-self-evaluation.txt"


@pytest.fixture
def handlers(tmp_path: Path) -> Handlers:
    return Handlers(workdir=tmp_path, examples_dir=EXAMPLES, eval_dir=tmp_path / "no-cases")


def fill_template(template: str | Path, target: Path) -> Path:
    """A blank template filled in as a finance officer would: a small invented bureau, one project."""
    wb = openpyxl.load_workbook(template)
    info = wb["基本信息"]
    for row in info.iter_rows(min_row=2):
        label = row[0].value
        if label == "年度":
            row[1].value = 2024
        elif label == "部门名称":
            row[1].value = "青禾县文化旅游局"
    budget = wb["预算收支"]
    amounts = {"基本支出": 120, "项目支出": 80, "全年预算": 200, "全年执行数": 190}
    for row in budget.iter_rows(min_row=2):
        if row[0].value in amounts:
            row[1].value = amounts[row[0].value]
    projects = wb["项目"]
    headings = [c.value for c in projects[1]]
    values = {"项目名称": "乡村书屋更新", "全年预算数": 80, "全年执行数": 60}
    for name, value in values.items():
        projects.cell(row=2, column=headings.index(name) + 1, value=value)
    wb.save(target)
    return target


# -- data ---------------------------------------------------------------------------------------------------


def test_examples_are_offered_by_department_and_year(handlers: Handlers) -> None:
    choices = dict(handlers.example_choices())
    assert choices["昆明市总工会 2023 年度"] == "kunming-2023.yaml"
    assert all(not label.endswith(".yaml") for label in choices)
    assert handlers.example_path("../pyproject.toml") is None


def test_loading_data_lists_its_warnings_by_chinese_label_and_sections_by_title(handlers: Handlers) -> None:
    loaded = handlers.load_example("kunming-2023.yaml")
    assert loaded.path == str(KUNMING)
    assert "昆明市总工会 2023 年度" in loaded.status and "3240.79万元" in loaded.status
    assert "budget." not in loaded.status and "projects[" not in loaded.status
    assert "第 " in loaded.status and " 行" in loaded.status  # the YAML line of the field
    assert ("一·（三）部门整体收支情况", "1.3") in loaded.sections
    assert "1" not in loaded.chosen  # a heading without a body of its own is not offered
    assert all("table." not in label for label, _ in loaded.sections)


def test_a_filled_template_names_sheet_cell_and_label_in_data_warnings(handlers: Handlers, tmp_path: Path) -> None:
    filled = fill_template(handlers.template_file(), tmp_path / "我们局的数据.xlsx")
    loaded = handlers.load(str(filled))
    assert loaded.path == str(filled), loaded.status
    assert "青禾县文化旅游局 2024 年度" in loaded.status
    # 60/80 = 75% with no reason given: the page says which project, which column, which cell.
    headings = [c.value for c in openpyxl.load_workbook(filled)["项目"][1]]
    column = openpyxl.utils.get_column_letter(headings.index("执行率低原因") + 1)
    assert f"项目“乡村书屋更新”的执行率低原因，项目!{column}2" in loaded.status
    assert "low_execution_reason" not in loaded.status


def test_a_broken_yaml_file_says_line_and_column_in_chinese(handlers: Handlers, tmp_path: Path) -> None:
    bad = tmp_path / "坏数据.yaml"
    bad.write_text("year: 2024\ndepartment:\n  name: 某局\n   budget: x: y\n", encoding="utf-8")
    loaded = handlers.load(str(bad))
    assert loaded.path is None and loaded.sections == []
    assert "坏数据.yaml 第 4 行" in loaded.status and "列" in loaded.status
    assert "mapping values" not in loaded.status and str(tmp_path) not in loaded.status


def test_a_wrong_value_names_the_field_not_its_code(handlers: Handlers, tmp_path: Path) -> None:
    bad = tmp_path / "坏数据.yaml"
    bad.write_text("year: 2024\ndepartment: {name: 某局}\nbudget: {basic: 十四万}\n", encoding="utf-8")
    loaded = handlers.load(str(bad))
    assert "坏数据.yaml" in loaded.status and "基本支出" in loaded.status and "第 3 行" in loaded.status
    assert "budget.basic" not in loaded.status and str(tmp_path) not in loaded.status


def test_a_failed_upload_says_what_failed(handlers: Handlers, tmp_path: Path) -> None:
    bad = tmp_path / "数据.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not really a workbook")
    notes: list[tuple[str, str]] = []
    handlers.notify = lambda title, message: notes.append((title, message))
    loaded = handlers.load(str(bad))
    assert loaded.path is None and loaded.status.startswith("**错误：未能载入 数据.xlsx")
    assert notes and notes[0][0] == "数据文件有问题" and "数据.xlsx" in notes[0][1]


def test_a_report_uploaded_as_data_is_refused_with_a_hint(handlers: Handlers) -> None:
    loaded = handlers.load(str(REPORT))
    assert loaded.path is None and "审阅" in loaded.status


# -- draft --------------------------------------------------------------------------------------------------


def test_offline_draft_streams_live_text_then_writes_three_files(handlers: Handlers) -> None:
    steps = list(handlers.run_draft(str(KUNMING), ["1.1", "1.3", "table.p1"]))
    assert len(steps) >= 2
    assert OFFLINE in steps[0].progress and "起草中" in steps[0].progress
    assert any("（三）部门整体收支情况" in s.view and "实时" in s.view for s in steps[:-1])
    last = steps[-1]
    assert "起草完成" in last.progress
    assert '<mark class="fact"' in last.view and "一、部门基本情况" in last.view  # parent heading added
    assert "由数据填入：" in last.view and "p1." not in last.view  # facts by their label, not their id
    assert [Path(f).suffix for f in last.files if f] == [".docx", ".md", ".json"]
    assert "昆明市总工会2023年度" in Path(last.files[0] or "").name
    assert json.loads(Path(last.files[2] or "").read_text(encoding="utf-8"))["sections"]


def test_draft_findings_name_sections_by_title(handlers: Handlers) -> None:
    last = list(handlers.run_draft(str(KUNMING), ["table.p1", "1.3"]))[-1]
    assert 'class="card' in last.issues and "table." not in last.issues


def test_a_filled_template_drafts_to_a_word_file(handlers: Handlers, tmp_path: Path) -> None:
    filled = fill_template(handlers.template_file(), tmp_path / "填好的模板.xlsx")
    loaded = handlers.load(str(filled))
    last = list(handlers.run_draft(loaded.path, loaded.chosen))[-1]
    assert "起草完成" in last.progress
    text = "\n".join(p.text for p in docx.Document(last.files[0]).paragraphs)
    assert "青禾县文化旅游局" in text
    # The draft's own findings point at the cell to fill, not at the data path.
    headings = [c.value for c in openpyxl.load_workbook(filled)["项目"][1]]
    column = openpyxl.utils.get_column_letter(headings.index("执行率低原因") + 1)
    assert f"项目“乡村书屋更新”的执行率低原因（项目!{column}2）" in last.issues
    assert "low_execution_reason" not in last.issues and "projects[" not in last.issues


def test_draft_without_data_asks_for_it(handlers: Handlers) -> None:
    (step,) = list(handlers.run_draft(None, ["1.1"]))
    assert "请先上传数据文件" in step.progress and step.files == (None, None, None)


def test_draft_html_escapes_the_text() -> None:
    from assistant.drafting.result import Draft, DraftSection

    d = Draft(
        department="某局",
        year=2024,
        sections=[DraftSection(id="1", title="<b>", level=1, text="<x>", source="offline")],
    )
    out = draft_html(d)
    assert "&lt;x&gt;" in out and "<x>" not in out


def test_a_session_model_drafts_through_the_loopback_server_and_the_key_stays_in_memory(
    fake_openai: FakeOpenAI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake_openai.default = "{year}年度部门预算总支出{budget.expenditure_total}。"
    h = Handlers(workdir=tmp_path / "work", examples_dir=EXAMPLES)
    (tmp_path / "work").mkdir()
    key = "sk-session-only-7f3a"
    config, shown = h.apply_model("custom", fake_openai.base_url, "fake-model", key)
    assert config is not None and "fake-model" in shown and key not in shown
    caplog.set_level("DEBUG")
    steps = list(h.run_draft(str(KUNMING), ["1.3"], config, "browser-1"))
    assert "模型：fake-model" in steps[0].progress
    assert "起草完成" in steps[-1].progress and "3240.79万元" in steps[-1].view
    assert fake_openai.requests and fake_openai.requests[-1].headers["authorization"] == f"Bearer {key}"
    assert key not in caplog.text
    for path in (tmp_path / "work").rglob("*"):
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path


def test_the_model_form_refuses_a_bad_address_and_never_uses_the_server_key(
    handlers: Handlers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-SERVER-SECRET")
    config, shown = handlers.apply_model("custom", "ftp://example", "m", "k")
    assert config is None and "http://" in shown
    config, _ = handlers.apply_model("custom", "https://api.example.cn/v1", "m", "")
    assert config is None or config.api_key is None or config.api_key.get_secret_value() != "sk-SERVER-SECRET"
    config, shown = handlers.apply_model("", "", "", "")
    assert config is None and OFFLINE in shown


def test_model_settings_never_show_the_key(handlers: Handlers) -> None:
    assert OFFLINE in handlers.model_settings()
    handlers.model = ModelConfig(model="qwen-plus", base_url="http://127.0.0.1:9/v1", api_key="sk-SECRET")
    text = handlers.model_settings()
    assert "qwen-plus" in text and "http://127.0.0.1:9/v1" in text and "sk-SECRET" not in text


# -- review -------------------------------------------------------------------------------------------------


def test_review_shows_its_stages_then_the_pane_and_files_named_after_the_users_file(handlers: Handlers) -> None:
    steps = list(handlers.run_review(str(REPORT), None))
    assert steps[0].status.startswith("审阅中：**【读取】**")
    assert any("【检查】" in s.status for s in steps) and any("【汇总】" in s.status for s in steps)
    last = steps[-1]
    assert "审阅完成" in last.status and last.state is not None
    assert last.pane.count('class="card ') == len(last.state.review.findings) > 10
    assert 'class="sev-error' in last.pane
    docx_path, json_path, html_path = last.files
    assert all(Path(p or "").name.startswith("kunming-2023-self-evaluation（审阅）") for p in last.files)
    data = json.loads(Path(json_path or "").read_text(encoding="utf-8"))
    assert data["findings"] and data["document"]["path"] == REPORT.name
    page = Path(html_path or "").read_text(encoding="utf-8")
    assert str(REPORT.parent) not in page and str(handlers.workdir) not in page


def test_review_with_a_model_counts_requests_and_can_be_cancelled(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    started = threading.Event()

    def slow(request: dict[str, Any]) -> str:
        started.set()
        return '{"findings": []}'

    fake_openai.default = slow
    fake_openai.latency = 0.3
    h = Handlers(workdir=tmp_path)
    config = ModelConfig(model="fake-model", base_url=fake_openai.base_url, api_key="k", concurrency=1, timeout=10)
    steps = []
    for step in h.run_review(str(REPORT), None, config, "s1"):
        steps.append(step)
        if "模型审阅 1/" in step.status:
            assert h.cancel("s1") == "正在取消…"
    assert any("【模型审阅 0/" in s.status for s in steps)
    assert "已取消审阅" in steps[-1].status and steps[-1].state is None
    assert len(fake_openai.requests) < 8  # it stopped rather than sending every chunk


def test_review_with_a_model_reaches_the_end_when_not_cancelled(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    fake_openai.default = '{"findings": []}'
    h = Handlers(workdir=tmp_path)
    config = ModelConfig(model="fake-model", base_url=fake_openai.base_url, api_key="k", timeout=10)
    steps = list(h.run_review(str(REPORT), None, config, "s2"))
    totals = {
        s.status.split("模型审阅 ")[1].split(" 段")[0] for s in steps if "模型审阅 " in s.status and "/" in s.status
    }
    assert f"{len(fake_openai.requests)}/{len(fake_openai.requests)}" in totals
    assert "审阅完成" in steps[-1].status and "模型：fake-model" in steps[-1].status


def test_handled_findings_are_left_out_of_every_download(handlers: Handlers) -> None:
    last = list(handlers.run_review(str(REPORT), None))[-1]
    state = last.state
    assert isinstance(state, ReviewState)
    before = read_comments(last.files[0] or "")
    first, second = state.review.findings[0], state.review.findings[1]
    pane_state = json.dumps({"token": state.token, "done": [0], "ignored": [1]})
    docx_path, json_path, _ = handlers.handled_files(state, pane_state)
    after = read_comments(docx_path or "")
    assert len(after) == len(before) - 2
    assert not any(first.message in text for _, text, _ in after)
    data = json.loads(Path(json_path or "").read_text(encoding="utf-8"))
    assert len(data["findings"]) == len(state.review.findings) - 2
    assert any("已处理 1 条、忽略 1 条" in n for n in data["notes"])
    assert second.message not in [f["message"] for f in data["findings"][:1]]


def test_handled_state_from_another_review_or_garbage_changes_nothing() -> None:
    assert Handled.parse('{"token": "old", "done": [0]}', "new", 5).done == set()
    assert Handled.parse("not json", "t", 5).done == set()
    parsed = Handled.parse('{"token": "t", "done": [0, 99, -1, true], "ignored": [0, 2]}', "t", 5)
    assert parsed.done == {0} and parsed.ignored == {2}


def test_the_pane_marks_every_finding_and_escapes_the_text(handlers: Handlers) -> None:
    last = list(handlers.run_review(str(REPORT), None))[-1]
    assert last.state is not None
    review = last.state.review.model_copy(update={"text": last.state.review.text.replace("部门", "<部门>", 1)})
    pane = review_pane(review, "tok")
    assert "<部门>" not in pane
    marked = {int(i) for chunk in pane.split('data-f="')[1:] for i in chunk.split('"')[0].split()}
    assert marked == set(range(len(review.findings))) - {
        i for i, f in enumerate(review.findings) if review.text[f.start : f.end] != f.quote
    }


def test_review_refuses_an_unsupported_file_type(handlers: Handlers, tmp_path: Path) -> None:
    bad = tmp_path / "report.exe"
    bad.write_bytes(b"MZ")
    (step,) = list(handlers.run_review(str(bad), None))
    assert "不支持的报告类型" in step.status and step.state is None


# -- eval ---------------------------------------------------------------------------------------------------


def test_eval_cases_are_listed_by_chinese_title_without_server_paths(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "inline.yaml").write_text(
        "kind: draft\ndescription: 一个小单位的收支情况\nsections: ['1.3']\n"
        "data: {year: 2024, department: {name: 某局}, budget: {basic: 10, project: 5}}\n"
        "assert: [{type: contains, value: 某局}]\n",
        encoding="utf-8",
    )
    h = Handlers(workdir=tmp_path, eval_dir=cases)
    choices, note = h.eval_cases()
    assert note == "" and choices == [("【起草】一个小单位的收支情况", "inline.yaml")]
    *_, last = list(h.run_eval(["inline.yaml"]))
    assert "评测完成" in last.status and "一个小单位的收支情况" in last.table and "通过" in last.table
    assert str(tmp_path) not in last.table and "inline" not in last.table


def test_eval_with_no_cases_chosen_says_so(tmp_path: Path) -> None:
    (step,) = list(Handlers(workdir=tmp_path, eval_dir=ROOT / "eval_cases").run_eval([]))
    assert "请至少选择一个评测用例" in step.status


def test_closing_the_app_removes_its_temporary_folder() -> None:
    from test_web_server import free_port

    app = build_app()
    folder = app.handlers.workdir
    assert folder.is_dir() and os.environ["GRADIO_TEMP_DIR"].startswith(str(folder))
    app.launch(server_port=free_port(), prevent_thread_lock=True, quiet=True)
    app.close()
    assert not folder.exists()


def test_cli_auth_parsing() -> None:
    from assistant.cli.web import parse_auth
    from assistant.errors import InputError

    assert parse_auth("a:b:c") == ("a", "b:c")
    assert parse_auth(None) is None
    with pytest.raises(InputError):
        parse_auth("nopassword")
