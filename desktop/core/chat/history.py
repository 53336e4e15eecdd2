"""What a chat sends the model: the stored thread as Messages API history.

The thread is stored as the blocks that arrived; this derives what may go back. A failed reply
is left out; a reply that did not finish keeps only its text (its thinking has no signature);
tool calls are left out, since chat runs no tools and a tool_use without its tool_result makes
the API refuse the request. The history stays typed blocks until `fitted` picks what fits and
renders the request's messages.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from desktop.core.chat.attachments import unattached
from desktop.core.model.blocks import (
    Block,
    BlockMessage,
    TextBlock,
    ToolUseBlock,
    message_to_api,
    parse_content,
    without_empty_text,
)
from desktop.core.store.database import Message

LEFT_OUT = (
    "[The {count} earliest messages of this conversation are not sent, to stay within the "
    "model's context window.]"
)


def api_messages(thread: list[Message]) -> list[BlockMessage]:
    """The Messages API history for a thread: empty and failed replies dropped, roles merged."""
    result: list[BlockMessage] = []
    for message in thread:
        if message.role == "assistant" and message.status == "failed":
            continue
        blocks = _sent_blocks(message)
        if not blocks:
            continue
        said = BlockMessage(message.role, blocks)
        if result and result[-1].role == message.role:
            result[-1] = result[-1].joined(said)
        else:
            result.append(said)
    while result and result[0].role != "user":
        result.pop(0)
    return result


def _sent_blocks(message: Message) -> tuple[Block, ...]:
    if message.role == "user":
        return tuple(map(unattached, without_empty_text(parse_content(message.content))))
    return without_empty_text(reply_blocks(message))


def fitted(
    history: Sequence[BlockMessage], system: str, budget_tokens: float
) -> tuple[list[dict[str, Any]], int]:
    """The most recent part of `history` that fits in `budget_tokens` (estimated at four
    characters a token), starting with a user message, as the request sends it, and how many
    messages were left out. What is left out is said at the start, so the model knows the
    conversation is longer."""
    sent = [message_to_api(m) for m in history]
    if len(sent) < 2 or _tokens(sent, system) <= budget_tokens:
        return sent, 0
    start = 1
    while start < len(sent) - 1 and (
        history[start].role != "user" or _tokens(sent[start:], system) > budget_tokens
    ):
        start += 1
    first = history[start]
    noted = dataclasses.replace(
        first, blocks=(TextBlock(LEFT_OUT.format(count=start)), *first.blocks), plain=False
    )
    return [message_to_api(noted), *sent[start + 1:]], start


def _tokens(messages: list[dict[str, Any]], system: str) -> int:
    return len(json.dumps([system, messages])) // 4


def reply_blocks(message: Message) -> list[Block]:
    """The blocks of a stored reply that may be sent back."""
    finished = message.status == "complete"
    return [
        b for b in parse_content(message.content)
        if not isinstance(b, ToolUseBlock) and (finished or isinstance(b, TextBlock))
    ]


def prefill(blocks: Sequence[Block]) -> list[Block]:
    """A reply as the start of the model's next answer (the API refuses trailing spaces)."""
    content = list(without_empty_text(blocks))
    if content and isinstance(last := content[-1], TextBlock):
        trimmed = dataclasses.replace(last, text=last.text.rstrip())
        content[-1:] = [trimmed] if trimmed.text else []
    return content
