"""Assertion families: one small function each, all returning the same ``Verdict(pass, score, reason)``.

A family sees a :class:`Subject` (the case, its output, and the output text in the assertion's scope) and
says whether the expectation holds and why; the reason names what was expected. Negation (``not-``) is
applied once, in :func:`evaluate`, so no family knows about it. The model-graded ``rubric`` is the only
family that needs a model; it lives in the runner's grading step (see :func:`rubric_messages`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.budget.facts import FactSheet
from assistant.checks.registry import run_checks
from assistant.evaluation.cases import Assertion, Case
from assistant.evaluation.outputs import Output
from assistant.prompts import PromptSet
from assistant.text.document import document_from_text
from assistant.text.numbers import find_numbers

UNVERIFIED = "【待核实"
RUBRIC_TEMPLATE = "eval/rubric.j2"


@dataclass(frozen=True)
class Verdict:
    """``{pass, score, reason}``: score in 0–1; the reason says what was expected and what was found."""

    passed: bool
    score: float
    reason: str


@dataclass(frozen=True)
class Subject:
    """What an assertion grades."""

    case: Case
    output: Output
    text: str

    @property
    def facts(self) -> FactSheet | None:
        """The case's facts (None when the case has no data)."""
        return self.case.facts


Family = Callable[[Assertion, Subject], Verdict]


def _values(a: Assertion) -> list[str]:
    return [str(v) for v in a.value] if isinstance(a.value, list) else [str(a.value)]


def _quote(s: str, n: int = 40) -> str:
    s = " ".join(s.split())
    return f"“{s[:n]}{'…' if len(s) > n else ''}”"


def _share(good: int, total: int) -> float:
    return good / total if total else 1.0


def contains(a: Assertion, s: Subject) -> Verdict:
    """Every value occurs in the text."""
    wanted = _values(a)
    missing = [v for v in wanted if v not in s.text]
    if missing:
        return Verdict(
            False, _share(len(wanted) - len(missing), len(wanted)), f"应包含 {'、'.join(map(_quote, missing))}，但没有"
        )
    return Verdict(True, 1.0, f"包含 {'、'.join(map(_quote, wanted))}")


def regex(a: Assertion, s: Subject) -> Verdict:
    """The pattern matches somewhere in the text."""
    pattern = str(a.value)
    m = re.search(pattern, s.text)
    if m is None:
        return Verdict(False, 0.0, f"应匹配正则 /{pattern}/，但没有匹配")
    return Verdict(True, 1.0, f"匹配正则 /{pattern}/：{_quote(m.group())}")


def length(a: Assertion, s: Subject) -> Verdict:
    """The text's length (characters, blanks not counted) is within ``min``–``max``."""
    n = len("".join(s.text.split()))
    low, high = a.min, a.max
    bounds = f"{low if low is not None else 0}–{high if high is not None else '∞'}"
    if (low is not None and n < low) or (high is not None and n > high):
        return Verdict(False, 0.0, f"长度应在 {bounds} 字之间，实际 {n} 字")
    return Verdict(True, 1.0, f"长度 {n} 字，在 {bounds} 之间")


def grounded_numbers(a: Assertion, s: Subject) -> Verdict:
    """Every figure in the text states a fact of the data (years and dates aside; 【待核实】-marked ones are flagged, not silent).

    The figures are read by ``find_numbers`` and matched by ``FactSheet.supporting`` — the reader and the match the
    drafting and review use. With ``value: 部门填报文字``, a figure the department's own text in the data states
    counts as grounded too (the draft sources it to that text).
    """
    sheet = s.facts
    if sheet is None:
        return Verdict(False, 0.0, "grounded-numbers 需要用例提供 data")
    department = "部门填报文字" in _values(a)
    checked, bad = 0, []
    for n in find_numbers(s.text):
        if n.kind in ("year", "date"):
            continue
        if s.text.startswith(UNVERIFIED, n.end):
            continue
        checked += 1
        if sheet.supporting(n, s.text) or (department and sheet.in_department_text(n)):
            continue
        bad.append(n.raw)
    if bad:
        shown = "、".join(map(_quote, bad[:8])) + (f" 等 {len(bad)} 处" if len(bad) > 8 else "")
        return Verdict(False, _share(checked - len(bad), checked), f"每个数字都应能在数据中找到，但 {shown} 没有依据")
    return Verdict(True, 1.0, f"{checked} 个数字都与数据一致")


