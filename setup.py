"""Build hook: ship the top-level prompts/, examples/ and eval_cases/ inside the wheel.

The checkout keeps them where the design puts them (top level, next to the package); a regular install has no
checkout, so ``build_py`` copies them into ``assistant/_bundled/`` of the build, where
``assistant.resources.resource_dir`` looks first. Everything else about the project is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

BUNDLED = ("prompts", "examples", "eval_cases")
ROOT = Path(__file__).resolve().parent


class BuildPyWithResources(build_py):
    """build_py, then copy the shipped folders into the built package."""

    def run(self) -> None:
        super().run()
        # An editable install reads the checkout's folders directly; copying would leave a stale second set.
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "assistant" / "_bundled"
        for name in BUNDLED:
            source = ROOT / name
            if not source.is_dir():
                raise SystemExit(f"build: {source} is missing; the wheel must ship {name}/")
            destination = target / name
            if destination.exists():
                shutil.rmtree(destination)
            shutil.copytree(source, destination, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildPyWithResources})
