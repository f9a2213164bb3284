"""Many reports at once: a folder, several files or a .zip, reviewed in parallel across the machine's cores.

    result = review_batch([Path("reports/")], out_dir=Path("out"), data=[Path("data/")], previous=[Path("2023/")])
    result.rows       # one BatchRow per report: department, year, counts, categories, the worst findings, its files

Each report is reviewed on its own (the deterministic review is per document) in a process pool; its review
(.html, and the .docx with Word comments and tracked changes when the input was .docx) lands in ``out_dir``.
One unreadable file never stops the run: its row says why. A re-run skips reports whose bytes (and data, and
last year's report, and the rules' version) are unchanged, unless ``use_cache`` is False.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pydantic import BaseModel, Field

from assistant import __version__
from assistant.checks.finding import CATEGORY_NAMES, SEVERITY_NAMES, SEVERITY_RANK, Finding, severity_counts
from assistant.checks.registry import CheckConfig
from assistant.errors import AssistantError, InputError
from assistant.reviewing.identity import Identity, identify, same_department

REPORT_SUFFIXES = (".docx", ".pdf", ".txt", ".md")
DATA_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")
MAX_ZIP_ENTRY = 100 * 1024 * 1024
MAX_ZIP_TOTAL = 1024 * 1024 * 1024
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
    cached: bool = False


@dataclass
class BatchResult:
    """Every report's row, the data files no report matched, and where the files went."""

    rows: list[BatchRow]
    out_dir: Path
    unmatched_data: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[BatchRow]:
        """Rows of reports that could not be reviewed."""
        return [r for r in self.rows if r.status != "ok"]


@dataclass(frozen=True)
class _Job:
    path: Path
    name: str
    out_dir: Path
    data: Path | None
    previous: Path | None
    config: CheckConfig | None
    use_cache: bool
    stem: str = ""  # the name its files get in out_dir, unique in the batch


# -- collecting the files -----------------------------------------------------------------------------


def collect(
    inputs: Iterable[Path], workdir: Path, suffixes: tuple[str, ...] = REPORT_SUFFIXES
) -> list[tuple[Path, str]]:
    """Every file with one of ``suffixes`` under the inputs (folders walked, .zip extracted into ``workdir``).

    Returns (path on disk, display name) pairs in a stable order. A missing input is an InputError.
    """
    found: list[tuple[Path, str]] = []
    for item in inputs:
        if not item.exists():
            raise InputError(f"{item}：找不到这个文件或文件夹，请检查路径")
        if item.is_dir():
            for p in sorted(item.rglob("*")):
                if p.is_file() and p.suffix.lower() in suffixes and not _hidden(p.relative_to(item)):
                    found.append((p, str(p.relative_to(item))))
        elif item.suffix.lower() == ".zip":
            target = workdir / f"zip-{len(found)}-{item.stem}"
            found.extend((p, f"{item.name}/{name}") for p, name in extract_zip(item, target, suffixes))
        else:
            found.append((item, item.name))
    return found


def _hidden(relative: Path) -> bool:
    return any(part.startswith((".", "~$", "__MACOSX")) for part in relative.parts)


def extract_zip(path: Path, target: Path, suffixes: tuple[str, ...]) -> list[tuple[Path, str]]:
    """The report files of a .zip, extracted under ``target``; sizes are checked before anything is read."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path}：不是有效的 zip 压缩包（{exc}），请重新打包后再试") from None
    out: list[tuple[Path, str]] = []
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir() and Path(m.filename).suffix.lower() in suffixes]
        total = sum(m.file_size for m in members)
        if total > MAX_ZIP_TOTAL or any(m.file_size > MAX_ZIP_ENTRY for m in members):
            raise InputError(f"{path}：压缩包解压后过大（{total // 1024 // 1024} MB），请分批上传")
        for i, m in enumerate(members):
            name = _zip_name(m)
            if _hidden(Path(name)):
                continue
            dest = target / f"{i:05d}" / Path(name).name
            dest.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(m) as src, dest.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            out.append((dest, name))
    return out


def _zip_name(member: zipfile.ZipInfo) -> str:
    """The member's name, decoded as the Chinese Windows tools that made it wrote it, never a path outside."""
    name = member.filename
    if not member.flag_bits & 0x800:  # no UTF-8 flag: Windows archivers write GBK
        try:
            name = name.encode("cp437").decode("gbk")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return "/".join(p for p in name.replace("\\", "/").split("/") if p not in ("", ".", ".."))


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


def cache_key(job: _Job) -> str:
    """sha256 over what decides the review: the report's bytes, its data, last year's report, rules and config."""
    h = hashlib.sha256(__version__.encode())
    for p in (job.path, job.data, job.previous):
        h.update(b"\0" + (p.read_bytes() if p is not None else b""))
    h.update((job.config.model_dump_json() if job.config else "").encode())
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


