"""Eval cases: one YAML file per case, validated strictly, every error naming the file.

A case is data (promptfoo-style): what to run (``kind: draft`` over a data file, or ``kind: review`` over a
report) and a list of assertions, each ``{type, value}``; ``not-<type>`` or ``not: true`` inverts one.
Scripted model outputs live in the case (``scripted:``) or in a sibling ``<case>.scripted.yaml``, so a person's
case file is never rewritten. A scripted file says where its answers came from: ``source: 手写`` (a person wrote
them, to stage a model's behaviour) or ``source: 录制`` with the ``model`` and the ``recorded`` date (what
``assistant eval --record`` writes). Answers written inside the case file are hand-written by definition.
A case that is known to fail says why in ``known_failure:``; only then may it stay failing without failing the run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from assistant.budget.facts import FactSheet, build_facts
from assistant.budget.loader import load_data, validate_data
from assistant.budget.models import ReportData
from assistant.errors import InputError
from assistant.resources import resource_dir

SCRIPTED_SUFFIX = ".scripted.yaml"
# Families of assertions; assertions.py registers one function under each name.
FAMILIES = (
    "contains",
    "regex",
    "length",
    "grounded-numbers",
    "covers-facts",
    "no-vague",
    "flags",
    "no-flag",
    "rubric",
)

EXAMPLE_PREFIX = "example:"  # a case's data taken from the shipped examples, wherever the case file is


class Assertion(BaseModel):
    """One expectation about an output: a family (``type``), its ``value``, and whether it is inverted."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    type: str
    value: Any = None
    negate: bool = Field(False, alias="not", description="invert the result (same as the not- prefix)")
    description: str = Field("", description="what this expectation is about, for people reading results")
    category: str | None = Field(None, description="flags / no-flag: the finding category that must (not) appear")
    min: int | None = Field(None, description="length: fewest characters")
    max: int | None = Field(None, description="length: most characters")
    sections: list[str] | None = Field(None, description="draft: grade only these section ids' text")
    threshold: float | None = Field(None, description="rubric: lowest passing score (0–1)")

    @model_validator(mode="before")
    @classmethod
    def _prefix(cls, raw: Any) -> Any:
        if isinstance(raw, dict) and isinstance(raw.get("type"), str) and raw["type"].startswith("not-"):
            raw = dict(raw)
            raw["type"] = raw["type"][4:]
            raw["not"] = not raw.get("not", False)
        return raw

    @model_validator(mode="after")
    def _known(self) -> Assertion:
        if self.type not in FAMILIES:
            raise ValueError(f"未知的断言类型“{self.type}”；可用：{', '.join(FAMILIES)}（可加 not- 前缀取反）")
        if self.type in ("contains", "regex", "flags", "no-flag", "rubric") and not self.value:
            raise ValueError(f"断言 {self.type} 需要 value")
        if self.type == "covers-facts" and not (isinstance(self.value, list) and self.value):
            raise ValueError("断言 covers-facts 的 value 应是事实编号列表，如 [budget.executed, p1.executed]")
        if self.type == "length" and self.min is None and self.max is None:
            raise ValueError("断言 length 需要 min 或 max")
        return self

    @property
    def label(self) -> str:
        """A short name for tables and the baseline: the family, inverted or not, and the start of its value."""
        name = ("not-" if self.negate else "") + self.type
        if self.value is None:
            return name
        value = self.value if isinstance(self.value, str) else ",".join(map(str, self.value))
        value = " ".join(str(value).split())
        return f"{name} {value[:24]}{'…' if len(value) > 24 else ''}"


class ScriptEntry(BaseModel):
    """A recorded model answer for one exact prompt (sha256 of the messages JSON)."""

    model_config = ConfigDict(extra="forbid")

    prompt_hash: str
    output: str
    template: str | None = None


HAND_WRITTEN = "手写"
RECORDED = "录制"


class ScriptFile(BaseModel):
    """The sibling ``<case>.scripted.yaml``: scripted answers and where they came from (hand-written or recorded)."""

    model_config = ConfigDict(extra="forbid")

    source: Literal["手写", "录制"] = Field(
        description="手写: a person wrote the answers; 录制: assistant eval --record took them from a real model"
    )
    model: str | None = Field(None, description="录制: the model that answered")
    recorded: dt.date | None = Field(None, description="录制: the day of the recording (YYYY-MM-DD)")
    note: str = Field("", description="手写: what the answers stage, and why they were written by hand")
    scripted: list[ScriptEntry] = []

    @model_validator(mode="after")
    def _provenance(self) -> ScriptFile:
        if self.source == RECORDED and (not self.model or self.recorded is None):
            raise ValueError("录制的输出须写明 model（模型名）和 recorded（录制日期，如 2026-12-01）")
        if self.source == HAND_WRITTEN and (self.model or self.recorded):
            raise ValueError("手写的输出不应写 model/recorded（那是录制输出的字段）；若确为录制，请写 source: 录制")
        return self

    @property
    def provenance(self) -> str:
        """``手写`` or ``录制：model，date`` — how summaries name the answers' origin."""
        if self.source == HAND_WRITTEN:
            return HAND_WRITTEN
        return f"{RECORDED}：{self.model}，{self.recorded}"


