"""Wording rules as data: YAML packs in the style of Vale, and the small engine that runs them.

A pack (``assistant/checks/rules/*.yaml``, or a path in the review config's ``packs``) is a list of rules::

    rules:
      - id: vague.evaluative-claim      # the id a reviewer disables or silences
        kind: conditional               # existence | substitution | occurrence | conditional | repetition
        category: vague_wording
        severity: warning
        message: "“{match}”是评价性表述……"
        suggestion: "请写明实际完成值……"
        tokens: [取得良好成效, 成效显著]
        unless: figure-in-sentence

Messages and suggestions may use ``{match}`` (the matched text) and, by kind, ``{right}`` (substitution),
``{n}``/``{max}`` (occurrence) and ``{unit}`` (repetition). Every built-in pack rule is registered in the rule
registry under its own id, so ``disable: [vague.evaluative-claim]`` silences exactly that rule; a pack's name
(its file stem unless it says ``name:``) disables the whole pack. All tokens of all rules in one pack are indexed
by the characters they can start with (literal tokens as a trie), so a pass over the text is one scan of one
character class; where something matches, every rule that matches at that place reports.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from re import _constants as _c  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.checks import pack_cache
from assistant.checks.finding import Category, Finding, Severity
from assistant.checks.registry import Context, rule
from assistant.errors import InputError
from assistant.text.sections import parse_heading

PACK_DIR = Path(__file__).parent / "rules"
KINDS = ("existence", "substitution", "occurrence", "conditional", "repetition")
# Figures that measure something; years, dates and bare numbers ("第3") do not support a claim.
MEASURED = ["money", "percent", "percent_point", "count", "time", "score"]


class _RuleBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$", description="规则编号，如 vague.evaluative-claim")
    category: Category
    severity: Severity = "warning"
    message: str = Field(min_length=1)
    suggestion: str = ""
    description: str = Field("", description="规则列表中显示的一句话说明；不写则取 message")
    exceptions: list[str] = Field(default_factory=list, description="包含命中处的这些原文不算问题，如“X光”")
    example: str = Field("", description="会被这条规则标出的一句话（assistant rules 显示，测试逐条核对）")
    counter_example: str = Field("", description="相似但不应被标出的一句话")


class _TokenRule(_RuleBase):
    tokens: list[str] = Field(min_length=1)
    regex: bool = False


class ExistenceRule(_TokenRule):
    """Every occurrence of a token is a finding."""

    kind: Literal["existence"]


class SubstitutionRule(_RuleBase):
    """A miswritten term and its correct form; with ``regex: true`` the right side may use ``\\1``."""

    kind: Literal["substitution"]
    swap: dict[str, str] = Field(min_length=1)
    regex: bool = False
    certain: bool = Field(
        False, description="右侧写法在任何上下文中都正确：审阅后的 Word 文件把它作为修订（可一键接受）"
    )


class OccurrenceRule(_TokenRule):
    """A token used more than ``max`` times in the document (or in one paragraph) is flagged from then on."""

    kind: Literal["occurrence"]
    max: int = Field(ge=0)
    scope: Literal["document", "paragraph"] = "document"


SkipPlace = Literal["heading", "name", "duty", "indicator"]
_DEFAULT_SKIP: tuple[SkipPlace, ...] = ("heading", "name", "indicator")


class ConditionalRule(_TokenRule):
    """A token is a finding unless a figure that measures it stands next to it (or in its sentence/paragraph)."""

    kind: Literal["conditional"]
    unless: Literal["figure-near", "figure-in-sentence", "figure-in-paragraph"] = Field(
        "figure-near",
        description="figure-near：同一句中、命中处前后 reach 个字以内（不跨表格单元格）有实测数字就不报",
    )
    reach: int = Field(40, ge=0, description="figure-near 的范围（字数）")
    figure_kinds: list[str] = Field(default_factory=lambda: list(MEASURED))
    bounds_measure: bool = Field(False, description="带 ≥、以上、约、左右 的数字是否算实测（目标值算，结果不算）")
    when: list[str] = Field(
        default_factory=list,
        description="只在句中、所在表格列标题或所在章节标题含这些词之一时检查（如“目标”“任务措施”）",
    )
    skip: list[SkipPlace] = Field(
        default_factory=lambda: list(_DEFAULT_SKIP),
        description="不检查的位置：标题行、资金/项目/文件名称、职责表述、指标名称栏",
    )
    once_per_sentence: bool = False


class RepetitionRule(_RuleBase):
    """The same phrase written twice in a row ("并分为并分为"), minus legitimate reduplications."""

    kind: Literal["repetition"]
    min_chars: int = Field(2, ge=1)
    max_chars: int = Field(10, ge=1)
    chars: str = Field("\\u4e00-\\u9fff", description="短语可由哪些字组成（正则字符类的内容）")
    allow: list[str] = Field(default_factory=list, description="允许的叠用（整体或单元），如“研究研究”")
    allow_patterns: list[str] = Field(default_factory=list, description="允许的叠用（正则，整体匹配）")


PackRule = Annotated[
    ExistenceRule | SubstitutionRule | OccurrenceRule | ConditionalRule | RepetitionRule,
    Field(discriminator="kind"),
]


class Pack(BaseModel):
    """A YAML rule pack: a name, a description and its rules."""

    model_config = ConfigDict(extra="forbid")

    name: str = ""
    description: str = ""
    rules: list[PackRule] = Field(min_length=1)

    def __hash__(self) -> int:
        """By identity: loaded packs are cached objects, and their compiled scanners are cached per pack."""
        return id(self)


# ---------------------------------------------------------------------------------------------------------
# Loading


def load_pack(path: str | Path) -> Pack:
    """Read and validate one pack; InputError naming the file (and the rule) when it is unusable."""
    p = Path(path)
    try:
        stat = p.stat()
    except OSError as exc:
        raise InputError(f"{p}: 无法读取规则包（{exc.strerror or exc}），请检查 packs 中的路径") from None
    return _load_pack(str(p), stat.st_mtime_ns)


@lru_cache(maxsize=64)
def _load_pack(path: str, _mtime: int) -> Pack:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: 无法读取规则包（{exc}）") from None
    # A pack file read before (same bytes) comes parsed from the cache: no YAML parser on a warm start.
    digest = hashlib.sha256(data).hexdigest()
    cache = pack_cache.shared()
    raw = cache.pack(digest)
    fresh = raw is None
    if fresh:
        raw = _parse_yaml(path, data)
    if not isinstance(raw, dict):
        raise InputError(f"{path}: 规则包顶层应是键值对，并含有 rules 列表")
    try:
        pack = Pack.model_validate(raw)
    except ValidationError as exc:
        problems = "\n".join(f"  - {_where(raw, e['loc'])}: {_what(e)}" for e in exc.errors())
        raise InputError(f"{path}: 规则包有误：\n{problems}") from None
    if not pack.name:
        pack.name = Path(path).stem
    seen: set[str] = set()
    for r in pack.rules:
        if r.id in seen:
            raise InputError(f"{path}: 规则编号“{r.id}”重复，请改名")
        seen.add(r.id)
        for pattern in _patterns(r):
            try:
                compiled = _rx(pattern)
            except re.error as exc:
                raise InputError(f"{path}: 规则“{r.id}”的正则“{pattern}”写错了（{exc}）") from None
            if compiled.groupindex:
                raise InputError(f"{path}: 规则“{r.id}”的正则“{pattern}”不能含命名分组 (?P<…>)，请改用 (?:…)")
    if fresh:
        cache.add_pack(digest, raw)
    return pack


def _parse_yaml(path: str, data: bytes) -> Any:
    """The YAML of a pack file, by libyaml when installed; InputError naming the file when it is not YAML."""
    import yaml

    try:
        # as Path.read_text reads it: universal newlines
        text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
        try:
            return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError:
            return yaml.safe_load(text)  # the same verdict, in the pure-Python parser's words (with the line shown)
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: 无法读取规则包（{exc}）") from None


def _rx(pattern: str) -> re.Pattern[str]:
    """``re.compile`` for the packs' patterns, through the on-disk cache of compiled code (pack_cache)."""
    return pack_cache.shared().compile(pattern)


