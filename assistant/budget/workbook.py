"""The Excel face of ReportData: read a filled workbook into the data-file shape; write blank and filled workbooks.

Header row 1 of every sheet holds Chinese headings; columns are found by heading, so they may be reordered, and a
money heading may carry its unit in brackets (“年初预算数（元）”). Only 基本信息 is required.

    基本信息     项目 | 内容                         one row per item: 年度、部门名称、金额单位 …
    职责与任务   类型 | 内容                         one row per list item: 职责、重点工作、问题 …
    人员与数量   项目名称 | 名称 | 数值 | 单位         项目名称 blank → the department's own counts
    预算收支     项目 | 金额 | 单位 | 说明             年初预算-财政拨款、调增、调减、全年预算 …
    项目         项目名称 | 项目类别 | … | 自评等级     one row per project
    绩效指标     项目名称 | 一级指标 | … | 偏差原因…   joined to 项目 by 项目名称
    整体自评表   一级指标 | 任务名称 | … | 得分

``read_workbook`` returns the mapping a YAML data file would hold plus ``cells``: pydantic error location →
“sheet!cell”, so a validation error names the cell to fix. Numbers stay exact (floats go through ``repr``);
bare amounts are read in 金额单位 by the model, as in YAML.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args
from xml.etree import ElementTree

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from assistant.budget.models import Money, MoneyUnit, ReportData, to_decimal
from assistant.errors import InputError
from assistant.paths import os_reason
from assistant.zipguard import check_zip

Loc = tuple[str | int, ...]
Cells = dict[Loc, str]

COMPARATORS = ("≥", "≤", "=", ">", "<")
GRADES = ("优", "良", "中", "差")
MONEY_UNITS: tuple[str, ...] = get_args(MoneyUnit)  # the units the model parses, not every unit units.py knows
_MONEY_SUFFIX = re.compile(rf"({'|'.join(sorted(MONEY_UNITS, key=len, reverse=True))})\s*$")
_BARE_NUMBER = re.compile(r"^[\s\d.,，+-]+$")
_HEADING_UNIT = re.compile(r"^(.+?)[（(]([^（）()]*)[)）]$")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CORRUPT = "无法打开工作簿，文件可能已损坏或不是 .xlsx；请在 Excel/WPS 中打开后另存为 .xlsx 再试"


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its heading, the field it fills and how its cells are read."""

    heading: str
    field: str
    hint: str
    kind: str = "text"  # text | number | money | int
    width: int = 16
    choices: tuple[str, ...] = ()
    required: bool = False
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sheet:
    """A sheet's name, columns and what it is for."""

    name: str
    columns: tuple[Column, ...]
    required: bool = False


@dataclass(frozen=True)
class Item:
    """A labelled row of 基本信息 / 预算收支 / 职责与任务 and the data path it fills."""

    label: str
    path: Loc
    hint: str
    kind: str = "text"
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


INFO = Sheet(
    "基本信息",
    (
        Column(
            "项目", "label", "每行一项，项目名称照本模板填写（年度、部门名称 …），不要改动", width=16, required=True
        ),
        Column("内容", "value", "该项的内容；留空表示没有", width=70, required=True),
    ),
    required=True,
)
INFO_ITEMS = (
    Item("年度", ("year",), "报告所属年度，如 2024（必填）", "int"),
    Item("部门名称", ("department", "name"), "部门（单位）全称（必填）"),
    Item("金额单位", ("money_unit",), "本工作簿中不带单位的金额按此单位读取；不填为万元", choices=tuple(MONEY_UNITS)),
    Item("部门概况", ("department", "profile"), "部门概况的补充说明"),
    Item("内设机构数量", ("department", "internal_unit_count"), "报告所写的内设机构数量（整数）", "int"),
    Item("自评得分", ("self_assessment", "score"), "部门整体自评得分，如 92.5", "number"),
    Item("自评等级", ("self_assessment", "grade"), "优、良、中、差", choices=GRADES),
    Item("综合评价结论", ("conclusion",), "综合评价结论（一段话）"),
    Item("年度总体目标", ("goal",), "部门整体支出绩效自评表：年度总体目标的预期目标", aliases=("预期目标",)),
    Item("总体目标完成情况", ("goal_actual",), "部门整体支出绩效自评表：年度总体目标的实际完成情况"),
)

TEXTS = Sheet(
    "职责与任务",
    (
        Column("类型", "kind", "从下拉列表选：职责、内设机构、重点工作、问题、整改 …", width=14, required=True),
        Column("内容", "text", "一行写一条；同一类型可写多行，按顺序读取", width=90, required=True),
    ),
)
TEXT_ITEMS = (
    Item("职责", ("department", "duties"), "部门主要职责，一条一行", aliases=("主要职责",)),
    Item("内设机构", ("department", "internal_units"), "内设机构名称，一个一行"),
    Item("下属单位", ("department", "subordinate_units"), "下属单位名称，一个一行"),
    Item("重点工作", ("tasks", "key"), "年度重点工作", aliases=("年度重点工作",)),
    Item("常态化工作", ("tasks", "routine"), "常态化工作"),
    Item("自评目的", ("evaluation", "purpose"), "绩效自评的目的（多行按行合并）"),
    Item("自评过程", ("evaluation", "process"), "绩效自评的组织过程，一个步骤一行"),
    Item(
        "预算管理制度", ("management",), "部门预算管理制度建设情况，一条一行", aliases=("预算管理制度建设", "管理制度")
    ),
    Item("主要成效", ("achievements",), "主要成效（带数据的事实）"),
    Item("问题", ("problems",), "存在的问题", aliases=("存在问题", "存在的问题")),
    Item("整改", ("rectification",), "整改措施", aliases=("整改措施",)),
    Item("结果应用", ("results_use",), "自评结果应用"),
    Item("经验做法", ("experience",), "经验做法"),
    Item("其他说明", ("other_notes",), "其他需要说明的情况"),
)

