"""Compiled patterns and parsed packs kept between runs: the same findings warm or cold, rebuilt when damaged,
skipped when the folder cannot be written, and a pack edited since is read anew."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import regex_cache
from assistant.checks.pack_cache import PackCache

ROOT = Path(__file__).parents[1]

# An invented report with vague wording, a miswritten term and figures that do not add up.
REPORT = """\
白沙县图书馆2024年度部门整体支出绩效自评报告

一、部门基本情况
白沙县图书馆负责全县公共阅读服务，全年取得良好成效，群众满意度进一步提高。

二、部门整体收支情况
2024年全年预算300万元，其中基本支出200万元、项目支出90万元，全年执行290万元，预算执行率96.67%。
三、绩效目标完成情况
进一步加强阅读推广，不断提升服务水平，各项工作取得明显成效。
"""

PATTERNS = [
    r"((?:19|20)\d{2})\s*年度?[^。\n]{0,30}(?:绩效|自评|报告)",
    r"(?P<amount>\d+(?:\.\d+)?)\s*(?P<unit>万元|亿元|元)",
    r"(?<![一二三四五六七八九十])[一二三四五六七八九十]+、(?=\S)",
    r"[甲乙丙丁戊己庚辛壬癸]{2,}|(?:进一步|不断)(?:加强|提升)",
    r"(\w+)\s+\1",
]


def review_json(report: Path, cache: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """``assistant review --format json`` in a fresh process, with its caches in ``cache``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ASSISTANT_CACHE_DIR": str(cache)}
    return subprocess.run(
        [sys.executable, "-m", "assistant", "review", str(report), "--format", "json", *extra],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )


def test_a_pattern_rebuilt_from_its_saved_code_matches_exactly_as_compiled() -> None:
    text = "2024年度绩效自评报告：预算 300 万元、执行 290.5万元。一、甲乙丙 进一步加强 the the 词 词"
    for pattern in PATTERNS:
        fresh = re.compile(pattern)
        _, entry = regex_cache.compile_keeping_code(pattern)
        assert entry is not None
        saved = [*json.loads(json.dumps(entry[:4])), memoryview(entry[4])]  # as it comes back from the file
        rebuilt = regex_cache.from_code(pattern, saved)
        assert rebuilt is not None
        assert (rebuilt.pattern, rebuilt.flags, rebuilt.groups, rebuilt.groupindex) == (
            fresh.pattern,
            fresh.flags,
            fresh.groups,
            fresh.groupindex,
        )
        assert [m.span() + m.groups() for m in rebuilt.finditer(text)] == [
            m.span() + m.groups() for m in fresh.finditer(text)
        ]


def test_damaged_code_is_refused_and_an_invalid_pattern_raises_as_re_does() -> None:
    _, entry = regex_cache.compile_keeping_code(PATTERNS[0])
    assert entry is not None
    code = entry[4]
    for damaged in (code[:-4], code[:-1], bytes(len(code)), code[:8] + b"\xff\xff\xff\x7f" + code[12:]):
        assert regex_cache.from_code(PATTERNS[0], [*entry[:4], damaged]) is None
    with pytest.raises(re.error):
        regex_cache.compile_keeping_code("(未闭合")


def test_a_command_compiles_nothing_on_its_second_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import re._compiler as compiler  # type: ignore[import-not-found]

    monkeypatch.setenv("ASSISTANT_CACHE_DIR", str(tmp_path))
    pattern = r"第[一二三四五六七八九十]+条(?:规定|要求)[^。]{0,12}白沙县"
    regex_cache.warm("testcmd")
    re.compile(pattern)
    regex_cache.remember("testcmd")
    re.purge()

    calls: list[str] = []
    real = compiler.compile
    monkeypatch.setattr(compiler, "compile", lambda p, flags=0: calls.append(p) or real(p, flags))
    assert regex_cache.warm("testcmd") >= 1
    assert re.compile(pattern).fullmatch("第十二条规定图书馆由白沙县")
    assert pattern not in calls


def test_a_corrupt_cache_file_is_ignored_and_rewritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_CACHE_DIR", str(tmp_path))
    regex_cache.warm("corrupt")
    re.compile(r"白沙县[^，。]{2,6}馆")
    regex_cache.remember("corrupt")
    (saved,) = tmp_path.glob("regex-corrupt-*.cache")
    saved.write_bytes(saved.read_bytes()[:-40] + b"\x00garbage")
    re.purge()
    assert regex_cache.warm("corrupt") == 0  # refused, silently
    re.compile(r"白沙县[^，。]{2,6}馆")
    regex_cache.remember("corrupt")
    assert regex_cache.warm("corrupt") >= 1


def test_the_pack_cache_keys_packs_by_content_and_first_characters_by_engine_version(tmp_path: Path) -> None:
    cache = PackCache(tmp_path)
    cache.add_pack("a" * 64, {"rules": [{"id": "x.y", "tokens": ["甲"]}]})
    cache.add_pack("b" * 64, {"when": object()})  # not JSON: never cached
    cache.compile(r"[甲乙]{2}")
    assert cache.first_chars(r"[甲乙]{2}", lambda p: {"甲", "乙"}, "v1") == {"甲", "乙"}
    cache.save()
    again = PackCache(tmp_path)
    assert again.pack("a" * 64) == {"rules": [{"id": "x.y", "tokens": ["甲"]}]}
    assert again.pack("b" * 64) is None and again.pack("c" * 64) is None
    assert again.compile(r"[甲乙]{2}").fullmatch("乙甲")
    asked: list[str] = []
    assert again.first_chars(r"[甲乙]{2}", lambda p: asked.append(p) or set(), "v1") == {"甲", "乙"} and not asked
    assert again.first_chars(r"[甲乙]{2}", lambda p: asked.append(p) or {"乙"}, "v2") == {"乙"} and asked


