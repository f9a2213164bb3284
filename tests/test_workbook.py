"""The Excel data workbook: templates, reading with cell-located errors, and writing that round-trips."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from assistant.budget.loader import load_data
from assistant.budget.models import (
    Adjustment,
    BudgetSummary,
    Count,
    Department,
    EvaluationWork,
    Indicator,
    Money,
    OverallRow,
    Project,
    ReportData,
    SelfAssessment,
    Source,
    Tasks,
)
from assistant.budget.templates import write_templates
from assistant.budget.workbook import SHEETS, read_workbook, write_workbook, write_workbook_template
from assistant.errors import DataValidationError, InputError

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

INFO = [["项目", "内容"], ["年度", 2023], ["部门名称", "昆明市总工会"], ["金额单位", "万元"]]
PROJECT_HEAD = ["项目名称", "项目类别", "资金来源", "牵头处室", "年初预算数", "全年预算数", "全年执行数", "执行率"]
INDICATOR_HEAD = ["项目名称", "一级指标", "二级指标", "三级指标", "指标性质", "年度指标值", "度量单位", "实际完成值"]


def book(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """Write a workbook whose sheets hold exactly the given rows."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def projects_book(path: Path, project_rows: list[list[Any]], **more: list[list[Any]]) -> Path:
    return book(path, {"基本信息": INFO, "项目": [PROJECT_HEAD, *project_rows], **more})


def full_report() -> ReportData:
    """A ReportData using every part of the model, including units other than money_unit and exact decimals."""
    return ReportData(
        year=2024,
        money_unit="万元",
        department=Department(
            name="某某县教育局",
            duties=["统筹全县教育发展", "管理教育经费"],
            profile="内设机构6个。\n第二段。",
            internal_units=["办公室", "财务股"],
            internal_unit_count=6,
            subordinate_units=["第一中学"],
            counts=[Count(label="编制人数", value=Decimal("42"), unit="人")],
        ),
        tasks=Tasks(key=["学生资助"], routine=["公用经费拨付"]),
        budget=BudgetSummary(
            initial_by_source=[
                Source(source="财政拨款", amount=Money(value=Decimal("3240.79"))),
                Source(source="其他资金", amount=Money(value=Decimal("250000"), unit="元")),
            ],
            initial_total=Money(value=Decimal("3265.79")),
            adjustments=[
                Adjustment(kind="调增", amount=Money(value=Decimal("119.2")), reason="追加资助资金"),
                Adjustment(kind="调减", amount=Money(value=Decimal("0.01"))),
            ],
            total=Money(value=Decimal("3384.98")),
            basic=Money(value=Decimal("2552.45")),
            project=Money(value=Decimal("718.34")),
            executed=Money(value=Decimal("3270.79")),
            carryover=Money(value=Decimal("114.19")),
            execution_rate=Decimal("96.63"),
            low_execution_reason="无",
        ),
        projects=[
            Project(
                name="农民工维权中心专项资金",
                category="常态化工作",
                funding_source="市财政",
                lead_unit="法律部",
                initial_budget=Money(value=Decimal("250000"), unit="元"),
                total_budget=Money(value=Decimal("25")),
                executed=Money(value=Decimal("14.14")),
                execution_rate=Decimal("56.56"),
                low_execution_reason="救助人数少于预期",
                goal="维护农民工权益",
                measures="慰问救助5500人（户）",
                performance="实际支出14.14万元",
                comparison="=年初预算的56.56%",
                note="无",
                counts=[Count(label="受助农民工", value=Decimal("3120"), unit="人（户）")],
                indicators=[
                    Indicator(
                        level1="产出指标",
                        level2="数量指标",
                        name="慰问救助人数",
                        comparator="≥",
                        target=Decimal("5500"),
                        unit="人（户）",
                        actual=Decimal("3120"),
                        weight=Decimal("20"),
                        score=Decimal("11.35"),
                        deviation="需求少于预期",
                    ),
                    Indicator(level1="产出指标", name="资料准确率", comparator="=", target=Decimal("100"), unit="%"),
                    Indicator(level1="效益指标", name="社会影响", target_text="有效提升", actual_text="基本达成"),
                ],
                self_score=Decimal("78.5"),
                grade="中",
            ),
            Project(name="送温暖专项资金", executed=Money(value=Decimal("0.123456789012345678"))),
        ],
        overall_table=[
            OverallRow(
                level1="履职效益明显", task="社会效益", performance="完成", weight=Decimal("10"), score=Decimal("9.5")
            ),
            OverallRow(level1="履职效益明显", task="经济效益"),
        ],
        evaluation=EvaluationWork(purpose="了解预算执行情况", process=["成立小组", "逐项评分"]),
        achievements=["资助8120人次"],
        conclusion="总体良好",
        problems=["指标不够细化"],
        rectification=["细化指标"],
        results_use=["作为预算安排参考"],
        experience=["分级负责"],
        other_notes=["无"],
        self_assessment=SelfAssessment(score=Decimal("92.5"), grade="优"),
    )


