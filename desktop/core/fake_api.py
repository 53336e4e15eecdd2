"""A local stand-in for the Anthropic Messages API, played from a script of turns.

`FakeAPI` is a real HTTP server on 127.0.0.1 that speaks the wire format closely enough for the
real `anthropic` SDK to stream from it. The `--demo` mode runs it in-process so the app works
without a key, and the tests use it to drive every path (tool calls, errors, cut streams)
through the same client code that talks to Anthropic. Standard library only, no Qt.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

# status -> (error type, the message the real API usually sends), so the UI shows real text.
ERRORS: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "Invalid request"),
    401: ("authentication_error", "invalid x-api-key"),
    403: ("permission_error", "Your API key does not have permission to use this resource"),
    404: ("not_found_error", "Not found"),
    413: ("request_too_large", "Request exceeds the maximum allowed number of bytes"),
    429: ("rate_limit_error", "Rate limit exceeded"),
    500: ("api_error", "Internal server error"),
    529: ("overloaded_error", "Overloaded"),
}
ERROR_TYPES = {status: kind for status, (kind, _) in ERRORS.items()}
ERROR_MESSAGES = dict(ERRORS.values())

DEFAULT_MODELS: tuple[dict[str, Any], ...] = (
    {"id": "claude-opus-5-5", "display_name": "Claude Opus 5.5"},
    {"id": "claude-sonnet-5-5", "display_name": "Claude Sonnet 5.5"},
    {"id": "claude-haiku-5-5", "display_name": "Claude Haiku 5.5"},
)

REQUIRED_FIELDS = ("model", "messages", "max_tokens")
JSON_PARTS = 3  # input_json_delta chunks per tool call, so clients must reassemble them


@dataclass(frozen=True)
class ToolUse:
    """One tool call the fake model makes."""

    name: str
    input: dict[str, Any] = field(default_factory=dict)
    id: str = ""  # generated "toolu_..." when empty
    raw_json: str | None = None  # streamed verbatim as partial_json, to test unparseable input


@dataclass(frozen=True)
class Turn:
    """One scripted reply: what the model says, or how the request fails."""

    text: str = ""  # streamed as text_delta chunks
    tool_uses: tuple[ToolUse, ...] = ()  # blocks after the text, streamed as input_json_delta
    status: int = 200  # anything else: answer with the API's error JSON and this status
    error_type: str = ""  # default derived from the status
    error_message: str = ""  # default: the real API's usual message for the type
    cut_after_chars: int | None = None  # stream this much text, then drop the connection
    stream_error: str | None = None  # error type sent as an SSE `error` event after the text
    tokens_per_s: float | None = None  # pace text deltas (4 chars a token); None: full speed
    chunk_chars: int = 4  # size of each text_delta
    stop_reason: str | None = None  # default: "tool_use" with tool uses, else "end_turn"
    input_tokens: int | None = None  # default: estimated from the request's size
    output_tokens: int | None = None  # default: estimated from the reply's size


Responder = Callable[[dict[str, Any]], Turn]


def _new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


def _error_body(status: int, error_type: str = "", message: str = "") -> dict[str, Any]:
    kind = error_type or ERROR_TYPES.get(status, "api_error")
    error = {"type": kind, "message": message or ERROR_MESSAGES.get(kind, kind)}
    return {"type": "error", "error": error}


def _chunks(text: str, size: int) -> list[str]:
    size = max(1, size)
    return [text[i : i + size] for i in range(0, len(text), size)]


def _blocks(turn: Turn) -> list[dict[str, Any]]:
    """The reply's content blocks, with tool-use ids fixed once for this response."""
    blocks: list[dict[str, Any]] = []
    if turn.text or not turn.tool_uses:
        blocks.append({"type": "text", "text": turn.text})
    for tool in turn.tool_uses:
        tid = tool.id or _new_id("toolu")
        blocks.append({"type": "tool_use", "id": tid, "name": tool.name, "input": tool.input})
    return blocks


def _usage(turn: Turn, body: dict[str, Any]) -> tuple[int, int]:
    """Token counts: the turn's own, else rough estimates (4 chars a token) so costs move."""
    sent = len(json.dumps(body)) // 4
    said = (len(turn.text) + sum(len(json.dumps(t.input)) for t in turn.tool_uses)) // 4
    inp = turn.input_tokens if turn.input_tokens is not None else max(1, sent)
    out = turn.output_tokens if turn.output_tokens is not None else max(1, said)
    return inp, out