def _patterns(r: _RuleBase) -> list[str]:
    if isinstance(r, RepetitionRule):
        return [f"[{r.chars}]", *r.allow_patterns]
    if isinstance(r, SubstitutionRule):
        return list(r.swap) if r.regex else []
    if isinstance(r, _TokenRule) and r.regex:
        return r.tokens
    return []


def _where(raw: dict[str, Any], loc: tuple[int | str, ...]) -> str:
    out = ""
    node: Any = raw
    for part in loc:
        if isinstance(part, int):
            rid = node[part].get("id") if isinstance(node, list) and isinstance(node[part], dict) else None
            out += f"[{part}]" + (f"（{rid}）" if rid else "")
            node = node[part] if isinstance(node, list) else None
        elif part in KINDS and isinstance(node, dict) and node.get("kind") == part:
            continue  # the discriminator's own step in the path says nothing to a pack author
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out or "（顶层）"


def _what(err: Any) -> str:
    if err["type"] == "union_tag_invalid":
        return f"kind“{err['input'].get('kind')}”未知，可用：{'、'.join(KINDS)}"
    if err["type"] == "union_tag_not_found":
        return f"缺少 kind（{'、'.join(KINDS)} 之一）"
    if err["type"] == "extra_forbidden":
        return "不认识这个字段（拼写错误？）"
    return str(err["msg"])


@lru_cache(maxsize=1)
def builtin_packs() -> tuple[Pack, ...]:
    """The packs shipped in ``assistant/checks/rules``."""
    packs = tuple(load_pack(p) for p in sorted(PACK_DIR.glob("*.yaml")))
    ids: set[str] = set()
    for pack in packs:
        for r in pack.rules:
            if r.id in ids:
                raise InputError(f"{PACK_DIR}: 规则编号“{r.id}”在多个规则包中出现")
            ids.add(r.id)
    return packs


# ---------------------------------------------------------------------------------------------------------
# Compiling: one scanner per pack


@dataclass
class _Target:
    """One way a rule can match: a regex token, or all of a rule's literal tokens as one trie."""

    rule: _RuleBase
    pattern: re.Pattern[str]
    right: str = ""  # substitution: the replacement (a template when the swap is a regex)
    rights: dict[str, str] = field(default_factory=dict)  # literal substitution: matched text -> replacement
    # What the run loop asks of the rule at every match, read off it once when the pack is compiled.
    kind: str = field(init=False, default="")
    plan: _Plan | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.kind = str(getattr(self.rule, "kind", ""))
        if isinstance(self.rule, ConditionalRule):
            self.plan = _Plan.of(self.rule)


@dataclass(frozen=True)
class _Plan:
    """A conditional rule's settings as the per-match test reads them: sets, flags and one regex of its
    ``when`` words (a search over the sentence finds what ``any(w in sentence for w in when)`` finds)."""

    when: re.Pattern[str] | None
    heading: bool
    name: bool
    duty: bool
    indicator: bool
    kinds: frozenset[str]

    @staticmethod
    def of(r: ConditionalRule) -> _Plan:
        """The plan of ``r``."""
        when = _rx("|".join(re.escape(w) for w in r.when)) if r.when else None
        skip = set(r.skip)
        return _Plan(
            when, "heading" in skip, "name" in skip, "duty" in skip, "indicator" in skip, frozenset(r.figure_kinds)
        )


