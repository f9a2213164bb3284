"""``assistant draft`` and ``assistant log``: the CLI faces of drafting and of the model call log."""

from __future__ import annotations

import argparse
import sys

from assistant.cli.main import _EXTENSIONS, command
from assistant.cli.model_flags import add_model_flags, model_run, open_model


def _add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("draft", help="根据部门数据起草自评报告（不配置模型时用离线模板）")
    p.add_argument("data", help="部门数据文件（.yaml/.yml/.json/.xlsx）")
    p.add_argument("-o", "--output", help="输出文件；类型由扩展名决定（.docx/.md/.json）。不给则在终端打印 Markdown")
    p.add_argument("--format", choices=["md", "json", "docx"], help="输出格式（默认按扩展名）")
    p.add_argument("--sections", help="只起草这些章节，逗号分隔，如 1.3,3.1,table.p1")
    p.add_argument("--prompts", help="提示词目录（默认仓库的 prompts/）")
    p.add_argument("--repair-rounds", type=int, default=2, help="有问题的章节退回模型修改的次数（默认 2）")
    p.add_argument(
        "--money-unit", default="万元", help="全文金额统一使用的单位：元、千元、万元、百万元、亿元（默认 万元）"
    )
    p.add_argument("--scoring", help="评分规则 YAML（执行率分值、各级指标分值、等级线等；默认按通行做法）")
    add_model_flags(p)

    p = sub.add_parser("log", help="查看最近的模型调用记录")
    p.add_argument("-n", type=int, default=20, help="显示条数（默认 20）")
    p.add_argument("--full", action="store_true", help="显示完整的提示词和回答")


_EXTENSIONS.append(_add)


class _Bar:
    """A one-line progress bar on standard error."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()

    def __call__(self, p: object) -> None:
        from assistant.drafting.pipeline import Progress

        assert isinstance(p, Progress)
        if p.event not in ("done", "fallback") or not p.total:
            return
        width = 24
        filled = width * p.done // p.total
        mark = "（改用离线模板）" if p.event == "fallback" else ""
        line = f"[{'█' * filled}{'·' * (width - filled)}] {p.done}/{p.total} {p.title}{mark}"
        if self.tty:
            sys.stderr.write("\r\033[K" + line + ("\n" if p.done == p.total else ""))
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()


@command("draft")
def _draft(args: argparse.Namespace) -> int:
    from assistant.budget.loader import load_data
    from assistant.budget.scoring import DEFAULT_RULES, load_rules
    from assistant.checks.finding import severity_counts
    from assistant.drafting.pipeline import draft
    from assistant.export.draft_formats import draft_to_markdown, write_draft
    from assistant.prompts import prompt_set
    from assistant.terminal import for_terminal

    output = None
    if args.output:
        from assistant.export.draft_formats import DRAFT_FORMATS
        from assistant.paths import check_output

        suffixes = None if args.format else tuple(DRAFT_FORMATS)
        output = check_output(
            args.output, [args.data, args.prompts], suffixes=suffixes, what="草稿", folder_must_exist=True
        )
    data = load_data(args.data)
    rules = load_rules(args.scoring) if args.scoring else DEFAULT_RULES
    model = open_model(args)
    sections = [s.strip() for s in args.sections.split(",") if s.strip()] if args.sections else None
    with model_run(model):
        result = draft(
            data,
            model=model,
            sections=sections,
            prompts=prompt_set(args.prompts),
            data_path=args.data,
            progress=_Bar(),
            repair_rounds=args.repair_rounds,
            money_unit=args.money_unit,
            rules=rules,
        )
    for note in result.notes:
        print(for_terminal(f"说明：{note}"), file=sys.stderr)
    counts = severity_counts(result.findings)
    print(
        f"共 {len(result.sections)} 节；待处理：错误 {counts['error']}、警告 {counts['warning']}、提示 {counts['info']}",
        file=sys.stderr,
    )
    if output is not None:
        write_draft(result, data, output, args.format)
        print(f"已写入：{output}", file=sys.stderr)
    else:
        print(for_terminal(draft_to_markdown(result)))
    return 0


@command("log")
def _log(args: argparse.Namespace) -> int:
    from assistant.llm import CallLog
    from assistant.terminal import for_terminal

    records = CallLog().recent(args.n)
    if not records:
        print("还没有模型调用记录。")
        return 0
    for r in records:
        state = "缓存" if r.cached else ("失败" if r.error else "成功")
        tokens = f"{r.tokens_in or 0}+{r.tokens_out or 0} tokens"
        print(
            f"#{r.id} {r.ts} {r.model} @ {r.endpoint} [{r.template} {r.template_hash}] {state} "
            f"{r.latency_ms or 0} ms {tokens}"
        )
        if r.error:
            print(for_terminal(f"    错误：{r.error}"))
        if args.full:
            # Prompts quote the reports and answers are the model's: neither may drive the terminal.
            for m in r.messages:
                print(for_terminal(f"    <{m.get('role')}> {m.get('content')}"))
            print(for_terminal(f"    <answer> {r.response}"))
    return 0
