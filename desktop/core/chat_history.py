"""What a chat sends the model: the stored thread as Messages API history.

The thread is stored as the blocks that arrived; this derives what may go back. A failed reply
is left out; a reply that did not finish keeps only its text (its thinking has no signature);
tool calls are left out, since chat runs no tools and a tool_use without its tool_result makes
the API refuse the request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from desktop.core.attachments import api_block
from desktop.core.blocks import Block, TextBlock, ToolUseBlock, parse_content, sendable
from desktop.core.store import Message


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
