"""One message on screen: who said it, the rendered text, its cost, and what you can do with it.

A streaming reply re-renders at most every `RENDER_INTERVAL_MS`, however fast deltas arrive,
so a fast stream cannot starve the event loop with Markdown layouts.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from desktop.core.attachments import attached, typed_text
from desktop.ui.attachment_chips import card_chips
from desktop.ui.message_text import MessageText
from desktop.ui.render import copy_index

if TYPE_CHECKING:
    from desktop.core.store import Message
    from desktop.ui.chat_controller import Branch

RENDER_INTERVAL_MS = 50
WAITING = '<span style="color: #8b8f98">…</span>'  # a reply that has not said anything yet
MAX_SHOWN_CHARS = 20_000  # a 1 MB paste is stored and sent whole, but laid out only in part
STATUS_WORDS = {"streaming": "streaming…", "cancelled": "stopped", "failed": "failed"}


def _button(text: str, name: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setObjectName(name)
    button.setAccessibleName(tip)
    button.setToolTip(tip)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


def meta_text(message: Message) -> str:
    """The footer: time · model · tokens in/out · cost · status."""
    parts = [datetime.fromisoformat(message.created_at).astimezone().strftime("%H:%M")]
    if message.role == "assistant":
        parts.append(message.model or "")
        if message.input_tokens or message.output_tokens:
            parts.append(f"{message.input_tokens:,} in / {message.output_tokens:,} out")
        if message.cost_usd:  # a local endpoint's model has no price: no cost, not $0.0000
            parts.append(f"${message.cost_usd:.4f}")
    if message.status in STATUS_WORDS:
        parts.append(STATUS_WORDS[message.status])
    return " · ".join(p for p in parts if p)


def shown_text(message: Message) -> str:
    """The message's own text: what the user typed, without the text of attached files."""
    return typed_text(message.content) if attached(message.content) else message.text


def shown_part(text: str) -> str:
    if len(text) <= MAX_SHOWN_CHARS:
        return text
    rest = len(text) - MAX_SHOWN_CHARS
    return f"{text[:MAX_SHOWN_CHARS]}\n\n… ({rest:,} more characters not shown; Copy has them all)"