COUNTS = Sheet(
    "人员与数量",
    (
        Column(
            "项目名称",
            "project",
            "留空表示部门的数量（编制人数、在职人数等）；填项目名称表示该项目的受益人数等",
            width=30,
        ),
        Column("名称", "label", "如 编制人数、在职人数、受益人数", width=30, required=True),
        Column("数值", "value", "数字", "number", width=12, required=True),
        Column("单位", "unit", "人、户、人次、个 …", width=10),
    ),
)

BUDGET = Sheet(
    "预算收支",
    (
        Column(
            "项目",
            "label",
            "照模板填写；年初预算按资金来源写成“年初预算-财政拨款”“年初预算-其他资金”",
            width=24,
            required=True,
        ),
        Column("金额", "amount", "数字，按“单位”列读取；单位留空时按基本信息中的金额单位", width=16, required=True),
        Column("单位", "unit", "元、千元、万元、百万元、亿元；预算执行率写 %", width=10, choices=(*MONEY_UNITS, "%")),
        Column("说明", "note", "调增/调减的原因；执行率低原因写在这里", width=60),
    ),
)
BUDGET_ITEMS = (
    Item(
        "年初预算-财政拨款", ("initial_by_source",), "年初预算中的财政拨款；其他来源照此另起一行，如“年初预算-其他资金”"
    ),
    Item("年初预算合计", ("initial_total",), "年初预算合计（如报告所写）", "money", aliases=("年初预算",)),
    Item("调增", ("adjustments",), "年中调增的金额，原因写在“说明”；可写多行"),
    Item("调减", ("adjustments",), "年中调减的金额（写正数），原因写在“说明”；可写多行"),
    Item("全年预算", ("total",), "调整后的全年预算数", "money", aliases=("全年预算数",)),
    Item("预算总支出", ("expenditure_total",), "预算总支出（基本支出+项目支出），如报告单独列出", "money"),
    Item("基本支出", ("basic",), "基本支出", "money"),
    Item("项目支出", ("project",), "项目支出", "money"),
    Item("全年执行数", ("executed",), "全年执行数", "money", aliases=("执行数",)),
    Item("结转结余", ("carryover",), "结转结余", "money"),
    Item("预算执行率", ("execution_rate",), "报告所写的预算执行率，单位 %", "number"),
    Item("执行率低原因", ("low_execution_reason",), "执行率低于 90% 的原因，写在“说明”列"),
)

PROJECTS = Sheet(
    "项目",
    (
        Column("项目名称", "name", "项目全称，各项目不可重名（绩效指标表按此名称对应）", width=30, required=True),
        Column("项目类别", "category", "重点/常态化/一次性 …", width=12),
        Column("资金来源", "funding_source", "如 市财政、省级配套资金；按来源的金额写在“资金来源”表", width=14),
        Column("主管部门", "supervisor", "项目支出绩效自评表的主管部门；不填为本部门", width=16),
        Column("实施单位", "implementer", "项目支出绩效自评表的实施单位", width=16),
        Column("牵头处室", "lead_unit", "实施（牵头）处室", width=14, aliases=("实施处室",)),
        Column("年初预算数", "initial_budget", "数字按基本信息的金额单位读取；也可写“250000元”", "money", width=12),
        Column("全年预算数", "total_budget", "数字按基本信息的金额单位读取；也可写“25万元”", "money", width=12),
        Column("全年执行数", "executed", "数字按基本信息的金额单位读取；也可写“14.14万元”", "money", width=12),
        Column("执行率", "execution_rate", "报告所写的执行率（%），如 95.5", "number", width=10),
        Column("调整原因", "adjustment_reason", "预算调整的原因", width=24),
        Column("执行率低原因", "low_execution_reason", "执行率低于 90% 的原因", width=24),
        Column("年度目标", "goal", "年度总体目标：预期目标", width=30, aliases=("预期目标",)),
        Column("目标完成情况", "goal_actual", "年度总体目标：实际完成情况", width=30, aliases=("总体目标完成情况",)),
        Column("任务措施", "measures", "编制预算时提出的任务措施", width=30),
        Column("实际执行情况", "performance", "实际执行情况", width=30),
        Column("与年初预算对比", "comparison", "执行情况与年初预算的对比", width=30, aliases=("对比",)),
        Column("情况说明", "note", "相关情况说明", width=24),
        Column("自评得分", "self_score", "项目自评得分", "number", width=10),
        Column("自评等级", "grade", "优、良、中、差", width=10, choices=GRADES),
    ),
)

