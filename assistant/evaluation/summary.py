"""The summary table of a run, in Markdown (for the terminal and CI logs) and HTML (for a browser)."""

from __future__ import annotations

import html

from assistant.evaluation.baseline import Comparison
from assistant.evaluation.outputs import CaseResult

STATUS_NAMES = {"pass": "通过", "fail": "未通过", "skipped": "跳过", "stale": "过期", "error": "出错"}
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
    kind = "起草" if r.kind == "draft" else "审阅"
    return (
        r.id,
        f"{kind}（{r.script}）" if r.script else kind,
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
        skipped = [a for a in run.assertions if a.skipped]
        if skipped:
            return f"跳过 {skipped[0].label}：{skipped[0].reason}"[:120]
    return r.description[:60]


def totals(results: list[CaseResult]) -> str:
    """One line: how many cases passed, were skipped, failed as declared; the mean pass rate (skips are not passes)."""
    count = {status: sum(r.status == status for r in results) for status in STATUS_NAMES}
    parts = [f"共 {len(results)} 个用例，通过 {count['pass']} 个"]
    if count["skipped"]:
        parts.append(f"跳过 {count['skipped']} 个（有断言未评分，不算通过）")
    known = sum(bool(r.known_failure) and r.status != "pass" for r in results)
    if known:
        parts.append(f"已知失败 {known} 个")
    return "，".join(parts) + f"；平均通过率 {_mean(results):.1%}。"


def known_failures(results: list[CaseResult]) -> list[tuple[str, str]]:
    """Every case that declares ``known_failure`` and did not pass, with its reason — listed in every summary."""
    return [(r.id, r.known_failure) for r in results if r.known_failure and r.status != "pass"]


def markdown(results: list[CaseResult], cmp: Comparison | None) -> str:
    """Every case with its pass rate, then the changes against the baseline."""

    def cell(s: str) -> str:
        return s.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(cell(c) for c in _row(r, cmp)) + " |" for r in results]
    lines.append("")
    lines.append(totals(results))
    for cid, reason in known_failures(results):
        lines.append(f"- 已知失败：{cid}（{cell(reason)}）")
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
            f"<li><b>{e(a.label)}</b>{'（跳过）' if a.skipped else ''}：{e(a.reason)}</li>"
            for a in (r.runs[-1].assertions if r.runs else [])
            if not a.passed
        ]
        if details:
            rows.append(f'<tr class="detail"><td colspan="{len(HEADER)}"><ul>{"".join(details)}</ul></td></tr>')
    known = "".join(f"<li>已知失败：{e(cid)}（{e(reason)}）</li>" for cid, reason in known_failures(results))
    changes = f"<ul>{known}</ul>" if known else ""
    if cmp is not None:
        items = [f"<li>{e(t)}：{e('；'.join(c.id for c in cs))}</li>" for t, cs in _changes(cmp) if cs]
        changes += f"<ul>{''.join(items)}</ul>" if items else "<p>与基线一致。</p>"
    style = (
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
        "padding:4px 8px;text-align:left}tr.pass td{background:#eefbea}tr.fail td{background:#fdecea}"
        "tr.stale td{background:#fff6dd}tr.error td{background:#f3e5f5}tr.skipped td{background:#eef2f7}"
        "tr.detail td{background:#fff;font-size:90%}"
    )
    return (
        f'<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{e(title)}</title>'
        f"<style>{style}</style></head><body><h1>{e(title)}</h1>"
        f"<p>{e(totals(results))}</p>"
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
        ("未说明原因的失败（须修好，或在用例中用 known_failure 写明原因）", cmp.unexplained),
        ("跳过（有断言未评分，不算通过）", cmp.skipped),
        ("改进", cmp.improvements),
        ("可删去 known_failure（已通过）", cmp.cleared),
        ("新增", cmp.new),
        ("已移除", cmp.removed),
    ]
