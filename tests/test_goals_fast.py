"""The goals rules' shortcuts give what the plain reading gives."""

from __future__ import annotations

import random

from assistant.checks.goals import _ITEM_MARK, _list_paragraphs
from assistant.checks.registry import Context
from assistant.checks.structure import paragraphs
from assistant.text.document import document_from_text


def _plain_list_paragraphs(ctx: Context) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in paragraphs(ctx):
        if out and _ITEM_MARK.match(ctx.text, s) and _ITEM_MARK.match(ctx.text, out[-1][0]):
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def test_one_item_lines_are_merged_as_the_plain_reading_merges_them() -> None:
    rng = random.Random(2)
    # item marks of both kinds (and full-width figures), their look-alikes, and lines that open otherwise
    openings = [
        "1、",
        "2.",
        "3．",
        "12、",
        "１、",
        "一是",
        "二是",
        "十是",
        "一、",
        "1.5",
        "第一",
        "强化",
        "（1）",
        "",
        " 2、",
    ]
    for _ in range(800):
        lines = [rng.choice(openings) + rng.choice(["推进改革", "完成12项", ""]) for _ in range(rng.randint(0, 8))]
        ctx = Context(doc=document_from_text("\n".join(lines)))
        assert _list_paragraphs(ctx) == _plain_list_paragraphs(ctx), ctx.text


def test_fewer_than_eight_characters_never_hold_four_items() -> None:
    # what the length gate in slogan_list passes over: each item mark takes two characters or more
    from assistant.checks.goals import _items

    assert len(_items("1、 2、 3、 4、", 0, 11)) == 4
    rng = random.Random(6)
    chars = "1234、.．是一二三四 。；"
    for _ in range(5000):
        text = "".join(rng.choice(chars) for _ in range(rng.randint(0, 7)))
        assert len(_items(text, 0, len(text))) < 4, text
