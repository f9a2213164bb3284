"""Batch review throughput: a province's spring, scaled down to one machine.

    python benchmarks/batch_review.py [--reports 1000] [--workers 1,2] [--overhead 100] [--keep DIR]

Builds ``--reports`` reports — offline drafts of the four bundled examples and the reference report, each under
its own department name, three in four with a planted defect (a 其中 breakdown that doesn't add up, a
statistics date written 截止, last year's year left in) and every fifth with last year's report whose problems
section it copies — then reviews the folder with no model and writes the bureau summary (.xlsx and .html), once
per worker count. Prints the wall time, reports per second, per core (wall) and per CPU-second, the speed-up over
one worker, and whether the summary read back from the .xlsx lists every planted defect's report.

``--overhead N`` also measures what the batch adds on top of the bare per-document review (load, check): CPU time
of reviewing N of the reports one by one against ``review_batch`` on them with one worker (which also matches last
year's report, hashes for the cache, writes each review page and the cache entry).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import tempfile
import time
from pathlib import Path

from assistant.budget.loader import load_data
from assistant.drafting.pipeline import draft
from assistant.export.draft_formats import draft_to_markdown
from assistant.export.summary import read_summary, write_summary
from assistant.reviewing.batch import BatchRow, review_batch

ROOT = Path(__file__).parents[1]
REFERENCE = ROOT / "eval_cases" / "reports" / "kunming-2023-self-evaluation.txt"
TOWNS = "东西南北中"
PROBLEMS = (
    "二、存在的问题\n部分项目绩效目标设置不够细化，个别指标难以量化考核，项目资金拨付进度偏慢，需进一步加强管理。\n"
)

# Planted defect → the rule that must find it.
DEFECTS: dict[str, str] = {
    "parts": "arithmetic.parts-total",
    "cutoff": "typo",  # any typo rule: 截止 → 截至
    "stale": "dates.stale-year",
}


def bases() -> list[tuple[str, int, str]]:
    """(department, year, text) of each starting report."""
    out = []
    for example in sorted((ROOT / "examples").glob("*.yaml")):
        data = load_data(example)
        out.append((data.department.name, data.year, draft_to_markdown(draft(data))))
    out.append(("昆明市总工会", 2023, REFERENCE.read_text(encoding="utf-8")))
    return out


def variant(i: int, base: tuple[str, int, str]) -> tuple[str, str, str | None]:
    """Report ``i``: a new department name, maybe a planted defect; returns (department, text, defect)."""
    name, year, text = base
    department = f"{TOWNS[i % 5]}{i}县{name[-4:] if len(name) > 4 else name}"
    text = text.replace(name, department)
    if not text.startswith(department):
        text = f"{department}{year}年度部门整体支出绩效自评报告\n" + text
    defect = ("parts", "cutoff", "stale", None)[i % 4] if i % 4 != 3 else None
    inserts = {
        "parts": f"全年预算数为{500 + i}万元，其中基本支出300万元，项目支出{150 + i}万元。",
        "cutoff": f"截止{year}年12月31日，各项工作均已按计划推进。",
        "stale": f"按照{year - 3}年度工作计划，继续推进各项重点工作。",
    }
    if defect:
        head, sep, rest = text.partition("\n")
        text = head + sep + inserts[defect] + "\n" + rest
    if i % 5 == 0:
        text += "\n" + PROBLEMS
    return department, text, defect


def build(folder: Path, n: int) -> tuple[dict[str, str], Path]:
    """Write ``n`` reports (and last year's for every fifth); the planted defect of each report by file name."""
    reports, previous = folder / "reports", folder / "previous"
    reports.mkdir(parents=True)
    previous.mkdir()
    starts = bases()
    planted: dict[str, str] = {}
    for i in range(n):
        department, text, defect = variant(i, starts[i % len(starts)])
        name = f"{i:04d}.txt"
        (reports / name).write_text(text, encoding="utf-8")
        if defect:
            planted[name] = defect
        if i % 5 == 0:
            year = int(m.group(1)) if (m := re.search(r"((?:19|20)\d{2})年", text)) else 2024
            last = f"{department}{year - 1}年度部门整体支出绩效自评报告\n一、部门基本情况\n{PROBLEMS}"
            (previous / f"{i:04d}-last.txt").write_text(last, encoding="utf-8")
            planted[name + "#previous"] = "previous"
    return planted, folder


def missed(rows: list[BatchRow], planted: dict[str, str]) -> list[str]:
    """Planted defects the summary does not show."""
    by_file = {r.file: r for r in rows}
    out = []
    for key, defect in planted.items():
        name = key.split("#")[0]
        row = by_file.get(name)
        hit = False
        if row is not None and row.status == "ok":
            if defect == "previous":
                hit = "previous.copied-passage" in row.rules
            elif defect == "cutoff":
                hit = row.categories.get("typo", 0) > 0
            else:
                hit = DEFECTS[defect] in row.rules
        if not hit:
            out.append(f"{name}:{defect}")
    return out


def cpu() -> tuple[float, float]:
    """CPU seconds of this process, and of the pool's workers that have ended."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime


def overhead(folder: Path, n: int, work: Path) -> str:
    """CPU per report of the bare review (load + checks, last year's report matched) against the batch's."""
    from assistant.reviewing.batch import match
    from assistant.reviewing.identity import identify
    from assistant.reviewing.pipeline import review_document
    from assistant.text.document import load_document

    sample = work / "sample"
    sample.mkdir()
    for p in sorted((folder / "reports").glob("*.txt"))[:n]:
        shutil.copy(p, sample / p.name)
    reports = sorted(sample.glob("*.txt"))
    last = [(p, identify(load_document(p).text)) for p in sorted((folder / "previous").glob("*.txt"))]

    def bare() -> None:
        for p in reports:
            doc = load_document(p)
            found = match(identify(doc.text), last, year_offset=-1)
            review_document(doc, previous=load_document(found) if found else None)

    def batch(i: int) -> None:
        out = work / f"overhead-{i}"
        review_batch([sample], out_dir=out, previous=[folder / "previous"], workers=1, use_cache=False)

    bare()
    batch(0)  # warm: rule packs compiled, templates loaded
    times: dict[str, list[float]] = {"bare": [], "batch": []}
    for i in range(3):  # alternated, best of three: the machine is shared
        for name, run in (("bare", bare), ("batch", lambda i=i: batch(i + 1))):
            began = time.process_time()
            run()
            times[name].append(time.process_time() - began)
    b, t = min(times["bare"]), min(times["batch"])
    return (
        f"overhead on {len(reports)} reports: bare review {b / len(reports) * 1000:.1f} ms/report CPU, "
        f"batch {t / len(reports) * 1000:.1f} ms/report CPU, the batch adds {(t - b) / len(reports) * 1000:.1f} ms "
        f"({(t - b) / t * 100:.0f}% of its time)"
    )


def main() -> None:
    """Build the reports, review them per worker count, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts to time")
    parser.add_argument("--overhead", type=int, default=0, help="also measure the batch's overhead on N reports")
    parser.add_argument("--keep", type=Path, help="keep the generated reports and outputs here")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="batch-bench-"))
    planted, folder = build(work / "input", args.reports)
    print(f"{args.reports} 份报告，埋入问题 {len(planted)} 处；{os.cpu_count()} 核；输出在 {work}")
    first: float | None = None
    for workers in [int(w) for w in args.workers.split(",")]:
        out = work / f"out-{workers}"
        began, spent = time.perf_counter(), cpu()
        result = review_batch(
            [folder / "reports"], out_dir=out / "审阅结果", previous=[folder / "previous"], workers=workers,
            use_cache=False,
        )  # fmt: skip
        write_summary(result.rows, out / "汇总.html")
        xlsx = write_summary(result.rows, out / "汇总.xlsx")
        wall, (parent, pool) = time.perf_counter() - began, (a - b for a, b in zip(cpu(), spent, strict=True))
        used = parent + pool
        first = first or wall * workers
        rate = len(result.rows) / wall
        lost = missed(read_summary(xlsx), planted)  # what the bureau's summary shows, read back from the file
        print(
            f"workers={workers}: {wall:.1f} s wall, {rate:.1f} reports/s, {rate / workers:.1f} reports/s/core, "
            f"{len(result.rows) / used:.1f} reports per CPU-second, speed-up {first / wall:.2f}× (ideal {workers}×), "
            f"failed {len(result.failed)}, planted defects missing from the summary {len(lost)}/{len(planted)}"
        )
        if workers > 1:  # what does not spread over the cores: the parent's own share of the CPU time
            print(f"  serial part (this process: collecting, summary): {parent:.1f} s CPU = {parent / used:.1%}")
        if lost:
            print("  missed: " + ", ".join(lost[:20]))
    if args.overhead:
        print(overhead(folder, args.overhead, work))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