def _stop_reason(turn: Turn) -> str:
    return turn.stop_reason or ("tool_use" if turn.tool_uses else "end_turn")


def _message(
    body: dict[str, Any], content: list[dict[str, Any]], stop: str | None, usage: tuple[int, int]
) -> dict[str, Any]:
    return {
        "id": _new_id("msg"),
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": usage[0], "output_tokens": usage[1]},
    }


def _cut(conn: socket.socket) -> None:
    """Wake the thread serving `conn`: its reads see EOF, its writes fail."""
    with contextlib.suppress(OSError):  # already closed by the peer
        conn.shutdown(socket.SHUT_RDWR)


class _Server(ThreadingHTTPServer):
    """The HTTP server, tracking its connections and threads so `stop` can cut and join them."""

    def __init__(self, api: FakeAPI, port: int) -> None:
        self.api = api
        self.stopping = threading.Event()
        self.connections: set[socket.socket] = set()
        self.threads: list[threading.Thread] = []
        self.conn_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Daemon threads, so a server nobody stopped never blocks exit; `stop` joins them."""
        thread = threading.Thread(
            target=self.process_request_thread, args=(request, client_address), daemon=True
        )
        with self.conn_lock:
            self.threads = [t for t in self.threads if t.is_alive()] + [thread]
        thread.start()

    def join_threads(self) -> None:
        with self.conn_lock:
            threads, self.threads = self.threads, []
        for thread in threads:
            thread.join()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up mid-stream is normal here; anything else is a real bug."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def close_connections(self) -> None:
        with self.conn_lock:
            for conn in self.connections:
                _cut(conn)


class _Handler(BaseHTTPRequestHandler):
    """One connection: routes requests and writes JSON or SSE replies."""

    protocol_version = "HTTP/1.1"
    # SSE is many small writes: with Nagle's algorithm each waits for the client's delayed ACK
    # (40 ms on Linux) once a kept-alive connection has left TCP's quick-ACK start.
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.conn_lock:
            self.server.connections.add(self.connection)
        if self.server.stopping.is_set():  # accepted while stop() was cutting connections
            _cut(self.connection)

    def finish(self) -> None:
        with self.server.conn_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the demo and the tests have no use for an access log."""

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        body = self._read_body()
        self.server.api._record(self.command, self.path, dict(self.headers.items()), body)
        path = urlsplit(self.path).path
        if not (self.headers.get("x-api-key") or self.headers.get("authorization")):
            self._send_json(401, _error_body(401, message="x-api-key header is required"))
        elif self.command == "GET" and path == "/v1/models":
            self._send_json(200, self.server.api._models_page())
        elif self.command == "POST" and path == "/v1/messages":
            self._messages(body)
        else:
            self._send_json(404, _error_body(404, message=f"Not found: {self.command} {path}"))

    def _read_body(self) -> Any:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return None

    def _messages(self, body: Any) -> None:
        if not isinstance(body, dict):
            self._send_json(400, _error_body(400, message="request body must be a JSON object"))
            return
        missing = [name for name in REQUIRED_FIELDS if name not in body]
        if missing:
            self._send_json(400, _error_body(400, message=f"{missing[0]}: Field required"))
            return
        turn = self.server.api._next_turn(body)
        if isinstance(turn, str):
            self._send_json(500, _error_body(500, message=turn))
        elif turn.status != 200:
            error = _error_body(turn.status, turn.error_type, turn.error_message)
            self._send_json(turn.status, error)
        elif body.get("stream"):
            self._stream(turn, body)
        else:
            message = _message(body, _blocks(turn), _stop_reason(turn), _usage(turn, body))
            self._send_json(200, message)

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("request-id", _new_id("req"))
        self.end_headers()
        self.wfile.write(data)

    # --- streaming ------------------------------------------------------------------------

    def _stream(self, turn: Turn, body: dict[str, Any]) -> None:
        """Play the turn as SSE; return early (without a final chunk) to simulate a cut."""
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("request-id", _new_id("req"))
        self.end_headers()
        inp, out = _usage(turn, body)
        start = _message(body, [], None, (inp, 1))
        self._event("message_start", {"type": "message_start", "message": start})
        self._event("ping", {"type": "ping"})
        blocks = _blocks(turn)
        if blocks[0]["type"] == "text" and not self._stream_text(turn):
            self.close_connection = True
            return
        if turn.stream_error:
            self._event("error", _error_body(500, turn.stream_error, turn.error_message))
            self._end_chunks()
            return
        first_tool = len(blocks) - len(turn.tool_uses)
        for index, tool in enumerate(turn.tool_uses, start=first_tool):
            self._stream_tool(index, blocks[index], tool)
        delta = {"stop_reason": _stop_reason(turn), "stop_sequence": None}
        usage = {"output_tokens": out}
        self._event("message_delta", {"type": "message_delta", "delta": delta, "usage": usage})
        self._event("message_stop", {"type": "message_stop"})
        self._end_chunks()

    def _stream_text(self, turn: Turn) -> bool:
        """Stream the text block (index 0); False when the connection is to be cut instead."""
        self._block_start(0, {"type": "text", "text": ""})
        cut = turn.cut_after_chars
        text = turn.text if cut is None else turn.text[:cut]
        for chunk in _chunks(text, turn.chunk_chars):
            pause = len(chunk) / 4 / turn.tokens_per_s if turn.tokens_per_s else 0.0
            if pause and self.server.stopping.wait(pause):
                return False
            self._delta(0, {"type": "text_delta", "text": chunk})
        if cut is not None:
            return False
        self._event("content_block_stop", {"type": "content_block_stop", "index": 0})
        return True

    def _stream_tool(self, index: int, block: dict[str, Any], tool: ToolUse) -> None:
        self._block_start(index, {**block, "input": {}})
        raw = tool.raw_json if tool.raw_json is not None else json.dumps(tool.input)
        for part in _chunks(raw, -(-len(raw) // JSON_PARTS)):
            self._delta(index, {"type": "input_json_delta", "partial_json": part})
        self._event("content_block_stop", {"type": "content_block_stop", "index": index})

    def _block_start(self, index: int, block: dict[str, Any]) -> None:
        data = {"type": "content_block_start", "index": index, "content_block": block}
        self._event("content_block_start", data)

    def _delta(self, index: int, delta: dict[str, Any]) -> None:
        data = {"type": "content_block_delta", "index": index, "delta": delta}
        self._event("content_block_delta", data)

    def _event(self, name: str, data: dict[str, Any]) -> None:
        payload = f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(payload), payload))

    def _end_chunks(self) -> None:
        self.wfile.write(b"0\r\n\r\n")


