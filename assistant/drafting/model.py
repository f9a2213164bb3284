"""The model's section writer: prompt, stream, fill placeholders, check, repair, mark what stays unsupported.

The model writes fact placeholders (``{budget.basic}``), never figures. After each answer the code fills the
placeholders, matches any digit the model typed against the FactSheet, and runs the wording checks; a section with
problems goes back to the model with them, at most ``repair_rounds`` times.

The answer is untrusted prose. ``<think>`` blocks are dropped. A section falls back to its offline template, with
a finding that says why, when its model call fails, when its answer misses a fact the section must state
(``SectionSpec.must_cover``), or when more than ``max_unverified`` figures are still unsupported after the repair
rounds; up to that many stay in the text marked ``【待核实】``. Sections that repeat one another are checked by the
pipeline (``repeated_sections``).
"""

from __future__ import annotations

import re
from typing import Any

from assistant.budget.facts import FactSheet
from assistant.budget.models import ReportData
from assistant.budget.scoring import ScoringRules
from assistant.checks.finding import Finding, sort_findings
from assistant.drafting.grounding import fill_and_ground
from assistant.drafting.money import in_money_unit
from assistant.drafting.offline import OFFLINE_NOTE, render_raw, render_section
from assistant.drafting.placeholders import Filled
from assistant.drafting.plan import SectionSpec
from assistant.drafting.proofread import proofread
from assistant.drafting.result import DraftSection, Progress, ProgressFn, section_from
from assistant.errors import ModelError
from assistant.llm.protocol import ChatModel
from assistant.prompts import PromptSet

UNVERIFIED = "【待核实】"
# Findings that send a section back to the model: invented figures, unknown ids, empty praise, leftovers.
REPAIR_ECHO_CHARS = 3000
REPAIR_MAX_PROBLEMS = 15
REPAIR_CATEGORIES = {"ungrounded_number", "placeholder", "vague_wording", "typo"}
# Findings that count as an unsupported figure: one the model invented, or a fact id the data does not hold.
UNSUPPORTED_RULES = {"draft-ungrounded-number", "draft-unknown-fact"}
FALLBACK_RULE = "draft-model-fallback"


class FallBack(Exception):
    """The model's answer for a section cannot be used; the message says why, in the drafter's words."""