class Case(BaseModel):
    """One eval case: what to run and what must hold of its output."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str = ""
    description: str = ""
    kind: Literal["draft", "review"]
    data: str | dict[str, Any] | None = Field(None, description="data file (relative to the case) or inline data")
    sections: list[str] | None = Field(None, description="draft: only these section ids")
    report: str | None = Field(None, description="review: report file (relative to the case)")
    text: str | None = Field(None, description="review: inline report text")
    year: int | None = Field(None, description="review: reporting year (default: from data or the report)")
    tags: list[str] = []
    known_failure: str | None = Field(
        None, description="why this case is expected to fail for now; without it a failing case fails the run"
    )
    asserts: list[Assertion] = Field(alias="assert")
    scripted: list[ScriptEntry] = []

    _path: Path = PrivateAttr(default=Path("."))
    _script_source: str | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _shape(self) -> Case:
        if self.kind == "draft":
            if self.data is None:
                raise ValueError("draft 用例需要 data（数据文件路径或内联数据）")
            if self.report is not None or self.text is not None:
                raise ValueError("draft 用例不用 report/text")
        else:
            if (self.report is None) == (self.text is None):
                raise ValueError("review 用例需要 report（报告文件）或 text（内联文本），二者取一")
            if self.sections is not None:
                raise ValueError("review 用例不用 sections")
        if not self.asserts:
            raise ValueError("用例至少要有一条断言（assert）")
        if self.known_failure is not None and not self.known_failure.strip():
            raise ValueError("known_failure 应写明用例为何暂时不能通过（原因），不能为空")
        return self

    @property
    def path(self) -> Path:
        """The case file."""
        return self._path

    @property
    def script_source(self) -> str | None:
        """Where the scripted answers came from (``手写`` or ``录制：model，date``); None without any."""
        if not self.scripted:
            return None
        return self._script_source or HAND_WRITTEN

    def resolve(self, relative: str) -> Path:
        """A path written in the case: ``example:NAME`` is a shipped example; others are relative to the case file."""
        if relative.startswith(EXAMPLE_PREFIX):
            return resource_dir("examples") / relative.removeprefix(EXAMPLE_PREFIX)
        return (self._path.parent / relative).resolve()

    @cached_property
    def report_data(self) -> ReportData | None:
        """The case's department data, loaded (None for a review without data)."""
        if self.data is None:
            return None
        if isinstance(self.data, str):
            return shared_data(self.resolve(self.data))
        return validate_data(self.data, f"{self._path}: data", None)

    @cached_property
    def facts(self) -> FactSheet | None:
        """The FactSheet of the case's data (None without data)."""
        data = self.report_data
        return shared_facts(data) if data is not None else None


# A suite's cases share a handful of data files (the shipped examples): each is read, validated and turned into a
# FactSheet once per version of the file, not once per case. Neither is changed after it is built.
_DATA: dict[tuple[Path, int, int], ReportData] = {}
_FACTS: dict[int, tuple[ReportData, FactSheet]] = {}
_HELD = 64  # a long-lived process (the web page) runs many suites: keep the latest few files


def _remember(table: dict[Any, Any], key: Any, value: Any) -> None:
    table[key] = value
    while len(table) > _HELD:
        table.pop(next(iter(table)))


def shared_data(path: Path) -> ReportData:
    """The data file at ``path``, loaded once per version of the file (its modification time and size)."""
    try:
        st = path.stat()
    except OSError:
        return load_data(path)  # it reports the problem in the user's terms
    key = (path, st.st_mtime_ns, st.st_size)
    if key not in _DATA:
        _remember(_DATA, key, load_data(path))
    return _DATA[key]


def shared_facts(data: ReportData) -> FactSheet:
    """The FactSheet of ``data`` (default scoring rules and money unit), built once per data object."""
    held = _FACTS.get(id(data))
    if held is None or held[0] is not data:  # the data object is kept, so its id is not reused while cached
        held = (data, build_facts(data))
        _remember(_FACTS, id(data), held)
    return held[1]


