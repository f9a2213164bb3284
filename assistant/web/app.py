"""The Gradio page (``assistant web``): drafting, review and eval behind a Chinese interface.

The only module that imports gradio, and it holds no logic of its own: every handler loads the user's file, calls
a pipeline function (``load_data``/``check_data``, ``draft``, ``review``, the eval
runner) and turns the result into components. The handlers live on :class:`Handlers` as plain methods so tests
can call them without a browser; :func:`build_app` lays out the page and wires them.

Safe by default: the page binds 127.0.0.1, never makes a share link, sends no analytics, limits uploads, and
keeps every upload and output in one temporary folder that the app owns and removes when it closes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import re
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar

import gradio as gr

import assistant.evaluation as evaluation
from assistant.budget.consistency import check_data
from assistant.budget.facts import build_facts
from assistant.budget.loader import load_data
from assistant.budget.models import ReportData
from assistant.checks.finding import SEVERITY_NAMES
from assistant.drafting.pipeline import Progress, draft
from assistant.drafting.plan import plan_sections
from assistant.drafting.result import Draft
from assistant.errors import AssistantError
from assistant.evaluation import summary as eval_summary
from assistant.export import review_to_html, review_to_json
from assistant.export.docx_comments import write_commented_docx
from assistant.export.draft_formats import write_draft
from assistant.llm import ChatModel, ModelClient, ModelConfig
from assistant.resources import resource_dir
from assistant.reviewing import Review, review
from assistant.web.views import (
    OFFLINE,
    draft_html,
    draft_summary,
    findings_rows,
    review_body,
    review_summary,
    section_choices,
    with_parents,
)

log = logging.getLogger(__name__)
E = TypeVar("E")
R = TypeVar("R")

PAGE_TITLE = "绩效自评报告助手"
DEFAULT_MAX_FILE_SIZE = "20mb"
REPORT_SUFFIXES = (".docx", ".pdf", ".txt", ".md")

REVIEW_HEADERS = ["章节", "类别", "严重程度", "原文", "问题", "建议"]
DRAFT_HEADERS = REVIEW_HEADERS
COLUMN_WIDTHS: list[str | int] = ["16%", "8%", "7%", "23%", "24%", "22%"]

# Scoped to each gr.HTML (css_template), so it works however the page is launched.
_MARK_CSS = """
.doc { white-space: pre-wrap; line-height: 1.9; border: 1px solid #e5e7eb; padding: .8rem 1rem; background: #fafafa;
       font-family: "Songti SC", "SimSun", "Noto Serif CJK SC", serif; max-height: 42rem; overflow: auto; }
