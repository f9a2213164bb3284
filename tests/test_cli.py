"""The command line as a user meets it: exit statuses, messages, files written, inputs untouched."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli import main

ROOT = Path(__file__).parents[1]
KUNMING = ROOT / "examples" / "kunming-2023.yaml"
REPORT = ROOT / "eval_cases" / "reports" / "kunming-2023-self-evaluation.txt"


def test_check_reports_the_reference_inconsistency(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(KUNMING)]) == 0
    out = capsys.readouterr().out
    assert "基本支出 2552.45万元 + 项目支出 718.34万元 = 3270.79万元" in out
    assert "3240.79万元" in out


def test_check_json_lists_issues_with_codes(capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", str(KUNMING), "--format", "json"])
    issues = json.loads(capsys.readouterr().out)["issues"]
    assert "parts-total" in {i["code"] for i in issues}


def test_bad_data_file_exits_2_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("year: 2024\ndepartment: {name: 某局}\nbudget: {basic: 十四万}\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "assistant", "check", str(bad)], capture_output=True, text=True)
    assert run.returncode == 2
    assert "budget.basic" in run.stderr and "第 3 行" in run.stderr
    assert "Traceback" not in run.stderr


def test_wrong_extension_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "data.csv"
    path.write_text("x", encoding="utf-8")
    assert main(["draft", str(path)]) == 2
    assert ".xlsx" in capsys.readouterr().err


def test_init_writes_templates_that_refuse_to_be_overwritten(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path / "tpl")]) == 0
    assert (tmp_path / "tpl" / "数据模板.xlsx").exists() and (tmp_path / "tpl" / "数据模板.yaml").exists()
    assert main(["init", str(tmp_path / "tpl")]) == 2
    assert main(["check", str(tmp_path / "tpl" / "数据模板.yaml")]) == 0


def test_draft_offline_writes_docx_and_leaves_input_alone(tmp_path: Path) -> None:
    before = KUNMING.read_bytes()
    out = tmp_path / "draft.docx"
    assert main(["draft", str(KUNMING), "-o", str(out)]) == 0
    assert out.stat().st_size > 10_000
    assert KUNMING.read_bytes() == before


def test_draft_json_is_the_contract(tmp_path: Path) -> None:
    out = tmp_path / "draft.json"
    assert main(["draft", str(KUNMING), "-o", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["model"] is None
    assert [s["title"] for s in doc["sections"]][:2] == ["一、部门基本情况", "（一）部门概况"]
    assert {s["source"] for s in doc["sections"]} == {"offline"}


def test_review_fails_on_errors_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", str(REPORT)]) == 1
    out = capsys.readouterr().out
    assert "3240.79万元" in out and "建议" in out


def test_review_fail_on_never_exits_0() -> None:
    assert main(["review", str(REPORT), "--fail-on", "never", "--format", "json"]) == 0


def test_review_json_quotes_match_text(capsys: pytest.CaptureFixture[str]) -> None:
    main(["review", str(REPORT), "--format", "json", "--include-text"])
    doc = json.loads(capsys.readouterr().out)
    text = doc["document"]["text"]
    assert doc["findings"]
    assert all(text[f["start"] : f["end"]] == f["quote"] for f in doc["findings"])


def test_review_writes_html_and_markdown(tmp_path: Path) -> None:
    main(["review", str(REPORT), "-o", str(tmp_path / "r.html"), "--fail-on", "never"])
    main(["review", str(REPORT), "-o", str(tmp_path / "r.md"), "--fail-on", "never"])
    assert "<html" in (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "3240.79" in (tmp_path / "r.md").read_text(encoding="utf-8")


def test_review_unusable_input_exits_2(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    assert main(["review", str(empty)]) == 2


def test_review_config_silences_a_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "review.yaml"
    config.write_text("disable: [arithmetic.parts-total]\n", encoding="utf-8")
    main(["review", str(REPORT), "--format", "json", "--config", str(config)])
    rules = {f["rule"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert "arithmetic.parts-total" not in rules and rules


def test_inline_marker_silences_one_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "本年度工作取得良好成效。\n\n<!-- assistant-ignore: vague.evaluative-claim -->\n各项工作取得良好成效。\n"
    path = tmp_path / "r.md"
    path.write_text(text, encoding="utf-8")
    main(["review", str(path), "--format", "json", "--include-text"])
    doc = json.loads(capsys.readouterr().out)
    vague = [f for f in doc["findings"] if f["rule"] == "vague.evaluative-claim"]
    assert len(vague) == 1 and vague[0]["start"] < doc["document"]["text"].index("<!--")


def test_a_bug_is_an_apology_and_a_log_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import assistant.budget.templates

    def broken(*args: object, **kwargs: object) -> list[Path]:
        raise ZeroDivisionError("a bug of ours")

    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(assistant.budget.templates, "write_templates", broken)
    assert main(["init", str(tmp_path / "tpl")]) == 3  # neither findings (1) nor the user's input (2)
    err = capsys.readouterr().err
    [log] = (tmp_path / "home").glob("crash-*.log")
    assert "抱歉" in err and "缺陷" in err and str(log) in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err and "ZeroDivisionError" not in err
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "ZeroDivisionError: a bug of ours" in text and "init" in text


def test_user_errors_still_exit_2_without_a_crash_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "home"))
    assert main(["check", str(tmp_path / "missing.yaml")]) == 2
    assert not (tmp_path / "home").exists()


def test_starting_the_cli_imports_neither_openai_nor_gradio() -> None:
    probe = (
        "import sys, assistant\n"
        "from assistant.cli.main import _load_extensions, build_parser\n"
        "_load_extensions(); build_parser().parse_args(['check', 'x'])\n"
        "print(sorted(m for m in ('openai', 'gradio', 'jinja2') if m in sys.modules))\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_the_public_api_loads_on_first_use() -> None:
    probe = (
        "import sys, assistant\n"
        "assert 'assistant.drafting.pipeline' not in sys.modules\n"
        "data = assistant.load_data(sys.argv[1])\n"
        "print(len(assistant.draft(data, sections=['1.3']).sections), assistant.errors.InputError.__name__)\n"
    )
    run = subprocess.run([sys.executable, "-c", probe, str(KUNMING)], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["1", "InputError"]


def test_a_crash_log_does_not_keep_the_login_password() -> None:
    from assistant.cli.main import _redacted

    words = ["web", "--auth", "reviewer:s3cret", "--auth=a:b", "--port", "1"]
    assert _redacted(words) == ["web", "--auth", "***", "--auth=***", "--port", "1"]
