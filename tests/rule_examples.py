"""Shared by the rule-family tests: every rule's own example must fire and its counter-example must not."""

from __future__ import annotations

from assistant.checks.finding import Finding
from assistant.checks.registry import CheckConfig, Context, Rule, all_rules, run_checks
from assistant.text.document import document_from_text


def rules_of_family(*prefixes: str) -> list[Rule]:
    """The registered rules whose id starts with one of ``prefixes``."""
    return [r for r in all_rules() if r.id.startswith(prefixes)]


def findings(text: str, rule_id: str | None = None) -> list[Finding]:
    """The review's findings on ``text``; with ``rule_id``, what that rule finds on its own."""
    if rule_id is not None:
        return rule_findings(text, rule_id)
    return run_checks(document_from_text(text))


def rule_findings(text: str, rule_id: str, config: CheckConfig | None = None) -> list[Finding]:
    """What one rule finds on ``text`` by itself, before the review keeps one finding per problem and place."""
    (r,) = [r for r in all_rules() if r.id == rule_id]
    ctx = Context(doc=document_from_text(text), config=config or CheckConfig())
    return [f for f in r.fn(ctx) if f.rule == rule_id]


def assert_example_and_counter_example(r: Rule) -> None:
    """The rule flags its example (with the quote inside the example) and leaves its counter-example alone."""
    assert r.example and r.counter_example, f"{r.id} has no example or counter-example"
    hits = findings(r.example, r.id)
    assert hits, f"{r.id} does not flag its own example {r.example!r}"
    assert all(f.quote and f.quote in document_from_text(r.example).text for f in hits)
    assert findings(r.counter_example, r.id) == [], f"{r.id} flags its counter-example {r.counter_example!r}"
