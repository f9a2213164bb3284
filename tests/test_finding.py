"""A finding built by the checks' fast path is the very Finding that validation builds from the same values."""

from __future__ import annotations

import random

import pytest
from pydantic import ValidationError

from assistant.checks.finding import Finding, checked_finding, sort_findings

FIELDS = ("rule", "category", "severity", "message", "suggestion", "quote", "start", "end", "section", "fix")


def validated(values: tuple[object, ...]) -> Finding:
    return Finding.model_validate(dict(zip(FIELDS, values, strict=True)))


def random_values(rng: random.Random) -> tuple[object, ...]:
    words = ["", "资金", "“到位”", "第 3 行", "a\nb", "完成率95%"]
    start = rng.randint(0, 10_000)
    return (
        rng.choice(["vague.evaluative-claim", "duplicates.copied-passage", "x.y"]),
        rng.choice(["vague_wording", "duplicate_text", "typo", "arithmetic"]),
        rng.choice(["error", "warning", "info"]),
        rng.choice(words) + "消息",
        rng.choice(words),
        rng.choice(words),
        start,
        start + rng.randint(0, 50),
        rng.choice([None, *words]),
        rng.choice([None, *words]),
    )


@pytest.mark.parametrize("seed", range(20))
def test_fast_finding_equals_the_validated_one(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(50):
        values = random_values(rng)
        fast, plain = checked_finding(*values), validated(values)  # type: ignore[arg-type]
        assert fast == plain
        assert fast.model_dump_json() == plain.model_dump_json()
        assert fast.model_fields_set == plain.model_fields_set
        assert list(fast.__dict__) == list(plain.__dict__)
        assert hash(fast) == hash(plain)
        assert fast.model_copy(update={"severity": "info"}) == plain.model_copy(update={"severity": "info"})


def test_a_value_of_another_type_goes_through_validation() -> None:
    # a bool offset and a float are what validation converts (or refuses); the fast path must not keep them as given
    f = checked_finding("x.y", "typo", "warning", "m", "", "q", True, 2.0, None, None)  # type: ignore[arg-type]
    assert type(f.start) is int and type(f.end) is int
    with pytest.raises(ValidationError):
        checked_finding("x.y", "typo", "urgent", "m", "", "q", 1, 2, None, None)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        checked_finding("x.y", "no_such_category", "info", "m", "", "q", 1, 2, None, None)  # type: ignore[arg-type]


def test_a_fast_finding_is_frozen_like_a_validated_one() -> None:
    f = checked_finding("x.y", "typo", "warning", "m", "", "q", 1, 2, None, None)
    with pytest.raises(ValidationError):
        f.start = 3  # type: ignore[misc]


def plain_sort(findings: list[Finding]) -> list[Finding]:
    """The reference order: a stable sort by (start, most severe first, end, rule), the first of each duplicate."""
    rank = {"info": 0, "warning": 1, "error": 2}
    seen: set[tuple[str, int, int]] = set()
    out = []
    for f in sorted(findings, key=lambda f: (f.start, -rank[f.severity], f.end, f.rule)):
        if (f.rule, f.start, f.end) not in seen:
            seen.add((f.rule, f.start, f.end))
            out.append(f)
    return out


@pytest.mark.parametrize("seed", range(10))
def test_sorted_findings_are_the_plain_stable_sort(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(40):
        # few rules and offsets, so ties and duplicates (same rule and span, another message or severity) abound
        findings = [
            Finding(
                rule=rng.choice(["a.x", "b.x", "a.y"]),
                category="typo",
                severity=rng.choice(["error", "warning", "info"]),
                message=f"m{k}",
                quote="q",
                start=(start := rng.randint(0, 6)),
                end=start + rng.randint(0, 3),
            )
            for k in range(rng.randint(0, 30))
        ]
        got, want = sort_findings(findings), plain_sort(findings)
        assert [id(f) for f in got] == [id(f) for f in want]
