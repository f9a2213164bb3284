"""The set-phrase rule's gate (a one-character regex that stops only where a variant starts) finds exactly what
the plain scan of the variants' trie finds."""

from __future__ import annotations

import random

from assistant.checks.phrases import LEGIT, PHRASES, _scanner, slips, variants


def plain(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in _scanner().finditer(text)]


def gated(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in slips(text)]


def test_every_variant_is_found_by_the_gate_where_the_plain_scan_finds_it() -> None:
    for v in sorted(variants()):
        for text in (v, f"现将{v}报告如下", f"{v}{v}", f"{v[:-1]}{v}", f"{v[0]}{v}。"):
            assert gated(text) == plain(text) != [], text


def test_the_gate_matches_the_plain_scan_on_generated_text() -> None:
    rng = random.Random(15)
    words = sorted(variants())
    # variants, their pieces (a first character with the wrong second, a prefix), real phrases and words, noise
    pieces = [*words, *(w[:2] for w in words), *(w[:-1] for w in words), *PHRASES, *LEGIT]
    pieces += ["，", "。", "\n", "|", " ", "的", "工作", "2024年", "情", "况", "绩", "效"]
    found = 0
    for _ in range(1500):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        expected = plain(text)
        found += len(expected)
        assert gated(text) == expected, text
    assert found > 500  # the generated texts do hold variants, often side by side


def test_text_without_variants_gives_nothing() -> None:
    text = "现将基本情况报告如下：全年预算执行率95%，绩效目标全部完成。" * 20
    assert gated(text) == plain(text) == []
