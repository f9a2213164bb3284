"""Word in, Word out: the findings of a review as Word comments on their exact words.

    write_commented_docx(review, "reviewed.docx", source="report.docx")   # a commented copy; the original untouched
    write_commented_docx(review, "reviewed.docx")                         # a new .docx of the normalised text

A finding whose fix is certain (``Finding.fix``: a set phrase's typo, a total its stated parts give) is also
written as a Word tracked change — the old words deleted, the fix inserted, author the product — beside its
comment, so the department accepts it with one click. Everything else stays a comment.

Offsets in a Review are into the normalised text. For a Word input they are mapped back through the
normalisation (``Document`` keeps each character's offset in the extracted text) to the text that ingest
extracted, which we rebuild here by walking the paragraphs and table cells in the same order, run by run.
Runs are split at the span's ends (each half keeps the run's formatting) and python-docx anchors the comment
on the covering runs.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docx
from docx.comments import Comment
from docx.document import Document as WordDocument
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.table import Table
from docx.text.run import Run

from assistant.checks.finding import CATEGORY_NAMES, SEVERITY_NAMES, Finding
from assistant.errors import InputError
from assistant.reviewing.result import Review
from assistant.text.document import load_document
from assistant.text.ingest import read_docx

AUTHOR = "绩效自评助手"
INITIALS = "AI"
_TEXT_TAGS = {qn(t) for t in ("w:t", "w:tab", "w:br", "w:cr", "w:noBreakHyphen", "w:ptab")}
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def comment_text(finding: Finding) -> str:
    """``【严重程度·类别】message`` and, when there is one, ``建议：suggestion`` on the next line."""
    head = f"【{SEVERITY_NAMES[finding.severity]}·{CATEGORY_NAMES[finding.category]}】{finding.message}"
    return f"{head}\n建议：{finding.suggestion}" if finding.suggestion else head


@dataclass
class Commented:
    """What was written: how many comments, and the findings that could not be anchored."""

    path: Path
    placed: int = 0
    tracked: int = 0
    unplaced: list[Finding] = field(default_factory=list)


def write_commented_docx(
    review: Review, out: str | Path, *, source: str | Path | None = None, track_fixes: bool = True
) -> Commented:
    """Write ``out``: a copy of the .docx ``source`` (or a new document of the text) with one comment per finding.

    With ``track_fixes``, certain fixes are tracked changes too.
    """
    out = Path(out)
    if source is not None and Path(source).suffix.lower() == ".docx":
        src = Path(source)
        if out.resolve() == src.resolve():
            raise InputError(f"{out}: 不能覆盖原文件，请另取一个文件名（原文件保持不变）")
        word, pieces, to_raw = _from_original(review, src)
    else:
        word, pieces, to_raw = _from_text(review.text)
    result = Commented(out)
    anchors = _Anchors(word, pieces)
    comments = _Comments(word)
    for f in review.findings:
        if f.end > f.start:
            lo, hi = to_raw(f.start), to_raw(f.end - 1) + 1
        else:  # a finding about a missing thing: mark the character where it belongs
            at = to_raw(min(f.start, max(len(review.text) - 1, 0)))
            lo, hi = at, at + 1
        runs = anchors.cover(lo, hi)
        if runs is None:
            result.unplaced.append(f)
            continue
        comments.add(runs, comment_text(f))
        result.placed += 1
        if track_fixes and f.fix is not None and f.end > f.start and f.fix != f.quote:
            result.tracked += _track(anchors, f, to_raw)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        word.save(str(out))
    except OSError as exc:
        raise InputError(f"{out}: 无法写入（{exc.strerror or exc}），请检查路径和写入权限") from None
    return result


# -- the text behind the runs --------------------------------------------------------------------------

_Piece = tuple[int, int, Any]  # (start, end) in the extracted text, and the w:r element holding it


def _from_text(text: str) -> tuple[WordDocument, list[_Piece], Any]:
    """A new document: one paragraph per non-empty line of the normalised text, offsets unchanged."""
    word = docx.Document()
    pieces: list[_Piece] = []
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            run = word.add_paragraph().add_run(line)
            pieces.append((pos, pos + len(line), run._r))
        pos += len(line) + 1
    return word, pieces, lambda offset: offset


def _from_original(review: Review, path: Path) -> tuple[WordDocument, list[_Piece], Any]:
    """The reviewer's document, its runs placed in the text that ingest extracted, and normalised → extracted."""
    doc = load_document(path)
    if doc.text != review.text:
        raise InputError(f"{path}: 文件在审阅之后被修改过，请重新审阅后再导出带批注的 Word 文件")
    word = docx.Document(str(path))
    raw, pieces = _walk(word)
    if raw != read_docx(path).raw:  # cannot happen unless ingest changes how it reads Word files
        raise InputError(f"{path}: 无法把审阅结果对应到 Word 文件的文字，请改用 .md 或 .html 输出")
    origin = doc._origin
    if origin is None:
        return word, pieces, lambda offset: offset
    return word, pieces, lambda offset: int(origin[offset])