@dataclass
class _Scanner:
    """All the token rules of a pack behind one first-character index, so several rules matching at one place
    all report, each with its own longest match.

    ``candidates`` is one character class of every character a token can start with: the text is walked once at
    C speed. At each candidate, ``first[ch]`` (one alternation of the tokens that can start with that character)
    says whether anything matches there; only then is each of those targets tried. Tokens whose first character
    is not a small known set (``anywhere``) are scanned on their own.
    """

    candidates: re.Pattern[str] | None
    first: dict[str, re.Pattern[str]]
    by_char: dict[str, list[_Target]]
    anywhere: list[_Target]
    # What a candidate's next character must be for a match to start there, as a regex to follow the candidate:
    # one of the characters that can stand second in the matches of its targets, unless some target of that
    # candidate can match one character alone (or its second is not known). "": no such test.
    ahead: str = ""

    def matches(self, text: str) -> list[tuple[_Target, re.Match[str]]]:
        """Every (target, match) in the text, in order of position; targets in pack order at one position."""
        by_char = self.by_char
        if self.candidates is not None and not self.anywhere:
            # the common case: the first-character pass alone, already in (position, target) order
            out: list[tuple[_Target, re.Match[str]]] = []
            finder = _finder(self)
            first = self.first
            for c in (finder or self.candidates).finditer(text):
                at = c.start()
                ch = text[at]
                if finder is None and first[ch].match(text, at) is None:
                    continue
                for target in by_char[ch]:
                    m = target.pattern.match(text, at)
                    if m is not None and m.end() > at:
                        out.append((target, m))
            return out
        found: list[tuple[int, int, _Target, re.Match[str]]] = []
        if self.candidates is not None:
            first = self.first
            finder = _finder(self)
            for c in (finder or self.candidates).finditer(text):
                at = c.start()
                ch = text[at]
                if finder is None and first[ch].match(text, at) is None:
                    continue
                for k, target in enumerate(by_char[ch]):
                    m = target.pattern.match(text, at)
                    if m is not None and m.end() > at:
                        found.append((at, k, target, m))
        for k, target in enumerate(self.anywhere, 10_000):
            found.extend((m.start(), k, target, m) for m in finditer(target.pattern, text) if m.end() > m.start())
        if self.anywhere:  # the first-character pass is already in (position, target) order
            found.sort(key=itemgetter(0, 1))
        return [(t, m) for _, _, t, m in found]


def finditer(pattern: re.Pattern[str], text: str) -> list[re.Match[str]]:
    """``list(pattern.finditer(text))``, trying only the places a match can start when the pattern has an anchor.

    An anchor (see ``anchor``) is a character every match holds ``lo``–``hi`` characters after its start: the
    places worth a try are those few before each such character, in order, each tried once, none before the end
    of the last match (as finditer resumes there). Every other place cannot start a match.
    """
    found = anchor(pattern.pattern, pattern.flags)
    if found is None:
        return list(pattern.finditer(text))
    chars, lo, hi = found
    out: list[re.Match[str]] = []
    match = pattern.match
    at = 0  # the first place not yet tried (and not inside a match found)
    for a in _rx(chars).finditer(text):
        p = a.start()
        i, last = max(p - hi, at), p - lo
        while i <= last:
            m = match(text, i)
            if m is None:
                i += 1
            else:
                out.append(m)
                i = m.end()  # never empty: the anchor is a character of the match
        at = max(at, i)
    return out


@lru_cache(maxsize=256)
def anchor(pattern: str, flags: int = 0) -> tuple[str, int, int] | None:
    """A set of characters every match of ``pattern`` holds at ``lo``..``hi`` characters from its start, as
    (a character class, lo, hi); None when the pattern's top level names no such small set at a bounded distance."""
    if flags & re.IGNORECASE:
        return None  # the parsed characters would not be all the characters a match can hold
    try:
        items = _parser.parse(pattern, flags)
    except (re.error, TypeError, ValueError):
        return None
    if items.state.flags & re.IGNORECASE:
        return None
    lo = hi = 0
    for op, av in items:
        chars = {chr(av)} if op is _c.LITERAL else _in_set(av) if op is _c.IN else None
        if chars and len(chars) <= 64:
            return "[" + "".join(re.escape(ch) for ch in sorted(chars)) + "]", lo, hi
        width = _parser.SubPattern(items.state, [(op, av)]).getwidth()
        lo, hi = lo + width[0], hi + width[1]
        if hi - lo > 32:
            return None  # unbounded, or too many places before each anchor to try
    return None


def trie_pattern(words: list[str]) -> str:
    """One regex matching any of ``words``, factored as a trie so the longest word at a place wins."""
    trie: dict[str, Any] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


def _targets(r: _RuleBase) -> list[_Target]:
    if isinstance(r, SubstitutionRule):
        if r.regex:
            return [_Target(r, _rx(token), right) for token, right in r.swap.items()]
        return [_Target(r, _rx(trie_pattern(list(r.swap))), rights=dict(r.swap))]
    if isinstance(r, _TokenRule):
        if r.regex:
            return [_Target(r, _rx(token)) for token in r.tokens]
        return [_Target(r, _rx(trie_pattern([t for t in r.tokens if t])))]
    return []


_BACKREF = re.compile(r"\\[1-9]|\(\?P=")


