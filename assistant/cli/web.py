"""``assistant web``: serve the Gradio page (loopback only unless --host is given)."""

from __future__ import annotations

import argparse
import os
import signal
import sys

from assistant.cli.main import _EXTENSIONS, command
from assistant.cli.model_flags import add_model_flags, open_model
from assistant.errors import InputError

AUTH_ENV = "ASSISTANT_WEB_AUTH"


def _add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("web", help="打开网页界面：起草、审阅、评测（默认只监听本机 127.0.0.1）")
    p.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1，仅本机可访问；0.0.0.0 为所有网卡）")
    p.add_argument("--port", type=int, default=7860, help="端口（默认 7860）")
    p.add_argument("--auth", help=f"登录用户名和密码，形如 user:pass（也可用环境变量 {AUTH_ENV}）")
    p.add_argument("--max-file-size", default="20mb", help="上传文件大小上限（默认 20mb）")
    p.add_argument("--examples", help="示例数据目录（默认仓库的 examples/）")
    p.add_argument("--eval-dir", help="评测用例目录（默认仓库的 eval_cases/）")
    add_model_flags(p)


_EXTENSIONS.append(_add)


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """``user:pass`` as a (user, password) pair; None when not given; an InputError when malformed."""
    if value is None or not value.strip():
        return None
    user, sep, password = value.strip().partition(":")
    if not sep or not user or not password:
        raise InputError("登录设置应写成 用户名:密码（如 --auth reviewer:s3cret），用户名和密码都不能为空")
    return user, password


@command("web")
def _web(args: argparse.Namespace) -> int:
    from assistant.web.app import build_app

    auth = parse_auth(args.auth if args.auth is not None else os.environ.get(AUTH_ENV))
    model = open_model(args)
    kwargs = {}
    if args.examples:
        kwargs["examples_dir"] = args.examples
    if args.eval_dir:
        kwargs["eval_dir"] = args.eval_dir
    app = build_app(model, **kwargs)
    if args.host not in ("127.0.0.1", "localhost", "::1") and auth is None:
        print(f"注意：页面将对 {args.host} 上的其他机器开放，且未设置登录（--auth 或 {AUTH_ENV}）。", file=sys.stderr)
    where = "离线运行" if model is None else f"模型 {model.name} @ {model.config.display_endpoint}"
    print(f"绩效自评报告助手：http://{args.host}:{args.port}/（{where}；按 Ctrl+C 退出）", file=sys.stderr)
    # A service manager stops us with SIGTERM: leave through the same path as Ctrl+C, so the uploads are removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        app.queue(default_concurrency_limit=4).launch(
            server_name=args.host,
            server_port=args.port,
            auth=auth,
            max_file_size=args.max_file_size,
            quiet=True,
        )
    finally:
        app.close()
    return 0
