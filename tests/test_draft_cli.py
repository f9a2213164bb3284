"""``assistant draft`` options a province needs: the one money unit and its own scoring rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.cli.main import main

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "agriculture-bureau-2024.yaml"


def test_money_unit_and_scoring_rules_reach_the_draft(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("execution_weight: 20\nlow_execution_rate: 85\n", encoding="utf-8")
    out = tmp_path / "draft.md"
    code = main(["draft", str(EXAMPLE), "-o", str(out), "--money-unit", "元", "--scoring", str(rules)])
    assert code == 0
    text = out.read_text(encoding="utf-8")
    assert "年初预算91190000元" in text and "9119万元" not in text  # every amount in 元
    # The forms score the execution rate out of 20: 96.20% of 20 is 19.24.
    assert "| 年度资金总额 | 91190000 | 91729000 | 88244300 | 20 | 96.20% | 19.24 |" in text
    capsys.readouterr()


def test_a_bad_scoring_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("execution_wieght: 20\n", encoding="utf-8")
    assert main(["draft", str(EXAMPLE), "--scoring", str(rules)]) == 2
    err = capsys.readouterr().err
    assert "评分规则有误" in err and "execution_wieght" in err and "Traceback" not in err