# -------------------------------------------------------------------------------------------- templates


def test_template_workbook_has_every_sheet_with_headings_in_row_one(tmp_path: Path) -> None:
    path = write_workbook_template(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [s.name for s in SHEETS]
    for sheet in SHEETS:
        headings = [c.value for c in wb[sheet.name][1]]
        assert headings == [c.heading for c in sheet.columns]
        assert wb[sheet.name].freeze_panes == "A2"


def test_template_workbook_explains_columns_in_comments_not_rows(tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(write_workbook_template(tmp_path / "t.xlsx"))["绩效指标"]
    assert all(cell.comment is not None for cell in ws[1])
    assert ws.max_row == 1


def test_template_workbook_offers_comparators_and_grades_as_lists(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write_workbook_template(tmp_path / "t.xlsx"))
    indicator_lists = [dv.formula1 for dv in wb["绩效指标"].data_validations.dataValidation]
    project_lists = [dv.formula1 for dv in wb["项目"].data_validations.dataValidation]
    assert '"≥,≤,=,>,<"' in indicator_lists
    assert '"优,良,中,差"' in project_lists


def test_blank_template_workbook_loads_as_missing_year_and_department(tmp_path: Path) -> None:
    path = write_workbook_template(tmp_path / "t.xlsx")
    with pytest.raises(DataValidationError) as caught:
        load_data(path)
    assert caught.value.problems == [("基本信息!B2（year）", "缺少必填项"), ("基本信息!B3（department）", "缺少必填项")]


def test_yaml_template_as_shipped_loads(tmp_path: Path) -> None:
    written = write_templates(tmp_path)
    data = load_data(tmp_path / "数据模板.yaml")
    assert [p.name for p in written] == ["数据模板.xlsx", "数据模板.yaml"]
    assert data.department.name and data.projects[0].indicators


def test_yaml_template_explains_fields_in_chinese_comments(tmp_path: Path) -> None:
    write_templates(tmp_path)
    text = (tmp_path / "数据模板.yaml").read_text(encoding="utf-8")
    assert "# 必填：报告所属年度" in text and "money_unit" in text and "≥ ≤ = > <" in text


def test_write_templates_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "数据模板.yaml").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match="已存在"):
        write_templates(tmp_path)
    assert (tmp_path / "数据模板.yaml").read_text(encoding="utf-8") == "mine"


def test_write_templates_overwrites_when_asked(tmp_path: Path) -> None:
    (tmp_path / "数据模板.yaml").write_text("mine", encoding="utf-8")
    write_templates(tmp_path, overwrite=True)
    assert load_data(tmp_path / "数据模板.yaml").year == 2024


# -------------------------------------------------------------------------------------------- reading


