"""What a chat sends the model: the stored thread as Messages API history.

The thread is stored as the blocks that arrived; this derives what may go back. A failed reply
is left out; a reply that did not finish keeps only its text (its thinking has no signature);
tool calls are left out, since chat runs no tools and a tool_use without its tool_result makes
the API refuse the request.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from desktop.core.attachments import api_block
from desktop.core.blocks import Block, TextBlock, ToolUseBlock, parse_content, sendable
from desktop.core.store import Message

LEFT_OUT = (
    "[The {count} earliest messages of this conversation are not sent, to stay within the "
    "model's context window.]"
)


def api_messages(thread: list[Message]) -> list[dict[str, Any]]:
    """The Messages API history for a thread: empty and failed replies dropped, roles merged."""
    result: list[dict[str, Any]] = []
    for message in thread:
        if message.role == "assistant" and message.status == "failed":
            continue
        blocks = _sent_blocks(message)
        if not blocks:
            continue
        if result and result[-1]["role"] == message.role:
            result[-1]["content"].extend(blocks)
        else:
            result.append({"role": message.role, "content": list(blocks)})
    while result and result[0]["role"] != "user":
        result.pop(0)
    return result


def _sent_blocks(message: Message) -> list[dict[str, Any]]:
    if message.role == "user":
        return [api_block(b) for b in message.content if b.get("type") != "text" or b.get("text")]
    return sendable(reply_blocks(message))


def fitted(
    history: list[dict[str, Any]], system: str, budget_tokens: float
) -> tuple[list[dict[str, Any]], int]:
    """The most recent part of `history` that fits in `budget_tokens` (estimated at four
    characters a token), starting with a user message, and how many messages were left out.
    What is left out is said at the start, so the model knows the conversation is longer."""
    if len(history) < 2 or _tokens(history, system) <= budget_tokens:
        return history, 0
    start = 1
    while start < len(history) - 1 and (
        history[start]["role"] != "user"
        or _tokens(history[start:], system) > budget_tokens
    ):
        start += 1
    kept = [dict(m) for m in history[start:]]
    note = {"type": "text", "text": LEFT_OUT.format(count=start)}
    first = kept[0]["content"]
    blocks = [{"type": "text", "text": first}] if isinstance(first, str) else list(first)
    kept[0]["content"] = [note, *blocks]
    return kept, start


def _tokens(messages: list[dict[str, Any]], system: str) -> int:
    return len(json.dumps([system, messages])) // 4


def reply_blocks(message: Message) -> list[Block]:
    """The blocks of a stored reply that may be sent back."""
    finished = message.status == "complete"
    return [
        b for b in parse_content(message.content)
        if not isinstance(b, ToolUseBlock) and (finished or isinstance(b, TextBlock))
    ]


def prefill(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    """A reply as the start of the model's next answer (the API refuses trailing spaces)."""
    content = sendable(blocks)
    if content and content[-1].get("type") == "text":
        content[-1] = {**content[-1], "text": content[-1]["text"].rstrip()}
        if not content[-1]["text"]:
            content.pop()
    return content
