"""A conversation as Markdown (to read) or JSON (complete, to process): pure functions."""

from __future__ import annotations

import dataclasses
from typing import Any

from desktop.core.store import Conversation, Message

ROLE_NAMES = {"user": "You", "assistant": "Assistant"}


def chat_markdown(conversation: Conversation, thread: list[Message]) -> str:
    parts = [f"# {conversation.title}"]
    if conversation.system_prompt:
        parts.append(f"> System prompt: {conversation.system_prompt}")
    for message in thread:
        parts.append(f"## {ROLE_NAMES[message.role]}{_details(message)}")
        parts.append(message.text or "_(empty)_")
        if message.status in ("failed", "cancelled"):
            parts.append(f"_{message.status}: {message.error}_")
    return "\n\n".join(parts) + "\n"


def chat_json(conversation: Conversation, thread: list[Message]) -> dict[str, Any]:
    return {
        "type": "conversation",
        "version": 1,
        "conversation": dataclasses.asdict(conversation),
        "messages": [dataclasses.asdict(m) for m in thread],
    }


def _details(message: Message) -> str:
    if message.role != "assistant":
        return ""
    bits = [message.model] if message.model else []
    if message.input_tokens or message.output_tokens:
        bits.append(f"{message.input_tokens} in / {message.output_tokens} out")
    if message.cost_usd:
        bits.append(f"${message.cost_usd:.4f}")
    return f" ({' · '.join(bits)})" if bits else ""
