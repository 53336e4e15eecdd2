"""A local stand-in for the Anthropic Messages API, played from a script of turns.

`FakeAPI` is a real HTTP server on 127.0.0.1 that speaks the wire format closely enough for the
real `anthropic` SDK to stream from it. The `--demo` mode runs it in-process so the app works
without a key, and the tests use it to drive every path (tool calls, errors, cut streams)
through the same client code that talks to Anthropic. Standard library only, no Qt.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import socket
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from desktop.core.demo.fake_turns import (
    CacheMeter,
    Cut,
    Pause,
    Stall,
    ToolUse,
    Turn,
    blocks,
    error_body,
    message,
    new_id,
    play,
)

__all__ = ["FakeAPI", "ToolUse", "Turn"]

DEFAULT_MODELS: tuple[dict[str, Any], ...] = (
    {"id": "claude-opus-5-5", "display_name": "Claude Opus 5.5"},
    {"id": "claude-sonnet-5-5", "display_name": "Claude Sonnet 5.5"},
    {"id": "claude-haiku-5-5", "display_name": "Claude Haiku 5.5"},
)

REQUIRED_FIELDS = ("model", "messages", "max_tokens")
STALL_LIMIT_S = 600.0  # a stalled stream is held at most this long (the client gives up first)

Responder = Callable[[dict[str, Any]], Turn]


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
            self._send_json(401, error_body(401, message="x-api-key header is required"))
        elif self.command == "GET" and path == "/v1/models":
            self._send_json(200, self.server.api._models_page())
        elif self.command == "POST" and path == "/v1/messages":
            self._messages(body)
        else:
            self._send_json(404, error_body(404, message=f"Not found: {self.command} {path}"))

    def _read_body(self) -> Any:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return None

    def _messages(self, body: Any) -> None:
        if not isinstance(body, dict):
            self._send_json(400, error_body(400, message="request body must be a JSON object"))
            return
        missing = [name for name in REQUIRED_FIELDS if name not in body]
        if missing:
            self._send_json(400, error_body(400, message=f"{missing[0]}: Field required"))
            return
        turn = self.server.api._next_turn(body)
        if isinstance(turn, Turn) and not (turn.cache_read_tokens or turn.cache_write_tokens):
            read, write = self.server.api.cache.measure(body)
            turn = dataclasses.replace(turn, cache_read_tokens=read, cache_write_tokens=write)
        if isinstance(turn, str):
            self._send_json(500, error_body(500, message=turn))
        elif turn.silent:
            self.server.stopping.wait(STALL_LIMIT_S)
            self.close_connection = True
        elif turn.body is not None:
            self._send(turn.status, turn.body.encode(), turn.content_type, turn.headers)
        elif turn.status != 200:
            error = error_body(turn.status, turn.error_type, turn.error_message)
            self._send_json(turn.status, error, turn.headers)
        elif body.get("stream"):
            self._stream(turn, body)
        else:
            self._send_json(200, message(body, turn, blocks(turn)))

    def _send_json(
        self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json", headers or {})

    def _send(self, status: int, data: bytes, kind: str, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(data)))
        self.send_header("request-id", new_id("req"))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    # --- streaming ------------------------------------------------------------------------

    def _stream(self, turn: Turn, body: dict[str, Any]) -> None:
        """Play the turn as SSE; stop early (without a final chunk) to simulate a cut."""
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("request-id", new_id("req"))
        self.end_headers()
        for step in play(turn, body):
            if isinstance(step, Pause | Stall):
                wait = step.seconds if isinstance(step, Pause) else STALL_LIMIT_S
                if self.server.stopping.wait(wait) or isinstance(step, Stall):
                    self.close_connection = True
                    return
            elif isinstance(step, Cut):
                self.close_connection = True
                return
            else:
                self._event(*step)
        self._end_chunks()

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
        self.cache = CacheMeter()
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
        keys = sorted(name for name in ("authorization", "x-api-key") if kept.pop(name, None))
        entry = {"method": method, "path": path, "headers": kept, "body": body,
                 "had_key_headers": keys}
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
