"""The one exception tree of the assistant.

AssistantError            anything the assistant reports to a person instead of a traceback
├── InputError            unusable input: a file, a field, a cell (CLI exit status 2)
│   └── DataValidationError   a data file that parses but breaks the schema (carries every problem)
└── ModelError            the configured model stayed unreachable or kept answering garbage
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: its message is written for the user, in their terms."""


class InputError(AssistantError):
    """A file or value the user gave cannot be used; the message says where and what to do."""


class DataValidationError(InputError):
    """A data file broke the schema; ``problems`` lists each place as ``(location, message)``."""

    def __init__(self, path: str, problems: list[tuple[str, str]]) -> None:
        self.path = path
        self.problems = problems
        lines = [f"{path}: 数据有 {len(problems)} 处问题，请修改后重试："]
        lines += [f"  - {where}: {what}" for where, what in problems]
        super().__init__("\n".join(lines))


class ModelError(AssistantError):
    """The model endpoint failed for good; the message names endpoint and model, never the key."""
