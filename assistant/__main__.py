"""``python -m assistant``."""

from assistant.cli import run

run()