FUNDING = Sheet(
    "资金来源",
    (
        Column("项目名称", "project", "留空表示部门整体的资金；填项目名称表示该项目的资金", width=30),
        Column("资金来源", "source", "财政拨款、上年结转、其他资金 …，一个来源一行", width=16, required=True),
        Column("年初预算数", "initial", "数字按基本信息的金额单位读取；也可写“250000元”", "money", width=12),
        Column("全年预算数", "total", "数字按基本信息的金额单位读取", "money", width=12),
        Column("全年执行数", "executed", "数字按基本信息的金额单位读取", "money", width=12),
    ),
)

INDICATORS = Sheet(
    "绩效指标",
    (
        Column("项目名称", "project", "与“项目”表中的项目名称一致；留空表示同上一行", width=30, required=True),
        Column("一级指标", "level1", "产出指标/效益指标/满意度指标 …；留空表示同上一行（同一项目内）", width=12),
        Column("二级指标", "level2", "数量指标/质量指标/时效指标/成本指标 …", width=12),
        Column("三级指标", "name", "指标名称", width=30),
        Column("指标性质", "comparator", "≥ ≤ = > <；定性指标留空", width=10, choices=COMPARATORS),
        Column("年度指标值", "target", "数值，如 95；定性指标可直接写文字（指标性质留空）", "number", width=12),
        Column("目标表述", "target_text", "定性指标的目标表述（可选）", width=20),
        Column("度量单位", "unit", "% 人 户 万元 …", width=10),
        Column("实际完成值", "actual", "数值；定性指标可直接写文字（指标性质留空）", "number", width=12),
        Column("实际完成情况", "actual_text", "实际完成情况的文字表述", width=24),
        Column("分值", "weight", "数字", "number", width=8),
        Column("得分", "score", "数字", "number", width=8),
        Column("偏差原因及改进措施", "deviation", "未完成目标时写明原因和措施", width=30),
    ),
)

OVERALL = Sheet(
    "整体自评表",
    (
        Column("一级指标", "level1", "履职效益明显、预算配置科学 …；留空表示同上一行", width=18),
        Column("任务名称", "task", "任务名称/二级指标", width=24),
        Column("任务措施", "measures", "编制预算时提出的任务措施", width=30),
        Column("实际执行情况", "performance", "绩效指标实际执行情况", width=30),
        Column("对比", "comparison", "执行情况与年初预算的对比", width=30, aliases=("与年初预算对比",)),
        Column("情况说明", "note", "相关情况说明", width=24),
        Column("分值", "weight", "数字", "number", width=8),
        Column("得分", "score", "数字", "number", width=8),
    ),
)

SHEETS = (INFO, TEXTS, COUNTS, BUDGET, PROJECTS, FUNDING, INDICATORS, OVERALL)

# ---------------------------------------------------------------------------------------------------- reading

_Raw = tuple[Any, bool]  # cell value as openpyxl gives it, and whether the cell is formatted as a percentage
_Grid = list[tuple[int, dict[int, _Raw]]]  # (row number, {column number: raw}) for non-empty rows


def read_workbook(path: str | Path) -> tuple[dict[str, Any], Cells]:
    """Read a filled workbook into the mapping a YAML data file would hold, and where each field came from."""
    p = Path(path)
    reader = _Reader(p, _read_grids(p))
    return reader.raw, reader.cells


def _read_grids(p: Path) -> dict[str, _Grid]:
    """Every sheet's non-empty cells, read in one pass; the file is opened read-only and closed again."""
    try:
        with p.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise InputError(f"{p}: 无法读取文件（{os_reason(exc)}）；请检查路径和权限") from None
    if not head:
        raise InputError(f"{p}: 文件是空的；可用 `assistant init 目录` 生成模板后填写")
    if head == _OLE_MAGIC:
        if "EncryptedPackage".encode("utf-16-le") in p.read_bytes():
            raise InputError(
                f"{p}: 工作簿设置了打开密码（已加密），无法读取；请在 Excel/WPS 中取消密码后另存为 .xlsx 再试"
            )
        raise InputError(f"{p}: 这是旧版 .xls 工作簿；请在 Excel/WPS 中另存为 .xlsx 再试")
    if not zipfile.is_zipfile(p):
        raise InputError(f"{p}: {_CORRUPT}")
    check_zip(p, kind="工作簿", max_entry_bytes=MAX_PART_BYTES)  # before openpyxl inflates anything
    # openpyxl reports a damaged package with whatever its zip/XML layers raise (KeyError, ValueError, XML
    # parse errors …); all of them mean the same thing to the person holding the file.
    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001
        raise InputError(f"{p}: {_CORRUPT}") from None
    budget = _Budget(p)
    try:
        grids: dict[str, _Grid] = {}
        uncalculated: list[str] = []
        for ws in wb.worksheets:
            ws.reset_dimensions()  # some writers record wrong dimensions; read every row and column
            title = str(ws.title).strip()
            grids[title] = list(_grid(ws.iter_rows(), budget, title))
            uncalculated += [f"{title}!{coord}" for coord in _uncalculated_formulas(ws)]
    except InputError:
        raise
    except Exception:  # noqa: BLE001
        raise InputError(f"{p}: {_CORRUPT}") from None
    finally:
        wb.close()
    if uncalculated:
        more = f"等 {len(uncalculated)} 个单元格" if len(uncalculated) > 1 else ""
        shown = "、".join(uncalculated[:5])
        raise InputError(
            f"{p}: {shown}{more} 是公式但没有计算结果（保存它的程序没有计算公式）；"
            "请在 Excel/WPS 中打开并保存后再试，或把公式换成数值"
        )
    return grids


