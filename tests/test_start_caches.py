"""What a draft or an eval keeps between runs to start sooner — parsed data files and compiled prompt templates —
gives the same results as a cold start, is rebuilt when damaged, skipped when the folder cannot be written, and
never serves a file or a template that was edited since."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.budget import yaml_cache, yamlfile
from assistant.budget.loader import load_data
from assistant.errors import DataValidationError
from assistant.prompts import PromptSet

DATA = """\
year: 2024
money_unit: 万元
department:
  name: 青石县文化馆
budget:
  basic: 420.5
  project: 180
projects:
  - name: 送戏下乡
    total_budget: 60
    executed: 54.2
"""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("ASSISTANT_CACHE_DIR", str(folder))
    return folder


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = yamlfile.parse_yaml

    def counting(text: str, p: Path) -> object:
        seen.append(text)
        return real(text, p)

    monkeypatch.setattr(yamlfile, "parse_yaml", counting)
    return seen


def test_a_data_file_read_twice_is_parsed_once_and_reads_the_same(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "in", "d.yaml", DATA)
    parses = _count_parses(monkeypatch)
    cold = load_data(path)
    warm = load_data(path)
    assert len(parses) == 1
    assert warm == cold
    assert warm.projects[0].executed == cold.projects[0].executed


def test_an_edited_data_file_is_parsed_anew(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "in", "d.yaml", DATA)
    parses = _count_parses(monkeypatch)
    load_data(path)
    path.write_text(DATA.replace("executed: 54.2", "executed: 58.9"), encoding="utf-8")
    assert str(load_data(path).projects[0].executed) == "58.9万元"
    assert len(parses) == 2


def test_an_error_found_after_a_warm_read_still_names_its_line(cache: Path, tmp_path: Path) -> None:
    # The same text parses cleanly (so it is cached) but fails validation: the line comes from a fresh parse.
    path = _write(tmp_path / "in", "d.yaml", DATA.replace("executed: 54.2", "executed: -54.2"))
    messages = []
    for _ in range(2):
        with pytest.raises(DataValidationError) as info:
            load_data(path)
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert "第 11 行" in messages[1]


def test_a_damaged_entry_is_ignored_and_rewritten(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "in", "d.yaml", DATA)
    cold = load_data(path)
    entries = list((cache / "yaml").glob("*.json"))
    assert len(entries) == 1
    entries[0].write_text('{"year": 20', encoding="utf-8")
    parses = _count_parses(monkeypatch)
    assert load_data(path) == cold
    assert len(parses) == 1
    assert load_data(path) == cold
    assert len(parses) == 1  # rewritten whole by the read that found it damaged


def test_a_cache_path_that_is_a_file_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A folder that cannot be made (here a file stands in its way; root ignores permissions) is skipped.
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_CACHE_DIR", str(blocker))
    path = _write(tmp_path / "in", "d.yaml", DATA)
    for _ in range(2):
        assert str(load_data(path).budget.basic) == "420.5万元"
        text = PromptSet().render("draft/system.md.j2", department="青石县文化馆", year=2024)
        assert "青石县文化馆" in text and "2024" in text
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_values_json_would_change_are_not_kept(cache: Path, tmp_path: Path) -> None:
    raw, _ = yaml_cache.parse_yaml_cached("1: 一\n2: 二\n", tmp_path / "keys.yaml")
    assert raw == {1: "一", 2: "二"}
    assert not list((cache / "yaml").glob("*.json"))
    again, _ = yaml_cache.parse_yaml_cached("1: 一\n2: 二\n", tmp_path / "keys.yaml")
    assert again == {1: "一", 2: "二"}  # integer keys stay integers: parsed each time


def _prompts(folder: Path, body: str) -> PromptSet:
    _write(folder / "draft", "t.md.j2", body)
    return PromptSet(folder)


def test_a_template_renders_the_same_from_its_kept_code_and_from_source(cache: Path, tmp_path: Path) -> None:
    body = "{{ department }}{{ year }}年度：{% for x in items %}{{ loop.index | cn }}是{{ x | clause }}；{% endfor %}"
    values = {"department": "青石县文化馆", "year": 2024, "items": ["送戏下乡。", "公益培训"]}
    cold = _prompts(tmp_path / "p", body).render("draft/t.md.j2", **values)
    assert list((cache / "templates").iterdir()), "the compiled template is kept"
    warm = _prompts(tmp_path / "p", body).render("draft/t.md.j2", **values)
    assert cold == warm == "青石县文化馆2024年度：一是送戏下乡；二是公益培训；"


def test_an_edited_template_renders_its_new_text(cache: Path, tmp_path: Path) -> None:
    assert _prompts(tmp_path / "p", "旧：{{ year }}").render("draft/t.md.j2", year=2024) == "旧：2024"
    assert _prompts(tmp_path / "p", "新：{{ year }}").render("draft/t.md.j2", year=2024) == "新：2024"


def test_damaged_template_code_is_compiled_anew(cache: Path, tmp_path: Path) -> None:
    _prompts(tmp_path / "p", "第{{ year }}年").render("draft/t.md.j2", year=2024)
    for f in (cache / "templates").iterdir():
        f.write_bytes(f.read_bytes()[:20])
    assert _prompts(tmp_path / "p", "第{{ year }}年").render("draft/t.md.j2", year=2025) == "第2025年"
    for f in (cache / "templates").iterdir():
        f.write_bytes(b"\x00" * 40)
    assert _prompts(tmp_path / "p", "第{{ year }}年").render("draft/t.md.j2", year=2026) == "第2026年"


def test_the_prompt_hash_follows_an_edit_within_one_prompt_set(cache: Path, tmp_path: Path) -> None:
    prompts = _prompts(tmp_path / "p", "版本一 {{ year }}")
    before = prompts.digest(["draft/t.md.j2"])
    assert prompts.digest(["draft/t.md.j2"]) == before
    path = tmp_path / "p" / "draft" / "t.md.j2"
    path.write_text("版本二 {{ year }}", encoding="utf-8")
    stamp = path.stat().st_mtime + 2
    os.utime(path, (stamp, stamp))
    assert prompts.digest(["draft/t.md.j2"]) != before
    assert prompts.render("draft/t.md.j2", year=2024) == "版本二 2024"


def test_the_kept_data_files_are_bounded_oldest_first(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(yaml_cache, "MAX_ENTRIES", 3)
    for n in range(6):
        path = _write(tmp_path / "in", f"d{n}.yaml", DATA.replace("executed: 54.2", f"executed: 5{n}.5"))
        load_data(path)
        for e in (cache / "yaml").glob("*.json"):  # distinct ages on any file system's clock
            stamp = e.stat().st_mtime - 10
            os.utime(e, (stamp, stamp))
    kept = list((cache / "yaml").glob("*.json"))
    assert len(kept) == 3
    parses = _count_parses(monkeypatch)
    assert str(load_data(tmp_path / "in" / "d5.yaml").projects[0].executed) == "55.5万元"
    assert parses == []  # the newest is among those kept
    load_data(tmp_path / "in" / "d0.yaml")
    assert len(parses) == 1  # the oldest was let go
