"""The batch's model critique: every report's deterministic review read by the model through ONE client.

    rows = critique_rows(jobs, rows, client, CritiqueSettings(concurrency=8, deadline=120))

The deterministic reviews come from the process pool (:mod:`assistant.reviewing.batch`); the model calls are
network-bound, so they run here, in one event loop, through the one configured client: at most ``concurrency``
requests are in flight across the whole batch, and a few reports are being read at a time (bounded memory).
A report whose critique fails (endpoint down, empty or invalid answers, its deadline passed) keeps its
deterministic review, and its row, its review page and the summary say why. A report whose checks and model
settings (model, endpoint, temperature, prompt templates) are unchanged since the last run is not sent again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from assistant.errors import ModelError
from assistant.reviewing.batch import CACHE_DIR, BatchRow, CritiqueSettings, Job, read_cache, write_cache
from assistant.reviewing.batch import write_review_files as write_files
from assistant.reviewing.result import Review

if TYPE_CHECKING:
    from assistant.llm.protocol import ChatModel


def model_settings(model: ChatModel) -> str:
    """A digest of what decides a critique besides the report: the model, its endpoint and sampling, the prompts."""
    from assistant.llm.client import ModelClient
    from assistant.prompts import default_prompts
    from assistant.reviewing.critique import CROSS_TEMPLATE, SYSTEM_TEMPLATE, USER_TEMPLATE
    from assistant.text.chunks import CHUNK_OVERLAP, CHUNK_SIZE

    settings: dict[str, Any] = {
        "model": model.name,
        "prompts": default_prompts().digest([SYSTEM_TEMPLATE, USER_TEMPLATE, CROSS_TEMPLATE]),
        "chunks": [CHUNK_SIZE, CHUNK_OVERLAP],
    }
    if isinstance(model, ModelClient):
        c = model.config
        settings.update(
            endpoint=c.display_endpoint, temperature=c.temperature, max_tokens=c.max_tokens, structured=c.structured
        )
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def critique_rows(
    jobs: Sequence[Job], rows: list[BatchRow], model: ChatModel, settings: CritiqueSettings
) -> list[BatchRow]:
    """Each reviewed report's row after the model's critique (or its fallback); the model is closed at the end."""

    async def run() -> list[BatchRow]:
        try:
            return await critique_all(jobs, rows, model, settings)
        finally:
            await model.aclose()

    return asyncio.run(run())


async def critique_all(
    jobs: Sequence[Job], rows: list[BatchRow], model: ChatModel, settings: CritiqueSettings
) -> list[BatchRow]:
    """The critique of every reviewed report, ``settings.concurrency`` requests in flight at most."""
    concurrency = max(1, settings.concurrency or model.concurrency)
    bounded = _Bounded(model, concurrency)
    fingerprint = model_settings(model)
    todo = [i for i, r in enumerate(rows) if r.status == "ok" and r.review_data]
    # A few reports open at a time keeps the endpoint busy (their chunks queue on the slots) and memory bounded.
    reading = asyncio.Semaphore(concurrency + 1)
    out = list(rows)
    done = 0

    async def one(i: int) -> None:
        nonlocal done
        async with reading:
            out[i] = await _critique_one(jobs[i], rows[i], bounded, fingerprint, concurrency, settings.deadline)
        done += 1
        if settings.progress:
            settings.progress(done, len(todo), jobs[i].name)

    await asyncio.gather(*(one(i) for i in todo))
    return out


async def _critique_one(
    job: Job, row: BatchRow, model: ChatModel, fingerprint: str, concurrency: int, seconds: float | None
) -> BatchRow:
    from assistant.llm.deadline import deadline
    from assistant.reviewing.critique import critique
    from assistant.text.document import load_document

    cache = job.out_dir / CACHE_DIR / f"{job.stem}.json"
    saved = read_cache(cache) or {}
    key = hashlib.sha256(f"{saved.get('key', '')}\0{fingerprint}".encode()).hexdigest()
    earlier = saved.get("critique")
    if job.use_cache and isinstance(earlier, dict) and earlier.get("key") == key and saved.get("files") == key:
        kept = BatchRow.model_validate(earlier["row"])
        if all((job.out_dir / f).exists() for f in (kept.review_file, kept.review_data) if f):
            return kept.model_copy(update={"cached": True})
    assert row.review_data is not None
    checks = Review.model_validate_json((job.out_dir / row.review_data).read_text(encoding="utf-8"))
    fallback = ""
    try:
        doc = await asyncio.to_thread(load_document, job.path)
        with deadline(seconds):  # per report: a slow endpoint costs each report its deadline at most
            merged = await critique(doc, checks.findings, model, concurrency=concurrency)
    except ModelError as exc:
        fallback = f"模型审阅未完成（{str(exc).strip().rstrip('。')}），本报告保留确定性检查结果"
        result = checks.model_copy(update={"notes": [*checks.notes, fallback]})
    except Exception as exc:  # a bug on one report's critique must not lose the batch: it keeps its checks
        fallback = f"模型审阅出错（{type(exc).__name__}），本报告保留确定性检查结果"
        result = checks.model_copy(update={"notes": [*checks.notes, fallback]})
    else:
        fallback = merged.fallback or ("" if merged.used else "模型没有给出可用的回答，本报告保留确定性检查结果")
        notes = [*checks.notes, *merged.notes]
        if fallback and fallback not in notes:
            notes.append(fallback)
        used = model.name if merged.used else None
        result = checks.model_copy(update={"findings": merged.findings, "notes": notes, "model": used})
    data = f"{CACHE_DIR}/{job.stem}.reviewed.json"
    base = row.model_copy(update={"model": result.model, "model_note": fallback, "review_data": data, "cached": False})
    final = await asyncio.to_thread(_write, result, base, job, data)
    if fallback:  # not kept: the next run asks the model again
        entry = {k: v for k, v in saved.items() if k != "critique"} | {"files": f"fallback:{key}"}
    else:
        entry = {**saved, "critique": {"key": key, "row": final.model_dump(mode="json")}, "files": key}
    write_cache(cache, entry)
    return final


def _write(result: Review, row: BatchRow, job: Job, data: str) -> BatchRow:
    (job.out_dir / data).write_text(result.model_dump_json(), encoding="utf-8")
    return write_files(result, row, job.path, job.out_dir, job.stem)


class _Bounded:
    """The batch's one model with one limit on requests in flight, however many reports are being read."""

    def __init__(self, model: ChatModel, limit: int) -> None:
        self.model = model
        self.slots = asyncio.Semaphore(limit)
        self.limit = limit

    @property
    def name(self) -> str:
        """The wrapped model's name."""
        return self.model.name

    @property
    def concurrency(self) -> int:
        """The batch-wide limit."""
        return self.limit

    async def aclose(self) -> None:
        """Closed by :func:`critique_rows` once, not per report."""

    async def complete(self, messages: list[dict[str, Any]], **kwargs: Any) -> Any:
        """A text answer, within the batch's limit."""
        async with self.slots:
            return await self.model.complete(messages, **kwargs)

    async def structured(self, messages: list[dict[str, Any]], schema: Any, **kwargs: Any) -> Any:
        """A validated answer, within the batch's limit."""
        async with self.slots:
            return await self.model.structured(messages, schema, **kwargs)
