"""Forking a past run: its model conversation as it stood at one event, plus a new instruction.

The store keeps a run as events, not as the messages the model was sent, so the conversation
is rebuilt from them exactly as `Agent` built it: the goal; then per step the assistant's
text and tool_use blocks and a user message with each call's tool_result. A step counts once
every call it had started by then has finished: the Messages API needs an answer to each
tool_use, so a step cut off in the middle is left out rather than half sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from desktop.core.agent import tool_result
from desktop.core.events import (
    AgentMessage,
    RunEvent,
    RunForked,
    RunStarted,
    StepStarted,
    ToolCallFinished,
    ToolCallStarted,
)
from desktop.core.records import StoredEvent

Message = dict[str, Any]


class _Step:
    """One step being rebuilt: the model's reply and the results of its calls so far."""

    def __init__(self) -> None:
        self.replied = False
        self.reply: list[dict[str, Any]] = []
        self.results: list[dict[str, Any]] = []

    def messages(self) -> list[Message]:
        """The messages this step added, or none if it was cut off mid-way."""
        calls = sum(block["type"] == "tool_use" for block in self.reply)
        if not self.replied or not self.reply or len(self.results) != calls:
            return []
        reply = {"role": "assistant", "content": self.reply}
        return [reply, {"role": "user", "content": self.results}] if calls else [reply]


def conversation_at(events: Iterable[RunEvent]) -> list[Message]:
    """The conversation the agent had built after `events`: what its next request would send."""
    messages: list[Message] = []
    step: _Step | None = None
    for event in events:
        match event:
            case RunStarted(goal=goal):
                messages = [{"role": "user", "content": goal}]
            case RunForked(messages=start):
                messages = list(start)
            case StepStarted():
                messages += step.messages() if step is not None else []
                step = _Step()
            case AgentMessage(text=text) if step is not None:
                step.replied = True
                if text:
                    step.reply.append({"type": "text", "text": text})
            case ToolCallStarted(call_id=call_id, name=name) if step is not None:
                step.reply.append(
                    {"type": "tool_use", "id": call_id, "name": name, "input": event.input}
                )
            case ToolCallFinished() if step is not None:
                step.results.append(tool_result(event))
    return messages + (step.messages() if step is not None else [])


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