class SectionWriter:
    """Writes sections with one model, sharing the data, facts and prompts; collects notes for the draft."""

    def __init__(
        self,
        model: ChatModel,
        data: ReportData,
        sheet: FactSheet,
        prompts: PromptSet,
        rules: ScoringRules,
        repair_rounds: int,
        progress: ProgressFn | None,
        total: int,
        max_unverified: int = 1,
    ) -> None:
        self.model = model
        self.data = data
        self.sheet = sheet
        self.prompts = prompts
        self.rules = rules
        self.repair_rounds = repair_rounds
        self.progress = progress
        self.total = total
        self.max_unverified = max_unverified
        self.done = 0
        self.notes: list[str] = []
        # Per section, so the draft lists them in section order whichever answer came back first.
        self.section_notes: dict[str, list[str]] = {}

    def _emit(self, spec: SectionSpec, event: str, text: str = "") -> None:
        if event in ("done", "fallback"):
            self.done += 1
        if self.progress:
            self.progress(Progress(spec.id, spec.title, event, text, self.done, self.total))

    async def write(self, spec: SectionSpec) -> DraftSection:
        if not spec.has_body:
            self._emit(spec, "done")
            return section_from(spec, "model")
        self._emit(spec, "start")
        try:
            section = await self._write_with_model(spec)
        except (ModelError, FallBack) as exc:
            self.section_notes.setdefault(spec.id, []).append(f"章节“{spec.title}”：{exc}")
            section = self.fall_back(spec, str(exc))
            self._emit(spec, "fallback", section.text)
            return section
        self._emit(spec, "done", section.text)
        return section

    def fall_back(self, spec: SectionSpec, why: str) -> DraftSection:
        """The section from its offline template, with a finding on its first sentence that says why."""
        section = render_section(spec, self.data, self.sheet, self.prompts, rules=self.rules)
        return fallback_section(section, why)

    async def _write_with_model(self, spec: SectionSpec) -> DraftSection:
        base = self._messages(spec)
        messages = base
        names = ["draft/system.md.j2", "draft/_section.md.j2", f"draft/{spec.template}.md.j2", "draft/repair.md.j2"]
        digest = self.prompts.digest(names)
        filled: Filled | None = None
        findings: list[Finding] = []
        for round_no in range(self.repair_rounds + 1):
            try:
                completion = await self.model.complete(
                    messages,
                    template=f"draft/{spec.template}",
                    template_hash=digest,
                    stream=True,
                    on_delta=lambda piece: self._emit(spec, "delta", piece),
                    on_reset=lambda: self._emit(spec, "reset"),
                )
                answer = clean_answer(completion.text, spec.title)
                if not answer:
                    raise ModelError(f"模型 {self.model.name} 返回了空白内容")
            except ModelError as exc:
                if filled is None:
                    raise
                # A failed repair keeps the earlier answer; its problems are marked below, not lost.
                self.section_notes.setdefault(spec.id, []).append(
                    f"章节“{spec.title}”第 {round_no} 轮修改未成功（{exc}），保留上一稿并标出问题"
                )
                break
            filled, findings = self._check(spec, answer)
            problems = [f for f in findings if f.category in REPAIR_CATEGORIES and f.severity != "info"]
            if not problems or round_no == self.repair_rounds:
                break
            # Each round sends the original request, the latest answer (its head only) and its problems: the
            # conversation does not grow round by round, so a small context window is not overflowed.
            messages = [
                *base,
                {"role": "assistant", "content": completion.text[:REPAIR_ECHO_CHARS]},
                {"role": "user", "content": self._repair_prompt(problems)},
            ]
        assert filled is not None
        invented = [f for f in findings if f.rule in UNSUPPORTED_RULES]
        if len(invented) > self.max_unverified:
            shown = "、".join(dict.fromkeys(f"“{f.quote}”" for f in invented[:5]))
            raise FallBack(
                f"模型的回答经 {self.repair_rounds} 轮修改后仍有 {len(invented)} 处数字在数据中没有依据（{shown}）"
            )
        missing = missing_facts(spec, filled, self.sheet)
        if missing:
            raise FallBack(f"模型的回答没有写出本节应有的数据（{'、'.join(missing)}）")
        filled, findings = self._mark_unverified(spec, filled, findings)
        return section_from(spec, "model", filled, findings)

    def _messages(self, spec: SectionSpec) -> list[dict[str, Any]]:
        system = self.prompts.render("draft/system.md.j2", department=self.data.department.name, year=self.data.year)
        facts = [{"id": f.id, "label": f.label, "written": f.written()} for f in self.sheet.select(spec.fact_prefixes)]
        reference = render_raw(spec, self.data, self.sheet, self.prompts, rules=self.rules)
        user = self.prompts.render(
            f"draft/{spec.template}.md.j2", title=spec.title, facts=facts, reference=reference, year=self.data.year
        )
        return [{"role": "system", "content": system.strip()}, {"role": "user", "content": user.strip()}]

    def _repair_prompt(self, problems: list[Finding]) -> str:
        lines: list[str] = []
        for f in problems:
            line = f"“{f.quote}”：{f.message}" + (f"（{f.suggestion}）" if f.suggestion else "")
            if line not in lines:
                lines.append(line)
        shown = lines[:REPAIR_MAX_PROBLEMS]
        if len(lines) > len(shown):
            shown.append(f"另有 {len(lines) - len(shown)} 处同类问题，请一并改正")
        return self.prompts.render("draft/repair.md.j2", problems=shown).strip()

    def _check(self, spec: SectionSpec, answer: str) -> tuple[Filled, list[Finding]]:
        filled, findings = fill_and_ground(
            in_money_unit(answer, self.sheet.money_unit),
            self.sheet,
            prefer=spec.fact_prefixes,
            section=spec.title,
            origin="model",
        )
        findings += proofread(filled.text, spec.title, self.data.year)
        return filled, sort_findings(findings)

    def _mark_unverified(
        self, spec: SectionSpec, filled: Filled, findings: list[Finding]
    ) -> tuple[Filled, list[Finding]]:
        """Put 【待核实】 after every figure the model typed that the data does not support, then re-check."""
        bad = sorted({(f.start, f.end) for f in findings if f.rule == "draft-ungrounded-number"}, reverse=True)
        if not bad:
            return filled, findings
        text = filled.text
        for _, end in bad:
            text = text[:end] + UNVERIFIED + text[end:]
        return self._check(spec, text)