def _compile(rules: list[_RuleBase]) -> _Scanner | None:
    targets = [t for r in rules for t in _targets(r)]
    if not targets:
        return None
    by_char: dict[str, list[_Target]] = {}
    anywhere: list[_Target] = []
    for target in targets:
        # A back-reference would point at another token's group inside a shared alternation: scan it alone.
        pattern = target.pattern.pattern
        if _BACKREF.search(pattern):
            chars = None
        elif version := _engine_version():
            chars = pack_cache.shared().first_chars(pattern, first_chars, version)
        else:
            chars = first_chars(pattern)
        if chars is None:
            anywhere.append(target)
        for ch in chars or ():
            by_char.setdefault(ch, []).append(target)
    first = {ch: _rx("|".join(f"(?:{t.pattern.pattern})" for t in ts)) for ch, ts in by_char.items()}
    candidates = _rx("[" + "".join(re.escape(ch) for ch in sorted(by_char)) + "]") if by_char else None
    seconds: set[str] = set()
    unfiltered: set[str] = set()  # candidates with a target whose second character is not known
    version = _engine_version()
    for ch, ts in by_char.items():
        for target in ts:
            pattern = target.pattern.pattern
            found = (
                pack_cache.shared().first_chars(pattern, second_chars, version + ":second")
                if version
                else second_chars(pattern)
            )
            if found is None:
                unfiltered.add(ch)
            else:
                seconds |= found
    ahead = ""
    if seconds and len(unfiltered) < len(by_char):
        ahead = "(?=[" + "".join(re.escape(ch) for ch in sorted(seconds)) + "])"
        if unfiltered:
            ahead = "(?:(?<=[" + "".join(re.escape(ch) for ch in sorted(unfiltered)) + "])|" + ahead + ")"
    return _Scanner(candidates, first, by_char, anywhere, ahead)


@lru_cache(maxsize=1)
def _engine_version() -> str | None:
    """A fingerprint of this file: cached first characters are reused only by the code that computed them."""
    try:
        return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
    except OSError:
        return None


def second_chars(pattern: str) -> set[str] | None:
    """The characters that can stand second in a match of ``pattern``, or None when a match can be one character
    long or they are not a small known set (lookarounds are read as matching anywhere: a superset)."""
    try:
        items = _parser.parse(pattern)
    except (re.error, TypeError, ValueError):
        return None
    if items.state.flags & re.IGNORECASE:
        return None
    first, _, one, second = _shape(items)
    if one or second is None or len(second) > 2000:
        return None
    return set(second)


# What a (sub)pattern can match, as (its first characters, whether it can match "", whether it can match one
# character, the characters that can stand second in its matches of two or more); None: any character.
_Chars = frozenset[str] | None
_Shape = tuple[_Chars, bool, bool, _Chars]
_NOTHING: frozenset[str] = frozenset()
_EMPTY: _Shape = (_NOTHING, True, False, _NOTHING)
_UNKNOWN: _Shape = (None, True, True, None)  # anything at all: every answer allowed


def _shape(items: Any) -> _Shape:
    """The shape of a sequence: its items' shapes one after another."""
    out = _EMPTY
    for op, av in items:
        out = _concat(out, _item_shape(op, av))
    return out


def _item_shape(op: Any, av: Any) -> _Shape:
    if op is _c.LITERAL:
        return frozenset(chr(av)), False, True, _NOTHING
    if op is _c.IN:
        chars = _in_set(av)
        return None if chars is None else frozenset(chars), False, True, _NOTHING
    if op in (_c.NOT_LITERAL, _c.ANY):
        return None, False, True, _NOTHING  # one character, any
    if op in (_c.ASSERT, _c.ASSERT_NOT, _c.AT):
        return _EMPTY  # zero-width; what it asserts only narrows the matches
    if op is _c.SUBPATTERN:
        return _UNKNOWN if av[1] & re.IGNORECASE else _shape(av[-1])
    if op is _c.ATOMIC_GROUP:
        return _shape(av)
    if op is _c.BRANCH:
        return _union([_shape(b) for b in av[1]])
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        lo, hi, sub = av
        once = _shape(sub)
        # k copies, lo <= k <= hi: the second character of k >= 3 copies is that of two copies
        parts = [_EMPTY] if lo == 0 else []
        if lo <= 1 <= hi:
            parts.append(once)
        if hi >= 2:
            parts.append(_concat(once, once))
        return _union(parts)
    return _UNKNOWN  # a back-reference, a conditional: not known


def _either(a: _Chars, b: _Chars) -> _Chars:
    return None if a is None or b is None else a | b


def _concat(a: _Shape, b: _Shape) -> _Shape:
    return (
        _either(a[0], b[0]) if a[1] else a[0],
        a[1] and b[1],
        (a[2] and b[1]) or (a[1] and b[2]),
        _either(_either(a[3], b[0] if a[2] else _NOTHING), b[3] if a[1] else _NOTHING),
    )


def _union(shapes: list[_Shape]) -> _Shape:
    out: _Shape = (_NOTHING, False, False, _NOTHING)
    for s in shapes:
        out = (_either(out[0], s[0]), out[1] or s[1], out[2] or s[2], _either(out[3], s[3]))
    return out


def first_chars(pattern: str) -> set[str] | None:
    """The characters a match of ``pattern`` can start with, or None when that is not a small known set."""
    try:
        found = _first(_parser.parse(pattern))
    except (re.error, TypeError, ValueError):
        return None
    return found[0] if found is not None and not found[1] and len(found[0]) <= 2000 else None