def test_filled_workbook_loads_into_the_expected_report(tmp_path: Path) -> None:
    path = book(
        tmp_path / "d.xlsx",
        {
            "基本信息": [*INFO, ["自评等级", "良"], ["内设机构数量", 12]],
            "职责与任务": [
                ["类型", "内容"],
                ["职责", " 指导全市工会工作 "],
                ["问题", "执行率偏低"],
                ["职责", "维护职工权益"],
            ],
            "人员与数量": [["名称", "数值", "单位"], ["在职人数", 45, "人"]],
            "预算收支": [
                ["项目", "金额", "单位", "说明"],
                ["年初预算-财政拨款", 3240.79, None, None],
                ["调增", 119.2, "万元", "追加"],
                ["基本支出", "2552.45万元", None, None],
            ],
            "项目": [PROJECT_HEAD, ["送温暖专项资金", None, None, None, "5650000元", 565, 565, "100%"]],
            "绩效指标": [
                INDICATOR_HEAD,
                ["送温暖专项资金", "产出指标", "数量指标", "慰问人数", "≥", 10200, "人（户）", 10350],
            ],
        },
    )
    expected = ReportData(
        year=2023,
        department=Department(
            name="昆明市总工会",
            duties=["指导全市工会工作", "维护职工权益"],
            internal_unit_count=12,
            counts=[Count(label="在职人数", value=Decimal(45), unit="人")],
        ),
        problems=["执行率偏低"],
        budget=BudgetSummary(
            initial_by_source=[Source(source="财政拨款", amount=Money(value=Decimal("3240.79")))],
            adjustments=[Adjustment(kind="调增", amount=Money(value=Decimal("119.2")), reason="追加")],
            basic=Money(value=Decimal("2552.45")),
        ),
        projects=[
            Project(
                name="送温暖专项资金",
                initial_budget=Money(value=Decimal(5650000), unit="元"),
                total_budget=Money(value=Decimal(565)),
                executed=Money(value=Decimal(565)),
                execution_rate=Decimal(100),
                indicators=[
                    Indicator(
                        level1="产出指标",
                        level2="数量指标",
                        name="慰问人数",
                        comparator="≥",
                        target=Decimal(10200),
                        unit="人（户）",
                        actual=Decimal(10350),
                    )
                ],
            )
        ],
        self_assessment=SelfAssessment(grade="良"),
    )
    assert load_data(path) == expected


def test_float_amounts_stay_exact_decimals(tmp_path: Path) -> None:
    path = projects_book(tmp_path / "d.xlsx", [["A", None, None, None, 3240.79, 0.1, 1e-7]])
    project = load_data(path).projects[0]
    assert project.initial_budget == Money(value=Decimal("3240.79"))
    assert str(project.total_budget.value) == "0.1"  # type: ignore[union-attr]
    assert project.executed.value == Decimal("0.0000001")  # type: ignore[union-attr]


def test_read_workbook_gives_the_data_file_shape_and_cells(tmp_path: Path) -> None:
    path = projects_book(tmp_path / "d.xlsx", [["A", None, None, None, 3240.79]])
    raw, cells = read_workbook(path)
    assert raw == {
        "year": 2023,
        "department": {"name": "昆明市总工会"},
        "money_unit": "万元",
        "projects": [{"name": "A", "initial_budget": "3240.79"}],
    }
    assert cells[("projects", 0, "initial_budget")] == "项目!E2"
    assert cells[("department", "name")] == "基本信息!B3"


def test_text_in_a_money_cell_names_the_cell_and_the_field(tmp_path: Path) -> None:
    path = projects_book(tmp_path / "d.xlsx", [["A", None, None, None, 25], ["B", None, None, None, "十四万"]])
    with pytest.raises(DataValidationError) as caught:
        load_data(path)
    message = str(caught.value)
    assert "项目!E3（projects[1].initial_budget）" in message and "“十四万” 不是金额" in message


def test_columns_are_found_by_heading_not_position(tmp_path: Path) -> None:
    path = book(tmp_path / "d.xlsx", {"基本信息": [["内容", "项目"], ["某局", "部门名称"], [2024, "年度"]]})
    data = load_data(path)
    assert (data.year, data.department.name) == (2024, "某局")


def test_unit_in_a_money_heading_applies_to_its_column(tmp_path: Path) -> None:
    head = ["项目名称", "全年执行数（元）"]
    path = book(tmp_path / "d.xlsx", {"基本信息": INFO, "项目": [head, ["A", 141400]]})
    assert load_data(path).projects[0].executed == Money(value=Decimal(141400), unit="元")


