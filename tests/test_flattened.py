"""Tables recovered from flattened text: each layout extraction leaves, read back into rows under their header.

Every table here is invented (departments, indicators and figures are ours); each layout is one that PDF/HTML/OCR
extraction of published self-evaluation forms produces.
"""

from __future__ import annotations

from pathlib import Path

import docx

from assistant.text.document import Document, Table, document_from_text, load_document
from assistant.text.tables import cell_number, column_role

IND_HEADER = "一级指标 | 二级指标 | 三级指标 | 指标性质 | 指标值 | 度量单位 | 完成值 | 分值 | 得分 | 偏差原因"


def _rows(table: Table) -> list[list[str]]:
    return [[c.text for c in row] for row in table.rows]


def _by_header(table: Table, row: int) -> dict[str, str]:
    return {h: c.text for h, c in zip(table.header, table.rows[row], strict=False) if c.text}


def _spans_match(doc: Document) -> None:
    for table in doc.tables:
        assert table.start <= table.end
        for row in table.rows:
            for cell in row:
                assert doc.text[cell.start : cell.end] == cell.text


# --- header vocabulary --------------------------------------------------------------------------------------------


def test_header_cells_name_their_column_roles() -> None:
    assert column_role("权重") == column_role("指标分值") == "weight"
    assert column_role("执行率得分(分)") == "score"
    assert column_role("得分系数(%)") == "coefficient"
    assert column_role("预算执行率(B/A×100%)") == "rate"
    assert column_role("全年执行数(B)") == "spent"
    assert column_role("调整后预算数") == "budget"
    assert column_role("年初预算") == "initial"
    assert column_role("未完成原因分析") == column_role("存在问题和改进措施") == "reason"
    assert column_role("全年实际完成值") == "actual"
    assert column_role("年度指标值") == "target"


def test_group_labels_are_not_value_columns() -> None:
    assert column_role("绩效指标(80分)") is None
    assert column_role("年度预算数（万元）") is None
    assert column_role("项目名称") is None


def test_a_cell_is_a_number_only_when_it_holds_nothing_else() -> None:
    assert cell_number("1,250.50") == cell_number("1250.5")
    assert cell_number("93.5%") is not None
    assert cell_number("≥95%") is None
    assert cell_number("12人次") is None


# --- pipe rows ----------------------------------------------------------------------------------------------------


def test_pipe_rows_under_a_header_with_a_merged_group_cell() -> None:
    doc = document_from_text(
        "绩效指标(80分) | " + IND_HEADER + " |\n"
        "产出指标 | 数量指标 | 新建村级文化广场 | ≥ | 6 | 个 | 6 | 40 | 40 | ||\n"
        "效益指标 | 社会效益指标 | 群众文化活动参与人次 | ≥ | 3000 | 人次 | 3350 | 40 | 40 | ||\n"
    )
    (table,) = doc.tables
    assert table.source == "flattened"
    assert table.title == "绩效指标(80分)"
    assert table.header == IND_HEADER.split(" | ")
    assert _by_header(table, 1) == {
        "一级指标": "效益指标",
        "二级指标": "社会效益指标",
        "三级指标": "群众文化活动参与人次",
        "指标性质": "≥",
        "指标值": "3000",
        "度量单位": "人次",
        "完成值": "3350",
        "分值": "40",
        "得分": "40",
    }
    _spans_match(doc)


def test_rows_that_omit_their_merged_first_cells_still_align() -> None:
    doc = document_from_text(
        IND_HEADER + "\n"
        "产出指标 | 数量指标 | 培训基层干部 | ≥ | 400 | 人次 | 436 | 20 | 20 |\n"
        "质量指标 | 培训考核合格率 | ≥ | 90 | % | 96% | 20 | 20 |\n"
        "时效指标 | 培训完成时间 | ≤ | 11 | 月 | 10 | 10 | 10 | 无\n"
    )
    (table,) = doc.tables
    assert _by_header(table, 1)["三级指标"] == "培训考核合格率"
    assert _by_header(table, 1)["完成值"] == "96%"
    assert _by_header(table, 2)["偏差原因"] == "无"
    assert "一级指标" not in _by_header(table, 2)