def _first(items: Any) -> tuple[set[str], bool] | None:
    """(possible first characters, whether the sequence can match the empty string)."""
    out: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            return out | {chr(av)}, False
        if op is _c.IN:
            chars = _in_set(av)
            return None if chars is None else (out | chars, False)
        if op in (_c.ASSERT, _c.ASSERT_NOT, _c.AT):
            continue  # zero-width: the first character comes from what follows
        if op is _c.SUBPATTERN or op is _c.ATOMIC_GROUP:
            sub = _first(av[-1] if op is _c.SUBPATTERN else av)
        elif op is _c.BRANCH:
            branches = [_first(b) for b in av[1]]
            if any(b is None for b in branches):
                return None
            sub = (set().union(*(b[0] for b in branches if b)), any(b[1] for b in branches if b))
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            inner = _first(av[2])
            sub = None if inner is None else (inner[0], inner[1] or av[0] == 0)
        else:
            return None  # ANY, NOT_LITERAL, categories, back-references: could start anywhere
        if sub is None:
            return None
        out |= sub[0]
        if not sub[1]:
            return out, False
    return out, True


def _in_set(items: Any) -> set[str] | None:
    chars: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            chars.add(chr(av))
        elif op is _c.RANGE and av[1] - av[0] <= 400:
            chars.update(chr(i) for i in range(av[0], av[1] + 1))
        else:
            return None  # negated sets, \d, \w, wide ranges
    return chars


@lru_cache(maxsize=256)
def _scanner(pack: Pack, active: frozenset[str]) -> _Scanner | None:
    scanner = _compile([r for r in pack.rules if r.id in active and not isinstance(r, RepetitionRule)])
    pack_cache.shared().save()  # what a cold start compiled, for the next run (nothing to write when warm)
    return scanner


@lru_cache(maxsize=256)
def _exception_regex(words: tuple[str, ...]) -> re.Pattern[str]:
    return _rx(trie_pattern(list(words)))


# ---------------------------------------------------------------------------------------------------------
# Running


_FINDERS: dict[int, tuple[_Scanner, re.Pattern[str] | None]] = {}


def _finder(scanner: _Scanner) -> re.Pattern[str] | None:
    """One regex that stops only where a token of ``scanner`` that can start with that character matches there
    (None when it cannot be built).

    ``[candidates](?<=(?:a(?<=(?=Ta)[\\s\\S])|[bc](?<=(?=Tbc)[\\s\\S])|…))``: the engine skips non-candidates
    by the leading character set; at a candidate it picks the branch of that character (``Ta``: the alternation
    of the targets listed under it, grouped with the characters that share them) and looks ahead from there,
    all in C. Python then sees only the places where something matches, and ``matches`` tries that character's
    targets one by one as before: where their alternation matches, trying them decides; where it does not, none
    of them could.
    """
    key = id(scanner)
    if key not in _FINDERS:
        if len(_FINDERS) > 256:
            _FINDERS.clear()  # scanners are cached per pack and rule set; this only bounds a long-lived server
        pattern = None
        # a conditional group counts groups by number, and here other tokens' groups come first: keep to the
        # per-place test for such a pack
        plain = not any("(?(" in t.pattern.pattern for ts in scanner.by_char.values() for t in ts)
        if scanner.candidates is not None and plain:
            groups: dict[tuple[int, ...], list[str]] = {}
            # in character order: the pattern is then the same text every run, and the compiled-pattern cache
            # (regex_cache) finds it instead of compiling it again at each start
            for ch, targets in sorted(scanner.by_char.items()):
                groups.setdefault(tuple(id(t) for t in targets), []).append(ch)
            branches = []
            heads = list(groups.values())
            for chars in heads:
                tokens = dict.fromkeys(t.pattern.pattern for t in scanner.by_char[chars[0]])
                head = re.escape(chars[0]) if len(chars) == 1 else "[" + "".join(map(re.escape, chars)) + "]"
                branches.append(f"{head}(?<=(?=" + "|".join(f"(?:{t})" for t in tokens) + ")[\\s\\S])")
            # Branches in bundles of about the square root of their number behind one character set each:
            # a candidate is tested against a few bundles and then a few branches, not against every branch.
            size = max(1, math.isqrt(len(branches)))
            bundles = []
            for i in range(0, len(branches), size):
                part = branches[i : i + size]
                members = "".join(map(re.escape, (ch for g in heads[i : i + size] for ch in g)))
                bundles.append(f"[{members}](?<=(?:" + "|".join(part) + "))")
            try:
                # a candidate whose next character no match can have second is passed over before any branch
                third = _third(scanner)
                pattern = re.compile(
                    f"{scanner.candidates.pattern}{scanner.ahead}{third}(?<=(?:" + "|".join(bundles) + "))"
                )
            except re.error:
                pattern = None  # e.g. a flag that only stands at the start of a pattern: test each place instead
        _FINDERS[key] = (scanner, pattern)  # holding the scanner keeps its id from being reused
    return _FINDERS[key][1]


def _words(target: _Target) -> list[str] | None:
    """The words of a target made of literal words (one trie), None for a regex token."""
    r = target.rule
    if isinstance(r, SubstitutionRule) and not r.regex:
        return list(r.swap)
    if isinstance(r, _TokenRule) and not r.regex:
        return [t for t in r.tokens if t]
    return None


def _third(scanner: _Scanner) -> str:
    """What the character two places after a candidate must be for a match to start there, as a regex to follow
    the candidate ("": no such test): the third character of a word of the candidate's targets, unless one of
    them is a regex token or has a word of one or two characters (then the candidate keeps every place). Only
    literal words are read: their third characters are simply known. Left out when three in four candidates keep
    every place anyway (the test would cost more than it saves)."""
    thirds: set[str] = set()
    kept: set[str] = set()
    for ch, targets in scanner.by_char.items():
        for target in targets:
            words = _words(target)
            if words is None:
                kept.add(ch)
                continue
            for w in words:
                if w[0] == ch:
                    if len(w) < 3:
                        kept.add(ch)
                    else:
                        thirds.add(w[2])
    if not thirds or 4 * len(kept) > 3 * len(scanner.by_char):
        return ""
    third = "(?=[\\s\\S][" + "".join(re.escape(ch) for ch in sorted(thirds)) + "])"
    if kept:
        third = "(?:(?<=[" + "".join(re.escape(ch) for ch in sorted(kept)) + "])|" + third + ")"
    return third


