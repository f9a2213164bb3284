"""Text bound for a terminal: a report's own control characters and escape sequences never reach it.

A report under review is untrusted data. Printed raw, an escape sequence inside it could clear the screen, retitle
the window, hide lines or rewrite what the reviewer sees. Only the few colour codes our own writers add survive.
"""

from __future__ import annotations

import re

# Colour and underline codes our writers use (bold, dim, underline, the 8+8 foreground colours, resets).
_SAFE_SGR = {0, 1, 2, 4, 22, 24, 39, *range(30, 38), *range(90, 98)}
_ESCAPE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI … final byte (colours, cursor moves, erase)
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC … BEL/ST (window title, hyperlinks, clipboard)
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS/SOS/PM/APC strings
    r"|\x1b[ -~]?"  # any other escape (ESC c resets the terminal); a following Chinese character is kept
    r"|[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u202a-\u202e\u2066-\u2069]"  # other C0/C1 controls, bidi overrides
)
_SGR = re.compile(r"\x1b\[(\d{1,2})m")


def for_terminal(text: str) -> str:
    """``text`` with every control character and escape sequence removed, except our own colour codes."""

    def keep(match: re.Match[str]) -> str:
        sgr = _SGR.fullmatch(match.group(0))
        return match.group(0) if sgr and int(sgr.group(1)) in _SAFE_SGR else ""

    return _ESCAPE.sub(keep, text)
