"""Drafting and review assistant for budget performance self-evaluation reports (部门整体支出绩效自评报告).

The public API, imported lazily so ``import assistant`` (and the CLI's start-up) stays fast:

    import assistant

    data = assistant.load_data("部门数据.xlsx")               # ReportData; InputError names file, field, cell
    result = assistant.draft(data)                            # Draft: offline templates, or model=ChatModel
    result = assistant.review("报告.docx", data="部门数据.xlsx")  # Review: findings with exact spans
    suite = assistant.evaluate(["eval_cases"])                # Suite: results, comparison with the baseline
    suite = await assistant.run_suite(cases, settings)        # the same, async, for a face with its own loop

    try: ...
    except assistant.errors.InputError as exc: ...          # the one exception tree: assistant.errors
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from assistant import errors
    from assistant.budget.loader import load_data
    from assistant.drafting.pipeline import draft
    from assistant.evaluation.suite import evaluate_cases as evaluate
    from assistant.evaluation.suite import run_suite
    from assistant.reviewing.pipeline import review

# name -> (module, attribute); attribute None means the module itself.
_LAZY: dict[str, tuple[str, str | None]] = {
    "load_data": ("assistant.budget.loader", "load_data"),
    "draft": ("assistant.drafting.pipeline", "draft"),
    "review": ("assistant.reviewing.pipeline", "review"),
    "evaluate": ("assistant.evaluation.suite", "evaluate_cases"),
    "run_suite": ("assistant.evaluation.suite", "run_suite"),
    "errors": ("assistant.errors", None),
}

__all__ = ["__version__", "draft", "errors", "evaluate", "load_data", "review", "run_suite"]


def __getattr__(name: str) -> Any:
    """Import a public name on first use."""
    if name not in _LAZY:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names, for completion."""
    return sorted(set(globals()) | set(__all__))
