"""The Gradio page (``assistant web``): drafting and review for a finance office, in Chinese.

The only module that imports gradio, and it holds no logic of its own: :class:`~assistant.web.handlers.Handlers`
does the work and returns plain values; this module lays out the page and turns those values into component
updates. The review pane's behaviour is client-side (``static/pane.js``).

Safe by default: the page binds 127.0.0.1, never makes a share link, sends no analytics, limits uploads, keeps
every upload and output in one temporary folder that the app owns and removes when it closes, and with ``auth``
every route (not only the page) needs a login, with failed logins throttled (:mod:`assistant.web.guard`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from assistant.llm import ChatModel, ModelConfig
from assistant.resources import resource_dir
from assistant.web.batch import BatchStep
from assistant.web.guard import LoginGate
from assistant.web.handlers import BATCH_HANDLED, NO_DATA, DraftStep, Handlers, Loaded, ReviewStep
from assistant.web.pane import asset
from assistant.web.views import OFFLINE, draft_html

__all__ = ["OFFLINE", "PAGE_TITLE", "AssistantPage", "Handlers", "build_app", "draft_html"]

PAGE_TITLE = "绩效自评报告助手"
DEFAULT_MAX_FILE_SIZE = "20mb"
JOBS = 8  # drafts/reviews running at once across users; each browser session runs one at a time (Handlers)
BATCH_JOBS = 2  # batches at once across users: each already spreads over the machine's cores

# System fonts only: the default theme would fetch Google Fonts, and the page must work without the internet.
_THEME_FONTS = ["PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Zen Hei", "sans-serif"]
# Page-wide: the hidden state box stays out of sight, and gradio's own English progress text never shows.
_PAGE_CSS = """
#review-handled, #batch-handled { display: none !important; }
.progress-text, .eta-bar, .timer { display: none !important; }
"""
# Gradio 6 titles every pop-up with its English type ("Warning") and ignores the title we pass: name it in Chinese.
_HEAD = """<script>
(() => {
  const names = { warning: "请注意", info: "提示", success: "完成", error: "出错" };
  const fix = (node) => {
    if (node.nodeType !== 1) return;
    const titles = node.matches(".toast-title") ? [node] : node.querySelectorAll(".toast-title");
    titles.forEach((t) => {
      const kind = Object.keys(names).find((k) => t.classList.contains(k));
      if (kind && t.firstChild && t.firstChild.nodeType === 3) t.firstChild.data = names[kind] + " ";
    });
  };
  // Only added elements are looked at, so a page that rewrites thousands of nodes (the review pane) stays fast.
  new MutationObserver((changes) => changes.forEach((c) => c.addedNodes.forEach(fix)))
    .observe(document.body || document.documentElement, { childList: true, subtree: true });
})();
</script>"""


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
        kwargs.setdefault("css", _PAGE_CSS)
        kwargs.setdefault("head", _HEAD)
        app_kwargs = dict(kwargs.pop("app_kwargs", None) or {})
        app_kwargs["middleware"] = [*app_kwargs.get("middleware", []), Middleware(LoginGate)]
        app_kwargs.setdefault("openapi_url", None)  # FastAPI's own schema route would bypass the login
        kwargs["app_kwargs"] = app_kwargs
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
    """The page, ready to ``queue().launch()``; ``model`` None runs everything offline."""
    workdir = tempfile.TemporaryDirectory(prefix="assistant-web-")
    # Gradio's own upload cache goes inside our folder, so closing the app removes the uploads too.
    os.environ["GRADIO_TEMP_DIR"] = str(Path(workdir.name) / "uploads")
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    h = Handlers(
        workdir=Path(workdir.name),
        model=model,
        examples_dir=Path(examples_dir) if examples_dir else resource_dir("examples"),
        eval_dir=Path(eval_dir) if eval_dir else resource_dir("eval_cases"),
        notify=lambda title, message: gr.Warning(f"{title}：{message}", title=title),
    )
    with AssistantPage(workdir, h) as app:
        session_model = gr.State(None)
        gr.Markdown(f"# {PAGE_TITLE}\n部门整体支出绩效自评报告的起草与审阅。" + ("" if model else f" **{OFFLINE}**。"))
        with gr.Tabs():
            with gr.Tab("起草", id="draft"):
                template = _draft_tab(h, session_model)
            with gr.Tab("审阅", id="review"):
                _review_tab(h, session_model)
            with gr.Tab("批量审阅", id="batch"):
                _batch_tab(h)
            with gr.Tab("模型设置", id="model"):
                _model_tab(h, session_model)
                with gr.Accordion("高级：提示词评测（维护人员使用）", open=False, elem_id="advanced"):
                    _eval_tab(h, session_model)
        # The template is written when a page opens, so its server path never sits in the page's configuration.
        app.load(lambda: gr.update(value=h.template_file()), outputs=template, show_progress="hidden")
    return app


def _session(request: gr.Request | None) -> str:
    return (request.session_hash if request is not None else None) or ""


def _download(path: str | None) -> Any:
    return gr.update(value=path, visible=bool(path))


# -- 起草 -------------------------------------------------------------------------------------------------


def _draft_tab(h: Handlers, session_model: gr.State) -> gr.DownloadButton:
    data_path = gr.State(None)
    with gr.Row(equal_height=True):
        upload = gr.File(
            label="上传数据文件（.xlsx / .yaml / .json）", type="filepath", elem_id="draft-upload", height=150
        )
        with gr.Column():
            example = gr.Dropdown(
                choices=h.example_choices(), value=None, label="或选用示例数据（按部门和年度）", elem_id="draft-example"
            )
            template = gr.DownloadButton("下载空白模板（Excel）", value=None, elem_id="draft-template", size="md")
            gr.Markdown("不知道怎么填？下载空白模板，按表头说明填写后上传。", elem_id="draft-template-hint")
    status = gr.Markdown(NO_DATA, elem_id="draft-status")
    sections = gr.CheckboxGroup(choices=[], value=[], label="起草的章节", elem_id="draft-sections")
    go = gr.Button("生成草稿", variant="primary", elem_id="draft-run")
    progress = gr.Markdown("", elem_id="draft-progress")
    with gr.Row():  # right under the progress line, where the user is looking when the draft is done
        docx = gr.DownloadButton("下载 Word（.docx）", visible=False, elem_id="draft-docx", variant="primary")
        md = gr.DownloadButton("下载 Markdown（.md）", visible=False, elem_id="draft-md")
        js = gr.DownloadButton("下载 JSON（.json）", visible=False, elem_id="draft-json")
    view = gr.HTML("", css_template=asset("pane.css"), elem_id="draft-html", js_on_load=None)
    issues = gr.HTML("", css_template=asset("pane.css"), elem_id="draft-findings", js_on_load=None)

    def shown(loaded: Loaded) -> tuple[Any, ...]:
        # Loading or removing a file resets everything drawn from the previous one.
        return (
            loaded.path,
            loaded.status,
            gr.update(choices=loaded.sections, value=loaded.chosen),
            "",
            "",
            "",
            _download(None),
            _download(None),
            _download(None),
        )

    loaded = [data_path, status, sections, progress, view, issues, docx, md, js]
    quiet: dict[str, Any] = {"show_progress": "hidden"}  # gradio's own progress text is English; ours is not
    upload.upload(lambda p: (*shown(h.load(p)), None), inputs=upload, outputs=[*loaded, example], **quiet)
    upload.clear(lambda: (*shown(h.load(None)), None), outputs=[*loaded, example], **quiet)
    example.input(lambda n: (*shown(h.load_example(n)), None), inputs=example, outputs=[*loaded, upload], **quiet)

    def run(path: str | None, chosen: list[str], config: ModelConfig | None, request: gr.Request) -> Iterator[Any]:
        step: DraftStep
        for step in h.run_draft(path, chosen, config, _session(request)):
            yield (step.progress, step.view, step.issues, *(_download(f) for f in step.files))

    go.click(
        run,
        inputs=[data_path, sections, session_model],
        outputs=[progress, view, issues, docx, md, js],
        show_progress="hidden",
        concurrency_limit=JOBS,
        api_name="draft",
    )
    return template


# -- 审阅 -------------------------------------------------------------------------------------------------


def _review_tab(h: Handlers, session_model: gr.State) -> None:
    state = gr.State(None)
    with gr.Row(equal_height=True):
        report = gr.File(
            label="上传报告（.docx / .pdf / .txt / .md）", type="filepath", elem_id="review-upload", height=150
        )
        data = gr.File(label="部门数据（可选，用于核对数字）", type="filepath", elem_id="review-data", height=150)
    with gr.Row():
        go = gr.Button("开始审阅", variant="primary", elem_id="review-run", scale=3)
        stop = gr.Button("取消", elem_id="review-cancel", scale=1)
    status = gr.Markdown("", elem_id="review-status")
    with gr.Row():
        docx = gr.DownloadButton("下载带批注的 Word（.docx）", visible=False, elem_id="review-docx", variant="primary")
        page = gr.DownloadButton("下载 HTML 审阅报告", visible=False, elem_id="review-page")
        js = gr.DownloadButton("下载 JSON", visible=False, elem_id="review-json")
    pane = gr.HTML("", css_template=asset("pane.css"), js_on_load=asset("pane.js"), elem_id="review-pane")
    handled = gr.Textbox("", visible="hidden", elem_id="review-handled", show_label=False, container=False)

    outputs = [status, pane, state, handled, docx, js, page]

    def run(report: str | None, data: str | None, config: ModelConfig | None, request: gr.Request) -> Iterator[Any]:
        step: ReviewStep
        shown: tuple[str, Any] = ("", None)
        for step in h.run_review(report, data, config, _session(request)):
            docx_path, json_path, html_path = step.files
            # An unchanged pane is not sent again: re-rendering it would drop the reviewer's place and filters.
            same = (step.pane, step.state) == shown and bool(step.pane)
            shown = (step.pane, step.state)
            pane_value, state_value = (gr.update(), gr.update()) if same else (step.pane, step.state)
            yield (step.status, pane_value, state_value, "", *map(_download, (docx_path, json_path, html_path)))

    def reset() -> tuple[Any, ...]:
        return ("", "", None, "", _download(None), _download(None), _download(None))

    go.click(
        run,
        inputs=[report, data, session_model],
        outputs=outputs,
        show_progress="hidden",
        concurrency_limit=JOBS,
        api_name="review",
    )

    def cancel(request: gr.Request) -> None:
        h.cancel(_session(request))

    stop.click(cancel, inputs=None, outputs=None, show_progress="hidden")
    for f in (report, data):
        f.upload(reset, outputs=outputs, show_progress="hidden")
        f.clear(reset, outputs=outputs, show_progress="hidden")

    _rewrite_when_handled(h, handled, state, [docx, js, page])


def _batch_tab(h: Handlers) -> None:
    state = gr.State(None)
    files = gr.File(
        label="上传多份报告（.docx / .pdf / .txt / .md，可多选），或一个装有报告的 .zip 压缩包",
        file_count="multiple",
        type="filepath",
        elem_id="batch-upload",
        height=150,
    )
    go = gr.Button("开始批量审阅", variant="primary", elem_id="batch-run")
    status = gr.Markdown("", elem_id="batch-status")
    with gr.Row():
        xlsx = gr.DownloadButton("下载汇总表（Excel）", visible=False, elem_id="batch-xlsx", variant="primary")
        page = gr.DownloadButton("下载汇总页（HTML）", visible=False, elem_id="batch-html")
        zipped = gr.DownloadButton("下载全部审阅结果（.zip）", visible=False, elem_id="batch-zip")
    # The summary's rows open their report below (static/batch.js triggers "select" with the row).
    summary = gr.HTML("", css_template=asset("batch.css"), js_on_load=asset("batch.js"), elem_id="batch-summary")
    # The same review pane as the 审阅 tab, for the report chosen in the summary.
    shown = gr.State(None)
    heading = gr.Markdown("", elem_id="batch-report-status")
    with gr.Row():
        docx = gr.DownloadButton("下载带批注的 Word（.docx）", visible=False, elem_id="batch-docx", variant="primary")
        one_page = gr.DownloadButton("下载 HTML 审阅报告", visible=False, elem_id="batch-page")
        js = gr.DownloadButton("下载 JSON", visible=False, elem_id="batch-json")
    pane = gr.HTML("", css_template=asset("pane.css"), js_on_load=asset("pane.js"), elem_id="batch-pane")
    handled = gr.Textbox("", visible="hidden", elem_id=BATCH_HANDLED, show_label=False, container=False)

    report_outputs = [heading, pane, shown, handled, docx, js, one_page]
    cleared = ("", "", None, "", _download(None), _download(None), _download(None))

    def run(paths: list[str] | None, request: gr.Request) -> Iterator[Any]:
        step: BatchStep
        for step in h.run_batch(paths, _session(request)):
            yield (step.status, step.summary, step.state, *map(_download, step.files), *cleared)

    def reset() -> tuple[Any, ...]:
        return ("", "", None, *(_download(None) for _ in range(3)), *cleared)

    outputs = [status, summary, state, xlsx, page, zipped, *report_outputs]
    go.click(run, inputs=files, outputs=outputs, show_progress="hidden", concurrency_limit=BATCH_JOBS)
    files.upload(reset, outputs=outputs, show_progress="hidden")
    files.clear(reset, outputs=outputs, show_progress="hidden")

    def open_row(batch: Any, evt: gr.EventData) -> Iterator[Any]:
        step: ReviewStep
        for step in h.open_batch_report(batch, getattr(evt, "row", None)):  # what static/batch.js sent
            docx_path, json_path, html_path = step.files
            yield (step.status, step.pane, step.state, "", *map(_download, (docx_path, json_path, html_path)))

    summary.select(open_row, inputs=state, outputs=report_outputs, show_progress="hidden", concurrency_limit=JOBS)

    _rewrite_when_handled(h, handled, shown, [docx, js, one_page])


def _rewrite_when_handled(h: Handlers, handled: Any, review: Any, outputs: list[Any]) -> None:
    """The pane writes the reviewer's 已处理/忽略 choices into the hidden box ``handled`` (see static/pane.js);
    the review's downloads are rewritten to leave those findings out."""

    def rewrite(shown: Any, text: str | None) -> tuple[Any, ...]:
        if not text:  # a new review, or a newly opened report, cleared the box: its files are fresh already
            return gr.update(), gr.update(), gr.update()
        return tuple(map(_download, h.handled_files(shown, text)))

    handled.change(
        rewrite, inputs=[review, handled], outputs=outputs, show_progress="hidden", trigger_mode="always_last"
    )


