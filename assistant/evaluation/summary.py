"""The summary table of a run, in Markdown (for the terminal and CI logs) and HTML (for a browser)."""

from __future__ import annotations

import html

from assistant.evaluation.baseline import Comparison
from assistant.evaluation.outputs import CaseResult

STATUS_NAMES = {"pass": "通过", "fail": "未通过", "stale": "过期", "error": "出错"}
HEADER = ("用例", "类型", "状态", "通过率", "断言", "对比基线", "耗时", "tokens", "说明")


def _row(r: CaseResult, cmp: Comparison | None) -> tuple[str, ...]:
    last = r.runs[-1] if r.runs else None
    held = sum(a.passed for a in last.assertions) if last else 0
    total = len(last.assertions) if last else 0
    skipped = sum(a.skipped for a in last.assertions) if last else 0
    passes = sum(run.status == "pass" for run in r.runs)
    rate = f"{r.pass_rate:.0%}（{passes}/{len(r.runs)}）"
    asserted = f"{held}/{total}" + (f"（跳过 {skipped}）" if skipped else "")
    tokens = f"{r.tokens_in}+{r.tokens_out}" if r.tokens_in or r.tokens_out else "—"
    return (
        r.id,
        "起草" if r.kind == "draft" else "审阅",
        STATUS_NAMES[r.status],
        rate,
        asserted,
        cmp.of(r.id) if cmp else "—",
        f"{r.latency_ms} ms",
        tokens,
        _note(r),
    )


def _note(r: CaseResult) -> str:
    if r.status == "stale":
        return "提示词已变：" + "、".join(r.stale_templates)
    for run in r.runs:
        if run.output.error and run.status == "error":
            return run.output.error.splitlines()[0][:80]
        failing = [a for a in run.assertions if not a.passed and not a.skipped]
        if failing:
            return f"{failing[0].label}：{failing[0].reason}"[:120]
    return r.description[:60]


def markdown(results: list[CaseResult], cmp: Comparison | None) -> str:
    """Every case with its pass rate, then the changes against the baseline."""

    def cell(s: str) -> str:
        return s.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(cell(c) for c in _row(r, cmp)) + " |" for r in results]
    passed = sum(r.status == "pass" for r in results)
    lines.append("")
    lines.append(f"共 {len(results)} 个用例，通过 {passed} 个；平均通过率 {_mean(results):.1%}。")
    if cmp is not None:
        for title, items in _changes(cmp):
            if items:
                lines.append(
                    f"- {title}：" + "；".join(f"{c.id}" + (f"（{c.detail}）" if c.detail else "") for c in items)
                )
    return "\n".join(lines)


def html_page(results: list[CaseResult], cmp: Comparison | None, title: str = "assistant eval") -> str:
    """A self-contained HTML page with the same table, failing assertions listed under each case."""
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in HEADER)
    rows = []
    for r in results:
        cells = "".join(f"<td>{e(c)}</td>" for c in _row(r, cmp))
        rows.append(f'<tr class="{e(r.status)}">{cells}</tr>')
        details = [
            f"<li><b>{e(a.label)}</b>：{e(a.reason)}</li>"
            for a in (r.runs[-1].assertions if r.runs else [])
            if not a.passed and not a.skipped
        ]
        if details:
            rows.append(f'<tr class="detail"><td colspan="{len(HEADER)}"><ul>{"".join(details)}</ul></td></tr>')
    changes = ""
    if cmp is not None:
        items = [f"<li>{e(t)}：{e('；'.join(c.id for c in cs))}</li>" for t, cs in _changes(cmp) if cs]
        changes = f"<ul>{''.join(items)}</ul>" if items else "<p>与基线一致。</p>"
    style = (
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
        "padding:4px 8px;text-align:left}tr.pass td{background:#eefbea}tr.fail td{background:#fdecea}"
        "tr.stale td{background:#fff6dd}tr.error td{background:#f3e5f5}tr.detail td{background:#fff;font-size:90%}"
    )
    passed = sum(r.status == "pass" for r in results)
    return (
        f'<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{e(title)}</title>'
        f"<style>{style}</style></head><body><h1>{e(title)}</h1>"
        f"<p>共 {len(results)} 个用例，通过 {passed} 个；平均通过率 {_mean(results):.1%}。</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{changes}</body></html>\n"
    )


def _mean(results: list[CaseResult]) -> float:
    return sum(r.pass_rate for r in results) / len(results) if results else 0.0


def _changes(cmp: Comparison) -> list[tuple[str, list]]:
    return [
        ("回归", cmp.regressions),
        ("过期（提示词已变，需 --record 刷新）", cmp.stale),
        ("出错", cmp.errors),
        ("低于阈值", cmp.below_threshold),
        ("改进", cmp.improvements),
        ("新增", cmp.new),
        ("已移除", cmp.removed),
        ("已知失败（基线中即未通过）", cmp.known_failures),
    ]