.doc h3 { font-size: 1.05rem; margin: .8rem 0 .3rem; white-space: normal; }
.legend { margin: .3rem 0 .6rem; font-size: .92rem; }
.legend mark { margin: 0 .3rem 0 .8rem; }
mark { color: inherit; border-radius: .15rem; padding: 0 .05rem; }
mark.fact { background: #d1fae5; border-bottom: 2px solid #059669; }
mark.unsupported { background: #fecaca; border-bottom: 2px solid #dc2626; }
mark.sev-error { background: #fecaca; border-bottom: 2px solid #dc2626; }
mark.sev-warning { background: #fde68a; border-bottom: 2px solid #d97706; }
mark.sev-info { background: #bfdbfe; border-bottom: 2px solid #2563eb; }
mark.multi { border-bottom-style: double; border-bottom-width: 3px; }
mark.point::after { content: "⚑"; }
"""
# System fonts only: the default theme would fetch Google Fonts, and the page must work without the internet.
_THEME_FONTS = ["PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Zen Hei", "sans-serif"]


# -- handlers ---------------------------------------------------------------------------------------------


class Handlers:
    """What the page's buttons call: each method runs one pipeline and returns component values."""

    def __init__(
        self,
        *,
        workdir: Path,
        model: ModelConfig | ChatModel | None = None,
        examples_dir: Path | None = None,
        eval_dir: Path | None = None,
    ) -> None:
        self.workdir = workdir
        self.model = model
        self.examples_dir = examples_dir
        self.eval_dir = eval_dir
        # One model run at a time: a client's connection pool belongs to one event loop.
        self._model_lock = threading.Lock()

    # -- model ------------------------------------------------------------------------------------------

    @property
    def config(self) -> ModelConfig | None:
        """The model configuration in use, or None offline."""
        if isinstance(self.model, ModelConfig):
            return self.model
        return getattr(self.model, "config", None) if self.model is not None else None

    def model_settings(self) -> str:
        """The model settings as Markdown: endpoint and model name (never the key), or the offline notice."""
        if self.model is None:
            return (
                f"### {OFFLINE}\n\n起草使用离线模板，审阅只运行确定性检查；不向任何地方发送数据。\n\n"
                "如需使用模型，请在启动前设置环境变量 `ASSISTANT_MODEL`（及 `OPENAI_BASE_URL`、`OPENAI_API_KEY`），"
                "或使用 `assistant web --model 预设:模型名`。"
            )
        config = self.config
        name = config.model if config else getattr(self.model, "name", "（未知）")
        endpoint = config.endpoint if config else "（未知）"
        lines = [
            "### 已配置模型",
            "",
            "| 项目 | 设置 |",
            "|---|---|",
            f"| 接口地址 | `{endpoint}` |",
            f"| 模型 | `{name}` |",
        ]
        if config is not None:
            lines += [f"| 并发上限 | {config.concurrency} |", f"| 超时 | {config.timeout:g} 秒 |"]
        lines += ["", "密钥只从环境变量读取，页面不显示。"]
        return "\n".join(lines)

    def _client(self) -> ChatModel | None:
        if isinstance(self.model, ModelConfig):
            return ModelClient.open(self.model)
        return self.model

    # -- data -------------------------------------------------------------------------------------------

    def example_choices(self) -> list[str]:
        """The bundled example data files (names, without the folder)."""
        if self.examples_dir is None or not self.examples_dir.is_dir():
            return []
        return sorted(p.name for p in self.examples_dir.glob("*.yaml"))

    def example_path(self, name: str | None) -> str | None:
        """The path of a bundled example, or None for an empty or unknown choice."""
        if not name or name not in self.example_choices():
            return None
        assert self.examples_dir is not None
        return str(self.examples_dir / name)

    def load(self, path: str | None) -> tuple[str | None, str, dict[str, Any]]:
        """Load a data file: (the path kept for drafting, the status Markdown, the section checkboxes)."""
        if not path:
            return None, "请上传数据文件，或选用示例数据。", gr.update(choices=[], value=[])
        try:
            data = load_data(path)
            issues = check_data(build_facts(data))
        except Exception as exc:
            message = _user_message(_explain(exc, "读取数据文件"), path)
            gr.Warning(message, title="数据文件有问题")
            return None, _error_md(message), gr.update(choices=[], value=[])
        choices = section_choices(plan_sections(data))
        lines = [f"**已载入：{data.department.name} {data.year} 年度**，{len(data.projects)} 个项目。", ""]
        if issues:
            lines.append(f"数据检查发现 {len(issues)} 处需要注意（起草时会在相应章节标出）：")
            lines += [f"- {SEVERITY_NAMES[i.severity]}：{i.message}（`{i.where}`）" for i in issues]
        else:
            lines.append("数据检查未发现内部不一致。")
        return path, "\n".join(lines), gr.update(choices=choices, value=[value for _, value in choices])

    def load_example(self, name: str | None) -> tuple[str | None, str, dict[str, Any]]:
        """Load one of the bundled examples by name."""
        return self.load(self.example_path(name))

    # -- draft ------------------------------------------------------------------------------------------

    def run_draft(self, path: str | None, sections: list[str] | None) -> Iterator[tuple[Any, ...]]:
        """Draft with progress: yields (progress, live text, highlighted HTML, findings, .docx, .md, .json)."""
        empty: tuple[Any, ...] = ("", "", [], None, None, None)
        if not path:
            gr.Warning("请先上传数据文件或选用示例数据。", title="没有数据")
            yield (_error_md("请先上传数据文件或选用示例数据。"), *empty)
            return
        if not sections:
            gr.Warning("请至少选择一个章节。", title="没有章节")
            yield (_error_md("请至少选择一个章节。"), *empty)
            return
        try:
            data = load_data(path)
        except Exception as exc:
            message = _user_message(_explain(exc, "读取数据文件"), path)
            gr.Warning(message, title="数据文件有问题")
            yield (_error_md(message), *empty)
            return
        wanted = with_parents(plan_sections(data), sections)
        run: _Background[Progress, Draft] = _Background(
            lambda progress: self._draft(data, wanted, path, progress), "起草"
        )
        live = LiveDraft(data, wanted)
        yield (live.status(self.model is None), "", *empty[1:])
        for events in run.events():
            for event in events:
                live.add(event)
            yield (live.status(self.model is None), live.text(), *empty[1:])
        if run.error is not None:
            message = _user_message(run.error, path)
            gr.Warning(message, title="起草失败")
            yield (_error_md(message), live.text(), *empty[1:])
            return
        result = run.result
        assert result is not None
        try:
            files = self._write_draft_files(result, data)
        except AssistantError as exc:
            message = _user_message(exc, path)
            gr.Warning(message, title="写入失败")
            yield (_error_md(message), live.text(), *empty[1:])
            return
        yield (
            draft_summary(result),
            live.text(),
            draft_html(result),
            findings_rows(result.findings),
            *files,
        )

    def _write_draft_files(self, result: Draft, data: ReportData) -> tuple[str, str, str]:
        out = self._outdir()
        stem = _safe_name(f"{result.department}{result.year}年度自评报告（草稿）")
        paths = []
        for suffix in (".docx", ".md", ".json"):
            paths.append(str(write_draft(result, data, out / f"{stem}{suffix}")))
        return paths[0], paths[1], paths[2]

    def _draft(self, data: ReportData, sections: list[str], path: str, progress: Callable[[Progress], None]) -> Draft:
        """The drafting pipeline itself, under the model lock when a model is used."""
        if self.model is None:
            return draft(data, model=None, sections=sections, data_path=Path(path).name, progress=progress)
        with self._model_lock:
            return draft(data, model=self._client(), sections=sections, data_path=Path(path).name, progress=progress)

    # -- review -----------------------------------------------------------------------------------------

    def run_review(self, report: str | None, data: str | None) -> tuple[Any, ...]:
        """Review a report: (status, findings rows, highlighted HTML, commented .docx, .json, .html)."""
        empty: tuple[Any, ...] = ([], "", None, None, None)
        if not report:
            gr.Warning("请先上传要审阅的报告。", title="没有报告")
            return (_error_md("请先上传要审阅的报告（.docx、.pdf、.txt 或 .md）。"), *empty)
        suffix = Path(report).suffix.lower()
        if suffix not in REPORT_SUFFIXES:
            message = (
                f"{Path(report).name}：不支持的报告类型“{suffix or '无扩展名'}”；请上传 .docx、.pdf、.txt 或 .md 文件"
            )
            gr.Warning(message, title="文件类型不对")
            return (_error_md(message), *empty)
        try:
            review = self._review(report, data)
            files = self._write_review_files(review, report)
        except Exception as exc:
            message = _user_message(_explain(exc, "审阅"), report, data)
            gr.Warning(message, title="无法审阅")
            return (_error_md(message), *empty)
        return (review_summary(review, self.model is None), findings_rows(review.findings), review_body(review), *files)

    def _review(self, report: str, data: str | None) -> Review:
        if self.model is None:
            return review(report, data=data or None)
        with self._model_lock:
            return review(report, data=data or None, model=self._client())

    def _write_review_files(self, review: Review, report: str) -> tuple[str | None, str, str]:
        out = self._outdir()
        stem = _safe_name(Path(report).stem) + "（审阅）"
        json_path = out / f"{stem}.json"
        json_path.write_text(review_to_json(review, include_text=True), encoding="utf-8")
        html_path = out / f"{stem}.html"
        html_path.write_text(review_to_html(review), encoding="utf-8")
        docx_path = str(out / f"{stem}.docx")
        write_commented_docx(review, docx_path, source=report)
        return docx_path, str(json_path), str(html_path)

    # -- eval -----------------------------------------------------------------------------------------

    def eval_cases(self) -> tuple[list[tuple[str, str]], str]:
        """The eval cases as checkbox (label, path) choices, and a note when they cannot all be read."""
        if self.eval_dir is None or not self.eval_dir.is_dir():
            return [], f"评测目录 `{self.eval_dir}` 不存在。"
        files = sorted(
            p
            for p in self.eval_dir.glob("*.yaml")
            if not p.name.endswith(".scripted.yaml") and p.name != "baseline.yaml"
        )
        try:
            cases = evaluation.load_cases([self.eval_dir])
        except AssistantError as exc:
            return [(p.stem, str(p)) for p in files], _error_md(_user_message(exc))
        kinds = {"draft": "起草", "review": "审阅"}
        return [(f"{c.id}（{kinds.get(c.kind, c.kind)}）{c.description}", str(c.path)) for c in cases], ""

    def run_eval(self, paths: list[str] | None) -> Iterator[tuple[str, str, str | None]]:
        """Run the chosen cases with progress: yields (status, per-case table and baseline comparison, HTML page)."""
        known = {path for _, path in self.eval_cases()[0]}
        chosen = [Path(p) for p in paths or [] if p in known]
        if not chosen:
            gr.Warning("请至少选择一个评测用例。", title="没有用例")
            yield _error_md("请至少选择一个评测用例。"), "", None
            return
        yield f"**评测中**：共 {len(chosen)} 个用例…", "", None
        run: _Background[str, tuple[Any, Any]] = _Background(lambda progress: self._evaluate(chosen, progress), "评测")
        lines: list[str] = []
        for events in run.events():
            lines += events
            yield f"**评测中** {len(lines)}/{len(chosen)}\n\n" + "\n".join(f"- {line}" for line in lines), "", None
        if run.error is not None:
            message = _user_message(run.error)
            gr.Warning(message, title="评测失败")
            yield _error_md(message), "", None
            return
        assert run.result is not None
        results, comparison = run.result
        page = self._outdir() / "评测结果.html"
        page.write_text(eval_summary.html_page(results, comparison, title="评测结果"), encoding="utf-8")
        passed = sum(r.status == "pass" for r in results)
        verdict = "有回归、过期、出错或低于阈值的用例" if comparison.failed else "与基线相比没有回归"
        status = f"**评测完成**：{len(results)} 个用例，通过 {passed} 个；{verdict}。"
        yield status, eval_summary.markdown(results, comparison), str(page)

    def _evaluate(self, paths: list[Path], progress: Callable[[str], None]) -> tuple[Any, Any]:
        """The eval pipeline (``run_suite``, as ``assistant eval``): run the cases, compare with the baseline."""
        import asyncio

        names = eval_summary.STATUS_NAMES
        cases = evaluation.load_cases(paths)

        def report(result: Any, done: int, total: int) -> None:
            progress(f"[{done}/{total}] {result.id}：{names.get(result.status, result.status)}")

        assert self.eval_dir is not None
        baseline = self.eval_dir / "baseline.json"
        with self._model_lock if self.model is not None else contextlib.nullcontext():
            client = self._client()
            settings = evaluation.Settings(model=client, progress=report)

            async def run() -> Any:
                try:
                    return await evaluation.run_suite(cases, settings, baseline=baseline)
                finally:
                    if client is not None:
                        await client.aclose()

            suite = asyncio.run(run())
        return suite.results, suite.comparison

    # -- files ------------------------------------------------------------------------------------------

    def _outdir(self) -> Path:
        out = self.workdir / "outputs" / uuid.uuid4().hex
        out.mkdir(parents=True)
        return out


class _Background(Generic[E, R]):
    """A pipeline on a worker thread, its progress events handed to the page as they come."""

    def __init__(self, work: Callable[[Callable[[E], None]], R], doing: str) -> None:
        self._queue: queue.Queue[tuple[E] | None] = queue.Queue()
        self.result: R | None = None
        self.error: AssistantError | None = None
        self._thread = threading.Thread(target=self._run, args=(work, doing), name=f"assistant-{doing}", daemon=True)
        self._thread.start()

    def _run(self, work: Callable[[Callable[[E], None]], R], doing: str) -> None:
        try:
            self.result = work(lambda event: self._queue.put((event,)))
        except Exception as exc:
            self.error = _explain(exc, doing)
        finally:
            self._queue.put(None)

    def events(self) -> Iterator[list[E]]:
        """Batches of progress events (everything queued since the last batch) until the run ends."""
        while True:
            first = self._queue.get()
            batch = [] if first is None else [first[0]]
            finished = first is None
            while not finished:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    finished = True
                else:
                    batch.append(item[0])
            if batch:
                yield batch
            if finished:
                self._thread.join()
                return


class LiveDraft:
    """The text of each section as it streams in, and a progress line."""

    def __init__(self, data: ReportData, wanted: list[str]) -> None:
        self.specs = [s for s in plan_sections(data) if s.id in set(wanted)]
        self.texts: dict[str, str] = {}
        self.current = ""
        self.done = 0
        self.total = len(self.specs)
        self.fallbacks: list[str] = []

    def add(self, p: Progress) -> None:
        """Apply one progress event."""
        if p.event == "delta":
            self.texts[p.section] = self.texts.get(p.section, "") + p.text
        elif p.event == "reset":
            self.texts[p.section] = ""
        elif p.event in ("done", "fallback"):
            self.texts[p.section] = p.text
            if p.event == "fallback":
                self.fallbacks.append(p.title)
        if p.total:
            self.done, self.total = p.done, p.total
        self.current = p.title

    def status(self, offline: bool) -> str:
        """The progress line as Markdown."""
        width = 20
        filled = width * self.done // self.total if self.total else 0
        mode = OFFLINE + "（离线模板）" if offline else "模型起草中"
        line = f"**起草进度** `{'█' * filled}{'·' * (width - filled)}` {self.done}/{self.total} · {mode}"
        if self.current:
            line += f" · 当前：{self.current}"
        if self.fallbacks:
            line += f"\n\n改用离线模板的章节：{'、'.join(self.fallbacks)}"
        return line

    def text(self) -> str:
        """Every section drafted so far, in printed order."""
        parts = []
        for s in self.specs:
            if s.id in self.texts:
                parts.append(f"{s.title}\n{self.texts[s.id]}".rstrip())
        return "\n\n".join(parts)


def _explain(exc: Exception, doing: str) -> AssistantError:
    """The error as the user should read it: our own errors as they are, a bug logged and summarised."""
    if isinstance(exc, AssistantError):
        return exc
    log.exception("%s failed", doing)  # the traceback goes to the server's log, never to the page
    return AssistantError(f"{doing}时出现意外错误（{type(exc).__name__}）；请确认文件完好、类型正确，或联系维护人员")


def _error_md(message: str) -> str:
    lines = message.splitlines() or [""]
    return "**错误：" + lines[0] + "**" + "".join(f"\n\n{line.strip()}" for line in lines[1:])


def _user_message(exc: BaseException, *paths: str | None) -> str:
    """The error's message with the server's temporary paths replaced by the names the user knows."""
    text = str(exc)
    for path in paths:
        if path:
            text = text.replace(str(path), Path(path).name)
    return text


def _safe_name(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", name).strip("._") or "output"


# -- the page ---------------------------------------------------------------------------------------------


class AssistantPage(gr.Blocks):
    """The page's Blocks: safe launch defaults, and its temporary folder removed on close."""

    def __init__(self, workdir: tempfile.TemporaryDirectory[str], handlers: Handlers) -> None:
        super().__init__(title=PAGE_TITLE, analytics_enabled=False, delete_cache=(3600, 86400))
        self.workdir = workdir
        self.handlers = handlers

    def launch(self, *args: Any, **kwargs: Any) -> Any:
        """gr.Blocks.launch with this page's defaults: loopback, no share link, an upload limit, local fonts."""
        kwargs.setdefault("server_name", "127.0.0.1")
        kwargs["share"] = False
        kwargs.setdefault("max_file_size", DEFAULT_MAX_FILE_SIZE)
        kwargs.setdefault("show_error", False)  # a bug says "Error", never its traceback
        kwargs.setdefault("footer_links", [])
        kwargs.setdefault("theme", gr.themes.Default(font=_THEME_FONTS, font_mono=["ui-monospace", "monospace"]))
        return super().launch(*args, **kwargs)

    def close(self, verbose: bool = True) -> None:
        """Stop the server and remove every upload and output."""
        try:
            super().close(verbose=verbose)
        finally:
            self.workdir.cleanup()


def build_app(
    model: ModelConfig | ChatModel | None = None,
    *,
    examples_dir: str | Path | None = None,
    eval_dir: str | Path | None = None,
) -> AssistantPage:
    """The page, ready to ``launch()``; ``model`` None runs everything offline."""
    workdir = tempfile.TemporaryDirectory(prefix="assistant-web-")
    # Gradio's own upload cache goes inside our folder, so closing the app removes the uploads too.
    os.environ["GRADIO_TEMP_DIR"] = str(Path(workdir.name) / "uploads")
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    h = Handlers(
        workdir=Path(workdir.name),
        model=model,
        examples_dir=Path(examples_dir) if examples_dir else resource_dir("examples"),
        eval_dir=Path(eval_dir) if eval_dir else resource_dir("eval_cases"),
    )
    with AssistantPage(workdir, h) as app:
        gr.Markdown(f"# {PAGE_TITLE}\n部门整体支出绩效自评报告的起草与审阅。" + ("" if model else f" **{OFFLINE}**。"))
        with gr.Tabs():
            with gr.Tab("起草", id="draft"):
                _draft_tab(h)
            with gr.Tab("审阅", id="review"):
                _review_tab(h)
            with gr.Tab("评测", id="eval"):
                _eval_tab(h)
            with gr.Tab("模型设置", id="model"):
                gr.Markdown(h.model_settings(), elem_id="model-settings")
    return app


def _draft_tab(h: Handlers) -> None:
    data_path = gr.State(None)
    with gr.Row():
        upload = gr.File(label="上传数据文件（.xlsx / .yaml / .json）", type="filepath", elem_id="draft-upload")
        with gr.Column():
            example = gr.Dropdown(
                choices=h.example_choices(), value=None, label="或选用示例数据", elem_id="draft-example"
            )
            gr.Markdown("空白模板可用命令 `assistant init 目录` 生成。")
    status = gr.Markdown("请上传数据文件，或选用示例数据。", elem_id="draft-status")
    sections = gr.CheckboxGroup(choices=[], value=[], label="起草的章节", elem_id="draft-sections")
    go = gr.Button("生成草稿", variant="primary", elem_id="draft-run")
    progress = gr.Markdown("", elem_id="draft-progress")
    with gr.Tabs():
        with gr.Tab("数字标注"):
            marked = gr.HTML("", css_template=_MARK_CSS, elem_id="draft-html")
        with gr.Tab("实时文本"):
            live = gr.Textbox(label="起草中的文本", lines=16, max_lines=30, interactive=False, elem_id="draft-live")
    table = gr.Dataframe(
        headers=DRAFT_HEADERS,
        value=[],
        label="待处理的问题",
        interactive=False,
        wrap=True,
        column_widths=COLUMN_WIDTHS,
        elem_id="draft-findings",
    )
    with gr.Row():
        docx = gr.File(label="下载 Word（.docx）", interactive=False, elem_id="draft-docx")
        md = gr.File(label="下载 Markdown（.md）", interactive=False, elem_id="draft-md")
        js = gr.File(label="下载 JSON（.json）", interactive=False, elem_id="draft-json")

    loaded = [data_path, status, sections]
    upload.upload(h.load, inputs=upload, outputs=loaded)
    example.input(h.load_example, inputs=example, outputs=loaded)
    go.click(h.run_draft, inputs=[data_path, sections], outputs=[progress, live, marked, table, docx, md, js])


def _review_tab(h: Handlers) -> None:
    with gr.Row():
        report = gr.File(label="上传报告（.docx / .pdf / .txt / .md）", type="filepath", elem_id="review-upload")
        data = gr.File(label="部门数据（可选，用于核对数字）", type="filepath", elem_id="review-data")
    go = gr.Button("开始审阅", variant="primary", elem_id="review-run")
    status = gr.Markdown("", elem_id="review-status")
    table = gr.Dataframe(
        headers=REVIEW_HEADERS,
        value=[],
        label="问题列表",
        interactive=False,
        wrap=True,
        column_widths=COLUMN_WIDTHS,
        elem_id="review-findings",
    )
    body = gr.HTML("", css_template=_MARK_CSS, elem_id="review-html")
    with gr.Row():
        commented = gr.File(label="下载带批注的 Word（.docx）", interactive=False, elem_id="review-docx")
        js = gr.File(label="下载 JSON", interactive=False, elem_id="review-json")
        page = gr.File(label="下载 HTML 审阅报告", interactive=False, elem_id="review-page")
    go.click(h.run_review, inputs=[report, data], outputs=[status, table, body, commented, js, page])


def _eval_tab(h: Handlers) -> None:
    cases, note = h.eval_cases()
    intro = "选择用例后运行：每个用例起草或审阅一次，逐条检查断言，并与基线（eval_cases/baseline.json）比较。"
    gr.Markdown(note or intro, elem_id="eval-intro")
    picked = gr.CheckboxGroup(choices=cases, value=[path for _, path in cases], label="评测用例", elem_id="eval-cases")
    go = gr.Button("运行评测", variant="primary", interactive=bool(cases), elem_id="eval-run")
    status = gr.Markdown("", elem_id="eval-status")
    table = gr.Markdown("", elem_id="eval-table")
    page = gr.File(label="下载评测结果（HTML）", interactive=False, elem_id="eval-page")
    go.click(h.run_eval, inputs=picked, outputs=[status, table, page])