def test_wrapped_rows_with_header_and_first_row_on_one_line() -> None:
    doc = document_from_text(
        "| 2023年度项目支出绩效自评表 | 单位:青山镇农业服务中心 |\n"
        "| 绩效指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差原因分析及改进措施 | 一级指标 | 二级指标 | 三级指标 "
        "| 指标性质 | 指标值 | 度量单位 | 产出指标 | 数量指标 | 发放良种补贴户数 | ≥ | 520 | 户 | 533 | 20 | 20 |\n"
        "| 时效指标 | 补贴发放及时率 | ≥ | 95 | % | 100% | 20 | 18 |\n"
    )
    (table,) = doc.tables
    assert _rows(table)[0][2:9] == ["发放良种补贴户数", "≥", "520", "户", "533", "20", "20"]
    assert _by_header(table, 1)["得分"] == "18"
    assert table.title == "2023年度项目支出绩效自评表"


def test_a_cell_wrapped_inside_its_column_keeps_its_row_together() -> None:
    doc = document_from_text(
        "| " + IND_HEADER + " |\n"
        "| 效益指标 | 社会效益 指标 | 改善农户生产条件 |\n"
        "| 明显改善 |\n"
        "| 明显改善 | 20 | 20 |\n"
    )
    (table,) = doc.tables
    row = _by_header(table, 0)
    assert (row["三级指标"], row["指标值"], row["完成值"], row["分值"]) == (
        "改善农户生产条件",
        "明显改善",
        "明显改善",
        "20",
    )


def test_execution_block_rows_align_by_what_their_cells_hold() -> None:
    doc = document_from_text(
        "预算执行情况(10分) | 年度预算数(万元) | 年初预算 | 调整后预算数 | 预算执行数 | 预算执行率 | 权重 | 得分 | 原因 |\n"
        "总额 | 80.00 | 96.50 | 90.71 | 94.00% | 10 | 9.4 | 追加农机补贴16.5万元 |\n"
        "其中:财政资金 | 80.00 | 96.50 | 90.71 | 94.00% | / | / ||\n"
        "其他资金 | / | / ||||||\n"
    )
    (table,) = doc.tables
    first, second, third = (_by_header(table, i) for i in range(3))
    assert first["年度预算数(万元)"] == "总额" and first["原因"] == "追加农机补贴16.5万元"
    assert second["预算执行率"] == "94.00%" and second["权重"] == "/"
    assert third["年度预算数(万元)"] == "其他资金"


def test_markdown_tables_are_read_and_their_rule_row_skipped() -> None:
    doc = document_from_text(
        "| 一级指标 | 二级指标 | 三级指标 | 指标值 | 完成值 | 分值 | 得分 |\n"
        "|---|---|:---:|---|---|---|---|\n"
        "| 产出指标 | 数量指标 | 巡查河道里程 | ≥1200公里 | 1260公里 | 30 | 30 |\n"
    )
    (table,) = doc.tables
    assert _by_header(table, 0)["指标值"] == "≥1200公里"


def test_a_label_value_form_is_not_a_table() -> None:
    doc = document_from_text("项目名称 | 农村饮水安全巩固提升\n主管部门 | 清河县水务局\n实施单位 | 清河县供水站\n")
    assert doc.tables == []


def test_prose_with_a_stray_bar_is_not_a_table() -> None:
    doc = document_from_text("全年完成巡查120次 | 其中夜间巡查36次，发现问题18处，均已整改。\n")
    assert doc.tables == []


# --- one cell per line ------------------------------------------------------------------------------------------


def test_one_cell_per_line_is_rebuilt_into_rows_from_the_header() -> None:
    cells = [
        "预算执行情况(10分)", "年度预算数(万元)", "年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重",
        "得分", "原因", "总额", "45.00", "45.00", "43.20", "96.00%", "10", "9.6", "", "其中:财政资金", "45.00",
        "45.00", "43.20", "96.00%", "/", "/",
        "绩效指标(90分)", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重",
        "得分", "未完成原因分析", "产出指标", "数量指标", "维修校舍面积", "≥", "1200", "平方米", "1260", "50", "50",
        "", "效益指标", "社会效益指标", "师生满意度", "≥", "90", "%", "94%", "40", "40", "",
        "合计", "100", "99.6",
    ]  # fmt: skip
    doc = document_from_text("\n".join(f"{c} |" if c else "|" for c in cells) + "\n")
    execution, indicators = doc.tables
    assert _by_header(execution, 0)["预算执行率"] == "96.00%"
    assert _by_header(execution, 0)["得分"] == "9.6"
    assert _by_header(execution, 1)["年度预算数(万元)"] == "其中:财政资金"
    assert _by_header(indicators, 1)["三级指标"] == "师生满意度"
    assert _by_header(indicators, 1)["完成值"] == "94%"
    assert _by_header(indicators, 2)["得分"] == "99.6"
    _spans_match(doc)


# --- whitespace-aligned columns, glued and positional rows -------------------------------------------------------