def test_a_review_finds_the_same_cold_warm_damaged_and_unwritable(tmp_path: Path) -> None:
    report = tmp_path / "r.txt"
    report.write_text(REPORT, encoding="utf-8")
    cache = tmp_path / "cache"
    cold = review_json(report, cache)
    assert cold.returncode in (0, 1) and cold.stderr == "", cold.stderr
    assert json.loads(cold.stdout)["findings"], "the report was written to be flagged"
    files = sorted(cache.iterdir())
    assert [f.name.split("-")[0] for f in files] == ["regex", "wording"]

    warm = review_json(report, cache)
    assert (warm.returncode, warm.stdout, warm.stderr) == (cold.returncode, cold.stdout, "")

    for f in files:  # damaged: truncated and altered
        f.write_bytes(f.read_bytes()[: len(f.read_bytes()) // 2])
    damaged = review_json(report, cache)
    assert (damaged.returncode, damaged.stdout, damaged.stderr) == (cold.returncode, cold.stdout, "")
    assert all(regex_cache.read_cache(f) is not None for f in files)  # rewritten whole

    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    unwritable = review_json(report, blocked / "cache")
    assert (unwritable.returncode, unwritable.stdout, unwritable.stderr) == (cold.returncode, cold.stdout, "")


def test_an_extra_pack_edited_between_runs_is_read_anew(tmp_path: Path) -> None:
    report = tmp_path / "r.txt"
    report.write_text(REPORT, encoding="utf-8")
    pack = tmp_path / "mine.yaml"
    config = tmp_path / "config.yaml"
    config.write_text(f"packs: [{json.dumps(str(pack))}]\n", encoding="utf-8")

    def flagged(token: str) -> list[str]:
        pack.write_text(
            "rules:\n  - id: mine.word\n    kind: existence\n    category: vague_wording\n"
            f"    message: '“{{match}}”'\n    tokens: [{token}]\n",
            encoding="utf-8",
        )
        done = review_json(report, tmp_path / "cache", "--config", str(config))
        assert done.stderr == "", done.stderr
        return [f["quote"] for f in json.loads(done.stdout)["findings"] if f["rule"] == "mine.word"]

    assert flagged("公共阅读") == ["公共阅读"]
    assert flagged("服务水平") == ["服务水平"]  # the same path, new bytes: not the cached pack
    assert flagged("公共阅读") == ["公共阅读"]


def test_the_review_compiles_the_same_pattern_texts_under_any_hash_seed(tmp_path: Path) -> None:
    # Patterns assembled from sets (the wording packs' one-regex finders) must come out as the same text in every
    # process: otherwise each start compiles them anew and the compiled-pattern cache never finds them. Ours are
    # the patterns holding Chinese (the standard library's tokenizer builds one from a set too; not ours).
    report = tmp_path / "r.txt"
    report.write_text(REPORT, encoding="utf-8")
    script = (
        "import hashlib, re, sys\n"
        "from assistant.reviewing import review\n"
        "review(sys.argv[1])\n"
        "texts = sorted(k[1] for k in list(re._cache) if isinstance(k[1], str) and re.search('[\\u4e00-\\u9fff]', k[1]))\n"
        "print(len(texts), hashlib.sha256('\\0'.join(texts).encode()).hexdigest())\n"
    )

    def run(seed: str) -> str:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "ASSISTANT_CACHE_DIR": str(tmp_path / seed),
            "PYTHONHASHSEED": seed,
        }
        done = subprocess.run(
            [sys.executable, "-c", script, str(report)], capture_output=True, text=True, cwd=ROOT, env=env, check=True
        )
        return done.stdout

    first = run("1")
    assert int(first.split()[0]) > 50
    assert run("2") == first == run("3")


def test_a_second_start_under_another_hash_seed_does_not_rewrite_the_cache(tmp_path: Path) -> None:
    # The standard library's tokenizer (reached through pydantic, for a model whose default factory is a builtin)
    # builds a pattern from a set: a different text under every hash seed. Saving it would rewrite the whole cache
    # file at the end of every run, which costs a command more than the cache saves it.
    script = (
        "import re, sys, tokenize\n"
        "from assistant import regex_cache\n"
        "regex_cache.warm('seeded')\n"
        "re.compile(r'白沙县[^，。]{2,6}馆')\n"
        "list(tokenize.generate_tokens(iter(['x = 1\\n']).__next__))\n"
        "regex_cache.remember('seeded')\n"
    )

    def run(seed: str) -> int:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "ASSISTANT_CACHE_DIR": str(tmp_path), "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True)
        (saved,) = tmp_path.glob("regex-seeded-*.cache")
        return saved.stat().st_mtime_ns

    first = run("1")
    assert run("2") == first
    assert run("3") == first
