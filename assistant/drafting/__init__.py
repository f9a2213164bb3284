"""Drafting: the section plan, fact placeholders, grounding of figures, the offline (template-only) path, the
official forms and proofreading.

The model path (``model.SectionWriter``, driven by ``pipeline.draft``) shares everything here but the templates'
renderer: it asks the model for text with placeholders, then uses ``fill``, ``ground``, ``proofread``,
``attach_forms`` and ``attach_data_issues`` exactly as ``draft_offline`` does, and falls back to the template for a
section whose answer cannot be used.
"""

from assistant.drafting.grounding import ground, prompt_findings, unknown_findings
from assistant.drafting.issues import place_issues
from assistant.drafting.offline import (
    OFFLINE_NOTE,
    attach_data_issues,
    collect_findings,
    draft_offline,
    render_section,
    select_sections,
)
from assistant.drafting.placeholders import Filled, FilledFact, escape, fill, placeholder_ids
from assistant.drafting.plan import SectionSpec, plan_sections
from assistant.drafting.proofread import proofread
from assistant.drafting.result import Draft, DraftSection, finding_dict
from assistant.drafting.tables import FormTable, build_forms

__all__ = [
    "OFFLINE_NOTE",
    "Draft",
    "DraftSection",
    "Filled",
    "FilledFact",
    "FormTable",
    "SectionSpec",
    "attach_data_issues",
    "build_forms",
    "collect_findings",
    "draft_offline",
    "escape",
    "fill",
    "finding_dict",
    "ground",
    "place_issues",
    "placeholder_ids",
    "plan_sections",
    "prompt_findings",
    "proofread",
    "render_section",
    "select_sections",
    "unknown_findings",
]