def test_percent_formatted_cell_reads_as_the_percentage_shown(tmp_path: Path) -> None:
    path = projects_book(tmp_path / "d.xlsx", [["A", None, None, None, None, None, None, 0.955]])
    wb = openpyxl.load_workbook(path)
    wb["项目"]["H2"].number_format = "0.0%"
    wb.save(path)
    assert load_data(path).projects[0].execution_rate == Decimal("95.5")


def test_unknown_column_heading_names_the_cell(tmp_path: Path) -> None:
    path = projects_book(tmp_path / "d.xlsx", [["A"]])
    wb = openpyxl.load_workbook(path)
    wb["项目"]["I1"] = "执行率2"
    wb.save(path)
    with pytest.raises(InputError, match="项目!I1: 未知的列标题“执行率2”"):
        load_data(path)


def test_data_under_a_blank_heading_is_an_error(tmp_path: Path) -> None:
    path = book(tmp_path / "d.xlsx", {"基本信息": [*INFO, ["自评等级", "良", "备注"]]})
    with pytest.raises(InputError, match="基本信息!C5: 这一列没有列标题"):
        load_data(path)


def test_unknown_item_in_basic_information_names_the_cell(tmp_path: Path) -> None:
    path = book(tmp_path / "d.xlsx", {"基本信息": [*INFO, ["部门简称", "市总"]]})
    with pytest.raises(InputError, match="基本信息!A5: 未知的项目“部门简称”"):
        load_data(path)


def test_indicator_for_an_unknown_project_names_its_cell(tmp_path: Path) -> None:
    indicators = [INDICATOR_HEAD, ["A", "产出指标", None, "人数"], ["送温暧专项资金", "产出指标", None, "人数"]]
    path = projects_book(tmp_path / "d.xlsx", [["A"]], 绩效指标=indicators)
    with pytest.raises(InputError, match="绩效指标!A3: 项目“送温暧专项资金”不在“项目”表中"):
        load_data(path)


def test_blank_project_and_first_level_in_indicators_mean_same_as_above(tmp_path: Path) -> None:
    indicators = [INDICATOR_HEAD, ["A", "产出指标", None, "人数"], [None, None, None, "覆盖率"]]
    path = projects_book(tmp_path / "d.xlsx", [["A"]], 绩效指标=indicators)
    assert [(i.level1, i.name) for i in load_data(path).projects[0].indicators] == [
        ("产出指标", "人数"),
        ("产出指标", "覆盖率"),
    ]


def test_text_target_without_comparator_is_a_qualitative_target(tmp_path: Path) -> None:
    indicators = [INDICATOR_HEAD, ["A", "效益指标", None, "社会影响", None, "有效提升"]]
    path = projects_book(tmp_path / "d.xlsx", [["A"]], 绩效指标=indicators)
    indicator = load_data(path).projects[0].indicators[0]
    assert (indicator.target, indicator.target_text) == (None, "有效提升")


def test_text_target_with_comparator_is_reported_at_its_cell(tmp_path: Path) -> None:
    indicators = [INDICATOR_HEAD, ["A", "产出指标", None, "人数", "≥", "五千"]]
    path = projects_book(tmp_path / "d.xlsx", [["A"]], 绩效指标=indicators)
    with pytest.raises(DataValidationError, match=r"绩效指标!F2（projects\[0\]\.indicators\[0\]\.target）"):
        load_data(path)


def test_duplicate_project_name_is_an_error(tmp_path: Path) -> None:
    path = projects_book(tmp_path / "d.xlsx", [["A"], ["A"]])
    with pytest.raises(InputError, match="项目!A3: 项目名称“A”重复"):
        load_data(path)


def test_missing_basic_information_sheet_is_named(tmp_path: Path) -> None:
    path = book(tmp_path / "d.xlsx", {"项目": [PROJECT_HEAD]})
    with pytest.raises(InputError, match="缺少工作表“基本信息”"):
        load_data(path)


