"""Whose report is this: the department and the year a report names in its title, for matching files in a batch."""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEAD_CHARS = 400
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年度?")
# What follows the department's name in a title: the year, or the kind of document.
_KIND = re.compile(r"(?:部门整体支出|整体支出|部门支出|项目支出|专项资金|预算绩效|绩效自评|绩效评价|自评报告|自评表)")
_LEAD = re.compile(r"^[#\s\d一二三四五六七八九十、.．:：（）()]*")
_ORG_SUFFIX = re.compile(
    r"(?:局|委员会|委|办公室|办|厅|院|中心|站|所|队|馆|会|学校|中学|小学|大学|政府|街道|镇|乡|部|处|社)$"
)
_NOISE = re.compile(r"[\s（）()《》“”\"'·,，、]+")


@dataclass(frozen=True)
class Identity:
    """The department and fiscal year a report is about (either may be unknown)."""

    department: str | None
    year: int | None

    def key(self) -> str:
        """The department's name as two files of the same department share it (spacing and brackets dropped)."""
        return normalise_department(self.department or "")


def normalise_department(name: str) -> str:
    """A department name for matching: spacing, brackets and punctuation dropped."""
    return _NOISE.sub("", name)


def identify(text: str) -> Identity:
    """The department and year from the first lines of a report (its title), or None for what is not there."""
    head = text[:_HEAD_CHARS]
    year_match = _YEAR.search(head)
    year = int(year_match.group(1)) if year_match else None
    department = None
    for line in head.splitlines():
        line = _LEAD.sub("", line.strip())
        if not line:
            continue
        cut = [m.start() for m in (_YEAR.search(line), _KIND.search(line)) if m is not None]
        if not cut:
            continue
        name = line[: min(cut)].strip(" ：:，,")
        if 2 <= len(name) <= 40 and _ORG_SUFFIX.search(name):
            department = name
            break
    return Identity(department, year)


def same_department(a: str | None, b: str | None) -> bool:
    """True when the two names are the same department (one may be the short form of the other)."""
    if not a or not b:
        return False
    x, y = normalise_department(a), normalise_department(b)
    return x == y or (min(len(x), len(y)) >= 3 and (x in y or y in x))
