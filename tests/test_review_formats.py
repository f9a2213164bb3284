"""Review writers: the JSON contract, the terminal report, Markdown, the HTML page and dispatch by extension."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from assistant.checks.finding import Finding
from assistant.errors import InputError
from assistant.export import (
    review_to_html,
    review_to_json,
    review_to_markdown,
    review_to_text,
    write_review,
)
from assistant.export.review_html import segments
from assistant.export.review_text import group_by_section
from assistant.reviewing import DocumentInfo, Review, SectionInfo
from assistant.reviewing.coverage import Coverage, SkippedRules

TEXT = (
    "某市教育局2023年度部门整体支出绩效自评报告\n"
    "一、部门基本情况\n"
    "本部门2023年度预算总额为3240.79万元，全年执行3300万元，执行率98.5%。\n"
    "二、绩效目标完成情况\n"
    "（一）产出指标\n"
    "全年慰问困难教职工5500人，效果明显，群众满意度大幅提升。\n"
    "网页留言中出现<script>alert('x')</script>字样，已按规定处理。\n"
    "三、存在的问题\n"
    "绩效目标设定不够明确|部分指标缺少量化*标准*。\n"
)

HEADINGS = ["一、部门基本情况", "二、绩效目标完成情况", "（一）产出指标", "三、存在的问题"]


def span(quote: str, text: str = TEXT) -> tuple[int, int]:
    start = text.index(quote)
    return start, start + len(quote)


def sections(text: str = TEXT) -> list[SectionInfo]:
    levels = {"一、部门基本情况": 1, "二、绩效目标完成情况": 1, "（一）产出指标": 2, "三、存在的问题": 1}
    ends = {
        "一、部门基本情况": "二、",
        "二、绩效目标完成情况": "三、",
        "（一）产出指标": "三、",
        "三、存在的问题": None,
    }
    out = []
    for i, title in enumerate(HEADINGS, start=1):
        start = text.index(title)
        stop = ends[title]
        end = text.index(stop) if stop else len(text)
        out.append(SectionInfo(id=f"s{i}", title=title, level=levels[title], start=start, end=end))
    return out


def finding(quote: str, section: str | None, **kw: Any) -> Finding:
    start, end = span(quote)
    fields: dict[str, Any] = {
        "rule": "vague-effect",
        "category": "vague_wording",
        "severity": "warning",
        "message": "“效果明显”没有数据支撑",
        "suggestion": "写明实际完成值，如“慰问5500人，满意度95%”",
    }
    fields.update(kw)
    return Finding(quote=quote, start=start, end=end, section=section, **fields)


def make_review(findings: list[Finding] | None = None, notes: list[str] | None = None) -> Review:
    if findings is None:
        findings = [
            finding("某市", None, rule="placeholder-name", category="placeholder", severity="info",
                    message="单位名称仍是占位词“某市”", suggestion="填写实际单位名称"),
            finding("执行率98.5%", "一、部门基本情况", rule="execution-rate", category="arithmetic",
                    severity="error", message="执行率应为 3300÷3240.79 = 101.83%，报告写作98.5%",
                    suggestion="改为“执行率101.83%”"),
            finding("效果明显", "（一）产出指标"),
            finding("群众满意度大幅提升", "（一）产出指标", rule="claim-no-data", category="ungrounded_number",
                    message="满意度提升没有调查数据", suggestion="补充满意度调查结果及样本量"),
            finding("大幅提升", "（一）产出指标", rule="vague-degree", severity="info",
                    message="“大幅”是程度副词，未量化", suggestion="写明提升的百分点"),
            finding("效果明显，群众满意度", "（一）产出指标", rule="claim-overreach", category="contradiction",
                    severity="info", message="由慰问人数推出满意度提升，以偏概全", suggestion="删去或补充依据"),
            finding("不够明确|部分指标", "三、存在的问题", rule="typo-bar", category="typo", severity="info",
                    message="句中误用半角竖线“|”", suggestion="改为逗号“，”"),
        ]  # fmt: skip
    return Review(
        document=DocumentInfo(path="reports/教育局-2023.txt", chars=len(TEXT), sections=sections()),
        text=TEXT,
        findings=findings,
        notes=notes or [],
    )


# --- JSON -------------------------------------------------------------------------------------------------------


def test_json_has_exactly_the_contract_keys() -> None:
    data = json.loads(review_to_json(make_review(notes=["模型不可用，仅做了确定性检查"])))

    assert list(data) == ["document", "findings", "notes", "model", "coverage"]
    assert list(data["document"]) == ["path", "chars", "sections"]
    assert list(data["document"]["sections"][0]) == ["id", "title", "level", "start", "end"]
    assert all(
        list(f)
        == ["rule", "category", "severity", "message", "suggestion", "quote", "start", "end", "section", "source"]
        for f in data["findings"]
    )
    assert data["notes"] == ["模型不可用，仅做了确定性检查"]


def test_json_writes_chinese_unescaped_and_text_only_when_asked() -> None:
    review = make_review()

    plain, with_text = review_to_json(review), review_to_json(review, include_text=True)

    assert "部门基本情况" in plain and "\\u" not in plain
    assert "text" not in json.loads(plain)["document"]
    assert json.loads(with_text)["document"]["text"] == TEXT


def test_json_round_trip_keeps_every_quote_at_its_offsets() -> None:
    data = json.loads(review_to_json(make_review(), include_text=True))
    text = data["document"]["text"]

    assert data["findings"]
    for f in data["findings"]:
        assert text[f["start"] : f["end"]] == f["quote"]


# --- terminal text ------------------------------------------------------------------------------------------------


def test_text_groups_findings_by_section_in_document_order() -> None:
    review = make_review()
    review.findings.reverse()  # the writer, not the caller, puts sections in order

    out = review_to_text(review)

    positions = [
        out.index(f"\n{title}\n") for title in ["（无章节）", "一、部门基本情况", "（一）产出指标", "三、存在的问题"]
    ]
    assert positions == sorted(positions)
    assert "\n二、绩效目标完成情况\n" not in out  # a section without findings gets no heading


def test_text_shows_severity_category_rule_context_and_suggestion() -> None:
    out = review_to_text(make_review())

    assert "错误｜计算错误｜execution-rate" in out
    assert "全年执行3300万元，【执行率98.5%】。" in out
    assert "执行率应为 3300÷3240.79 = 101.83%，报告写作98.5%" in out
    assert "建议：改为“执行率101.83%”" in out


def test_text_header_counts_severities_and_notes_come_first() -> None:
    out = review_to_text(make_review(notes=["模型不可用，仅做了确定性检查"]))
    lines = out.splitlines()

    assert "reports/教育局-2023.txt" in lines[0] and f"共 {len(TEXT)} 字符" in lines[0]
    assert "错误 1 · 警告 2 · 提示 4" in lines[0]
    assert lines[1] == "【注意】模型不可用，仅做了确定性检查"


def test_text_says_no_problems_when_there_are_none() -> None:
    out = review_to_text(make_review(findings=[]))

    assert "未发现问题。" in out
    assert "错误 0 · 警告 0 · 提示 0" in out


def test_text_shows_line_and_column_from_locate() -> None:
    def locate(offset: int) -> tuple[int, int]:
        line = TEXT.count("\n", 0, offset) + 1
        return line, offset - (TEXT.rfind("\n", 0, offset) + 1) + 1

    out = review_to_text(make_review(), locate=locate)

    assert "execution-rate｜3:36" in out


def test_text_with_color_underlines_the_quote_instead_of_brackets() -> None:
    out = review_to_text(make_review(), color=True)

    assert "\x1b[4m执行率98.5%\x1b[24m" in out
    assert "【执行率98.5%】" not in out


# --- Markdown -----------------------------------------------------------------------------------------------------


def test_markdown_escapes_pipe_and_markup_in_quotes() -> None:
    out = review_to_markdown(make_review())

    row = next(line for line in out.splitlines() if "typo-bar" in line or "半角竖线" in line)
    assert "不够明确\\|部分指标" in row
    assert len(re.findall(r"(?<!\\)\|", row)) == 7  # six cells, no extra column from the quote's “|”


def test_markdown_summarises_counts_by_category_and_severity() -> None:
    out = review_to_markdown(make_review())

    assert "| 类别 | 错误 | 警告 | 提示 | 合计 |" in out
    assert "| 计算错误 | 1 | 0 | 0 | 1 |" in out
    assert "| **合计** | 1 | 2 | 4 | **7** |" in out
    assert out.index("### 一、部门基本情况") < out.index("### （一）产出指标") < out.index("### 三、存在的问题")


# --- HTML ---------------------------------------------------------------------------------------------------------


class TagBalance(HTMLParser):
    """Records every unbalanced tag and the text inside the report body."""

    VOID = {"meta", "input", "br", "hr", "img", "link"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: list[str] = []
        self.report_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids += [v for k, v in attrs if k == "id" and v]
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if "div" in self.stack:
            self.report_text.append(data)


def parse(page: str) -> TagBalance:
    parser = TagBalance()
    parser.feed(page)
    parser.close()
    return parser


def test_html_shows_script_in_report_as_text() -> None:
    page = review_to_html(make_review())

    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page


def test_html_highlights_overlapping_findings_with_balanced_markup() -> None:
    review = make_review()
    page = review_to_html(review)
    parsed = parse(page)

    assert parsed.errors == [] and parsed.stack == []
    assert "".join(parsed.report_text) == TEXT  # highlighting adds no text and loses none
    assert {f"f{n}" for n in range(1, len(review.findings) + 1)} <= set(parsed.ids)
    assert 'class="sev-warning multi"' in page  # 群众满意度 lies under three findings at once


def test_html_marks_carry_the_message_and_rows_link_to_them() -> None:
    page = review_to_html(make_review())

    assert 'title="[2] 错误：执行率应为 3300÷3240.79 = 101.83%，报告写作98.5%"' in page
    assert '<a href="#f2">执行率98.5%</a>' in page


def test_html_is_a_self_contained_chinese_page() -> None:
    page = review_to_html(make_review())

    assert '<html lang="zh-CN">' in page
    assert "<title>绩效自评报告审阅结果</title>" in page
    assert not re.search(r"https?://", page)
    assert not re.search(r"<(link|img|script)\b", page)


def test_segments_cut_nested_and_crossing_spans_into_flat_runs() -> None:
    text = "效果明显，群众满意度大幅提升。"
    f = [
        Finding(rule="a", category="vague_wording", severity="info", message="m", quote=text[5:14], start=5, end=14),
        Finding(rule="b", category="vague_wording", severity="info", message="m", quote=text[10:14], start=10, end=14),
        Finding(rule="c", category="vague_wording", severity="info", message="m", quote=text[0:10], start=0, end=10),
    ]

    runs = segments(text, f)

    assert "".join(s.text for s in runs) == text
    assert [(s.text, s.covering) for s in runs] == [
        ("效果明显，", (3,)),
        ("群众满意度", (1, 3)),
        ("大幅提升", (1, 2)),
        ("。", ()),
    ]


# --- write_review -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "marker"),
    [
        ("out.json", '"findings": ['),
        ("out.md", "# 绩效自评报告审阅结果"),
        ("out.html", '<html lang="zh-CN">'),
        ("out.HTM", '<html lang="zh-CN">'),
        ("out.txt", "【执行率98.5%】"),
    ],
)
def test_write_review_picks_the_format_by_extension(tmp_path: Path, name: str, marker: str) -> None:
    path = tmp_path / "审阅" / name

    write_review(make_review(), path)

    assert marker in path.read_text(encoding="utf-8")


def test_write_review_rejects_unknown_extension_naming_the_allowed_ones(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\.pdf.*\.json、\.md、\.html、\.htm、\.txt"):
        write_review(make_review(), tmp_path / "out.pdf")
    assert not (tmp_path / "out.pdf").exists()


def test_a_finding_whose_offsets_miss_its_quote_is_listed_but_not_marked() -> None:
    stale = Finding(
        rule="claim-no-data", category="ungrounded_number", severity="warning",
        message="满意度没有调查数据", quote="满意度达到98%", start=3, end=11,
    )  # fmt: skip
    review = make_review(findings=[stale])

    page, text = review_to_html(review), review_to_text(review)

    assert "<mark" not in page and "满意度没有调查数据" in page
    assert "“【满意度达到98%】”" in text


# --- coverage: what was checked -------------------------------------------------------------------------------------


def _coverage(**kw: Any) -> Coverage:
    fields: dict[str, Any] = {
        "sections": 4,
        "top_sections": ["一、部门基本情况", "二、绩效目标完成情况", "三、存在的问题"],
        "tables": {"flattened": 1},
        "figures": 6,
        "amounts": 2,
        "rules_run": 30,
        "rules_total": 32,
        "skipped": [],
    }
    fields.update(kw)
    return Coverage(**fields)


NO_DATA = SkippedRules(rules=["grounding.unsupported"], reason="未提供数据文件（--data），报告中的数字未与数据核对")


def _with(coverage: Coverage, findings: list[Finding] | None = None) -> Review:
    return make_review(findings=findings).model_copy(update={"coverage": coverage})


@pytest.mark.parametrize("write", [review_to_text, review_to_markdown, review_to_html])
def test_every_readable_format_states_sections_tables_figures_and_rules_not_run(write: Any) -> None:
    out = write(_with(_coverage(skipped=[NO_DATA])))

    assert "检查范围" in out
    assert "章节：4 个" in out
    assert "由文本恢复的表格 1 个" in out
    assert "读取 6 个（其中金额 2 个）" in out
    assert "grounding.unsupported" in out and "未提供数据文件" in out


@pytest.mark.parametrize("write", [review_to_text, review_to_markdown, review_to_html])
def test_no_findings_is_an_all_clear_only_when_every_check_ran(write: Any) -> None:
    complete = write(_with(_coverage(), findings=[]))
    partial = write(_with(_coverage(skipped=[NO_DATA], tables={}), findings=[]))
    unreadable = write(_with(_coverage(unreadable="共 300 个字符中有 40 个字形缺少编码信息"), findings=[]))

    assert "未发现问题。" in complete
    assert "未发现问题" not in partial and "未能检查" in partial and "未提供数据文件" in partial
    assert "未找到表格" in partial
    assert "未发现问题" not in unreadable and "部分文字未能读取" in unreadable


def test_json_carries_coverage_and_whether_it_was_complete() -> None:
    data = json.loads(review_to_json(_with(_coverage(skipped=[NO_DATA]))))

    assert data["coverage"]["tables"] == {"flattened": 1}
    assert data["coverage"]["skipped"] == [NO_DATA.model_dump()]
    assert data["coverage"]["complete"] is False
    assert json.loads(review_to_json(_with(_coverage())))["coverage"]["complete"] is True


def test_review_of_a_report_without_data_or_tables_says_those_checks_did_not_run(tmp_path: Path) -> None:
    from assistant.checks.registry import CheckConfig
    from assistant.reviewing import review

    path = tmp_path / "report.txt"
    path.write_text("某县水利局2024年度部门整体支出绩效自评报告\n一、部门基本情况\n全年支出资金860万元。\n", "utf-8")

    result = review(path, config=CheckConfig(disable=["dates.stale-year"]))

    assert result.coverage is not None
    skipped = {r: s.reason for s in result.coverage.skipped for r in s.rules}
    assert "未提供数据文件" in skipped["grounding.unsupported"]
    assert "未找到表格" in skipped["tables.weights-total"]
    assert "停用" in skipped["dates.stale-year"]
    assert result.coverage.amounts == 1 and result.coverage.sections == 1
    assert result.coverage.rules_run == result.coverage.rules_total - len(skipped)


def test_grouping_by_section_stays_fast_with_thousands_of_sections_and_findings() -> None:
    import time

    unit = "一、部门基本情况\n效果明显。\n"
    text = unit * 20_000
    infos = [
        SectionInfo(id=str(i), title="一、部门基本情况", level=1, start=i * len(unit), end=(i + 1) * len(unit))
        for i in range(20_000)
    ]
    findings = [
        Finding(rule="vague", category="vague_wording", severity="warning", message="空泛", quote="效果明显",
                start=i * len(unit) + 9, end=i * len(unit) + 13, section="一、部门基本情况")
        for i in range(20_000)
    ]  # fmt: skip
    review = Review(document=DocumentInfo(path=None, chars=len(text), sections=infos), text=text, findings=findings)

    started = time.perf_counter()
    out = review_to_text(review)
    elapsed = time.perf_counter() - started

    assert out.count("\n一、部门基本情况\n") == 20_000  # each finding under its own copy of the heading
    assert elapsed < 5.0


def test_a_finding_goes_under_the_innermost_section_of_its_title_that_holds_it() -> None:
    text = "一、总体情况\n（一）总体情况\n正文一。\n二、其他\n正文二。\n"
    infos = [
        SectionInfo(id="1", title="一、总体情况", level=1, start=0, end=text.index("二、")),
        SectionInfo(id="1.1", title="（一）总体情况", level=2, start=text.index("（一）"), end=text.index("二、")),
        SectionInfo(id="2", title="二、其他", level=1, start=text.index("二、"), end=len(text)),
    ]
    inner = Finding(
        rule="r",
        category="typo",
        severity="info",
        message="m",
        quote="正文一",
        start=text.index("正文一"),
        end=text.index("正文一") + 3,
        section="（一）总体情况",
    )
    elsewhere = Finding(
        rule="r",
        category="typo",
        severity="info",
        message="m",
        quote="正文二",
        start=text.index("正文二"),
        end=text.index("正文二") + 3,
        section="一、总体情况",
    )
    review = Review(document=DocumentInfo(path=None, chars=len(text), sections=infos), text=text,
                    findings=[inner, elsewhere])  # fmt: skip

    groups = group_by_section(review)

    assert [(g.title, g.position, [i.finding.quote for i in g.items]) for g in groups] == [
        ("一、总体情况", 0, ["正文二"]),  # named a section that does not hold it: the first of that title
        ("（一）总体情况", text.index("（一）"), ["正文一"]),
    ]
