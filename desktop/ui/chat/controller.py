"""The chat pane's bridge between the core and the widgets: slots in, Qt signals out.

It owns the `ChatSession`, the current conversation and the one asyncio task streaming a reply
(one per window, so Stop always means "that one"). It imports no widgets; the view and the
composer call its slots and render its signals. Store failures become `error` signals with a
message worded for the user, never exceptions in a Qt slot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.core.agent.compaction import ContextLimits
from desktop.core.chat.session import ChatSession
from desktop.core.events import (
    ChatEvent,
    HistoryTrimmed,
    ReplyFailed,
    ReplyFinished,
    ReplyStarted,
    Retrying,
    TextDelta,
    ThinkingDelta,
    UserMessageSaved,
)
from desktop.core.model.client import DEFAULT_MODEL, FALLBACK_MODELS, ModelClient
from desktop.core.store.database import Conversation, Message, Store, StoreError
from desktop.ui.shell.model_choice import ModelChoice
from desktop.ui.shell.sdk_import import sdk_ready

log = logging.getLogger(__name__)

NO_KEY = (
    "No API key: add one in Settings (Ctrl+,), or set ANTHROPIC_API_KEY and restart, "
    "or click “Use demo model” (or start with `agentdesk --demo`)."
)
BUSY = "A reply is still streaming: wait for it, or press Stop (Esc)."
TURN_S = 0.002  # see _Turns


class _Turns:
    """Gives Qt a turn, to lay out and paint, whenever reply work has run TURN_S without one:
    a send's saves and two new cards in one go would stall the window for a frame or more."""

    def __init__(self) -> None:
        self._since = time.perf_counter()

    async def take(self) -> None:
        if time.perf_counter() - self._since > TURN_S:
            await asyncio.sleep(0)
            self._since = time.perf_counter()


@dataclass(frozen=True)
class Branch:
    """Where a message sits among its siblings, for the `< 2/3 >` switcher."""

    position: int
    count: int
    previous_id: int | None
    next_id: int | None


