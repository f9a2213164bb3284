"""The command line face: one module per command, each thin; ``main`` is the console script."""

from assistant.cli.main import main

__all__ = ["main"]