MAX_PART_BYTES = 30 * 1024 * 1024
"""One sheet's XML: 20,000 full rows fit; openpyxl scans a whole sheet that lacks its dimension, so bound it first."""
MAX_ROWS = 20_000
"""Rows a data workbook may hold in all: a department with 200 projects of 30 indicators needs 6,000."""
MAX_CELLS = 200_000
"""Non-empty cells a data workbook may hold in all."""


class _Budget:
    """Counts rows and cells as they are read, and stops a workbook far larger than any data file at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = 0
        self.cells = 0

    def row(self, sheet: str, number: int) -> None:
        self.rows += 1
        if self.rows > MAX_ROWS:
            raise InputError(
                f"{self.path}: 工作簿行数超过 {MAX_ROWS}（读到“{sheet}”第 {number} 行时），不像是一份部门数据；"
                "请删除多余的行（如整列粘贴的内容）后再试"
            )

    def cell(self, sheet: str, number: int) -> None:
        self.cells += 1
        if self.cells > MAX_CELLS:
            raise InputError(
                f"{self.path}: 工作簿中非空单元格超过 {MAX_CELLS} 个（读到“{sheet}”第 {number} 行时），"
                "不像是一份部门数据；请删除多余的内容后再试"
            )


def _grid(rows: Iterable[Iterable[Any]], budget: _Budget, sheet: str) -> Iterator[tuple[int, dict[int, _Raw]]]:
    for index, row in enumerate(rows, start=1):
        budget.row(sheet, index)
        cells: dict[int, _Raw] = {}
        number = 0
        for cell in row:
            value = getattr(cell, "value", None)
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            number = cell.row
            budget.cell(sheet, number)
            percent = isinstance(value, int | float) and "%" in str(cell.number_format or "")
            cells[cell.column] = (value, percent)
        if cells:
            yield number, cells


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _uncalculated_formulas(ws: Any) -> list[str]:
    """Cells of a read-only sheet holding a formula without a cached result.

    Read with ``data_only`` such a cell looks empty, and its figure would silently go missing. Files saved by
    scripts or some online editors store formulas without results; Excel and WPS compute them when saving.
    """
    source = ws._get_source()  # the sheet's XML inside the package (openpyxl's read-only accessor)
    try:
        data = source.read(MAX_PART_BYTES + 1)
    finally:
        source.close()
    if not _FORMULA_TAG.search(data):
        return []
    found = []
    for _, element in ElementTree.iterparse(io.BytesIO(data)):
        if element.tag != f"{_NS}c":
            continue
        if element.find(f"{_NS}f") is not None:
            value = element.find(f"{_NS}v")
            # A formula whose result is the empty text keeps an empty <v> with t="str": calculated, not missing.
            if value is None or (not (value.text or "").strip() and element.get("t") not in ("str", "s")):
                found.append(str(element.get("r") or "?"))
        element.clear()
    return found


def _number_text(value: int | float, percent: bool) -> str:
    """An Excel number as exact decimal text: floats via repr (what the person typed), percentages ×100."""
    number = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
    if percent:
        number *= 100
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if percent and "." in text else text


def _value(raw: _Raw | None, kind: str) -> Any:
    """A cell's value as the data file would hold it: trimmed text, int, or exact numeric text."""
    if raw is None:
        return None
    value, percent = raw
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if isinstance(value, int) and not percent and kind != "text":
            return value
        text = _number_text(value, percent)
        if kind == "text":
            return text + ("%" if percent else "")
        if kind == "int" and re.fullmatch(r"-?\d+(\.0*)?", text):
            return int(Decimal(text))
        return text
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip() or None


def _with_unit(value: Any, unit: str | None, place: str, source: str) -> Any:
    """An amount with the unit given by its row or heading attached, unless the cell names its own."""
    if value is None or unit is None or isinstance(value, bool):
        return value
    text = str(value)
    own = _MONEY_SUFFIX.search(text)
    if own is None:
        return f"{text}{unit}" if _BARE_NUMBER.match(text) else value
    if own.group(1) != unit:
        raise InputError(f"{place}: 金额“{text}”自带单位，与{source}的“{unit}”不一致；请只保留一种单位")
    return value


def _heading(value: Any) -> str:
    return re.sub(r"\s+", "", str(value))