def test_unknown_sheet_with_data_is_an_error(tmp_path: Path) -> None:
    path = book(tmp_path / "d.xlsx", {"基本信息": INFO, "项目表": [["项目名称"], ["A"]]})
    with pytest.raises(InputError, match="未知的工作表“项目表”"):
        load_data(path)


def test_corrupt_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "d.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a workbook" * 10)
    with pytest.raises(InputError, match="无法打开工作簿，文件可能已损坏或不是 .xlsx"):
        load_data(path)


def test_zip_that_is_not_a_workbook_is_an_input_error(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "d.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(InputError, match="无法打开工作簿"):
        load_data(path)


def test_empty_file_says_it_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "d.xlsx"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="文件是空的"):
        read_workbook(path)


def test_encrypted_workbook_asks_for_the_password_to_be_removed(tmp_path: Path) -> None:
    path = tmp_path / "d.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le"))
    with pytest.raises(InputError, match="设置了打开密码"):
        load_data(path)


def test_loading_does_not_modify_the_file(tmp_path: Path) -> None:
    path = write_workbook(full_report(), tmp_path / "d.xlsx")
    os.utime(path, (1_000_000_000, 1_000_000_000))
    before = (path.read_bytes(), path.stat().st_mtime)
    load_data(path)
    assert (path.read_bytes(), path.stat().st_mtime) == before


# -------------------------------------------------------------------------------------------- writing


def test_written_workbook_loads_back_to_the_same_report(tmp_path: Path) -> None:
    data = full_report()
    assert load_data(write_workbook(data, tmp_path / "d.xlsx")) == data


def test_written_workbook_keeps_the_comparator_equals_as_text(tmp_path: Path) -> None:
    path = write_workbook(full_report(), tmp_path / "d.xlsx")
    ws = openpyxl.load_workbook(path)["绩效指标"]
    assert ws["E3"].value == "=" and ws["E3"].data_type == "s"


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_examples_round_trip_through_a_workbook(example: Path, tmp_path: Path) -> None:
    data = load_data(example)
    assert load_data(write_workbook(data, tmp_path / "d.xlsx")) == data


FUNDING_HEAD = ["项目名称", "资金来源", "年初预算数", "全年预算数", "全年执行数"]


def test_funding_sheet_fills_the_forms_rows_for_department_and_projects(tmp_path: Path) -> None:
    funding = [
        FUNDING_HEAD,
        [None, "财政拨款", 900, 950, 930],
        ["甲项目", "财政拨款", 80, 80, 76],
        ["甲项目", "上年结转", None, "120000元", 100000],
    ]
    path = projects_book(tmp_path / "d.xlsx", [["甲项目"]], 资金来源=funding)
    data = load_data(path)
    assert [(f.source, f.total) for f in data.budget.funding] == [("财政拨款", Money(value=Decimal(950)))]
    rows = data.projects[0].funding
    assert rows[1].total == Money(value=Decimal(120000), unit="元") and rows[1].initial is None
    assert rows[1].executed == Money(value=Decimal(100000))  # a bare number is read in the workbook's unit


def test_funding_for_an_unknown_project_names_its_cell(tmp_path: Path) -> None:
    funding = [FUNDING_HEAD, ["乙项目", "财政拨款", 1, 1, 1]]
    path = projects_book(tmp_path / "d.xlsx", [["甲项目"]], 资金来源=funding)
    with pytest.raises(InputError, match="资金来源!A2: 项目“乙项目”不在“项目”表中"):
        load_data(path)


def test_form_fields_round_trip_through_a_workbook(tmp_path: Path) -> None:
    data = load_data(EXAMPLES / "agriculture-bureau-2024.yaml")
    project = data.projects[1].model_copy(
        update={"supervisor": "丰禾县人民政府", "implementer": "丰禾县农田建设服务中心", "goal_actual": "已完工"}
    )
    changed = data.model_copy(
        update={"projects": [data.projects[0], project, *data.projects[2:]], "goal": "甲", "goal_actual": "乙"}
    )
    assert load_data(write_workbook(changed, tmp_path / "d.xlsx")) == changed
