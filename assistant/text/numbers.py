"""Numeric mentions in report prose: amounts, percentages, counts, durations, scores, years and dates.

``find_numbers`` reads Chinese text the way a reviewer does: "3.5万元" is 3.5 in 万元, "5万人" is 50000 人,
"百分之九十" is 90%, "2023年" is a year and "（一）", "1、", "财预〔2020〕10号" or "《…》" are not quantities
at all. One compiled scanner walks the text once; every decision looks at a few characters either side,
so the cost is linear in the length of the report.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.units import COUNT_UNITS, MONEY_UNITS, PERCENT, PERCENT_POINT, SCORE_UNIT, TIME_UNITS

Kind = Literal["money", "percent", "percent_point", "count", "time", "score", "year", "date", "plain"]


class NumberMention(BaseModel):
    """One number as written in the text, with its unit, comparator and precision."""

    model_config = ConfigDict(frozen=True)

    start: int
    end: int
    raw: str = Field(description="text[start:end], including an attached comparator or 约/左右")
    value: Decimal = Field(description="the number in `unit` (3.5 for 3.5万元, 50000 for 5万人, 2023 for 2023年)")
    unit: str | None
    kind: Kind
    comparator: str | None = Field(description="one of ≥ ≤ > < = when the text bounds the number")
    decimals: int = Field(
        description="precision in `unit`: digits after the decimal point as written (14.14万元 -> 2); "
        "a 万/亿 multiplier on a count shifts it (1.2万人 -> -3), so 10**-decimals is the last written step"
    )
    approximate: bool


# ---------------------------------------------------------------------------------------------------------
# Chinese numerals

_CN_DIGITS: dict[str, int] = {
    "零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
    "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}  # fmt: skip
_CN_SMALL: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG = "万亿"


def parse_chinese_numeral(s: str) -> Decimal:
    """The value of a Chinese numeral ("一百二十" -> 120, "三点五" -> 3.5); ValueError if it is not one."""
    text = s.strip()
    whole, sep, frac = text.partition("点")
    if sep and (not frac or any(c not in _CN_DIGITS or c == "两" for c in frac)):
        raise ValueError(f"不是中文数字：{s!r}")
    n = _parse_whole(whole, s)
    if not sep:
        return Decimal(n)
    return Decimal(f"{n}.{''.join(str(_CN_DIGITS[c]) for c in frac)}")


def _parse_whole(s: str, original: str) -> int:
    if not s or any(c not in _CN_DIGITS and c not in _CN_SMALL and c not in _CN_BIG for c in s):
        raise ValueError(f"不是中文数字：{original!r}")
    if all(c in _CN_DIGITS for c in s):
        if len(s) == 1:
            return _CN_DIGITS[s]
        if "两" in s or len(s) > 20:
            raise ValueError(f"不是中文数字：{original!r}")
        return int("".join(str(_CN_DIGITS[c]) for c in s))  # 二〇二三 -> 2023, read digit by digit
    try:
        if s.count("亿") > 1:
            raise ValueError
        if "亿" in s:
            hi, lo = s.split("亿")
            return _parse_below_yi(hi) * 10**8 + _parse_tail(lo, 10**8)
        return _parse_below_yi(s)
    except ValueError:
        raise ValueError(f"不是中文数字：{original!r}") from None


def _parse_below_yi(s: str) -> int:
    if s.count("万") > 1:
        raise ValueError
    if "万" in s:
        hi, lo = s.split("万")
        return _parse_small(hi) * 10**4 + _parse_tail(lo, 10**4)
    return _parse_small(s)


def _parse_tail(lo: str, unit: int) -> int:
    """What follows 万/亿; a lone digit is the colloquial next place ("一万二" is 12000)."""
    if not lo:
        return 0
    if len(lo) == 1 and _CN_DIGITS.get(lo, 0):
        return _CN_DIGITS[lo] * unit // 10
    return _parse_below_yi(lo) if unit > 10**4 else _parse_small(lo)


def _parse_small(s: str) -> int:
    """A numeral below 10000 made of digits and 十百千 in falling order, with 零 marking a gap."""
    if not s:
        raise ValueError
    total, pending, last, zero = 0, None, 10**4, False
    for i, c in enumerate(s):
        if c in _CN_DIGITS:
            d = _CN_DIGITS[c]
            if pending is not None or (d == 0 and zero):
                raise ValueError
            if d == 0:
                zero = True
            else:
                pending = d
        elif c in _CN_SMALL:
            m = _CN_SMALL[c]
            if m >= last:
                raise ValueError
            if pending is None:
                if m != 10 or i != 0:
                    raise ValueError
                pending = 1  # 十二 is 12
            total += pending * m
            pending, last, zero = None, m, False
        else:
            raise ValueError
    if pending is not None:
        total += pending if zero or last in (10, 10**4) else pending * last // 10  # 一百二 is 120
    elif zero:
        raise ValueError
    return total


# ---------------------------------------------------------------------------------------------------------
# Formatting


def format_amount(value: Decimal, unit: str, decimals: int | None = None) -> str:
    """A figure as a report writes it: "3240.79万元", "250000元", "56.56%"; no thousands separators."""
    if not value.is_finite():
        raise ValueError(f"不是有限数：{value}")
    if decimals is not None and decimals < 0:
        raise ValueError(f"小数位数不能为负：{decimals}")
    t = value.as_tuple()
    exponent = t.exponent if isinstance(t.exponent, int) else 0
    with localcontext() as ctx:
        ctx.prec = len(t.digits) + max(exponent, 0) + (decimals or 0) + 2
        shown = value.normalize() if decimals is None else value.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    text = format(shown, "f")
    if shown.is_zero():
        text = text.lstrip("-")
    return f"{text}{unit}"


# ---------------------------------------------------------------------------------------------------------
# Scanning tables


def _by_last_char(words: tuple[str, ...] | list[str]) -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for w in sorted(words, key=len, reverse=True):
        index.setdefault(w[-1], []).append(w)
    return {k: tuple(v) for k, v in index.items()}


# Folding keeps every character in place (one for one), so spans found in the folded text fit the original.
_FOLD = str.maketrans("０１２３４５６７８９．％﹪－−＞＜＝≧≦～", "0123456789.%%--><=≥≤~")

_CN_CHARS = "".join(_CN_DIGITS) + "".join(_CN_SMALL) + _CN_BIG
_CN_DEC = "".join(c for c in _CN_DIGITS if c != "两")
_CN_RUN = f"[{_CN_CHARS}]+(?:点[{_CN_DEC}]+)?"
_WS = frozenset(" \t\r\n\u3000")

_MASTER = re.compile(
    rf"(?P<skip>《[^《》]{{0,120}}》"
    r"|[〔\[［【]\s*[0-9]{4}\s*[〕\]］】]\s*第?\s*[0-9]*\s*号?"
    r"|[（(]\s*[0-9]{4}\s*[）)]\s*第?\s*[0-9]+\s*号)"
    rf"|(?P<pct>百分之百|百分百|百分之(?:[0-9]+(?:\.[0-9]+)?|{_CN_RUN}))"
    r"|(?P<iso>(?<![0-9])(?:19|20)[0-9]{2}(?P<sep>[-/.])(?:1[0-2]|0?[1-9])(?P=sep)(?:3[01]|[12][0-9]|0?[1-9])(?![0-9]))"
    # "35. 3万元": a PDF line wrap left a space after the decimal point; read it as 35.3 when a money or percent
    # unit follows, and never at the start of a line, where "1. 5万元用于…" is a list item.
    r"|(?P<wrap>(?<=[^\s\d.,])[0-9]+\.[ ][0-9]+(?=\s*(?:万元|亿元|元|%|％)))"
    r"|(?P<ar>(?:(?<![0-9A-Za-z.])-)?(?:[0-9]{1,3}(?:,[0-9]{3}(?![0-9]))+|[0-9]+)(?:\.[0-9]+)*)"
    rf"|(?P<cn>{_CN_RUN})"
)

# Every alternative of _MASTER consumes one of these characters first, or a "-" or an opening bracket (and blanks)
# right before a digit: the scanner jumps from one to the next instead of trying the whole alternation at every
# position, and does not stop at each "-" of a table rule "|---|" or at every bracket (the same matches).
_MASTER_FIRST = re.compile(rf"[《百0-9{_CN_CHARS}]")
_BRACKETS_BEFORE_DIGITS = frozenset("〔[［【（(")


def _search(t: str, pos: int) -> re.Match[str] | None:
    """``_MASTER.search(t, pos)``, trying only the positions where a match can start."""
    first, match = _MASTER_FIRST.search, _MASTER.match
    while (f := first(t, pos)) is not None:
        at = f.start()
        if at > pos and "0" <= t[at] <= "9":
            # A match opening with "-" (-5) or a bracket ((2020)第3号, 〔2021〕10号) holds a digit right after
            # it (after blanks, for a bracket); it is tried before the digit, as the plain search would.
            j = at - 1
            if t[j] != "-":
                while j > pos and t[j].isspace():
                    j -= 1
            if t[j] == "-" and j == at - 1 or t[j] in _BRACKETS_BEFORE_DIGITS:
                m = match(t, j)
                if m is not None:
                    return m
        m = match(t, at)
        if m is not None:
            return m
        pos = at + 1
    return None


def fold(text: str) -> str:
    """``text.translate(_FOLD)``: full-width digits and signs as ASCII, one character for one (replacing only the
    characters present is much faster than translating a long text character by character)."""
    for code, to in _FOLD.items():
        ch = chr(code)
        if ch in text:
            text = text.replace(ch, chr(to) if isinstance(to, int) else to)
    return text


_UNITS_BY_FIRST: dict[str, list[str]] = {}
for _u in {*MONEY_UNITS, PERCENT, PERCENT_POINT, "百分点", *COUNT_UNITS, *TIME_UNITS, SCORE_UNIT}:
    _UNITS_BY_FIRST.setdefault(_u[0], []).append(_u)
for _list in _UNITS_BY_FIRST.values():
    _list.sort(key=len, reverse=True)
_UNIT_ALIASES = {"百分点": PERCENT_POINT}

# A unit character that starts a word is not a unit: 3项目 has no 项, 一次性 no 次, 十分重要 no 分.
_NOT_UNIT_BEFORE: dict[str, str] = {
    "项": "目", "支": "出付持撑援部队柱", "批": "复准示评", "次": "性要", "所": "有以属在得需示述谓", "处": "理室置罚于在分长级",
    "台": "账帐阶", "条": "件例款", "类": "型别似", "组": "织成建", "名": "单称义", "期": "间末限望待刊", "间": "隔接",
    "场": "所地景", "本": "单级年部身次科", "家": "庭属长", "户": "籍口外", "人": "员民才口力事们群身性", "件": "事",
    "份": "额", "日": "常期益", "年": "龄级代轻", "张": "贴", "班": "子级", "校": "园长区", "园": "区林", "村": "民委级庄",
    "镇": "政", "座": "谈", "天": "然气", "周": "边期围转", "米": "饭", "套": "餐", "例": "如", "篇": "章", "元": "旦素宵",
    "分": "之别析类配解钟期批享管布散摊档", "个": "体性别案",
}  # fmt: skip

# Words before a number that bound it, and the sign each means. Matching prefers the longest (不低于 over 低于).
_BEFORE_COMPARATORS: dict[str, str] = dict(
    [
        ("不低于", "≥"),
        ("不少于", "≥"),
        ("不小于", "≥"),
        ("不早于", "≥"),
        ("至少", "≥"),
        ("最少", "≥"),
        ("达到", "≥"),
        ("≥", "≥"),
        (">=", "≥"),
        ("达", "≥"),
        ("不超过", "≤"),
        ("不高于", "≤"),
        ("不大于", "≤"),
        ("不多于", "≤"),
        ("不晚于", "≤"),
        ("最多", "≤"),
        ("至多", "≤"),
        ("≤", "≤"),
        ("<=", "≤"),
        ("超过", ">"),
        ("高于", ">"),
        ("大于", ">"),
        ("多于", ">"),
        ("逾", ">"),
        ("超", ">"),
        (">", ">"),
        ("低于", "<"),
        ("小于", "<"),
        ("少于", "<"),
        ("不足", "<"),
        ("不到", "<"),
        ("<", "<"),
        ("等于", "="),
        ("=", "="),
    ]
)
# 达 alone bounds a number only as 达/已达/高达; 下达、传达、送达 are verbs of their own.
_NOT_BEFORE_DA = frozenset("下传送表抵发到通直转")
_APPROX_BEFORE = ("大约", "约为", "约合", "将近", "接近", "大概", "约", "近")
_AFTER = re.compile(r"[ \t\u3000]?(及以上|以上|及以下|以下|以内|之内|左右|内)")
_AFTER_COMPARATOR = {"及以上": "≥", "以上": "≥", "及以下": "≤", "以下": "≤", "以内": "≤", "之内": "≤", "内": "≤"}
# Words that make a bare Chinese numeral a count: 共三, 合计十二.
_CN_TRIGGERS = ("共计", "合计", "累计", "总计", "总共", "一共", "共")
# Characters that make 一 part of a word: 统一, 唯一, 进一步, 每一, 之一.
_BLOCK_BEFORE_ONE = frozenset("统唯同单逐划专任其归合均不如纯进每整上下")
_BLOCK_BEFORE_CN = frozenset("第之数几若周")
# Words that make the number after them a reference (第3季度、附件1、表3), unless a unit follows (代表3人).
_REFERENCE_WORDS = ("第", "附件", "附表", "表", "图")
_COMPARATOR_INDEX = _by_last_char(list(_BEFORE_COMPARATORS))
_APPROX_INDEX = _by_last_char(_APPROX_BEFORE)
_TRIGGER_INDEX = _by_last_char(_CN_TRIGGERS)
_REFERENCE_INDEX = _by_last_char(_REFERENCE_WORDS)
# The last characters of those words (and 负): a number after any other character has none of them before it.
_BEFORE_OPENERS = frozenset([*_APPROX_INDEX, *_COMPARATOR_INDEX, *_TRIGGER_INDEX, "负"])
_REFERENCE_LAST = frozenset(_REFERENCE_INDEX)
# The first characters _AFTER can match.
_AFTER_OPENERS = frozenset(" \t\u3000及以之左内")
_RANGE_SEPS = {"-", "—", "——", "–", "~", "至", "到"}
_LINE_START = frozenset("\n\r。；;：:")

_CN_MONTH = "十[一二]|[一二三四五六七八九十]"
_CN_DAY = "三十一?|三十|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九]"
_MONTH = rf"(?:1[0-2]|0?[1-9](?![0-9])|{_CN_MONTH})"
_DAY = rf"(?:3[01]|[12][0-9]|0?[1-9](?![0-9])|{_CN_DAY})"
_DATE_AFTER_YEAR = re.compile(
    rf"[ \t]?{_MONTH}(?:[ \t]?[-~至到—][ \t]?{_MONTH})?[ \t]?月份?(?:[ \t]?{_DAY}[ \t]?[日号])?"
)
_DAY_AFTER_MONTH = re.compile(rf"份|[ \t]?{_DAY}[ \t]?[日号]")
# 角 and 分 after 元, as amounts are written in words on vouchers and in some reports: 壹佰元伍角陆分, 5元3角.
_DIGIT = "[0-9零〇一二三四五六七八九壹贰叁肆伍陆柒捌玖]"
_JIAO_FEN = re.compile(rf"(?:({_DIGIT})角)?(?:零?({_DIGIT})分)?(整|正)?")


@dataclass(slots=True)
class _Cand:
    start: int
    end: int
    value: Decimal
    unit: str | None
    kind: Kind
    comparator: str | None
    decimals: int
    approximate: bool
    scale: int = 0  # power of ten a 万/亿 multiplier contributed
    year_like: bool = False  # four plain digits 1950–2100: a year if a 年 follows, here or after a range
    tentative: bool = False  # a bare Chinese numeral: kept only if a range gives it a unit


def _at(t: str, i: int) -> str:
    return t[i] if 0 <= i < len(t) else ""


def _is_ascii_letter(c: str) -> bool:
    return c != "" and c.isascii() and c.isalpha()


def _scaled(d: Decimal, power: int) -> Decimal:
    """``d`` times 10**power, exactly, without exponent notation for whole numbers."""
    if not power:
        return d
    sign, digits, exponent = d.as_tuple()
    assert isinstance(exponent, int)
    out = Decimal((sign, digits, exponent + power))
    if exponent + power > 0:
        with localcontext() as ctx:
            ctx.prec = len(digits) + exponent + power + 1
            out = out.quantize(Decimal(1))
    return out


# Every unit, longest first (then in code-point order, so the pattern text is the same under any hash seed), each
# refused before the characters that make it the start of a word: the first to
# match at a place is the one a walk through the units starting with that character, longest first, would take.
_UNIT_AT = re.compile(
    "|".join(
        re.escape(u) + (f"(?![{re.escape(_NOT_UNIT_BEFORE[u])}])" if u in _NOT_UNIT_BEFORE else "")
        for u in sorted({u for us in _UNITS_BY_FIRST.values() for u in us}, key=lambda u: (-len(u), u))
    )
)


def _match_unit(t: str, p: int) -> tuple[str, int] | None:
    m = _UNIT_AT.match(t, p)
    if m is None:
        return None
    u = m.group()
    return _UNIT_ALIASES.get(u, u), m.end()


# A unit, a 万/亿 multiplier or 余/多 starts with one of these: any other character after a number means no unit.
_UNIT_OPENERS = frozenset([*_UNITS_BY_FIRST, "万", "亿", "余", "多"])


def _read_unit(t: str, p: int) -> tuple[str | None, int, int, bool] | None:
    """The unit after a number at ``p``: (unit, end, power of a 万/亿 multiplier, 余/多 seen), or None."""
    n = len(t)
    if p >= n or t[p] not in _UNIT_OPENERS:
        return None
    q, mult = p, 0
    if t[q] in ("万", "亿"):
        mult = 4 if t[q] == "万" else 8
        q += 1
        r = q
        while r < q + 2 and r < n and t[r] in _WS:
            r += 1
        if r > q and _match_unit(t, r):
            q = r  # "50万\n元": a line break between multiplier and unit
    approx = False
    found = None
    if q < n and t[q] in ("余", "多"):
        found = _match_unit(t, q + 1)
        approx = found is not None or mult > 0
        q += 1 if approx else 0
    if found is None:
        found = _match_unit(t, q)
    if mult:
        if found is None:
            return None, q, mult, approx
        unit, end = found
        if unit == "元":
            return t[p] + "元", end, 0, approx
        if unit in MONEY_UNITS:
            return None, q, mult, approx
        return unit, end, mult, approx
    if found is None:
        return None
    return found[0], found[1], 0, approx


def _kind_of(unit: str | None) -> Kind:
    if unit is None:
        return "plain"
    if unit in MONEY_UNITS:
        return "money"
    if unit == PERCENT:
        return "percent"
    if unit == PERCENT_POINT:
        return "percent_point"
    if unit == SCORE_UNIT:
        return "score"
    if unit in TIME_UNITS:
        return "time"
    return "count"


# The kind of every unit _read_unit returns, looked up once.
_UNIT_KINDS: dict[str | None, Kind] = {
    u: _kind_of(u)
    for u in [*(_UNIT_ALIASES.get(w, w) for ws in _UNITS_BY_FIRST.values() for w in ws), "万元", "亿元", None]
}


def _preceded_by(t: str, i: int, words: dict[str, tuple[str, ...]]) -> str | None:
    """The longest of ``words`` that ends right before ``i`` (``words`` indexed by their last character)."""
    if i <= 0:
        return None
    for w in words.get(t[i - 1], ()):
        if i >= len(w) and t.startswith(w, i - len(w)):
            return w
    return None


def _back_over_space(t: str, i: int) -> int:
    """``i`` moved back over one blank, so "达到 90%" reads like "达到90%"."""
    return i - 1 if i > 0 and t[i - 1] in _WS else i


# ---------------------------------------------------------------------------------------------------------
# The scanner


def find_numbers(text: str) -> list[NumberMention]:
    """Every numeric mention in ``text``, ordered by position; list markers, 文号 and 《titles》 left out."""
    t = fold(text)
    cands: list[_Cand] = []
    pos = 0
    floor = 0  # where the last candidate ends: words before a number are read back to here, no further
    while (m := _search(t, pos)) is not None:
        group = m.lastgroup
        cand: _Cand | None = None
        if group == "ar" or group == "cn":
            cand = _arabic(t, m, cands) if group == "ar" else _chinese(t, m)
        elif group == "pct":
            cand = _percent_words(t, m)
        elif group == "iso":
            cand = _Cand(m.start(), m.end(), Decimal(m.group()[:4]), "年", "date", None, 0, False)
        elif group == "wrap":
            cand = _arabic(t, m, cands)
        pos = m.end()
        if cand is not None and _qualify(t, cand, floor):
            cands.append(cand)
            floor = cand.end
            if cand.end > pos:
                pos = cand.end
    _spread_range_units(t, cands)
    return [_mention(text, c) for c in cands if not c.tentative]


_new = object.__new__
# BaseModel's slot setters, bound once (a frozen model refuses ``setattr``; these skip a name look-up per call).
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__
_FIELDS = frozenset(NumberMention.model_fields)


def _mention(text: str, c: _Cand) -> NumberMention:
    """``NumberMention(start=c.start, …)`` without pydantic's validation, which has nothing to check on values this
    reader built itself (ints, a finite Decimal, a Kind) and took a sixth of its time; the result is the same model
    (tests/test_numbers_fast.py compares it with a validated one)."""
    m = _new(NumberMention)
    _set_dict(
        m,
        {
            "start": c.start,
            "end": c.end,
            "raw": text[c.start : c.end],
            "value": c.value,
            "unit": c.unit,
            "kind": c.kind,
            "comparator": c.comparator,
            "decimals": c.decimals,
            "approximate": c.approximate,
        },
    )
    _set_fields_set(m, set(_FIELDS))
    _set_extra(m, None)
    _set_private(m, None)
    return m


def _percent_words(t: str, m: re.Match[str]) -> _Cand | None:
    body = m.group()[3:] if m.group().startswith("百分之") else "百"
    try:
        if body == "百":
            value, decimals = Decimal(100), 0
        elif body[0].isdigit():
            value, decimals = Decimal(body), len(body.partition(".")[2])
        else:
            value, decimals = parse_chinese_numeral(body), len(body.partition("点")[2])
    except ValueError:
        return None
    return _Cand(m.start(), m.end(), value, PERCENT, "percent", None, decimals, False)


_ASCII_LETTERS = frozenset(string.ascii_letters)
_AFTER_INT_MARK = frozenset(".、)）]］号")  # what may close a list marker or name a 号 after a whole number


def _arabic(t: str, m: re.Match[str], cands: list[_Cand]) -> _Cand | None:
    s, e = m.span()
    number = m.group()
    if m.lastgroup == "wrap":
        number = number.replace(" ", "")  # only the wrap form holds a space
    if number[0] == "-" and cands and cands[-1].end == s:
        s, number = s + 1, number[1:]  # 5%-10%, 2023年-2025年: a range dash, not a minus sign
    if number.count(".") > 1:
        return None  # 1.2.3 is a section number
    n = len(t)
    prev = t[s - 1] if s > 0 else ""
    nxt = t[e] if e < n else ""
    if prev in _ASCII_LETTERS or nxt in _ASCII_LETTERS:
        return None  # 5G, PM2.5, H7N9: identifiers, not quantities
    b = s - 1 if prev in _WS else s
    reference = _preceded_by(t, b, _REFERENCE_INDEX) if b > 0 and t[b - 1] in _REFERENCE_LAST else None
    if reference == "第" or (reference and _read_unit(t, e) is None):
        return None
    plain_int = number.isdigit()
    if plain_int and nxt in _AFTER_INT_MARK:
        if nxt in (".", "、") and not (e + 1 < n and t[e + 1].isdigit()):
            return None  # 1. / 1、 list markers
        if (
            nxt in (")", "）", "]", "］")
            and len(number) <= 3
            and (prev in ("(", "（", "[", "［", "") or prev in _LINE_START)
        ):
            return None  # (1) （2） 1)
        if nxt == "号":
            return None  # 10号文、3号楼
    frac = number.partition(".")[2]
    if "." in number and (s == 0 or prev in ("\n", "\r")) and not _read_unit(t, e):
        if nxt in _WS or "\u4e00" <= nxt <= "\u9fff":
            return None  # "1.1 部门概况" heading at the start of a line
    value = Decimal(number.replace(",", "") if "," in number else number)
    year_like = plain_int and len(number) == 4 and 1950 <= int(number) <= 2100
    return _Cand(s, e, value, None, "plain", None, len(frac), False, 0, year_like)


@lru_cache(maxsize=4096)
def _read_chinese(run: str) -> tuple[Decimal, int, bool] | None:
    """A numeral run's value, decimals and whether it is a string of digits (二〇二三); None if it is no numeral.
    Remembered per run: a report repeats a few short runs (一, 三, 十) many times."""
    try:
        value = parse_chinese_numeral(run)
    except ValueError:
        return None
    return value, len(run.partition("点")[2]), len(run) > 1 and all(c in _CN_DIGITS for c in run)


def _chinese(t: str, m: re.Match[str]) -> _Cand | None:
    s, e = m.span()
    run = m.group()
    if run.endswith("百") and t.startswith("分点", e) and len(run) > 1:
        run, e = run[:-1], e - 1  # 五百分点 is 五 + 百分点
    if run[-1] in _CN_BIG and len(run) > 1:
        run, e = run[:-1], e - 1  # the multiplier is read with the unit: 二十万元, 五万人
    prev = t[s - 1] if s > 0 else ""
    if prev and (prev in _BLOCK_BEFORE_CN or (run[0] == "一" and prev in _BLOCK_BEFORE_ONE)):
        return None
    read = _read_chinese(run)
    if read is None:
        return None
    value, decimals, digit_string = read
    if digit_string:
        # 二〇二三年 is a year; other digit strings (一一, 三四个) are not quantities.
        if len(run) == 4 and 1950 <= value <= 2100 and t.startswith("年", e):
            return _Cand(s, e, value, None, "plain", None, 0, False, 0, True)
        return None
    return _Cand(s, e, value, None, "plain", None, decimals, False, 0, False, True)


def _qualify(t: str, c: _Cand, floor: int) -> bool:
    """Read what surrounds the number (unit, year/date shape, comparators, 约/左右); False drops it."""
    n = len(t)
    start, end = c.start, c.end
    if c.kind == "plain":
        _attach_unit(t, c)
    if c.tentative and c.unit is not None:
        run = t[start:end]
        if (run == "十" and c.unit == SCORE_UNIT) or (run == "一" and c.end < n and t[c.end] == "一"):
            return False  # 十分重要; 一户一策、一村一品
        c.tentative = False
    if c.kind not in ("year", "date") and c.end < n and t[c.end] in _AFTER_OPENERS:
        a = _AFTER.match(t, c.end)
        if a and (a.group(1) != "内" or c.kind == "time"):
            word = a.group(1)
            if word == "左右":
                c.approximate = True
            else:
                c.comparator = _AFTER_COMPARATOR[word]
            c.end = a.end()
    b = c.start
    if b > 0 and t[b - 1] in _WS:
        b -= 1  # _back_over_space
    if b <= 0 or t[b - 1] not in _BEFORE_OPENERS:
        # no word that bounds, approximates, negates or counts the number ends here
        if c.tentative and (c.comparator or c.approximate):
            c.tentative = False
        return True
    approx = _preceded_by(t, b, _APPROX_INDEX)
    if approx and b - len(approx) >= floor:
        c.approximate, c.start = True, b - len(approx)
        b = _back_over_space(t, c.start)
    word = _preceded_by(t, b, _COMPARATOR_INDEX)
    if word and b - len(word) >= floor and not (word == "达" and b >= 2 and t[b - 2] in _NOT_BEFORE_DA):
        if c.comparator is None or word not in ("达到", "达"):
            c.comparator = _BEFORE_COMPARATORS[word]
        c.start = b - len(word)
    if c.start > 0 and t[c.start - 1] == "负" and c.start - 1 >= floor and c.value > 0:
        c.value, c.start = -c.value, c.start - 1  # 负5%, 负增长百分之二 (the sign written as a word)
    if c.tentative:
        trigger = _preceded_by(t, b, _TRIGGER_INDEX)
        if c.comparator or c.approximate or (trigger and (t[b - 2] if b >= 2 else "") not in ("公", "中")):
            c.tentative = False
    return True


def _attach_unit(t: str, c: _Cand) -> None:
    n, e = len(t), c.end
    if e >= n:
        return
    ch = t[e]
    if ch == "号" or (ch not in _UNIT_OPENERS and ch not in _WS):
        return  # no unit can follow (_read_unit's own first test, without the call)
    found = _read_unit(t, e)
    if found is None:
        if ch not in _WS:
            return
        k = e
        while k < n and k < e + 2 and t[k] in _WS:
            k += 1
        found = _read_unit(t, k)  # "14.14\n万元": a line break inside a figure
        if found is None:
            return
    unit, end, power, approx = found
    if unit == "元" and not power:
        end = _cents(t, c, end)
    if power:  # the candidate is fresh: scale 0, value and decimals as written
        c.year_like = False
        c.value = _scaled(c.value, power)
        c.decimals -= power
        c.scale = power
    c.unit, c.end, c.approximate = unit, end, c.approximate or approx
    c.kind = _UNIT_KINDS.get(unit) or _kind_of(unit)
    if unit == "年" and c.year_like and not approx:
        c.kind = "year"
        date = _DATE_AFTER_YEAR.match(t, end)
        if date:
            c.kind, c.end = "date", date.end()
        elif end < len(t) and t[end] == "度":
            c.end = end + 1
    elif unit == "月" and not power and not approx and c.decimals == 0 and 1 <= c.value <= 12:
        c.kind = "date"
        day = _DAY_AFTER_MONTH.match(t, end)
        if day:
            c.end = day.end()
    if c.kind != "year":
        c.year_like = False


def _digit_value(ch: str) -> int:
    return int(ch) if ch.isdigit() else _CN_DIGITS[ch]


def _cents(t: str, c: _Cand, end: int) -> int:
    """Read 角/分 (and 整) after 元 into ``c``: 伍角陆分 adds 0.56 and two decimals. Returns the new end."""
    m = _JIAO_FEN.match(t, end)
    if m is None or not m.group(0):
        return end
    jiao, fen = m.group(1), m.group(2)
    if fen and _at(t, m.end()) and _at(t, m.end()) in _NOT_UNIT_BEFORE["分"]:
        return end  # 5元3分析: not a cent
    if jiao or fen:
        cents = Decimal(_digit_value(jiao) if jiao else 0) / 10 + Decimal(_digit_value(fen) if fen else 0) / 100
        c.value = c.value + cents if c.value >= 0 else c.value - cents
        c.decimals = max(c.decimals, 2 if fen else 1)
    return m.end()


def _spread_range_units(t: str, cands: list[_Cand]) -> None:
    """Give the first number of a range the unit of the second: 3-5万元, 2021-2025年, 三至五个."""
    for a, b in zip(cands, cands[1:], strict=False):
        if a.unit is not None or b.unit is None or a.comparator or t[a.end : b.start].strip() not in _RANGE_SEPS:
            continue
        if b.kind == "year":
            if not a.year_like:
                continue
        elif b.kind == "date" and b.unit == "年":
            continue
        a.unit, a.kind, a.tentative = b.unit, b.kind, False
        a.value = _scaled(a.value, b.scale)
        a.decimals -= b.scale
        if a.kind == "date" and not (a.decimals == 0 and 1 <= a.value <= 12):
            a.kind = "time"
