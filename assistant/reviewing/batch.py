"""Many reports at once: a folder, several files or a .zip, reviewed in parallel across the machine's cores.

    result = review_batch([Path("reports/")], out_dir=Path("out"), data=[Path("data/")], previous=[Path("2023/")])
    result.rows       # one BatchRow per report: department, year, counts, categories, the worst findings, its files

Each report is reviewed on its own (the deterministic review is per document) in a process pool; its review
(.html, and the .docx with Word comments and tracked changes when the input was .docx) lands in ``out_dir``.
One unreadable file never stops the run: its row says why. A re-run skips reports whose bytes (and data, and
last year's report, and the rules' version) are unchanged, unless ``use_cache`` is False.

With a model, the critique of every report follows in this process, through one client
(:mod:`assistant.reviewing.batch_critique`).
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from assistant import __version__
from assistant.checks.finding import CATEGORY_NAMES, SEVERITY_NAMES, SEVERITY_RANK, Finding, severity_counts
from assistant.checks.registry import CheckConfig
from assistant.collector import freeze_inherited
from assistant.errors import AssistantError, InputError
from assistant.reviewing.identity import Identity, identify, same_department
from assistant.reviewing.inputs import DATA_SUFFIXES, collect

if TYPE_CHECKING:
    from assistant.llm.protocol import ChatModel
    from assistant.reviewing.result import Review

CACHE_DIR = ".cache"
TOP_FINDINGS = 3

ProgressFn = Callable[[int, int, str], None]


class BatchRow(BaseModel):
    """One report of the batch, as the bureau summary shows it."""

    file: str = Field(description="the report's name as given (relative to the folder or zip)")
    department: str | None = None
    year: int | None = None
    status: str = Field("ok", description="ok | failed")
    reason: str = ""
    errors: int = 0
    warnings: int = 0
    infos: int = 0
    categories: dict[str, int] = Field(default_factory=dict, description="finding count by category id")
    rules: dict[str, int] = Field(default_factory=dict, description="finding count by rule id")
    top: list[str] = Field(default_factory=list, description="the most serious findings, one line each")
    review_file: str | None = Field(None, description="its review page, relative to the output folder")
    docx_file: str | None = None
    data_file: str | None = None
    previous_file: str | None = None
    review_data: str | None = Field(None, description="its Review as JSON (kept for the page and the critique)")
    model: str | None = Field(None, description="the model whose critique is merged into its review")
    model_note: str = Field("", description="why the model critique fell back or is incomplete")
    cached: bool = False


@dataclass
class BatchResult:
    """Every report's row, the data files no report matched, and where the files went."""

    rows: list[BatchRow]
    out_dir: Path
    unmatched_data: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)  # each row's report on disk, in row order

    @property
    def failed(self) -> list[BatchRow]:
        """Rows of reports that could not be reviewed."""
        return [r for r in self.rows if r.status != "ok"]


@dataclass(frozen=True)
class Job:
    """One report of the batch as a worker gets it: where it is, its name, where its files go, how to review it."""

    path: Path
    name: str
    out_dir: Path
    config: CheckConfig | None
    use_cache: bool
    stem: str = ""  # the name its files get in out_dir, unique in the batch
    previous: Path | None = None  # last year's report when given for it alone (else matched by title)
    keep_review: bool = False  # also write the Review as JSON
    critique: bool = False  # a model critique follows (it decides about files a critique wrote)


@dataclass(frozen=True)
class CritiqueSettings:
    """How the batch's model critique runs: requests in flight, seconds per report, progress."""

    concurrency: int | None = None  # None: the model's own
    deadline: float | None = None  # per report; None: no limit
    progress: ProgressFn | None = None


# -- matching data and last year's reports ------------------------------------------------------------


def _head(path: Path) -> str:
    from assistant.text.document import load_document

    return load_document(path).text[:400]


