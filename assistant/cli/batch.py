"""``assistant review FOLDER/`` (or several files, or a .zip) and ``assistant summary``: the bureau's side."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.cli.main import _EXTENSIONS, command
from assistant.errors import InputError
from assistant.terminal import for_terminal

if TYPE_CHECKING:
    from assistant.reviewing.batch import ProgressFn

REVIEWS_DIR = "审阅结果"


def is_batch(files: list[str]) -> bool:
    """Several inputs, a folder or a .zip make a batch; one report file does not."""
    if len(files) > 1:
        return True
    one = Path(files[0])
    return one.is_dir() or one.suffix.lower() == ".zip"


def _progress_of(stage: str) -> ProgressFn:
    """A progress bar on stderr for one stage of the batch (检查, 模型审阅)."""

    def show(done: int, total: int, name: str) -> None:
        width = 24
        filled = width * done // total if total else width
        line = f"{stage} [{'█' * filled}{'·' * (width - filled)}] {done}/{total} {for_terminal(name)}"
        if sys.stderr.isatty():
            sys.stderr.write("\r\033[K" + line + ("\n" if done == total else ""))
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    return show


def _summary_paths(output: str | None) -> tuple[Path, Path]:
    """The .xlsx and .html summaries: the one asked for, and the other beside it with the same name."""
    base = Path(output) if output else Path("审阅汇总.xlsx")
    if base.suffix.lower() not in (".xlsx", ".html", ".htm"):
        raise InputError(f"{base}：批量审阅的汇总只能写成 .xlsx 或 .html（如 -o 汇总.xlsx）")
    return base.with_suffix(".xlsx"), base.with_suffix(".html")


def review_many(args: argparse.Namespace) -> int:
    """Review every report of the inputs in parallel and write the bureau summary."""
    from assistant.checks.registry import CheckConfig, load_config
    from assistant.cli.model_flags import open_model
    from assistant.export.summary import write_summary
    from assistant.reviewing.batch import CritiqueSettings, review_batch

    xlsx, page = _summary_paths(args.output)
    config = load_config(args.config) if args.config else CheckConfig()
    if args.year:
        config = config.model_copy(update={"year": args.year})
    out_dir = xlsx.parent / REVIEWS_DIR
    model = open_model(args)  # None: the deterministic checks only
    critique = None
    if model is not None:
        # The deadline applies to each report's critique: a batch of hundreds cannot share one run's two minutes.
        critique = CritiqueSettings(
            concurrency=model.concurrency, deadline=model.config.deadline, progress=_progress_of("模型审阅")
        )
    result = review_batch(
        [Path(f) for f in args.file],
        out_dir=out_dir,
        data=[Path(args.data)] if args.data else None,
        previous=[Path(args.previous)] if args.previous else None,
        config=config,
        workers=args.workers,
        use_cache=not args.no_cache,
        progress=_progress_of("检查"),
        model=model,
        critique=critique,
    )
    if model is not None:
        for note in dict.fromkeys(model.notes):
            print(for_terminal(f"说明：{note}"), file=sys.stderr)
    # Links in the summaries point into the reviews folder beside them.
    rows = [
        r.model_copy(
            update={
                "review_file": f"{REVIEWS_DIR}/{r.review_file}" if r.review_file else None,
                "docx_file": f"{REVIEWS_DIR}/{r.docx_file}" if r.docx_file else None,
            }
        )
        for r in result.rows
    ]
    write_summary(rows, xlsx)
    write_summary(rows, page)
    ok = [r for r in rows if r.status == "ok"]
    cached = sum(r.cached for r in ok)
    print(
        f"共 {len(rows)} 份报告：已审阅 {len(ok)} 份（其中 {cached} 份未改动，沿用上次结果），无法审阅 {len(rows) - len(ok)} 份"
    )
    for r in sorted(ok, key=lambda r: (-r.errors, -r.warnings, r.file)):
        who = " ".join(str(x) for x in (r.department, r.year) if x) or "（未识别部门）"
        fell = f"  （{r.model_note}）" if r.model_note else ""
        print(f"  {r.file}  {who}  错误 {r.errors} · 警告 {r.warnings} · 提示 {r.infos}{fell}")
    for r in result.failed:
        print(f"  无法审阅：{r.file}：{r.reason}")
    for note in result.notes:
        print(f"注：{note}")
    if result.unmatched_data:
        print(f"注：以下数据文件没有对应的报告：{'、'.join(result.unmatched_data)}")
    print(f"已写入：{xlsx}、{page}，各报告的审阅结果在 {out_dir}", file=sys.stderr)
    worst = any(r.errors for r in ok) if args.fail_on == "error" else any(r.errors or r.warnings for r in ok)
    if args.fail_on != "never" and worst:
        return 1
    return 0


def _add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("summary", help="合并多台机器各自生成的审阅汇总（.xlsx）")
    p.add_argument("summaries", nargs="+", help="assistant review 批量审阅生成的汇总 .xlsx")
    p.add_argument("-o", "--output", required=True, help="合并后的汇总（.xlsx 或 .html）")


_EXTENSIONS.append(_add)


@command("summary")
def _summary(args: argparse.Namespace) -> int:
    from assistant.export.summary import merge_summaries, write_summary

    out = Path(args.output)
    inputs = [Path(s) for s in args.summaries]
    if any(p.resolve() == out.resolve() for p in inputs):
        raise InputError(f"{out}：输出文件不能是输入的汇总之一（不会覆盖输入文件）")
    rows = merge_summaries(inputs)
    write_summary(rows, out)
    print(f"已合并 {len(inputs)} 份汇总，共 {len(rows)} 份报告：{out}")
    return 0