class MessageCard(QFrame):
    """A rounded card for one message; user and assistant cards differ by the `role` property."""

    notice = Signal(str)
    editRequested = Signal(int, str)
    regenerateRequested = Signal(int)
    retryRequested = Signal(int)
    branchRequested = Signal(int)

    def __init__(self, message: Message, branch: Branch, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageCard")
        self.setProperty("role", message.role)
        self.message = message
        self._branch = branch
        self._text = shown_text(message)
        self._last = False
        self._actions_enabled = True
        self._render_timer = QTimer(self, singleShot=True, interval=RENDER_INTERVAL_MS)
        self._build()
        self._connect_signals()
        self.set_message(message, branch)

    @property
    def message_id(self) -> int:
        return self.message.id

    def _build(self) -> None:
        self.role_label = QLabel("You" if self.message.role == "user" else "Assistant")
        self.role_label.setObjectName("messageRole")
        self.body = MessageText()
        self.body.setObjectName("messageBody")
        self.error_label = QLabel()
        self.error_label.setObjectName("messageError")
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.meta = QLabel()
        self.meta.setObjectName("messageMeta")
        self.previous_button = _button("‹", "previousBranchButton", "Previous version")
        self.branch_label = QLabel()
        self.branch_label.setObjectName("branchLabel")
        self.next_button = _button("›", "nextBranchButton", "Next version")
        self.copy_button = _button("Copy", "copyMessageButton", "Copy the message")
        self.edit_button = _button("Edit", "editButton", "Edit and resend (starts a branch)")
        self.regenerate_button = _button("Regenerate", "regenerateButton", "Another reply")
        self.retry_button = _button("Retry", "retryButton", "Try this reply again")
        self.setLayout(self._layout())

    def _layout(self) -> QVBoxLayout:
        footer = QHBoxLayout()
        footer.setSpacing(4)
        footer.addWidget(self.meta)
        footer.addStretch(1)
        for widget in (
            self.previous_button,
            self.branch_label,
            self.next_button,
            self.copy_button,
            self.edit_button,
            self.regenerate_button,
            self.retry_button,
        ):
            footer.addWidget(widget)
        layout = QVBoxLayout()
        layout.setContentsMargins(16, 10, 16, 8)
        layout.setSpacing(4)
        layout.addWidget(self.role_label)
        files = attached(self.message.content)
        if files:
            layout.addWidget(card_chips(files))
        layout.addWidget(self.body)
        layout.addWidget(self.error_label)
        layout.addLayout(footer)
        return layout

    def _connect_signals(self) -> None:
        self._render_timer.timeout.connect(self.on_render_due)
        self.body.linkActivated.connect(self.on_link_activated)
        self.copy_button.clicked.connect(self.on_copy_clicked)
        self.edit_button.clicked.connect(self.on_edit_clicked)
        self.regenerate_button.clicked.connect(self.on_regenerate_clicked)
        self.retry_button.clicked.connect(self.on_retry_clicked)
        self.previous_button.clicked.connect(self.on_previous_clicked)
        self.next_button.clicked.connect(self.on_next_clicked)

    # --- content ----------------------------------------------------------------------------

    def set_message(self, message: Message, branch: Branch | None = None) -> None:
        """Show the stored state of the message (after it finished, failed or was stopped)."""
        self.message = message
        self._branch = branch or self._branch
        self._text = shown_text(message)
        self._render_timer.stop()
        self.on_render_due()
        failed = message.status == "failed"
        self.error_label.setText((message.error or "") if failed else "")
        self.error_label.setVisible(failed)
        self.meta.setText(meta_text(message))
        self._show_actions()

    def append_text(self, text: str) -> None:
        """Add streamed text; the render happens at most once per interval."""
        self._text += text
        if not self._render_timer.isActive():
            self._render_timer.start()

    def set_last(self, last: bool) -> None:
        """Only the newest reply offers Regenerate."""
        if last != self._last:
            self._last = last
            self._show_actions()

    def set_actions_enabled(self, enabled: bool) -> None:
        """While a reply streams, nothing may start another one or switch branches."""
        if enabled != self._actions_enabled:
            self._actions_enabled = enabled
            self._show_actions()

    def on_render_due(self) -> None:
        streaming = self.message.status == "streaming"
        if streaming and not self._text:
            self.body.show_html(WAITING)
        else:
            self.body.show_text(shown_part(self._text), markdown=self.message.role != "user")
        self.body.setVisible(bool(self._text) or streaming)

    def _show_actions(self) -> None:
        user = self.message.role == "user"
        settled = self.message.status != "streaming"
        self.edit_button.setVisible(user)
        failed = self.message.status == "failed"
        self.regenerate_button.setVisible(not user and settled and self._last and not failed)
        self.retry_button.setVisible(failed)
        self.copy_button.setVisible(settled and bool(self._text))
        several = self._branch.count > 1
        for widget in (self.previous_button, self.branch_label, self.next_button):
            widget.setVisible(several)
        self.branch_label.setText(f"{self._branch.position}/{self._branch.count}")
        enabled = self._actions_enabled
        for button in (self.edit_button, self.regenerate_button, self.retry_button):
            button.setEnabled(enabled)
        self.previous_button.setEnabled(enabled and self._branch.previous_id is not None)
        self.next_button.setEnabled(enabled and self._branch.next_id is not None)

    # --- actions ----------------------------------------------------------------------------

    def on_link_activated(self, link: str) -> None:
        index = copy_index(link)
        if index is None:
            QDesktopServices.openUrl(QUrl(link))
        elif index < len(code_blocks := self.body.code_blocks):
            QGuiApplication.clipboard().setText(code_blocks[index])
            self.notice.emit("Code copied to the clipboard")

    def on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self._text)
        self.notice.emit("Message copied to the clipboard")

    def on_edit_clicked(self) -> None:
        self.editRequested.emit(self.message_id, self._text)

    def on_regenerate_clicked(self) -> None:
        self.regenerateRequested.emit(self.message_id)

    def on_retry_clicked(self) -> None:
        self.retryRequested.emit(self.message_id)

    def on_previous_clicked(self) -> None:
        if self._branch.previous_id is not None:
            self.branchRequested.emit(self._branch.previous_id)

    def on_next_clicked(self) -> None:
        if self._branch.next_id is not None:
            self.branchRequested.emit(self._branch.next_id)
