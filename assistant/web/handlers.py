"""What the page's buttons call, without gradio: each method runs one pipeline and returns plain values.

app.py turns these into component updates; tests call them directly. A pop-up goes through ``notify(title, text)``
so the handlers never import the web framework. Every message names the user's own file (never the server's
temporary path) and, for data, the sheet and cell or the YAML line with the field's Chinese label.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import assistant.evaluation as evaluation
from assistant.budget.consistency import check_data
from assistant.budget.facts import build_facts
from assistant.budget.loader import load_data
from assistant.budget.models import ReportData
from assistant.budget.workbook import write_workbook_template
from assistant.checks.finding import SEVERITY_NAMES
from assistant.drafting.pipeline import Progress, draft
from assistant.drafting.plan import plan_sections
from assistant.drafting.result import Draft
from assistant.errors import AssistantError
from assistant.evaluation.suite import run_suite
from assistant.export import review_to_html, review_to_json
from assistant.export.docx_comments import write_commented_docx
from assistant.export.draft_formats import write_draft
from assistant.llm import ChatModel, ModelClient, ModelConfig
from assistant.llm.config import PRESETS, resolve_config
from assistant.llm.deadline import deadline
from assistant.reviewing import Review
from assistant.reviewing.critique import claims_table
from assistant.reviewing.pipeline import review_async
from assistant.text.chunks import split_chunks
from assistant.text.document import Document, load_document
from assistant.web import batch, views
from assistant.web.batch import BatchState, BatchStep
from assistant.web.pane import Handled, review_pane
from assistant.web.places import Places, describe_field, speak, speak_fields
from assistant.web.progress import Background, Cancelled, CountingModel, LiveDraft, ReviewStage, explain

REPORT_SUFFIXES = (".docx", ".pdf", ".txt", ".md")
DATA_SUFFIXES = (".xlsx", ".yaml", ".yml", ".json")
TEMPLATE_NAME = "绩效自评数据模板.xlsx"
BATCH_HANDLED = "batch-handled"  # the 批量审阅 pane's hidden box for 已处理/忽略 (review-handled on 审阅)
NO_DATA = "请先上传数据文件（或选用示例、下载空白模板填写后上传）。"

Notify = Callable[[str, str], None]


def _quiet(title: str, message: str) -> None:
    """The default notify: tests and scripts read the returned status instead."""


@dataclass
class Loaded:
    """A data file as the draft tab holds it: its path, the user's name for it, the status and the sections."""

    path: str | None
    status: str
    sections: list[tuple[str, str]] = field(default_factory=list)
    chosen: list[str] = field(default_factory=list)


@dataclass
class DraftStep:
    """One refresh of the draft tab: progress line, the text shown, the findings, and (at the end) the files."""

    progress: str
    view: str = ""
    issues: str = ""
    files: tuple[str | None, str | None, str | None] = (None, None, None)


@dataclass
class ReviewState:
    """A finished review as the session keeps it, so the downloads can be rewritten when findings are handled."""

    review: Review
    source: str  # the uploaded report on the server (a .docx is commented in place of a copy)
    name: str  # the user's file name
    token: str


@dataclass
class ReviewStep:
    """One refresh of the review tab."""

    status: str
    pane: str = ""
    state: ReviewState | None = None
    files: tuple[str | None, str | None, str | None] = (None, None, None)


@dataclass
class EvalStep:
    """One refresh of the eval section."""

    status: str
    table: str = ""


