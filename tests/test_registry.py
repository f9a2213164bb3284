"""The registry: one finding per problem and place when two rule families see the same problem."""

from __future__ import annotations

import random

from assistant.checks.finding import Finding, Severity
from assistant.checks.registry import Context, _one_per_problem, plain_sentences, run_checks
from assistant.text.document import Document


def finding(
    rule: str, start: int, end: int, severity: Severity = "warning", category: str = "missing_value"
) -> Finding:
    return Finding(
        rule=rule, category=category, severity=severity, message="m", quote="x" * (end - start), start=start, end=end
    )  # type: ignore[arg-type]


def test_two_families_naming_the_same_problem_at_one_place_give_one_finding() -> None:
    found = _one_per_problem(
        [finding("execution.low-rate-no-reason", 10, 20), finding("tables.low-rate-no-reason", 12, 18)]
    )
    assert [f.rule for f in found] == ["execution.low-rate-no-reason"]


def test_the_more_severe_twin_is_kept() -> None:
    found = _one_per_problem(
        [finding("execution.low-rate-no-reason", 10, 20), finding("tables.low-rate-no-reason", 12, 18, "error")]
    )
    assert [(f.rule, f.severity) for f in found] == [("tables.low-rate-no-reason", "error")]


def test_different_problems_or_places_are_all_kept() -> None:
    found = _one_per_problem(
        [
            finding("execution.low-rate-no-reason", 10, 20),
            finding("tables.adjustment-no-reason", 12, 18),
            finding("tables.low-rate-no-reason", 30, 40),
            finding("vague.verdict-actual", 30, 40, category="vague_wording"),
            finding("tables.verdict-actual", 32, 38, category="structure"),
        ]
    )
    assert len(found) == 5


def test_running_the_checks_leaves_the_collector_as_it_found_it() -> None:
    import gc

    from assistant.text.document import document_from_text

    doc = document_from_text("一、基本情况\n全年预算100万元，其中基本支出60万元、项目支出30万元。\n")
    assert gc.isenabled()
    first = run_checks(doc)
    assert gc.isenabled()
    gc.disable()
    try:
        assert run_checks(doc) == first
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert any(f.rule.endswith("breakdown-sum") or f.category == "arithmetic" for f in first)


# Sentence material: closing marks, line breaks, blanks of several kinds (ASCII, ideographic, no-break, form feed,
# line separator) and words, in runs, so blanks meet marks, breaks and the text's ends in every order.
_PIECES = [
    "。",
    "！",
    "？",
    "；",
    "!",
    "?",
    ";",
    "\n",
    "\n\n",
    " ",
    "  ",
    "\u3000",
    "\xa0",
    "\t",
    "\x0c",
    "\u2028",
    "资金",
    "执行率",
    "95%",
    "a",
    "（一）",
    "，",
]


def test_sentences_are_the_plain_cut_and_strip() -> None:
    rng = random.Random(7)
    texts = ["", " ", "。", "\n", "甲。乙", " 甲 。 乙 \n 丙 ", "甲\n\n乙；；丙"]
    texts += ["".join(rng.choice(_PIECES) for _ in range(rng.randrange(1, 40))) for _ in range(3000)]
    for text in texts:
        ctx = Context(doc=Document(path=None, text=text, sections=[], tables=[]))  # the raw text, not normalised
        assert ctx.sentences == plain_sentences(text), repr(text)


def plain_one_per_problem(findings: list[Finding]) -> list[Finding]:
    """The reference: each finding against every kept one of its problem and category still overlapping it."""
    rank = {"info": 0, "warning": 1, "error": 2}
    kept: list[Finding] = []
    for f in findings:
        problem = (f.rule.split(".", 1)[-1], f.category)
        for i, k in enumerate(kept):
            if (k.rule.split(".", 1)[-1], k.category) == problem and k.end > f.start and k.rule != f.rule:
                if rank[f.severity] > rank[k.severity]:
                    kept[i] = f
                break
        else:
            kept.append(f)
    return kept


def test_one_per_problem_is_the_plain_comparison() -> None:
    rng = random.Random(5)
    # rules sharing a problem (x), a problem only one rule names (y, z), and categories that keep them apart
    rules = ["a.x", "b.x", "c.x", "a.y", "b.z"]
    for _ in range(2000):
        found = []
        for _ in range(rng.randrange(0, 14)):
            start = rng.randrange(0, 30)
            sev = rng.choice(["error", "warning", "info"])
            found.append(
                finding(rng.choice(rules), start, start + rng.randrange(0, 6), sev, rng.choice(["typo", "arithmetic"]))
            )  # type: ignore[arg-type]
        found.sort(key=lambda f: f.start)
        assert [id(f) for f in _one_per_problem(found)] == [id(f) for f in plain_one_per_problem(found)]
