"""assistant eval: cases as data, assertion families, scripted models, generation vs grading, baseline and exit codes."""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from fake_openai import FakeOpenAI

import assistant.drafting.pipeline
from assistant.cli import main
from assistant.drafting.result import Draft, DraftSection
from assistant.errors import InputError
from assistant.evaluation import (
    Baseline,
    ScriptedModel,
    Settings,
    StaleScript,
    assertions,
    baseline_from,
    compare,
    evaluate,
    load_case,
    load_cases,
    prompt_hash,
)
from assistant.evaluation.baseline import BaselineCase
from assistant.evaluation.cases import FAMILIES, Assertion, ScriptEntry
from assistant.evaluation.outputs import CaseResult, Output
from assistant.llm.completion import Completion

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "eval_cases"
EDUCATION = REPO / "examples" / "education-bureau-2024.yaml"
SCRIPTED_DRAFTS = sorted(str(p) for p in CASES.glob("draft-scripted-*.yaml") if not p.name.endswith(".scripted.yaml"))


@pytest.fixture
def repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from the repository root, where the default cases and baseline live."""
    monkeypatch.chdir(REPO)
    return REPO


def write_case(folder: Path, name: str, body: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def review_case(folder: Path, text: str, asserts: str, name: str = "inline") -> Path:
    indented = "\n".join("  " + line for line in text.splitlines())
    return write_case(folder, name, f"kind: review\ntext: |\n{indented}\nassert:\n{asserts}")


def draft_case(folder: Path, asserts: str, name: str = "draft", sections: str = '["1.3"]') -> Path:
    return write_case(folder, name, f"kind: draft\ndata: {EDUCATION}\nsections: {sections}\nassert:\n{asserts}")


def run(cases: list[Path], **settings: Any) -> list[CaseResult]:
    results, _ = asyncio.run(evaluate(load_cases(cases), Settings(**settings)))
    return results


def eval_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["eval", *argv])
    out, err = capsys.readouterr()
    return code, out, err


# -- cases ------------------------------------------------------------------------------------


def test_every_family_named_in_cases_has_a_grader() -> None:
    assert set(FAMILIES) == set(assertions.FAMILIES) | {"rubric"}


def test_not_prefix_and_not_flag_both_invert() -> None:
    assert Assertion.model_validate({"type": "not-contains", "value": "x"}).negate
    assert Assertion.model_validate({"type": "contains", "value": "x", "not": True}).negate
    assert not Assertion.model_validate({"type": "not-contains", "value": "x", "not": True}).negate


def test_a_typo_in_a_case_fails_with_the_file_and_field(tmp_path: Path) -> None:
    path = write_case(tmp_path, "typo", "kind: review\ntext: 报告\nasert:\n  - {type: contains, value: x}\n")
    with pytest.raises(InputError) as exc:
        load_case(path)
    assert str(path) in str(exc.value) and "asert" in str(exc.value)


def test_an_unknown_assertion_type_is_refused(tmp_path: Path) -> None:
    path = review_case(tmp_path, "报告", "  - {type: contain, value: x}\n")
    with pytest.raises(InputError, match="contain"):
        load_case(path)


def test_a_missing_report_file_is_refused_at_load(tmp_path: Path) -> None:
    path = write_case(tmp_path, "gone", "kind: review\nreport: nowhere.txt\nassert:\n  - {type: flags, value: x}\n")
    with pytest.raises(InputError, match="nowhere.txt"):
        load_case(path)


def test_a_bad_case_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_case(tmp_path, "bad", "kind: draft\nassert: []\n")
    code, _, err = eval_cli(capsys, str(path), "-o", str(tmp_path / "out"))
    assert code == 2
    assert str(path) in err


def test_shipped_cases_cover_three_departments_and_both_kinds() -> None:
    cases = load_cases([CASES])
    assert len(cases) >= 25
    departments = {Path(str(c.data)).stem for c in cases if c.kind == "draft" and isinstance(c.data, str)}
    assert len(departments) >= 3
    assert sum(c.kind == "review" for c in cases) >= 12
    assert any(c.scripted for c in cases)


# -- assertion families ------------------------------------------------------------------------


def test_contains_and_its_negation(tmp_path: Path) -> None:
    path = review_case(
        tmp_path,
        "综合评价：自评得分78.5分，评价等级为良。",
        "  - {type: contains, value: tables.grade}\n  - {type: not-contains, value: tables.grade}\n",
    )
    [result] = run([path])
    # The review's output text lists its findings; "contains" looks there.
    first, second = result.runs[0].assertions
    assert (first.passed, first.score, second.passed, second.score) == (True, 1.0, False, 0.0)
    assert second.reason.startswith("（取反）")


def test_flags_needs_a_finding_of_the_category_over_the_quote(tmp_path: Path) -> None:
    path = review_case(
        tmp_path,
        "综合评价：自评得分78.5分，评价等级为良。另一项自评得分92分，评价等级为优。",
        "  - {type: flags, category: contradiction, value: 78.5分}\n"
        "  - {type: flags, category: typo, value: 78.5分}\n"
        "  - {type: no-flag, value: 92分，评价等级为优}\n"
        "  - {type: flags, value: 文中没有的话}\n",
    )
    [result] = run([path])
    verdicts = [a.passed for a in result.runs[0].assertions]
    assert verdicts == [True, False, True, False]
    assert "找不到" in result.runs[0].assertions[3].reason


def test_grounded_numbers_and_covers_facts_on_an_offline_draft(tmp_path: Path) -> None:
    path = draft_case(
        tmp_path,
        "  - {type: grounded-numbers}\n"
        "  - {type: covers-facts, value: [budget.executed, budget.execution_rate]}\n"
        "  - {type: covers-facts, value: [p9.executed]}\n",
    )
    [result] = run([path])
    grounded, covered, unknown = result.runs[0].assertions
    assert grounded.passed and covered.passed
    assert not unknown.passed and "p9.executed" in unknown.reason


def test_grounded_numbers_names_an_invented_figure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken_draft(monkeypatch, "全年执行数38909.5万元，预算执行率97.3%。")
    [result] = run([draft_case(tmp_path, "  - {type: grounded-numbers}\n")])
    [grounded] = result.runs[0].assertions
    assert not grounded.passed and "97.3%" in grounded.reason
    assert grounded.score == 0.5


def test_no_vague_uses_the_wording_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken_draft(monkeypatch, "本年度各项工作取得良好成效。")
    [result] = run([draft_case(tmp_path, "  - {type: no-vague}\n  - {type: length, min: 1, max: 5}\n")])
    vague, length = result.runs[0].assertions
    assert not vague.passed and "取得良好成效" in vague.reason
    assert not length.passed and "实际" in length.reason


def test_rubric_is_skipped_with_a_reason_when_there_is_no_model(tmp_path: Path) -> None:
    [result] = run([draft_case(tmp_path, "  - {type: rubric, value: 结论要有数据支撑}\n")])
    [rubric] = result.runs[0].assertions
    assert rubric.skipped and "没有配置模型" in rubric.reason
    assert result.status == "skipped" and result.pass_rate == 0.0  # ungraded is not a pass


def test_a_skipped_case_is_shown_as_skipped_not_passed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = draft_case(tmp_path, "  - {type: contains, value: 万元}\n  - {type: rubric, value: 结论要有数据支撑}\n")
    code, out, _ = eval_cli(capsys, str(case), "-o", str(tmp_path / "out"))
    row = next(line for line in out.splitlines() if line.startswith("| draft |"))
    assert "| 跳过 |" in row and "| 0%（0/1） |" in row and "1/2（跳过 1）" in row
    assert "通过 0 个，跳过 1 个" in out and "- 跳过" in out
    assert code == 0  # nothing failed: listed, but not a failed run
    page = (tmp_path / "out" / "summary.html").read_text(encoding="utf-8")
    assert "跳过 1 个" in page and "（跳过）" in page


def test_a_grader_that_crashes_fails_its_assertion_not_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(a: Assertion, s: assertions.Subject) -> assertions.Verdict:
        raise RuntimeError("grader bug")

    monkeypatch.setitem(assertions.FAMILIES, "contains", boom)
    [result] = run([draft_case(tmp_path, "  - {type: contains, value: 万元}\n")])
    assert result.status == "fail" and "grader bug" in result.runs[0].assertions[0].reason


# -- scripted model -----------------------------------------------------------------------------


def test_scripted_model_answers_by_the_hash_of_the_exact_messages() -> None:
    messages = [{"role": "user", "content": "请起草"}]
    expected = prompt_hash(messages)
    assert expected == hashlib.sha256(json.dumps(messages, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    model = ScriptedModel([ScriptEntry(prompt_hash=expected, output="答案")])
    got = asyncio.run(model.complete(messages, template="t", template_hash="h"))
    assert got.text == "答案"
    with pytest.raises(StaleScript) as exc:
        asyncio.run(model.complete([{"role": "user", "content": "改过的提示"}], template="draft/x", template_hash="h"))
    assert exc.value.template == "draft/x"


def test_shipped_scripted_cases_replay_without_a_model(repo: Path) -> None:
    results = run([Path(p) for p in SCRIPTED_DRAFTS])
    assert results and all(r.status == "pass" for r in results)
    assert all(r.runs[0].output.model == "scripted" for r in results)


def test_editing_a_prompt_marks_its_scripted_cases_stale(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts = tmp_path / "prompts"
    shutil.copytree(REPO / "prompts", prompts)
    template = prompts / "draft" / "evaluation_conclusion.md.j2"
    source = template.read_text(encoding="utf-8")
    template.write_text(source.replace("{% endblock %}", "请写得更简洁。{% endblock %}"), encoding="utf-8")
    code, out, err = eval_cli(capsys, *SCRIPTED_DRAFTS, "--prompts", str(prompts), "-o", str(tmp_path / "out"))
    assert code == 1
    results = {c["id"]: c for c in json.loads((tmp_path / "out" / "results.json").read_text())["cases"]}
    assert results["draft-scripted-rubric-conclusion"]["status"] == "stale"
    assert results["draft-scripted-health-invented-figure"]["stale_templates"] == ["draft/evaluation_conclusion"]
    # A case whose prompt did not change still replays.
    assert results["draft-scripted-education-budget"]["status"] == "pass"
    assert "过期" in out and "draft/evaluation_conclusion" in out


def test_record_writes_a_sibling_file_and_leaves_the_case_alone(
    tmp_path: Path, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "home"))
    fake_openai.default = "本年度全年执行数{budget.executed}，预算执行率{budget.execution_rate}。"
    case = draft_case(tmp_path, "  - {type: contains, value: 38909.5万元}\n", name="recorded")
    before = case.read_text(encoding="utf-8")
    code, _, _ = eval_cli(
        capsys, str(case), "--record", "--model", "m", "--base-url", fake_openai.base_url, "--no-cache",
        "-o", str(tmp_path / "out"), "--baseline", str(tmp_path / "b.json"), "--update-baseline",
    )  # fmt: skip
    assert code == 0
    assert case.read_text(encoding="utf-8") == before
    sibling = yaml.safe_load((tmp_path / "recorded.scripted.yaml").read_text(encoding="utf-8"))
    assert sibling["source"] == "录制" and sibling["model"] == "m"
    assert sibling["recorded"] == datetime.date.today() and sibling["scripted"][0]["prompt_hash"]
    requests = len(fake_openai.chat_requests)
    # Replayed offline from the recording: no model, no request, same verdict, and the summary names the origin.
    [result] = run([case])
    assert result.status == "pass" and result.runs[0].output.model == "scripted"
    assert result.script == f"录制：m，{datetime.date.today()}"
    assert len(fake_openai.chat_requests) == requests


def test_shipped_scripted_files_are_hand_written_and_say_so() -> None:
    scripted = sorted(CASES.glob("*.scripted.yaml"))
    assert len(scripted) == 4
    for path in scripted:
        body = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert body["source"] == "手写" and body["note"], path
        assert "--record 生成" not in path.read_text(encoding="utf-8")
    for case in load_cases([CASES]):
        assert case.script_source == ("手写" if case.scripted else None), case.id


def test_a_scripted_file_must_say_where_its_answers_came_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = draft_case(tmp_path, "  - {type: contains, value: 万元}\n", name="c")
    entry = "scripted:\n- {prompt_hash: abc, output: 答案}\n"
    sibling = tmp_path / "c.scripted.yaml"
    for header, complaint in (
        ("", "source"),
        ("source: 录制\n", "recorded"),
        ("source: 手写\nmodel: gpt-x\n", "手写的输出不应写 model"),
        ("source: 人工\n", "source"),
    ):
        sibling.write_text(header + entry, encoding="utf-8")
        code, _, err = eval_cli(capsys, str(case), "-o", str(tmp_path / "out"))
        assert code == 2, header
        assert str(sibling) in err and complaint in err, err
    sibling.write_text("source: 录制\nmodel: gpt-x\nrecorded: 2026-11-30\n" + entry, encoding="utf-8")
    assert load_case(case).script_source == "录制：gpt-x，2026-11-30"


def test_record_without_a_model_is_unusable_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = draft_case(tmp_path, "  - {type: contains, value: 万元}\n")
    code, _, err = eval_cli(capsys, str(case), "--record", "-o", str(tmp_path / "out"))
    assert code == 2 and "--record" in err


# -- runs: repeats, concurrency, separate grading ----------------------------------------------


class _Alternating:
    """A model whose answers alternate between one that says what the case asks and one that leaves it out (both
    state the section's required facts, so drafting keeps them), counting calls in flight."""

    name = "alternating"

    def __init__(self) -> None:
        self.calls = 0
        self.in_flight = 0
        self.max_in_flight = 0

    async def complete(self, messages: list[dict[str, Any]], **kw: Any) -> Completion:
        self.calls += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        for _ in range(20):  # yield to the loop so other cases can start (no timers, no wall clock)
            await asyncio.sleep(0)
        self.in_flight -= 1
        plain = "本年度全年预算{budget.total}，全年执行数{budget.executed}。"
        return Completion(text=plain + ("资金使用规范。" if self.calls % 2 else ""), model=self.name)

    async def structured(self, *a: Any, **kw: Any) -> Any:
        raise AssertionError("not used")


def test_repeats_give_a_per_case_pass_rate(tmp_path: Path) -> None:
    case = draft_case(tmp_path, "  - {type: contains, value: 资金使用规范}\n")
    model = _Alternating()
    [result] = run([case], model=model, repeat=4, concurrency=1)
    assert len(result.runs) == 4
    assert result.pass_rate == 0.5 and result.status == "fail"


def test_concurrency_bounds_the_cases_in_flight(tmp_path: Path) -> None:
    cases = [draft_case(tmp_path, "  - {type: length, min: 1}\n", name=f"c{i}") for i in range(5)]
    model = _Alternating()
    run(cases, model=model, concurrency=2)
    assert model.max_in_flight == 2


def test_grading_saved_outputs_does_not_generate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    case = draft_case(tmp_path, "  - {type: contains, value: 38909.5万元}\n")
    out = tmp_path / "out"
    code, _, _ = eval_cli(
        capsys, str(case), "-o", str(out), "--baseline", str(tmp_path / "b.json"), "--update-baseline"
    )
    assert code == 0
    saved = json.loads((out / "outputs.json").read_text(encoding="utf-8"))
    saved["outputs"][0]["sections"][0]["text"] = "改过的输出"
    (tmp_path / "edited.json").write_text(json.dumps(saved, ensure_ascii=False), encoding="utf-8")

    def no_generation(*a: Any, **kw: Any) -> Draft:
        raise AssertionError("grading saved outputs must not draft")

    monkeypatch.setattr(assistant.drafting.pipeline, "draft_report", no_generation)
    code, out_text, _ = eval_cli(
        capsys, str(case), "--outputs", str(tmp_path / "edited.json"), "-o", str(tmp_path / "regraded"),
        "--baseline", str(tmp_path / "b.json"),
    )  # fmt: skip
    assert code == 1 and "回归" in out_text


# -- baseline -----------------------------------------------------------------------------------


def _result(cid: str, rate: float, path: str = "eval_cases/x.yaml") -> CaseResult:
    return CaseResult(id=cid, kind="review", path=path, status="pass" if rate == 1 else "fail", pass_rate=rate, runs=[])


def test_compare_sorts_cases_into_regressions_improvements_new_and_removed(tmp_path: Path) -> None:
    gone = tmp_path / "gone.yaml"
    base = Baseline(
        cases={
            "a": BaselineCase(path="a.yaml", status="pass", pass_rate=1.0),
            "b": BaselineCase(path="b.yaml", status="fail", pass_rate=0.0),
            "c": BaselineCase(path="c.yaml", status="fail", pass_rate=0.0),
            "d": BaselineCase(path=str(gone), status="pass", pass_rate=1.0),
        }
    )
    known = _result("c", 0.0).model_copy(update={"known_failure": "规则尚未覆盖这种写法"})
    cmp = compare(base, [_result("a", 0.0), _result("b", 1.0), known, _result("e", 1.0)], 1.0)
    assert [c.id for c in cmp.regressions] == ["a"]
    assert [c.id for c in cmp.improvements] == ["b"]
    assert [(c.id, c.detail) for c in cmp.known_failures] == [("c", "规则尚未覆盖这种写法")]
    assert [c.id for c in cmp.new] == ["e"]
    assert [c.id for c in cmp.removed] == ["d"]
    assert cmp.failed


def test_a_model_run_above_threshold_is_not_a_regression() -> None:
    base = Baseline(cases={"a": BaselineCase(path="a.yaml", status="pass", pass_rate=1.0)})
    assert not compare(base, [_result("a", 0.9)], 0.8).failed
    assert [c.id for c in compare(base, [_result("a", 0.6)], 0.8).regressions] == ["a"]


def test_a_failure_the_baseline_approved_still_fails_unless_the_case_says_why() -> None:
    assert compare(None, [_result("n", 0.0)], 1.0).failed
    base = baseline_from([_result("k", 0.0)], None)
    unexplained = compare(base, [_result("k", 0.0)], 1.0)
    assert unexplained.failed and [c.id for c in unexplained.unexplained] == ["k"]
    declared = _result("k", 0.0).model_copy(update={"known_failure": "等待数据补齐"})
    assert not compare(base, [declared], 1.0).failed
    assert not compare(None, [declared], 1.0).failed  # a new case may also declare it


def test_a_known_failure_that_passes_asks_for_its_mark_to_be_removed() -> None:
    cleared = _result("k", 1.0).model_copy(update={"known_failure": "等待数据补齐"})
    cmp = compare(baseline_from([_result("k", 0.0)], None), [cleared], 1.0)
    assert not cmp.failed and [c.id for c in cmp.cleared] == ["k"] and "known_failure" in cmp.cleared[0].detail


def test_a_known_failure_mark_does_not_hide_a_regression() -> None:
    broke = _result("k", 0.0).model_copy(update={"known_failure": "随便写个理由"})
    cmp = compare(baseline_from([_result("k", 1.0)], None), [broke], 1.0)
    assert cmp.failed and [c.id for c in cmp.regressions] == ["k"]


# -- the shipped cases against the committed baseline --------------------------------------------


def test_shipped_cases_pass_against_the_committed_baseline(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = eval_cli(capsys, "-o", str(tmp_path / "out"))
    assert code == 0, out
    for case in load_cases([CASES]):
        assert f"| {case.id} |" in out
        assert f"{case.id}：" in err  # a progress line per case
        if case.known_failure:
            assert f"- 已知失败：{case.id}（{case.known_failure}）" in out
    for name in ("outputs.json", "results.json", "summary.md", "summary.html"):
        assert (tmp_path / "out" / name).exists()


def broken_draft(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    """Make the drafting pipeline return ``text`` for every section (a deliberately broken draft)."""
    original: Callable[..., Any] = assistant.drafting.pipeline.draft_report

    async def broken(data: Any, **kw: Any) -> Draft:
        real = await original(data, **kw)
        sections = [
            DraftSection(id=s.id, title=s.title, level=s.level, text=text, source="model") for s in real.sections
        ]
        return real.model_copy(update={"sections": sections, "findings": []})

    monkeypatch.setattr(assistant.drafting.pipeline, "draft_report", broken)


def test_a_broken_draft_is_a_regression_against_the_baseline(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken_draft(monkeypatch, "本年度各项工作取得良好成效，预算执行率达到120%。")
    code, out, _ = eval_cli(capsys, "-o", str(tmp_path / "out"))
    assert code == 1
    regressions = next(line for line in out.splitlines() if line.startswith("- 回归"))
    assert "draft-education-budget-overview" in regressions
    assert "review-water-grade" not in regressions


def test_a_broken_grader_is_a_regression_against_the_baseline(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def never_flags(a: Assertion, s: assertions.Subject) -> assertions.Verdict:
        return assertions.Verdict(False, 0.0, "broken grader")

    monkeypatch.setitem(assertions.FAMILIES, "flags", never_flags)
    code, out, _ = eval_cli(capsys, "-o", str(tmp_path / "out"))
    assert code == 1
    regressions = next(line for line in out.splitlines() if line.startswith("- 回归"))
    assert "review-water-grade" in regressions
    assert "draft-education-budget-overview" not in regressions


def test_update_baseline_approves_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = review_case(tmp_path, "自评得分78.5分，评价等级为良。", "  - {type: no-flag, value: 78.5分}\n")
    baseline = tmp_path / "baseline.json"
    args = (str(case), "-o", str(tmp_path / "out"), "--baseline", str(baseline))
    assert eval_cli(capsys, *args, "--update-baseline")[0] == 0
    approved = json.loads(baseline.read_text(encoding="utf-8"))
    assert approved["cases"]["inline"]["pass_rate"] == 0.0
    assert approved["cases"]["inline"]["path"] == "inline.yaml"  # relative to the baseline's folder
    code, out, _ = eval_cli(capsys, *args)
    assert code == 1 and "未说明原因的失败" in out  # approving a failure does not silence it
    case.write_text("known_failure: 等级规则尚未实现\n" + case.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, _ = eval_cli(capsys, *args)
    assert code == 0 and "- 已知失败：inline（等级规则尚未实现）" in out


def test_a_copy_of_the_cases_runs_from_any_folder_against_its_own_baseline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "cases"
    shutil.copytree(CASES, copy)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    # One case of the copy: the baseline beside it is found, and the cases that did not run are not "removed".
    code, out, _ = eval_cli(capsys, str(copy / "review-water-grade.yaml"))
    assert code == 0, out
    assert (elsewhere / "eval_results" / "summary.md").exists()
    assert "| review-water-grade | 审阅 | 通过 | 100%（1/1） | 1/1 | 不变 |" in out
    assert "已移除" not in out and "新增" not in out


def test_outputs_round_trip_through_json() -> None:
    o = Output(case="x", kind="review", document="文", latency_ms=3)
    assert Output.model_validate_json(o.model_dump_json()) == o


def test_without_a_cases_folder_eval_runs_the_installed_cases_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no eval_cases/ here: the shipped cases are used, and left as they are
    code, out, _ = eval_cli(capsys, "-o", str(tmp_path / "out"))
    assert code == 0, out
    assert "| review-water-grade |" in out and "已移除" not in out and "新增" not in out
    code, _, err = eval_cli(capsys, "--update-baseline", "-o", str(tmp_path / "out"))
    assert code == 2 and "只读" in err


# -- speed: shared loading, calls in flight, cached re-runs ----------------------------------------------------


def _clean_answer(body: dict[str, Any]) -> str:
    """A model that states every offered fact by placeholder: no repair round, one call per section."""
    user = body["messages"][-1]["content"]
    ids = re.findall(r"^- \{([\w.]+)\}：", user, re.M)
    return "本节数据：" + "、".join("{" + i + "}" for i in ids) + "。" if ids else "本节情况以部门材料为准。"


def _model_client(server: FakeOpenAI, home: Path, concurrency: int = 4) -> Any:
    from pydantic import SecretStr

    from assistant.llm import ModelClient, ModelConfig

    config = ModelConfig(model="m", base_url=server.base_url, api_key=SecretStr("k"), concurrency=concurrency)
    return ModelClient.open(config, path=home / "calls.sqlite")


def test_cases_sharing_a_data_file_read_it_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.evaluation.cases as cases_module

    data = tmp_path / "dept.yaml"
    shutil.copy(EDUCATION, data)
    reads: list[Path] = []
    real = cases_module.load_data
    monkeypatch.setattr(cases_module, "load_data", lambda p: reads.append(Path(p)) or real(p))
    body = f"kind: draft\ndata: {data}\nsections: ['1.3']\nassert:\n  - {{type: length, min: 1}}\n"
    loaded = load_cases([write_case(tmp_path, f"c{i}", body) for i in range(3)])
    assert reads == [data]
    assert loaded[0].report_data is loaded[2].report_data and loaded[0].facts is loaded[2].facts
    # An edited file is read again: a suite never runs on stale data.
    data.write_text(data.read_text(encoding="utf-8").replace("2024", "2024", 1) + "\n# edited\n", encoding="utf-8")
    load_cases([tmp_path / "c0.yaml"])
    assert reads == [data, data]


def test_a_run_keeps_concurrency_model_calls_in_flight_and_no_more(tmp_path: Path) -> None:
    import threading

    k = 3
    # Each answer waits until k requests are at the server together: the run only finishes if the cases keep k
    # calls in flight (a run that sent one at a time would break the barrier and fail its cases).
    barrier = threading.Barrier(k, timeout=20)

    def answer(body: dict[str, Any]) -> str:
        barrier.wait()
        return _clean_answer(body)

    sections = ["1.1", "1.2", "1.3", "1.4", "2.1", "2.2"]
    cases = [
        draft_case(tmp_path, "  - {type: grounded-numbers}\n", name=f"c{s}", sections=f"['{s}']") for s in sections
    ]
    with FakeOpenAI(default=answer) as server:
        model = _model_client(server, tmp_path, concurrency=8)
        results, outputs = asyncio.run(evaluate(load_cases(cases), Settings(model=model, concurrency=k)))
        assert server.max_in_flight == k
        assert len(server.chat_requests) == len(sections)
    assert all(r.status == "pass" for r in results), [r.runs[0].output.error for r in results]
    assert all(o.calls == 1 for o in outputs)


def test_a_cached_rerun_of_eval_makes_no_model_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    (tmp_path / "cases").mkdir()
    for s in ("1.1", "1.3", "2.1"):
        draft_case(tmp_path / "cases", "  - {type: grounded-numbers}\n", name=f"c{s}", sections=f"['{s}']")
    with FakeOpenAI(default=_clean_answer) as server:
        args = [str(tmp_path / "cases"), "--model", "m", "--base-url", server.base_url, "-o", str(tmp_path / "out")]
        first, _, _ = eval_cli(capsys, *args)
        sent = len(server.chat_requests)
        first_outputs = json.loads((tmp_path / "out" / "outputs.json").read_text(encoding="utf-8"))
        second, _, _ = eval_cli(capsys, *args)
        assert len(server.chat_requests) == sent == 3
    assert first == second == 0
    again = json.loads((tmp_path / "out" / "outputs.json").read_text(encoding="utf-8"))
    assert [o["sections"] for o in again["outputs"]] == [o["sections"] for o in first_outputs["outputs"]]
    assert all(o["cached_calls"] == o["calls"] == 1 for o in again["outputs"])


def test_a_cached_eval_never_loads_the_http_client(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    cases = tmp_path / "cases"
    cases.mkdir()
    draft_case(cases, "  - {type: grounded-numbers}\n", name="c13")
    probe = (
        "import sys, io, contextlib\n"
        "from assistant.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        "    code = main(sys.argv[1:])\n"
        "print(code, 'openai' in sys.modules)\n"
    )
    env = {**os.environ, "ASSISTANT_HOME": str(tmp_path / "home"), "OPENAI_API_KEY": "k", "PYTHONPATH": str(REPO)}
    with FakeOpenAI(default=_clean_answer) as server:
        argv = ["eval", str(cases), "--model", "m", "--base-url", server.base_url, "-o", str(tmp_path / "out")]
        runs = [
            subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, env=env, cwd=REPO)
            for _ in range(2)
        ]
    assert [r.stdout.split() for r in runs] == [["0", "True"], ["0", "False"]], [r.stderr[-500:] for r in runs]


def test_eval_concurrency_flag_sets_the_model_calls_in_flight(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import threading

    k = 6  # above the endpoint's default of 4: the flag must raise it, or the barrier is never reached
    barrier = threading.Barrier(k, timeout=20)

    def answer(body: dict[str, Any]) -> str:
        barrier.wait()
        return _clean_answer(body)

    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    (tmp_path / "cases").mkdir()
    for s in ("1.1", "1.2", "1.3", "1.4", "2.1", "2.2"):
        draft_case(tmp_path / "cases", "  - {type: grounded-numbers}\n", name=f"c{s}", sections=f"['{s}']")
    with FakeOpenAI(default=answer) as server:
        code, _, err = eval_cli(
            capsys, str(tmp_path / "cases"), "--model", "m", "--base-url", server.base_url,
            "--concurrency", str(k), "-o", str(tmp_path / "out"),
        )  # fmt: skip
        assert server.max_in_flight == k
    assert code == 0, err
