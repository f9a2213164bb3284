"""The rule registry: small rules over one shared, precomputed view of the document."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.budget.scoring import ScoringRules
from assistant.checks.finding import SEVERITY_RANK, Category, Finding, Severity, checked_finding, sort_findings
from assistant.checks.spans import in_spans, merge_spans
from assistant.collector import collection_paused
from assistant.errors import DataValidationError
from assistant.text.document import Document
from assistant.text.numbers import NumberMention, find_numbers
from assistant.text.places import Places

if TYPE_CHECKING:
    # Only named in annotations: a review without data never loads the data's models.
    from assistant.budget.facts import FactSheet

RuleFn = Callable[["Context"], Iterable[Finding]]
T = TypeVar("T")


@dataclass(frozen=True)
class Rule:
    """A registered rule and what a reviewer needs to know of it (``assistant rules ID`` prints this).

    ``example`` is text the rule flags and ``counter_example`` similar text it must leave alone; both are
    checked by the rule family's tests.
    """

    id: str
    description: str
    fn: RuleFn
    category: Category
    severity: Severity
    example: str = ""
    counter_example: str = ""


_RULES: dict[str, Rule] = {}


def rule(
    rule_id: str,
    description: str,
    *,
    category: Category,
    severity: Severity,
    example: str = "",
    counter_example: str = "",
) -> Callable[[RuleFn], RuleFn]:
    """Register a rule function under ``rule_id`` with its one-line summary, default severity and examples."""

    def wrap(fn: RuleFn) -> RuleFn:
        _RULES[rule_id] = Rule(rule_id, description, fn, category, severity, example, counter_example)
        return fn

    return wrap


def all_rules() -> list[Rule]:
    """Every registered rule (importing the rule families registers them)."""
    _import_families()
    return list(_RULES.values())


def _import_families() -> None:
    import importlib

    for name in (
        "wording",
        "arithmetic",
        "claims",
        "execution",
        "dates",
        "duplicates",
        "items",
        "tables",
        "grounding",
        "entities",
        "structure",
        "goals",
        "phrases",
        "previous",
    ):
        importlib.import_module(f"assistant.checks.{name}")


class CheckConfig(BaseModel):
    """What a reviewer can set in a config file: rules to silence, severities to change, the reporting year."""

    model_config = ConfigDict(extra="forbid")

    year: int | None = Field(None, description="报告年度；不写则从报告中推断")
    disable: list[str] = Field(default_factory=list, description="不运行的规则编号")
    severity: dict[str, Severity] = Field(default_factory=dict, description="改变某条规则的严重程度")
    packs: list[str] = Field(default_factory=list, description="额外的 YAML 规则包路径")
    scoring: ScoringRules = Field(default_factory=ScoringRules, description="评分规则：等级分数线、执行率门槛等")


def load_config(path: str | Path) -> CheckConfig:
    """Read a review config YAML (``disable``, ``severity``, ``year``, ``packs``)."""
    from assistant.budget.yamlfile import read_yaml
    from assistant.validation import describe_errors

    p = Path(path)
    raw, locate = read_yaml(p)  # InputError naming the file and line; bounded like a data file
    try:
        return CheckConfig.model_validate(raw or {})
    except ValidationError as exc:
        raise DataValidationError(str(p), describe_errors(exc, locate)) from None


_TITLE_YEAR = re.compile(r"((?:19|20)\d{2})\s*年度?[^。\n]{0,30}(?:绩效|自评|报告)")
_SENTENCE_END = re.compile(r"[。！？；!?;\n]")
# A sentence as ``plain_sentences`` cuts it, stripped: from its first non-blank character to its last, then any
# blanks and its closing mark when a mark (not a line break) closes it; or a closing mark alone. ``\s`` is
# ``str.isspace`` for str patterns; a line break is a blank, so it is never inside a match.
_SENTENCE = re.compile(
    r"[^\s。！？；!?;](?:[^。！？；!?;\n]*[^\s。！？；!?;])?(?:[^\S\n]*[。！？；!?;])?|[。！？；!?;]"
)
_IGNORE = re.compile(r"<!--\s*assistant-ignore:?\s*([\w\-., ]*)-->|【审阅忽略[:：]?\s*([\w\-., ]*)】")


@dataclass
class Context:
    """The document as every rule sees it: text, numbers, sentences, section lookup and optional facts."""

    doc: Document
    facts: FactSheet | None = None
    config: CheckConfig = field(default_factory=CheckConfig)
    previous: Document | None = None  # last year's report, for the year-on-year rules
    _memo: dict[str, object] = field(default_factory=dict, repr=False)

    @property
    def text(self) -> str:
        """The normalised document text."""
        return self.doc.text

    @cached_property
    def numbers(self) -> list[NumberMention]:
        """Every numeric mention in the text, in order."""
        return find_numbers(self.doc.text)

    @cached_property
    def sentences(self) -> list[tuple[int, int]]:
        """Spans of sentences (ending at 。！？；or a line break), stripped of surrounding blanks."""
        # One regex match per sentence: the spans ``plain_sentences`` cuts and strips (tested against it).
        return [m.span() for m in _SENTENCE.finditer(self.doc.text)]

    @cached_property
    def year(self) -> int | None:
        """The reporting year: from config, data, or the most frequent year in the report's first lines."""
        if self.config.year:
            return self.config.year
        if self.facts is not None:
            return self.facts.data.year
        # A title such as "某局2023年度部门整体支出绩效自评报告" names the year outright.
        head = self.doc.text[:200]
        title = _TITLE_YEAR.search(head)
        if title:
            return int(title.group(1))
        counts: dict[int, int] = {}
        for n in self.numbers:
            if n.kind in ("year", "date") and 1990 <= int(n.value) <= 2100:
                counts[int(n.value)] = counts.get(int(n.value), 0) + 1
        # Ties go to the earlier year: reports mention next year's plans, rarely last year's as often as their own.
        return max(counts, key=lambda y: (counts[y], -y)) if counts else None

    def memo(self, key: str, compute: Callable[[Context], T]) -> T:
        """A value several rules share (e.g. the amount index), computed once per review."""
        if key not in self._memo:
            self._memo[key] = compute(self)
        return self._memo[key]  # type: ignore[return-value]

    @cached_property
    def _sentence_starts(self) -> list[int]:
        return [s for s, _ in self.sentences]

    @cached_property
    def _number_starts(self) -> list[int]:
        return [n.start for n in self.numbers]

    @cached_property
    def _paragraphs(self) -> list[tuple[int, int]]:
        return self.doc.paragraphs()

    @cached_property
    def _paragraph_starts(self) -> list[int]:
        return [s for s, _ in self._paragraphs]

    def paragraph_at(self, offset: int) -> tuple[int, int]:
        """The span of the paragraph containing ``offset`` (or an empty span at it)."""
        i = bisect.bisect_right(self._paragraph_starts, offset) - 1
        if i >= 0 and self._paragraphs[i][0] <= offset < self._paragraphs[i][1]:
            return self._paragraphs[i]
        return (offset, offset)

    def sentence_at(self, offset: int) -> tuple[int, int]:
        """The span of the sentence containing ``offset``."""

        spans = self.sentences
        i = bisect.bisect_right(self._sentence_starts, offset) - 1
        if i >= 0 and spans[i][0] <= offset <= spans[i][1]:
            return spans[i]
        return (offset, offset)

    @cached_property
    def _table_spans(self) -> tuple[list[int], list[int]]:
        """The union of the tables' spans as sorted, disjoint runs: (starts, ends)."""
        return merge_spans([(t.start, t.end) for t in self.doc.tables])

    def in_table(self, offset: int) -> bool:
        """Whether ``offset`` is inside a table, any of them (``t.start <= offset < t.end``), in O(log n)."""
        return in_spans(self._table_spans, offset)

    def numbers_in(self, start: int, end: int) -> list[NumberMention]:
        """Numeric mentions inside a span."""

        nums = self.numbers
        i = bisect.bisect_left(self._number_starts, start)
        out = []
        while i < len(nums) and nums[i].start < end:
            if nums[i].end <= end:
                out.append(nums[i])
            i += 1
        return out

    def finding(
        self,
        rule_id: str,
        category: Category,
        severity: Severity,
        start: int,
        end: int,
        message: str,
        suggestion: str = "",
        fix: str | None = None,
    ) -> Finding:
        """A Finding at ``text[start:end]``, with its quote and section filled in (``fix``: a certain replacement)."""
        return checked_finding(
            rule_id,
            category,
            self.config.severity.get(rule_id, severity),
            message,
            suggestion,
            self.doc.text[start:end],
            start,
            end,
            self._places.name(start),
            fix,
        )

    def place(self, offset: int) -> str | None:
        """Where an offset sits, as a reader names it: the section, and the table row and column when in a table."""
        return self._places.name(offset)

    @cached_property
    def _places(self) -> Places:
        return self.doc.places()


