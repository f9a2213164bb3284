"""What a review checked: sections and tables found, figures read, rules that ran and those that could not.

"未发现问题" means something only next to what was looked at: a review of a document whose tables were not found,
whose year is unknown or that came without data must say which checks did not run, and why.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from assistant.checks.registry import Context, all_rules
from assistant.text.document import Section

TABLE_SOURCES = {"docx": "Word 表格", "pdf": "PDF 表格", "flattened": "由文本恢复的表格"}


class SkippedRules(BaseModel):
    """Rules that did not run, and why, in the reader's words."""

    rules: list[str]
    reason: str


class Coverage(BaseModel):
    """The extent of a review."""

    sections: int = Field(description="找到的章节数（各级标题）")
    top_sections: list[str] = Field(default_factory=list, description="一级章节标题")
    tables: dict[str, int] = Field(default_factory=dict, description="按来源统计的表格数：docx / pdf / flattened")
    figures: int = Field(0, description="读到的数字（金额、比率、数量、年份等）")
    amounts: int = Field(0, description="其中金额")
    rules_run: int = 0
    rules_total: int = 0
    skipped: list[SkippedRules] = Field(default_factory=list)
    unreadable: str | None = Field(None, description="未能读取的文字（字体缺少编码、乱码），有则说明")

    @property
    def complete(self) -> bool:
        """Whether every check could run over readable text (only then is "no findings" an all-clear)."""
        return not self.skipped and self.unreadable is None

    def table_summary(self) -> str:
        """How tables were found: "Word 表格 2 个、由文本恢复的表格 1 个", or that none were."""
        parts = [f"{TABLE_SOURCES.get(src, src)} {n} 个" for src, n in self.tables.items() if n]
        return "、".join(parts) if parts else "未找到表格"

    def lines(self) -> list[str]:
        """The coverage as short Chinese lines, one fact each (shared by every output format)."""
        sections = f"章节：{self.sections} 个"
        if self.top_sections:
            sections += f"（一级 {len(self.top_sections)} 个）"
        elif self.sections == 0:
            sections += "（未识别出章节标题）"
        out = [
            sections,
            f"表格：{self.table_summary()}",
            f"数字：读取 {self.figures} 个（其中金额 {self.amounts} 个）",
            f"规则：运行 {self.rules_run} 条，共 {self.rules_total} 条",
        ]
        out += [f"未运行：{'、'.join(s.rules)}——{s.reason}" for s in self.skipped]
        if self.unreadable:
            out.append(f"未能读取：{self.unreadable}")
        return out

    def not_checked(self) -> str:
        """One sentence naming what could not be checked (empty when everything was)."""
        parts = [s.reason for s in self.skipped]
        if self.unreadable:
            parts.append(f"部分文字未能读取（{self.unreadable}）")
        return "；".join(parts)


def measure_coverage(ctx: Context) -> Coverage:
    """The coverage of a review run over ``ctx`` (the context the checks ran with)."""
    doc, config = ctx.doc, ctx.config
    tables: dict[str, int] = {}
    for table in doc.tables:
        tables[table.source] = tables.get(table.source, 0) + 1
    ids = [r.id for r in all_rules()]
    disabled = [i for i in ids if i in config.disable]
    skipped: list[SkippedRules] = []
    if disabled:
        skipped.append(SkippedRules(rules=disabled, reason="已按审阅配置（disable）停用"))
    enabled = [i for i in ids if i not in config.disable]
    needs = [
        (ctx.facts is None, "grounding.", "未提供数据文件（--data），报告中的数字未与数据核对"),
        (not doc.tables, "tables.", "未找到表格，分值、得分、等级、执行率等表格检查没有可检查的内容"),
        (ctx.year is None, "dates.", "无法确定报告年度（可用 --year 指定），年份检查未运行"),
    ]
    for missing, prefix, reason in needs:
        rules = [i for i in enabled if i.startswith(prefix)]
        if missing and rules:
            skipped.append(SkippedRules(rules=rules, reason=reason))
    not_run = {r for s in skipped for r in s.rules}
    return Coverage(
        sections=_count(doc.sections),
        top_sections=[s.title for s in doc.sections],
        tables=tables,
        figures=len(ctx.numbers),
        amounts=sum(1 for n in ctx.numbers if n.kind == "money"),
        rules_run=len([i for i in ids if i not in not_run]),
        rules_total=len(ids),
        skipped=skipped,
        unreadable=doc.unreadable,
    )


def _count(sections: list[Section]) -> int:
    return sum(1 + _count(s.children) for s in sections)
