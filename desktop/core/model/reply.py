"""One model reply, assembled from the raw stream events of the Messages API.

`ReplyBuilder.apply` takes each server-sent event as a dict (the SDK's objects are turned into
dicts at the edge, and the in-process scripted model makes the same dicts), so one fold serves
every source. It keeps everything the model sent: text, thinking and its signature, tool
input, unknown blocks and deltas' citations; usage from `message_start` and `message_delta`
(some servers report input tokens only at the end), and the stop reason. A reply is complete
only once `message_stop` arrives: a stream that ends before it is cut, and a tool call whose
input never finished is named so it is never run. Text is collected in parts and joined once,
so a 10 MB tool input streamed in 64-byte pieces costs linear time.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from desktop.core.events import MessageDone, ThinkingDelta, Usage
from desktop.core.model.blocks import Block, ToolUseBlock, clean_text, clean_value, parse_block

log = logging.getLogger(__name__)

# The field of a block that each kind of delta appends to.
_APPENDS = {"text_delta": ("text", "text"), "thinking_delta": ("thinking", "thinking"),
            "signature_delta": ("signature", "signature"),
            "input_json_delta": ("partial_json", "input")}
_USAGE_FIELDS = ("input_tokens", "output_tokens", "cache_read_input_tokens",
                 "cache_creation_input_tokens")
INCOMPLETE = "the connection closed before the reply ended"


@dataclass
class _Part:
    """A block being streamed: its start, and the pieces of each field that grows."""

    start: dict[str, Any]
    pieces: dict[str, list[str]] = field(default_factory=dict)
    stopped: bool = False

    def add(self, name: str, piece: str) -> None:
        self.pieces.setdefault(name, []).append(piece)

    def raw(self) -> dict[str, Any]:
        block = dict(self.start)
        for name, pieces in self.pieces.items():
            if name != "input":
                block[name] = clean_text(str(block.get(name) or "") + "".join(pieces))
        return block


@dataclass
class ReplyBuilder:
    """The reply so far; `done()` is the MessageDone for it."""

    model: str
    parts: dict[int, _Part] = field(default_factory=dict)
    usage: dict[str, int] = field(default_factory=dict)
    stop_reason: str | None = None
    complete: bool = False
    received: bool = False  # anything at all arrived (so a retry would repeat it)

    def apply(self, event: dict[str, Any]) -> str | ThinkingDelta | None:
        """Fold one event in; return new visible text, or thinking, to show as it streams."""
        self.received = True
        kind = event.get("type")
        if kind == "message_start":
            message = event.get("message") or {}
            self.model = message.get("model") or self.model
            self._count(message.get("usage"))
        elif kind == "content_block_start":
            block = dict(event.get("content_block") or {})
            if block.get("type") == "tool_use":
                block["input"] = {}
            self.parts[self._index(event)] = _Part(block)
        elif kind == "content_block_delta":
            return self._delta(self._index(event), event.get("delta") or {})
        elif kind == "content_block_stop":
            part = self.parts.get(self._index(event))
            if part is not None:
                part.stopped = True
        elif kind == "message_delta":
            self.stop_reason = (event.get("delta") or {}).get("stop_reason") or self.stop_reason
            self._count(event.get("usage"))
        elif kind == "message_stop":
            self.complete = True
        return None

    def _index(self, event: dict[str, Any]) -> int:
        index = event.get("index")
        return index if isinstance(index, int) else len(self.parts)

    def _delta(self, index: int, delta: dict[str, Any]) -> str | ThinkingDelta | None:
        part = self.parts.get(index)
        kind = delta.get("type")
        if part is None:
            log.warning("a %s for block %s, which never started: ignored", kind, index)
            return None
        if kind == "citations_delta":
            part.start.setdefault("citations", []).append(delta.get("citation"))
            return None
        if kind not in _APPENDS:
            log.debug("unknown delta %s: ignored", kind)
            return None
        source, target = _APPENDS[kind]
        piece = str(delta.get(source) or "")
        part.add(target, piece)
        if kind == "text_delta":
            return clean_text(piece)
        if kind == "thinking_delta":
            return ThinkingDelta(clean_text(piece))
        return None

    def _count(self, usage: Any) -> None:
        if isinstance(usage, dict):
            for name in _USAGE_FIELDS:
                if isinstance(usage.get(name), int):
                    self.usage[name] = usage[name]

    def content(self) -> tuple[tuple[Block, ...], dict[str, str]]:
        """The blocks so far, and the tool calls whose input cannot be used, with why."""
        blocks: list[Block] = []
        errors: dict[str, str] = {}
        for index in sorted(self.parts):
            part = self.parts[index]
            raw = part.raw()
            if raw.get("type") == "tool_use":
                raw["input"], problem = _tool_input(part)
                if problem:
                    errors[str(raw.get("id"))] = problem
            blocks.append(parse_block(clean_value(raw)))
        return tuple(blocks), errors

    def total_usage(self, price: Any) -> Usage:
        read = self.usage.get("cache_read_input_tokens", 0)
        write = self.usage.get("cache_creation_input_tokens", 0)
        total_in = self.usage.get("input_tokens", 0) + read + write
        out = self.usage.get("output_tokens", 0)
        return Usage(total_in, out, price(self.model, total_in, out, read, write), read, write)

    def done(self, price: Any) -> MessageDone:
        content, errors = self.content()
        usage = self.total_usage(price)
        return MessageDone(content, self.stop_reason, usage, self.model, errors, self.complete)


def _tool_input(part: _Part) -> tuple[dict[str, Any], str]:
    """A tool call's input, or {} and why it cannot be used."""
    raw = "".join(part.pieces.get("input", ()))
    if not part.stopped:
        return {}, "the tool input was cut off before it ended"
    try:
        value = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError as exc:
        return {}, f"the tool input is not JSON ({exc.msg}): {raw:.200}"
    if not isinstance(value, dict):
        return {}, f"the tool input must be a JSON object, got: {raw:.200}"
    return value, ""


def tool_uses(content: tuple[Block, ...]) -> tuple[ToolUseBlock, ...]:
    return tuple(b for b in content if isinstance(b, ToolUseBlock))


def message_events(message: Any) -> list[dict[str, Any]] | None:
    """The stream events a whole JSON message stands for, so a server that answers a stream
    request with one message folds like a stream; None if `message` is not a message."""
    if not isinstance(message, dict) or message.get("type") != "message":
        return None
    content = message.get("content") if isinstance(message.get("content"), list) else []
    start = {**message, "content": []}
    events: list[dict[str, Any]] = [{"type": "message_start", "message": start}]
    for index, block in enumerate(content):
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "text":  # as a delta, so it is shown like streamed text
            events.append({"type": "content_block_start", "index": index,
                           "content_block": {**block, "text": ""}})
            events.append({"type": "content_block_delta", "index": index,
                           "delta": {"type": "text_delta", "text": str(block.get("text", ""))}})
        else:
            events.append({"type": "content_block_start", "index": index,
                           "content_block": block})
        if kind == "tool_use":
            partial = json.dumps(block.get("input") or {})
            events.append({"type": "content_block_delta", "index": index,
                           "delta": {"type": "input_json_delta", "partial_json": partial}})
        events.append({"type": "content_block_stop", "index": index})
    events.append({"type": "message_delta", "delta": {"stop_reason": message.get("stop_reason")},
                   "usage": message.get("usage") or {}})
    events.append({"type": "message_stop"})
    return events