@dataclass
class _Row:
    """One data row of a table sheet: raw cells by field, and each field's cell address."""

    sheet: str
    number: int
    raws: dict[str, _Raw]
    coords: dict[str, str]
    kinds: dict[str, str]
    units: dict[str, str]

    @property
    def place(self) -> str:
        return f"{self.sheet}!第{self.number}行"

    def at(self, field: str) -> str:
        """Where ``field`` is: its cell, or the row when the sheet has no such column."""
        coord = self.coords.get(field)
        return f"{self.sheet}!{coord}" if coord else self.place

    def get(self, field: str, kind: str | None = None) -> Any:
        """The cell's value for ``field``; an amount gets the unit named in its column heading."""
        value = _value(self.raws.get(field), kind or self.kinds.get(field, "text"))
        unit = self.units.get(field)
        if unit is None:
            return value
        heading = f"{self.sheet}!{self.coords[field].rstrip('0123456789')}1"
        return _with_unit(value, unit, self.at(field), f"列标题（{heading}）")


class _Reader:
    """Turns the sheets' grids into the data-file mapping, recording each field's cell in ``cells``."""

    def __init__(self, path: Path, grids: dict[str, _Grid]) -> None:
        self.path = path
        self.grids = grids
        self.raw: dict[str, Any] = {}
        self.cells: Cells = {}
        self.project_index: dict[str, int] = {}
        known = {s.name for s in SHEETS}
        for name, grid in grids.items():
            if name not in known and grid:
                raise InputError(
                    f"{path}: 未知的工作表“{name}”；可用的工作表为 {'、'.join(known_names())}。"
                    "请改正表名，或删除该表中的内容"
                )
        for sheet in SHEETS:
            if sheet.required and sheet.name not in grids:
                raise InputError(f"{path}: 缺少工作表“{sheet.name}”；可用 `assistant init 目录` 生成模板，对照填写")
        self._info()
        self._texts()
        self._budget()
        self._projects()
        self._funding()
        self._counts()
        self._indicators()
        self._overall()

    # -- helpers

    def _parent(self, path: Loc) -> Any:
        target: Any = self.raw
        for part in path[:-1]:
            target = target[part] if isinstance(part, int) else target.setdefault(part, {})
        return target

    def _put(self, path: Loc, value: Any, place: str) -> None:
        self._parent(path)[path[-1]] = value
        self.cells[path] = place

    def _append(self, path: Loc, value: Any, place: str) -> int:
        items = self._parent(path).setdefault(path[-1], [])
        items.append(value)
        index = len(items) - 1
        self.cells[(*path, index)] = place
        return index

    def _rows(self, sheet: Sheet) -> list[_Row]:
        grid = self.grids.get(sheet.name)
        if not grid:
            return []
        header_number, header = grid[0]
        by_heading = {h: c for c in sheet.columns for h in (c.heading, *c.aliases)}
        columns: dict[int, Column] = {}
        units: dict[str, str] = {}
        for col, raw in sorted(header.items()):
            coord = f"{sheet.name}!{get_column_letter(col)}{header_number}"
            if header_number != 1:
                raise InputError(f"{coord}: 第 1 行应是列标题，但第 1 行是空的；请把列标题放在第 1 行")
            text = _heading(raw[0])
            column, unit = by_heading.get(text), None
            if column is None and (m := _HEADING_UNIT.match(text)):
                column, unit = by_heading.get(m.group(1)), m.group(2).strip()
            if column is None:
                raise InputError(
                    f"{coord}: 未知的列标题“{raw[0]}”；本表可用的列标题：{'、'.join(c.heading for c in sheet.columns)}"
                )
            if column.field in {c.field for c in columns.values()}:
                raise InputError(f"{coord}: 列标题“{raw[0]}”重复；请删除或合并重复的列")
            if unit and column.kind == "money":
                if unit not in MONEY_UNITS:
                    raise InputError(f"{coord}: 列标题中的金额单位“{unit}”无法识别；应为 {'、'.join(MONEY_UNITS)}")
                units[column.field] = unit
            columns[col] = column
        present = {c.field for c in columns.values()}
        for column in sheet.columns:
            if column.required and column.field not in present:
                raise InputError(f"{self.path}: 工作表“{sheet.name}”缺少列“{column.heading}”；请在第 1 行补上该列标题")
        letters = {c.field: get_column_letter(col) for col, c in columns.items()}
        rows = []
        for number, cells in grid[1:]:
            raws: dict[str, _Raw] = {}
            for col, raw in cells.items():
                if col not in columns:
                    raise InputError(
                        f"{sheet.name}!{get_column_letter(col)}{number}: 这一列没有列标题，却填了“{raw[0]}”；"
                        "请补上列标题或删除该内容"
                    )
                raws[columns[col].field] = raw
            coords = {f: f"{letter}{number}" for f, letter in letters.items()}
            kinds = {c.field: c.kind for c in sheet.columns}
            rows.append(_Row(sheet.name, number, raws, coords, kinds, units))
        return rows

    def _record(self, row: _Row, sheet: Sheet, skip: Iterable[str] = ()) -> dict[str, Any]:
        out = {}
        for column in sheet.columns:
            if column.field in skip:
                continue
            value = row.get(column.field)
            if value is not None:
                out[column.field] = value
        return out

    def _locate(self, prefix: Loc, row: _Row, fields: Iterable[str]) -> None:
        self.cells[prefix] = row.place
        for field in fields:
            self.cells[(*prefix, field)] = row.at(field)

    @staticmethod
    def _item(items: tuple[Item, ...], label: str) -> Item | None:
        for item in items:
            if label == item.label or label in item.aliases:
                return item
        return None

    # -- sheets

    def _info(self) -> None:
        self.cells.update({("year",): INFO.name, ("department",): INFO.name, ("department", "name"): INFO.name})
        seen: dict[str, str] = {}
        for row in self._rows(INFO):
            label = row.get("label")
            value = row.raws.get("value")
            if label is None:
                raise InputError(f"{row.at('label')}: 请在“项目”列写明这一行是哪一项（年度、部门名称 …）")
            item = self._item(INFO_ITEMS, _heading(label))
            if item is None:
                raise InputError(
                    f"{row.at('label')}: 未知的项目“{label}”；可填：{'、'.join(i.label for i in INFO_ITEMS)}"
                )
            if item.label in seen:
                raise InputError(f"{row.at('label')}: “{item.label}”重复（已在 {seen[item.label]} 填写）")
            seen[item.label] = row.at("label")
            self.cells[item.path] = row.at("value")
            if item.path == ("department", "name"):
                self.cells[("department",)] = row.at("value")
            if value is not None:
                self._put(item.path, _value(value, item.kind), row.at("value"))

    def _texts(self) -> None:
        for row in self._rows(TEXTS):
            kind, text = row.get("kind"), row.get("text")
            if text is None:
                continue
            if kind is None:
                raise InputError(f"{row.at('kind')}: 请填写类型（{'、'.join(i.label for i in TEXT_ITEMS)}）")
            item = self._item(TEXT_ITEMS, _heading(kind))
            if item is None:
                raise InputError(
                    f"{row.at('kind')}: 未知的类型“{kind}”；可填：{'、'.join(i.label for i in TEXT_ITEMS)}"
                )
            if item.path == ("evaluation", "purpose"):
                before = self.raw.get("evaluation", {}).get("purpose")
                self._put(item.path, f"{before}\n{text}" if before else text, row.at("text"))
            else:
                self._append(item.path, text, row.at("text"))

    def _budget(self) -> None:
        seen: dict[str, str] = {}
        for row in self._rows(BUDGET):
            label = row.get("label")
            amount, note = row.raws.get("amount"), row.get("note")
            if amount is None and note is None:
                continue
            if label is None:
                raise InputError(f"{row.at('label')}: 请在“项目”列写明这一行是哪一项（全年预算、调增 …）")
            label = _heading(label)
            unit = row.get("unit")
            if unit in ("％", "%"):
                unit = "%"
            elif unit is not None and unit not in MONEY_UNITS:
                raise InputError(f"{row.at('unit')}: 未知的单位“{unit}”；应为 {'、'.join(MONEY_UNITS)}，预算执行率写 %")
            money = _with_unit(_value(amount, "money"), unit if unit != "%" else None, row.at("amount"), "“单位”列")
            source = re.match(r"^年初预算[-—－–:：（(](.+?)[)）]?$", label)
            if source:
                index = self._append(("budget", "initial_by_source"), {"source": source.group(1)}, row.place)
                prefix: Loc = ("budget", "initial_by_source", index)
                self.cells[(*prefix, "source")] = row.at("label")
                if money is not None:
                    self.raw["budget"]["initial_by_source"][index]["amount"] = money
                self.cells[(*prefix, "amount")] = row.at("amount")
                continue
            item = self._item(BUDGET_ITEMS, label)
            if item is None:
                raise InputError(
                    f"{row.at('label')}: 未知的项目“{label}”；可填：年初预算-资金来源、{'、'.join(i.label for i in BUDGET_ITEMS[1:])}"
                )
            if item.label in ("调增", "调减"):
                adjustment = {"kind": item.label}
                if money is not None:
                    adjustment["amount"] = money
                if note is not None:
                    adjustment["reason"] = note
                index = self._append(("budget", "adjustments"), adjustment, row.place)
                self.cells[("budget", "adjustments", index, "amount")] = row.at("amount")
                self.cells[("budget", "adjustments", index, "reason")] = row.at("note")
                continue
            if item.label in seen:
                raise InputError(f"{row.at('label')}: “{item.label}”重复（已在 {seen[item.label]} 填写）")
            seen[item.label] = row.at("label")
            if item.label == "执行率低原因":
                text = note if note is not None else _value(amount, "text")
                self._put(("budget", *item.path), text, row.at("note" if note is not None else "amount"))
            elif item.label == "预算执行率":
                self._put(("budget", *item.path), _value(amount, "number"), row.at("amount"))
            elif money is not None:
                self._put(("budget", *item.path), money, row.at("amount"))

    def _projects(self) -> None:
        fields = [c.field for c in PROJECTS.columns]
        for row in self._rows(PROJECTS):
            project = self._record(row, PROJECTS)
            name = project.get("name")
            if name is not None and name in self.project_index:
                first = self.cells[("projects", self.project_index[name], "name")]
                raise InputError(f"{row.at('name')}: 项目名称“{name}”重复（另见 {first}）；各项目名称不可相同")
            index = self._append(("projects",), project, row.place)
            if name is not None:
                self.project_index[name] = index
            self._locate(("projects", index), row, fields)

    def _project_of(self, row: _Row, name: Any) -> int:
        index = self.project_index.get(str(name))
        if index is None:
            known = "、".join(self.project_index) or "（“项目”表中没有项目）"
            raise InputError(f"{row.at('project')}: 项目“{name}”不在“项目”表中；已有的项目：{known}")
        return index

    def _funding(self) -> None:
        for row in self._rows(FUNDING):
            funding = self._record(row, FUNDING, skip=("project",))
            name = row.get("project", "text")
            prefix: Loc = (
                ("budget", "funding") if name is None else ("projects", self._project_of(row, name), "funding")
            )
            index = self._append(prefix, funding, row.place)
            self._locate((*prefix, index), row, ("source", "initial", "total", "executed"))

    def _counts(self) -> None:
        for row in self._rows(COUNTS):
            count = self._record(row, COUNTS, skip=("project",))
            name = row.get("project", "text")
            if name is None:
                prefix: Loc = ("department", "counts")
            else:
                prefix = ("projects", self._project_of(row, name), "counts")
            index = self._append(prefix, count, row.place)
            self._locate((*prefix, index), row, ("label", "value", "unit"))

    def _indicators(self) -> None:
        fields = [c.field for c in INDICATORS.columns if c.field != "project"]
        name: Any = None
        level1: Any = None
        for row in self._rows(INDICATORS):
            given = row.get("project", "text")
            if given is None and name is None:
                raise InputError(f"{row.at('project')}: 请填写项目名称（与“项目”表一致）")
            if given is not None and given != name:
                name, level1 = given, None
            project = self._project_of(row, name)
            indicator = self._record(row, INDICATORS, skip=("project",))
            # Merged 一级指标 cells read as blanks below the first row: blank means "same as above".
            if "level1" not in indicator and level1 is not None:
                indicator["level1"] = level1
            level1 = indicator.get("level1")
            places = {f: row.at(f) for f in fields}
            for number, text in (("target", "target_text"), ("actual", "actual_text")):
                value = indicator.get(number)
                if (
                    isinstance(value, str)
                    and not _is_number(value)
                    and indicator.get("comparator") is None
                    and indicator.get(text) is None
                ):
                    indicator[text] = indicator.pop(number)
                    places[text] = places[number]
            index = self._append(("projects", project, "indicators"), indicator, row.place)
            prefix: Loc = ("projects", project, "indicators", index)
            self.cells[prefix] = row.place
            self.cells.update({(*prefix, f): place for f, place in places.items()})

    def _overall(self) -> None:
        fields = [c.field for c in OVERALL.columns]
        level1: Any = None
        for row in self._rows(OVERALL):
            record = self._record(row, OVERALL)
            if "level1" not in record and level1 is not None:
                record["level1"] = level1
            level1 = record.get("level1")
            index = self._append(("overall_table",), record, row.place)
            self._locate(("overall_table", index), row, fields)


