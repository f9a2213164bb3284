"""Whether extracted text can be read as Chinese: undecodable glyphs, replacement characters, legacy encodings.

A review of text nobody can read must never come out as "no problems found": a PDF whose fonts carry no
ToUnicode map extracts as ``(cid:1158)(cid:2762)…``, a Big5 file read as GB18030 is a stream of rare characters
and kana. These functions measure how much of a text is legible and pick the encoding that reads a file best.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

CID = re.compile(r"\(cid:\d+\)")
REPLACEMENT = "\ufffd"
# Below this share of legible characters a text is refused; below the note share it is reviewed with a warning.
REFUSE_BELOW = 0.7
NOTE_BELOW = 0.97
_MIN_CHARS = 40  # too little text to judge
_FEW = 12  # distinct characters to count one by one; more are counted in one pass


@dataclass(frozen=True)
class Legibility:
    """How a text reads: counts of undecodable glyphs, replacement characters and implausible characters."""

    chars: int  # non-blank characters, each (cid:N) counted once
    cid: int
    replacement: int
    odd: int  # characters a Chinese report does not contain: rare ideographs, kana, box drawing, private use

    @property
    def share(self) -> float:
        """The share of characters that read as ordinary Chinese report text (1.0 for an empty text)."""
        if self.chars == 0:
            return 1.0
        return 1 - (self.cid + self.replacement + self.odd) / self.chars

    @property
    def judged(self) -> bool:
        """Whether there is enough text to judge."""
        return self.chars >= _MIN_CHARS or self.cid + self.replacement > self.chars // 2


def measure(text: str) -> Legibility:
    """Count the non-blank characters of ``text`` and how many of them cannot be read."""
    cid = len(CID.findall(text))
    stripped = CID.sub("", text) if cid else text
    # Each distinct character is judged once (a report uses a few thousand, repeated hundreds of times); only the
    # blanks, replacement characters and implausible ones need counting, which ``str.count`` does when they are few.
    blank: list[str] = []
    bad: list[str] = []
    for ch in set(stripped):
        if ch.isspace():
            blank.append(ch)
        elif ch == REPLACEMENT or not _plausible(ch):
            bad.append(ch)
    if len(blank) + len(bad) <= _FEW:
        counts = {ch: stripped.count(ch) for ch in (*blank, *bad)}
    else:
        counts = Counter(stripped)
    replacement = counts.get(REPLACEMENT, 0)
    odd = sum(counts[ch] for ch in bad) - replacement
    chars = cid + len(stripped) - sum(counts[ch] for ch in blank)
    return Legibility(chars, cid, replacement, odd)


def problem(text: str) -> tuple[bool, str] | None:
    """(refuse, what is wrong in Chinese) when too much of ``text`` cannot be read; None when it reads fine."""
    seen = measure(text)
    # Any undecodable glyph is worth a note (its words were not read); rare characters only in bulk.
    if not seen.cid and not seen.replacement and (not seen.judged or seen.share >= NOTE_BELOW):
        return None
    refuse = seen.judged and seen.share < REFUSE_BELOW
    parts = []
    if seen.cid:
        parts.append(f"{seen.cid} 个字形缺少编码信息（显示为 (cid:N)）")
    if seen.replacement:
        parts.append(f"{seen.replacement} 个字符无法解码（显示为 {REPLACEMENT}）")
    if seen.odd:
        parts.append(f"{seen.odd} 个字符不像正常中文（生僻字、假名、制表符或私用区字符）")
    return refuse, f"共 {seen.chars} 个字符中有 " + "、".join(parts) + f"，可读比例仅 {seen.share:.0%}"


# Candidate legacy encodings for a text file that is not UTF-8, with the name a user recognises.
# UTF-16 without a byte-order mark and mostly Chinese has no NUL bytes to give it away: it competes on legibility.
# UTF-8 with its bad bytes replaced is the last candidate: a UTF-8 file with a few damaged bytes reads better so
# than as GB18030 garbage, and the replacement characters it leaves are then counted and reported.
LEGACY_ENCODINGS = (
    ("gb18030", "GB18030（GBK/GB2312）"),
    ("big5", "Big5（繁体）"),
    ("utf-16-le", "UTF-16"),
    ("utf-16-be", "UTF-16"),
    ("utf-8", "UTF-8（含无法解码的字节）"),
)


def decode_legacy(data: bytes) -> tuple[str, str] | None:
    """The text and encoding name of the legacy encoding that reads ``data`` most plausibly, or None."""
    best: tuple[float, str, str] | None = None
    for codec, name in LEGACY_ENCODINGS:
        try:
            text = data.decode(codec, errors="replace" if codec == "utf-8" else "strict")
        except UnicodeDecodeError:
            continue
        share = measure(text).share
        if best is None or share > best[0]:
            best = (share, text, name)
    return None if best is None else (best[1], best[2])


def utf16_without_bom(data: bytes) -> str | None:
    """The codec of UTF-16 text written without a byte-order mark (NUL in every other byte), or None."""
    sample = data[:4096]
    if len(sample) < 8 or len(sample) % 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    # ASCII in UTF-16 is one NUL per character; Chinese has few NULs but then also no NUL in UTF-8/GB text.
    if odd > half * 0.3 and even < half * 0.05:
        return "utf-16-le"
    if even > half * 0.3 and odd < half * 0.05:
        return "utf-16-be"
    return None


# Kangxi radicals and compatibility ideographs that some PDF fonts map glyphs to: read them as the ordinary
# ideographs they stand for ("⽣" U+2F63 → "生"), one character for one, so offsets are unchanged. Unicode gives
# no decomposition for the simplified radical forms that are whole characters ("⻔" U+2ED4 → "门"): listed here.
_SIMPLIFIED_RADICALS = "⻅见⻋车⻓长⻔门⻙韦⻚页⻛风⻜飞⻢马⻥鱼⻦鸟⻧卤⻨麦⻩黄⻬齐⻮齿⻰龙⻳龟⻆角⻉贝"


def _compatibility_table() -> dict[int, str]:
    table: dict[int, str] = {
        ord(_SIMPLIFIED_RADICALS[i]): _SIMPLIFIED_RADICALS[i + 1] for i in range(0, len(_SIMPLIFIED_RADICALS), 2)
    }
    for lo, hi in ((0x2E80, 0x2FDF), (0xF900, 0xFAFF)):
        for code in range(lo, hi + 1):
            mapped = unicodedata.normalize("NFKC", chr(code))
            if len(mapped) == 1 and mapped != chr(code):
                table[code] = mapped
    return table


_COMPATIBILITY = _compatibility_table()


def ordinary_ideographs(text: str) -> str:
    """``text`` with Kangxi radicals and compatibility ideographs replaced by the ideographs they stand for."""
    return text.translate(_COMPATIBILITY)


@lru_cache(maxsize=65536)
def _plausible(ch: str) -> bool:
    code = ord(ch)
    if code < 0x80:
        return ch.isprintable()
    if 0x4E00 <= code <= 0x9FFF:
        return _common_ideograph(ch)
    if 0xFF01 <= code <= 0xFF5E or 0xC0 <= code <= 0x17F:
        return True  # full-width forms ("ＡＢＣ", "１２"), accented Latin letters in names
    if 0xE000 <= code <= 0xF8FF or 0x3040 <= code <= 0x30FF or 0x2500 <= code <= 0x259F:
        return False  # private use, kana, box drawing: what a mis-decoded Chinese file is made of
    category = unicodedata.category(ch)
    return category[0] in "PSNZ" or ch in "·—…"


def _common_ideograph(ch: str) -> bool:
    """In GB2312 level 1 (the 3,755 frequent simplified characters) or Big5's 5,401 frequent characters."""
    for codec, lo, hi in (("gb2312", 0xB0, 0xD7), ("big5", 0xA4, 0xC6)):
        try:
            lead = ch.encode(codec)[0]
        except UnicodeEncodeError:
            continue
        if lo <= lead <= hi:
            return True
    return False