def index_data(paths: list[Path]) -> list[tuple[Path, Identity]]:
    """Each data file with the department and year it declares; unreadable ones are skipped with the reason."""
    from assistant.budget.loader import load_data

    out = []
    for p in paths:
        try:
            data = load_data(p)
        except AssistantError:
            continue
        out.append((p, Identity(data.department.name, data.year)))
    return out


def match(who: Identity, candidates: list[tuple[Path, Identity]], year_offset: int = 0) -> Path | None:
    """The candidate of the same department whose year is ``who.year + year_offset`` (any year when unknown)."""
    best = None
    for path, other in candidates:
        if not same_department(who.department, other.department):
            continue
        if who.year is not None and other.year is not None and other.year != who.year + year_offset:
            continue
        best = path
        if who.year is not None and other.year is not None:
            break
    return best


# -- one report -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Index:
    """The batch's data files and last year's reports with the department and year each declares."""

    data: list[tuple[Path, Identity]] = field(default_factory=list)
    previous: list[tuple[Path, Identity]] = field(default_factory=list)


_INDEX = _Index()  # a worker's copy, set once per process by the pool's initializer (not pickled per report)


def _set_index(index: _Index) -> None:
    global _INDEX
    _INDEX = index
    # A worker reviews report after report and keeps little between them: what it inherited (modules, rule packs,
    # compiled patterns) is moved out of the collector's sight, and young objects are collected less often.
    freeze_inherited()
    gc.set_threshold(20_000, 20, 50)


def cache_key(digest: str, data: Path | None, previous: Path | None, config: CheckConfig | None) -> str:
    """sha256 over what decides the review: the report's bytes (``digest``), its data, last year's report, rules."""
    h = hashlib.sha256(__version__.encode())
    h.update(digest.encode())
    for p in (data, previous):
        h.update(b"\0" + (p.read_bytes() if p is not None else b""))
    h.update((config.model_dump_json() if config else "").encode())
    h.update(_rules_version().encode())
    return h.hexdigest()


@cache
def _rules_version() -> str:
    """A hash of the rule modules and packs, so a changed rule re-reviews everything."""
    root = Path(__file__).resolve().parents[1] / "checks"
    h = hashlib.sha256()
    for p in sorted([*root.glob("*.py"), *root.glob("rules/*.yaml")]):
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _unique(stem: str, taken: set[str]) -> str:
    """``stem``, or ``stem-2``, ``stem-3`` … when two reports of one batch would write the same files."""
    candidate, n = stem, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}-{n}"
    taken.add(candidate)
    return candidate


def _out_stem(name: str) -> str:
    stem = re.sub(r"\.[^./]+$", "", name)
    return re.sub(r"[\\/:*?\"<>|\s]+", "_", stem).strip("_") or "report"


def review_one(job: Job, index: _Index | None = None) -> BatchRow:
    """Review one report of the batch and write its files; any problem of the file becomes the row's reason.

    The report is read once: its bytes decide whether the last run's review still holds, and its title (department
    and year) picks its data file and last year's report from ``index``.
    """
    index = index or _INDEX
    stem = job.stem or _out_stem(job.name)
    cache = job.out_dir / CACHE_DIR / f"{stem}.json"
    try:
        digest = hashlib.sha256(job.path.read_bytes()).hexdigest()
    except OSError as exc:
        return BatchRow(file=job.name, status="failed", reason=f"无法读取（{exc.strerror or exc}）")
    saved = read_cache(cache) if job.use_cache else None
    if saved is not None and saved.get("report") == digest:
        who = Identity(*saved.get("who", (None, None)))
        data, previous = _matched(job, who, index)
        if saved.get("key") == cache_key(digest, data, previous, job.config) and _still_there(saved, job):
            return BatchRow.model_validate(saved["row"]).model_copy(update={"cached": True})
    row, who, key = _review_fresh(job, stem, digest, index)
    entry = {"report": digest, "key": key, "who": [who.department, who.year], "row": row.model_dump(mode="json")}
    write_cache(cache, {**entry, "files": CHECKS})
    return row


