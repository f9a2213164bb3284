"""This year against last year: passages and figures carried over from last year's report unchanged.

The most common defect a bureau names is the report copied from last year. With last year's report given
(``review(..., previous=...)``), the sections of both are aligned by their titles (numbering and years ignored)
and every sentence of this year's report is looked up among last year's sentences of the same section: the
same words (years ignored, so a copy with the year advanced is still a copy) or nearly so. Consecutive copied
sentences make one passage and one finding, quoting both documents with their offsets.

How much a copy matters depends on where it sits: goals, problems, rectification and the use of results must
change every year (a problem raised again means the rectification did not happen); duties and organisation may
legitimately repeat, so a copy there is information at most.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher

from assistant.checks.finding import Elsewhere, Finding, Severity
from assistant.checks.registry import Context, rule
from assistant.text.document import Document, Section
from assistant.text.numbers import find_numbers

MIN_CHARS = 15  # shorter sentences ("全年预算执行良好。") repeat by nature
NEAR = 0.88  # SequenceMatcher ratio from which a sentence is "nearly the same"
_SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]?")
_NOISE = re.compile(r"[\s，。；：、,.;:“”\"'‘’（）()《》〈〉【】\[\]—\-·…]+")
_YEAR = re.compile(r"(?:19|20)\d{2}(?=\s*年)")
_NUMBERING = re.compile(r"^[\s（(【\[]*(?:[一二三四五六七八九十百]+|\d+(?:\.\d+)*)[、.．)）】\]\s]*")

# Section kinds by their titles. Must change: what a department plans, finds and fixes this year.
_MUST_CHANGE = (
    "目标",
    "问题",
    "整改",
    "结果应用",
    "应用情况",
    "改进",
    "措施",
    "建议",
    "完成情况",
    "绩效分析",
    "评价结论",
)
# May repeat: what the department is.
_MAY_REPEAT = ("职责", "职能", "机构", "人员", "编制", "部门概况", "基本情况", "单位概况")
_PROBLEM = ("问题", "整改")


@dataclass(frozen=True)
class _Sentence:
    start: int
    end: int
    key: str  # the words, punctuation and spacing dropped, years masked


@dataclass(frozen=True)
class _Pair:
    """This year's section (or the whole text) and last year's section it aligns with."""

    title: str | None
    this: tuple[int, int]
    last: tuple[int, int]


def normalise_title(title: str) -> str:
    """A section title as two years' reports share it: numbering, years and punctuation dropped."""
    return _NOISE.sub("", _YEAR.sub("", _NUMBERING.sub("", title)))


def sentence_key(text: str) -> str:
    """The words of a sentence, compared across years: punctuation and spacing dropped, years masked."""
    return _NOISE.sub("", _YEAR.sub("Y", text))


def _sentences(text: str, lo: int, hi: int) -> list[_Sentence]:
    out = []
    for m in _SENTENCE.finditer(text, lo, hi):
        key = sentence_key(m.group())
        if len(key) >= MIN_CHARS:
            start, end = m.start(), m.end()
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            out.append(_Sentence(start, end, key))
    return out


def _flat(sections: list[Section]) -> list[Section]:
    out: list[Section] = []
    for s in sections:
        out.append(s)
        out.extend(_flat(s.children))
    return out


def _leaves(doc: Document) -> list[Section]:
    """Sections that hold text of their own, deepest first where they nest (a child is compared on its own)."""
    return [s for s in _flat(doc.sections) if not s.children]


def align(this: Document, last: Document) -> list[_Pair]:
    """Pairs of sections with the same (normalised) title; the whole texts when neither has sections to align."""
    theirs: dict[str, Section] = {}
    for s in _leaves(last):
        theirs.setdefault(normalise_title(s.title), s)
    pairs = []
    for s in _leaves(this):
        match = theirs.get(normalise_title(s.title))
        if match is None:
            match = _closest(s.title, list(theirs.values()))
        if match is not None:
            pairs.append(_Pair(s.title, (s.start, s.end), (match.start, match.end)))
    if not pairs:
        pairs.append(_Pair(None, (0, len(this.text)), (0, len(last.text))))
    return pairs


def _closest(title: str, candidates: list[Section]) -> Section | None:
    key = normalise_title(title)
    best, score = None, 0.0
    for c in candidates:
        ratio = SequenceMatcher(None, key, normalise_title(c.title), autojunk=False).ratio()
        if ratio > score:
            best, score = c, ratio
    return best if score >= 0.8 else None


class _Index:
    """Last year's sentences of one section, found by exact key or by shared 4-character shingles."""

    def __init__(self, sentences: list[_Sentence]) -> None:
        self.sentences = sentences
        self.exact = {s.key: s for s in sentences}
        self.shingles: dict[str, list[int]] = {}
        for i, s in enumerate(sentences):
            for g in {s.key[k : k + 4] for k in range(len(s.key) - 3)}:
                self.shingles.setdefault(g, []).append(i)

    def match(self, key: str) -> tuple[_Sentence, bool] | None:
        """Last year's sentence with these words (True) or nearly these words (False), or None."""
        if key in self.exact:
            return self.exact[key], True
        votes: dict[int, int] = {}
        grams = {key[k : k + 4] for k in range(len(key) - 3)}
        for g in grams:
            for i in self.shingles.get(g, ()):
                votes[i] = votes.get(i, 0) + 1
        for i, _ in sorted(votes.items(), key=lambda kv: -kv[1])[:3]:
            other = self.sentences[i]
            if votes[i] < 0.5 * len(grams):
                break
            if SequenceMatcher(None, key, other.key, autojunk=False).ratio() >= NEAR:
                return other, False
        return None