def check_wording(ctx: Context) -> list[Finding]:
    """Run the built-in packs and the config's extra packs over the document (disabled rules skipped)."""
    packs = list(builtin_packs())
    known = {r.id for p in packs for r in p.rules}
    for path in ctx.config.packs:
        extra = load_pack(path)
        for r in extra.rules:
            if r.id in known:
                raise InputError(f"{path}: 规则编号“{r.id}”已被其他规则包使用，请改名")
            known.add(r.id)
        packs.append(extra)
    disabled = set(ctx.config.disable)
    findings: list[Finding] = []
    for pack in packs:
        if pack.name in disabled:
            continue
        active = frozenset(r.id for r in pack.rules if r.id not in disabled)
        findings.extend(_run_pack(ctx, pack, active))
    return findings


def _run_pack(ctx: Context, pack: Pack, active: frozenset[str]) -> Iterator[Finding]:
    text = ctx.text
    counts: dict[tuple[str, str, int], int] = {}
    flagged_sentences: set[tuple[str, int]] = set()
    busy: dict[str, int] = {}  # rule id -> end of its last used match: one rule never reports overlapping spans
    claimed = 0  # end of the last conditional finding
    scanner = _scanner(pack, active)
    if scanner is not None:
        for target, m in scanner.matches(text):
            r = target.rule
            start, end = m.span()
            if start < busy.get(r.id, 0):
                continue
            conditional = target.plan is not None
            if conditional and start < claimed:
                continue  # one vague reading per stretch of text: the first rule of the pack that fires
            values = _check(ctx, target, m, counts, flagged_sentences)
            if values is not None:
                yield _finding(ctx, r, start, end, values)
                if conditional:
                    claimed = max(claimed, end)
                busy[r.id] = end
            elif target.kind == "occurrence":
                busy[r.id] = end  # counted occurrences are used even below their limit
    for r in pack.rules:
        if isinstance(r, RepetitionRule) and r.id in active:
            yield from _repetitions(ctx, r)


def _check(
    ctx: Context,
    target: _Target,
    m: re.Match[str],
    counts: dict[tuple[str, str, int], int],
    flagged_sentences: set[tuple[str, int]],
) -> dict[str, str] | None:
    """The template values of a finding at ``m`` for ``target``'s rule, or None when it does not apply."""
    r = target.rule
    start, end = m.span()
    if r.exceptions and _excepted(r, ctx.text, start, end):
        return None
    said = m.group()
    # the values are made only for a match that reports (most matches are passed over)
    if target.plan is not None:
        sentence = ctx.sentence_at(start)
        if not _applies(ctx, cast(ConditionalRule, r), target.plan, start, end, sentence):
            return None
        if cast(ConditionalRule, r).once_per_sentence:
            if (r.id, sentence[0]) in flagged_sentences:
                return None
            flagged_sentences.add((r.id, sentence[0]))
    elif isinstance(r, SubstitutionRule):
        return {"match": said, "right": target.rights[said] if target.rights else m.expand(target.right)}
    elif isinstance(r, OccurrenceRule):
        scope = ctx.paragraph_at(start)[0] if r.scope == "paragraph" else 0
        key = (r.id, said, scope)
        n = counts[key] = counts.get(key, 0) + 1
        if n <= r.max:
            return None
        return {"match": said, "n": str(n), "max": str(r.max)}
    return {"match": said}


def _finding(ctx: Context, r: _RuleBase, start: int, end: int, values: dict[str, str]) -> Finding:
    message, suggestion = _texts(r, values)
    if isinstance(r, ConditionalRule) and r.category == "vague_wording" and r.figure_kinds:
        own = own_figure(ctx, start)
        if own:
            suggestion += f"（本部分已有“{own}”等数据，可据此写出结论）"
    fix = values.get("right") if isinstance(r, SubstitutionRule) and r.certain else None
    return ctx.finding(r.id, r.category, r.severity, start, end, message, suggestion, fix=fix)


_SPENDING = re.compile(r"预算|执行|支出|资金|拨付|到位|经费|万元|元")
_LABEL_STOP = re.compile(r"[，。；：:、,;|\n（(]")


def own_figure(ctx: Context, offset: int) -> str:
    """A measured result the report itself gives in the section around ``offset`` (with its label), or ""."""
    section = ctx.doc.section_at(offset)
    if section is None:
        return ""
    # one answer per section, however many vague phrases it holds
    known: dict[tuple[int, int], str] = ctx.memo("wording.own_figure", _new_dict)
    key = (section.start, section.end)
    if key not in known:
        known[key] = _own_figure(ctx, section.start, section.end)
    return known[key]


def _own_figure(ctx: Context, start: int, end: int) -> str:
    text = ctx.text
    for n in ctx.numbers_in(start, end):
        if (
            n.kind in ("percent", "count", "score")
            and n.comparator is None
            and not n.approximate
            and any(ch.isdigit() for ch in n.raw)
        ):
            lo = max(start, n.start - 10)
            for stop in _LABEL_STOP.finditer(text, lo, n.start):
                lo = stop.end()
            label = text[lo : n.end].strip()
            # a bare number says nothing without what it counts; spending rates measure money, not results
            if len(label) > len(n.raw) and not _SPENDING.search(label):
                return label
    return ""


