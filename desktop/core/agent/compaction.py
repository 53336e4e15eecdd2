"""Keeping a run's requests within the model's context window, without losing the record.

Before each step the agent asks `Compactor.fit` whether the next request would pass the
threshold (80 % of the window by default). If so, first the outputs of tool calls older than
the last two steps are cleared (a stub says how `recall` brings one back); if that is not
enough, the model summarises everything before the last two steps, and the summary stands for
it. Either way the result is a `ContextCompacted` event: the store keeps every event as it
was, `Conversation` applies the event, and replay shows it. An endpoint that answers "prompt
is too long" gets the same treatment at once (`force`), sized from the request it refused.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from desktop.core.agent.conversation import Conversation, Message
from desktop.core.events import ContextCompacted, MessageDone, Usage
from desktop.core.model.errors import ModelError
from desktop.core.model.stream import ModelStream

KEEP_STEPS = 2
DEFAULT_THRESHOLD = 0.8
FORCED_TARGET = 0.6  # of a refused request's size, when the window is not known
SUMMARY_TOKENS = 2048
CONTEXT_WINDOWS = (("claude-", 200_000),)
"""Input tokens by model-id prefix; other models' windows come from their profile or the user."""
SUMMARY_REQUEST = (
    "The conversation is getting too long for your context window. Summarise the work so "
    "far for yourself: the goal, what you found, what you changed (files and how), what "
    "worked and what failed, and what is left to do. Be specific (paths, names, commands, "
    "errors); leave out what no longer matters. Reply with the summary only, no tool calls."
)


@dataclass(frozen=True)
class ContextLimits:
    """How much of the conversation a run's model may be sent: its context window in tokens
    (0: the built-in figure for the model, if any) and the share of it that starts compaction."""

    window: int = 0
    compact_at: float = DEFAULT_THRESHOLD

    def agent_options(self) -> dict[str, Any]:
        return {"context_window": self.window, "compact_at": self.compact_at}


def context_window(model: str, configured: int = 0) -> int:
    """The model's context window in tokens: `configured` (the profile's or the user's), else
    the built-in table; 0 when not known."""
    if configured > 0:
        return configured
    return next((size for prefix, size in CONTEXT_WINDOWS if model.startswith(prefix)), 0)


def too_long(error: ModelError) -> bool:
    """An endpoint refused the request for its length."""
    text = str(error).lower()
    return error.status in (400, 413) and ("too long" in text or "context" in text)


@dataclass
class Compactor:
    """Fits the next request of one run into `window` tokens (0: not known)."""

    client: ModelStream
    model: str
    system: str
    tools: Sequence[dict[str, Any]]
    window: int = 0
    threshold: float = DEFAULT_THRESHOLD

    def size(self, messages: list[Message]) -> int:
        """Estimated tokens of a request (four characters a token, as the API roughly has it)."""
        return len(json.dumps([list(self.tools), self.system, messages])) // 4

    async def fit(
        self, conversation: Conversation, step: int, *, force: bool = False
    ) -> tuple[ContextCompacted | None, Usage]:
        """The compaction the next request needs (None if none), and what summarising cost."""
        before = self.size(conversation.messages())
        if force:
            limit = FORCED_TARGET * (self.window or before)
        elif not self.window or before <= self.threshold * self.window:
            return None, Usage()
        else:
            limit = self.threshold * self.window
        cleared = conversation.clearable(KEEP_STEPS)
        trial = _applied(conversation, ContextCompacted(cleared))
        after = self.size(trial.messages())
        first_kept = step - KEEP_STEPS + 1
        if after <= limit or first_kept < 2:
            event = ContextCompacted(cleared, tokens_before=before, tokens_after=after)
            return (event if cleared else None), Usage()
        summary, usage = await self._summary(trial.before_step(first_kept))
        event = ContextCompacted(cleared, summary, first_kept, before)
        after = self.size(_applied(conversation, event).messages())
        return dataclasses.replace(event, tokens_after=after), usage

    async def _summary(self, earlier: list[Message]) -> tuple[str, Usage]:
        """The model's summary of `earlier` (which ends with a user message)."""
        ask = {"type": "text", "text": SUMMARY_REQUEST}
        last = earlier[-1]
        content = last["content"]
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        messages = [*earlier[:-1], {**last, "content": [*blocks, ask]}]
        reply: MessageDone | None = None
        async for event in self.client.stream(
            model=self.model, messages=messages, system=self.system, tools=self.tools,
            max_tokens=SUMMARY_TOKENS,
        ):
            if isinstance(event, MessageDone):
                reply = event
        if reply is None or not reply.text.strip():
            raise ModelError("the model gave no summary to compact the conversation with")
        return reply.text.strip(), reply.usage


def _applied(conversation: Conversation, event: ContextCompacted) -> Conversation:
    trial = copy.deepcopy(conversation)
    trial.apply(event)
    return trial
