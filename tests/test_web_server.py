"""The page's server over HTTP: logins on every route, throttled failures, no server paths, users not starving."""

from __future__ import annotations

import socket
from pathlib import Path

ROOT = Path(__file__).parents[1]


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
