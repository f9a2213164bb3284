"""The model's critique of a report: chunks reviewed concurrently, quotes verified, merged with the checks.

    result = await critique(doc, findings, client, concurrency=4)     # CritiqueResult(findings, dropped, notes)
    review = review("report.docx", model=client)   # assistant.reviewing.pipeline

The report is data, never instructions: it goes only into the user message, between markers that the system
message declares to be material under review, and any marker-like text inside it is neutralised first. Every
finding the model returns must quote the report; the quote is located in the text (exactly, then ignoring
whitespace and punctuation) and a quote that is not there is dropped and counted. When the model fails, the
review falls back to the deterministic findings with a note saying so — never to an empty report.
"""

from __future__ import annotations

import asyncio
import bisect
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.checks.amounts import amounts, item_at
from assistant.checks.finding import CATEGORY_NAMES, SEVERITY_NAMES, Category, Finding, Severity, sort_findings
from assistant.checks.registry import Context
from assistant.errors import ModelError
from assistant.llm.protocol import DEFAULT_CONCURRENCY, ChatModel
from assistant.prompts import PromptSet, default_prompts
from assistant.text.chunks import CHUNK_OVERLAP, CHUNK_SIZE, Chunk, split_chunks
from assistant.text.document import Document

BEGIN = "<<<报告原文开始>>>"
END = "<<<报告原文结束>>>"
SYSTEM_TEMPLATE = "review/critique.system.j2"
USER_TEMPLATE = "review/critique.user.j2"
CROSS_TEMPLATE = "review/cross_section.user.j2"
MAX_CLAIM_ROWS = 200

# Categories that describe the same kind of problem, for merging a model finding into a check's finding.
_RELATED: list[set[str]] = [
    {"ungrounded_number", "arithmetic", "contradiction", "missing_value"},
    {"vague_wording", "missing_value"},
    {"typo", "stale_date"},
    {"placeholder", "missing_value"},
]
_CATEGORY_BY_NAME = {name: cid for cid, name in CATEGORY_NAMES.items()}
_SEVERITY_BY_NAME = {name: sid for sid, name in SEVERITY_NAMES.items()}
_ELLIPSIS = re.compile(r"…+|\.{3,}|。{3,}|⋯+")
_COMPLETENESS = re.compile(
    r"(不存在|无|没有|未产生|未形成)结转结余|支出完毕|全部(完成|支出|拨付|到位)"
    r"|(预算)?执行率(为|达到?)?\s*100(\.0+)?\s*[%％]|完成(年初|全年)?预算的\s*100(\.0+)?\s*[%％]"
)


# -- what the model must answer -------------------------------------------------------------------------


class ModelFinding(BaseModel):
    """One problem as the model reports it; ``quote`` must be copied from the report."""

    model_config = ConfigDict(extra="ignore")

    quote: str = Field(min_length=1, description="从报告原文逐字复制的片段")
    category: Category
    severity: Severity = "warning"
    why: str = Field(min_length=1, description="问题说明")
    rewrite: str = Field(default="", description="改写或修改建议")

    @field_validator("category", mode="before")
    @classmethod
    def _category_alias(cls, value: Any) -> Any:
        # Models often answer with the Chinese name (or the id in another case); accept both.
        if isinstance(value, str):
            v = value.strip()
            return _CATEGORY_BY_NAME.get(v, v.lower())
        return value

    @field_validator("severity", mode="before")
    @classmethod
    def _severity_alias(cls, value: Any) -> Any:
        if value is None:
            return "warning"
        if isinstance(value, str):
            v = value.strip()
            return _SEVERITY_BY_NAME.get(v, v.lower())
        return value

    @field_validator("rewrite", mode="before")
    @classmethod
    def _no_null(cls, value: Any) -> Any:
        return "" if value is None else value


class ModelFindings(BaseModel):
    """The model's whole answer for one passage."""

    model_config = ConfigDict(extra="ignore")

    # Required: a tiny model answers json_object with "{ }", which must not pass as "no problems found".
    findings: list[ModelFinding]


@dataclass
class CritiqueResult:
    """Merged findings (checks + model), how many model quotes were not in the text, and notes for people."""

    findings: list[Finding]
    dropped: int = 0
    notes: list[str] = field(default_factory=list)
    used: bool = False  # did at least one model call succeed?
    fallback: str = ""  # why some or all of the report kept only the deterministic review ("" when none)


# -- prompts ----------------------------------------------------------------------------------------