def _fill(template: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template


_TEXTS: dict[tuple[str, str, tuple[tuple[str, str], ...]], tuple[str, str]] = {}


def _texts(r: _RuleBase, values: dict[str, str]) -> tuple[str, str]:
    """``r``'s message and suggestion filled with ``values``, remembered: a pack's rules fill the same few
    templates with the same few matches."""
    key = (r.message, r.suggestion, tuple(values.items()))
    out = _TEXTS.get(key)
    if out is None:
        if len(_TEXTS) > 65536:
            _TEXTS.clear()  # bounds a long-lived server
        out = _TEXTS[key] = (_fill(r.message, values), _fill(r.suggestion, values))
    return out


# rule id -> (the rule, the longest exception's length, the exceptions' regex, for each matched text whether it
# is part of some exception); holding the rule keeps its id unique
_EXCEPTIONS: dict[int, tuple[_RuleBase, int, re.Pattern[str], dict[str, bool]]] = {}


def _excepted(r: _RuleBase, text: str, start: int, end: int) -> bool:
    """True when an exception phrase written around the match covers it (the "X" of "X光")."""
    if not r.exceptions:
        return False
    if id(r) not in _EXCEPTIONS:  # once per rule, not once per match: the lists can be long
        if len(_EXCEPTIONS) > 4096:
            _EXCEPTIONS.clear()
        _EXCEPTIONS[id(r)] = (r, max(map(len, r.exceptions)), _exception_regex(tuple(r.exceptions)), {})
    _, reach, pattern, inside = _EXCEPTIONS[id(r)]
    # An exception that covers the match holds its text: a text no exception holds needs no search around it
    # (nor does one longer than every exception, which most regex matches are).
    if end - start > reach:
        return False
    said = text[start:end]
    could = inside.get(said)
    if could is None:
        if len(inside) > 65536:
            inside.clear()  # a regex token can match endless texts: this bounds a long-lived server
        could = inside[said] = any(said in w for w in r.exceptions)
    if not could:
        return False
    lo = max(0, start - reach)
    for e in pattern.finditer(text, lo, min(len(text), end + reach)):
        if e.start() <= start and e.end() >= end:
            return True
    return False


def _applies(ctx: Context, r: ConditionalRule, plan: _Plan, start: int, end: int, sentence: tuple[int, int]) -> bool:
    """A conditional rule fires in its context, outside headings and names, when no figure measures the match."""
    text = ctx.text
    s0, s1 = sentence
    header: str | None = None
    # the sentence is searched in place (no slice): most matches stop here, in the first test
    if plan.when is not None and plan.when.search(text, s0, s1) is None:
        header = _column_header(ctx, start)
        words = header + (ctx.doc.section_title_at(start) or "")
        if plan.when.search(words) is None:
            return False
    if plan.heading and in_heading(ctx, start):
        return False
    if plan.name and in_name(text, start, end):
        return False
    if plan.duty and _DUTY.match(text, s0):
        return False
    if plan.indicator:
        if header is None:
            header = _column_header(ctx, start)
        if _INDICATOR_COLUMN.search(header) or _NEXT_CELL_IS_VALUE.match(text, end):
            return False
    if r.unless == "figure-in-paragraph":
        span = ctx.paragraph_at(start)
    elif r.unless == "figure-in-sentence":
        span = sentence
    else:
        span = near(text, start, end, sentence, r.reach)
    # A prose sentence of ordinary length that reports two or more results is measured as a whole.
    whole = r.unless == "figure-near" and text.find("|", s0, s1) < 0 and s1 - s0 <= 150
    return not measured(ctx, plan.kinds, r.bounds_measure, span, sentence if whole else None)


def measured(
    ctx: Context, kinds: frozenset[str], bounds: bool, span: tuple[int, int], sentence: tuple[int, int] | None
) -> bool:
    """Whether a figure of ``kinds`` measures the span, or (given a sentence holding the span) two measure the
    sentence. Figures with ≥/约 count only when ``bounds``; "一批" never counts."""
    lo, hi = span
    if sentence is None:
        figures = ctx.numbers_in(lo, hi)
    else:
        figures = ctx.numbers_in(*sentence)  # one pass over the sentence's figures answers both questions
    count = 0
    for n in figures:
        if (
            n.kind in kinds
            and not _VAGUE_COUNT.fullmatch(n.raw)
            and (bounds or (n.comparator is None and not n.approximate))
        ):
            if sentence is None or (lo <= n.start < hi and n.end <= hi):
                return True
            count += 1
            if count == 2:
                return True
    return False


# "打造一批…", "一系列" read as counts of one, but they say nothing about how many.
_VAGUE_COUNT = re.compile(r"[一几]\s*(?:批|系列|些|大批|揽子)")


_DUTY = re.compile(
    r"\s*(?:[（(]?[一二三四五六七八九十\d]{1,2}[、.．)）])?\s*(?:主要)?(?:负责|承担|职责|职能|行使|贯彻执行)"
)
# Columns that hold names, not statements: 一级/二级/三级指标, 指标名称, 任务名称, and a bare 目标 column of first-level indicators.
_INDICATOR_COLUMN = re.compile(r"^\s*(?:[一二三]级指标|指标(?:名称)?|[^\s]{0,6}名称|目标)\s*$")
# Where a name ends: a fund, project, programme or document title.
_NAME_TAIL = re.compile(
    r"[^，。；、：:,;！？!?\s|“”《》（）()]{0,10}?(?:专项资金|资金|项目|工程|基金|专项|行动计划|实施方案|办法|条例|通知|意见)"
)
_NAME_END = re.compile(r"(?:专项资金|补助资金|发展资金|转移支付资金|基金)$")
# A cell of a "|" row followed by a comparator or a number cell is an indicator's name ("营养改善覆盖率 | ≥ | 95").
_NEXT_CELL_IS_VALUE = re.compile(r"[^|\n]*\|\s*(?:[≥≤=＝><≧≦═]|\d)")
_CLAUSE_STOP = re.compile(r"[。！？；;\n|]")


def near(text: str, start: int, end: int, sentence: tuple[int, int], reach: int) -> tuple[int, int]:
    """The span around a match where a figure can measure it: its sentence, ``reach`` characters either side,
    never across a table cell (``|``) or line."""
    lo = max(sentence[0], start - reach)
    hi = min(sentence[1], end + reach)
    for stop in _CLAUSE_STOP.finditer(text, lo, start):
        lo = stop.end()
    stop_after = _CLAUSE_STOP.search(text, end, hi)
    return lo, stop_after.start() if stop_after else hi


def in_heading(ctx: Context, offset: int) -> bool:
    """Whether ``offset`` falls in the title of a heading line ("三、提升服务能力情况")."""
    p0, p1 = ctx.paragraph_at(offset)
    ends: dict[int, int] = ctx.memo("wording.heading_ends", _new_dict)
    if p0 not in ends:
        line = ctx.text[p0:p1].rstrip()
        heading = parse_heading(line)
        # "2.提升农民技能水平。" is a numbered sentence of a list, not a title
        item = heading is not None and heading.title_end >= len(line) - 1 and line.endswith(("。", "；", ";"))
        ends[p0] = p0 + heading.title_end if heading is not None and not item else -1
    return offset < ends[p0]


def in_name(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is part of a name: a quoted or 《》 title, or words running into 专项资金/项目/工程."""
    if _NAME_TAIL.match(text, end) is not None or _NAME_END.search(text, start, end) is not None:
        return True
    for opener, closer in (("“", "”"), ("《", "》"), ('"', '"')):
        left = text.rfind(opener, max(0, start - 40), start)
        if left >= 0 and closer not in text[left + 1 : start]:
            right = text.find(closer, end, end + 40)
            if right >= 0:
                return True
    return False


def _column_header(ctx: Context, offset: int) -> str:
    """The header of the table column holding ``offset`` ("" outside tables)."""
    starts, cells = ctx.memo("wording.cell_headers", _header_index)
    i = bisect.bisect_right(starts, offset) - 1
    if i >= 0 and cells[i][0] <= offset < cells[i][1]:
        return cells[i][2]
    return ""


def _header_index(c: Context) -> tuple[list[int], list[tuple[int, int, str]]]:
    cells: list[tuple[int, int, str]] = []
    for table in c.doc.tables:
        header = table.header
        width = len(header)
        for row in table.rows:
            shift = max(width - len(row), 0)  # merged leading cells drop out of a flattened row
            # the cells with a header: those before the header runs out
            cells.extend((cell.start, cell.end, header[i + shift]) for i, cell in enumerate(row[: width - shift]))
    cells.sort()
    return [s for s, _, _ in cells], cells


def _new_dict(_c: Context) -> dict[Any, Any]:
    return {}


def _repetitions(ctx: Context, r: RepetitionRule) -> Iterator[Finding]:
    pattern = _repetition_regex(r.chars, r.min_chars, r.max_chars)
    allowed = set(r.allow)
    allow_re = [re.compile(p) for p in r.allow_patterns]
    text = ctx.text
    for m in pattern.finditer(text):
        doubled, unit = m.group(), m.group(1)
        if doubled in allowed or unit in allowed or any(a.fullmatch(doubled) for a in allow_re):
            continue
        if _excepted(r, text, m.start(), m.end()):
            continue
        yield _finding(ctx, r, m.start(), m.end(), {"match": doubled, "unit": unit})


@lru_cache(maxsize=32)
def _repetition_regex(chars: str, lo: int, hi: int) -> re.Pattern[str]:
    return _rx(f"([{chars}]{{{lo},{hi}}})\\1")


# ---------------------------------------------------------------------------------------------------------
# Registry: each built-in pack rule under its own id, one shared pass over the text


def _all_findings(ctx: Context) -> dict[str, list[Finding]]:
    def compute(c: Context) -> dict[str, list[Finding]]:
        grouped: dict[str, list[Finding]] = {}
        for f in check_wording(c):
            grouped.setdefault(f.rule, []).append(f)
        return grouped

    return ctx.memo("wording.findings", compute)


def _register(r: PackRule) -> None:
    def run(ctx: Context) -> list[Finding]:
        return _all_findings(ctx).get(r.id, [])

    description = r.description or _fill(r.message, {"match": "…", "right": "…", "unit": "…"})
    rule(
        r.id,
        description,
        category=r.category,
        severity=r.severity,
        example=r.example,
        counter_example=r.counter_example,
    )(run)


_BUILTIN_IDS = {r.id for p in builtin_packs() for r in p.rules}
for _pack in builtin_packs():
    for _r in _pack.rules:
        _register(_r)


@rule(
    "wording.extra-packs",
    "审阅配置 packs 中额外规则包的规则（各条规则的编号、例子见其规则包）",
    category="vague_wording",
    severity="warning",
    example="（规则包中的规则：tokens: [有关部门]）“经有关部门研究同意”",
    counter_example="（规则包中没有的写法）“经县财政局研究同意”",
)
def extra_packs(ctx: Context) -> list[Finding]:
    """Findings of the rules that come from the config's extra packs."""
    return [f for fs in _all_findings(ctx).values() for f in fs if f.rule not in _BUILTIN_IDS]
