"""Reliability as a user meets it: bad inputs and faults give exit 2 and a Chinese message, never a traceback, never
a changed input, and take bounded time and memory. Every input is generated here; nothing is shipped."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fake_openai import FakeOpenAI, Hang, Raw, Status
from pydantic import BaseModel

from assistant.budget.loader import load_data
from assistant.cli import main
from assistant.errors import DataValidationError, InputError, ModelError
from assistant.llm import ModelClient, ModelConfig, resolve_config
from assistant.llm.config import DEFAULT_DEADLINE
from assistant.llm.deadline import deadline
from assistant.terminal import for_terminal
from assistant.zipguard import check_zip

ROOT = Path(__file__).parents[1]
MIB = 1024 * 1024

# A small, consistent data file written for these tests (an invented department).
DATA = """\
year: 2024
money_unit: 万元
department:
  name: 青石县档案馆
budget:
  total: 820.5
  basic: 600.25
  project: 200.25
  executed: 800.5
projects:
  - name: 馆藏数字化
    total_budget: 200.25
    executed: 200.25
"""
REPORT = """\
青石县档案馆2024年度部门整体支出绩效自评报告

一、部门基本情况
青石县档案馆负责全县档案的收集、保管和利用。

二、部门整体收支情况
2024年全年预算820.5万元，全年执行800.5万元，预算执行率97.56%。
"""


@dataclass
class Run:
    """A finished command: exit status, output, wall seconds and peak resident memory."""

    code: int
    out: str
    err: str
    seconds: float
    peak_mb: float


# Runs the CLI as ``python -m assistant`` does, and writes the process's own peak memory (KB) when it ends.
# Linux's VmHWM belongs to the program itself; ru_maxrss carries over the forking pytest's size through exec
# (a test run grown past 400 MB would fail every memory bound).
_MEASURED = (
    "import atexit, resource, runpy, sys\n"
    "out = sys.argv.pop(1)\n"
    "def peak():\n"
    "    try:\n"
    "        return next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:'))\n"
    "    except (OSError, StopIteration):\n"
    "        return str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    "atexit.register(lambda: open(out, 'w').write(peak()))\n"
    "sys.argv[0] = 'assistant'\n"
    "runpy.run_module('assistant', run_name='__main__', alter_sys=True)\n"
)


def run_cli(args: list[str], *, memory_mb: int = 1500, timeout: float = 60, env: dict[str, str] | None = None) -> Run:
    """Run ``python -m assistant ARGS`` in a fresh process under an address-space limit; time and measure it."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * MIB, memory_mb * MIB))

    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    with tempfile.NamedTemporaryFile(suffix=".rss", delete=False) as fh:
        rss_file = Path(fh.name)
    started = time.perf_counter()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", _MEASURED, str(rss_file), *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environment,
            cwd=ROOT,
            preexec_fn=limit,  # noqa: PLW1509 - the limit must apply to the child only
        )
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            pytest.fail(f"assistant {' '.join(args)} ran longer than {timeout} s")
        seconds = time.perf_counter() - started
        peak_kb = int(rss_file.read_text() or 0) if rss_file.exists() else 0
    finally:
        rss_file.unlink(missing_ok=True)
    return Run(
        proc.returncode, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace"), seconds, peak_kb / 1024
    )


def assert_refused(run: Run, *needles: str) -> None:
    """Exit status 2, a Chinese message containing ``needles``, no traceback."""
    assert run.code == 2, run.err
    assert "Traceback" not in run.err and "Error:" not in run.err.replace("错误：", "")
    assert "错误" in run.err
    for needle in needles:
        assert needle in run.err, run.err


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------- 1. outputs vs inputs


