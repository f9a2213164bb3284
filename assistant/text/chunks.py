"""Cutting a long report into chunks a model can review, each with its exact place in the text.

The only module importing ``langchain_text_splitters``. The splitter cuts at paragraph breaks, then line breaks,
then Chinese sentence ends (kept at the end of their sentence), and as a last resort between any two characters,
so no chunk exceeds its size. The splitter's own offsets are not trusted: each chunk is located in the text by
us, in order, so ``text[chunk.start:chunk.end] == chunk.text`` always holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

CHUNK_SIZE = 1500
CHUNK_OVERLAP = 100
SEPARATORS = ["\n\n", "\n", "。", "！", "？", "；", ""]


@dataclass(frozen=True)
class Chunk:
    """A piece of the text: ``text == document_text[start:end]``."""

    start: int
    end: int
    text: str


def split_chunks(text: str, *, size: int = CHUNK_SIZE, overlap: int = CHUNK_OVERLAP) -> list[Chunk]:
    """Chunks of at most ``size`` characters covering ``text`` in order, neighbours sharing up to ``overlap``."""
    if size < 1:
        raise ValueError("chunk size must be at least 1")
    overlap = max(0, min(overlap, size - 1))
    splitter = RecursiveCharacterTextSplitter(
        separators=SEPARATORS,
        keep_separator="end",
        chunk_size=size,
        chunk_overlap=overlap,
        strip_whitespace=True,
    )
    chunks: list[Chunk] = []
    lo, last_end = 0, 0
    for piece in splitter.split_text(text):
        if not piece.strip():
            continue
        start = _locate(text, piece, lo, last_end)
        if start is None:  # wholly inside the previous chunk: nothing new to review
            continue
        for cut in range(0, len(piece), size):  # belt and braces: never hand out more than ``size``
            part = piece[cut : cut + size]
            chunks.append(Chunk(start + cut, start + cut + len(part), part))
        # The next chunk starts no earlier than this one, at worst ``overlap`` characters before its end.
        lo, last_end = max(start, start + len(piece) - overlap), start + len(piece)
    return chunks


def _locate(text: str, piece: str, lo: int, last_end: int) -> int | None:
    """Where ``piece`` sits: the first place at or after ``lo`` that reaches past the previous chunk's end."""
    start = text.find(piece, lo)
    while start >= 0 and start + len(piece) <= last_end:
        start = text.find(piece, start + 1)
    if start >= 0:
        return start
    if text.find(piece) < 0:  # the splitter only ever returns substrings; fail loudly if that changes
        raise ValueError("the splitter returned text that is not in the document")
    return None
