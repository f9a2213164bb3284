"""The bureau summary of a batch: an Excel sheet to sort and filter, and an HTML page with plots.

write_summary(rows, Path("summary.xlsx"))    # one row per report, links to each report's own review
write_summary(rows, Path("summary.html"))    # the same table, plus findings by category, departments
                                             # ranked by errors, and the most frequent problems
rows = read_summary(Path("a.xlsx"))          # back from a summary written here, to merge several machines' runs
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from assistant.checks.finding import CATEGORY_NAMES
from assistant.errors import InputError
from assistant.reviewing.batch import BatchRow

SHEET = "审阅汇总"
DATA_SHEET = "原始数据"  # the rows as JSON, one per line, so a summary can be merged without loss
COLUMNS = [
    "报告文件",
    "部门",
    "年度",
    "状态",
    "错误",
    "警告",
    "提示",
    "问题类别",
    "最严重的问题",
    "审阅结果",
    "带批注的 Word",
    "模型审阅",
]
_WIDTHS = [34, 24, 8, 10, 7, 7, 7, 30, 80, 24, 24, 40]
_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
_FAILED_FILL = PatternFill("solid", fgColor="FBE3E3")


def _categories(row: BatchRow) -> str:
    ordered = sorted(row.categories.items(), key=lambda kv: -kv[1])
    return "、".join(f"{CATEGORY_NAMES.get(c, c)}{n}" for c, n in ordered)


def _status(row: BatchRow) -> str:
    return "无法审阅" if row.status != "ok" else "已审阅"


def model_status(row: BatchRow) -> str:
    """How the model critique went for the report: done by which model, why it fell back, or "" with none."""
    if row.model_note:
        return row.model_note
    return f"已完成（{row.model}）" if row.model else ""


def write_summary(rows: list[BatchRow], path: Path) -> Path:
    """Write the summary; the extension (.xlsx or .html) picks the format."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _write_xlsx(rows, path)
    if suffix in (".html", ".htm"):
        path.write_text(summary_html(rows), encoding="utf-8")
        return path
    raise InputError(f"{path}：汇总只能写成 .xlsx 或 .html")