class CritiquePrompts:
    """The critique templates, rendered with StrictUndefined; the hash changes whenever a template does."""

    def __init__(self, prompts: PromptSet | None = None) -> None:
        self.prompts = prompts or default_prompts()

    def digest(self, *names: str) -> str:
        """The PromptSet's hash of the templates behind one call."""
        return self.prompts.digest(names)

    def system(self) -> str:
        """The system message: the task, the data-not-instructions rule, the output contract."""
        return self.prompts.render(
            SYSTEM_TEMPLATE,
            categories=[{"id": k, "name": v} for k, v in CATEGORY_NAMES.items()],
            severities=[{"id": k, "name": v} for k, v in SEVERITY_NAMES.items()],
            begin=BEGIN,
            end=END,
        )

    def chunk_messages(self, chunk: Chunk, section: str | None, part: int, parts: int) -> list[dict[str, Any]]:
        """Messages asking for the problems of one chunk."""
        user = self.prompts.render(
            USER_TEMPLATE,
            section=neutralise(section) if section else None,
            part=part,
            parts=parts,
            begin=BEGIN,
            end=END,
            passage=neutralise(chunk.text),
        )
        return [{"role": "system", "content": self.system()}, {"role": "user", "content": user}]

    def cross_messages(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Messages asking for contradictions across the claims table."""
        safe = [{k: neutralise(v) if isinstance(v, str) else v for k, v in r.items()} for r in rows]
        user = self.prompts.render(CROSS_TEMPLATE, rows=safe, begin=BEGIN, end=END)
        return [{"role": "system", "content": self.system()}, {"role": "user", "content": user}]


def neutralise(text: str) -> str:
    """Report text that cannot contain the data markers: ``<<<``/``>>>`` become their full-width forms."""
    return text.replace("<<<", "＜＜＜").replace(">>>", "＞＞＞")


# -- the claims table ----------------------------------------------------------------------------------

_ATTRIBUTE_NAMES = {"initial": "年初预算", "budget": "预算", "spent": "支出/执行", "other": "金额"}


def claims_table(doc: Document) -> list[dict[str, Any]]:
    """A compact list of the report's figures and completeness claims: item, attribute, value, unit, where."""
    ctx = Context(doc=doc)
    text = doc.text
    rows: list[tuple[int, dict[str, Any]]] = []
    for a in amounts(ctx):
        m = a.mention
        rows.append(
            (
                m.start,
                {
                    "item": a.item or "（未识别）",
                    "attribute": _ATTRIBUTE_NAMES.get(a.attribute, "金额"),
                    "value": str(m.value),
                    "unit": m.unit or "",
                    "where": doc.section_title_at(m.start) or "",
                    "quote": _around(ctx, m.start, m.end),
                },
            )
        )
    for n in ctx.numbers:
        if n.kind not in ("percent", "score"):
            continue
        s, _ = ctx.sentence_at(n.start)
        label = text[max(s, n.start - 8) : n.start].strip() or ("比例" if n.kind == "percent" else "得分")
        rows.append(
            (
                n.start,
                {
                    "item": item_at(ctx, n.start) or "（未识别）",
                    "attribute": label,
                    "value": str(n.value),
                    "unit": n.unit or "",
                    "where": doc.section_title_at(n.start) or "",
                    "quote": _around(ctx, n.start, n.end),
                },
            )
        )
    for claim in _COMPLETENESS.finditer(text):
        rows.append(
            (
                claim.start(),
                {
                    "item": item_at(ctx, claim.start()) or "（整体）",
                    "attribute": "完整性表述",
                    "value": claim.group(),
                    "unit": "",
                    "where": doc.section_title_at(claim.start()) or "",
                    "quote": _around(ctx, claim.start(), claim.end()),
                },
            )
        )
    rows.sort(key=lambda r: r[0])
    return [{"n": i, **r} for i, (_, r) in enumerate(rows[:MAX_CLAIM_ROWS], 1)]


def _around(ctx: Context, start: int, end: int, reach: int = 24) -> str:
    """The words around a figure, within its sentence, as written (so the model can quote them)."""
    s, e = ctx.sentence_at(start)
    lo, hi = max(s, start - reach), min(max(e, end), end + reach)
    return ctx.text[lo:hi].replace("\n", " ")


# -- locating quotes -----------------------------------------------------------------------------------


def _fold(text: str, base: int = 0) -> tuple[str, list[int]]:
    """``text`` without whitespace and punctuation, width- and case-folded, with each char's original offset."""
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        if ch.isspace() or unicodedata.category(ch)[0] in "PZC":
            continue
        for f in unicodedata.normalize("NFKC", ch).casefold():
            if f.isspace() or unicodedata.category(f)[0] in "PZC":
                continue
            out.append(f)
            origin.append(base + i)
    return "".join(out), origin


def _kept(ch: str) -> bool:
    return not (ch.isspace() or unicodedata.category(ch)[0] in "PZC")


def _same(a: str, b: str) -> bool:
    return unicodedata.normalize("NFKC", a) == unicodedata.normalize("NFKC", b)


class QuoteLocator:
    """Finds a model's quote in the text: exactly in its chunk, exactly anywhere, then tolerantly."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._folded: tuple[str, list[int]] | None = None

    def find(self, quote: str, lo: int = 0, hi: int | None = None) -> tuple[int, int] | None:
        """The span of ``quote`` (preferring ``[lo, hi)``), or None when it is not in the text."""
        q = quote.strip().strip("“”\"'「」")
        if not any(_kept(c) for c in q):  # nothing but punctuation: it would anchor anywhere
            return None
        hi = len(self.text) if hi is None else hi
        found = self._exact(q, lo, hi) or self._tolerant(q, lo, hi)
        if found is None and _ELLIPSIS.search(q):
            found = self._elided(q, lo, hi)
        return found

    def _exact(self, q: str, lo: int, hi: int) -> tuple[int, int] | None:
        i = self.text.find(q, lo, hi)
        if i < 0:
            i = self.text.find(q)
        return (i, i + len(q)) if i >= 0 else None

    def _tolerant(self, q: str, lo: int, hi: int) -> tuple[int, int] | None:
        fq, _ = _fold(q)
        if len(fq) < 2:  # one character matches almost anywhere
            return None
        if self._folded is None:
            self._folded = _fold(self.text)
        folded, origin = self._folded
        flo, fhi = bisect.bisect_left(origin, lo), bisect.bisect_left(origin, hi)
        i = folded.find(fq, flo, fhi)
        if i < 0:
            i = folded.find(fq)
        if i < 0:
            return None
        return self._widen(q, origin[i], origin[i + len(fq) - 1] + 1)

    def _widen(self, q: str, start: int, end: int) -> tuple[int, int]:
        # Folding dropped the quote's leading/trailing punctuation ("100%"); take it back where the text has it.
        core = q.strip()
        lead = len(core) - len(core.lstrip("".join(c for c in core if not _kept(c))))
        trail = len(core) - len(core.rstrip("".join(c for c in core if not _kept(c))))
        for ch in core[len(core) - trail :]:
            if end < len(self.text) and _same(self.text[end], ch):
                end += 1
        for ch in reversed(core[:lead]):
            if start > 0 and _same(self.text[start - 1], ch):
                start -= 1
        return start, end

    def _elided(self, q: str, lo: int, hi: int, reach: int = 600) -> tuple[int, int] | None:
        # "前半句……后半句": both halves present, in order, close together.
        parts = [p for p in _ELLIPSIS.split(q) if p.strip()]
        if len(parts) < 2:
            return None
        first = self._exact(parts[0], lo, hi) or self._tolerant(parts[0], lo, hi)
        if first is None:
            return None
        window_end = min(len(self.text), first[1] + reach)
        last = QuoteLocator(self.text[first[1] : window_end]).find(parts[-1])
        if last is None:
            return None
        return first[0], first[1] + last[1]


# -- merging -------------------------------------------------------------------------------------------


def _related(a: str, b: str) -> bool:
    return a == b or any(a in group and b in group for group in _RELATED)


def merge_findings(checks: list[Finding], model: list[Finding]) -> tuple[list[Finding], int]:
    """Checks' findings with the model's folded in where they overlap and agree in kind; and how many merged."""
    merged = list(checks)
    extra: list[Finding] = []
    folded = 0
    for m in model:
        best, best_overlap = -1, 0
        for i, c in enumerate(merged):
            overlap = min(c.end, m.end) - max(c.start, m.start)
            if (overlap > 0 or (c.start == m.start and c.end == m.end)) and _related(c.category, m.category):
                if overlap > best_overlap or best < 0:
                    best, best_overlap = i, overlap
        if best < 0:
            extra.append(m)
            continue
        c = merged[best]
        note = f"（模型：{m.message}）"
        if note in c.message:
            folded += 1
            continue
        suggestion = c.suggestion
        if m.suggestion and m.suggestion not in suggestion:
            suggestion = f"{suggestion}（模型建议：{m.suggestion}）" if suggestion else m.suggestion
        merged[best] = c.model_copy(update={"message": c.message + note, "suggestion": suggestion})
        folded += 1
    return sort_findings(merged + extra), folded


# -- the pipeline --------------------------------------------------------------------------------------


@dataclass
class _Answer:
    findings: list[ModelFinding]
    lo: int
    hi: int
    notes: list[str]


class _Runner:
    """Sends the calls, at most ``concurrency`` at once; after an outage, the calls not yet sent are skipped."""

    def __init__(self, client: ChatModel, prompts: CritiquePrompts, concurrency: int) -> None:
        self.client = client
        self.prompts = prompts
        self.slots = asyncio.Semaphore(max(1, concurrency))
        self.down: str | None = None
        self.failed = 0
        self.skipped = 0
        self.notes: list[str] = []  # the client's notes from calls that failed (fallbacks tried)

    async def ask(self, messages: list[dict[str, Any]], template: str, lo: int, hi: int) -> _Answer | None:
        async with self.slots:
            if self.down is not None:
                self.skipped += 1
                return None
            try:
                got = await self.client.structured(
                    messages,
                    ModelFindings,
                    template=template,
                    template_hash=self.prompts.digest(SYSTEM_TEMPLATE, template),
                    attempts=3,
                )
            except ModelError as exc:
                self.failed += 1
                if self.down is None:
                    self.down = str(exc).strip().rstrip("。")
                self.notes.extend(exc.notes)
                return None
        return _Answer(got.value.findings, lo, hi, list(got.notes))


async def critique(
    doc: Document,
    findings: list[Finding],
    client: ChatModel,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    chunk_size: int = CHUNK_SIZE,
    overlap: int = CHUNK_OVERLAP,
    prompts: PromptSet | None = None,
) -> CritiqueResult:
    """Ask the model about every chunk (and, for long reports, about the claims across sections); merge."""
    chunks = split_chunks(doc.text, size=chunk_size, overlap=overlap)
    if not chunks:
        return CritiqueResult(findings=sort_findings(list(findings)))
    critique_prompts = CritiquePrompts(prompts)
    runner = _Runner(client, critique_prompts, concurrency)
    calls = [
        runner.ask(
            critique_prompts.chunk_messages(c, doc.section_title_at(c.start), i, len(chunks)),
            USER_TEMPLATE,
            c.start,
            c.end,
        )
        for i, c in enumerate(chunks, 1)
    ]
    rows = claims_table(doc) if len(chunks) > 1 else []
    if rows:  # one chunk already shows the model the whole report
        calls.append(runner.ask(critique_prompts.cross_messages(rows), CROSS_TEMPLATE, 0, len(doc.text)))
    answers = await asyncio.gather(*calls)

    notes: list[str] = list(dict.fromkeys(runner.notes))
    located: list[Finding] = []
    seen: set[tuple[int, int, str]] = set()
    dropped = 0
    locator = QuoteLocator(doc.text)
    for answer in answers:
        if answer is None:
            continue
        notes.extend(n for n in answer.notes if n not in notes)
        for mf in answer.findings:
            span = locator.find(mf.quote, answer.lo, answer.hi)
            if span is None:
                dropped += 1
                continue
            start, end = span
            if (start, end, mf.category) in seen:
                continue
            seen.add((start, end, mf.category))
            located.append(
                Finding(
                    rule=f"model.{mf.category}",
                    category=mf.category,
                    severity=mf.severity,
                    message=mf.why.strip(),
                    suggestion=mf.rewrite.strip(),
                    quote=doc.text[start:end],
                    start=start,
                    end=end,
                    section=doc.section_title_at(start),
                    source="model",
                )
            )
    merged, folded = merge_findings(list(findings), located)
    answered = sum(1 for a in answers if a is not None)
    fallback = ""
    if runner.down is not None:
        if answered == 0:
            fallback = f"模型不可用（{runner.down}），本次仅完成确定性检查"
        else:
            missing = len(answers) - answered
            fallback = (
                f"模型审阅未全部完成（{runner.down}）：{len(answers)} 次请求中 {missing} 次未得到回答，"
                "这些部分仅完成确定性检查"
            )
        notes.append(fallback)
    if dropped:
        notes.append(f"模型给出的 {dropped} 条问题引文在原文中找不到，已丢弃")
    if folded:
        notes.append(f"模型提出的 {folded} 条问题与确定性检查重合，已合并到相应条目")
    return CritiqueResult(findings=merged, dropped=dropped, notes=notes, used=answered > 0, fallback=fallback)
