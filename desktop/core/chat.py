"""Model mode: one request, one streamed reply; the app carries the history.

`ChatSession` stores the user's message before the request goes out, stores the reply as it
streams (at most `flush_interval_s` behind), and leaves a failed or stopped reply with the
text that arrived and the reason. Edits and regenerations are siblings in the message tree,
so the old branch stays reachable.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

from desktop.core.attachments import MARKER, api_block, attached
from desktop.core.events import (
    ChatEvent,
    MessageDone,
    ReplyFailed,
    ReplyFinished,
    ReplyStarted,
    Retrying,
    TextDelta,
    UserMessageSaved,
)
from desktop.core.llm import DEFAULT_MODEL, ModelClient, ModelError
from desktop.core.store import Message, Store, StoreError

TITLE_CHARS = 48
STOPPED = "stopped by the user"


class ChatSession:
    """Sends chat turns for the conversations in one store through one model client."""

    def __init__(
        self,
        store: Store,
        client: ModelClient,
        *,
        max_tokens: int = 4096,
        temperature: float | None = None,
        flush_interval_s: float = 0.25,
    ) -> None:
        self.store = store
        self.client = client
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.flush_interval_s = flush_interval_s

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

    async def _reply(self, conversation_id: int, parent_id: int) -> AsyncIterator[ChatEvent]:
        conversation = self.store.conversation(conversation_id)
        model = conversation.model or DEFAULT_MODEL
        history = api_messages(self.store.thread(conversation_id, parent_id))
        reply = self.store.add_message(
            conversation_id, "assistant", [], parent_id=parent_id, status="streaming", model=model
        )
        yield ReplyStarted(reply.id)
        saver = _ReplySaver(self.store, reply.id, self.flush_interval_s)
        try:
            async for event in self.client.stream(
                model=model,
                messages=history,
                system=conversation.system_prompt,
                max_tokens=self.max_tokens,
                temperature=self.temperature,
            ):
                if isinstance(event, TextDelta):
                    saver.add(event.text)
                    yield event
                elif isinstance(event, Retrying):
                    yield event
                elif isinstance(event, MessageDone):
                    saver.finish(event)
                    yield ReplyFinished(reply.id, event.usage)
        except ModelError as exc:
            saver.fail("failed", str(exc))
            yield ReplyFailed(reply.id, str(exc))
        except StoreError as exc:
            yield ReplyFailed(reply.id, f"the reply could not be saved: {exc}")
        except (asyncio.CancelledError, GeneratorExit):
            saver.fail("cancelled", STOPPED)
            raise


class _ReplySaver:
    """Keeps the stored reply at most one interval behind the stream.

    Saves run from a timer, so a failed save is kept and raised at the next delta, where the
    session can report it.
    """

    def __init__(self, store: Store, message_id: int, interval_s: float) -> None:
        self.store = store
        self.message_id = message_id
        self.interval_s = interval_s
        self.text = ""
        self._pending: asyncio.TimerHandle | None = None
        self._error: StoreError | None = None

    def add(self, text: str) -> None:
        if self._error is not None:
            raise self._error
        self.text += text
        if self._pending is None:
            loop = asyncio.get_running_loop()
            self._pending = loop.call_later(self.interval_s, self._flush)

    def _flush(self) -> None:
        self._pending = None
        try:
            self.store.update_message(self.message_id, content=self.text)
        except StoreError as exc:
            self._error = exc

    def finish(self, done: MessageDone) -> None:
        self._cancel_timer()
        self.store.update_message(
            self.message_id,
            content=list(done.content),
            status="complete",
            usage=done.usage,
            model=done.model,
        )

    def fail(self, status: str, error: str) -> None:
        self._cancel_timer()
        self.store.update_message(self.message_id, content=self.text, status=status, error=error)

    def _cancel_timer(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None


def api_messages(thread: list[Message]) -> list[dict[str, Any]]:
    """The Messages API history for a thread: empty and failed replies dropped, roles merged."""
    result: list[dict[str, Any]] = []
    for message in thread:
        blocks = [
            api_block(b) for b in message.content if b.get("type") != "text" or b.get("text")
        ]
        if not blocks or (message.role == "assistant" and message.status == "failed"):
            continue
        if result and result[-1]["role"] == message.role:
            result[-1]["content"].extend(blocks)
        else:
            result.append({"role": message.role, "content": list(blocks)})
    while result and result[0]["role"] != "user":
        result.pop(0)
    return result


def _content(text: str, attachments: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    typed = [{"type": "text", "text": text}] if text.strip() else []
    return [*attachments, *typed]


def _names(attachments: Sequence[dict[str, Any]]) -> str:
    return ", ".join(block[MARKER]["name"] for block in attachments)


def _title(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1].rstrip() + "…"
