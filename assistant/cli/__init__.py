"""The command line face: one module per command, each thin; ``run`` is the console script (``main`` returns the
exit status, for callers in Python)."""

from assistant.cli.main import main, run

__all__ = ["main", "run"]