def _write_xlsx(rows: list[BatchRow], path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    ws.append(COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    for row in rows:
        top = "\n".join(row.top) if row.status == "ok" else row.reason
        ws.append(
            [
                row.file,
                row.department or "",
                row.year,
                _status(row),
                *((row.errors, row.warnings, row.infos) if row.status == "ok" else (None, None, None)),
                _categories(row),
                top,
                row.review_file or "",
                row.docx_file or "",
                model_status(row),
            ]
        )
        r = ws.max_row
        for col, target in ((10, row.review_file), (11, row.docx_file)):
            if target:
                ws.cell(r, col).hyperlink = target
                ws.cell(r, col).style = "Hyperlink"
        ws.cell(r, 9).alignment = Alignment(wrap_text=True, vertical="top")
        if row.status != "ok":
            for c in range(1, len(COLUMNS) + 1):
                ws.cell(r, c).fill = _FAILED_FILL
    for i, width in enumerate(_WIDTHS, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(ws.max_row, 1)}"
    raw = wb.create_sheet(DATA_SHEET)
    raw.append(["json"])
    for row in rows:
        raw.append([row.model_dump_json()])
    raw.sheet_state = "hidden"
    try:
        wb.save(path)
    except OSError as exc:
        raise InputError(f"{path}：无法写入（{exc.strerror or exc}），请检查路径和写入权限") from None
    return path


def read_summary(path: Path) -> list[BatchRow]:
    """The rows of a summary .xlsx written by :func:`write_summary`."""
    try:
        wb = load_workbook(path, read_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise InputError(f"{path}：无法读取汇总表（{type(exc).__name__}），请确认是本工具生成的 .xlsx") from None
    if DATA_SHEET not in wb.sheetnames:
        raise InputError(f"{path}：不是本工具生成的审阅汇总（缺少“{DATA_SHEET}”工作表）")
    rows = []
    for (value,) in wb[DATA_SHEET].iter_rows(min_row=2, max_col=1, values_only=True):
        if value:
            rows.append(BatchRow.model_validate_json(str(value)))
    return rows


def merge_summaries(paths: Iterable[Path]) -> list[BatchRow]:
    """The rows of several summaries, each report once (the later file wins for the same report)."""
    merged: dict[tuple[str, str | None, int | None], BatchRow] = {}
    for p in paths:
        prefix = p.parent.name
        for row in read_summary(p):
            merged[(row.file, row.department, row.year)] = row.model_copy(
                update={
                    "review_file": f"{prefix}/{row.review_file}" if row.review_file and prefix else row.review_file,
                    "docx_file": f"{prefix}/{row.docx_file}" if row.docx_file and prefix else row.docx_file,
                }
            )
    return list(merged.values())


# -- the HTML page --------------------------------------------------------------------------------------


def summary_html(rows: list[BatchRow]) -> str:
    """A self-contained page: the overview, three plots (inline SVG) and the sortable table."""
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        "<title>绩效自评报告批量审阅汇总</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>绩效自评报告批量审阅汇总</h1>",
        summary_overview(rows),
        "<h2>各报告</h2>",
        summary_table(rows),
        f"<script>{_SORT_JS}</script></body></html>",
    ]
    return "\n".join(parts)


def summary_overview(rows: list[BatchRow], *, counts: bool = True, failed: bool = True) -> str:
    """The counts line, the three plots and the unreadable files: the summary above its table.

    The page states the counts and the unreadable files in its own status line (``counts``/``failed`` False).
    """
    ok = [r for r in rows if r.status == "ok"]
    by_category: Counter[str] = Counter()
    reports_by_rule: Counter[str] = Counter()
    for r in ok:
        by_category.update(r.categories)
        reports_by_rule.update(r.rules.keys())
    ranked = sorted(ok, key=lambda r: (-r.errors, -r.warnings, r.file))[:15]
    frequent = [(rule, n) for rule, n in reports_by_rule.most_common(10)]
    lead = (
        f"<p class='lead'>共 {len(rows)} 份报告：已审阅 {len(ok)} 份，无法审阅 {len(rows) - len(ok)} 份；"
        f"错误 {sum(r.errors for r in ok)} 处，警告 {sum(r.warnings for r in ok)} 处，"
        f"提示 {sum(r.infos for r in ok)} 处。</p>"
    )
    parts = [
        lead if counts else "",
        "<div class='plots'>",
        _plot("各类问题数量（全部报告）", [(CATEGORY_NAMES.get(c, c), n) for c, n in by_category.most_common()]),
        _plot("错误最多的部门", [(r.department or r.file, r.errors) for r in ranked if r.errors]),
        _plot("最常见的问题（涉及的报告份数）", [(_rule_label(rule), n) for rule, n in frequent], unit="份报告"),
        "</div>",
    ]
    unreadable = [r for r in rows if r.status != "ok"]
    if unreadable and failed:
        items = "".join(f"<li>{html.escape(r.file)}：{html.escape(r.reason)}</li>" for r in unreadable)
        parts.append(f"<h2>无法审阅的文件（{len(unreadable)}）</h2><ul class='failed'>{items}</ul>")
    return "\n".join(parts)


def _rule_label(rule_id: str) -> str:
    from assistant.checks.registry import all_rules

    names = {r.id: r.description for r in all_rules()}
    return names.get(rule_id, rule_id)


def _plot(title: str, bars: list[tuple[str, int]], unit: str = "处") -> str:
    """A horizontal bar chart as inline SVG (no scripts, prints and opens anywhere)."""
    if not bars:
        return f"<figure><figcaption>{html.escape(title)}</figcaption><p class='empty'>无</p></figure>"
    top = max(n for _, n in bars) or 1
    height = 24 * len(bars) + 8
    rows = []
    for i, (label, n) in enumerate(bars):
        y = 4 + 24 * i
        width = 260 * n / top
        short = label if len(label) <= 18 else label[:17] + "…"
        rows.append(
            f"<text x='228' y='{y + 15}' text-anchor='end'>{html.escape(short)}<title>{html.escape(label)}</title></text>"
            f"<rect x='236' y='{y + 3}' width='{width:.1f}' height='16' rx='2'/>"
            f"<text x='{240 + width:.1f}' y='{y + 15}' class='n'>{n} {unit}</text>"
        )
    return (
        f"<figure><figcaption>{html.escape(title)}</figcaption>"
        f"<svg viewBox='0 0 600 {height}' width='600' height='{height}' role='img' "
        f"aria-label='{html.escape(title)}'>{''.join(rows)}</svg></figure>"
    )


def _counts(r: BatchRow) -> str:
    if r.status != "ok":
        return "<td></td><td></td><td></td>"  # not reviewed: no counts, rather than a clean-looking 0
    return f"<td>{r.errors}</td><td>{r.warnings}</td><td>{r.infos}</td>"


def _links(r: BatchRow) -> str:
    return (f"<a href='{html.escape(r.review_file)}'>打开</a>" if r.review_file else "") + (
        f" · <a href='{html.escape(r.docx_file)}'>Word</a>" if r.docx_file else ""
    )


def summary_table(
    rows: list[BatchRow], opener: Callable[[BatchRow], str] = _links, name: Callable[[str], str] = str
) -> str:
    """The table, worst reports first; each row carries its index in ``rows`` (``data-row``) for the page.

    ``opener`` makes the last cell (links to the review files by default); ``name`` shows a report's file name.
    """
    head = "".join(f"<th>{html.escape(c)}</th>" for c in COLUMNS[:9]) + "<th>审阅结果</th>"
    order = sorted(
        range(len(rows)), key=lambda i: (rows[i].status == "ok", -rows[i].errors, -rows[i].warnings, rows[i].file)
    )
    body = []
    for i in order:
        r = rows[i]
        top = "<br>".join(html.escape(t) for t in r.top) if r.status == "ok" else html.escape(r.reason)
        if r.model_note:  # the critique fell back: the bureau reads the counts as the checks' alone
            top += f"<p class='fell'>{html.escape(r.model_note)}</p>"
        cls = " class='failed'" if r.status != "ok" else ""
        body.append(
            f"<tr{cls} data-row='{i}'><td>{html.escape(name(r.file))}</td><td>{html.escape(r.department or '')}</td>"
            f"<td>{r.year or ''}</td><td>{_status(r)}</td>{_counts(r)}"
            f"<td>{html.escape(_categories(r))}</td><td class='top'>{top}</td><td>{opener(r)}</td></tr>"
        )
    return f"<table id='summary'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:24px;color:#222}
h1{font-size:22px}.lead{font-size:15px}
.plots{display:flex;flex-wrap:wrap;gap:24px}figure{margin:0}figcaption{font-weight:bold;margin-bottom:4px}
svg text{font-size:12px;fill:#333}svg text.n{fill:#555}svg rect{fill:#4a78b0}
table{border-collapse:collapse;width:100%;font-size:13px;margin-top:8px}
th,td{border:1px solid #ccc;padding:4px 6px;vertical-align:top}th{background:#dde6f0;cursor:pointer}
tr.failed td{background:#fbe3e3}.fell{color:#9a6700;margin:4px 0 0}td.top{max-width:520px}.empty{color:#888}
"""

# Click a header to sort by it (numbers as numbers); the page works without it.
_SORT_JS = """
document.querySelectorAll('#summary th').forEach((th,i)=>th.addEventListener('click',()=>{
 const tb=document.querySelector('#summary tbody');const rows=[...tb.rows];const asc=th.dataset.asc!=='1';
 th.dataset.asc=asc?'1':'0';
 rows.sort((a,b)=>{const x=a.cells[i].innerText,y=b.cells[i].innerText;const nx=parseFloat(x),ny=parseFloat(y);
  const c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y,'zh');return asc?c:-c;});
 rows.forEach(r=>tb.appendChild(r));}));
"""
