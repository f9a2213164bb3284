"""Speak the user's file: a data field by its Chinese label and its cell or line, never by its code name.

The loader and the consistency checks name fields by their data path (``projects[0].low_execution_reason``),
which is right for JSON and for developers. A finance officer filled in a workbook or a YAML file, so the page says
``项目“培训”的执行率低原因（项目!K3）`` instead. The labels are the workbook's own headings, so the page and the
template use the same words.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from assistant.budget import workbook
from assistant.budget.models import ReportData

Loc = tuple[str | int, ...]

_LABELS: dict[Loc, str] = {
    ("year",): "年度",
    ("department",): "部门信息",
    ("department", "name"): "部门名称",
    ("department", "duties"): "职责",
    ("department", "counts"): "人员与数量",
    ("tasks",): "职责与任务",
    ("budget",): "预算收支",
    ("projects",): "项目表",
    ("overall_table",): "整体自评表",
    ("self_assessment",): "自评结论",
    ("evaluation",): "自评组织",
}
for _item in (*workbook.INFO_ITEMS, *workbook.TEXT_ITEMS):
    _LABELS.setdefault(_item.path, _item.label)
for _item in workbook.BUDGET_ITEMS:
    _LABELS.setdefault(("budget", *_item.path), _item.label.removesuffix("-财政拨款"))
_COLUMNS: dict[str, dict[str, str]] = {
    "projects": {c.field: c.heading for c in workbook.PROJECTS.columns},
    "indicators": {c.field: c.heading for c in workbook.INDICATORS.columns},
    "overall_table": {c.field: c.heading for c in workbook.OVERALL.columns},
    "counts": {c.field: c.heading for c in workbook.COUNTS.columns},
    "adjustments": {"kind": "调增/调减", "amount": "金额", "reason": "原因（说明列）"},
    "initial_by_source": {"source": "资金来源", "amount": "金额"},
}
_PATH = re.compile(r"^[a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*$")


def parse_path(path: str) -> Loc:
    """``projects[0].executed`` → ``('projects', 0, 'executed')``."""
    out: list[str | int] = []
    for part in path.split("."):
        name, *indexes = re.split(r"\[(\d+)\]", part)
        if name:
            out.append(name)
        out += [int(i) for i in indexes if i]
    return tuple(out)


def field_label(loc: Loc, data: ReportData | None = None) -> str:
    """The field in the words of the workbook: ``项目“培训”的执行率低原因``, ``预算收支的基本支出``."""
    if loc in _LABELS:
        return _LABELS[loc]
    if len(loc) >= 2 and loc[0] == "projects" and isinstance(loc[1], int):
        who = _project_name(data, loc[1])
        rest = loc[2:]
        if len(rest) >= 2 and rest[0] == "indicators" and isinstance(rest[1], int):
            what = _indicator_name(data, loc[1], rest[1])
            column = _column("indicators", rest[2:])
            return f"{who}的指标{what}" + (f"的{column}" if column else "")
        column = _column("projects", rest)
        return who + (f"的{column}" if column else "")
    if len(loc) >= 2 and loc[0] == "overall_table" and isinstance(loc[1], int):
        column = _column("overall_table", loc[2:])
        return f"整体自评表第 {loc[1] + 1} 行" + (f"的{column}" if column else "")
    if len(loc) >= 3 and loc[:2] in (("budget", "adjustments"), ("budget", "initial_by_source")):
        kind = "预算调整" if loc[1] == "adjustments" else "年初预算来源"
        index = loc[2] + 1 if isinstance(loc[2], int) else 1
        column = _column(str(loc[1]), loc[3:])
        return f"{kind}第 {index} 项" + (f"的{column}" if column else "")
    if len(loc) >= 3 and loc[:2] == ("department", "counts") and isinstance(loc[2], int):
        return f"人员与数量第 {loc[2] + 1} 项"
    # Unknown deeper paths: the nearest labelled parent, so the user still knows where to look.
    for cut in range(len(loc) - 1, 0, -1):
        if loc[:cut] in _LABELS:
            return _LABELS[loc[:cut]]
    return "数据"


def _column(table: str, rest: Loc) -> str:
    if not rest or not isinstance(rest[0], str):
        return ""
    return _COLUMNS.get(table, {}).get(rest[0], "")


def _project_name(data: ReportData | None, index: int) -> str:
    if data is not None and 0 <= index < len(data.projects):
        return f"项目“{data.projects[index].name}”"
    return f"第 {index + 1} 个项目"


def _indicator_name(data: ReportData | None, project: int, index: int) -> str:
    if data is not None and 0 <= project < len(data.projects):
        indicators = data.projects[project].indicators
        if 0 <= index < len(indicators):
            return f"“{indicators[index].name}”"
    return f"第 {index + 1} 项"


class Places:
    """Where a field sits in the user's own file: a workbook cell (``项目!K3``) or a YAML line (``第 12 行``)."""

    def __init__(self, path: str | Path | None) -> None:
        self.path = Path(path) if path else None
        self._cells: dict[Loc, str] | None = None
        self._yaml: yaml.Node | None = None

    def of(self, loc: Loc) -> str | None:
        """The cell or line of ``loc`` (or of its nearest parent that has one), or None."""
        if self.path is None:
            return None
        try:
            suffix = self.path.suffix.lower()
            if suffix == ".xlsx":
                return self._cell(loc)
            if suffix in (".yaml", ".yml"):
                return self._line(loc)
        except Exception:  # a place is a courtesy: never let finding it break the message
            return None
        return None

    def _cell(self, loc: Loc) -> str | None:
        if self._cells is None:
            assert self.path is not None
            self._cells = dict(workbook.read_workbook(self.path)[1])
        for cut in range(len(loc), 0, -1):
            if loc[:cut] in self._cells:
                return self._cells[loc[:cut]]
        return None

    def _line(self, loc: Loc) -> str | None:
        import yaml

        from assistant.budget.yamlfile import yaml_line  # the loader's own line finder, so both agree

        if self._yaml is None:
            assert self.path is not None
            self._yaml = yaml.compose(self.path.read_text(encoding="utf-8-sig"))
        line = yaml_line(self._yaml, loc)
        return f"第 {line} 行" if line else None


