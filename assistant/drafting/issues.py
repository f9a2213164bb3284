"""Data inconsistencies as draft findings, placed on the figure they concern in the drafted text.

``check_data`` reports problems by data path (``budget.basic + budget.project``, ``projects[0].executed``). A draft
must not hide them: each becomes a Finding on the first section whose text states the figure (quote = the figure as
filled), or — when no section states it — on the section where it belongs, quoting that section's first sentence.
"""

from __future__ import annotations

import re

from assistant.budget.consistency import DataIssue
from assistant.checks.finding import Category, Finding
from assistant.drafting.result import DraftSection

_CATEGORY: dict[str, Category] = {
    "parts-total": "arithmetic",
    "projects-sum": "arithmetic",
    "balance": "arithmetic",
    "rate-mismatch": "arithmetic",
    "score-recomputed": "arithmetic",
    "weights-total": "arithmetic",
    "level-weights": "arithmetic",
    "score-over-weight": "arithmetic",
    "over-budget": "contradiction",
    "grade-mismatch": "contradiction",
    "adjustment-not-reflected": "contradiction",
    "adjustment-no-reason": "missing_value",
    "low-execution-no-reason": "missing_value",
    "target-no-actual": "missing_value",
    "target-no-unit": "missing_value",
}
# Not carried into a draft: the projects a department lists are usually its key ones only, and its 项目支出 may be
# spending, so comparing the two is no error a drafter can act on (it read as a false 计算错误 in most drafts).
_NOT_IN_DRAFT = {"projects-sum"}
_PATH = re.compile(r"[a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*")
_INDEX = re.compile(r"^([a-z_]+)\[(\d+)\](?:\.(.*))?$")
_BUDGET = {
    "initial_by_source": ["budget.initial.s", "budget.initial_total", "budget.initial_calc"],
    "total": ["budget.total", "budget.total_calc"],
    "execution_rate": ["budget.execution_rate"],
    "low_execution_reason": ["budget.execution_rate", "budget.executed"],
    "carryover": ["budget.carryover", "budget.balance_calc"],
}
_PROJECT = {
    "executed": ["executed", "total_budget", "initial_budget"],
    "adjustment_reason": ["adjust_calc", "total_budget", "initial_budget"],
    "execution_rate": ["execution_rate"],
    "low_execution_reason": ["execution_rate", "executed"],
    "grade": ["self_score", "score_calc"],
    "self_score": ["self_score", "score_calc"],
}


def fact_candidates(where: str) -> tuple[list[str], str]:
    """The fact-id prefixes a data path concerns, best first, and the id of the section it belongs in."""
    out: list[str] = []
    home = "1.3"
    for path in _PATH.findall(where):
        head, _, rest = path.partition(".")
        m = _INDEX.match(path)
        if head == "budget":
            field = rest.split(".")[0].split("[")[0]
            adj = re.match(r"adjustments\[(\d+)\]", rest)
            if adj:
                out.append(f"budget.adj{int(adj.group(1)) + 1}")
            else:
                out += _BUDGET.get(field, [f"budget.{field}"])
        elif path == "projects":
            out += ["projects.", "budget.project"]
        elif m and m.group(1) == "projects":
            pre = f"p{int(m.group(2)) + 1}"
            home = f"table.{pre}"
            tail = m.group(3) or ""
            ind = re.match(r"indicators(?:\[(\d+)\])?", tail)
            if ind:
                out.append(f"{pre}.i{int(ind.group(1)) + 1}." if ind.group(1) else f"{pre}.i")
            else:
                out += [f"{pre}.{f}" for f in _PROJECT.get(tail, [tail])]
        elif m and m.group(1) == "overall_table":
            out.append(f"overall.r{int(m.group(2)) + 1}.")
            home = "table.overall"
        elif head == "overall_table":
            out.append("overall.")
            home = "table.overall"
        elif head == "self_assessment":
            out.append("self.")
            home = "3.2"
    return out, home


def _hits(fid: str, prefix: str) -> bool:
    if prefix.endswith(".") or prefix.endswith(".i") or prefix.endswith(".s"):
        return fid.startswith(prefix)
    return fid == prefix or fid.startswith(prefix + "_") or fid.startswith(prefix + ".")


def _first_sentence(text: str) -> tuple[int, int] | None:
    stripped = text.lstrip()
    if not stripped:
        return None
    start = len(text) - len(stripped)
    m = re.search(r"[。；！？\n]", text[start:])
    end = start + (m.end() if m else min(len(stripped), 60))
    return start, min(end, start + 80)


def _stated(candidates: list[str], sections: list[DraftSection]) -> tuple[DraftSection, int, int] | None:
    """The first span stating one of ``candidates`` (best candidate first) in ``sections``."""
    for prefix in candidates:
        for section in sections:
            span = next((f for f in section.spans if _hits(f.id, prefix)), None)
            if span:
                return section, span.start, span.end
    return None


def place_issues(issues: list[DataIssue], sections: list[DraftSection]) -> tuple[dict[str, list[Finding]], list[str]]:
    """Findings per section id for ``issues``; issues no drafted section can carry come back as notes."""
    placed: dict[str, list[Finding]] = {}
    orphans: list[str] = []
    by_id = {s.id: s for s in sections}
    for issue in issues:
        if issue.code in _NOT_IN_DRAFT:
            continue
        candidates, home = fact_candidates(issue.where)
        ordered = [by_id[home]] if home in by_id else []
        ordered += [s for s in sections if s.id != home]
        # The section the figure belongs in wins over an earlier mention elsewhere.
        spot = _stated(candidates, ordered[:1] if home in by_id else []) or _stated(candidates, ordered)
        if spot is None:
            for section in ordered:
                sentence = _first_sentence(section.text)
                if sentence:
                    spot = (section, *sentence)
                    break
        if spot is None:
            orphans.append(f"数据问题（{issue.where}）：{issue.message}")
            continue
        section, start, end = spot
        category = _CATEGORY.get(issue.code, "contradiction")
        verb = "补充" if category == "missing_value" else "核对"
        placed.setdefault(section.id, []).append(
            Finding(
                rule=f"data-{issue.code}",
                category=category,
                severity=issue.severity,
                message=issue.message,
                suggestion=f"请{verb}数据文件中 {issue.where} 处的内容，改正后重新生成",
                quote=section.text[start:end],
                start=start,
                end=end,
                section=section.title,
                source="check",
            )
        )
    return placed, orphans
