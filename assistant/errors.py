"""The one exception tree of the assistant.

AssistantError            anything the assistant reports to a person instead of a traceback
├── InputError            unusable input: a file, a field, a cell (CLI exit status 2)
│   └── DataValidationError   a data file that parses but breaks the schema (carries every problem)
├── ModelError            the configured model stayed unreachable or kept answering garbage (carries notes)
│   └── StructuredOutputError  no valid structured answer in any mode (carries the last answer)
└── StaleScript           an eval case's scripted answer no longer matches its prompt
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
    """The model endpoint failed for good; the message names endpoint and model, never the key.

    ``notes`` are what the client tried before giving up (fallbacks, retries), for the user's summary.
    """

    def __init__(self, message: str, *, notes: list[str] | None = None) -> None:
        super().__init__(message)
        self.notes: list[str] = list(notes or [])


class StructuredOutputError(ModelError):
    """The model never produced valid output; carries the last answer and how many were tried."""

    def __init__(self, message: str, *, last_text: str, attempts: int, notes: list[str] | None = None) -> None:
        super().__init__(message, notes=notes)
        self.last_text = last_text
        self.attempts = attempts


class StaleScript(AssistantError):
    """A scripted eval answer is missing for this prompt: the prompt or the input changed since it was recorded."""

    def __init__(self, template: str, prompt_hash: str) -> None:
        self.template = template
        self.prompt_hash = prompt_hash
        super().__init__(
            f"提示词“{template}”没有录制的输出（sha256 {prompt_hash[:12]}…）：提示词或输入已改动，"
            "请用真实模型运行 assistant eval --record 刷新脚本"
        )
