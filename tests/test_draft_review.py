"""A drafted report reviewed against data: its own data agrees with it; another department's data is named once."""

from __future__ import annotations

from pathlib import Path

from assistant.budget.facts import build_facts
from assistant.budget.loader import load_data
from assistant.drafting import draft_offline
from assistant.export.draft_formats import draft_to_markdown
from assistant.reviewing.pipeline import data_mismatch, review
from assistant.text.document import document_from_text

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _drafted(tmp_path: Path, name: str) -> Path:
    data = load_data(EXAMPLES / name)
    path = tmp_path / "draft.md"
    path.write_text(draft_to_markdown(draft_offline(data, build_facts(data))), encoding="utf-8")
    return path


def test_review_with_the_reports_own_data_has_no_mismatch_note(tmp_path: Path) -> None:
    result = review(_drafted(tmp_path, "agriculture-bureau-2024.yaml"), data=EXAMPLES / "agriculture-bureau-2024.yaml")
    assert not any("不符" in n for n in result.notes)


def test_review_with_another_departments_data_says_so_first_in_one_line(tmp_path: Path) -> None:
    report = _drafted(tmp_path, "agriculture-bureau-2024.yaml")
    result = review(report, data=EXAMPLES / "kunming-2023.yaml")  # another department and another year
    assert len(result.notes) >= 1 and "\n" not in result.notes[0]
    assert "昆明市总工会2023年度" in result.notes[0] and "不符" in result.notes[0]
    # Not a flood of stale-year or unsupported-figure findings from the wrong data.
    assert not [f for f in result.findings if f.category in ("stale_date", "ungrounded_number")]


def test_a_report_of_another_year_is_a_mismatch_even_for_the_same_department() -> None:
    facts = build_facts(load_data(EXAMPLES / "agriculture-bureau-2024.yaml"))
    same = document_from_text("丰禾县农业农村局2024年度部门整体支出绩效自评报告\n一、部门基本情况")
    older = document_from_text("丰禾县农业农村局2023年度部门整体支出绩效自评报告\n一、部门基本情况")
    assert data_mismatch(same, facts) is None
    line = data_mismatch(older, facts)
    assert line is not None and "2024年度" in line
