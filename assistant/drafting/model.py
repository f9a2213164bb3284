"""The model's section writer: prompt, stream, fill placeholders, check, repair, mark what stays unsupported.

The model writes fact placeholders (``{budget.basic}``), never figures. After each answer the code fills the
placeholders, matches any digit the model typed against the FactSheet, and runs the wording checks; a section with
problems goes back to the model with them, at most ``repair_rounds`` times. Whatever is still unsupported is marked
``【待核实】`` in the text and reported. A section whose model call fails falls back to its offline template.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.budget.facts import FactSheet
from assistant.budget.models import ReportData
from assistant.budget.scoring import ScoringRules
from assistant.checks.finding import Finding, sort_findings
from assistant.checks.registry import run_checks
from assistant.drafting.grounding import fill_and_ground
from assistant.drafting.offline import OFFLINE_NOTE, render_raw, render_section
from assistant.drafting.placeholders import Filled
from assistant.drafting.plan import SectionSpec
from assistant.drafting.result import DraftSection, Progress, ProgressFn, section_from
from assistant.errors import ModelError
from assistant.llm.protocol import ChatModel
from assistant.prompts import PromptSet
from assistant.text.document import document_from_text

UNVERIFIED = "【待核实】"
# Findings that send a section back to the model: invented figures, unknown ids, empty praise, leftovers.
REPAIR_ECHO_CHARS = 3000
REPAIR_MAX_PROBLEMS = 15
REPAIR_CATEGORIES = {"ungrounded_number", "placeholder", "vague_wording", "typo"}


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
    ) -> None:
        self.model = model
        self.data = data
        self.sheet = sheet
        self.prompts = prompts
        self.rules = rules
        self.repair_rounds = repair_rounds
        self.progress = progress
        self.total = total
        self.done = 0
        self.notes: list[str] = []

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
        except ModelError as exc:
            self.notes.append(f"章节“{spec.title}”：{exc}")
            section = render_section(spec, self.data, self.sheet, self.prompts, rules=self.rules)
            section = section.model_copy(update={"source": "fallback", "notes": [OFFLINE_NOTE]})
            self._emit(spec, "fallback", section.text)
            return section
        self._emit(spec, "done", section.text)
        return section

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
                self.notes.append(f"章节“{spec.title}”第 {round_no} 轮修改未成功（{exc}），保留上一稿并标出问题")
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
            answer, self.sheet, prefer=spec.fact_prefixes, section=spec.title, origin="model"
        )
        findings += wording_findings(filled.text, spec.title)
        return filled, sort_findings(findings)

    def _mark_unverified(
        self, spec: SectionSpec, filled: Filled, findings: list[Finding]
    ) -> tuple[Filled, list[Finding]]:
        """Put 【待核实】 after every figure the model typed that the data does not support, then re-check."""
        bad = sorted({(f.start, f.end) for f in findings if f.category == "ungrounded_number"}, reverse=True)
        if not bad:
            return filled, findings
        text = filled.text
        for _, end in bad:
            text = text[:end] + UNVERIFIED + text[end:]
        return self._check(spec, text)


_FENCE = re.compile(r"^```[\w-]*\n?|\n?```$")
# Echoes of our prompt's delimiters and of chat-template tokens that small models copy into their answers.
_ECHO = re.compile(r"<<<[^<>\n]{0,12}>>>|\[/?INST\]|<</?SYS>>|<\|[a-z_]{2,20}\|>|</?s>|<(?:start|end)_of_turn>")


def clean_answer(text: str, title: str) -> str:
    """The model's answer without code fences, a repeated heading or Markdown emphasis."""
    text = _ECHO.sub("", _FENCE.sub("", text.strip())).strip()
    lines = [line.strip() for line in text.splitlines()]
    bare_title = re.sub(r"^[一二三四五六七八九十]+、|^（[一二三四五六七八九十]+）", "", title)
    while lines and (not lines[0] or lines[0].lstrip("#").strip() in (title, bare_title)):
        lines.pop(0)
    cleaned = "\n".join(line.lstrip("#").strip() for line in lines if line)
    return cleaned.replace("**", "")


def wording_findings(text: str, section: str) -> list[Finding]:
    """The deterministic review rules (wording, arithmetic, dates …) applied to one drafted section."""
    if not text.strip():
        return []
    found = run_checks(document_from_text(text))
    return [f.model_copy(update={"section": section}) for f in found if not f.rule.startswith("grounding.")]