def plain_sentences(text: str) -> list[tuple[int, int]]:
    """``Context.sentences`` the plain way: cut at each closing mark or line break, then strip blanks."""
    out: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.end() if m.group() != "\n" else m.start()
        _append_span(out, text, start, end)
        start = m.end()
    _append_span(out, text, start, len(text))
    return out


def _append_span(out: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append((start, end))


def run_checks(
    doc: Document,
    facts: FactSheet | None = None,
    config: CheckConfig | None = None,
    *,
    previous: Document | None = None,
    context: Context | None = None,
) -> list[Finding]:
    """Run every enabled rule over ``doc`` (and last year's report, when given); unsilenced findings in order.

    ``context``: a context built by the caller for ``doc`` (to read what the checks saw, e.g. for coverage).
    """
    ctx = context or Context(doc=doc, facts=facts, config=config or CheckConfig(), previous=previous)
    findings: list[Finding] = []
    disabled = set(ctx.config.disable)
    # The figures, indexes and findings made here live until the review ends (see assistant.collector).
    with collection_paused():
        for r in all_rules():
            if r.id in disabled:
                continue
            if disabled:
                findings.extend(f for f in r.fn(ctx) if f.rule not in disabled)
            else:
                findings.extend(r.fn(ctx))
        return _one_per_problem(sort_findings(_drop_silenced(findings, doc)))


def _problem(rule_id: str) -> str:
    """The problem a rule names, whatever family finds it: ``tables.low-rate-no-reason`` → ``low-rate-no-reason``."""
    return rule_id.split(".", 1)[-1]


def _one_per_problem(findings: list[Finding]) -> list[Finding]:
    """One finding per problem and place: two families that see the same problem (a form's rate and the prose
    ledger both finding a low rate without a reason) name it with the same rule name and overlapping spans; the
    more severe (then the first) is kept. ``findings`` are in ``sort_findings`` order (by start).
    """
    # Only a problem two rules name can be found twice: every finding of the other rules is kept as it comes.
    keys: dict[tuple[str, str], tuple[str, str]] = {}  # (rule, category) -> (problem, category), worked out once
    rules_of: dict[tuple[str, str], int] = {}
    for rule_id, category in {(f.rule, f.category) for f in findings}:
        problem = keys[(rule_id, category)] = (_problem(rule_id), category)
        rules_of[problem] = rules_of.get(problem, 0) + 1
    shared = {pair for pair, problem in keys.items() if rules_of[problem] > 1}
    if not shared:
        return list(findings)
    kept: list[Finding] = []
    # Per problem and category, the kept findings whose span may still overlap later ones, in the order they were
    # kept, each with its index in ``kept``. Starts only grow, so a span that ended is dropped when next looked at.
    open_: dict[tuple[str, str], list[tuple[Finding, int]]] = {}
    rank = SEVERITY_RANK
    for f in findings:
        rule = f.rule
        pair = (rule, f.category)
        if pair not in shared:
            kept.append(f)
            continue
        key = keys[pair]
        same = open_.get(key)
        if same is None:
            same = open_[key] = []
        elif same:
            start = f.start
            for k, _ in same:
                if k.end <= start:  # something ended: keep only what still overlaps (rebuilt only then)
                    same[:] = [(k, i) for k, i in same if k.end > start]
                    break
        for j, (k, i) in enumerate(same):
            if k.rule != rule:  # the same problem found by another family: keep the more severe, then the first
                if rank[f.severity] > rank[k.severity]:
                    kept[i] = f
                    same[j] = (f, i)
                break
        else:
            same.append((f, len(kept)))
            kept.append(f)
    return kept


def _drop_silenced(findings: list[Finding], doc: Document) -> list[Finding]:
    """Honour in-place markers: ``<!-- assistant-ignore: rule-id -->`` silences that rule in its paragraph and the next."""
    markers = list(_IGNORE.finditer(doc.text))
    if not markers:
        return findings
    paragraphs = doc.paragraphs()
    starts = [s for s, _ in paragraphs]
    silenced: list[tuple[int, int, set[str]]] = []
    for m in markers:
        ids = {s.strip() for s in (m.group(1) or m.group(2) or "").split(",") if s.strip()}
        idx = bisect.bisect_right(starts, m.start()) - 1  # paragraphs are in order and don't overlap
        if idx < 0 or not m.start() < paragraphs[idx][1]:
            continue
        last = min(idx + 1, len(paragraphs) - 1)
        silenced.append((paragraphs[idx][0], paragraphs[last][1], ids))
    # Each span is a paragraph and the next: sorted by start, their ends are sorted too, so the spans holding an
    # offset are one run of the list, found by two bisects.
    silenced.sort(key=lambda span: span[:2])
    lows, highs = [s for s, _, _ in silenced], [e for _, e, _ in silenced]

    def keep(f: Finding) -> bool:
        spans = silenced[bisect.bisect_right(highs, f.start) : bisect.bisect_right(lows, f.start)]
        return not any(not ids or f.rule in ids for _, _, ids in spans)

    return [f for f in findings if keep(f)]