def test_whitespace_aligned_rows_under_a_header_with_its_unit() -> None:
    doc = document_from_text(
        "部门整体支出绩效自评表\n"
        "资金结构\n（万元）\n年初预算 结转结余 年中调整 小计\n"
        "财政资金小计 820.5 36.2 0 856.7\n"
        "①中央及省级财政资金\n"
        "②县级财政资金 820.5 36.2 0 856.7\n"
        "合 计 820.5 36.2 0 856.7\n"
    )
    (table,) = doc.tables
    assert [row[0].text for row in table.rows] == ["财政资金小计", "②县级财政资金", "合 计"]
    assert [c.text for c in table.rows[2][1:]] == ["820.5", "36.2", "0", "856.7"]
    assert doc.text.index("（万元）") > table.start  # the header lines (with the unit) belong to the table


def test_one_row_of_numbers_is_not_a_table() -> None:
    assert document_from_text("年份 2021 2022 2023\n说明：以上为近三年数据。\n").tables == []


def test_glued_execution_row_is_split_by_what_weight_and_score_can_hold() -> None:
    doc = document_from_text("年初预算数全年预算数全年执行数执行率(%)执行率权重执行率得分(分)O83%108.3当年绩效目标")
    (table,) = doc.tables
    assert [c.text for c in table.rows[0][1:]] == ["10", "83%", "8.3"]


def test_glued_indicator_row_with_its_weight_first() -> None:
    doc = document_from_text("项目管理(20分)预算执行率10—100%9财务管理制度健全性5—健全5")
    (table,) = doc.tables
    assert [c.text for c in table.rows[0]] == ["预算执行率", "10", "100%", "9"]


def test_a_rate_inside_prose_is_not_a_glued_row() -> None:
    doc = document_from_text("全年预算执行率为96.5%，较上年提高3个百分点。")
    assert doc.tables == []


def test_positional_values_after_a_header_run_bind_in_order() -> None:
    doc = document_from_text(
        "财政项目支出绩效自评表 项目名称 社区健身设施维护 年初预算数 全年预算数 全年执行数 分值 执行率 得分 "
        "180000.00 180000.00 151,200.0 10 8.40 年度 总体 目标"
    )
    (table,) = doc.tables
    assert [c.text for c in table.rows[0]] == ["180000.00", "180000.00", "151,200.0", "10", "", "8.40"]


def test_positional_values_that_do_not_fit_make_no_table() -> None:
    doc = document_from_text(
        "年初预算数 全年预算数 全年执行数 分值 执行率 得分 30000.00 30000.00 4.52 其中:当年财政拨款"
    )
    assert doc.tables == []


# --- every format ---------------------------------------------------------------------------------------------------


def test_pipe_table_in_a_one_paragraph_per_line_docx(tmp_path: Path) -> None:
    path = tmp_path / "form.docx"
    word = docx.Document()
    for line in [
        "2023年度项目支出绩效自评表",
        IND_HEADER,
        "产出指标 | 数量指标 | 修缮农村公路 | ≥ | 18 | 公里 | 18.6 | 30 | 30 |",
        "产出指标 | 质量指标 | 工程验收合格率 | = | 100 | % | 100% | 30 | 30 |",
    ]:
        word.add_paragraph(line)
    word.save(str(path))
    doc = load_document(path)
    (table,) = doc.tables
    assert table.source == "flattened"
    assert _by_header(table, 0)["完成值"] == "18.6"


# --- headings run into the text (extraction joined the lines) -----------------------------------------------------


def _titles(doc: Document) -> list[str]:
    out: list[str] = []
    stack = list(reversed(doc.sections))
    while stack:
        section = stack.pop()
        out.append(section.title)
        stack.extend(reversed(section.children))
    return out


def test_headings_run_into_one_line_become_sections() -> None:
    doc = document_from_text(
        "青山镇卫生院专项资金绩效自评报告一、基本情况（一）项目概况本院2023年实施家庭医生签约服务项目，"
        "签约居民8600人（二）资金安排情况全年安排资金52万元二、绩效目标完成情况全年签约率达到68%三、存在的问题及原因分析"
        "一是部分村卫生室人员不足"
    )
    assert _titles(doc) == [
        "一、基本情况",
        "（一）项目概况",
        "（二）资金安排情况",
        "二、绩效目标完成情况",
        "三、存在的问题及原因分析",
    ]
    assert "本院2023年实施家庭医生签约服务项目" in doc.text.split("\n")[3]