class _Text:
    """Rebuilds the extracted text as ``ingest.read_docx`` writes it, remembering which run holds which part."""

    def __init__(self) -> None:
        self.size = 0
        self.parts: list[str] = []
        self.pieces: list[_Piece] = []

    def add(self, paragraphs: list[Any]) -> None:
        if self.size:
            self.parts.append("\n")
            self.size += 1
        for i, p in enumerate(paragraphs):
            if i:  # a cell's paragraphs are joined by line breaks (python-docx ``_Cell.text``)
                self.parts.append("\n")
                self.size += 1
            for r in _runs(p):
                text = r.text
                if text:
                    self.pieces.append((self.size, self.size + len(text), r))
                    self.parts.append(text)
                    self.size += len(text)


def _runs(p: Any) -> list[Any]:
    """The runs whose text ``Paragraph.text`` reads: direct ``w:r`` and those inside ``w:hyperlink``."""
    out = []
    for child in p.iterchildren():
        if child.tag == qn("w:r"):
            out.append(child)
        elif child.tag == qn("w:hyperlink"):
            out.extend(c for c in child.iterchildren() if c.tag == qn("w:r"))
    return out


def _walk(word: WordDocument) -> tuple[str, list[_Piece]]:
    out = _Text()
    for element in _body_elements(word.element.body):
        if element.tag == qn("w:p"):
            out.add([element])
        else:
            table = Table(element, word)
            seen: dict[Any, None] = {}
            for r, row in enumerate(table.rows):
                if r:
                    out.add([])
                for cell in row.cells:
                    if cell._tc in seen:
                        continue
                    seen[cell._tc] = None
                    out.add([p._p for p in cell.paragraphs])
    return "".join(out.parts), out.pieces


def _body_elements(body: Any) -> list[Any]:
    """Top-level paragraphs and tables, inside content controls too — the order ingest reads them in."""
    found: list[Any] = []
    for element in body.iterchildren():
        if element.tag in (qn("w:p"), qn("w:tbl")):
            found.append(element)
        elif element.tag == qn("w:sdt"):
            for content in element.iterchildren():
                if content.tag == qn("w:sdtContent"):
                    found.extend(_body_elements(content))
    return found


# -- anchoring -----------------------------------------------------------------------------------------


class _Anchors:
    """The pieces in text order; splits runs so that a span starts and ends on run boundaries.

    ``starts`` mirrors the pieces' start offsets so every lookup is a bisection: a review of a long report places
    thousands of comments, and a scan of every piece per comment made that quadratic.
    """

    def __init__(self, word: WordDocument, pieces: list[_Piece]) -> None:
        self.word = word
        self.pieces = sorted(pieces, key=lambda p: p[0])
        self.starts = [p[0] for p in self.pieces]

    def cover(self, lo: int, hi: int) -> list[Run] | None:
        """The first and last run covering ``[lo, hi)`` after splitting at both ends, or None when no text is there."""
        self._split_at(lo)
        self._split_at(hi)
        inside = self._between(lo, hi)
        if not inside:
            return None
        return [Run(inside[0][2], self.word), Run(inside[-1][2], self.word)]

    def inside(self, lo: int, hi: int) -> list[Any]:
        """Every ``w:r`` holding text of ``[lo, hi)`` (call after :meth:`cover` has split the runs there)."""
        return [p[2] for p in self._between(lo, hi)]

    def _between(self, lo: int, hi: int) -> list[_Piece]:
        i = bisect_left(self.starts, lo)
        inside = []
        while i < len(self.pieces) and self.pieces[i][1] <= hi:
            inside.append(self.pieces[i])
            i += 1
        return inside

    def _split_at(self, at: int) -> None:
        i = bisect_left(self.starts, at + 1) - 1
        if i < 0:
            return
        start, end, r = self.pieces[i]
        if not start < at < end:
            return
        right = _split_run(r, at - start)
        self.pieces[i : i + 1] = [(start, at, r), (at, end, right)]
        self.starts.insert(i + 1, at)