@pytest.mark.parametrize("suffix", [".txt", ".md", ".json", ".html"])
def test_review_refuses_to_write_its_result_over_the_report(tmp_path: Path, suffix: str) -> None:
    report = write(tmp_path / f"report{suffix}", REPORT if suffix in (".txt", ".md") else REPORT)
    before = report.read_bytes()
    run = run_cli(["review", str(report), "-o", str(report)])
    assert_refused(run, "相同", "另取一个文件名")
    assert report.read_bytes() == before


@pytest.mark.parametrize("link", ["hard", "symbolic"])
def test_review_refuses_an_output_that_is_a_link_to_the_report(tmp_path: Path, link: str) -> None:
    report = write(tmp_path / "report.txt", REPORT)
    before = report.read_bytes()
    alias = tmp_path / "result.txt"
    (os.link if link == "hard" else os.symlink)(report, alias)
    run = run_cli(["review", str(report), "-o", str(alias)])
    assert_refused(run, "同一个文件或其链接")
    assert report.read_bytes() == before


def test_review_refuses_an_output_that_is_its_data_file(tmp_path: Path) -> None:
    report = write(tmp_path / "report.txt", REPORT)
    data = tmp_path / "data.json"
    data.write_text(json.dumps({"year": 2024, "department": {"name": "青石县档案馆"}}, ensure_ascii=False))
    before = data.read_bytes()
    run = run_cli(["review", str(report), "--data", str(data), "-o", str(data)])
    assert_refused(run, "相同")
    assert data.read_bytes() == before