def test_headings_set_apart_by_spaces_become_sections() -> None:
    doc = document_from_text("现将自评情况报告如下： 一、部门基本情况 （一）部门职能 我局负责全县水利工程建设管理。")
    assert _titles(doc)[:2] == ["一、部门基本情况", "（一）部门职能"]


def test_numbers_out_of_sequence_and_words_are_not_headings() -> None:
    doc = document_from_text(
        "全县统一、规范管理村级财务，二、三季度完成审计（一）轮，资金使用情况良好。"
        "工作要求包括（一）人员经费按月拨付；（二）公用经费按季拨付。"
    )
    assert doc.sections == []


def test_glued_indicator_rows_of_a_core_indicator_form() -> None:
    doc = document_from_text(
        "指标名称计量单位指标性质年初指标值调整指标值完成值得分系数(%)指标权重(分)指标得分(分)是否核心指标"
        "河道保洁覆盖率%定量指标95%97%100%1010是垃圾清运次数次300次312次100%55否档案管理规范性好好100%33否"
    )
    (table,) = doc.tables
    rows = [[c.text for c in row] for row in table.rows]
    assert rows[0] == ["河道保洁覆盖率", "%", "95%", "97%", "100%", "10", "10"]
    assert rows[1][2:] == ["300次", "312次", "100%", "5", "5"]
    assert rows[2][0] == "档案管理规范性" and rows[2][2:4] == ["好", "好"]
    _spans_match(doc)


def test_glued_rows_with_the_target_written_twice() -> None:
    doc = document_from_text(
        "一级指标二级指标三级指标分值指标值全年实际值得分未完成原因分析及改进措施"
        "时效指标(5分)工程完工时间52023年10月完工2023年10月完工4成本指标(10分)"
    )
    (table,) = doc.tables
    assert [c.text for c in table.rows[0][:5]] == ["工程完工时间", "5", "2023年10月完工", "2023年10月完工", "4"]


def test_doubled_words_in_prose_are_not_a_table() -> None:
    assert document_from_text("我们我们认真开展工作，完成任务完成任务5次。").tables == []


# --- spaces extraction left at old line ends ----------------------------------------------------------------------


def _joined_with_spaces(paragraph: str, width: int = 26) -> str:
    """A PDF paragraph whose wrapped lines were joined with a space."""
    return " ".join(paragraph[i : i + width] for i in range(0, len(paragraph), width))


def test_spaces_at_old_line_ends_are_dropped_and_offsets_still_map_back() -> None:
    paragraph = (
        "为切实做好本年度项目支出绩效评价工作，进一步加强项目资金管理，提高财政资金使用效益，根据区财政局关于开展"
        "单位自评工作的通知要求，按照早部署、早行动、早落实的工作思路，对我中心全年项目支出绩效开展了自评。"
        "自评由分管领导牵头，财务、业务科室共同参与，逐项核对预算执行、绩效指标完成和资金使用情况。"
    )
    raw = _joined_with_spaces(paragraph)
    doc = document_from_text(raw)
    assert doc.text == paragraph
    for offset, char in enumerate(doc.text):
        line, col = doc.line_col(offset)
        assert raw.split("\n")[line - 1][col - 1] == char


def test_a_space_after_a_decimal_point_is_dropped() -> None:
    from assistant.text.numbers import find_numbers

    doc = document_from_text("烈士墓区维修项目预算48. 6万元，全年实际支付48. 6万元，使用率100%。")
    assert [n.raw for n in find_numbers(doc.text) if n.unit == "万元"] == ["48.6万元", "48.6万元"]


def test_spaces_between_tokens_and_list_numbers_are_kept() -> None:
    tokens = (
        "年初预算数 全年预算数 全年执行数 分值 执行率 得分 项目名称 主管部门 实施单位 其中 当年财政拨款 上年结转资金"
    )
    assert document_from_text(tokens).text == tokens
    assert "1. 2023年" in document_from_text("主要工作如下：1. 2023年完成河道清淤12公里。").text


def test_reference_tables_come_back_from_a_one_paragraph_per_line_docx(tmp_path: Path) -> None:
    reference = Path(__file__).parents[1] / "eval_cases" / "reports" / "kunming-2023-self-evaluation.txt"
    path = tmp_path / "reference.docx"
    word = docx.Document()
    for line in reference.read_text(encoding="utf-8").split("\n"):
        word.add_paragraph(line)
    word.save(str(path))
    from_text, from_docx = load_document(reference), load_document(path)
    assert [(t.title, t.header) for t in from_docx.tables] == [(t.title, t.header) for t in from_text.tables]
    assert [_rows(t) for t in from_docx.tables] == [_rows(t) for t in from_text.tables]