def _is_number(text: str) -> bool:
    try:
        to_decimal(text.strip().rstrip("%％"))
    except ValueError:
        return False
    return True


def known_names() -> list[str]:
    """The sheet names a data workbook may contain."""
    return [s.name for s in SHEETS]


# ---------------------------------------------------------------------------------------------------- writing

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")


def write_workbook_template(path: str | Path) -> Path:
    """Write the blank data workbook: every sheet with headings, hints as comments and drop-down lists."""
    return _save(_build(None), Path(path))


def write_workbook(data: ReportData, path: str | Path) -> Path:
    """Write ``data`` as a filled data workbook that ``read_workbook`` reads back to the same ReportData."""
    return _save(_build(data), Path(path))


def _save(wb: Workbook, path: Path) -> Path:
    try:
        wb.save(path)
    except OSError as exc:
        raise InputError(
            f"{path}: 无法写入工作簿（{exc.strerror}）；请检查目录是否存在、文件是否正在 Excel 中打开"
        ) from None
    return path


def _build(data: ReportData | None) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    sheets = {s.name: _sheet(wb, s) for s in SHEETS}
    unit = data.money_unit if data else None
    _write_info(sheets[INFO.name], data)
    _write_texts(sheets[TEXTS.name], data)
    _write_budget(sheets[BUDGET.name], data)
    if data is None:
        return wb
    counts: list[tuple[str | None, Any]] = [(None, c) for c in data.department.counts]
    counts += [(p.name, c) for p in data.projects for c in p.counts]
    for name, c in counts:
        _append(sheets[COUNTS.name], COUNTS, {"project": name, "label": c.label, "value": c.value, "unit": c.unit})
    for p in data.projects:
        _append(sheets[PROJECTS.name], PROJECTS, _fields(p, PROJECTS, unit))
    funding: list[tuple[str | None, Any]] = [(None, f) for f in data.budget.funding]
    funding += [(p.name, f) for p in data.projects for f in p.funding]
    for name, f in funding:
        _append(sheets[FUNDING.name], FUNDING, {"project": name, **_fields(f, FUNDING, unit)})
    for p in data.projects:
        for i in p.indicators:
            _append(sheets[INDICATORS.name], INDICATORS, {"project": p.name, **_fields(i, INDICATORS, unit)})
    for r in data.overall_table:
        _append(sheets[OVERALL.name], OVERALL, _fields(r, OVERALL, unit))
    return wb


