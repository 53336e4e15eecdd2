"""Model mode: one request, one streamed reply; the app carries the history.

`ChatSession` stores the user's message before the request goes out, stores the reply as it
streams (at most `flush_interval_s` behind), and leaves a failed or stopped reply with the
blocks that arrived (thinking included) and the reason. A reply cut short by its length limit
can be continued into the same message. Edits and regenerations are siblings in the message tree,
so the old branch stays reachable.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import AsyncIterator, Sequence
from typing import Any

from desktop.core.agent.compaction import FORCED_TARGET, ContextLimits, context_window, too_long
from desktop.core.chat.attachments import MARKER, attached
from desktop.core.chat.history import api_messages, fitted, prefill, reply_blocks
from desktop.core.chat.reply_saver import ReplySaver
from desktop.core.events import (
    ChatEvent,
    HistoryTrimmed,
    MessageDone,
    ModelEvent,
    ReplyFailed,
    ReplyFinished,
    ReplyStarted,
    TextDelta,
    ThinkingDelta,
    UserMessageSaved,
)
from desktop.core.model.blocks import BlockMessage
from desktop.core.model.client import DEFAULT_MODEL
from desktop.core.model.errors import ModelError
from desktop.core.model.stream import ModelStream
from desktop.core.store.database import Conversation, Store, StoreError

TITLE_CHARS = 48
STOPPED = "stopped by the user"
CONTINUABLE = frozenset({"max_tokens", "pause_turn"})
"""Stop reasons after which a reply can be continued where it stopped."""


class ChatSession:
    """Sends chat turns for the conversations in one store through one model client."""

    def __init__(
        self,
        store: Store,
        client: ModelStream,
        *,
        max_tokens: int = 4096,
        temperature: float | None = None,
        flush_interval_s: float = 0.25,
        thinking_budget: int = 0,
        context: ContextLimits | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.flush_interval_s = flush_interval_s
        self.thinking_budget = thinking_budget
        self.context = context or ContextLimits()

    async def send(
        self, conversation_id: int, text: str, attachments: Sequence[dict[str, Any]] = ()
    ) -> AsyncIterator[ChatEvent]:
        """Append a user message at the current leaf and stream the reply to it.

        `attachments` are content blocks (see `attachments.load`); they go before the text,
        as the API advises for images.
        """
        if not text.strip() and not attachments:
            raise ValueError("the message is empty")
        conversation = self.store.conversation(conversation_id)
        user = self.store.add_message(
            conversation_id, "user", _content(text, attachments), parent_id=conversation.leaf_id
        )
        if conversation.title == "New chat":
            self.store.rename_conversation(conversation_id, _title(text or _names(attachments)))
        yield UserMessageSaved(user.id)
        async for event in self._reply(conversation_id, user.id):
            yield event

    async def edit(self, message_id: int, text: str) -> AsyncIterator[ChatEvent]:
        """A new version of a past user message: a sibling branch, then a fresh reply."""
        if not text.strip():
            raise ValueError("the message is empty")
        old = self.store.message(message_id)
        content = _content(text, attached(old.content))  # the files stay with the new version
        user = self.store.add_message(
            old.conversation_id, "user", content, parent_id=old.parent_id
        )
        yield UserMessageSaved(user.id)
        async for event in self._reply(old.conversation_id, user.id):
            yield event

    async def regenerate(self, message_id: int) -> AsyncIterator[ChatEvent]:
        """Another reply to the same user message, as a sibling of `message_id`."""
        old = self.store.message(message_id)
        if old.parent_id is None:
            raise ValueError("only a reply to a user message can be regenerated")
        async for event in self._reply(old.conversation_id, old.parent_id):
            yield event

    async def continue_reply(self, message_id: int) -> AsyncIterator[ChatEvent]:
        """Carry on a reply that stopped at its length limit (or paused): the model is sent it
        as the start of its answer, and what it adds joins the same message."""
        old = self.store.message(message_id)
        if old.role != "assistant" or old.stop_reason not in CONTINUABLE:
            raise ValueError("only a reply cut short by its length limit can be continued")
        start = reply_blocks(old)
        history = api_messages(self.store.thread(old.conversation_id, old.parent_id))
        if prefix := prefill(start):
            history.append(BlockMessage("assistant", tuple(prefix)))
        saver = ReplySaver(self.store, message_id, self.flush_interval_s, old, start)
        self.store.update_message(message_id, status="streaming", stop_reason="")
        yield ReplyStarted(message_id)
        async for event in self._stream(old.conversation_id, message_id, history, saver):
            yield event

    async def _reply(self, conversation_id: int, parent_id: int) -> AsyncIterator[ChatEvent]:
        conversation = self.store.conversation(conversation_id)
        model = conversation.model or DEFAULT_MODEL
        history = api_messages(self.store.thread(conversation_id, parent_id))
        reply = self.store.add_message(
            conversation_id, "assistant", [], parent_id=parent_id, status="streaming", model=model
        )
        yield ReplyStarted(reply.id)
        saver = ReplySaver(self.store, reply.id, self.flush_interval_s)
        async for event in self._stream(conversation_id, reply.id, history, saver):
            yield event

    async def _stream(
        self, conversation_id: int, reply_id: int, history: list[BlockMessage], saver: ReplySaver
    ) -> AsyncIterator[ChatEvent]:
        """Stream the reply into `saver`; it ends stored as complete, failed or cancelled."""
        conversation = self.store.conversation(conversation_id)
        try:
            async for event in self._attempts(conversation, reply_id, history):
                if isinstance(event, TextDelta | ThinkingDelta):
                    saver.add(event)
                elif isinstance(event, MessageDone):
                    saver.finish(event)
                    event = ReplyFinished(reply_id, event.usage)
                yield event
        except ModelError as exc:
            saver.fail("failed", str(exc), exc.partial)
            yield ReplyFailed(reply_id, str(exc))
        except StoreError as exc:
            yield ReplyFailed(reply_id, f"the reply could not be saved: {exc}")
        except (asyncio.CancelledError, GeneratorExit):
            saver.fail("cancelled", STOPPED)
            raise

    async def _attempts(
        self, conversation: Conversation, reply_id: int, history: list[BlockMessage]
    ) -> AsyncIterator[ModelEvent | HistoryTrimmed]:
        """The model's stream for `history`, fitted to the model's context window; tried once
        more, shorter, if the endpoint refuses it as too long."""
        model = conversation.model or DEFAULT_MODEL
        window = context_window(model, self.context.window)
        limit = self.context.compact_at * window if window else math.inf
        for last_try in (False, True):
            sent, left_out = fitted(history, conversation.system_prompt, limit)
            if left_out:
                yield HistoryTrimmed(reply_id, left_out)
            try:
                async for event in self.client.stream(
                    model=model,
                    messages=sent,
                    system=conversation.system_prompt,
                    max_tokens=self.max_tokens,
                    temperature=self.temperature,
                    thinking_budget=self.thinking_budget,
                ):
                    yield event
                return
            except ModelError as exc:
                if last_try or not too_long(exc) or len(sent) < 2:
                    raise
                limit = FORCED_TARGET * len(json.dumps(sent)) / 4


def _content(text: str, attachments: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    typed = [{"type": "text", "text": text}] if text.strip() else []
    return [*attachments, *typed]


def _names(attachments: Sequence[dict[str, Any]]) -> str:
    return ", ".join(block[MARKER]["name"] for block in attachments)


def _title(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1].rstrip() + "…"
