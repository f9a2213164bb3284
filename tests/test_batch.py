"""The bureau's side: many reports in one run, matched to data and last year's reports, one summary."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from assistant.cli import main
from assistant.export.summary import merge_summaries, read_summary, summary_html, write_summary
from assistant.reviewing.batch import BatchRow, review_batch
from assistant.reviewing.identity import identify, same_department

EXAMPLES = Path(__file__).parents[1] / "examples"


def report(department: str, year: int, body: str) -> str:
    return f"{department}{year}年度部门整体支出绩效自评报告\n一、部门基本情况\n{body}\n"


GOOD = "全年预算数为500万元，全年执行数为480万元，执行率为96%。完成道路养护120公里。"
WRONG_SUM = "全年预算数为500万元，其中基本支出300万元，项目支出150万元。全年执行数为480万元。"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "reports"
    (d / "县直").mkdir(parents=True)
    (d / "安平县交通运输局.txt").write_text(report("安平县交通运输局", 2024, GOOD), encoding="utf-8")
    (d / "县直" / "安平县民政局.txt").write_text(report("安平县民政局", 2024, WRONG_SUM), encoding="utf-8")
    (d / "损坏的报告.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    (d / ".隐藏.txt").write_text("不应被审阅", encoding="utf-8")
    return d


def test_identify_reads_department_and_year_from_the_title() -> None:
    who = identify("清源县水务局2024年度部门整体支出绩效自评报告\n一、部门基本情况")
    assert (who.department, who.year) == ("清源县水务局", 2024)
    assert identify("部门整体支出绩效自评报告\n一、部门基本情况").department is None
    assert same_department("清源县水务局", "清源县 水务局")
    assert not same_department("清源县水务局", "清源县民政局")


def test_every_report_in_a_folder_is_reviewed_and_a_broken_one_is_listed(folder: Path, tmp_path: Path) -> None:
    result = review_batch([folder], out_dir=tmp_path / "out", workers=2)
    by_file = {r.file: r for r in result.rows}
    assert set(by_file) == {"安平县交通运输局.txt", "县直/安平县民政局.txt", "损坏的报告.pdf"}
    broken = by_file["损坏的报告.pdf"]
    assert broken.status == "failed" and "PDF" in broken.reason and str(tmp_path) not in broken.reason
    wrong = by_file["县直/安平县民政局.txt"]
    assert (wrong.department, wrong.year) == ("安平县民政局", 2024)
    assert wrong.errors >= 1 and "arithmetic" in wrong.categories
    assert wrong.review_file and (tmp_path / "out" / wrong.review_file).is_file()
    assert by_file["安平县交通运输局.txt"].errors == 0


def test_a_rerun_skips_unchanged_reports_and_rereviews_changed_ones(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = review_batch([folder], out_dir=out, workers=1)
    assert not any(r.cached for r in first.rows)
    (folder / "安平县交通运输局.txt").write_text(report("安平县交通运输局", 2024, WRONG_SUM), encoding="utf-8")
    second = {r.file: r for r in review_batch([folder], out_dir=out, workers=1).rows}
    assert second["县直/安平县民政局.txt"].cached
    assert not second["安平县交通运输局.txt"].cached and second["安平县交通运输局.txt"].errors >= 1
    fresh = review_batch([folder], out_dir=out, workers=1, use_cache=False)
    assert not any(r.cached for r in fresh.rows)


def test_a_zip_of_reports_is_reviewed_like_a_folder(folder: Path, tmp_path: Path) -> None:
    archive = tmp_path / "reports.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for p in folder.rglob("*"):
            if p.is_file():
                z.write(p, p.relative_to(folder).as_posix())
    rows = review_batch([archive], out_dir=tmp_path / "out", workers=1).rows
    assert sorted(r.file for r in rows) == [
        "reports.zip/县直/安平县民政局.txt",
        "reports.zip/安平县交通运输局.txt",
        "reports.zip/损坏的报告.pdf",
    ]


def test_a_zip_that_expands_too_far_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.reviewing.inputs as inputs

    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.txt", "零" * 200_000)
    monkeypatch.setattr(inputs, "MAX_ZIP_ENTRY", 100_000)
    with pytest.raises(Exception, match="过大"):
        review_batch([archive], out_dir=tmp_path / "out", workers=1)


def test_data_files_are_matched_by_department_and_year(tmp_path: Path) -> None:
    reports, data = tmp_path / "reports", tmp_path / "data"
    reports.mkdir()
    data.mkdir()
    (data / "edu.yaml").write_text((EXAMPLES / "education-bureau-2024.yaml").read_text(encoding="utf-8"), "utf-8")
    (data / "health.yaml").write_text((EXAMPLES / "health-commission-2024.yaml").read_text(encoding="utf-8"), "utf-8")
    import yaml

    edu = yaml.safe_load((EXAMPLES / "education-bureau-2024.yaml").read_text(encoding="utf-8"))
    name = edu["department"]["name"]
    (reports / "a.txt").write_text(report(name, 2024, GOOD), encoding="utf-8")
    (reports / "b.txt").write_text(report("某县不存在局", 2024, GOOD), encoding="utf-8")
    result = review_batch([reports], out_dir=tmp_path / "out", data=[data], workers=1)
    rows = {r.file: r for r in result.rows}
    assert rows["a.txt"].data_file == "edu.yaml"
    assert rows["b.txt"].data_file is None
    assert result.unmatched_data == ["health.yaml"]
    assert any("b.txt" in n for n in result.notes)


def test_last_years_reports_are_matched_by_department(tmp_path: Path) -> None:
    this, last = tmp_path / "2024", tmp_path / "2023"
    this.mkdir()
    last.mkdir()
    body = "二、存在的问题\n部分项目绩效目标设置不够细化，个别指标难以量化考核，资金拨付进度偏慢。"
    (last / "x.txt").write_text(report("安平县交通运输局", 2023, body), encoding="utf-8")
    (this / "y.txt").write_text(report("安平县交通运输局", 2024, body), encoding="utf-8")
    (row,) = review_batch([this], out_dir=tmp_path / "out", previous=[last], workers=1).rows
    assert row.previous_file == "x.txt"
    assert row.rules.get("previous.copied-passage") == 1


def rows_for_summary() -> list[BatchRow]:
    return [
        BatchRow(file="a.txt", department="甲局", year=2024, errors=2, warnings=1, categories={"arithmetic": 2},
                 rules={"arithmetic.parts-total": 2, "dates.stale-year": 1}, top=["【错误·计算错误】分项之和不符"],
                 review_file="a.review.html"),
        BatchRow(file="b.txt", department="乙局", year=2024, warnings=3, categories={"stale_date": 3},
                 rules={"dates.stale-year": 3}, review_file="b.review.html"),
        BatchRow(file="c.pdf", status="failed", reason="PDF 字体缺少编码信息"),
    ]  # fmt: skip


def test_the_excel_summary_is_one_sortable_filterable_row_per_report(tmp_path: Path) -> None:
    path = write_summary(rows_for_summary(), tmp_path / "汇总.xlsx")
    ws = load_workbook(path)["审阅汇总"]
    assert ws.auto_filter.ref and ws.freeze_panes == "B2"
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert [v[0] for v in values] == ["a.txt", "b.txt", "c.pdf"]
    assert values[0][4] == 2 and values[2][3] == "无法审阅" and "编码" in values[2][8]
    assert ws.cell(2, 10).hyperlink.target == "a.review.html"
    assert read_summary(path) == rows_for_summary()


def test_the_html_summary_plots_categories_departments_and_frequent_problems() -> None:
    page = summary_html(rows_for_summary())
    assert page.count("<svg") == 3
    assert "计算错误" in page and "甲局" in page
    assert "2 份报告" in page  # dates.stale-year hit two reports
    assert "c.pdf" in page and "无法审阅的文件（1）" in page


def test_summaries_from_several_machines_merge(tmp_path: Path) -> None:
    (tmp_path / "m1").mkdir()
    (tmp_path / "m2").mkdir()
    rows = rows_for_summary()
    write_summary(rows[:2], tmp_path / "m1" / "s.xlsx")
    write_summary(rows[2:], tmp_path / "m2" / "s.xlsx")
    merged = merge_summaries([tmp_path / "m1" / "s.xlsx", tmp_path / "m2" / "s.xlsx"])
    assert sorted(r.file for r in merged) == ["a.txt", "b.txt", "c.pdf"]
    assert {r.review_file for r in merged if r.file == "a.txt"} == {"m1/a.review.html"}


def test_cli_reviews_a_folder_writes_both_summaries_and_exits_by_errors(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "汇总.xlsx"
    status = main(["review", str(folder), "-o", str(out), "--workers", "1"])
    printed = capsys.readouterr().out
    assert status == 1  # the 民政局 report has a sum that doesn't add up
    assert out.is_file() and out.with_suffix(".html").is_file()
    assert "无法审阅：损坏的报告.pdf" in printed
    assert (tmp_path / "审阅结果").is_dir()
    assert main(["summary", str(out), "-o", str(tmp_path / "合并.html")]) == 0
    assert "安平县民政局" in (tmp_path / "合并.html").read_text(encoding="utf-8")


def test_cli_refuses_a_summary_in_another_format(folder: Path, tmp_path: Path) -> None:
    assert main(["review", str(folder), "-o", str(tmp_path / "x.pdf")]) == 2


def test_two_reports_with_one_name_keep_their_own_reviews(tmp_path: Path) -> None:
    one, two = tmp_path / "一" / "报告.txt", tmp_path / "二" / "报告.txt"
    one.parent.mkdir()
    two.parent.mkdir()
    one.write_text(report("安平县交通运输局", 2024, GOOD), encoding="utf-8")
    two.write_text(report("安平县民政局", 2024, WRONG_SUM), encoding="utf-8")
    rows = review_batch([one, two], out_dir=tmp_path / "out", workers=1).rows
    assert len({r.review_file for r in rows}) == 2
    pages = {r.department: (tmp_path / "out" / str(r.review_file)).read_text(encoding="utf-8") for r in rows}
    assert "分项之和" in pages["安平县民政局"] and "分项之和" not in pages["安平县交通运输局"]