def _sheet(wb: Workbook, sheet: Sheet) -> Any:
    ws = wb.create_sheet(sheet.name)
    ws.freeze_panes = "A2"
    for col, column in enumerate(sheet.columns, start=1):
        cell = ws.cell(row=1, column=col, value=column.heading)
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, Alignment(horizontal="center")
        cell.comment = _comment(column.hint)
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = column.width
        if column.choices:
            _choices(ws, column.choices, f"{letter}2:{letter}1048576")
    return ws


def _comment(text: str) -> Comment:
    comment = Comment(text, "填写说明")
    comment.width, comment.height = 260, 90
    return comment


def _choices(ws: Any, choices: Iterable[str], ref: str) -> None:
    rule = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
    rule.error, rule.errorTitle = "请从下拉列表中选择", "取值不在列表中"
    rule.add(ref)
    ws.add_data_validation(rule)


def _column(sheet: Sheet, field: str) -> int:
    return next(i for i, c in enumerate(sheet.columns, start=1) if c.field == field)


def _append(ws: Any, sheet: Sheet, values: dict[str, Any]) -> int:
    number = ws.max_row + 1
    for field, value in values.items():
        if value is None:
            continue
        cell = ws.cell(row=number, column=_column(sheet, field), value=_cell(value))
        if isinstance(cell.value, str):
            # “=” (a comparator) or any text starting with it must stay text, not become a formula.
            cell.data_type = "s"
            cell.alignment = _WRAP
    return number