_FENCE = re.compile(r"^```[\w-]*\n?|\n?```$")
# Echoes of our prompt's delimiters and of chat-template tokens that small models copy into their answers.
_ECHO = re.compile(r"<<<[^<>\n]{0,12}>>>|\[/?INST\]|<</?SYS>>|<\|[a-z_]{2,20}\|>|</?s>|<(?:start|end)_of_turn>")
# Reasoning models served by Ollama, vLLM or llama.cpp put their thinking in the content: a closed block, an
# unclosed one at the end (the answer was cut), or only the closing tag (the template opened it).
_THINK = re.compile(r"<(think|thinking|reasoning)>.*?(?:</\1>|\Z)", re.S | re.I)
_THINK_CLOSE = re.compile(r"^.*?</(?:think|thinking|reasoning)>", re.S | re.I)


def strip_thinking(text: str) -> str:
    """The answer without a reasoning model's ``<think>…</think>`` blocks (closed, unclosed or half-tagged)."""
    text = _THINK.sub("", text)
    return _THINK_CLOSE.sub("", text)


def clean_answer(text: str, title: str) -> str:
    """The model's answer without thinking, code fences, a repeated heading or Markdown emphasis."""
    text = _ECHO.sub("", _FENCE.sub("", strip_thinking(text).strip())).strip()
    lines = [line.strip() for line in text.splitlines()]
    bare_title = re.sub(r"^[一二三四五六七八九十]+、|^（[一二三四五六七八九十]+）", "", title)
    while lines and (not lines[0] or lines[0].lstrip("#").strip() in (title, bare_title)):
        lines.pop(0)
    cleaned = "\n".join(line.lstrip("#").strip() for line in lines if line)
    return cleaned.replace("**", "")


def missing_facts(spec: SectionSpec, filled: Filled, sheet: FactSheet) -> list[str]:
    """The labels of the facts ``spec`` must state that the text does not (only facts the data holds)."""
    stated = set(filled.fact_ids)
    missing = []
    for group in spec.must_cover:
        held = [f for f in sheet if any(f.id == g or (g.endswith(".") and f.id.startswith(g)) for g in group)]
        if held and not any(f.id in stated for f in held):
            missing.append(held[0].label)
    return missing


def fallback_section(section: DraftSection, why: str) -> DraftSection:
    """An offline-rendered section marked as a fallback, with a finding on its first sentence that says why."""
    text = section.text
    m = re.search(r"[。；\n]", text)
    end = m.end() if m else len(text)
    finding = Finding(
        rule=FALLBACK_RULE,
        category="structure",
        severity="warning",
        message=f"本节改用离线模板：{why}",
        suggestion="本节文字来自数据模板，请按需润色；如需模型起草，请检查模型设置后重新生成",
        quote=text[:end],
        start=0,
        end=end,
        section=section.title,
    )
    return section.model_copy(
        update={"source": "fallback", "notes": [OFFLINE_NOTE], "findings": sort_findings([finding, *section.findings])}
    )
