"""Mechanics check against a real llama.cpp (llama-cpp-python) server: does the project fall back cleanly?

    /work/main/.venv/bin/python benchmarks/llamacpp_check.py --base-url http://127.0.0.1:8089/v1 --model gemma

Not a judgement of prompt quality: the point is what the server answers to ``json_schema`` / ``json_object`` /
plain text, what the project does with it (degrade, fall back, say so), and that nothing crashes, hangs, prints a
traceback or leaks the key. Everything runs against a temporary ``ASSISTANT_HOME`` so no cached answer hides what
the server does now. A canary API key is configured and searched for in every output and in the call log.

Steps: (0) raw probes of the server, (a) ``ModelClient.structured`` on a small schema, (b) ``draft`` of sections
1.3 and 4.1, (c) the ``assistant draft`` CLI to a .docx, (d) ``assistant review --model`` when the model review
exists, (e) the call log: mode, error and answer of every call.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CANARY_KEY = "canary-key-llamacpp-7f3a9b"  # not token-shaped: only the explicit scrub can hide it
UNVERIFIED = "【待核实】"


class Verdict(BaseModel):
    """The small schema asked of the model in step (a)."""

    ok: bool
    reason: str


class Tee:
    """Copy of everything this script prints, searched for the canary key at the end."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


def header(title: str) -> None:
    print(f"\n=== {title} ===", flush=True)