class FakeAPI:
    """The scripted server: each POST /v1/messages plays the next `Turn`, then the responder."""

    def __init__(
        self, script: Iterable[Turn] = (), responder: Responder | None = None, port: int = 0
    ) -> None:
        self.requests: list[dict[str, Any]] = []
        self.models: list[dict[str, Any]] = [
            {"type": "model", "created_at": "2025-01-01T00:00:00Z", **m} for m in DEFAULT_MODELS
        ]
        self._script: deque[Turn] = deque(script)
        self._responder = responder
        self._port = port
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeAPI is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeAPI:
        self._server = _Server(self, self._port)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, cut open connections (pooled clients keep them) and join every thread."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.stopping.set()
        with contextlib.suppress(OSError):  # Linux: wakes serve_forever now, not at its next poll
            server.socket.shutdown(socket.SHUT_RDWR)
        server.shutdown()
        server.close_connections()
        server.server_close()
        server.join_threads()
        thread.join()
        self._server = self._thread = None

    def __enter__(self) -> FakeAPI:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def add(self, *turns: Turn) -> None:
        with self._lock:
            self._script.extend(turns)

    def _record(self, method: str, path: str, headers: dict[str, str], body: Any) -> None:
        """Log the request without credentials: logs end up in test output and bug reports."""
        kept = {k.lower(): v for k, v in headers.items()}
        kept.pop("x-api-key", None)
        kept.pop("authorization", None)
        entry = {"method": method, "path": path, "headers": kept, "body": body}
        with self._lock:
            self.requests.append(entry)

    def _next_turn(self, body: dict[str, Any]) -> Turn | str:
        """The next scripted turn, else the responder's; a str is the error to answer with."""
        with self._lock:
            turn = self._script.popleft() if self._script else None
        if turn is not None:
            return turn
        if self._responder is None:
            return "FakeAPI script exhausted: no scripted turn left and no responder"
        try:
            return self._responder(body)
        except Exception as exc:  # the responder is app code; report its bug to the client
            return f"FakeAPI responder failed: {exc!r}"

    def _models_page(self) -> dict[str, Any]:
        models = list(self.models)
        first = models[0]["id"] if models else None
        last = models[-1]["id"] if models else None
        return {"data": models, "has_more": False, "first_id": first, "last_id": last}
