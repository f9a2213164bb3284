"""Loading data files: the happy path and every kind of bad input named in the foundation issue."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from assistant.budget.loader import load_data
from assistant.errors import DataValidationError, InputError

MINIMAL = """\
year: 2024
money_unit: 万元
department:
  name: 某县教育局
budget:
  basic: 1200.5
  project: "3000000元"
projects:
  - name: 学生资助
    total_budget: 80
    executed: 72.35
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_amounts_are_exact_decimals_with_units(tmp_path: Path) -> None:
    data = load_data(write(tmp_path, "d.yaml", MINIMAL))
    assert data.budget.basic is not None and data.budget.basic.value == Decimal("1200.5")
    assert data.budget.basic.unit == "万元"
    assert data.budget.project is not None and data.budget.project.unit == "元"
    assert data.budget.project.to("万元") == Decimal(300)
    assert data.projects[0].executed is not None and data.projects[0].executed.value == Decimal("72.35")


def test_json_loads_the_same_data_as_yaml(tmp_path: Path) -> None:
    import yaml

    raw = yaml.safe_load(MINIMAL)
    raw["budget"]["basic"] = "1200.5"
    path = write(tmp_path, "d.json", json.dumps(raw, ensure_ascii=False))
    assert load_data(path) == load_data(write(tmp_path, "d.yaml", MINIMAL))


def test_wrong_extension_is_refused_with_the_accepted_kinds(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\.yaml.*\.xlsx"):
        load_data(write(tmp_path, "d.csv", "a,b"))


def test_empty_file_says_it_is_empty(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="空"):
        load_data(write(tmp_path, "d.yaml", ""))
    with pytest.raises(InputError, match="空"):
        load_data(write(tmp_path, "e.yaml", "  \n\n"))


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="不存在"):
        load_data(tmp_path / "nope.yaml")


def test_yaml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "d.yaml", "year: 2024\ndepartment:\n  name: [未闭合\n")
    with pytest.raises(InputError, match=r"d\.yaml:\d+:\d+: YAML 格式错误"):
        load_data(path)


def test_negative_amount_names_the_field_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "d.yaml", MINIMAL.replace("executed: 72.35", "executed: -72.35"))
    with pytest.raises(DataValidationError) as info:
        load_data(path)
    text = str(info.value)
    assert "projects[0].executed" in text
    assert "第 11 行" in text
    assert "负数" in text


def test_unknown_field_is_an_error_not_silently_dropped(tmp_path: Path) -> None:
    path = write(tmp_path, "d.yaml", MINIMAL.replace("  basic: 1200.5", "  basic: 1200.5\n  bassic: 3"))
    with pytest.raises(DataValidationError) as info:
        load_data(path)
    assert "budget.bassic" in str(info.value)
    assert "未知字段" in str(info.value)


def test_text_where_a_number_belongs_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "d.yaml", MINIMAL.replace("executed: 72.35", "executed: 十四万"))
    with pytest.raises(DataValidationError, match="“十四万” 不是金额"):
        load_data(path)


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    text = MINIMAL.replace("executed: 72.35", "executed: -1").replace("name: 学生资助", "nam: 学生资助")
    with pytest.raises(DataValidationError) as info:
        load_data(write(tmp_path, "d.yaml", text))
    assert len(info.value.problems) >= 3  # negative amount, unknown field, missing name


def test_loading_never_modifies_the_input(tmp_path: Path) -> None:
    path = write(tmp_path, "d.yaml", MINIMAL)
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    load_data(path)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_gb18030_text_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_bytes(MINIMAL.encode("gb18030"))
    assert load_data(path).department.name == "某县教育局"


def test_top_level_list_is_explained(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="顶层应是键值对"):
        load_data(write(tmp_path, "d.yaml", "- a\n- b\n"))
