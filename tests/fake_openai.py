"""A loopback server speaking the OpenAI chat-completions protocol, scripted by tests.

    server = FakeOpenAI(reject_json_schema=500, latency=0.1)
    with server:
        server.script(["first answer", Status(429, retry_after=1), lambda req: "by content"])
        ... point ModelConfig(base_url=server.base_url) at it ...
        server.requests[-1].json["messages"]

Each POST /v1/chat/completions takes the next item of the script (or ``default`` when the script is
empty). An item is a text answer, a :class:`Reply`, a misbehaviour (:class:`Status`, :class:`Hang`,
:class:`CutStream`, :class:`Raw`) or a callable ``request_json -> item`` so a test can answer by content.
Streaming (``"stream": true``) is answered as SSE chunks with a final usage chunk when
``stream_options.include_usage`` is set, then ``data: [DONE]``.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """A normal answer; ``chunks`` splits it for streaming (default: a few characters per chunk)."""

    text: str
    finish_reason: str = "stop"
    chunks: list[str] | None = None


@dataclass
class Status:
    """An HTTP error answer, e.g. ``Status(429, retry_after=1)`` or ``Status(500)``."""

    code: int
    retry_after: float | None = None
    message: str = "fake server error"


@dataclass
class Hang:
    """Say nothing for ``seconds`` (past the client's timeout), then close the connection."""

    seconds: float


@dataclass
class CutStream:
    """Send ``after_chunks`` chunks of ``text`` and drop the connection (no finish_reason, no [DONE])."""

    after_chunks: int = 2
    text: str = "这段回答会在中途被切断，客户端应当重试。"


@dataclass
class Raw:
    """Send these exact bytes with this status (e.g. a body that is not JSON at all)."""

    body: bytes
    status: int = 200
    content_type: str = "application/json"


Item = str | Reply | Status | Hang | CutStream | Raw | Callable[[dict[str, Any]], Any]


@dataclass
class RecordedRequest:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    json: dict[str, Any] | None
    body: bytes = b""
    received: float = field(default_factory=time.perf_counter)  # when it arrived (perf_counter seconds)
    answered: float | None = None  # when the server was done answering (last byte sent or connection dropped)


@dataclass
class _State:
    script: deque[Item] = field(default_factory=deque)
    requests: list[RecordedRequest] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0


class _Server(ThreadingHTTPServer):
    # The stdlib default backlog of 5 makes a burst of concurrent clients wait a TCP retry (about 1 s).
    request_queue_size = 128


class FakeOpenAI:
    """The scripted server; start with ``with`` or :meth:`start`, stop with :meth:`stop`."""

    def __init__(
        self,
        *,
        default: Item = "好的。",
        reject_json_schema: int | None = None,
        reject_json_object: int | None = None,
        reject_stream_options: int | None = None,
        latency: float = 0.0,
        paced: bool = False,
        model: str = "fake-model",
    ) -> None:
        self.default = default
        self.reject_json_schema = reject_json_schema
        self.reject_json_object = reject_json_object
        self.reject_stream_options = reject_stream_options
        self.latency = latency
        # paced: a streamed answer takes ``latency`` like a model generating it — the first chunk after a fifth of
        # it, the others spread over the rest — instead of all chunks at once after the whole latency.
        self.paced = paced
        self.model = model
        self._state = _State()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> FakeOpenAI:
        """Bind 127.0.0.1 on an ephemeral port and serve in a background thread."""
        handler = _make_handler(self)
        httpd = _Server(("127.0.0.1", 0), handler)
        httpd.daemon_threads = True
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; hanging handlers wake up and give up."""
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what tests use ------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """The ``base_url`` to give the client, ending in ``/v1``."""
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def script(self, items: Iterable[Item]) -> None:
        """Queue answers, used in order by the next chat-completions requests."""
        with self._lock:
            self._state.script.extend(items)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far (chat completions and models)."""
        with self._lock:
            return list(self._state.requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """Only the POST /v1/chat/completions requests."""
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def max_in_flight(self) -> int:
        """The largest number of chat requests the server was handling at once."""
        return self._state.max_in_flight

    @property
    def remaining(self) -> int:
        """How many scripted items are still queued."""
        with self._lock:
            return len(self._state.script)

    # -- internals used by the handler ---------------------------------------------------------
    def _record(self, req: RecordedRequest) -> None:
        with self._lock:
            self._state.requests.append(req)

    def _enter(self) -> None:
        with self._lock:
            self._state.in_flight += 1
            self._state.max_in_flight = max(self._state.max_in_flight, self._state.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self._state.in_flight -= 1

    def _next_item(self, body: dict[str, Any]) -> Any:
        with self._lock:
            item: Any = self._state.script.popleft() if self._state.script else self.default
        # A callable may answer with another callable's result; resolve until concrete.
        while callable(item) and not isinstance(item, (Reply, Status, Hang, CutStream, Raw)):
            item = item(body)
        return item


def _make_handler(server: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # As servers that stream tokens do (uvicorn, llama.cpp, vLLM): each small write goes out at once. With
        # Nagle's algorithm on, a body written after its headers, or a chunk after a chunk, waits for the client's
        # delayed ACK (up to 40 ms on Linux), a lag that belongs to no real server.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            pass  # keep pytest output clean

        def do_GET(self) -> None:
            server._record(RecordedRequest("GET", self.path, {k.lower(): v for k, v in self.headers.items()}, None))
            if self.path.rstrip("/").endswith("/models"):
                self._send_json(200, {"object": "list", "data": [{"id": server.model, "object": "model"}]})
            else:
                self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                body = None
            request = RecordedRequest("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body, raw)
            server._record(request)
            if not self.path.rstrip("/").endswith("/chat/completions") or not isinstance(body, dict):
                self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                return
            server._enter()
            try:
                self._chat(body)
                request.answered = time.perf_counter()
            except (BrokenPipeError, ConnectionResetError, OSError):
                pass  # the client gave up (timeout) — nothing left to tell it
            finally:
                server._leave()

        # -- answering -------------------------------------------------------------------------
        def _chat(self, body: dict[str, Any]) -> None:
            pace = server.latency if server.paced and body.get("stream") else 0.0
            if server.latency:
                time.sleep(server.latency - pace * 0.8)
            rf = body.get("response_format") or {}
            kind = rf.get("type") if isinstance(rf, dict) else None
            if kind == "json_schema" and server.reject_json_schema:
                self._error(server.reject_json_schema, "response_format json_schema is not supported")
                return
            if kind == "json_object" and server.reject_json_object:
                self._error(server.reject_json_object, "response_format json_object is not supported")
                return
            if body.get("stream") and body.get("stream_options") is not None and server.reject_stream_options:
                self._error(server.reject_stream_options, "Unrecognized request argument: stream_options")
                return
            item = server._next_item(body)
            if isinstance(item, Status):
                self._error(item.code, item.message, retry_after=item.retry_after)
            elif isinstance(item, Hang):
                server._stopping.wait(item.seconds)
                self._drop()
            elif isinstance(item, Raw):
                self._send_bytes(item.status, item.body, item.content_type)
            elif isinstance(item, CutStream):
                if body.get("stream"):
                    self._stream(body, Reply(item.text), cut_after=item.after_chunks)
                else:
                    self._drop()
            else:
                reply = item if isinstance(item, Reply) else Reply(str(item))
                if body.get("stream"):
                    self._stream(body, reply, spread=pace * 0.8)
                else:
                    self._send_json(200, _completion(body, reply))

        def _stream(
            self, body: dict[str, Any], reply: Reply, cut_after: int | None = None, spread: float = 0.0
        ) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            pieces = reply.chunks if reply.chunks is not None else _split(reply.text)
            began = time.perf_counter()
            base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time())}
            base["model"] = body.get("model", server.model)
            first = {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}
            self._chunk(f"data: {json.dumps(first, ensure_ascii=False)}\n\n")
            for n, piece in enumerate(pieces):
                if cut_after is not None and n >= cut_after:
                    self.wfile.flush()
                    self._drop()
                    return
                chunk = {**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                if spread and n:  # on a schedule, so many small sleeps do not add up to more than ``spread``
                    time.sleep(max(0.0, began + spread * n / max(len(pieces) - 1, 1) - time.perf_counter()))
                self._chunk(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n")
            if cut_after is not None:
                self._drop()
                return
            last = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": reply.finish_reason}]}
            self._chunk(f"data: {json.dumps(last, ensure_ascii=False)}\n\n")
            if (body.get("stream_options") or {}).get("include_usage"):
                usage = {**base, "choices": [], "usage": _usage(body, reply.text)}
                self._chunk(f"data: {json.dumps(usage, ensure_ascii=False)}\n\n")
            self._chunk("data: [DONE]\n\n")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

        def _chunk(self, text: str) -> None:
            data = text.encode("utf-8")
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def _drop(self) -> None:
            # Abrupt close: the client sees a connection reset / incomplete body.
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        def _error(self, code: int, message: str, retry_after: float | None = None) -> None:
            headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
            error = {"error": {"message": message, "type": "fake_error", "code": str(code)}}
            self._send_json(code, error, headers)

        def _send_json(self, code: int, obj: Any, headers: dict[str, str] | None = None) -> None:
            self._send_bytes(code, json.dumps(obj, ensure_ascii=False).encode("utf-8"), "application/json", headers)

        def _send_bytes(self, code: int, data: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()

    return Handler


def _split(text: str, size: int = 4) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _usage(body: dict[str, Any], text: str) -> dict[str, int]:
    prompt = sum(len(str(m.get("content", ""))) for m in body.get("messages", []))
    return {"prompt_tokens": prompt, "completion_tokens": len(text), "total_tokens": prompt + len(text)}


def _completion(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake-model"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.text},
                "finish_reason": reply.finish_reason,
            }
        ],
        "usage": _usage(body, reply.text),
    }