def clip(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class StageTimeout(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise StageTimeout()


def guarded(name: str, seconds: int, fn: Any) -> Any:
    """Run one stage with a wall-clock limit; report a hang or an unexpected exception instead of dying."""
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    t0 = time.perf_counter()
    try:
        return fn()
    except StageTimeout:
        print(f"!! {name}: no result after {seconds} s (HANG)")
    except Exception:  # anything but the project's own clean fallback is a finding
        print(f"!! {name}: UNEXPECTED EXCEPTION (a traceback a user would see):")
        traceback.print_exc(file=sys.stdout)
    finally:
        signal.alarm(0)
        print(f"-- {name}: {time.perf_counter() - t0:.1f} s", flush=True)
    return None


# -- (0) raw probes ------------------------------------------------------------------------------
def probe(base_url: str, model: str, timeout: float, max_tokens: int) -> None:
    header(f"(0) raw server probes (httpx, max_tokens={max_tokens})")
    messages = [{"role": "user", "content": '用 JSON 回答：{"ok": true 或 false, "reason": "原因"}。1+1 等于 2 吗？'}]
    formats: dict[str, Any] = {
        "text": None,
        "json_object": {"type": "json_object"},
        "json_schema": {
            "type": "json_schema",
            "json_schema": {"name": "Verdict", "schema": Verdict.model_json_schema(), "strict": False},
        },
    }
    try:
        models = httpx.get(f"{base_url}/models", timeout=10).json()
        print("GET /models ->", clip(json.dumps(models, ensure_ascii=False), 200))
    except Exception as exc:  # noqa: BLE001 - a probe reports, it does not stop the check
        print("GET /models failed:", exc)
    for name, fmt in formats.items():
        body: dict[str, Any] = {"model": model, "messages": messages, "temperature": 0.2, "max_tokens": max_tokens}
        if fmt is not None:
            body["response_format"] = fmt
        t0 = time.perf_counter()
        try:
            r = httpx.post(f"{base_url}/chat/completions", json=body, timeout=timeout)
        except Exception as exc:  # noqa: BLE001
            print(f"{name:12s} -> request failed: {exc!r}")
            continue
        took = time.perf_counter() - t0
        try:
            payload = r.json()
            content = payload["choices"][0]["message"]["content"]
            finish = payload["choices"][0].get("finish_reason")
            print(f"{name:12s} -> HTTP {r.status_code} in {took:.1f} s, finish={finish}, content={content!r:.200}")
        except Exception:  # noqa: BLE001
            print(f"{name:12s} -> HTTP {r.status_code} in {took:.1f} s, body={clip(r.text, 240)!r}")


def probe_streams(base_url: str, model: str, max_tokens: int) -> None:
    """Two streamed requests at once: llama-cpp-python (interrupt_requests, on by default) cuts the first."""
    import threading

    results: dict[int, str] = {}

    def one(i: int) -> None:
        body = {
            "model": model,
            "messages": [{"role": "user", "content": f"写一段关于预算绩效管理的话（第 {i} 段）。"}],
            "max_tokens": max_tokens,
            "stream": True,
        }
        finish, pieces, done = None, 0, False
        try:
            with httpx.stream("POST", f"{base_url}/chat/completions", json=body, timeout=300) as r:
                for line in r.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        done = True
                        break
                    chunk = json.loads(data)
                    for choice in chunk.get("choices", []):
                        pieces += 1
                        finish = choice.get("finish_reason") or finish
            results[i] = f"HTTP {r.status_code}, {pieces} chunks, finish_reason={finish}, [DONE]={done}"
        except Exception as exc:  # noqa: BLE001
            results[i] = f"failed: {exc!r}"

    threads = [threading.Thread(target=one, args=(i,)) for i in (1, 2)]
    for t in threads:
        t.start()
        time.sleep(0.5)
    for t in threads:
        t.join()
    for i in sorted(results):
        print(f"concurrent stream {i} -> {results[i]}")


# -- (a) structured ------------------------------------------------------------------------------
def check_structured(client: Any) -> None:
    import asyncio

    from assistant.errors import ModelError
    from assistant.llm import StructuredOutputError

    header("(a) ModelClient.structured(Verdict)")
    messages = [
        {"role": "system", "content": "你是预算绩效报告的审核助手。"},
        {
            "role": "user",
            "content": "“项目支出 120 万元，占总支出 60%”，总支出是 200 万元吗？给出判断 ok 与理由 reason。",
        },
    ]

    async def run() -> None:
        try:
            s = await client.structured(messages, Verdict, template="check/verdict", template_hash="llamacpp-check")
        except StructuredOutputError as exc:
            print("StructuredOutputError:", exc)
            print("  attempts:", exc.attempts)
            print("  notes:", exc.notes)
            print("  last_text:", repr(clip(exc.last_text, 200)))
        except ModelError as exc:  # documented: the endpoint stayed down
            print("ModelError:", exc)
        else:
            print("mode_used:", s.mode_used)
            print("attempts:", s.attempts)
            print("notes:", s.notes)
            print("value:", s.value.model_dump())
        finally:
            print("client.unsupported:", sorted(client.unsupported))
            await client.aclose()

    asyncio.run(run())


# -- (b) draft -----------------------------------------------------------------------------------
def check_draft(client: Any, data_path: Path) -> None:
    from assistant.budget.loader import load_data
    from assistant.drafting.pipeline import draft

    header("(b) assistant.drafting.pipeline.draft(sections=['1.3', '4.1'])")
    events: list[str] = []

    def progress(p: Any) -> None:
        if p.event in ("start", "reset", "done", "fallback"):
            events.append(f"{p.section}:{p.event}")

    result = draft(load_data(data_path), model=client, sections=["1.3", "4.1"], progress=progress)
    print("progress events:", " ".join(events))
    for s in result.sections:
        marks = s.text.count(UNVERIFIED)
        empty = " (EMPTY TEXT)" if not s.text.strip() else ""
        print(
            f"section {s.id} {s.title}: source={s.source}, chars={len(s.text)}{empty}, "
            f"{UNVERIFIED}×{marks}, findings={len(s.findings)}"
        )
        print(f"    text: {clip(s.text, 200)!r}")
        for f in s.findings[:5]:
            print(f"    - [{f.severity}/{f.rule}] {clip(f.message, 100)} «{clip(f.quote, 40)}»")
    print("draft notes:")
    for n in result.notes:
        print("   ", clip(n, 300))
    print("total findings:", len(result.findings))


# -- (c)/(d) the CLI -----------------------------------------------------------------------------
def run_cli(argv: list[str], env: dict[str, str], limit: int) -> tuple[int | None, str, str]:
    cmd = [sys.executable, "-m", "assistant", *argv]
    print("$", " ".join(["assistant", *argv]))
    t0 = time.perf_counter()
    try:
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired as exc:
        print(f"!! no exit after {limit} s (HANG)")
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        return None, out, err
    print(f"exit code: {done.returncode} ({time.perf_counter() - t0:.1f} s)")
    return done.returncode, done.stdout, done.stderr


def model_flags(args: argparse.Namespace) -> list[str]:
    """The CLI's model flags: the llamacpp preset (as in the client of steps a/b), plus --concurrency if given."""
    flags = ["--preset", "llamacpp", "--model", args.model, "--base-url", args.base_url]
    return flags + (["--concurrency", str(args.concurrency)] if args.concurrency else [])


def show_tail(label: str, text: str, lines: int = 25) -> None:
    tail = text.rstrip().splitlines()[-lines:]
    print(f"{label} (last {len(tail)} lines):")
    for line in tail:
        print("   |", line)
    if "Traceback (most recent call last)" in text:
        print(f"!! {label} contains a TRACEBACK")


def check_cli_draft(args: argparse.Namespace, env: dict[str, str], out_dir: Path) -> list[str]:
    header("(c) assistant draft CLI → .docx")
    out = out_dir / "x.docx"
    argv = ["draft", str(args.data), *model_flags(args), "-o", str(out)]
    code, stdout, stderr = run_cli(argv, env, args.cli_timeout)
    show_tail("stderr", stderr)
    if stdout.strip():
        show_tail("stdout", stdout, 5)
    print("docx written:", out.exists(), f"({out.stat().st_size} bytes)" if out.exists() else "")
    return [stdout, stderr]


def model_review_available() -> bool:
    if not (ROOT / "assistant" / "critique.py").exists():
        return False
    helptext = subprocess.run(
        [sys.executable, "-m", "assistant", "review", "--help"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    return "--model" in helptext


def check_cli_review(args: argparse.Namespace, env: dict[str, str]) -> list[str]:
    header("(d) assistant review --model (model review)")
    if not model_review_available():
        print("skipped: assistant/critique.py or `review --model` not present in this tree")
        return []
    argv = ["review", str(args.review_file), *model_flags(args), "--format", "json"]
    code, stdout, stderr = run_cli(argv, env, args.cli_timeout)
    show_tail("stderr", stderr, 15)
    try:
        payload = json.loads(stdout)
    except ValueError:
        print("!! stdout is not JSON:")
        show_tail("stdout", stdout, 15)
        return [stdout, stderr]
    print("model:", payload.get("model"))
    print("notes:")
    for n in payload.get("notes", []):
        print("   ", clip(n, 300))
    by_source: dict[str, int] = {}
    for f in payload.get("findings", []):
        by_source[f.get("source", "?")] = by_source.get(f.get("source", "?"), 0) + 1
    print("findings by source:", by_source)
    return [stdout, stderr]


# -- (e) the call log ----------------------------------------------------------------------------
def show_log(step: str, db: Path) -> str:
    header(f"(e) call log of step ({step})")
    if not db.exists():
        print("no call log written")
        return ""
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT id, template, mode, cached, latency_ms, tokens_out, error, response FROM calls ORDER BY id"
    ).fetchall()
    for rid, template, mode, cached, latency, tokens_out, error, response in rows:
        state = "cached" if cached else ("ERROR" if error else "ok")
        line = f"#{rid} {template} mode={mode} {state} {latency or 0} ms out={tokens_out}"
        if error:
            line += f" error={clip(error, 160)!r}"
        else:
            line += f" answer={clip(response or '', 90)!r}"
        print(line)
    caps = con.execute("SELECT endpoint, model, feature, supported, note FROM capabilities").fetchall()
    print("capabilities recorded:", caps)
    con.close()
    return db.read_bytes().decode("utf-8", errors="replace")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base-url", default="http://127.0.0.1:8089/v1")
    p.add_argument("--model", default="gemma")
    p.add_argument("--data", type=Path, default=ROOT / "examples" / "kunming-2023.yaml")
    p.add_argument(
        "--review-file", type=Path, default=ROOT / "eval_cases" / "reports" / "kunming-2023-self-evaluation.txt"
    )
    p.add_argument(
        "--timeout", type=float, default=None, help="per-request timeout for the client (default: project's)"
    )
    p.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="requests in flight (default: the llamacpp preset's 1, which avoids llama-cpp-python's stream cuts)",
    )
    p.add_argument("--stage-timeout", type=int, default=900, help="wall-clock limit of steps (a) and (b)")
    p.add_argument("--cli-timeout", type=int, default=1500, help="wall-clock limit of each CLI run")
    p.add_argument("--probe-max-tokens", type=int, default=128)
    p.add_argument("--skip", default="", help="comma-separated steps to skip: probe,a,b,c,d")
    args = p.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    tee = Tee(sys.stdout)
    sys.stdout = tee

    root = Path(tempfile.mkdtemp(prefix="llamacpp-check-"))
    for name in ("ASSISTANT_MODEL", "ASSISTANT_PRESET", "OPENAI_BASE_URL"):
        os.environ.pop(name, None)
    os.environ["OPENAI_API_KEY"] = CANARY_KEY  # the CLI picks it up; searched for in every output below
    print("temporary root:", root, "(one ASSISTANT_HOME per step: no step sees another's cached answers)")

    def home(step: str) -> dict[str, str]:
        """A fresh ASSISTANT_HOME for one step, set in this process and returned as the CLI's environment."""
        path = root / step
        path.mkdir()
        os.environ["ASSISTANT_HOME"] = str(path)
        return dict(os.environ)

    from assistant.llm import ModelClient, resolve_config

    def client() -> ModelClient:
        config = resolve_config(
            model=args.model,
            base_url=args.base_url,
            api_key=CANARY_KEY,
            preset="llamacpp",
            timeout=args.timeout,
            concurrency=args.concurrency,
        )
        assert config is not None
        return ModelClient.open(config)  # cache on, but in the empty temporary ASSISTANT_HOME

    outputs: list[str] = []
    if "probe" not in skip:
        guarded("probe", 600, lambda: probe(args.base_url, args.model, 300, args.probe_max_tokens))
        guarded("probe streams", 600, lambda: probe_streams(args.base_url, args.model, args.probe_max_tokens))
    if "a" not in skip:
        home("a")
        guarded("(a) structured", args.stage_timeout, lambda: check_structured(client()))
    if "b" not in skip:
        home("b")
        guarded("(b) draft", args.stage_timeout, lambda: check_draft(client(), args.data))
    if "c" not in skip:
        outputs += check_cli_draft(args, home("c"), root / "c")
    if "d" not in skip:
        outputs += check_cli_review(args, home("d"))
    for step in ("a", "b", "c", "d"):
        if (root / step).exists():
            outputs.append(show_log(step, root / step / "calls.sqlite"))

    header("key leak check")
    leaked = any(CANARY_KEY in text for text in outputs) or CANARY_KEY in "".join(tee.parts)
    print("canary key found in this output, CLI output or call log:", "YES — LEAK" if leaked else "no")


if __name__ == "__main__":
    main()
