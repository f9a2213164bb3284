"""What a review says about its document: the section tree flattened, parents before children, in text order."""

from __future__ import annotations

import random

from assistant.reviewing.result import SectionInfo, describe
from assistant.text.document import Document, Section


def tree(rng: random.Random, sid: str, depth: int, start: int) -> tuple[Section, int]:
    children: list[Section] = []
    pos = start + 5
    for i in range(rng.randint(0, 3) if depth < 4 else 0):
        child, pos = tree(rng, f"{sid}.{i + 1}", depth + 1, pos)
        children.append(child)
    end = pos + rng.randint(0, 9)
    return Section(id=sid, title=rng.choice(["一、概况", "（一）目标", "1.产出"]), level=depth, start=start,
                   end=end, children=children), end  # fmt: skip


def plain_walk(items: list[Section], out: list[SectionInfo]) -> list[SectionInfo]:
    for s in items:
        out.append(SectionInfo(id=s.id, title=s.title, level=s.level, start=s.start, end=s.end))
        plain_walk(s.children, out)
    return out


def test_describe_lists_every_section_parent_first_as_a_walk_of_the_tree() -> None:
    rng = random.Random(4)
    for _ in range(200):
        sections, pos = [], 0
        for i in range(rng.randint(0, 4)):
            section, pos = tree(rng, str(i + 1), 1, pos)
            sections.append(section)
        doc = Document(path=rng.choice([None, "a.txt"]), text="字" * pos, sections=sections, tables=[])
        info = describe(doc)
        assert info.sections == plain_walk(sections, [])
        assert (info.path, info.chars) == (doc.path, pos)
