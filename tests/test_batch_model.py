"""A batch with a model: every report's checks from the pool, then its critique through one client, bounded.

The model is the loopback server (tests/fake_openai.py), answering each report by its content.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fake_openai import FakeOpenAI
from openpyxl import load_workbook
from pydantic import SecretStr

from assistant.cli import main
from assistant.export.summary import summary_html, write_summary
from assistant.llm import ModelClient, ModelConfig
from assistant.reviewing.batch import BatchRow, CritiqueSettings, review_batch

# Invented counties and bureaus; each report says one vague thing the model is scripted to quote.
TOWNS = ["临川县", "白石县", "青禾县", "松岭县", "溪口县", "梅山县"]
VAGUE = "各项工作成效显著，社会反响良好。"
WRONG_SUM = "全年预算数为600万元，其中基本支出350万元，项目支出200万元。全年执行数为560万元。"
SOUND = "全年预算数为420万元，全年执行数为399万元，执行率为95%。全年完成农田水利检查64次。"


def report(department: str, body: str) -> str:
    return f"{department}2024年度部门整体支出绩效自评报告\n一、部门基本情况\n{body}\n二、绩效目标完成情况\n{VAGUE}\n"


def write_reports(folder: Path, n: int = len(TOWNS)) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for i, town in enumerate(TOWNS[:n]):
        department = f"{town}水利局"
        (folder / f"{department}.txt").write_text(report(department, WRONG_SUM if i == 0 else SOUND), "utf-8")
        names.append(department)
    (folder / "坏文件.pdf").write_bytes(b"%PDF-1.4 nothing readable")
    return names


def user_text(body: dict[str, Any]) -> str:
    return str(next(m["content"] for m in body["messages"] if m["role"] == "user"))


def department_of(body: dict[str, Any]) -> str:
    return next(f"{t}水利局" for t in TOWNS if f"{t}水利局" in user_text(body))


def answering(fail: str | None = None) -> Any:
    """The server's answer by content: one finding on the vague sentence; ``fail``'s report gets no JSON at all."""

    def answer(body: dict[str, Any]) -> str:
        if fail is not None and fail in user_text(body):
            return "抱歉，我无法完成这个任务。"
        found = {"quote": "成效显著", "category": "vague_wording", "severity": "warning", "why": "没有数据说明成效"}
        return json.dumps({"findings": [found]}, ensure_ascii=False)

    return answer


def client(server: FakeOpenAI, model: str = "fake-model", concurrency: int = 2) -> ModelClient:
    config = ModelConfig(
        model=model, base_url=server.base_url, api_key=SecretStr("sk-test"), timeout=5, max_retries=0,
        concurrency=concurrency,
    )  # fmt: skip
    return ModelClient(config, backoff_base=0.01, backoff_cap=0.02)  # no response cache: every call reaches it


def asked(server: FakeOpenAI) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in server.chat_requests:
        counts[department_of(r.json)] = counts.get(department_of(r.json), 0) + 1
    return counts


def by_department(rows: list[BatchRow]) -> dict[str, BatchRow]:
    return {r.department: r for r in rows if r.department}


@pytest.fixture
def server() -> Any:
    with FakeOpenAI(latency=0.2, default=answering()) as s:
        yield s


def test_every_report_is_critiqued_once_with_at_most_the_configured_requests_in_flight(
    server: FakeOpenAI, tmp_path: Path
) -> None:
    names = write_reports(tmp_path / "in")
    seen: list[tuple[int, int]] = []
    settings = CritiqueSettings(concurrency=2, progress=lambda done, total, name: seen.append((done, total)))
    result = review_batch(
        [tmp_path / "in"], out_dir=tmp_path / "out", workers=2, model=client(server), critique=settings
    )
    assert asked(server) == dict.fromkeys(names, 1)  # one chunk each: one call per report, the broken file none
    assert server.max_in_flight == 2  # the batch's one client kept the endpoint full, and no fuller
    assert seen[-1] == (len(names), len(names)) and len(seen) == len(names)
    rows = by_department(result.rows)
    for name in names:
        row = rows[name]
        assert row.model == "fake-model" and row.model_note == ""
        kept = json.loads((tmp_path / "out" / str(row.review_data)).read_text(encoding="utf-8"))
        assert kept["model"] == "fake-model" and any("没有数据说明成效" in f["message"] for f in kept["findings"])
        page = (tmp_path / "out" / str(row.review_file)).read_text(encoding="utf-8")
        assert "没有数据说明成效" in page  # the model's finding is in the report's own review page
    assert rows["临川县水利局"].errors >= 1  # its checks' error stays beside the model's finding
    assert [r.file for r in result.failed] == ["坏文件.pdf"]


def test_a_report_whose_critique_fails_keeps_its_checks_and_says_why(tmp_path: Path) -> None:
    names = write_reports(tmp_path / "in", 3)
    offline = by_department(review_batch([tmp_path / "in"], out_dir=tmp_path / "plain", workers=1).rows)
    with FakeOpenAI(default=answering(fail="临川县水利局")) as server:
        result = review_batch(
            [tmp_path / "in"], out_dir=tmp_path / "out", workers=1, model=client(server),
            critique=CritiqueSettings(concurrency=2),
        )  # fmt: skip
        rows = by_department(result.rows)
        failed = rows["临川县水利局"]
        assert failed.status == "ok" and failed.model is None
        assert "模型" in failed.model_note and "确定性检查" in failed.model_note
        # Its deterministic review is whole: the same counts as with no model at all.
        plain = offline["临川县水利局"]
        assert (failed.errors, failed.warnings, failed.rules) == (plain.errors, plain.warnings, plain.rules)
        page = (tmp_path / "out" / str(failed.review_file)).read_text(encoding="utf-8")
        assert failed.model_note in page
        assert all(rows[n].model == "fake-model" for n in names[1:])
        assert any("临川县水利局" in note and "模型审阅未完成" in note for note in result.notes)
        # The bureau sees it in both summaries.
        xlsx = write_summary(result.rows, tmp_path / "汇总.xlsx")
        cells = [str(c.value or "") for row in load_workbook(xlsx)["审阅汇总"].iter_rows() for c in row]
        assert any(failed.model_note in c for c in cells)
        assert failed.model_note in summary_html(result.rows)
        # A failed critique is not remembered: the next run asks again for that report only.
        before = asked(server)
        review_batch(
            [tmp_path / "in"], out_dir=tmp_path / "out", workers=1, model=client(server),
            critique=CritiqueSettings(concurrency=2),
        )  # fmt: skip
        after = asked(server)
    assert after["临川县水利局"] > before["临川县水利局"]
    assert all(after[n] == before[n] for n in names[1:])


def test_an_unchanged_rerun_asks_nothing_and_another_model_asks_again(server: FakeOpenAI, tmp_path: Path) -> None:
    names = write_reports(tmp_path / "in", 3)
    out = tmp_path / "out"

    def run(model: str = "fake-model") -> list[BatchRow]:
        settings = CritiqueSettings(concurrency=2)
        return review_batch(
            [tmp_path / "in"], out_dir=out, workers=1, model=client(server, model), critique=settings
        ).rows

    first = by_department(run())
    calls = len(server.chat_requests)
    assert calls == len(names)
    again = by_department(run())
    assert len(server.chat_requests) == calls  # nothing changed: no call
    for name in names:
        assert again[name].cached and again[name].model == "fake-model"
        assert again[name].model_dump(exclude={"cached"}) == first[name].model_dump(exclude={"cached"})
    other = by_department(run("another-model"))
    assert len(server.chat_requests) == calls + len(names)
    assert all(other[n].model == "another-model" and not other[n].cached for n in names)
    # Back to no model: the pages the model's critique rewrote are written again from the checks.
    plain = by_department(review_batch([tmp_path / "in"], out_dir=out, workers=1).rows)
    for name in names:
        assert plain[name].model is None and not plain[name].cached
        assert "没有数据说明成效" not in (out / str(plain[name].review_file)).read_text(encoding="utf-8")


def test_the_cli_reviews_a_folder_with_a_model_and_shows_both_stages(
    server: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    names = write_reports(tmp_path / "in", 3)
    out = tmp_path / "汇总.xlsx"
    argv = ["review", str(tmp_path / "in"), "-o", str(out), "--workers", "1", "--model", "fake-model"]
    status = main([*argv, "--base-url", server.base_url, "--concurrency", "2"])
    captured = capsys.readouterr()
    assert status == 1  # 临川县's sum does not add up
    assert "检查 [" in captured.err and "模型审阅 [" in captured.err and f"{len(names)}/{len(names)}" in captured.err
    assert len(server.chat_requests) == len(names) and server.max_in_flight <= 2
    assert "没有数据说明成效" in (tmp_path / "审阅结果" / "临川县水利局.review.html").read_text(encoding="utf-8")
