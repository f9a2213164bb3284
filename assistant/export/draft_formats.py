"""Draft writers by format: Markdown for reading, JSON for programs (the contract), .docx for the department.

write_draft        chooses the writer by ``fmt`` or the file's extension (.md .json .docx)
draft_to_markdown  the report as Markdown, with each section's findings as quoted notes
draft_to_json      ``Draft.to_contract()`` as JSON
"""

from __future__ import annotations

import json
from pathlib import Path

from assistant.budget.models import ReportData
from assistant.checks.finding import CATEGORY_NAMES, SEVERITY_NAMES
from assistant.drafting.result import Draft
from assistant.drafting.tables import FormTable
from assistant.errors import InputError

DRAFT_FORMATS = {".md": "md", ".markdown": "md", ".json": "json", ".docx": "docx"}


def draft_to_json(draft: Draft) -> str:
    """The draft's JSON contract, indented, Chinese written as is."""
    return json.dumps(draft.to_contract(), ensure_ascii=False, indent=2) + "\n"


def draft_to_markdown(draft: Draft) -> str:
    """The draft as a Markdown report: title, notes, every section with its text and findings."""
    lines = [f"# {draft.title}", ""]
    lines += [f"> {note}" for note in draft.notes]
    if draft.notes:
        lines.append("")
    for section in draft.sections:
        if section.kind == "table" and section.level == 1:
            lines += [f"## 附表：{section.title}", ""]
        else:
            lines += [f"{'#' * (section.level + 1)} {section.title}", ""]
        if section.table is not None:
            lines += form_markdown(section.table)
        for paragraph in section.text.splitlines():
            lines += [paragraph, ""]
        for f in section.findings:
            where = f"“{f.quote}”" if f.quote else ""
            lines.append(
                f"> **{SEVERITY_NAMES[f.severity]}·{CATEGORY_NAMES[f.category]}** {where}：{f.message}"
                + (f"（{f.suggestion}）" if f.suggestion else "")
            )
        if section.findings:
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _cell(text: str) -> str:
    """A cell's text on one Markdown line: pipes escaped, line breaks as <br>."""
    return text.replace("|", "\\|").replace("\n", "<br>") or " "


def form_markdown(form: FormTable) -> list[str]:
    """An official form as Markdown: its title and unit, then one Markdown table per block."""
    lines = [f"**{form.title}**", "", form.unit, ""]
    for block in form.blocks:
        if block.title:
            lines += [f"**{block.title}**", ""]
        lines.append("| " + " | ".join(_cell(h) for h in block.header) + " |")
        lines.append("|" + "---|" * len(block.header))
        lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in block.rows]
        lines.append("")
    return lines


def _format(path: Path, fmt: str | None) -> str:
    if fmt:
        key = fmt.lower().lstrip(".")
        if key in ("md", "markdown", "json", "docx"):
            return "md" if key == "markdown" else key
        raise InputError(f"不支持的输出格式“{fmt}”；请选择 md、json 或 docx")
    found = DRAFT_FORMATS.get(path.suffix.lower())
    if found is None:
        raise InputError(
            f"{path}: 无法按扩展名“{path.suffix or '无扩展名'}”确定输出格式；请使用 .md、.json 或 .docx，或指定格式"
        )
    return found


def write_draft(draft: Draft, data: ReportData, path: str | Path, fmt: str | None = None) -> Path:
    """Write the draft to ``path`` as Markdown, JSON or Word, chosen by ``fmt`` or the extension."""
    target = Path(path)
    kind = _format(target, fmt)
    try:
        if kind == "docx":
            from assistant.export.draft_docx import write_draft_docx

            write_draft_docx(draft, data, target)
        else:
            text = draft_to_json(draft) if kind == "json" else draft_to_markdown(draft)
            target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{target}: 无法写入草稿（{exc.strerror or exc}），请检查路径和写入权限") from None
    return target
