"""`chatView`: the conversation's branch as a column of message cards.

Only the newest `PAGE` messages get widgets; scrolling to the top adds the page before, keeping
the text under the cursor in place. That keeps a 10,000-message conversation as quick to open
as a short one. While a reply streams the view follows the newest text, unless the user has
scrolled up to read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from desktop.ui.theme.palette import current

if TYPE_CHECKING:
    from desktop.core.store.database import Message
    from desktop.ui.chat.controller import Branch
    from desktop.ui.chat.message_card import MessageCard

PAGE = 25  # enough to fill a tall window; a 10,000-message chat opens as fast as a short one
COLUMN_WIDTH = 860
FOLLOW_SLACK_PX = 48
FLASH_MS = 1600
FLASH_MARGIN_PX = 60
EMPTY_TEXT = (
    "<p style='font-size: x-large'>What can I help with?</p>"  # the theme colours it
    "<p style='color: #8b8f98'>Enter sends · Shift+Enter adds a line · Esc stops a reply</p>"
)


class MessageSource(Protocol):
    """What the view reads: the chat controller, seen as a read-only model."""

    conversation_id: int | None

    def thread(self, leaf_id: int | None = None, last: int | None = None) -> list[Message]: ...

    def message(self, message_id: int) -> Message: ...

    def branch(self, message_id: int) -> Branch: ...


class ChatView(QScrollArea):
    """Renders the thread; re-emits the cards' requests so one place can wire them."""

    notice = Signal(str)
    editRequested = Signal(int, str)
    regenerateRequested = Signal(int)
    retryRequested = Signal(int)
    continueRequested = Signal(int)
    branchRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatView")
        self.setAccessibleName("chatView")
        self.setAccessibleDescription("The conversation")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._source: MessageSource | None = None
        self._thread: list[Message] = []
        self._cards: list[MessageCard] = []
        self._follow = True
        self._restoring = False
        self._actions_enabled = True
        self._build()
        bar = self.verticalScrollBar()
        bar.rangeChanged.connect(self.on_range_changed)
        bar.valueChanged.connect(self.on_scrolled)

    def _build(self) -> None:
        content = QWidget()
        content.setObjectName("chatContent")
        self._column = QVBoxLayout()
        self._column.setContentsMargins(0, 16, 0, 16)
        self._column.setSpacing(12)
        self.empty_label = QLabel(EMPTY_TEXT)
        self.empty_label.setObjectName("emptyChat")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setContentsMargins(0, 120, 0, 0)
        self._column.addWidget(self.empty_label)
        self._column.addStretch(1)
        column = QWidget()
        column.setMaximumWidth(COLUMN_WIDTH)
        column.setLayout(self._column)
        outer = QHBoxLayout(content)
        outer.setContentsMargins(24, 0, 24, 0)
        outer.addWidget(column, 1)
        self.setWidget(content)

    @property
    def cards(self) -> list[MessageCard]:
        return list(self._cards)

    def set_source(self, source: MessageSource) -> None:
        self._source = source

    # --- whole thread -------------------------------------------------------------------------

    def reload(self) -> None:
        """Show the source's current branch from scratch, scrolled to the newest message."""
        for card in self._cards:
            card.hide()  # off screen now; deleted once the event loop gets to it
            card.deleteLater()
        self._cards = []
        self._thread = self._source.thread(last=PAGE) if self._source else []
        for message in self._thread:
            self._insert(len(self._cards), message)
        self._follow = True
        self._after_change()

    def show_earlier(self) -> None:
        """Add the page before the first card, keeping the visible text where it is."""
        first = self._thread[0] if self._thread else None
        if self._source is None or first is None or first.parent_id is None:
            return
        earlier = self._source.thread(leaf_id=first.parent_id, last=PAGE)
        bar = self.verticalScrollBar()
        from_bottom = bar.maximum() - bar.value()
        for offset, message in enumerate(earlier):
            self._insert(offset, message)
        self._thread[:0] = earlier
        self._settle_layout()
        self._scroll_to(bar.maximum() - from_bottom)

    def reveal(self, message_id: int) -> bool:
        """Scroll to a message of the branch shown, paging back to it, and flash it (a search
        hit); False if it is not on this branch."""
        card = self._card(message_id)
        while card is None and self._thread and self._thread[0].parent_id is not None:
            self.show_earlier()
            card = self._card(message_id)
        if card is None:
            return False
        self._settle_layout()
        self.ensureWidgetVisible(card, 0, FLASH_MARGIN_PX)
        card.highlight(current().colour("accent"))
        QTimer.singleShot(FLASH_MS, card, lambda: card.highlight(None))
        return True

    # --- live updates -------------------------------------------------------------------------

    def on_message_added(self, message_id: int) -> None:
        """A saved user message or a started reply: append it, or redraw if it branches off."""
        if self._source is None:
            return
        message = self._source.message(message_id)
        if message.conversation_id != self._source.conversation_id:
            return
        last_id = self._cards[-1].message_id if self._cards else None
        if message.parent_id != last_id or (last_id is None and self._thread):
            self.reload()
            return
        self._thread.append(message)
        self._insert(len(self._cards), message)
        self._follow = True
        self._after_change()

    def on_text_delta(self, message_id: int, text: str) -> None:
        card = self._card(message_id)
        if card is not None:
            card.append_text(text)

    def on_thinking_delta(self, message_id: int, text: str) -> None:
        card = self._card(message_id)
        if card is not None:
            card.append_thinking(text)

    def on_reply_settled(self, message_id: int) -> None:
        """Finished, failed or stopped: show the stored text, usage and status."""
        card = self._card(message_id)
        if card is not None and self._source is not None:
            card.set_message(self._source.message(message_id), self._source.branch(message_id))

    def on_reply_failed(self, message_id: int, _error: str) -> None:
        self.on_reply_settled(message_id)

    def on_busy_changed(self, busy: bool) -> None:
        self._actions_enabled = not busy
        for card in self._cards:
            card.set_actions_enabled(not busy)

    # --- scrolling ----------------------------------------------------------------------------

    def on_range_changed(self, _minimum: int, maximum: int) -> None:
        if self._follow:
            self._scroll_to(maximum)

    def on_scrolled(self, value: int) -> None:
        if self._restoring:
            return
        bar = self.verticalScrollBar()
        self._follow = value >= bar.maximum() - FOLLOW_SLACK_PX
        if value == bar.minimum() and bar.maximum() > 0:
            self.show_earlier()

    def _scroll_to(self, value: int) -> None:
        self._restoring = True
        try:
            self.verticalScrollBar().setValue(value)
        finally:
            self._restoring = False

    def _settle_layout(self) -> None:
        """Lay the new cards out now, so the scroll range is right before we scroll."""
        self.widget().layout().activate()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)

    # --- cards --------------------------------------------------------------------------------

    def _insert(self, index: int, message: Message) -> None:
        # Cards come with the core, after the first paint; so does their module (~15 ms).
        from desktop.ui.chat.message_card import MessageCard

        assert self._source is not None
        card = MessageCard(message, self._source.branch(message.id))
        card.set_actions_enabled(self._actions_enabled)
        card.notice.connect(self.notice)
        card.editRequested.connect(self.editRequested)
        card.regenerateRequested.connect(self.regenerateRequested)
        card.retryRequested.connect(self.retryRequested)
        card.continueRequested.connect(self.continueRequested)
        card.branchRequested.connect(self.branchRequested)
        # The column holds the empty-chat label, the cards, and a closing stretch.
        self._column.insertWidget(1 + index, card)
        card.show()  # now, not when the layout's queued show arrives
        self._cards.insert(index, card)

    def _after_change(self) -> None:
        """Keep the empty-state and the one Regenerate button in step with the cards."""
        self.empty_label.setVisible(not self._cards)
        for card in self._cards:
            card.set_last(card is self._cards[-1])

    def _card(self, message_id: int) -> MessageCard | None:
        for card in reversed(self._cards):
            if card.message_id == message_id:
                return card
        return None