class ChatController(ModelChoice, QObject):
    """One window's chat: the open conversation, its streaming reply and its model."""

    conversationOpened = Signal()
    conversationsChanged = Signal()
    threadChanged = Signal()
    userMessageSaved = Signal(int)
    replyStarted = Signal(int)
    conversationSwitched = Signal(int, int)
    """The user moves from one conversation to another (-1: a new, unsaved chat)."""
    textDelta = Signal(int, str)
    thinkingDelta = Signal(int, str)
    retrying = Signal(str)
    notice = Signal(str)
    """Something the user should know about the reply (earlier messages left out)."""
    replyFinished = Signal(int)
    replyFailed = Signal(int, str)
    replyCancelled = Signal(int)
    busyChanged = Signal(bool)
    modelsLoaded = Signal(list)
    error = Signal(str)

    def __init__(
        self,
        store: Store,
        client: ModelClient,
        parent: QObject | None = None,
        *,
        provider: str = "",
        default_model: str = "",
        max_tokens: int = 4096,
        temperature: float | None = None,
        thinking_budget: int = 0,
        context: ContextLimits | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._client = client
        self.provider = provider
        """The provider profile `client` belongs to; new conversations remember it."""
        self.default_model = default_model or DEFAULT_MODEL
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.thinking_budget = thinking_budget
        self.context = context or ContextLimits()
        """The model's context window, which long conversations are fitted to."""
        self._session = self._new_session()
        self.models: list[str] = list(FALLBACK_MODELS)
        self.model = self.default_model
        self.conversation_id: int | None = None
        self._reply_task: asyncio.Task[None] | None = None
        self._reply_conversation: int | None = None

    # --- state the widgets read -------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._reply_task is not None

    @property
    def has_api_key(self) -> bool:
        return bool(self._client.api_key)

    def conversation(self) -> Conversation | None:
        if self.conversation_id is None:
            return None
        with self._reported():
            return self._store.conversation(self.conversation_id)
        return None

    def conversations(self, limit: int | None = None) -> list[Conversation]:
        """The newest `limit` conversations (all without it), most recently active first."""
        with self._reported():
            return self._store.conversations(limit)
        return []

    def thread(self, leaf_id: int | None = None, last: int | None = None) -> list[Message]:
        """The branch on screen, root first: its `last` messages up to `leaf_id`, if given."""
        if self.conversation_id is None:
            return []
        with self._reported():
            return self._store.thread(self.conversation_id, leaf_id, last=last)
        return []

    def message(self, message_id: int) -> Message:
        return self._store.message(message_id)

    def branch(self, message_id: int) -> Branch:
        ids = [m.id for m in self._store.siblings(message_id)]
        index = ids.index(message_id)
        return Branch(
            position=index + 1,
            count=len(ids),
            previous_id=ids[index - 1] if index > 0 else None,
            next_id=ids[index + 1] if index + 1 < len(ids) else None,
        )

    # --- conversations ----------------------------------------------------------------------

    def open_conversation(self, conversation_id: int | None) -> None:
        """Show a stored conversation, or (None) a fresh chat that is saved on first send."""
        if conversation_id != self.conversation_id:
            self.conversationSwitched.emit(
                _key(self.conversation_id), _key(conversation_id)
            )
        self.conversation_id = conversation_id
        conversation = self.conversation()
        if conversation is not None and conversation.model in self.models:
            self.model = conversation.model
        self.conversationOpened.emit()

    def new_chat(self) -> None:
        self.open_conversation(None)

    def open_message(self, conversation_id: int, message_id: int) -> None:
        """Open the conversation on a branch that holds `message_id` (a search hit)."""
        if conversation_id != self.conversation_id:
            self.open_conversation(conversation_id)
        if all(message.id != message_id for message in self.thread()):
            self.select_branch(message_id)

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        title = " ".join(title.split())
        if title:
            with self._reported():
                self._store.rename_conversation(conversation_id, title)
        self.conversationsChanged.emit()

    def delete_conversation(self, conversation_id: int) -> None:
        if self.busy and conversation_id == self._reply_conversation:
            self.error.emit("This conversation is streaming a reply: stop it before deleting.")
            return
        with self._reported():
            self._store.delete_conversation(conversation_id)
            if conversation_id == self.conversation_id:
                self.open_conversation(None)
        self.conversationsChanged.emit()

    def set_system_prompt(self, text: str) -> None:
        with self._reported():
            self._store.set_system_prompt(self._ensure_conversation(), text.strip())

    def set_provider(self, provider: str) -> None:
        """The user picked a provider profile: this conversation keeps talking to it."""
        conversation = self.conversation()
        if conversation is not None and conversation.provider != provider:
            with self._reported():
                self._store.set_conversation_provider(conversation.id, provider)

    def set_model(self, model: str) -> None:
        """The user picked a model: it applies to this conversation from the next reply on."""
        self.model = model
        conversation = self.conversation()
        if conversation is not None and conversation.model != model:
            with self._reported():
                self._store.set_conversation_model(conversation.id, model)

    # --- replies ----------------------------------------------------------------------------

    def send(self, text: str, attachments: list[dict[str, Any]] | None = None) -> None:
        """Send `text` and the attached files' blocks in the open conversation; whitespace
        alone is not a message."""
        attachments = attachments or []
        if not (text.strip() or attachments) or not self._may_start():
            return
        with self._reported():
            conversation_id = self._ensure_conversation()
            self.set_model(self.model)
            events = self._session.send(conversation_id, text, attachments)
            self._start(conversation_id, events)

    def edit(self, message_id: int, text: str) -> None:
        """A new version of a past user message: a new branch, the old one stays reachable."""
        if not text.strip() or not self._may_start():
            return
        with self._reported():
            self.set_model(self.model)
            self._start(self.conversation_id, self._session.edit(message_id, text))

    def regenerate(self, message_id: int) -> None:
        """Another reply to the same user message (also the Retry of a failed one)."""
        if not self._may_start():
            return
        with self._reported():
            self.set_model(self.model)
            self._start(self.conversation_id, self._session.regenerate(message_id))

    def continue_reply(self, message_id: int) -> None:
        """Carry on a reply cut short by its length limit, into the same message."""
        if not self._may_start():
            return
        with self._reported():
            self._start(self.conversation_id, self._session.continue_reply(message_id))

    def stop(self) -> None:
        """Cancel the streaming reply; the session keeps what arrived, marked cancelled."""
        if self._reply_task is not None:
            self._reply_task.cancel()

    def select_branch(self, message_id: int) -> None:
        if self.busy:
            self.error.emit(BUSY)
            return
        with self._reported():
            self._store.select_branch(message_id)
        self.threadChanged.emit()

    # --- the model client -------------------------------------------------------------------

    @property
    def client(self) -> ModelClient:
        """The client later replies go through."""
        return self._client

    def use_client(
        self, client: ModelClient, models: list[str] | None = None, provider: str = ""
    ) -> None:
        """Talk to another endpoint from the next reply on; `models` fixes the picker's list.

        A reply streaming now finishes on the endpoint it started on.
        """
        self._client = client
        self.provider = provider or self.provider
        self._session = self._new_session()
        self._fixed_models = models
        self.load_models()

    def set_generation(
        self, max_tokens: int, temperature: float | None, thinking_budget: int = 0
    ) -> None:
        """Reply length, temperature and thinking budget from the next reply on."""
        self.max_tokens, self.temperature = max_tokens, temperature
        self.thinking_budget = thinking_budget
        self._session = self._new_session()

    def _new_session(self) -> ChatSession:
        return ChatSession(
            self._store, self._client, max_tokens=self.max_tokens, temperature=self.temperature,
            thinking_budget=self.thinking_budget, context=self.context,
        )

    def preferred_models(self) -> tuple[str, ...]:
        """The pick, else the conversation's model, else the default."""
        conversation = self.conversation()
        return (self.model, conversation.model if conversation else "", self.default_model)

    async def aclose(self) -> None:
        """Stop the reply (so it is stored as cancelled) and the model-list request."""
        tasks = [t for t in (self._reply_task, self._models_task) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._client.aclose()

    # --- internals --------------------------------------------------------------------------

    def _may_start(self) -> bool:
        if self.busy:
            self.error.emit(BUSY)
            return False
        if not self.has_api_key:
            self.error.emit(NO_KEY)
            return False
        return True

    def _ensure_conversation(self) -> int:
        if self.conversation_id is None:
            created = self._store.create_conversation(model=self.model, provider=self.provider)
            self.conversation_id = created.id
            self.conversationOpened.emit()
            self.conversationsChanged.emit()
        return self.conversation_id

    def _start(self, conversation_id: int | None, events: AsyncIterator[ChatEvent]) -> None:
        self._reply_conversation = conversation_id
        self._reply_task = asyncio.ensure_future(self._consume(events))
        # A callback, not a `finally`: a task cancelled before its first step never runs one.
        self._reply_task.add_done_callback(self._on_reply_done)
        self.busyChanged.emit(True)

    def _on_reply_done(self, task: asyncio.Task[None]) -> None:
        if task is self._reply_task:
            self._reply_task = None
            self._reply_conversation = None
            self.busyChanged.emit(False)

    async def _consume(self, events: AsyncIterator[ChatEvent]) -> None:
        reply_id: int | None = None
        try:
            await sdk_ready()
            turns = _Turns()
            async for event in events:
                await turns.take()  # making it may have taken a while: saves, a backlog
                reply_id = self._emit(event, reply_id)
                await turns.take()  # and handling it: a new card
        except asyncio.CancelledError:
            if reply_id is not None:
                self.replyCancelled.emit(reply_id)
            raise
        except (StoreError, ValueError) as exc:
            self.error.emit(str(exc))
        except Exception as exc:  # a bug must not kill the window: report it and carry on
            log.exception("chat reply failed")
            self.error.emit(f"unexpected error: {exc}")

    def _emit(self, event: ChatEvent, reply_id: int | None) -> int | None:
        """Turn one core event into its signal; returns the id of the reply being streamed."""
        match event:
            case UserMessageSaved(message_id=message_id):
                self.userMessageSaved.emit(message_id)
                self.conversationsChanged.emit()
            case ReplyStarted(message_id=message_id):
                self.replyStarted.emit(message_id)
                return message_id
            case TextDelta(text=text) if reply_id is not None:
                self.textDelta.emit(reply_id, text)
            case ThinkingDelta(text=text) if reply_id is not None:
                self.thinkingDelta.emit(reply_id, text)
            case Retrying():
                self.retrying.emit(event.notice)
            case HistoryTrimmed():
                self.notice.emit(event.notice)
            case ReplyFinished(message_id=message_id):
                self.replyFinished.emit(message_id)
            case ReplyFailed(message_id=message_id, error=error):
                self.replyFailed.emit(message_id, error)
        return reply_id

    @contextlib.contextmanager
    def _reported(self) -> Iterator[None]:
        """Turn a StoreError in the block into the `error` signal."""
        try:
            yield
        except StoreError as exc:
            self.error.emit(str(exc))


def _key(conversation_id: int | None) -> int:
    return -1 if conversation_id is None else conversation_id
