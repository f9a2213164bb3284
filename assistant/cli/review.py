"""``assistant review``: the CLI face of the review pipeline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant.cli.main import _EXTENSIONS, command
from assistant.cli.model_flags import add_model_flags, model_run, open_model

# What ``-o`` can write (.docx: the report itself with Word comments); checked before any work is done.
OUTPUT_SUFFIXES = (".json", ".md", ".markdown", ".html", ".htm", ".txt", ".docx")


def _add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "review",
        help="审阅报告（.txt/.md/.docx/.pdf），标出问题的准确位置；给文件夹、多个文件或 .zip 即批量审阅",
    )
    p.add_argument("file", nargs="+", help="要审阅的报告；文件夹、多个文件或 .zip 时批量审阅并生成汇总")
    p.add_argument("--data", help="部门数据文件：报告中的数字将与之核对（批量时可给文件夹，按部门和年度匹配）")
    p.add_argument("--previous", help="上年报告（文件；批量时可给文件夹，按部门匹配）：标出沿用上年的段落和数字")
    p.add_argument("--workers", type=int, help="批量审阅时并行的进程数（默认为 CPU 核数）")
    p.add_argument("--format", choices=["text", "markdown", "json", "html"], default="text", help="标准输出的格式")
    p.add_argument("-o", "--output", help="另存审阅结果；类型由扩展名决定（.json/.md/.html/.txt/.docx）")
    p.add_argument("--include-text", action="store_true", help="JSON 输出中包含规范化后的全文（document.text）")
    p.add_argument(
        "--fail-on",
        choices=["error", "warning", "never"],
        default="error",
        help="有该级别及以上的问题时退出状态为 1（默认 error）",
    )
    p.add_argument("--config", help="审阅配置（YAML：disable、severity、year、packs）")
    p.add_argument("--year", type=int, help="报告年度（默认由数据或报告推断）")
    add_model_flags(p)


_EXTENSIONS.append(_add)


@command("review")
def _review(args: argparse.Namespace) -> int:
    from assistant.cli.batch import is_batch, review_many

    if is_batch(args.file):
        return review_many(args)
    args.file = args.file[0]
    from assistant.checks.registry import CheckConfig, load_config
    from assistant.paths import check_output
    from assistant.terminal import for_terminal

    output = None
    if args.output:
        suffixes = _output_suffixes()
        output = check_output(
            args.output, [args.file, args.data, args.config, args.previous], suffixes=suffixes, what="审阅结果"
        )
    config = load_config(args.config) if args.config else CheckConfig()
    if args.year:
        config = config.model_copy(update={"year": args.year})
    from assistant.reviewing import review as run_review

    model = open_model(args)  # None: deterministic checks only
    with model_run(model):
        review = run_review(args.file, data=args.data, config=config, model=model, previous=args.previous)
    if args.format == "json":
        from assistant.export.review_formats import review_to_json

        out = review_to_json(review, include_text=args.include_text)
    elif args.format == "markdown":
        from assistant.export.review_text import review_to_markdown

        out = for_terminal(review_to_markdown(review))
    elif args.format == "html":
        from assistant.export.review_html import review_to_html

        out = for_terminal(review_to_html(review))
    else:
        from assistant.export.review_text import review_to_text

        out = for_terminal(review_to_text(review, color=sys.stdout.isatty()))
    print(out)
    if output is not None and output.suffix.lower() == ".docx":
        from assistant.export.docx_comments import write_commented_docx

        written = write_commented_docx(review, output, source=args.file)
        tracked = f"，{written.tracked} 处修订" if written.tracked else ""
        print(f"已写入：{output}（{written.placed} 条批注{tracked}）", file=sys.stderr)
    elif output is not None:
        from assistant.export.review_formats import write_review

        write_review(review, Path(output), include_text=args.include_text)
        print(f"已写入：{output}", file=sys.stderr)
    if args.fail_on != "never" and any(f.at_least(args.fail_on) for f in review.findings):
        return 1
    return 0


def _output_suffixes() -> tuple[str, ...]:
    from assistant.export.review_formats import REVIEW_EXTENSIONS

    return (*REVIEW_EXTENSIONS, ".docx")