class _Comments:
    """Adds comments with ids counted here: python-docx looks for the highest id among all comments at every
    addition, which made thousands of comments take minutes."""

    def __init__(self, word: WordDocument) -> None:
        self.comments = word.comments
        element = self.comments._comments_elm
        self.next_id = max((int(x) for x in element.xpath("./w:comment/@w:id")), default=-1) + 1
        self.element = element

    def add(self, runs: list[Run], text: str) -> None:
        """One comment of ``text`` by the product, anchored from the first to the last of ``runs``."""
        comment_id = self.next_id
        self.next_id += 1
        element = parse_xml(
            f'<w:comment {nsdecls("w")} w:id="{comment_id}" w:author="">'
            '<w:p><w:pPr><w:pStyle w:val="CommentText"/></w:pPr>'
            '<w:r><w:rPr><w:rStyle w:val="CommentReference"/></w:rPr><w:annotationRef/></w:r></w:p>'
            "</w:comment>"
        )
        self.element.append(element)
        element.author = AUTHOR
        element.initials = INITIALS
        element.date = datetime.now(UTC)
        comment = Comment(element, self.comments._comments_part)
        first, *rest = text.split("\n")
        comment.paragraphs[0].add_run(first)
        for line in rest:
            comment.add_paragraph(text=line)
        runs[0].mark_comment_range(runs[-1], comment_id)


def _split_run(r: Any, k: int) -> Any:
    """Cut run ``r`` after its ``k``-th character; both halves keep its formatting. Returns the right half."""
    right = deepcopy(r)
    r.addnext(right)
    _keep(r, 0, k)
    _keep(right, k, None)
    return right


def _keep(r: Any, lo: int, hi: int | None) -> None:
    """Trim run ``r`` to the characters ``[lo, hi)`` of its text; items without text go with the side they sit on."""
    pos = 0
    for child in list(r.iterchildren()):
        if child.tag == qn("w:rPr"):
            continue
        length = len(str(child)) if child.tag in _TEXT_TAGS else 0
        a, b = pos, pos + length
        pos = b
        if length == 0:
            inside = a >= lo and (hi is None or a < hi)
            if not inside:
                r.remove(child)
            continue
        cut_lo, cut_hi = max(a, lo), b if hi is None else min(b, hi)
        if cut_hi <= cut_lo:
            r.remove(child)
        elif (cut_lo, cut_hi) != (a, b):  # only w:t holds more than one character
            child.text = child.text[cut_lo - a : cut_hi - a]
            child.set(_XML_SPACE, "preserve")


def changed_part(old: str, new: str) -> tuple[int, int, str]:
    """The part of ``old`` that ``new`` changes: (start, end) in ``old`` and its replacement (common ends kept)."""
    p = 0
    while p < min(len(old), len(new)) and old[p] == new[p]:
        p += 1
    q = 0
    while q < min(len(old), len(new)) - p and old[len(old) - 1 - q] == new[len(new) - 1 - q]:
        q += 1
    return p, len(old) - q, new[p : len(new) - q]


def _track(anchors: _Anchors, f: Finding, to_raw: Any) -> int:
    """Write ``f.fix`` as a tracked change of just the characters it changes; 1 when written, 0 when it can't be."""
    assert f.fix is not None
    a, b, replacement = changed_part(f.quote, f.fix)
    start, end = f.start + a, f.start + b
    if end > start:
        lo, hi = to_raw(start), to_raw(end - 1) + 1
        if hi - lo != end - start or anchors.cover(lo, hi) is None:
            return 0  # the words run across a reflowed line break: leave it to the comment
        runs = anchors.inside(lo, hi)
        if "".join(Run(r, anchors.word).text for r in runs) != f.quote[a:b]:
            return 0
        return int(track_change(runs, replacement))
    at = to_raw(start)
    anchors.cover(at, at + 1)
    following = anchors.inside(at, at + 1)
    return int(bool(following) and not _changed(following[0]) and track_insertion(following[0], replacement))


