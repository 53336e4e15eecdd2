"""A chat reply stored as it streams, and finished, failed or stopped with all that arrived."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from desktop.core.events import MessageDone, TextDelta, ThinkingDelta, Usage
from desktop.core.model.blocks import Block, TextBlock, ThinkingBlock, to_api
from desktop.core.store.database import Message, Store, StoreError


class ReplySaver:
    """Keeps the stored reply at most one interval behind the stream.

    Saves run from a timer, so a failed save is kept and raised at the next delta, where the
    session can report it. A continued reply starts from the blocks it already had and adds
    its usage to theirs.
    """

    def __init__(
        self, store: Store, message_id: int, interval_s: float, continues: Message | None = None,
        before: Sequence[Block] = (),
    ) -> None:
        self.store = store
        self.message_id = message_id
        self.interval_s = interval_s
        self.before = tuple(before)
        self.earlier = usage_of(continues) if continues is not None else Usage()
        self.text: list[str] = []
        self.thinking: list[str] = []
        self._pending: asyncio.TimerHandle | None = None
        self._error: StoreError | None = None

    def add(self, delta: TextDelta | ThinkingDelta) -> None:
        if self._error is not None:
            raise self._error
        (self.thinking if isinstance(delta, ThinkingDelta) else self.text).append(delta.text)
        if self._pending is None:
            loop = asyncio.get_running_loop()
            self._pending = loop.call_later(self.interval_s, self._flush)

    def _so_far(self) -> list[Block]:
        """What arrived, from the deltas: thinking first, as the model sends it."""
        blocks: list[Block] = []
        if self.thinking:
            blocks.append(ThinkingBlock("".join(self.thinking)))
        if self.text:
            blocks.append(TextBlock("".join(self.text)))
        return blocks

    def _content(self, new: Sequence[Block]) -> list[dict[str, Any]]:
        return [to_api(b) for b in joined(self.before, new)]

    def _flush(self) -> None:
        self._pending = None
        try:
            self.store.update_message(self.message_id, content=self._content(self._so_far()))
        except StoreError as exc:
            self._error = exc

    def finish(self, done: MessageDone) -> None:
        self._cancel_timer()
        self.store.update_message(
            self.message_id,
            content=self._content(done.content),
            status="complete",
            usage=self.earlier + done.usage,
            model=done.model,
            stop_reason=done.stop_reason or "",
        )

    def fail(self, status: str, error: str, partial: MessageDone | None = None) -> None:
        """Keep what arrived (the partial reply's blocks when the client has them) and why."""
        self._cancel_timer()
        blocks = partial.content if partial is not None and partial.content else self._so_far()
        usage = self.earlier + partial.usage if partial is not None else None
        self.store.update_message(
            self.message_id, content=self._content(blocks), status=status, error=error,
            usage=usage,
        )

    def _cancel_timer(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None


def usage_of(message: Message) -> Usage:
    return Usage(
        message.input_tokens, message.output_tokens, message.cost_usd,
        message.cache_read_tokens, message.cache_write_tokens,
    )


def joined(before: Sequence[Block], new: Sequence[Block]) -> list[Block]:
    """A continued reply: its new text runs on from the old text, in the same block."""
    if before and new and isinstance(before[-1], TextBlock) and isinstance(new[0], TextBlock):
        return [*before[:-1], TextBlock(before[-1].text + new[0].text), *new[1:]]
    return [*before, *new]