def describe_field(where: str, data: ReportData | None, places: Places, *, inline: bool = False) -> str:
    """``projects[0].executed`` as ``项目“培训”的全年执行数，项目!G3`` (``inline``: ``…全年执行数（项目!G3）``)."""
    if not _PATH.match(where):
        # Issues about several fields (``budget.basic + budget.project``) name each.
        parts = [p.strip() for p in re.split(r"[+,，、]", where) if p.strip()]
        if len(parts) > 1 and all(_PATH.match(p) for p in parts):
            return "、".join(describe_field(p, data, places, inline=inline) for p in parts)
        return "数据"
    loc = parse_path(where)
    label = field_label(loc, data)
    place = places.of(loc)
    if not place:
        return label
    return f"{label}（{place}）" if inline else f"{label}，{place}"


_YAML_PROBLEMS = {
    "mapping values are not allowed here": "此处不能出现“键: 值”，多半是上一行缩进不对或冒号后缺空格",
    "could not find expected ':'": "缺少冒号“:”",
    "found character that cannot start any token": "出现了不能作为开头的字符（常见为制表符 Tab，请改用空格缩进）",
    "expected <block end>, but found": "缩进不一致",
    "found undefined alias": "引用了未定义的别名（*）",
    "did not find expected key": "缩进不一致，找不到应有的键",
    "did not find expected '-' indicator": "列表项缺少“- ”",
    "found unexpected end of stream": "文件意外结束（引号或括号未闭合）",
    "found duplicate anchor": "重复的锚点（&）",
    "while scanning a quoted scalar": "引号不成对",
    "while scanning a simple key": "键的写法不对",
    "while parsing a block mapping": "缩进不一致",
    "expected ',' or '}', but got": "花括号内缺少逗号或右括号",
    "expected ',' or ']', but got": "方括号内缺少逗号或右括号",
}
_LINE_COL = re.compile(r"(?P<name>[^\s:：（）]+?\.(?:ya?ml|json)):(?P<line>\d+):(?P<col>\d+):?")
_CODE_PATH = re.compile(r"（(?P<path>[a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*)）")


def speak(message: str, data: ReportData | None = None) -> str:
    """A message from the pipelines in the user's terms: line and column in Chinese, fields by label."""
    text = _LINE_COL.sub(lambda m: f"{m['name']} 第 {m['line']} 行第 {m['col']} 列：", message)
    text = re.sub(r"列：:?\s*", "列：", text)
    for english, chinese in _YAML_PROBLEMS.items():
        text = re.sub(re.escape(english) + r"[^）)]*", chinese, text)
    return _CODE_PATH.sub(lambda m: f"（{field_label(parse_path(m['path']), data)}）", text)


_FIELD = re.compile(r"(?<![A-Za-z_.])[a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)+(?:\s*\+\s*[a-z_]+(?:\.[a-z_]+)+)*")


def speak_fields(text: str, data: ReportData | None, places: Places) -> str:
    """Every data path in ``text`` (``budget.adjustments[0].reason``) replaced by its label and cell or line."""
    return _FIELD.sub(lambda m: describe_field(m.group(0), data, places, inline=True), text)