def load_case(path: str | Path) -> Case:
    """Read and validate one case file (and its sibling scripted file); InputError names the file and field."""
    p = Path(path)
    raw = _read_yaml(p)
    if not isinstance(raw, dict):
        raise InputError(f"{p}: 用例文件的顶层应是键值对（kind、assert …）")
    try:
        case = Case.model_validate(raw)
    except ValidationError as exc:
        raise InputError(_describe(p, exc)) from None
    case._path = p
    if not case.id:
        case.id = p.name.removesuffix(".yaml").removesuffix(".yml")
    sibling = scripted_path(p)
    if sibling.exists():
        extra = _read_yaml(sibling) or {}
        if not isinstance(extra, dict):
            raise InputError(f"{sibling}: 脚本文件的顶层应是键值对（source、scripted …）")
        try:
            script = ScriptFile.model_validate(extra)
        except ValidationError as exc:
            raise InputError(_describe(sibling, exc) + _SOURCE_HINT) from None
        mine = {e.prompt_hash for e in script.scripted}
        inline = [e for e in case.scripted if e.prompt_hash not in mine]
        case.scripted = [*inline, *script.scripted]
        case._script_source = script.provenance if not inline else f"{script.provenance}；{HAND_WRITTEN}"
    _check_inputs(case)
    return case


def load_cases(paths: Iterable[str | Path]) -> list[Case]:
    """Every case under ``paths`` (files, or folders of ``*.yaml``), in name order, ids unique."""
    files: list[Path] = []
    for item in paths:
        p = Path(item)
        if p.is_dir():
            files += sorted(f for f in p.iterdir() if _is_case_file(f))
        elif p.name.endswith(SCRIPTED_SUFFIX):
            continue  # recorded outputs belong to their case file, which loads them
        elif p.exists():
            files.append(p)
        else:
            raise InputError(f"{p}: 用例文件或目录不存在")
    cases = [load_case(f) for f in files]
    seen: dict[str, Path] = {}
    for case in cases:
        if case.id in seen:
            raise InputError(f"{case.path}: 用例编号“{case.id}”与 {seen[case.id]} 重复")
        seen[case.id] = case.path
    if not cases:
        raise InputError(f"{', '.join(map(str, paths))}: 没有找到用例（*.yaml）")
    return cases


def scripted_path(case_path: Path) -> Path:
    """Where ``--record`` writes a case's scripted outputs."""
    stem = case_path.name.removesuffix(".yaml").removesuffix(".yml")
    return case_path.with_name(stem + SCRIPTED_SUFFIX)


_SOURCE_HINT = "\n  （脚本文件须注明来源：source: 手写，或 source: 录制 并写 model 与 recorded 日期）"


def write_scripts(case: Case, entries: list[ScriptEntry], *, model: str, day: dt.date | None = None) -> Path:
    """Save outputs recorded from ``model`` next to the case file (the case file is left as its author wrote it)."""
    target = scripted_path(case.path)
    script = ScriptFile(source=RECORDED, model=model, recorded=day or dt.date.today(), scripted=entries)
    body = script.model_dump(exclude_none=True)  # python mode: the date is written as a YAML date, unquoted
    body.pop("note", None)
    header = (
        f"# 由 assistant eval --record 录制：{case.id} 的模型输出（模型 {model}，{script.recorded}；"
        "按提示词 sha256 索引）。提示词改动后请重新录制。\n"
    )
    target.write_text(header + yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
    return target


def _is_case_file(f: Path) -> bool:
    return f.is_file() and f.suffix in (".yaml", ".yml") and not f.name.endswith(SCRIPTED_SUFFIX)


def _read_yaml(p: Path) -> Any:
    try:
        # libyaml when present: the same safe loading, several times faster on a suite of many small cases.
        return yaml.load(p.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except OSError as exc:
        raise InputError(f"{p}: 无法读取（{exc.strerror or exc}）") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark is not None else ""
        raise InputError(f"{p}: YAML 格式错误{where}：{getattr(exc, 'problem', None) or exc}") from None


def _describe(p: Path, exc: ValidationError) -> str:
    lines = [f"{p}: 用例有 {exc.error_count()} 处问题："]
    for err in exc.errors(include_url=False):
        where = ".".join(str(x) for x in err["loc"]) or "（顶层）"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "不认识的字段（拼写错误？）"
        lines.append(f"  - {where}: {msg}")
    return "\n".join(lines)


def _check_inputs(case: Case) -> None:
    """Fail at load time (exit 2) when a referenced file is missing or the data is invalid."""
    for name in ("report", "data"):
        value = getattr(case, name)
        if isinstance(value, str) and not case.resolve(value).exists():
            raise InputError(f"{case.path}: {name} 指向的文件不存在：{case.resolve(value)}")
    try:
        case.report_data  # noqa: B018 - validate now, not in the middle of a run
    except InputError as exc:
        raise InputError(f"{case.path}: 数据无法使用：{exc}") from None