def covers_facts(a: Assertion, s: Subject) -> Verdict:
    """Each listed fact is stated in the text (any written form or unit, at the precision written)."""
    sheet = s.facts
    if sheet is None:
        return Verdict(False, 0.0, "covers-facts 需要用例提供 data")
    mentions = [n for n in find_numbers(s.text) if n.kind not in ("year", "date")]
    missing = []
    ids = _values(a)
    for fid in ids:
        fact = sheet.get(fid)
        if fact is None:
            missing.append(f"{fid}（数据中没有这个事实）")
            continue
        if any(form in s.text for form in fact.forms()):
            continue
        if any(fact.matches(n.value, n.unit, n.decimals) for n in mentions if n.unit):
            continue
        missing.append(f"{fid}（{fact.label} {fact.written()}）")
    if missing:
        return Verdict(False, _share(len(ids) - len(missing), len(ids)), f"应写出这些事实：{'；'.join(missing)}")
    return Verdict(True, 1.0, f"写出了全部 {len(ids)} 项事实")


def no_vague(a: Assertion, s: Subject) -> Verdict:
    """The wording checks find no vague_wording in the text."""
    if not s.text.strip():
        return Verdict(True, 1.0, "没有文字")
    found = [f for f in run_checks(document_from_text(s.text)) if f.category == "vague_wording"]
    if found:
        shown = "、".join(_quote(f.quote, 20) for f in found[:6])
        return Verdict(False, 0.0, f"不应有空泛表述，但检查发现 {len(found)} 处：{shown}")
    return Verdict(True, 1.0, "检查未发现空泛表述")


def _spans(document: str, quote: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(re.escape(quote), document)]


def _overlapping(a: Assertion, s: Subject) -> tuple[list[tuple[int, int]], list[str]]:
    spans = _spans(s.output.document, str(a.value))
    hits = [
        f"{f.rule}（{f.category}）"
        for f in s.output.findings
        if (a.category is None or f.category == a.category) and any(f.start < e and b < f.end for b, e in spans)
    ]
    return spans, hits


def flags(a: Assertion, s: Subject) -> Verdict:
    """The review has a finding (of ``category``, if given) whose quote overlaps the text ``value``."""
    what = f"类别 {a.category} 的" if a.category else ""
    spans, hits = _overlapping(a, s)
    if not spans:
        return Verdict(False, 0.0, f"报告中找不到 {_quote(str(a.value))}，用例写错了？")
    if hits:
        return Verdict(True, 1.0, f"{_quote(str(a.value))} 被标出：{'、'.join(hits)}")
    near = [f"{f.rule}（{f.category}）" for f in s.output.findings if any(f.start < e and b < f.end for b, e in spans)]
    extra = f"；重叠的其他问题：{'、'.join(near)}" if near else ""
    return Verdict(False, 0.0, f"应对 {_quote(str(a.value))} 报出{what}问题，但没有{extra}")


def no_flag(a: Assertion, s: Subject) -> Verdict:
    """No finding (of ``category``, if given) overlaps the text ``value``: a clean passage stays clean."""
    spans, hits = _overlapping(a, s)
    if not spans:
        return Verdict(False, 0.0, f"报告中找不到 {_quote(str(a.value))}，用例写错了？")
    if hits:
        return Verdict(False, 0.0, f"{_quote(str(a.value))} 不应被标出，但有：{'、'.join(hits)}")
    return Verdict(True, 1.0, f"{_quote(str(a.value))} 没有被标出")


FAMILIES: dict[str, Family] = {
    "contains": contains,
    "regex": regex,
    "length": length,
    "grounded-numbers": grounded_numbers,
    "covers-facts": covers_facts,
    "no-vague": no_vague,
    "flags": flags,
    "no-flag": no_flag,
}


def evaluate(a: Assertion, s: Subject) -> Verdict:
    """Run the assertion's family (looked up now, so a patched family is used) and apply ``not``."""
    verdict = FAMILIES[a.type](a, s)
    return negate(verdict) if a.negate else verdict


def negate(v: Verdict) -> Verdict:
    """The inverted verdict: pass and score flipped, the reason kept and marked."""
    return Verdict(not v.passed, 1.0 - v.score, f"（取反）{v.reason}")


# -- the model-graded rubric ------------------------------------------------------------------


def rubric_messages(prompts: PromptSet, a: Assertion, s: Subject) -> list[dict[str, str]]:
    """The grading prompt for one rubric: the criteria and the output to judge, as data."""
    parts = prompts.blocks(
        RUBRIC_TEMPLATE, rubric=str(a.value), output=s.text, kind=s.case.kind, description=s.case.description
    )
    return [{"role": "system", "content": parts["system"]}, {"role": "user", "content": parts["user"]}]
