"""Finding: one problem at an exact place in the normalised text."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

Category = Literal[
    "ungrounded_number",
    "arithmetic",
    "contradiction",
    "vague_wording",
    "placeholder",
    "typo",
    "stale_date",
    "duplicate_text",
    "missing_value",
    "structure",
]
Severity = Literal["error", "warning", "info"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}
_NEGATED_RANK: dict[str, int] = {k: -v for k, v in SEVERITY_RANK.items()}
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")

CATEGORY_NAMES: dict[str, str] = {
    "ungrounded_number": "无据数字",
    "arithmetic": "计算错误",
    "contradiction": "前后矛盾",
    "vague_wording": "表述空泛",
    "placeholder": "未填占位符",
    "typo": "错别字/用词",
    "stale_date": "年份错误",
    "duplicate_text": "重复内容",
    "missing_value": "缺少数值",
    "structure": "结构问题",
}
SEVERITY_NAMES: dict[str, str] = {"error": "错误", "warning": "警告", "info": "提示"}


class Elsewhere(BaseModel):
    """The passage of another document a finding compares with (last year's report), with its offsets there."""

    model_config = ConfigDict(frozen=True)

    path: str | None
    quote: str
    start: int
    end: int


class Finding(BaseModel):
    """A problem: which rule, how bad, why, how to fix it, and exactly where (``text[start:end] == quote``)."""

    model_config = ConfigDict(frozen=True)

    rule: str
    category: Category
    severity: Severity
    message: str
    suggestion: str = ""
    quote: str
    start: int
    end: int
    section: str | None = None
    source: Literal["check", "model"] = "check"
    # The replacement for ``quote`` when it is certain (a set phrase's typo, a total its stated parts give, a figure
    # the data gives): the reviewed .docx carries it as a tracked change. None: a person must decide.
    fix: str | None = None
    elsewhere: Elsewhere | None = None

    def at_least(self, level: str) -> bool:
        """True when this finding is at or above severity ``level``."""
        return SEVERITY_RANK[self.severity] >= SEVERITY_RANK[level]


_CATEGORIES = frozenset(get_args(Category))
_SEVERITIES = frozenset(SEVERITIES)
_GIVEN = frozenset(("rule", "category", "severity", "message", "suggestion", "quote", "start", "end", "section", "fix"))
# BaseModel's slot setters, bound once: a frozen model refuses ``setattr``, and these skip the name look-up that
# ``object.__setattr__(f, "__dict__", …)`` makes each time.
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__
_new = Finding.__new__


def checked_finding(
    rule: str,
    category: Category,
    severity: Severity,
    message: str,
    suggestion: str,
    quote: str,
    start: int,
    end: int,
    section: str | None,
    fix: str | None,
) -> Finding:
    """``Finding(rule=…, …, fix=…)`` for values a check computed, without validating them again when each
    already is what validation would give (plain ``str``/``int``, a known category and severity)."""
    if (
        type(rule) is type(category) is type(severity) is type(message) is type(suggestion) is type(quote) is str
        and category in _CATEGORIES
        and severity in _SEVERITIES
        and type(start) is type(end) is int
        and (section is None or type(section) is str)
        and (fix is None or type(fix) is str)
    ):
        # what pydantic's validation stores for these inputs: the same values, the same fields marked as set
        f = _new(Finding)
        _set_dict(
            f,
            {
                "rule": rule,
                "category": category,
                "severity": severity,
                "message": message,
                "suggestion": suggestion,
                "quote": quote,
                "start": start,
                "end": end,
                "section": section,
                "source": "check",
                "fix": fix,
                "elsewhere": None,
            },
        )
        _set_fields_set(f, set(_GIVEN))
        _set_extra(f, None)
        _set_private(f, None)
        return f
    return Finding(
        rule=rule,
        category=category,
        severity=severity,
        message=message,
        suggestion=suggestion,
        quote=quote,
        start=start,
        end=end,
        section=section,
        fix=fix,
    )


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Document order, then most severe first, without duplicates (same rule, same span)."""
    # Sorted on plain tuples built in one comprehension (no key function called per finding); the position breaks
    # ties as a stable sort does, so the first of two duplicates is kept.
    neg = _NEGATED_RANK
    order = sorted([(f.start, neg[f.severity], f.end, f.rule, i) for i, f in enumerate(findings)])
    seen: set[tuple[str, int, int]] = set()
    out = []
    for start, _, end, rule, i in order:
        key = (rule, start, end)
        if key not in seen:
            seen.add(key)
            out.append(findings[i])
    return out


def severity_counts(findings: Iterable[Finding]) -> dict[str, int]:
    """How many findings of each severity, most severe first (zeros included)."""
    counts: dict[str, int] = dict.fromkeys(SEVERITIES, 0)
    for f in findings:
        counts[f.severity] += 1
    return counts
