"""Chunking for the model critique: sizes respected, offsets exact, Chinese sentence ends kept."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.text.chunks import Chunk, split_chunks
from assistant.text.document import document_from_text

# The project's copy of the reference report (the same text as ../shared/reference), so CI never skips this.
REFERENCE = Path(__file__).resolve().parents[1] / "eval_cases" / "reports" / "kunming-2023-self-evaluation.txt"


def assert_exact(text: str, chunks: list[Chunk], size: int) -> None:
    for c in chunks:
        assert text[c.start : c.end] == c.text
        assert 0 < len(c.text) <= size
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)
    ends = [c.end for c in chunks]
    assert ends == sorted(set(ends))  # every chunk brings new text


def test_chunks_of_the_reference_report_are_exact_and_within_size() -> None:
    text = document_from_text(REFERENCE.read_text(encoding="utf-8")).text
    chunks = split_chunks(text, size=1500, overlap=100)
    assert len(chunks) > 1
    assert_exact(text, chunks, 1500)


def test_every_character_is_in_some_chunk() -> None:
    text = "\n\n".join(f"第{i}段。" + "预算执行情况良好，资金使用规范。" * 12 for i in range(30))
    chunks = split_chunks(text, size=300, overlap=30)
    covered = [False] * len(text)
    for c in chunks:
        for i in range(c.start, c.end):
            covered[i] = True
    assert all(covered[i] for i, ch in enumerate(text) if not ch.isspace())


def test_sentence_ends_stay_with_their_sentence() -> None:
    text = "".join(f"这是第{i}句话，内容是关于预算执行的说明。" for i in range(200))
    chunks = split_chunks(text, size=200, overlap=0)
    assert len(chunks) > 1
    assert all(c.text.endswith("。") for c in chunks)
    assert not any(c.text.startswith("。") for c in chunks)


def test_text_without_any_separator_is_cut_to_size() -> None:
    text = "预" * 5003
    chunks = split_chunks(text, size=100, overlap=10)
    assert_exact(text, chunks, 100)
    assert chunks[-1].end == len(text)


def test_repeated_paragraphs_get_their_own_offsets() -> None:
    paragraph = "资金使用效益显著，群众满意度较高。"
    text = "\n\n".join([paragraph] * 40)
    chunks = split_chunks(text, size=60, overlap=0)
    assert_exact(text, chunks, 60)
    assert len({c.start for c in chunks}) == len(chunks)
    assert chunks[-1].end == len(text)


def test_blank_text_has_no_chunks() -> None:
    assert split_chunks("  \n\n \n") == []


@settings(max_examples=60, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("预算执行率为百分之万元。！？；，\n ab1")), max_size=800),
    st.integers(min_value=5, max_value=120),
    st.integers(min_value=0, max_value=30),
)
def test_any_text_splits_into_exact_chunks_within_size(text: str, size: int, overlap: int) -> None:
    chunks = split_chunks(text, size=size, overlap=overlap)
    assert_exact(text, chunks, size)
    if text.strip():
        assert chunks