def _cell(value: Any) -> Any:
    """A number Excel stores exactly stays a number; anything finer is written as text so no digit is lost."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value() and abs(value) < 2**53:
            return int(value)
        return float(value) if Decimal(repr(float(value))) == value else format(value, "f")
    return value


def _money(value: Money | None, unit: str | None) -> Any:
    if value is None:
        return None
    cell = _cell(value.value)
    return cell if value.unit == unit and not isinstance(cell, str) else f"{format(value.value, 'f')}{value.unit}"


def _fields(model: Any, sheet: Sheet, unit: str | None) -> dict[str, Any]:
    out = {}
    for column in sheet.columns:
        if column.field in type(model).model_fields:
            value = getattr(model, column.field)
            out[column.field] = _money(value, unit) if column.kind == "money" else value
    return out


def _write_info(ws: Any, data: ReportData | None) -> None:
    for item in INFO_ITEMS:
        value = _get(data, item.path) if data else None
        number = _append(ws, INFO, {"label": item.label, "value": value})
        ws.cell(row=number, column=1).comment = _comment(item.hint)
        if item.choices:
            _choices(ws, item.choices, f"B{number}")


def _write_texts(ws: Any, data: ReportData | None) -> None:
    _choices(ws, [i.label for i in TEXT_ITEMS], "A2:A1048576")
    if data is None:
        return
    for item in TEXT_ITEMS:
        value = _get(data, item.path)
        for text in [value] if isinstance(value, str) else value or []:
            _append(ws, TEXTS, {"kind": item.label, "text": text})


def _write_budget(ws: Any, data: ReportData | None) -> None:
    b = data.budget if data else None

    def money(label: str, value: Money | None, note: str | None = None) -> None:
        amount, unit = (value.value, value.unit) if value else (None, None)
        _append(ws, BUDGET, {"label": label, "amount": amount, "unit": unit, "note": note})

    sources = b.initial_by_source if b else []
    for s in sources:
        money(f"年初预算-{s.source}", s.amount)
    if not sources:
        _append(ws, BUDGET, {"label": "年初预算-财政拨款"})
    for item in BUDGET_ITEMS[1:]:
        if item.label == "调增":
            # Adjustments keep their order, so both kinds are written where 调增 sits in the template.
            for a in b.adjustments if b else []:
                money(a.kind, a.amount, a.reason)
            if not (b and b.adjustments):
                _append(ws, BUDGET, {"label": "调增"})
                _append(ws, BUDGET, {"label": "调减"})
        elif item.label == "调减":
            continue
        elif item.label == "预算执行率":
            rate = b.execution_rate if b else None
            _append(ws, BUDGET, {"label": item.label, "amount": rate, "unit": "%" if rate is not None else None})
        elif item.label == "执行率低原因":
            _append(ws, BUDGET, {"label": item.label, "note": b.low_execution_reason if b else None})
        else:
            money(item.label, getattr(b, str(item.path[0])) if b else None)
    for number in range(2, ws.max_row + 1):
        label = ws.cell(row=number, column=1).value
        item = _Reader._item(BUDGET_ITEMS, label) or BUDGET_ITEMS[0]
        ws.cell(row=number, column=1).comment = _comment(item.hint)


def _get(data: Any, path: Loc) -> Any:
    for part in path:
        data = getattr(data, str(part))
    return data