def review_one(job: _Job) -> BatchRow:
    """Review one report of the batch and write its files; any problem of the file becomes the row's reason."""
    stem = job.stem or _out_stem(job.name)
    cache = job.out_dir / CACHE_DIR / f"{stem}.json"
    try:
        key = cache_key(job)
    except OSError as exc:
        return BatchRow(file=job.name, status="failed", reason=f"无法读取（{exc.strerror or exc}）")
    if job.use_cache and cache.is_file():
        saved = json.loads(cache.read_text(encoding="utf-8"))
        row = BatchRow.model_validate(saved["row"])
        if saved.get("key") == key and (row.review_file is None or (job.out_dir / row.review_file).exists()):
            return row.model_copy(update={"cached": True})
    row = _review_fresh(job, stem)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"key": key, "row": row.model_dump(mode="json")}, ensure_ascii=False), "utf-8")
    return row


def _review_fresh(job: _Job, stem: str) -> BatchRow:
    from assistant.export.docx_comments import write_commented_docx
    from assistant.export.review_html import review_to_html
    from assistant.reviewing.pipeline import review

    try:
        result = review(job.path, data=job.data, config=job.config, previous=job.previous)
    except InputError as exc:
        return BatchRow(file=job.name, status="failed", reason=_one_line(str(exc), job.path))
    # The review names the report as given, never the folder a .zip was unpacked into.
    result = result.model_copy(update={"document": result.document.model_copy(update={"path": job.name})})
    who = identify(result.text)
    counts = severity_counts(result.findings)
    html = f"{stem}.review.html"
    (job.out_dir / html).write_text(review_to_html(result), encoding="utf-8")
    docx_name = None
    if job.path.suffix.lower() == ".docx":
        docx_name = f"{stem}.reviewed.docx"
        try:
            write_commented_docx(result, job.out_dir / docx_name, source=job.path)
        except InputError:
            docx_name = None
    return BatchRow(
        file=job.name,
        department=who.department,
        year=who.year,
        errors=counts["error"],
        warnings=counts["warning"],
        infos=counts["info"],
        categories=dict(Counter(f.category for f in result.findings)),
        rules=dict(Counter(f.rule for f in result.findings)),
        top=[_line(f) for f in most_serious(result.findings, TOP_FINDINGS)],
        review_file=html,
        docx_file=docx_name,
        data_file=job.data.name if job.data else None,
        previous_file=job.previous.name if job.previous else None,
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
) -> BatchResult:
    """Review every report under ``inputs`` in parallel; write each one's review into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="assistant-batch-") as tmp:
        work = Path(tmp)
        reports = collect(inputs, work / "reports")
        if not reports:
            raise InputError("没有找到可审阅的报告（.docx、.pdf、.txt、.md）；请检查文件夹或压缩包")
        _refuse_overwrite(reports, out_dir)
        data_index = index_data([p for p, _ in collect(data or [], work / "data", DATA_SUFFIXES)])
        last_year = [(p, identify(_safe_head(p))) for p, _ in collect(previous or [], work / "previous")]
        jobs, used = _jobs(reports, out_dir, data_index, last_year, config, use_cache)
        rows = _run(jobs, workers, progress)
    unmatched = [p.name for p, _ in data_index if p not in used]
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
    return BatchResult(rows=rows, out_dir=out_dir, unmatched_data=unmatched, notes=notes)


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
    data_index: list[tuple[Path, Identity]],
    last_year: list[tuple[Path, Identity]],
    config: CheckConfig | None,
    use_cache: bool,
) -> tuple[list[_Job], set[Path]]:
    jobs, used = [], set()
    stems: set[str] = set()
    single_previous = last_year[0][0] if len(last_year) == 1 and len(reports) == 1 else None
    for path, name in reports:
        who = identify(_safe_head(path)) if (data_index or last_year) else Identity(None, None)
        data = match(who, data_index) if data_index else None
        if data is not None:
            used.add(data)
        prev = single_previous or (match(who, last_year, year_offset=-1) if last_year else None)
        jobs.append(_Job(path, name, out_dir, data, prev, config, use_cache, _unique(_out_stem(name), stems)))
    return jobs, used


def _run(jobs: list[_Job], workers: int | None, progress: ProgressFn | None) -> list[BatchRow]:
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    rows: list[BatchRow | None] = [None] * len(jobs)
    if workers == 1:
        for i, job in enumerate(jobs):
            rows[i] = _guarded(job)
            if progress:
                progress(i + 1, len(jobs), job.name)
        return [r for r in rows if r is not None]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures: dict[Future[BatchRow], int] = {pool.submit(_guarded, job): i for i, job in enumerate(jobs)}
        done = 0
        for future in as_completed(futures):
            i = futures[future]
            rows[i] = future.result()
            done += 1
            if progress:
                progress(done, len(jobs), jobs[i].name)
    return [r for r in rows if r is not None]


def _guarded(job: _Job) -> BatchRow:
    """``review_one`` that turns a crash into the row's reason, so one report never stops the batch."""
    try:
        return review_one(job)
    except AssistantError as exc:
        return BatchRow(file=job.name, status="failed", reason=_one_line(str(exc), job.path))
    except Exception as exc:  # a bug on one document must not lose the other reports' reviews
        return BatchRow(file=job.name, status="failed", reason=f"程序错误（{type(exc).__name__}），请反馈此文件")