CHECKS = "checks"  # the review files on disk come from the deterministic checks alone (else: a critique's key)


def read_cache(path: Path) -> dict[str, Any] | None:
    """A report's cache entry, or None when there is none (or it cannot be read)."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return saved if isinstance(saved, dict) and isinstance(saved.get("row"), dict) else None


def write_cache(path: Path, entry: dict[str, Any]) -> None:
    """Save a report's cache entry (what decided its review, its row, what its files on disk reflect)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")


def _still_there(saved: dict[str, Any], job: Job) -> bool:
    """The cached row's files exist, and reflect what this run would write."""
    row = saved["row"]
    for name in (row.get("review_file"), row.get("review_data") if job.keep_review else None):
        if name and not (job.out_dir / name).exists():
            return False
    if job.keep_review and row.get("status") == "ok" and not row.get("review_data"):
        return False
    # Without a model, files a critique rewrote are stale; with one, the critique phase decides.
    return job.critique or saved.get("files", CHECKS) == CHECKS


def _matched(job: Job, who: Identity, index: _Index) -> tuple[Path | None, Path | None]:
    """The report's data file and last year's report: as given, or matched by department and year."""
    data = match(who, index.data) if index.data else None
    previous = job.previous or (match(who, index.previous, year_offset=-1) if index.previous else None)
    return data, previous


def _review_fresh(job: Job, stem: str, digest: str, index: _Index) -> tuple[BatchRow, Identity, str]:
    from assistant.budget.facts import build_facts
    from assistant.budget.loader import load_data
    from assistant.reviewing.pipeline import review_document
    from assistant.text.document import load_document

    nobody = Identity(None, None)
    try:
        doc = load_document(job.path)
    except InputError as exc:
        failed = BatchRow(file=job.name, status="failed", reason=_one_line(str(exc), job.path))
        return failed, nobody, cache_key(digest, *_matched(job, nobody, index), job.config)
    who = identify(doc.text)
    data, previous = _matched(job, who, index)
    key = cache_key(digest, data, previous, job.config)
    try:
        facts = build_facts(load_data(data)) if data is not None else None
        last = load_document(previous) if previous is not None else None
    except InputError as exc:
        return BatchRow(file=job.name, status="failed", reason=_one_line(str(exc), job.path)), who, key
    # The deterministic review is called directly: no event loop per report.
    result = review_document(doc, facts=facts, config=job.config, previous=last)
    # The review names the report as given, never the folder a .zip was unpacked into.
    result = result.model_copy(update={"document": result.document.model_copy(update={"path": job.name})})
    review_data = None
    if job.keep_review:
        review_data = f"{CACHE_DIR}/{stem}.checks.json"
        (job.out_dir / review_data).parent.mkdir(parents=True, exist_ok=True)
        (job.out_dir / review_data).write_text(result.model_dump_json(), encoding="utf-8")
    row = BatchRow(
        file=job.name,
        department=who.department,
        year=who.year,
        data_file=data.name if data else None,
        previous_file=previous.name if previous else None,
        review_data=review_data,
    )
    return write_review_files(result, row, job.path, job.out_dir, stem), who, key


def write_review_files(result: Review, row: BatchRow, source: Path, out_dir: Path, stem: str) -> BatchRow:
    """Write the report's review page (and its commented .docx for a .docx report); the row with its counts."""
    from assistant.export.docx_comments import write_commented_docx
    from assistant.export.review_html import review_to_html

    html = f"{stem}.review.html"
    (out_dir / html).write_text(review_to_html(result), encoding="utf-8")
    docx_name = None
    if source.suffix.lower() == ".docx":
        docx_name = f"{stem}.reviewed.docx"
        try:
            write_commented_docx(result, out_dir / docx_name, source=source)
        except InputError:
            docx_name = None
    counts = severity_counts(result.findings)
    return row.model_copy(
        update={
            "errors": counts["error"],
            "warnings": counts["warning"],
            "infos": counts["info"],
            "categories": dict(Counter(f.category for f in result.findings)),
            "rules": dict(Counter(f.rule for f in result.findings)),
            "top": [_line(f) for f in most_serious(result.findings, TOP_FINDINGS)],
            "review_file": html,
            "docx_file": docx_name,
        }
    )