class Handlers:
    """The page's actions: load data, draft, review (with cancel), eval, the session's model settings."""

    def __init__(
        self,
        *,
        workdir: Path,
        model: ModelConfig | ChatModel | None = None,
        examples_dir: Path | None = None,
        eval_dir: Path | None = None,
        notify: Notify = _quiet,
    ) -> None:
        self.workdir = workdir
        self.model = model
        self.examples_dir = examples_dir
        self.eval_dir = eval_dir
        self.notify = notify
        # A shared client object holds a connection pool bound to one event loop: one run at a time. A
        # configuration opens a fresh client per run instead, so users never wait for each other.
        self._shared_lock = threading.Lock()
        self._sessions: dict[str, threading.Lock] = {}
        self._cancels: dict[str, threading.Event] = {}
        self._guard = threading.Lock()
        self._examples: list[tuple[str, str]] | None = None
        self._template: Path | None = None

    # -- model ------------------------------------------------------------------------------------------

    @property
    def config(self) -> ModelConfig | None:
        """The server's model configuration, or None offline."""
        if isinstance(self.model, ModelConfig):
            return self.model
        return getattr(self.model, "config", None) if self.model is not None else None

    def model_settings(self, session: ModelConfig | None = None) -> str:
        """The model in use for this browser session as Markdown (never the key)."""
        if session is not None:
            return views.model_markdown(session, "本浏览器会话设置的模型（关闭页面即失效，密钥不保存）")
        if self.model is None:
            return views.offline_markdown()
        config = self.config
        if config is None:
            return f"### 已配置模型\n\n模型：{getattr(self.model, 'name', '（未知）')}"
        return views.model_markdown(config, "服务器启动时配置的模型")

    def preset_choices(self) -> list[tuple[str, str]]:
        """The model form's preset dropdown: offline first, then the known services, then 自定义."""
        return [
            ("不使用模型（离线）", ""),
            *((views.preset_label(name), name) for name in PRESETS),
            ("自定义", "custom"),
        ]

    def preset_defaults(self, preset: str | None) -> tuple[str, str]:
        """The base URL and model a preset fills in (empty for offline or 自定义)."""
        p = PRESETS.get(preset or "")
        return (p.base_url, p.model or "") if p else ("", "")

    def apply_model(
        self, preset: str | None, base_url: str | None, model: str | None, key: str | None
    ) -> tuple[ModelConfig | None, str]:
        """The session's model from the form, or None (offline); raises nothing — a bad form says what to fix."""
        preset = (preset or "").strip()
        model = (model or "").strip()
        base_url = (base_url or "").strip()
        if not preset and not model:
            return None, views.offline_markdown() + "\n\n已切换为离线运行（仅本浏览器会话）。"
        if base_url and not re.match(r"^https?://[^\s/]+", base_url):
            return None, "**错误：接口地址应以 http:// 或 https:// 开头，如 https://api.deepseek.com/v1**"
        try:
            config = resolve_config(
                model=model or None,
                base_url=base_url or None,
                api_key=(key or "").strip() or None,
                preset=preset if preset in PRESETS else None,
                env={},  # never the server's keys: they must not go to an address a visitor typed
            )
        except AssistantError as exc:
            return None, views.error_md(str(exc))
        if config is None:
            return None, "**错误：请填写模型名称**"
        if config.api_key is None and not config.base_url:
            return None, "**错误：请填写密钥，或选择本机模型服务（如 Ollama）**"
        return config, self.model_settings(config)

    @contextlib.contextmanager
    def _model(self, session_model: ModelConfig | None, session: str) -> Iterator[ChatModel | None]:
        """The model for one run, one run at a time per browser session; other sessions are not held up."""
        with self._session_lock(session):
            chosen = session_model if session_model is not None else self.model
            if chosen is None:
                yield None
            elif isinstance(chosen, ModelConfig):
                # The call log holds prompts and answers, never the key (ModelConfig keeps it as a SecretStr).
                path = self.workdir / "calls.sqlite" if session_model is not None else None
                # The run's overall deadline: a model that never answers cannot hold a page job for ever.
                with deadline(chosen.deadline):
                    yield ModelClient.open(chosen, path=path)
            else:
                limit = chosen.config.deadline if isinstance(chosen, ModelClient) else None
                with self._shared_lock, deadline(limit):
                    yield chosen

    def _session_lock(self, session: str) -> threading.Lock:
        with self._guard:
            return self._sessions.setdefault(session, threading.Lock())

    def _mode(self, session_model: ModelConfig | None) -> str:
        if session_model is not None:
            return f"模型：{session_model.model}"
        if self.model is None:
            return views.OFFLINE
        return f"模型：{self.config.model if self.config else getattr(self.model, 'name', '')}"

    # -- data -------------------------------------------------------------------------------------------

    def example_choices(self) -> list[tuple[str, str]]:
        """The bundled examples as (部门 年度, file name), read once."""
        if self._examples is None:
            found = []
            if self.examples_dir is not None and self.examples_dir.is_dir():
                for p in sorted(self.examples_dir.glob("*.yaml")):
                    try:
                        data = load_data(p)
                    except AssistantError:
                        continue  # a broken example is not offered rather than breaking the page
                    found.append((f"{data.department.name} {data.year} 年度", p.name))
            self._examples = found
        return self._examples

    def example_path(self, name: str | None) -> str | None:
        """The path of a bundled example, or None for an empty or unknown choice."""
        if not name or name not in {value for _, value in self.example_choices()}:
            return None
        assert self.examples_dir is not None
        return str(self.examples_dir / name)

    def template_file(self) -> str:
        """The blank data workbook (written once per server), for the 下载空白模板 button."""
        if self._template is None or not self._template.exists():
            folder = self.workdir / "template"
            folder.mkdir(parents=True, exist_ok=True)
            self._template = write_workbook_template(folder / TEMPLATE_NAME)
        return str(self._template)

    def load(self, path: str | None, shown_as: str | None = None) -> Loaded:
        """Load a data file for drafting: what loaded, the data checks in the file's own terms, the sections."""
        if not path:
            return Loaded(None, NO_DATA)
        name = shown_as or Path(path).name
        if Path(path).suffix.lower() not in DATA_SUFFIXES:
            message = f"{name}：不是数据文件（应为 .xlsx、.yaml 或 .json）；报告请到“审阅”页上传"
            self.notify("文件类型不对", message)
            return Loaded(None, views.error_md(message))
        try:
            data = load_data(path)
            issues = check_data(build_facts(data))
        except Exception as exc:
            message = speak(_user_message(explain(exc, "读取数据文件"), path))
            self.notify("数据文件有问题", message)
            return Loaded(None, views.error_md(f"未能载入 {name}。\n{message}"))
        places = Places(path)
        choices = views.section_choices(plan_sections(data))
        lines = [f"**已载入：{data.department.name} {data.year} 年度**（{name}），{len(data.projects)} 个项目。", ""]
        if issues:
            lines.append(f"数据检查发现 {len(issues)} 处需要注意（起草时会在相应章节标出）：")
            lines += [
                f"- {SEVERITY_NAMES[i.severity]}：{i.message}（{describe_field(i.where, data, places)}）"
                for i in issues
            ]
        else:
            lines.append("数据检查未发现内部不一致。")
        return Loaded(path, "\n".join(lines), choices, [value for _, value in choices])

    def load_example(self, name: str | None) -> Loaded:
        """Load one of the bundled examples by file name (shown as 示例数据, not by its file name)."""
        return self.load(self.example_path(name), "示例数据")

    # -- draft ------------------------------------------------------------------------------------------

    def run_draft(
        self, path: str | None, sections: list[str] | None, session_model: ModelConfig | None = None, session: str = ""
    ) -> Iterator[DraftStep]:
        """Draft with live text where the user is looking; the last step carries the .docx, .md and .json."""
        if not path:
            self.notify("没有数据", NO_DATA)
            yield DraftStep(views.error_md(NO_DATA))
            return
        if not sections:
            self.notify("没有章节", "请至少选择一个章节。")
            yield DraftStep(views.error_md("请至少选择一个章节。"))
            return
        try:
            data = load_data(path)
        except Exception as exc:
            message = speak(_user_message(explain(exc, "读取数据文件"), path))
            self.notify("数据文件有问题", message)
            yield DraftStep(views.error_md(message))
            return
        wanted = views.with_parents(plan_sections(data), sections)
        mode = self._mode(session_model)
        run: Background[Progress, Draft] = Background(
            lambda progress: self._draft(data, wanted, path, progress, session_model, session), "起草"
        )
        live = LiveDraft(data, wanted)
        yield DraftStep(live.status(mode), views.live_html(""))
        for events in run.events():
            for event in events:
                live.add(event)
            yield DraftStep(live.status(mode), views.live_html(live.text()))
        if run.error is not None:
            message = speak(_user_message(run.error, path))
            self.notify("起草失败", message)
            yield DraftStep(views.error_md(message), views.live_html(live.text()))
            return
        result = run.result
        assert result is not None
        try:
            files = self._write_draft_files(result, data)
        except AssistantError as exc:
            message = _user_message(exc, path)
            self.notify("写入失败", message)
            yield DraftStep(views.error_md(message), views.live_html(live.text()))
            return
        sheet = build_facts(data)
        places = Places(path)
        issues = views.draft_issues(result, lambda text: speak_fields(text, data, places))
        yield DraftStep(views.draft_summary(result), views.draft_html(result, sheet), issues, files)

    def _draft(
        self,
        data: ReportData,
        sections: list[str],
        path: str,
        progress: Callable[[Progress], None],
        session_model: ModelConfig | None,
        session: str,
    ) -> Draft:
        with self._model(session_model, session) as model:
            return draft(data, model=model, sections=sections, data_path=Path(path).name, progress=progress)

    def _write_draft_files(self, result: Draft, data: ReportData) -> tuple[str, str, str]:
        out = self._outdir()
        stem = _safe_name(f"{result.department}{result.year}年度自评报告（草稿）")
        docx, md, js = (str(write_draft(result, data, out / f"{stem}{suffix}")) for suffix in (".docx", ".md", ".json"))
        return docx, md, js

    # -- review -----------------------------------------------------------------------------------------

    def cancel(self, session: str = "") -> str:
        """Ask this session's running review to stop (at the next model request, or between stages)."""
        with self._guard:
            event = self._cancels.get(session)
        if event is None:
            return ""
        event.set()
        return "正在取消…"

    def run_review(
        self,
        report: str | None,
        data: str | None,
        session_model: ModelConfig | None = None,
        session: str = "",
    ) -> Iterator[ReviewStep]:
        """Review a report showing its stages (读取 → 检查 → 模型审阅 k/n 段 → 汇总); cancellable."""
        if not report:
            self.notify("没有报告", "请先上传要审阅的报告。")
            yield ReviewStep(views.error_md("请先上传要审阅的报告（.docx、.pdf、.txt 或 .md）。"))
            return
        name = Path(report).name
        suffix = Path(report).suffix.lower()
        if suffix not in REPORT_SUFFIXES:
            message = f"{name}：不支持的报告类型“{suffix or '无扩展名'}”；请上传 .docx、.pdf、.txt 或 .md 文件"
            self.notify("文件类型不对", message)
            yield ReviewStep(views.error_md(message))
            return
        cancel = threading.Event()
        with self._guard:
            self._cancels[session] = cancel
        with_model = session_model is not None or self.model is not None
        try:
            run: Background[ReviewStage, Review] = Background(
                lambda progress: self._review(report, data, session_model, session, cancel, progress), "审阅"
            )
            stage = ReviewStage("读取")
            yield ReviewStep(stage.line(with_model))
            for events in run.events():
                stage = events[-1]
                yield ReviewStep(stage.line(with_model))
            if run.error is not None:
                if isinstance(run.error, Cancelled):
                    yield ReviewStep("**已取消审阅。** 可重新开始。")
                    return
                message = speak(_user_message(run.error, report, data))
                self.notify("无法审阅", message)
                yield ReviewStep(views.error_md(message))
                return
            result = run.result
            assert result is not None
            yield ReviewStep(ReviewStage("汇总").line(with_model))
            # The files and the page name the user's file, never the server's upload folder.
            result = result.model_copy(update={"document": result.document.model_copy(update={"path": name})})
            state = ReviewState(result, report, name, uuid.uuid4().hex)
            summary = views.review_summary(result, self._mode(session_model))
            pane = review_pane(result, state.token)
            # The pane first: the reviewer reads while the Word file (slow for thousands of comments) is written.
            yield ReviewStep(summary + "\n\n正在生成下载文件…", pane, state)
            try:
                files = self.review_files(state, Handled(state.token))
            except Exception as exc:
                message = speak(_user_message(explain(exc, "写入审阅结果"), report))
                self.notify("写入失败", message)
                yield ReviewStep(views.error_md(message))
                return
            yield ReviewStep(summary, pane, state, files)
        finally:
            with self._guard:
                if self._cancels.get(session) is cancel:
                    del self._cancels[session]

    def _review(
        self,
        report: str,
        data: str | None,
        session_model: ModelConfig | None,
        session: str,
        cancel: threading.Event,
        progress: Callable[[ReviewStage], None],
    ) -> Review:
        doc = load_document(report)
        facts = build_facts(load_data(data)) if data else None
        if cancel.is_set():
            raise Cancelled("已取消")
        progress(ReviewStage("检查"))
        with self._model(session_model, session) as model:
            if cancel.is_set():
                raise Cancelled("已取消")
            if model is None:
                return _run(review_async(doc, facts=facts))
            total = _requests(doc)
            answered = [0]

            def answer() -> None:
                answered[0] += 1
                progress(ReviewStage("模型审阅", min(answered[0], total), total))

            progress(ReviewStage("模型审阅", 0, total))
            counted = CountingModel(model, answer, cancel)

            async def go() -> Review:
                try:
                    return await review_async(doc, facts=facts, model=counted)
                finally:
                    await counted.aclose()

            return _run(go())

    def review_files(self, state: ReviewState, handled: Handled) -> tuple[str | None, str, str]:
        """The commented .docx, the JSON and the HTML page of the findings still open, named after the user's file."""
        review = state.review
        note = handled.note()
        review = review.model_copy(
            update={"findings": handled.kept(review.findings), "notes": [*review.notes, *([note] if note else [])]}
        )
        out = self._outdir()
        stem = _safe_name(Path(state.name).stem) + "（审阅）"
        json_path = out / f"{stem}.json"
        json_path.write_text(review_to_json(review, include_text=True), encoding="utf-8")
        html_path = out / f"{stem}.html"
        html_path.write_text(review_to_html(review), encoding="utf-8")
        docx_path = out / f"{stem}.docx"
        source = state.source if Path(state.source).suffix.lower() == ".docx" else None
        write_commented_docx(review, docx_path, source=source)
        return str(docx_path), str(json_path), str(html_path)

    def handled_files(
        self, state: ReviewState | None, handled: str | None
    ) -> tuple[str | None, str | None, str | None]:
        """Rewrite the downloads after the reviewer marked findings 已处理 or 忽略 in the pane."""
        if state is None:
            return None, None, None
        return self.review_files(state, Handled.parse(handled, state.token, len(state.review.findings)))

    # -- batch ----------------------------------------------------------------------------------------

    def run_batch(self, files: list[str] | None, session: str = "") -> Iterator[BatchStep]:
        """Review several reports or a .zip with ``已审阅 k/n：文件名`` progress; the last step has the summary."""
        for step in batch.run_batch(files, self._outdir, self._session_lock(session)):
            if step.status.startswith("**错误"):
                self.notify("批量审阅失败", step.status.removeprefix("**错误：").split("**", 1)[0])
            yield step

    def open_batch_report(self, state: BatchState | None, row: object) -> Iterator[ReviewStep]:
        """One report of the batch in the review pane (as on the 审阅 tab), then its downloads."""
        opened = batch.open_report(state, row)
        if isinstance(opened, str):
            yield ReviewStep(opened)
            return
        review, entry = opened
        shown = ReviewState(review, str(entry.source), PurePosixPath(entry.name).name, uuid.uuid4().hex)
        summary = batch.heading(entry) + "\n\n" + views.review_summary(review, self._mode(None))
        pane = review_pane(review, shown.token, box=BATCH_HANDLED, reveal=True)
        yield ReviewStep(summary + "\n\n正在生成下载文件…", pane, shown)
        try:
            files = self.review_files(shown, Handled(shown.token))
        except Exception as exc:
            message = speak(_user_message(explain(exc, "写入审阅结果"), str(entry.source)))
            yield ReviewStep(views.error_md(message), pane, shown)
            return
        yield ReviewStep(summary, pane, shown, files)

    # -- eval -----------------------------------------------------------------------------------------

    def eval_cases(self) -> tuple[list[tuple[str, str]], str]:
        """The eval cases as checkbox (中文标题, case file name) choices, and a note when they cannot be read."""
        if self.eval_dir is None or not self.eval_dir.is_dir():
            return [], "没有找到评测用例。"
        try:
            cases = evaluation.load_cases([self.eval_dir])
        except AssistantError as exc:
            return [], views.error_md(speak(_user_message(exc, str(self.eval_dir))))
        kinds = {"draft": "起草", "review": "审阅"}
        return [(f"【{kinds.get(c.kind, c.kind)}】{c.description or c.id}", Path(c.path).name) for c in cases], ""

    def run_eval(self, names: list[str] | None, session_model: ModelConfig | None = None) -> Iterator[EvalStep]:
        """Run the chosen cases with progress; the table is in Chinese, by case title."""
        assert self.eval_dir is not None or not names
        known = {value for _, value in self.eval_cases()[0]}
        chosen = [self.eval_dir / n for n in names or [] if n in known] if self.eval_dir else []
        if not chosen:
            self.notify("没有用例", "请至少选择一个评测用例。")
            yield EvalStep(views.error_md("请至少选择一个评测用例。"))
            return
        yield EvalStep(f"**评测中**：共 {len(chosen)} 个用例…")
        run: Background[str, tuple[Any, Any]] = Background(
            lambda progress: self._evaluate(chosen, progress, session_model), "评测"
        )
        lines: list[str] = []
        for events in run.events():
            lines += events
            yield EvalStep(f"**评测中** {len(lines)}/{len(chosen)}\n\n" + "\n".join(f"- {line}" for line in lines))
        if run.error is not None:
            message = speak(_user_message(run.error, str(self.eval_dir)))
            self.notify("评测失败", message)
            yield EvalStep(views.error_md(message))
            return
        assert run.result is not None
        results, comparison = run.result
        passed = sum(r.status == "pass" for r in results)
        verdict = "有退步或出错的用例，请查看下表" if comparison.failed else "与上次认可的结果相比没有退步"
        yield EvalStep(
            f"**评测完成**：{len(results)} 个用例，通过 {passed} 个；{verdict}。", views.eval_table(results, comparison)
        )

    def _evaluate(
        self, paths: list[Path], progress: Callable[[str], None], session_model: ModelConfig | None
    ) -> tuple[Any, Any]:
        """The eval pipeline: run the cases, then compare with the approved results (only the cases that ran)."""
        cases = evaluation.load_cases(paths)
        titles = {c.id: c.description or c.id for c in cases}

        def report(result: Any, done: int, total: int) -> None:
            progress(f"[{done}/{total}] {titles.get(result.id, result.id)}：{views.EVAL_STATUS.get(result.status, '')}")

        with self._model(session_model, "eval") as client:
            settings = evaluation.Settings(model=client, progress=report)

            async def run() -> Any:
                # The one suite runner the CLI uses: baseline next to the cases, the same threshold rule.
                try:
                    return await run_suite(cases, settings)
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


def _requests(doc: Document) -> int:
    """How many model requests the critique of ``doc`` sends: one per chunk, plus the cross-section check."""
    chunks = split_chunks(doc.text)
    return len(chunks) + (1 if len(chunks) > 1 and claims_table(doc) else 0)


def _run(coro: Any) -> Review:
    result: Review = asyncio.run(coro)
    return result


def _user_message(exc: BaseException, *paths: str | None) -> str:
    """The error's message with the server's paths replaced by the names the user knows."""
    text = str(exc)
    for path in paths:
        if path:
            text = text.replace(str(Path(path)), Path(path).name).replace(str(path), Path(path).name)
    # Anything still looking like an absolute path of this machine is cut to its last part.
    return re.sub(r"(?:/[^\s/：:，,（）()]+){2,}/([^\s/：:，,（）()]+)", r"\1", text)


def _safe_name(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", name).strip("._") or "output"
