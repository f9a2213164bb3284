"""Long actions seen from the page: a pipeline on a worker thread, its events, the draft's live text, review stages.

Nothing here imports gradio: the handlers turn these into component values, and tests drive them directly.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from assistant.budget.models import ReportData
from assistant.drafting.pipeline import Progress
from assistant.drafting.plan import plan_sections
from assistant.errors import AssistantError
from assistant.llm.protocol import ChatModel

log = logging.getLogger(__name__)
E = TypeVar("E")
R = TypeVar("R")


class Cancelled(AssistantError):
    """The user pressed 取消 while the action ran."""


class Background(Generic[E, R]):
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
            self.error = explain(exc, doing)
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


def explain(exc: Exception, doing: str) -> AssistantError:
    """The error as the user should read it: our own errors as they are, a bug logged and summarised."""
    if isinstance(exc, AssistantError):
        return exc
    log.exception("%s failed", doing)  # the traceback goes to the server's log, never to the page
    return AssistantError(f"{doing}时出现意外错误（{type(exc).__name__}）；请确认文件完好、类型正确，或联系维护人员")


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

    def status(self, mode: str) -> str:
        """The progress line as Markdown."""
        line = f"**起草中** {bar(self.done, self.total)} {self.done}/{self.total} 节 · {mode}"
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


def bar(done: int, total: int, width: int = 20) -> str:
    """A text progress bar in a code span."""
    filled = width * done // total if total else 0
    return f"`{'█' * filled}{'·' * (width - filled)}`"


REVIEW_STAGES = ("读取", "检查", "模型审阅", "汇总")


class ReviewStage:
    """One step of a review as the page shows it: ``读取 → 检查 → 模型审阅 3/8 段 → 汇总``."""

    def __init__(self, stage: str, done: int = 0, total: int = 0) -> None:
        self.stage = stage
        self.done = done
        self.total = total

    def line(self, with_model: bool) -> str:
        """The stage strip with the current stage in bold."""
        parts = []
        for s in REVIEW_STAGES:
            if s == "模型审阅" and not with_model:
                continue
            label = s
            if s == "模型审阅" and self.stage == s and self.total:
                label = f"{s} {self.done}/{self.total} 段"
            parts.append(f"**【{label}】**" if s == self.stage else label)  # brackets: CJK bold is faint
        return "审阅中：" + " → ".join(parts)


class CountingModel:
    """A ChatModel that reports each answered request and stops the run when the user cancels."""

    def __init__(self, inner: ChatModel, on_answer: Callable[[], None], cancel: threading.Event) -> None:
        self.inner = inner
        self._on_answer = on_answer
        self._cancel = cancel

    @property
    def name(self) -> str:
        """The wrapped model's name."""
        return self.inner.name

    @property
    def concurrency(self) -> int:
        """The wrapped model's concurrency."""
        return self.inner.concurrency

    async def aclose(self) -> None:
        """Close the wrapped model's connections."""
        await self.inner.aclose()

    def _check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled("已取消")

    async def complete(self, messages: list[dict[str, Any]], **kwargs: Any) -> Any:
        """The wrapped model's answer, counted."""
        self._check()
        try:
            return await self.inner.complete(messages, **kwargs)
        finally:
            self._on_answer()

    async def structured(self, messages: list[dict[str, Any]], schema: Any, **kwargs: Any) -> Any:
        """The wrapped model's validated answer, counted."""
        self._check()
        try:
            return await self.inner.structured(messages, schema, **kwargs)
        finally:
            self._on_answer()