def test_review_docx_output_onto_a_hard_link_of_the_source_is_refused(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    for line in REPORT.splitlines():
        document.add_paragraph(line)
    source = tmp_path / "report.docx"
    document.save(str(source))
    before = source.read_bytes()
    os.link(source, tmp_path / "commented.docx")
    run = run_cli(["review", str(source), "-o", str(tmp_path / "commented.docx")])
    assert_refused(run, "相同")
    assert source.read_bytes() == before


def test_draft_refuses_a_hard_link_to_its_data_file(tmp_path: Path) -> None:
    data = write(tmp_path / "data.yaml", DATA)
    before = data.read_bytes()
    os.link(data, tmp_path / "draft.md")
    run = run_cli(["draft", str(data), "-o", str(tmp_path / "draft.md")])
    assert_refused(run, "相同")
    assert data.read_bytes() == before


def test_draft_output_of_an_unknown_kind_fails_before_any_model_call(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    data = write(tmp_path / "data.yaml", DATA)
    started = time.perf_counter()
    code = main(
        ["draft", str(data), "-o", str(tmp_path / "out.pdf"), "--base-url", fake_openai.base_url, "--model", "m"]
    )
    assert code == 2
    assert time.perf_counter() - started < 5
    assert fake_openai.chat_requests == []
    assert not (tmp_path / "out.pdf").exists()


def test_review_output_into_a_folder_is_refused_before_reviewing(tmp_path: Path) -> None:
    report = write(tmp_path / "report.txt", REPORT)
    (tmp_path / "out.json").mkdir()
    run = run_cli(["review", str(report), "-o", str(tmp_path / "out.json")])
    assert_refused(run, "文件夹")
    assert run.out == ""  # nothing was reviewed (and printed) before the refusal


# ---------------------------------------------------------------------------------------------- 2. exact data


def data_with(tmp_path: Path, amount: str, name: str = "d.yaml") -> Path:
    return write(tmp_path / name, DATA.replace("basic: 600.25", f"basic: {amount}"))


@pytest.mark.parametrize(("written", "old_reading"), [("02552", "1386"), ("0x1F", "31"), ("0o17", "15")])
def test_yaml_1_1_number_forms_are_refused_with_their_line(tmp_path: Path, written: str, old_reading: str) -> None:
    with pytest.raises(InputError) as info:
        load_data(data_with(tmp_path, written))
    message = str(info.value)
    assert ":7:" in message and f"“{written}”" in message and "歧义" in message
    assert old_reading in message  # says what another reader would have made of it


@pytest.mark.parametrize("written", ["42:32:45", "1_000"])
def test_base_60_and_underscored_amounts_are_refused_with_their_line(tmp_path: Path, written: str) -> None:
    with pytest.raises(DataValidationError) as info:
        load_data(data_with(tmp_path, written))
    assert "第 7 行" in str(info.value) and written in str(info.value) and "budget.basic" in str(info.value)


def test_plain_decimal_amounts_stay_exact(tmp_path: Path) -> None:
    data = load_data(data_with(tmp_path, "2552.10"))
    assert data.budget.basic is not None and str(data.budget.basic.value) == "2552.10"


def test_a_time_of_day_in_a_text_field_stays_text(tmp_path: Path) -> None:
    text = DATA.replace("  name: 青石县档案馆\n", "  name: 青石县档案馆\n  profile: 9:30\n")
    assert load_data(write(tmp_path / "d.yaml", text)).department.profile == "9:30"


@pytest.mark.parametrize("written", [".nan", ".inf", "-.Inf", "NaN"])
def test_not_a_number_and_infinity_are_refused_in_chinese(tmp_path: Path, written: str) -> None:
    with pytest.raises(InputError) as info:
        load_data(data_with(tmp_path, written))
    assert written in str(info.value) and ("有限" in str(info.value) or "不是金额" in str(info.value))
    assert "Input should" not in str(info.value)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_nan_and_infinity_are_refused(tmp_path: Path, constant: str) -> None:
    raw = f'{{"year": 2024, "department": {{"name": "x", "counts": [{{"label": "馆员", "value": {constant}, "unit": "人"}}]}}}}'
    with pytest.raises(InputError, match="有限的数"):
        load_data(write(tmp_path / "d.json", raw))


@pytest.mark.parametrize("command", ["check", "draft", "review"])
def test_an_amount_beyond_sane_precision_is_refused_at_load_by_every_command(tmp_path: Path, command: str) -> None:
    data = data_with(tmp_path, "12345678901234567890123456")  # 26 digits
    before = data.read_bytes()
    args = ["review", str(write(tmp_path / "r.txt", REPORT)), "--data", str(data)] if command == "review" else []
    run = run_cli(args or [command, str(data)])
    assert_refused(run, "budget.basic", "第 7 行", "超出合理范围")
    assert data.read_bytes() == before


def test_too_many_decimal_places_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match="精度超出合理范围"):
        load_data(data_with(tmp_path, "1.123456789012345678901234"))


def test_review_config_errors_are_in_chinese_with_their_line(tmp_path: Path) -> None:
    config = write(tmp_path / "review.yaml", "year: 2024\nseverity:\n  vague-goal: urgent\n")
    run = run_cli(["review", str(write(tmp_path / "r.txt", REPORT)), "--config", str(config)])
    assert_refused(run, "第 3 行", "urgent", "不是允许的取值")
    assert "Input should be" not in run.err


def test_an_unreadable_data_file_is_a_message_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(tmp_path / "d.yaml", DATA)

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)  # tests run as root, for whom chmod 000 changes nothing
    assert main(["check", str(data)]) == 2
    assert "没有访问权限" in capsys.readouterr().err


def test_a_long_list_of_problems_is_cut_short(tmp_path: Path) -> None:
    projects = "".join(f"  - name: 项目{i}\n    total_budget: 十万\n" for i in range(500))
    text = DATA.split("projects:")[0] + "projects:\n" + projects
    with pytest.raises(DataValidationError) as info:
        load_data(write(tmp_path / "d.yaml", text))
    assert "另有 470 处问题未列出" in str(info.value) and len(str(info.value)) < 5000


# ---------------------------------------------------------------------------------------------- 3. budgets


