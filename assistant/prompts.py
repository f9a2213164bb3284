"""PromptSet: the one jinja2 environment of the product, and one hash of the templates a call rendered.

    prompts = PromptSet()                                   # the shipped prompts/ (or a folder given)
    text = prompts.render("draft/system.md.j2", year=2024)
    h = prompts.digest(["draft/system.md.j2", "draft/budget_overview.md.j2"])   # 16 hex, logged with the call

Every template renders with StrictUndefined, so a missing variable is an error and never an empty string. The
digest covers each template's name and source, in the order given, so "which prompt wrote this?" has one answer
for drafting, critique and the eval rubric alike. ``*.html.j2`` templates (the review page) are autoescaped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from assistant.errors import InputError
from assistant.regex_cache import cache_dir
from assistant.resources import resource_dir

_PACKAGE_TEMPLATES = Path(__file__).parent / "export" / "templates"
_CN_DIGITS = "一二三四五六七八九十"
_CLAUSE_END = "。；;，,、 "


def clause(text: str | None) -> str:
    """Text without trailing punctuation, ready to be joined into a sentence."""
    return (text or "").strip().rstrip(_CLAUSE_END).strip()


def chinese_ordinal(n: int) -> str:
    """一, 二 … 十, 十一 … for 1-based list numbering in prose (一是…二是…)."""
    if n <= 10:
        return _CN_DIGITS[n - 1]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else _CN_DIGITS[tens - 1]
    return head + "十" + (_CN_DIGITS[ones - 1] if ones else "")


def _autoescape(name: str | None) -> bool:
    return name is not None and name.endswith(".html.j2")


class _TemplateCodeCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept between runs (jinja2 checks each against its source), never an error of its own.

    Compiling the prompts costs a draft or an eval more than rendering them. A missing, corrupt or unreadable file
    is compiled anew; an unwritable folder is skipped.
    """

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Fill ``bucket`` from its file; leave it empty on any problem."""
        try:
            super().load_bytecode(bucket)
        except Exception:
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Write ``bucket`` to its file, or nothing when the folder cannot be written."""
        try:
            Path(self.directory).mkdir(parents=True, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _code_cache() -> jinja2.BytecodeCache | None:
    folder = cache_dir()
    return _TemplateCodeCache(str(folder / "templates")) if folder is not None else None


class PromptSet:
    """The templates under one prompts folder (default: the shipped one), rendered and hashed the same way."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else resource_dir("prompts")
        if not self.root.is_dir():
            raise InputError(f"提示词目录不存在：{self.root}")
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(
                [jinja2.FileSystemLoader(str(self.root)), jinja2.FileSystemLoader(str(_PACKAGE_TEMPLATES))]
            ),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            autoescape=_autoescape,
            finalize=lambda v: "" if v is None else v,
            bytecode_cache=_code_cache(),
        )
        self._sources: dict[str, tuple[str, Callable[[], bool]]] = {}
        self.env.filters["clause"] = clause
        self.env.filters["cn"] = chinese_ordinal

    def template(self, name: str) -> jinja2.Template:
        """The template ``name``; a missing one is an InputError that names the folder."""
        try:
            return self.env.get_template(name)
        except jinja2.TemplateNotFound:
            raise InputError(f"找不到提示词模板 {name}（目录 {self.root}）") from None

    def render(self, name: str, **variables: Any) -> str:
        """Render ``name`` with ``variables`` (every variable the template uses must be given)."""
        return self.template(name).render(**variables)

    def blocks(self, name: str, **variables: Any) -> dict[str, str]:
        """Each ``{% block %}`` of ``name`` rendered on its own and stripped (system/user parts of one prompt)."""
        template = self.template(name)
        context = template.new_context(variables)
        return {block: "".join(fn(context)).strip() for block, fn in template.blocks.items()}

    def source(self, name: str) -> str:
        """The template's source text (read again only when its file changed: every call hashes its prompts)."""
        known = self._sources.get(name)
        if known is not None and known[1]():
            return known[0]
        loader = self.env.loader
        assert loader is not None
        try:
            text, _, uptodate = loader.get_source(self.env, name)
        except jinja2.TemplateNotFound:
            raise InputError(f"找不到提示词模板 {name}（目录 {self.root}）") from None
        self._sources[name] = (text, uptodate or (lambda: False))
        return text

    def digest(self, names: Iterable[str]) -> str:
        """16 hex of sha256 over the names and sources of the templates one call rendered."""
        h = hashlib.sha256()
        for name in names:
            h.update(name.encode("utf-8") + b"\0" + self.source(name).encode("utf-8") + b"\0")
        return h.hexdigest()[:16]


@cache
def default_prompts() -> PromptSet:
    """The shipped prompts, loaded once per process."""
    return PromptSet()


def prompt_set(root: str | Path | None) -> PromptSet:
    """The PromptSet for ``root`` (the shipped one when None)."""
    return default_prompts() if root is None else PromptSet(root)
