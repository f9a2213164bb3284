"""The login gate: with a password set, every route needs a login, and failed logins are throttled.

Gradio checks the login on most of its API routes but not all (heartbeats, the queue's cancel and reset, run
history, monitoring keys …), and a new gradio version may add more. So this ASGI middleware wraps the whole app
and lets through, without a login, only what the login page itself needs: the page, its static files, and the
login form — which it throttles per client address. Without a password it does nothing.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.requests import HTTPConnection

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_FAILURES = 5
WINDOW_SECONDS = 300.0
_OPEN_EXACT = {
    "/",
    "/login",
    "/login/",
    "/logout",
    "/favicon.ico",
    "/theme.css",
    "/gradio_api/theme.css",
    "/manifest.json",
    "/robots.txt",
    "/gradio_api/login_check",
    "/gradio_api/login_check/",
    "/gradio_api/startup-events",  # launch() calls it itself; it only runs the startup hooks, once, and says so
}
_OPEN_PREFIXES = ("/assets/", "/static/", "/svelte/", "/pwa_icon", "/gradio_api/static/")


class Throttle:
    """Failed logins per client address in a sliding window; too many and the address waits."""

    def __init__(self, limit: int = MAX_FAILURES, window: float = WINDOW_SECONDS) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, who: str, now: float | None = None) -> float:
        """Seconds ``who`` must still wait (0 when allowed to try)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            recent = self._failures.get(who)
            if not recent:
                return 0.0
            while recent and now - recent[0] > self.window:
                recent.popleft()
            if len(recent) < self.limit:
                return 0.0
            return max(0.0, self.window - (now - recent[0]))

    def failed(self, who: str, now: float | None = None) -> None:
        """Record a failed login."""
        with self._lock:
            self._failures.setdefault(who, deque()).append(time.monotonic() if now is None else now)

    def succeeded(self, who: str) -> None:
        """Forget the failures of an address that logged in."""
        with self._lock:
            self._failures.pop(who, None)


class LoginGate:
    """ASGI middleware: refuse every route but the login page's own unless the request carries a login."""

    def __init__(self, app: ASGIApp, throttle: Throttle | None = None) -> None:
        self.app = app
        self.throttle = throttle or Throttle()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, refuse it (401), or — for too many failed logins — make it wait (429)."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        gradio_app = scope.get("app")
        if getattr(gradio_app, "auth", None) is None and getattr(gradio_app, "auth_dependency", None) is None:
            await self.app(scope, receive, send)
            return
        path = _route(scope)
        if path in ("/login", "/login/") and scope.get("method") == "POST":
            await self._login(scope, receive, send)
            return
        if path in _OPEN_EXACT or path.startswith(_OPEN_PREFIXES) or _logged_in(scope, gradio_app):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        await _json(send, 401, {"detail": "请先登录"})

    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        who = (scope.get("client") or ("?", 0))[0]
        wait = self.throttle.blocked(who)
        if wait > 0:
            minutes = max(1, round(wait / 60))
            await _json(
                send, 429, {"detail": f"登录失败次数过多，请 {minutes} 分钟后再试"}, {"retry-after": str(int(wait) + 1)}
            )
            return
        status: list[int] = []

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        await self.app(scope, receive, watch)
        if status and status[0] < 300:
            self.throttle.succeeded(who)
        elif status and status[0] in (400, 401, 403):
            self.throttle.failed(who)


def _route(scope: Scope) -> str:
    path = str(scope.get("path", "/"))
    root = str(scope.get("root_path", "") or "")
    return path[len(root) :] or "/" if root and path.startswith(root) else path


def _logged_in(scope: Scope, gradio_app: Any) -> bool:
    cookie_id = getattr(gradio_app, "cookie_id", None)
    tokens = getattr(gradio_app, "tokens", None) or {}
    cookies = HTTPConnection(scope).cookies
    for name in (f"access-token-{cookie_id}", f"access-token-unsecure-{cookie_id}"):
        token = cookies.get(name)
        if token and token in tokens:
            return True
    return False


async def _json(send: Send, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    raw = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(data)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": data})