def _model_tab(h: Handlers, session_model: gr.State) -> None:
    shown = gr.Markdown(h.model_settings(), elem_id="model-settings")
    gr.Markdown("#### 本次使用的模型（只对当前浏览器会话有效，不写入服务器，关闭页面即失效）")
    with gr.Row():
        preset = gr.Dropdown(choices=h.preset_choices(), value="", label="服务", elem_id="model-preset")
        name = gr.Textbox(label="模型名称", placeholder="如 deepseek-chat、qwen-plus", elem_id="model-name")
    with gr.Row():
        url = gr.Textbox(label="接口地址", placeholder="如 https://api.deepseek.com/v1", elem_id="model-url")
        key = gr.Textbox(label="密钥", type="password", placeholder="只保存在本次会话的内存中", elem_id="model-key")
    with gr.Row():
        apply = gr.Button("应用", variant="primary", elem_id="model-apply")
        reset = gr.Button("恢复服务器默认", elem_id="model-reset")

    def fill(choice: str | None) -> tuple[str, str]:
        return h.preset_defaults(choice)

    preset.input(fill, inputs=preset, outputs=[url, name], show_progress="hidden")

    def use(p: str | None, u: str | None, n: str | None, k: str | None) -> tuple[Any, str, str, Any]:
        config, text = h.apply_model(p, u, n, k)
        # The key box is emptied: the key lives only in this session's state. A model typed in by hand is 自定义.
        choice = gr.update(value="custom") if config is not None and not p else gr.update()
        return config, text, "", choice

    apply.click(
        use, inputs=[preset, url, name, key], outputs=[session_model, shown, key, preset], show_progress="hidden"
    )
    reset.click(
        lambda: (None, h.model_settings(), "", "", "", ""), outputs=[session_model, shown, preset, url, name, key]
    )


# -- 高级：评测 -------------------------------------------------------------------------------------------


def _eval_tab(h: Handlers, session_model: gr.State) -> None:
    cases, note = h.eval_cases()
    intro = "维护人员修改提示词或更换模型后运行：每个用例起草或审阅一次，逐项检查，并与上次认可的结果比较。"
    gr.Markdown(note or intro, elem_id="eval-intro")
    picked = gr.CheckboxGroup(choices=cases, value=[v for _, v in cases], label="评测用例", elem_id="eval-cases")
    go = gr.Button("运行评测", variant="primary", interactive=bool(cases), elem_id="eval-run")
    status = gr.Markdown("", elem_id="eval-status")
    table = gr.Markdown("", elem_id="eval-table")

    def run(names: list[str], config: ModelConfig | None) -> Iterator[tuple[str, str]]:
        for step in h.run_eval(names, config):
            yield step.status, step.table

    go.click(run, inputs=[picked, session_model], outputs=[status, table], show_progress="hidden", concurrency_limit=2)
