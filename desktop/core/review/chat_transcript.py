"""A conversation as Markdown (to read), JSON (complete, to process or import back), or as the
context of an agent's goal: pure functions."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any

from desktop.core.store.database import Conversation, Message

ROLE_NAMES = {"user": "You", "assistant": "Assistant"}
JSON_VERSION = 2
PROMOTE_MESSAGE_CHARS = 1500
PROMOTE_TOTAL_CHARS = 8000


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


def chat_json(conversation: Conversation, messages: Sequence[Message]) -> dict[str, Any]:
    """Everything about the conversation, every branch included, and no database ids.

    `messages` are all of them, oldest first (`Store.messages`). They are numbered 1, 2, 3…
    in that order ("ref"); "parent" and the conversation's "leaf" (the branch on screen) use
    those numbers, so importing the JSON and exporting the copy gives the same JSON.
    """
    refs = {message.id: ref for ref, message in enumerate(messages, 1)}
    head = _without(conversation, "id", "leaf_id")
    head["leaf"] = refs.get(conversation.leaf_id) if conversation.leaf_id is not None else None
    return {
        "type": "conversation",
        "version": JSON_VERSION,
        "conversation": head,
        "messages": [
            {"ref": refs[m.id], "parent": refs.get(m.parent_id) if m.parent_id else None,
             **_without(m, "id", "conversation_id", "parent_id")}
            for m in messages
        ],
    }


def task_goal(conversation: Conversation, thread: Sequence[Message]) -> str:
    """A goal for the agent that carries a chat: a compact transcript, then "Goal: …".

    The goal line repeats the user's last message, the likeliest thing to act on; the user
    edits it before running. Long chats keep their most recent messages.
    """
    lines: list[str] = []
    budget = PROMOTE_TOTAL_CHARS
    for message in reversed(thread):
        text = _kept_lines(message.text)
        if len(text) > PROMOTE_MESSAGE_CHARS:
            text = text[: PROMOTE_MESSAGE_CHARS - 1] + "…"
        budget -= len(text)
        if budget < 0 or not text:
            break
        lines.insert(0, f"{ROLE_NAMES[message.role]}: {text}")
    asked = next((m.text.strip() for m in reversed(thread) if m.role == "user"), "")
    context = "\n\n".join(lines)
    return (
        f"Context — a chat with the assistant, “{conversation.title}”:\n\n{context}"
        f"\n\nGoal: {asked}"
    )


def _kept_lines(text: str) -> str:
    """The message with its lines (code stays code), trailing spaces and blank runs dropped."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _without(record: object, *names: str) -> dict[str, Any]:
    return {k: v for k, v in dataclasses.asdict(record).items() if k not in names}


def _details(message: Message) -> str:
    if message.role != "assistant":
        return ""
    bits = [message.model] if message.model else []
    if message.input_tokens or message.output_tokens:
        bits.append(f"{message.input_tokens} in / {message.output_tokens} out")
    if message.cost_usd:
        bits.append(f"${message.cost_usd:.4f}")
    return f" ({' · '.join(bits)})" if bits else ""