def test_a_yaml_alias_bomb_is_refused_in_bounded_time_and_memory(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["哈哈哈哈哈哈哈哈"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    bomb = write(tmp_path / "bomb.yaml", "\n".join(lines) + "\n")
    assert bomb.stat().st_size < 600
    run = run_cli(["check", str(bomb)], memory_mb=1000, timeout=30)
    assert_refused(run, "锚点", "展开后超过")
    assert run.seconds < 10
    assert 0 < run.peak_mb < 400


def test_a_self_referencing_alias_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="循环引用|锚点"):
        load_data(write(tmp_path / "loop.yaml", "year: 2024\ndepartment: &d {name: x, self: *d}\n"))


def test_deeply_nested_yaml_is_refused_not_a_recursion_traceback(tmp_path: Path) -> None:
    run = run_cli(["check", str(write(tmp_path / "deep.yaml", "a: " + "[" * 20000 + "]" * 20000 + "\n"))])
    assert_refused(run)


def template_workbook(path: Path, budget_rows: list[tuple[str, Any]] | None = None) -> Path:
    """A small data workbook (基本信息 and 预算收支) written with openpyxl."""
    from openpyxl import Workbook

    wb = Workbook()
    info = wb.active
    info.title = "基本信息"
    info.append(["项目", "内容"])
    info.append(["年度", 2024])
    info.append(["部门名称", "青石县档案馆"])
    if budget_rows is not None:
        ws = wb.create_sheet("预算收支")
        ws.append(["项目", "金额", "单位", "说明"])
        for label, amount in budget_rows:
            ws.append([label, amount, "万元", None])
    wb.save(path)
    return path


def rewrite_zip(path: Path, replace: dict[str, bytes], add: dict[str, bytes] | None = None) -> None:
    """Copy the package at ``path`` with some parts replaced or added."""
    with zipfile.ZipFile(path) as old:
        parts = {info.filename: old.read(info) for info in old.infolist()}
    parts.update(replace)
    parts.update(add or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for name, data in parts.items():
            new.writestr(name, data)


def test_a_workbook_zip_bomb_is_refused_before_decompression(tmp_path: Path) -> None:
    book = template_workbook(tmp_path / "bomb.xlsx")
    rewrite_zip(book, {}, add={"xl/media/image1.png": b"\0" * (60 * MIB)})
    assert book.stat().st_size < 2 * MIB
    run = run_cli(["check", str(book)], memory_mb=1000)
    assert_refused(run, "压缩")
    assert run.seconds < 10
    assert 0 < run.peak_mb < 400


def test_a_word_zip_bomb_is_refused_before_decompression(tmp_path: Path) -> None:
    import docx

    report = tmp_path / "bomb.docx"
    word = docx.Document()
    word.add_paragraph("某局2024年度部门整体支出绩效自评报告")
    word.save(str(report))
    rewrite_zip(report, {}, add={"word/media/image1.png": b"\0" * (60 * MIB)})
    assert report.stat().st_size < 2 * MIB
    run = run_cli(["review", str(report)], memory_mb=1000)
    assert_refused(run, "压缩")
    assert run.seconds < 10
    assert 0 < run.peak_mb < 400


def test_zip_limits_are_checked_from_the_directory(tmp_path: Path) -> None:
    package = tmp_path / "p.docx"
    with zipfile.ZipFile(package, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(30):
            z.writestr(f"word/part{i}.xml", b"<a/>" * 1000)
    check_zip(package)  # ordinary sizes pass
    with pytest.raises(InputError, match="部件"):
        check_zip(package, max_entries=10, kind="Word 文档")
    with pytest.raises(InputError, match="超出上限"):
        check_zip(package, max_total_bytes=50_000)
    check_zip(tmp_path / "missing.docx")  # not a zip: the reader says so in its own words


def big_sheet(book: Path, rows: int, *, dimension: bool) -> Path:
    """Replace the first sheet of ``book`` with ``rows`` rows of one text cell each (as a script would write them)."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    head = '<row r="1"><c r="A1" t="inlineStr"><is><t>项目</t></is></c><c r="B1" t="inlineStr"><is><t>内容</t></is></c></row>'
    body = "".join(f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>年度</t></is></c></row>' for i in range(2, rows + 2))
    dim = f'<dimension ref="A1:B{rows + 1}"/>' if dimension else ""
    sheet = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{ns}">{dim}<sheetData>{head}{body}</sheetData></worksheet>'
    rewrite_zip(book, {"xl/worksheets/sheet1.xml": sheet.encode("utf-8")})
    return book


@pytest.mark.parametrize("dimension", [True, False])
def test_a_million_row_workbook_is_refused_quickly_with_a_short_message(tmp_path: Path, dimension: bool) -> None:
    book = big_sheet(template_workbook(tmp_path / "big.xlsx"), 1_000_000, dimension=dimension)
    run = run_cli(["check", str(book)], memory_mb=1500, timeout=60)
    assert_refused(run, "超出上限")
    assert len(run.err) < 500
    assert run.seconds < 10
    assert 0 < run.peak_mb < 600


def test_rows_beyond_the_bound_stop_the_reading_with_a_short_message(tmp_path: Path) -> None:
    book = big_sheet(template_workbook(tmp_path / "rows.xlsx"), 25_000, dimension=True)
    run = run_cli(["check", str(book)], memory_mb=1500, timeout=60)
    assert_refused(run, "行数超过 20000", "基本信息")
    assert len(run.err) < 500
    assert run.seconds < 15
    assert 0 < run.peak_mb < 600


def test_formula_cells_without_results_are_reported_by_cell(tmp_path: Path) -> None:
    rows = [("基本支出", 600), ("项目支出", 200), ("全年预算", "=B2+B3")]
    book = template_workbook(tmp_path / "formula.xlsx", rows)
    with pytest.raises(InputError) as info:
        load_data(book)
    assert "预算收支!B4 是公式但没有计算结果" in str(info.value) and "Excel/WPS" in str(info.value)


def test_formula_cells_with_results_are_read(tmp_path: Path) -> None:
    book = template_workbook(tmp_path / "formula.xlsx", [("基本支出", 600), ("项目支出", 200), ("全年预算", "=B2+B3")])
    with zipfile.ZipFile(book) as z:
        name = next(n for n in z.namelist() if n.startswith("xl/worksheets/") and b"<f>" in z.read(n))
        xml = z.read(name)
    calculated = xml.replace(b"<v></v>", b"").replace(b"</f>", b"</f><v>800</v>")
    rewrite_zip(book, {name: calculated})
    data = load_data(book)
    assert data.budget.total is not None and data.budget.total.value == 800


# ---------------------------------------------------------------------------------------------- 4. model faults


def model_args(server: FakeOpenAI, *extra: str) -> list[str]:
    return ["--base-url", server.base_url, "--model", "fake", *extra]


def test_default_deadline_keeps_a_silent_model_within_150_seconds() -> None:
    config = resolve_config(model="m", base_url="http://127.0.0.1:9/v1", env={})
    assert config is not None and config.deadline == DEFAULT_DEADLINE
    assert DEFAULT_DEADLINE + 15 <= 150  # 15 s covers start-up, the offline fallback and writing the file
    flagged = resolve_config(model="m", base_url="http://127.0.0.1:9/v1", env={}, deadline=7)
    assert flagged is not None and flagged.deadline == 7
    from_env = resolve_config(model="m", base_url="http://127.0.0.1:9/v1", env={"ASSISTANT_DEADLINE": "9"})
    assert from_env is not None and from_env.deadline == 9


def test_a_draft_with_a_model_that_never_answers_ends_by_its_deadline_all_fallen_back(
    fake_openai: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "home"))
    fake_openai.default = Hang(600)
    data = write(tmp_path / "data.yaml", DATA)
    started = time.perf_counter()
    code = main(["draft", str(data), "-o", str(tmp_path / "draft.json"), *model_args(fake_openai, "--deadline", "3")])
    took = time.perf_counter() - started
    assert code == 0
    assert took < 3 + 8, took
    sections = json.loads((tmp_path / "draft.json").read_text(encoding="utf-8"))["sections"]
    assert sections and all(s["source"] != "model" for s in sections if s["text"].strip())
    assert any(s["source"] == "fallback" for s in sections)
    assert "总时限" in capsys.readouterr().err


def test_a_review_with_a_model_that_never_answers_ends_by_its_deadline(
    fake_openai: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "home"))
    fake_openai.default = Hang(600)
    report = write(tmp_path / "r.txt", REPORT * 20)
    started = time.perf_counter()
    code = main(["review", str(report), "--format", "json", *model_args(fake_openai, "--deadline", "2")])
    assert time.perf_counter() - started < 2 + 8
    assert code in (0, 1)
    out = json.loads(capsys.readouterr().out)
    assert out["model"] is None and any("总时限" in n for n in out["notes"])


def test_after_the_deadline_calls_fail_at_once(fake_openai: FakeOpenAI) -> None:
    client = ModelClient(ModelConfig(model="m", base_url=fake_openai.base_url))

    async def go() -> float:
        with deadline(0):
            started = time.perf_counter()
            with pytest.raises(ModelError, match="总时限"):
                await client.complete([{"role": "user", "content": "x"}], template="t", template_hash="h")
            took = time.perf_counter() - started
            await client.aclose()
            return took

    assert asyncio.run(go()) < 1.0
    assert fake_openai.chat_requests == []


class Verdict(BaseModel):
    ok: bool


def test_one_transient_500_is_retried_without_giving_up_structured_output(fake_openai: FakeOpenAI) -> None:
    fake_openai.script([Status(500), '{"ok": true}', '{"ok": true}'])
    client = ModelClient(ModelConfig(model="m", base_url=fake_openai.base_url), backoff_base=0.01)

    async def twice() -> list[str]:
        modes = []
        for _ in range(2):
            got = await client.structured([{"role": "user", "content": "?"}], Verdict, template="t", template_hash="h")
            modes.append(got.mode_used)
        await client.aclose()
        return modes

    assert asyncio.run(twice()) == ["json_schema", "json_schema"]
    assert "json_schema" not in client.unsupported
    assert all(r.json and r.json["response_format"]["type"] == "json_schema" for r in fake_openai.chat_requests)


def test_a_password_in_the_base_url_never_reaches_the_call_log(
    fake_openai: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    password = "Pw-s3cret-7731"
    url = fake_openai.base_url.replace("http://", f"http://alice:{password}@")
    fake_openai.script(["第一个回答", Status(400, message=f"bad request to {url}")])
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path))
    client = ModelClient.open(ModelConfig(model="m", base_url=url))

    async def calls() -> str:
        await client.complete([{"role": "user", "content": "一"}], template="t", template_hash="h")
        with pytest.raises(ModelError) as info:
            await client.complete([{"role": "user", "content": "二"}], template="t", template_hash="h")
        await client.aclose()
        return str(info.value)

    message = asyncio.run(calls())
    assert password not in message and "alice:***@" in message
    assert password.encode() not in (tmp_path / "calls.sqlite").read_bytes()
    assert main(["log", "--full"]) == 0
    shown = capsys.readouterr().out
    assert "alice:***@" in shown and password not in shown


def test_html_instead_of_a_stream_is_not_blamed_on_the_prompt(fake_openai: FakeOpenAI) -> None:
    fake_openai.default = Raw(b"<html><body>502 Bad Gateway</body></html>", content_type="text/html")
    client = ModelClient(ModelConfig(model="m", base_url=fake_openai.base_url, max_retries=1), backoff_base=0.01)

    async def go() -> str:
        with pytest.raises(ModelError) as info:
            await client.complete([{"role": "user", "content": "x"}], template="t", template_hash="h", stream=True)
        await client.aclose()
        return str(info.value)

    message = go_message = asyncio.run(go())
    assert "无法解析" in message and "text/html" in go_message
    assert "上下文" not in message and "提示词" not in message


def answer_once(client: ModelClient) -> str:
    async def go() -> str:
        got = await client.complete([{"role": "user", "content": "x"}], template="t", template_hash="h")
        await client.aclose()
        return got.text

    return asyncio.run(go())


def test_a_corrupt_call_log_is_set_aside_with_a_note(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    log = tmp_path / "calls.sqlite"
    log.write_bytes(b"this is not a database at all, just some bytes" * 100)
    before = log.read_bytes()
    fake_openai.script(["回答"])
    client = ModelClient.open(ModelConfig(model="m", base_url=fake_openai.base_url), path=log)
    assert answer_once(client) == "回答"
    assert any("已损坏" in n and "不使用缓存" in n for n in client.notes)
    assert log.read_bytes() == before


def test_a_locked_call_log_is_retried_then_set_aside(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    log = tmp_path / "calls.sqlite"
    holder = sqlite3.connect(str(log), isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.perf_counter()
        client = ModelClient.open(ModelConfig(model="m", base_url=fake_openai.base_url), path=log)
        assert time.perf_counter() - started < 10
        assert answer_once(client) == "好的。"
        assert any("占用" in n for n in client.notes)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_call_log_that_fails_mid_run_does_not_stop_the_run(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    log = tmp_path / "calls.sqlite"
    client = ModelClient.open(ModelConfig(model="m", base_url=fake_openai.base_url), path=log)
    holder = sqlite3.connect(str(log), isolation_level=None, timeout=5)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert answer_once(client) == "好的。"
        assert len([n for n in client.notes if "不再使用缓存" in n]) == 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_an_unwritable_log_folder_is_a_note_and_the_command_works(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    blocker = write(tmp_path / "not-a-folder", "x")  # a file where the log folder should be (root ignores chmod)
    data = write(tmp_path / "data.yaml", DATA)
    fake_openai.default = "本节内容。"
    run = run_cli(
        ["draft", str(data), "--sections", "1.1", *model_args(fake_openai)],
        env={"ASSISTANT_HOME": str(blocker / "home")},
    )
    assert run.code == 0, run.err
    assert "Traceback" not in run.err and "不使用缓存" in run.err


def test_assistant_log_on_a_corrupt_file_is_a_message(tmp_path: Path) -> None:
    (tmp_path / "calls.sqlite").write_bytes(b"garbage" * 200)
    run = run_cli(["log"], env={"ASSISTANT_HOME": str(tmp_path)})
    assert_refused(run, "已损坏")


# ---------------------------------------------------------------------------------------------- 5. terminal, start-up


def test_escape_sequences_in_a_report_never_reach_the_terminal(tmp_path: Path) -> None:
    hostile = REPORT.replace("负责全县", "\x1b]0;窗口标题被改\x07\x1b[2J\x1b[8m负责\x9b31m全县\u202e")
    report = write(tmp_path / "r.txt", hostile)
    for fmt in ("text", "markdown"):
        run = run_cli(["review", str(report), "--format", fmt, "--fail-on", "never"])
        assert run.code == 0, run.err
        assert not any(c in run.out for c in "\x1b\x07\x9b\u202e"), repr(run.out[:200])


def test_for_terminal_keeps_only_our_colour_codes() -> None:
    ours = "\x1b[31m错误\x1b[0m \x1b[4m下划线\x1b[24m"
    assert for_terminal(ours) == ours
    assert for_terminal("a\x1b[8mb\x1b[2Jc\x1b]0;t\x07d\re\x00f\tg\n") == "abcdef\tg\n"


def test_an_offline_review_imports_neither_the_model_client_nor_word_nor_the_splitter(tmp_path: Path) -> None:
    report = write(tmp_path / "r.txt", REPORT)
    probe = (
        "import sys, io, contextlib\n"
        "from assistant.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['review', {str(report)!r}])\n"
        "print(sorted(m for m in ('openai', 'httpx', 'docx', 'langchain_text_splitters', 'openpyxl', 'gradio')"
        " if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_an_offline_text_review_loads_no_templates_no_event_loop_no_data_models_and_warm_no_yaml(
    tmp_path: Path,
) -> None:
    report = write(tmp_path / "r.txt", REPORT)
    # Modules an offline review to the terminal and to a .txt file has no use for (the HTML page's jinja2, the
    # model's event loop, the data file's models, the other commands' faces); on a warm start the packs come parsed
    # from the cache: no YAML.
    faces = ("assistant.cli.draft", "assistant.cli.eval", "assistant.cli.web")
    unused = ("jinja2", "asyncio", "assistant.budget.models", "assistant.export.review_html", *faces, "yaml")
    probe = (
        "import sys, io, contextlib\n"
        "from assistant.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        f"    status = main(['review', {str(report)!r}, '-o', {str(tmp_path / 'out.txt')!r}])\n"
        f"print(status, sorted(m for m in {unused!r} if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ASSISTANT_CACHE_DIR": str(tmp_path / "cache")}
    runs = [
        subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, env=env, check=True)
        for _ in range(2)
    ]
    cold, warm = (r.stdout.split(" ", 1) for r in runs)
    assert cold == ["0", "['yaml']\n"], runs[0].stdout + runs[0].stderr  # the first run parses the packs
    assert warm == ["0", "[]\n"], runs[1].stdout + runs[1].stderr
    assert (tmp_path / "out.txt").read_text(encoding="utf-8").strip()


def test_an_unexpected_error_prints_one_line_and_where_the_details_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import assistant.budget.loader as loader

    def broken(path: object) -> object:
        raise RuntimeError("一个未预料的内部错误")

    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(loader, "load_data", broken)
    assert main(["check", str(write(tmp_path / "d.yaml", DATA))]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    (saved,) = (tmp_path / "home").glob("crash-*.log")
    assert str(saved) in err and "一个未预料的内部错误" in saved.read_text(encoding="utf-8")


def test_an_error_message_quoting_the_input_cannot_drive_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(tmp_path / "d.yaml", DATA.replace("basic: 600.25", 'basic: "六百\\e[2J\\e]0;x\\a万"'))
    assert main(["check", str(data)]) == 2
    err = capsys.readouterr().err
    assert "budget.basic" in err and "\x1b" not in err and "\x07" not in err


def test_invalid_model_settings_are_explained_in_chinese_without_the_url_password() -> None:
    with pytest.raises(InputError) as info:
        resolve_config(model="m", base_url="http://bob:Hunter-22x@127.0.0.1:9/v1", env={}, timeout=0, deadline=-1)
    message = str(info.value)
    assert "timeout" in message and "deadline" in message and "应大于 0" in message
    assert "Input should" not in message and "Hunter-22x" not in message


def test_draft_into_a_missing_folder_is_refused_before_drafting(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    data = write(tmp_path / "data.yaml", DATA)
    target = tmp_path / "no-such-folder" / "draft.md"
    assert main(["draft", str(data), "-o", str(target), *model_args(fake_openai)]) == 2
    assert fake_openai.chat_requests == [] and not target.parent.exists()


def test_a_data_file_with_hundreds_of_thousands_of_values_is_refused_before_validation(tmp_path: Path) -> None:
    projects = [{"name": f"项目{i}", "total_budget": "1"} for i in range(300_000)]
    data = tmp_path / "huge.json"
    data.write_text(json.dumps({"year": 2024, "department": {"name": "x"}, "projects": projects}, ensure_ascii=False))
    run = run_cli(["check", str(data)], memory_mb=1500)
    assert_refused(run, "数据超过")
    assert run.seconds < 15 and 0 < run.peak_mb < 800