def _kind(title: str | None) -> str:
    t = title or ""
    if any(w in t for w in _MAY_REPEAT):
        return "repeat"
    if any(w in t for w in _MUST_CHANGE):
        return "change"
    return "other"


@rule(
    "previous.copied-passage",
    "与上年报告相同或几乎相同的段落（目标、问题、整改、结果应用应逐年更新）",
    category="duplicate_text",
    severity="warning",
    example="（上年）存在的问题：部分项目绩效目标设置不够细化。（今年）存在的问题：部分项目绩效目标设置不够细化。",
    counter_example="（上年）存在的问题：部分项目绩效目标设置不够细化。（今年）存在的问题：3个项目未设置数量指标。",
)
def copied_passages(ctx: Context) -> list[Finding]:
    """Runs of sentences that last year's report already had, in the aligned section."""
    return ctx.memo("previous.copied", _copied)


def _copied(ctx: Context) -> list[Finding]:
    return list(_scan(ctx))


def _scan(ctx: Context) -> Iterator[Finding]:
    last = ctx.previous
    if last is None:
        return
    for pair in align(ctx.doc, last):
        index = _Index(_sentences(last.text, *pair.last))
        run: list[tuple[_Sentence, _Sentence, bool]] = []
        for s in _sentences(ctx.text, *pair.this):
            hit = index.match(s.key)
            if hit is not None:
                run.append((s, hit[0], hit[1]))
                continue
            yield from _passage(ctx, last, pair.title, run)
            run = []
        yield from _passage(ctx, last, pair.title, run)


def _passage(
    ctx: Context, last: Document, title: str | None, run: list[tuple[_Sentence, _Sentence, bool]]
) -> Iterator[Finding]:
    if not run:
        return
    kind = _kind(title)
    start, end = run[0][0].start, run[-1][0].end
    lo, hi = min(r[1].start for r in run), max(r[1].end for r in run)
    exact = all(r[2] for r in run)
    how = "与上年报告相同" if exact else "与上年报告几乎相同（仅个别字词不同）"
    line, _ = last.line_col(lo)
    where = f"上年报告第 {line} 行"
    severity: Severity
    if kind == "repeat":
        severity = "info"
        message = f"这段文字{how}（{where}）；职责、机构等内容可以沿用，请确认仍然准确"
        suggestion = "核对职责、机构和人员是否有变化，有变化的据实更新"
    elif kind == "change" and any(w in (title or "") for w in _PROBLEM):
        severity = "warning"
        message = (
            f"这段文字{how}（{where}）：上年提出的问题或整改措施今年原样再写，说明整改没有落实或报告沿用了上年文字"
        )
        suggestion = "写明上年问题的整改结果（做了什么、到何时、效果如何），今年新发现的问题据实另写"
    else:
        severity = "warning" if kind == "change" or _has_money(ctx, start, end) else "info"
        message = f"这段文字{how}（{where}），可能沿用了上年报告，未按本年度实际情况更新"
        suggestion = "按本年度的目标、实际完成值和数据改写这一段"
    f = ctx.finding("previous.copied-passage", "duplicate_text", severity, start, end, message, suggestion)
    yield f.model_copy(update={"elsewhere": Elsewhere(path=last.path, quote=last.text[lo:hi], start=lo, end=hi)})


def _has_money(ctx: Context, start: int, end: int) -> bool:
    return any(n.kind == "money" for n in ctx.numbers_in(start, end))


@rule(
    "previous.same-figure",
    "金额与上年报告一字不差（预算、执行数通常逐年变化，可能未更新）",
    category="stale_date",
    severity="warning",
    example="（上年）年初预算数为1,286.37万元。（今年，另写的句子）本年度年初预算1286.37万元，主要用于……",
    counter_example="（上年）年初预算数为1,286.37万元。（今年）年初预算数为1,342.05万元。",
)
def same_figures(ctx: Context) -> Iterator[Finding]:
    """Money amounts with five or more significant digits that last year's report gives to the last digit."""
    last = ctx.previous
    if last is None:
        return
    theirs = _money(last)
    copied = [(f.start, f.end) for f in copied_passages(ctx)]
    for n in ctx.numbers:
        if n.kind != "money" or _significant(str(n.value)) < 5:
            continue
        if (str(n.value.normalize()), n.unit or "") not in theirs:
            continue
        if any(s <= n.start < e for s, e in copied):
            continue  # the passage finding already says so
        yield ctx.finding(
            "previous.same-figure",
            "stale_date",
            "warning",
            n.start,
            n.end,
            f"金额“{n.raw}”与上年报告中的金额完全相同，请核对是否沿用了上年数字",
            "按本年度数据更新；确实相同的，可在文中说明",
        )


def _money(doc: Document) -> set[tuple[str, str]]:
    return {(str(n.value.normalize()), n.unit or "") for n in find_numbers(doc.text) if n.kind == "money"}


def _significant(digits: str) -> int:
    return len(digits.replace(".", "").replace("-", "").strip("0"))
