"""Forking a past run: its model conversation as it stood at one event, plus a new instruction.

The conversation is rebuilt from the stored events by the same `Conversation` the live agent
uses (core/agent/conversation.py), so a fork sends exactly what the run would have sent next.
"""

from __future__ import annotations

from collections.abc import Sequence

from desktop.core.agent.conversation import Message, conversation_at
from desktop.core.events import RunForked
from desktop.core.store.records import StoredEvent


def with_instruction(messages: Sequence[Message], instruction: str) -> list[Message]:
    """The conversation with the user's instruction added as their next words.

    Before the model has answered at all, the instruction replaces the goal (a fork from the
    start is a new goal). After tool results it joins their user message, as the API wants
    user and assistant turns to alternate.
    """
    text = {"type": "text", "text": instruction}
    if len(messages) <= 1:
        return [{"role": "user", "content": instruction}]
    *earlier, last = messages
    if last["role"] != "user":
        return [*messages, {"role": "user", "content": [text]}]
    content = last["content"]
    blocks = [{"type": "text", "text": content}] if isinstance(content, str) else list(content)
    return [*earlier, {"role": "user", "content": [*blocks, text]}]


def fork_at(
    parent_run_id: int, stored: Sequence[StoredEvent], seq: int, instruction: str
) -> RunForked:
    """What a run forked from `parent_run_id` at its event `seq` starts from."""
    history = conversation_at(e.event() for e in stored if e.seq <= seq)
    return RunForked(parent_run_id, seq, tuple(with_instruction(history, instruction)))
