"""The 批量审阅 tab without gradio: run a batch with progress, the summary in the page, each report opened, the files.

The batch itself is :func:`assistant.reviewing.batch.review_batch`; this module turns its rows into what the page
shows and what the user downloads, always under the user's own file names (never the server's paths). A row of the
summary opens that report in the same review pane as the 审阅 tab (:func:`open_report` gives its Review).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from assistant.export.summary import summary_overview, summary_table, write_summary
from assistant.reviewing.batch import BatchResult, BatchRow, review_batch
from assistant.reviewing.result import Review
from assistant.web import views
from assistant.web.progress import Background

SUMMARY_STEM = "批量审阅汇总"
REVIEWS_ZIP = "各报告审阅结果.zip"
NO_FILES = "请先上传要审阅的报告（可多选），或一个装有报告的 .zip 压缩包。"

Event = tuple[int, int, str]


@dataclass(frozen=True)
class BatchEntry:
    """One reviewed report of a finished batch: its Review (JSON) on the server, the report itself, its shown name."""

    review: Path
    source: Path
    name: str
    label: str


@dataclass
class BatchState:
    """A finished batch as the session keeps it: each reviewed report by its row in the summary."""

    entries: dict[int, BatchEntry] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)  # row -> why that file could not be reviewed


@dataclass
class BatchStep:
    """One refresh of the batch tab: the progress or result line, the framed summary, the choices, the downloads."""

    status: str
    summary: str = ""
    state: BatchState | None = None
    files: tuple[str | None, str | None, str | None] = (None, None, None)


def shown_name(name: str) -> str:
    """A report's name as the user knows it: inside an uploaded .zip, its path in the archive."""
    parts = PurePosixPath(name).parts
    if len(parts) > 1 and parts[0].lower().endswith(".zip"):
        return "/".join(parts[1:])
    return name


def run_batch(
    files: list[str] | None, outdir: Callable[[], Path], hold: AbstractContextManager[object] | None = None
) -> Iterator[BatchStep]:
    """Review every uploaded report (or the reports in an uploaded .zip) with ``已审阅 k/n：文件名`` progress."""
    paths = [Path(f) for f in files or [] if f]
    if not paths:
        yield BatchStep(views.error_md(NO_FILES))
        return
    out = outdir()

    def work(progress: Callable[[Event], None]) -> BatchResult:
        with hold or nullcontext():  # one run at a time per browser session, as with drafts and reviews
            return review_batch(
                paths,
                out_dir=out / "reviews",
                use_cache=False,
                progress=lambda done, total, name: progress((done, total, name)),
                keep_reviews=True,  # each row opens its Review in the pane
                workdir=out / "unpacked",  # the reports of a .zip stay: a .docx is commented on its own text later
            )

    run: Background[Event, BatchResult] = Background(work, "批量审阅")
    yield BatchStep(f"**批量审阅中**：正在读取 {len(paths)} 个上传的文件…")
    for events in run.events():
        done, total, name = events[-1]
        yield BatchStep(f"**批量审阅中** 已审阅 {done}/{total}：{shown_name(name)}")
    if run.error is not None:
        yield BatchStep(views.error_md(_hide_paths(str(run.error), paths)))
        return
    result = run.result
    assert result is not None
    yield finished(result, out)


def finished(result: BatchResult, out: Path) -> BatchStep:
    """The result step: the status with the unreadable files, the summary with its plots, the files to download."""
    named = _user_names(result.rows)
    folder = out / "审阅结果"
    state = BatchState()
    renamed: list[BatchRow] = []
    for i, row in enumerate(result.rows):
        page, word = named[i]
        update: dict[str, str | None] = {"review_file": None, "docx_file": None, "review_data": None}
        if row.status != "ok":
            state.failed[i] = row.reason
        if row.review_file:
            target = folder / page
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((result.out_dir / row.review_file).read_bytes())
            update["review_file"] = f"审阅结果/{page}"
        if row.docx_file:
            target = folder / word
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((result.out_dir / row.docx_file).read_bytes())
            update["docx_file"] = f"审阅结果/{word}"
        if row.review_data and i < len(result.paths):
            state.entries[i] = BatchEntry(
                result.out_dir / row.review_data, result.paths[i], shown_name(row.file), _label(row)
            )
        renamed.append(row.model_copy(update=update))
    # The downloaded summary links to the reviews as they sit in the .zip: unpacked beside it, the links open.
    xlsx = write_summary(renamed, out / f"{SUMMARY_STEM}.xlsx")
    page_file = write_summary(renamed, out / f"{SUMMARY_STEM}.html")
    archive = out / REVIEWS_ZIP
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(folder.rglob("*")) if folder.exists() else []:
            if p.is_file():
                z.write(p, p.relative_to(out).as_posix())
    return BatchStep(status(result), summary_panel(renamed), state, (str(xlsx), str(page_file), str(archive)))


