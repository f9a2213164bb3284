"""Proofreading drafted text: the review's deterministic rules run over every section, whatever wrote it.

The department's own narrative is copied into offline drafts and a model may copy it too, so its slips
(``100X%``, ``完成指出``, a stale year, empty praise) must be flagged in the draft just as ``assistant review``
would flag them. Figures are grounded separately (``grounding``), so the review's data rules are not run here.
"""

from __future__ import annotations

import re
import threading

from assistant.checks.finding import Finding
from assistant.checks.registry import CheckConfig, run_checks
from assistant.text.document import document_from_text


def proofread(text: str, section: str, year: int | None = None) -> list[Finding]:
    """The review's wording, year, arithmetic and placeholder rules over one drafted section's text."""
    if not text.strip():
        return []
    found = run_checks(document_from_text(text), config=CheckConfig(year=year))
    # Our own 【请补充】/【待核实】 marks are reported by the drafting findings; the review's placeholder rules
    # would report each a second time.
    marks = [(m.start(), m.end()) for m in _MARKS.finditer(text)]
    return [
        f.model_copy(update={"section": section})
        for f in found
        if not f.rule.startswith("grounding.") and not any(a <= f.start and f.end <= b for a, b in marks)
    ]


_MARKS = re.compile(r"【(?:请补充|待核实)[^】]*】")


_warmed = threading.Event()


def warm_up() -> None:
    """Load and compile the proofreading rules now — a one-time cost per process — e.g. while a model answers."""
    if _warmed.is_set():
        return
    try:
        proofread("预热。", "", None)
    except Exception:  # a broken rule is reported by the real proofreading that follows
        pass
    _warmed.set()
