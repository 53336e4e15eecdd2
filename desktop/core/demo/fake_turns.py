"""The scripted replies of the demo and test model, and the stream events each one plays.

A `Turn` says what the model answers, or how the answer goes wrong the way real endpoints do
(a cut connection, a stall, a missing `message_stop`, an error event, a page that is not a
stream). `play(turn, body)` lists what the server does for it, step by step: server-sent
events to write, pauses, a cut or a stall. The loopback server (fake_api.py) writes them to a
socket; the in-process scripted model (core/model/stream.py) folds the same events, so both parse
through the same code as a real endpoint.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

JSON_PARTS = 3  # input_json_delta chunks per tool call, so clients must reassemble them
SIGNATURE = "demo-signature"
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
"""status -> (error type, the message the real API usually sends), so the UI shows real text."""
ERROR_TYPES = {status: kind for status, (kind, _) in ERRORS.items()}
ERROR_MESSAGES = dict(ERRORS.values())


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
    thinking: str = ""  # a thinking block (with a signature) streamed before the text
    stall_after_chars: int | None = None  # stream this much text, then send nothing at all
    silent: bool = False  # answer nothing at all, not even the response headers
    cut_in_tool_input: bool = False  # drop the connection halfway through the last tool input
    no_message_stop: bool = False  # end the stream cleanly, but without `message_stop`
    body: str | None = None  # answer 200 with this body instead of a stream
    content_type: str = "application/json"  # of `body`, or of an error answer given a body
    headers: dict[str, str] = field(default_factory=dict)  # extra response headers
    usage_at_end: bool = False  # report input tokens only in message_delta (as some servers do)
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    extra_blocks: tuple[dict[str, Any], ...] = ()  # blocks streamed whole after the tool uses


@dataclass(frozen=True)
class Pause:
    seconds: float


class Cut:
    """Drop the connection here."""


class Stall:
    """Send nothing more, holding the connection open, until the client gives up."""


Step = tuple[str, dict[str, Any]] | Pause | Cut | Stall


class CacheMeter:
    """The prompt cache as the API keeps it: the prefix up to each cache_control breakpoint,
    remembered once written, so a later request that repeats it reads it instead."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def measure(self, body: dict[str, Any]) -> tuple[int, int]:
        """(tokens read from the cache, tokens written to it) for one request."""
        marks: list[tuple[str, int]] = []
        running, size = hashlib.sha256(), 0
        for text, marked in _prefix(body):
            running.update(text.encode())
            size += len(text)
            if marked:
                marks.append((running.hexdigest(), size // 4))
        if not marks:
            return 0, 0
        read = max((tokens for digest, tokens in marks if digest in self.seen), default=0)
        last_digest, last_tokens = marks[-1]
        write = 0 if last_digest in self.seen else last_tokens - read
        self.seen.update(digest for digest, _ in marks)
        return read, write


def _prefix(body: dict[str, Any]) -> Iterator[tuple[str, bool]]:
    """The request in cache order (tools, system, messages), block by block, and whether each
    block ends at a breakpoint; the markers themselves are not part of what is cached."""
    def plain(block: dict[str, Any]) -> tuple[str, bool]:
        rest = {k: v for k, v in block.items() if k != "cache_control"}
        return json.dumps(rest, sort_keys=True), "cache_control" in block

    for tool in body.get("tools") or []:
        yield plain(tool)
    system = body.get("system") or []
    for block in [{"type": "text", "text": system}] if isinstance(system, str) else system:
        yield plain(block)
    for message in body.get("messages") or []:
        yield str(message.get("role")), False
        content = message.get("content")
        for block in [{"type": "text", "text": content}] if isinstance(content, str) else content:
            yield plain(block)


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


def error_body(status: int, error_type: str = "", message: str = "") -> dict[str, Any]:
    kind = error_type or ERROR_TYPES.get(status, "api_error")
    error = {"type": kind, "message": message or ERROR_MESSAGES.get(kind, kind)}
    return {"type": "error", "error": error}


def _chunks(text: str, size: int) -> list[str]:
    size = max(1, size)
    return [text[i : i + size] for i in range(0, len(text), size)]


def blocks(turn: Turn) -> list[dict[str, Any]]:
    """The reply's content blocks, with tool-use ids fixed once for this response."""
    content: list[dict[str, Any]] = []
    if turn.thinking:
        content.append({"type": "thinking", "thinking": turn.thinking, "signature": SIGNATURE})
    if turn.text or not (turn.tool_uses or turn.thinking):
        content.append({"type": "text", "text": turn.text})
    for tool in turn.tool_uses:
        tid = tool.id or new_id("toolu")
        content.append({"type": "tool_use", "id": tid, "name": tool.name, "input": tool.input})
    return [*content, *turn.extra_blocks]


def usage(turn: Turn, body: dict[str, Any]) -> tuple[int, int]:
    """Token counts: the turn's own, else rough estimates (4 chars a token) so costs move."""
    sent = len(json.dumps(body)) // 4
    said = (len(turn.text) + sum(len(json.dumps(t.input)) for t in turn.tool_uses)) // 4
    inp = turn.input_tokens if turn.input_tokens is not None else max(1, sent)
    out = turn.output_tokens if turn.output_tokens is not None else max(1, said)
    return inp, out


def stop_reason(turn: Turn) -> str:
    return turn.stop_reason or ("tool_use" if turn.tool_uses else "end_turn")


def _usage_fields(turn: Turn, inp: int, out: int) -> dict[str, int]:
    fresh = max(0, inp - turn.cache_read_tokens - turn.cache_write_tokens)
    return {"input_tokens": fresh, "output_tokens": out,
            "cache_read_input_tokens": turn.cache_read_tokens,
            "cache_creation_input_tokens": turn.cache_write_tokens}


def message(body: dict[str, Any], turn: Turn, content: list[dict[str, Any]]) -> dict[str, Any]:
    """The whole reply as one Messages API message (the non-streaming answer)."""
    return {
        "id": new_id("msg"), "type": "message", "role": "assistant", "model": body["model"],
        "content": content, "stop_reason": stop_reason(turn), "stop_sequence": None,
        "usage": _usage_fields(turn, *usage(turn, body)),
    }


def play(turn: Turn, body: dict[str, Any]) -> Iterator[Step]:
    """What the server does for a streamed turn, in order."""
    inp, out = usage(turn, body)
    start_usage = {"output_tokens": 1} if turn.usage_at_end else _usage_fields(turn, inp, 1)
    start = {**message(body, turn, []), "stop_reason": None, "usage": start_usage}
    yield "message_start", {"type": "message_start", "message": start}
    yield "ping", {"type": "ping"}
    content = blocks(turn)
    tools = iter(turn.tool_uses)
    for index, block in enumerate(content):
        kind = block["type"]
        if kind == "thinking":
            yield from _thinking(index, block)
        elif kind == "text":
            yield from _text(index, turn)
        elif kind == "tool_use":
            yield from _tool(index, block, next(tools), turn)
        else:
            yield _start(index, block)
            yield "content_block_stop", {"type": "content_block_stop", "index": index}
        if kind == "text" and turn.stream_error:
            yield "error", error_body(500, turn.stream_error, turn.error_message)
            return
    delta = {"stop_reason": stop_reason(turn), "stop_sequence": None}
    end_usage = _usage_fields(turn, inp, out) if turn.usage_at_end else {"output_tokens": out}
    yield "message_delta", {"type": "message_delta", "delta": delta, "usage": end_usage}
    if not turn.no_message_stop:
        yield "message_stop", {"type": "message_stop"}


def _start(index: int, block: dict[str, Any]) -> Step:
    return "content_block_start", {
        "type": "content_block_start", "index": index, "content_block": block,
    }


def _delta(index: int, delta: dict[str, Any]) -> Step:
    return "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}


def _stop(index: int) -> Step:
    return "content_block_stop", {"type": "content_block_stop", "index": index}


def _thinking(index: int, block: dict[str, Any]) -> Iterator[Step]:
    yield _start(index, {"type": "thinking", "thinking": "", "signature": ""})
    for piece in _chunks(block["thinking"], 16):
        yield _delta(index, {"type": "thinking_delta", "thinking": piece})
    yield _delta(index, {"type": "signature_delta", "signature": block["signature"]})
    yield _stop(index)


def _text(index: int, turn: Turn) -> Iterator[Step]:
    yield _start(index, {"type": "text", "text": ""})
    end = turn.cut_after_chars if turn.cut_after_chars is not None else turn.stall_after_chars
    text = turn.text if end is None else turn.text[:end]
    for chunk in _chunks(text, turn.chunk_chars):
        if turn.tokens_per_s:
            yield Pause(len(chunk) / 4 / turn.tokens_per_s)
        yield _delta(index, {"type": "text_delta", "text": chunk})
    if turn.cut_after_chars is not None:
        yield Cut()
    if turn.stall_after_chars is not None:
        yield Stall()
    yield _stop(index)


def _tool(index: int, block: dict[str, Any], tool: ToolUse, turn: Turn) -> Iterator[Step]:
    cut = turn.cut_in_tool_input and tool is turn.tool_uses[-1]
    yield _start(index, {**block, "input": {}})
    raw = tool.raw_json if tool.raw_json is not None else json.dumps(tool.input)
    parts = _chunks(raw, -(-len(raw) // JSON_PARTS)) if raw else []
    for number, part in enumerate(parts):
        if cut and number == len(parts) // 2:
            yield Cut()
        yield _delta(index, {"type": "input_json_delta", "partial_json": part})
    yield _stop(index)