def status(result: BatchResult) -> str:
    """The result line as Markdown, then every unreadable file with its reason, then the batch's notes."""
    ok = [r for r in result.rows if r.status == "ok"]
    failed = result.failed
    lines = [
        f"**批量审阅完成**：共 {len(result.rows)} 份报告，已审阅 {len(ok)} 份，无法审阅 {len(failed)} 份；"
        f"错误 {sum(r.errors for r in ok)} 处，警告 {sum(r.warnings for r in ok)} 处，"
        f"提示 {sum(r.infos for r in ok)} 处。"
    ]
    if failed:
        lines += ["", f"**无法审阅的文件（{len(failed)} 个）**："]
        lines += [f"- {shown_name(r.file)}：{r.reason}" for r in failed]
    if result.notes:
        lines += ["", *(f"- {n}" for n in result.notes)]
    return "\n".join(lines)


def summary_panel(rows: list[BatchRow]) -> str:
    """The summary in the page: counts, the plots, the unreadable files, and the table whose rows open a report."""
    if not rows:
        return ""
    hint = (
        "<p class='hint'>点击一份报告所在的行（或“查看”），在下方逐条查看它的问题并定位原文。</p>"
        if any(r.status == "ok" for r in rows)
        else ""
    )
    table = summary_table(rows, opener=_open_button, name=shown_name)
    overview = summary_overview(rows, counts=False, failed=False)  # the status line above says both
    return f"<div class='bs'>{overview}<h2>各报告</h2>{hint}<div class='scroll'>{table}</div></div>"


def _open_button(row: BatchRow) -> str:
    return "<button type='button' class='open'>查看</button>" if row.status == "ok" else ""


def open_report(state: BatchState | None, row: object) -> tuple[Review, BatchEntry] | str:
    """The Review of the summary's row ``row`` and its entry, or what to say instead (failed, unknown row)."""
    index = row if isinstance(row, int) and not isinstance(row, bool) else -1
    if state is None:
        return "请先运行批量审阅。"
    if index in state.failed:
        return f"这份报告无法审阅：{state.failed[index]}"
    entry = state.entries.get(index)
    if entry is None:
        return "没有找到这份报告的审阅结果，请重新运行批量审阅。"
    return Review.model_validate_json(entry.review.read_text(encoding="utf-8")), entry


def heading(entry: BatchEntry) -> str:
    """The line above the pane naming the report shown."""
    return f"**正在查看**：{entry.label}"


def _label(row: BatchRow) -> str:
    who = " ".join(x for x in (row.department or "", f"{row.year} 年度" if row.year else "") if x)
    counts = f"错误 {row.errors}、警告 {row.warnings}、提示 {row.infos}"
    return f"{shown_name(row.file)}（{who + '，' if who else ''}{counts}）"


def _user_names(rows: list[BatchRow]) -> list[tuple[str, str]]:
    """Each row's review page and Word file names, after the user's file: ``县直/甲局（审阅）.html``, unique."""
    taken: set[str] = set()
    out = []
    for row in rows:
        shown = PurePosixPath(shown_name(row.file))
        parts = [_safe(p) for p in shown.parent.parts]
        stem = _safe(shown.stem) + "（审阅）"
        base = "/".join([*parts, stem])
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}_{n}"
        taken.add(name)
        out.append((f"{name}.html", f"{name}.docx"))
    return out


def _safe(part: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", part).strip("._") or "报告"


def _hide_paths(message: str, paths: list[Path]) -> str:
    for p in paths:
        message = message.replace(str(p), p.name)
    return re.sub(r"(?:/[^\s/：:，,（）()]+){2,}/([^\s/：:，,（）()]+)", r"\1", message)