def _changed(run: Any) -> bool:
    """The run already sits inside a tracked change (two findings proposing fixes for the same words)."""
    return run.getparent() is not None and run.getparent().tag in (qn("w:del"), qn("w:ins"))


_change_ids = itertools.count(900_000)  # w:ins/w:del ids, far from python-docx's comment and bookmark ids


def track_change(runs: list[Any], fix: str) -> bool:
    """Wrap ``runs`` in ``w:del`` and put ``fix`` after them in ``w:ins`` (same formatting); False if not one paragraph."""
    if not runs or any(r.getparent() is not runs[0].getparent() for r in runs) or _changed(runs[0]):
        return False
    when = _now()
    deleted = _change("w:del", when)
    runs[0].addprevious(deleted)
    for r in runs:
        deleted.append(r)  # moves the run
        for t in r.iter(qn("w:t")):
            t.tag = qn("w:delText")
    if fix:
        inserted = _change("w:ins", when)
        inserted.append(_run_like(runs[0], fix))
        deleted.addnext(inserted)
    return True


def track_insertion(before: Any, text: str) -> bool:
    """Put ``text`` as a tracked insertion just before the run ``before`` (same formatting)."""
    inserted = _change("w:ins", _now())
    inserted.append(_run_like(before, text))
    before.addprevious(inserted)
    return True


def _run_like(model: Any, text: str) -> Any:
    new = OxmlElement("w:r")
    props = model.find(qn("w:rPr"))
    if props is not None:
        new.append(deepcopy(props))
    t = OxmlElement("w:t")
    t.text = text
    t.set(_XML_SPACE, "preserve")
    new.append(t)
    return new


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _change(tag: str, when: str) -> Any:
    element = OxmlElement(tag)
    element.set(qn("w:id"), str(next(_change_ids)))
    element.set(qn("w:author"), AUTHOR)
    element.set(qn("w:date"), when)
    return element


def read_changes(path: str | Path) -> list[tuple[str, str, str]]:
    """(kind "ins"/"del", author, text) for each tracked change of a .docx, in document order."""
    word = docx.Document(str(path))
    out = []
    for element in word.element.body.iter(qn("w:ins"), qn("w:del")):
        kind = "ins" if element.tag == qn("w:ins") else "del"
        tag = qn("w:t") if kind == "ins" else qn("w:delText")
        out.append((kind, element.get(qn("w:author")), "".join(t.text or "" for t in element.iter(tag))))
    return out


def read_comments(path: str | Path) -> list[tuple[str, str, str]]:
    """(author, comment text, anchored text) for each comment of a .docx, in document order — for checks and tests."""
    word = docx.Document(str(path))
    bodies = {c.comment_id: (c.author, c.text) for c in word.comments}
    anchored: dict[int, list[str]] = {}
    open_ids: set[int] = set()
    order: list[int] = []
    for element in word.element.body.iter():
        if element.tag == qn("w:commentRangeStart"):
            cid = int(element.get(qn("w:id")))
            open_ids.add(cid)
            anchored[cid] = []
            order.append(cid)
        elif element.tag == qn("w:commentRangeEnd"):
            open_ids.discard(int(element.get(qn("w:id"))))
        elif element.tag == qn("w:p") and open_ids and element.getparent() is not None:
            for cid in open_ids:
                if anchored[cid]:
                    anchored[cid].append("\n")
        elif element.tag in _TEXT_TAGS and open_ids and element.getparent().tag == qn("w:r"):
            for cid in open_ids:
                anchored[cid].append(str(element))
    return [(*bodies[cid], "".join(anchored[cid])) for cid in order if cid in bodies]


__all__ = [
    "AUTHOR",
    "INITIALS",
    "Commented",
    "comment_text",
    "read_changes",
    "read_comments",
    "track_change",
    "write_commented_docx",
]
