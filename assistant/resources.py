"""Where the shipped files live: prompts, examples and eval cases, in a wheel or in a checkout.

A wheel carries them inside the package (``assistant/_bundled/<name>``, copied there at build time by
``setup.py``); an editable install or a checkout reads the top-level folders the design puts them in.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from assistant.errors import AssistantError

Bundle = Literal["prompts", "examples", "eval_cases"]
BUNDLED = "_bundled"


@cache
def resource_dir(name: Bundle) -> Path:
    """The folder of shipped ``name`` files (bundled in the package first, else the checkout's top level)."""
    package = Path(str(resources.files("assistant")))
    for candidate in (package / BUNDLED / name, package.parent / name):
        if candidate.is_dir():
            return candidate
    raise AssistantError(f"安装不完整：找不到随程序分发的 {name} 目录，请重新安装 budget-report-assistant")
