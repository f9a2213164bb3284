"""The command line face: parse arguments, call a pipeline, print. No logic of its own."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from assistant.errors import AssistantError, InputError

Handler = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    """Register a subcommand handler."""

    def wrap(fn: Handler) -> Handler:
        _COMMANDS[name] = fn
        return fn

    return wrap


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="assistant",
        description="部门整体支出绩效自评报告 起草与审阅助手（drafting and review assistant）",
    )
    sub = parser.add_subparsers(dest="command", metavar="命令")

    p = sub.add_parser("check", help="检查数据文件：校验格式并列出内部不一致之处")
    p.add_argument("data", help="数据文件（.yaml/.yml/.json/.xlsx）")
    p.add_argument("--facts", action="store_true", help="同时列出由数据得到的全部事实（含推算值）")
    p.add_argument("--format", choices=["text", "json"], default="text", help="输出格式（默认 text）")
    p.add_argument("--strict", action="store_true", help="发现任何问题时以状态 1 退出")

    p = sub.add_parser("init", help="生成空白数据模板（Excel 与带注释的 YAML）")
    p.add_argument("directory", help="模板写入的目录（不存在则创建）")
    p.add_argument("--force", action="store_true", help="覆盖已存在的模板文件")

    for extend in _EXTENSIONS:
        extend(sub)
    return parser


# Later faces (review, draft, eval, web, log) add their subparsers here without touching the core.
_EXTENSIONS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = []


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``assistant`` console script; returns the exit status."""
    # Before its first model pydantic reads the entry points of every installed distribution, looking for plugins;
    # the commands use none. Set the variable to "" to have them loaded.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    words = list(sys.argv[1:] if argv is None else argv)
    _load_extensions(words[0] if words else None)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    from assistant import regex_cache

    # The patterns this command compiled last time come back from the cache folder instead of re's compiler.
    regex_cache.warm(args.command)
    try:
        status = _COMMANDS[args.command](args)
        regex_cache.remember(args.command)
        return status
    except InputError as exc:
        print(f"错误：{_shown(exc)}", file=sys.stderr)
        return 2
    except AssistantError as exc:
        print(f"错误：{_shown(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (``| head``): nothing is wrong, and nothing more can be printed.
        _silence_stdout()
        return 0
    except MemoryError:
        print("错误：内存不足，无法完成；输入文件可能过大，请拆分后再试。", file=sys.stderr)
        return CRASHED
    except Exception:  # our bug, not the user's input: say so, keep the traceback in a file
        log = _write_crash_log(argv)
        print(
            f"抱歉，程序出现了内部错误（这是程序的缺陷，不是您的输入有误）。详细记录已写入 {log}，请把该文件发给维护者。",
            file=sys.stderr,
        )
        return CRASHED


def run() -> None:
    """The console script and ``python -m assistant``: run :func:`main`, then exit with its status.

    Before exiting, every object the command made is moved out of the garbage collector's sight (``gc.freeze``):
    the interpreter's shutdown then frees them without scanning them again for cycles, which after an eval or a
    long review took longer (0.1–0.3 s) than writing the results. Exit handlers and finalizers run as usual.
    """
    import gc

    try:
        status = main()
    finally:
        gc.freeze()
    raise SystemExit(status)


CRASHED = 3
"""Exit status of an unexpected internal error (2 is the user's input, 1 findings or a model failure)."""


def _shown(exc: BaseException) -> str:
    """An error message as it may be printed: its own control characters removed (it may quote the input)."""
    from assistant.terminal import for_terminal

    return for_terminal(str(exc))


def crash_dir() -> Path:
    """Where crash logs go: ``$ASSISTANT_HOME`` if set, else ``./.assistant`` (next to the call log)."""
    home = os.environ.get("ASSISTANT_HOME", "").strip()
    return Path(home) if home else Path.cwd() / ".assistant"


def _write_crash_log(argv: Sequence[str] | None) -> Path:
    """Write the current exception's traceback and the command line; a temp folder when the usual one is unwritable."""
    import datetime as dt
    import tempfile
    import traceback

    from assistant import __version__

    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    words = _redacted(list(sys.argv[1:] if argv is None else argv))
    body = (
        f"assistant {__version__}, Python {sys.version.split()[0]}\n"
        f"命令：assistant {' '.join(words)}\n\n{traceback.format_exc()}"
    )
    for folder in (crash_dir(), Path(tempfile.gettempdir())):
        path = folder / f"crash-{stamp}.log"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(body, encoding="utf-8")
        except OSError:
            continue
        return path
    return Path(tempfile.gettempdir()) / f"crash-{stamp}.log（无法写入）"


def _redacted(words: list[str]) -> list[str]:
    """The command line with login passwords (``--auth user:pass``) masked: a crash log gets passed around."""
    out: list[str] = []
    for i, word in enumerate(words):
        if word.startswith("--auth="):
            word = "--auth=***"
        elif i > 0 and words[i - 1] == "--auth":
            word = "***"
        out.append(word)
    return out


def _silence_stdout() -> None:
    # Python flushes stdout at exit and would raise again on the closed pipe.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


# The module that adds each command's subparser. A command line that names its command loads only that module
# (and builds only its subparser): ``assistant review`` does not import the draft, eval and web faces.
_COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "check": (),
    "init": (),
    "review": ("assistant.cli.review",),
    "summary": ("assistant.cli.batch",),
    "draft": ("assistant.cli.draft",),
    "log": ("assistant.cli.draft",),
    "eval": ("assistant.cli.eval",),
    "web": ("assistant.cli.web",),
    "rules": ("assistant.cli.rules",),
}
_FACES = tuple(dict.fromkeys(m for modules in _COMMAND_MODULES.values() for m in modules))


def _load_extensions(command: str | None = None) -> None:
    """Import the command faces: the one ``command`` needs, or all of them (for help, or an unknown word)."""
    import importlib

    for module in _COMMAND_MODULES.get(command or "", _FACES):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


@command("check")
def _check(args: argparse.Namespace) -> int:
    import json

    from assistant.budget.consistency import check_data
    from assistant.budget.facts import build_facts
    from assistant.budget.loader import load_data

    data = load_data(args.data)
    sheet = build_facts(data)
    issues = check_data(sheet)
    if args.format == "json":
        out = {
            "department": data.department.name,
            "year": data.year,
            "issues": [i.model_dump() for i in issues],
            "facts": [f.model_dump(mode="json") for f in sheet] if args.facts else None,
        }
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(
            f"{args.data}：{data.department.name} {data.year} 年度，{len(data.projects)} 个项目，"
            f"{len(sheet)} 项事实（含推算值）。"
        )
        if args.facts:
            for f in sheet:
                mark = "推算" if f.derived else "数据"
                print(f"  {f.id:<32} {f.label}：{f.written()}  [{mark}]")
        if issues:
            print(f"发现 {len(issues)} 处需要注意的问题：")
            names = {"error": "错误", "warning": "警告", "info": "提示"}
            for issue in issues:
                print(f"  {names[issue.severity]} [{issue.code}] {issue.where}：{issue.message}")
        else:
            print("未发现内部不一致。")
    return 1 if args.strict and issues else 0


@command("init")
def _init(args: argparse.Namespace) -> int:
    from assistant.budget.templates import write_templates

    paths = write_templates(Path(args.directory), overwrite=args.force)
    for path in paths:
        print(f"已生成：{path}")
    print("填好后运行：assistant check <文件> 检查数据。")
    return 0
