"""``assistant rules [ID]``: the list of rules, one rule explained, and an unknown id."""

from __future__ import annotations

import pytest

from assistant.checks.finding import CATEGORY_NAMES, SEVERITY_NAMES
from assistant.checks.registry import all_rules
from assistant.cli.main import main


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["rules", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_list_names_every_rule_with_category_severity_and_summary(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys)

    assert status == 0
    lines = out.splitlines()
    for r in all_rules():
        line = next(line for line in lines if line.startswith(r.id + " "))
        assert CATEGORY_NAMES[r.category] in line
        assert SEVERITY_NAMES[r.severity] in line
        assert r.description in line
    assert f"共 {len(all_rules())} 条规则" in out


def test_one_rule_is_explained_with_examples_and_how_to_silence_it(capsys: pytest.CaptureFixture[str]) -> None:
    r = all_rules()[0]

    status, out, _ = _run(capsys, r.id)

    assert status == 0
    assert out.startswith(r.id)
    assert r.description in out
    assert "示例" in out and "反例" in out
    for line in r.example.strip().splitlines():
        assert line in out
    assert f"disable:\n      - {r.id}" in out
    assert f"<!-- assistant-ignore: {r.id} -->" in out
    assert f"【审阅忽略：{r.id}】" in out


def test_the_ignore_markers_it_prints_do_silence_the_rule() -> None:
    from assistant.reviewing import review_document
    from assistant.text.document import document_from_text

    text = "一、部门基本情况\n全年预算资金500万元，其中：人员经费300万元，公用经费150万元。\n"
    rule_id = "arithmetic.parts-total"
    assert any(f.rule == rule_id for f in review_document(document_from_text(text)).findings)
    for marker in (f"<!-- assistant-ignore: {rule_id} -->", f"【审阅忽略：{rule_id}】"):
        silenced = text.replace("全年", marker + "全年")
        assert not any(f.rule == rule_id for f in review_document(document_from_text(silenced)).findings)


def test_a_family_name_lists_its_rules(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, "tables")

    assert status == 0
    listed = {line.split()[0] for line in out.splitlines()[1:]}
    assert listed == {r.id for r in all_rules() if r.id.startswith("tables.")}


def test_unknown_id_exits_2_naming_near_matches(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(capsys, "arithmetic.parts-totl")

    assert status == 2
    assert out == ""
    assert "没有编号为“arithmetic.parts-totl”的规则" in err
    assert "arithmetic.parts-total" in err
    assert "Traceback" not in err


def test_unknown_id_without_near_matches_still_says_how_to_list(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _run(capsys, "zzzz")

    assert status == 2
    assert "assistant rules" in err


def test_every_rule_has_an_example_and_a_counter_example() -> None:
    missing = [r.id for r in all_rules() if not r.example.strip() or not r.counter_example.strip()]
    assert missing == []