def _one_line(message: str, path: Path) -> str:
    first = message.strip().splitlines()[0] if message.strip() else "无法审阅"
    # The row already names the file: drop the path the message starts with, and any server path inside it.
    for prefix in (f"{path}：", f"{path}:", f"{path.name}：", f"{path.name}:"):
        first = first.removeprefix(prefix).strip()
    return first.replace(str(path), path.name)


def most_serious(findings: list[Finding], n: int) -> list[Finding]:
    """The ``n`` most serious findings, errors first, then in document order."""
    return sorted(findings, key=lambda f: (-SEVERITY_RANK[f.severity], f.start))[:n]


def _line(f: Finding) -> str:
    quote = f.quote if len(f.quote) <= 24 else f.quote[:23] + "…"
    return f"【{SEVERITY_NAMES[f.severity]}·{CATEGORY_NAMES[f.category]}】{f.message}（“{quote}”）"


# -- the batch ----------------------------------------------------------------------------------------


def review_batch(
    inputs: list[Path],
    *,
    out_dir: Path,
    data: list[Path] | None = None,
    previous: list[Path] | None = None,
    config: CheckConfig | None = None,
    workers: int | None = None,
    use_cache: bool = True,
    progress: ProgressFn | None = None,
    model: ChatModel | None = None,
    critique: CritiqueSettings | None = None,
    keep_reviews: bool = False,
    workdir: Path | None = None,
) -> BatchResult:
    """Review every report under ``inputs`` in parallel; write each one's review into ``out_dir``.

    With ``model``, every report's deterministic review is then critiqued by the model through that one client
    (``critique`` sets its concurrency, deadline per report and progress); a report whose critique fails keeps its
    deterministic review and says why. ``keep_reviews`` also writes each Review as JSON (the page opens them);
    ``workdir`` keeps the unpacked .zip files there (the page comments the user's own .docx later).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="assistant-batch-") as tmp:
        work = workdir or Path(tmp)
        reports = collect(inputs, work / "reports")
        if not reports:
            raise InputError("没有找到可审阅的报告（.docx、.pdf、.txt、.md）；请检查文件夹或压缩包")
        _refuse_overwrite(reports, out_dir)
        data_index = index_data([p for p, _ in collect(data or [], work / "data", DATA_SUFFIXES)])
        last_year = _identify_all([p for p, _ in collect(previous or [], work / "previous")], workers)
        index = _Index(data_index, last_year)
        jobs = _jobs(reports, out_dir, last_year, config, use_cache, keep_reviews or model is not None, model)
        rows = _run(jobs, index, workers, progress)
        if model is not None:
            from assistant.reviewing.batch_critique import critique_rows

            rows = critique_rows(jobs, rows, model, critique or CritiqueSettings())
    used = {r.data_file for r in rows if r.data_file}
    unmatched = [p.name for p, _ in data_index if p.name not in used]
    notes = []
    if data is not None:
        missing = [r.file for r in rows if r.status == "ok" and r.data_file is None]
        if missing:
            notes.append(
                f"{len(missing)} 份报告没有找到对应的数据文件（按部门名称和年度匹配）：{'、'.join(missing[:10])}"
            )
    if previous is not None:
        alone = [r.file for r in rows if r.status == "ok" and r.previous_file is None]
        if alone:
            notes.append(f"{len(alone)} 份报告没有找到上年报告：{'、'.join(alone[:10])}")
    fell = [r.file for r in rows if r.status == "ok" and r.model_note]
    if model is not None and fell:
        notes.append(f"{len(fell)} 份报告的模型审阅未完成或不完整，保留确定性检查结果：{'、'.join(fell[:10])}")
    return BatchResult(rows=rows, out_dir=out_dir, unmatched_data=unmatched, notes=notes, paths=[j.path for j in jobs])


def _identify_all(paths: list[Path], workers: int | None) -> list[tuple[Path, Identity]]:
    """Each of last year's reports with the department and year its title gives (read across the cores)."""
    workers = max(1, min(workers or os.cpu_count() or 1, len(paths) // 8))
    if workers == 1:
        return [(p, _identity_of(p)) for p in paths]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(zip(paths, pool.map(_identity_of, paths, chunksize=8), strict=True))


def _identity_of(path: Path) -> Identity:
    return identify(_safe_head(path))


def _safe_head(path: Path) -> str:
    try:
        return _head(path)
    except AssistantError:
        return ""


def _refuse_overwrite(reports: list[tuple[Path, str]], out_dir: Path) -> None:
    for path, name in reports:
        for written in (f"{_out_stem(name)}.review.html", f"{_out_stem(name)}.reviewed.docx"):
            target = out_dir / written
            if target.exists() and path.exists() and os.path.samefile(path, target):
                raise InputError(f"{target}：输出会覆盖一份待审阅的报告，请换一个输出文件夹")


def _jobs(
    reports: list[tuple[Path, str]],
    out_dir: Path,
    last_year: list[tuple[Path, Identity]],
    config: CheckConfig | None,
    use_cache: bool,
    keep_review: bool,
    model: ChatModel | None,
) -> list[Job]:
    stems: set[str] = set()
    # One report against one last-year file: they belong together whatever their titles say.
    single = last_year[0][0] if len(last_year) == 1 and len(reports) == 1 else None
    return [
        Job(path, name, out_dir, config, use_cache, _unique(_out_stem(name), stems), single, keep_review, bool(model))
        for path, name in reports
    ]


def _run(jobs: list[Job], index: _Index, workers: int | None, progress: ProgressFn | None) -> list[BatchRow]:
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    rows: list[BatchRow | None] = [None] * len(jobs)
    if workers == 1:
        for i, job in enumerate(jobs):
            rows[i] = _guarded(job, index)
            if progress:
                progress(i + 1, len(jobs), job.name)
        return [r for r in rows if r is not None]
    # The index goes to each worker once; a report's job is a few paths. Reports are handed out a few at a time
    # so the pool's round trips stay small next to the reviews.
    chunk = max(1, min(8, len(jobs) // (workers * 8)))
    with ProcessPoolExecutor(max_workers=workers, initializer=_set_index, initargs=(index,)) as pool:
        futures: dict[Future[list[BatchRow]], int] = {
            pool.submit(_guarded_many, jobs[i : i + chunk]): i for i in range(0, len(jobs), chunk)
        }
        done = 0
        for future in as_completed(futures):
            first = futures[future]
            for k, row in enumerate(future.result()):
                rows[first + k] = row
                done += 1
                if progress:
                    progress(done, len(jobs), jobs[first + k].name)
    return [r for r in rows if r is not None]


def _guarded_many(jobs: list[Job]) -> list[BatchRow]:
    return [_guarded(job) for job in jobs]


def _guarded(job: Job, index: _Index | None = None) -> BatchRow:
    """``review_one`` that turns a crash into the row's reason, so one report never stops the batch."""
    try:
        return review_one(job, index)
    except AssistantError as exc:
        return BatchRow(file=job.name, status="failed", reason=_one_line(str(exc), job.path))
    except Exception as exc:  # a bug on one document must not lose the other reports' reviews
        return BatchRow(file=job.name, status="failed", reason=f"程序错误（{type(exc).__name__}），请反馈此文件")
