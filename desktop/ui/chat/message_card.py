"""One message on screen: who said it, the rendered text, its cost, and what you can do with it.

A streaming reply re-renders at most every `RENDER_INTERVAL_MS`, however fast deltas arrive,
so a fast stream cannot starve the event loop with Markdown layouts.

Two things keep cards cheap. The border is the card's background showing `BORDER` px around an
inner panel, not a style-sheet border: Qt sizes a widget with one by asking its layout's height
at a width 2 px too wide (`QLayout::totalSizeHint`), which laid every streamed render of the
text out twice. And the footer's buttons and the error line are built the first time they are
shown (`part`): most cards only ever show one or two, and each widget costs a send, or a page
of history, time to build and style.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from desktop.core.chat.attachments import attached, typed_text
from desktop.core.model.blocks import RedactedThinkingBlock, ThinkingBlock, parse_content
from desktop.ui.chat.attachment_chips import card_chips
from desktop.ui.chat.message_text import MessageText
from desktop.ui.widgets.render import copy_index
from desktop.ui.widgets.rich_text import plain

if TYPE_CHECKING:
    from desktop.core.store.database import Message
    from desktop.ui.chat.controller import Branch

RENDER_INTERVAL_MS = 50
WAITING = '<span style="color: #8b8f98">…</span>'  # a reply that has not said anything yet
MAX_SHOWN_CHARS = 20_000  # a 1 MB paste is stored and sent whole, but laid out only in part
BORDER = 1  # px of the card's background around its panel
STATUS_WORDS = {"streaming": "streaming…", "cancelled": "stopped", "failed": "failed"}
STOP_WORDS = {
    "max_tokens": "cut short (length limit)",
    "pause_turn": "paused",
    "refusal": "refused",
    "model_context_window_exceeded": "too long for the model's context",
}
CONTINUABLE = frozenset({"max_tokens", "pause_turn"})


# a footer button: (text, object name, tooltip, the card's slot for its click)
BUTTONS = {
    "previous_button": ("‹", "previousBranchButton", "Previous version", "on_previous_clicked"),
    "next_button": ("›", "nextBranchButton", "Next version", "on_next_clicked"),
    "copy_button": ("Copy", "copyMessageButton", "Copy the message", "on_copy_clicked"),
    "edit_button": ("Edit", "editButton", "Edit and resend (starts a branch)", "on_edit_clicked"),
    "regenerate_button": ("Regenerate", "regenerateButton", "Another reply",
                          "on_regenerate_clicked"),
    "retry_button": ("Retry", "retryButton", "Try this reply again", "on_retry_clicked"),
    "continue_button": ("Continue", "continueButton", "Continue the reply where it stopped",
                        "on_continue_clicked"),
    "thinking_button": ("Show thinking", "thinkingToggle", "Show or hide the model's thinking",
                        "on_thinking_clicked"),
}
FOOTER = ("previous_button", "branch_label", "next_button", "copy_button", "edit_button",
          "regenerate_button", "retry_button", "continue_button")
ABOVE_BODY = ("thinking_button", "thinking_text")
FOOTER_START = 2  # the meta line and the stretch come first


def _button(text: str, name: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setObjectName(name)
    button.setAccessibleName(tip)
    button.setToolTip(tip)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


def _label(name: str) -> QLabel:
    label = plain(QLabel())
    label.setObjectName(name)
    return label


def _part(name: str) -> property:
    return property(lambda card: card.part(name), doc=f"The card's {name}, built on first use.")


def meta_text(message: Message) -> str:
    """The footer: time · model · tokens in/out · cost · status."""
    parts = [datetime.fromisoformat(message.created_at).astimezone().strftime("%H:%M")]
    if message.role == "assistant":
        parts.append(message.model or "")
        if message.input_tokens or message.output_tokens:
            read = message.cache_read_tokens
            cached = f" ({read:,} cached)" if read else ""
            parts.append(f"{message.input_tokens:,} in{cached} / {message.output_tokens:,} out")
        if message.cost_usd:  # a local endpoint's model has no price: no cost, not $0.0000
            parts.append(f"${message.cost_usd:.4f}")
    if message.status in STATUS_WORDS:
        parts.append(STATUS_WORDS[message.status])
    elif message.stop_reason in STOP_WORDS:
        parts.append(STOP_WORDS[message.stop_reason])
    return " · ".join(p for p in parts if p)


def thinking_text(message: Message) -> str:
    """The reply's thinking, as one text (redacted thinking is only named)."""
    parts = []
    for block in parse_content(message.content):
        if isinstance(block, ThinkingBlock):
            parts.append(block.thinking)
        elif isinstance(block, RedactedThinkingBlock):
            parts.append("(part of the thinking was redacted by the provider)")
    return "\n\n".join(p for p in parts if p)


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
    continueRequested = Signal(int)
    branchRequested = Signal(int)

    previous_button = _part("previous_button")
    branch_label = _part("branch_label")
    next_button = _part("next_button")
    copy_button = _part("copy_button")
    edit_button = _part("edit_button")
    regenerate_button = _part("regenerate_button")
    retry_button = _part("retry_button")
    continue_button = _part("continue_button")
    thinking_button = _part("thinking_button")
    thinking_label = _part("thinking_text")
    error_label = _part("error_label")

    def __init__(self, message: Message, branch: Branch, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageCard")
        self.setProperty("role", message.role)
        self.message = message
        self._branch = branch
        self._text = shown_text(message)
        self._thinking = thinking_text(message)
        self._last = False
        self._actions_enabled = True
        self._render_timer = QTimer(self, singleShot=True, interval=RENDER_INTERVAL_MS)
        self._build()
        self._connect_signals()
        self.set_message(message, branch)

    @property
    def message_id(self) -> int:
        return self.message.id

    @property
    def highlighted(self) -> bool:
        return bool(self.styleSheet())

    def highlight(self, color: QColor | None) -> None:
        """Ring the card in `color` (a search hit), or take the ring off (None)."""
        self.setStyleSheet(f"#messageCard {{ background: {color.name()}; }}" if color else "")

    def _build(self) -> None:
        self.role_label = QLabel("You" if self.message.role == "user" else "Assistant")
        self.role_label.setObjectName("messageRole")
        self.body = MessageText()
        self.body.setObjectName("messageBody")
        self.meta = QLabel()
        self.meta.setObjectName("messageMeta")
        self._parts: dict[str, QWidget] = {}
        self._footer = QHBoxLayout()
        self._footer.setSpacing(4)
        self._footer.addWidget(self.meta)
        self._footer.addStretch(1)
        self._column = self._layout()
        panel = QWidget()
        panel.setObjectName("messagePanel")
        panel.setLayout(self._column)
        ring = QVBoxLayout(self)
        ring.setContentsMargins(BORDER, BORDER, BORDER, BORDER)
        ring.addWidget(panel)

    def part(self, name: str) -> QWidget:
        """A footer widget or the error line, hidden until shown; built and placed on first use."""
        if name not in self._parts:
            self._parts[name] = widget = self._new_part(name)
            widget.hide()
            if name == "error_label":
                self._column.insertWidget(self._column.indexOf(self.body) + 1, widget)
            elif name in ABOVE_BODY:
                self._column.insertWidget(self._column.indexOf(self.body), widget)
            else:
                before = FOOTER[: FOOTER.index(name)]
                place = FOOTER_START + sum(other in self._parts for other in before)
                self._footer.insertWidget(place, widget)
        return self._parts[name]

    def _new_part(self, name: str) -> QWidget:
        if name == "error_label":
            label = _label("messageError")
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            return label
        if name == "branch_label":
            return _label("branchLabel")
        if name == "thinking_text":
            label = _label("thinkingText")
            label.setTextFormat(Qt.TextFormat.PlainText)  # the model's words, never markup
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            return label
        text, object_name, tip, slot = BUTTONS[name]
        button = _button(text, object_name, tip)
        button.setCheckable(name == "thinking_button")
        button.clicked.connect(getattr(self, slot))
        return button

    def _layout(self) -> QVBoxLayout:
        layout = QVBoxLayout()
        layout.setContentsMargins(16, 10, 16, 8)
        layout.setSpacing(4)
        layout.addWidget(self.role_label)
        files = attached(self.message.content)
        if files:
            layout.addWidget(card_chips(files))
        layout.addWidget(self.body)
        layout.addLayout(self._footer)
        return layout

    def _connect_signals(self) -> None:
        self._render_timer.timeout.connect(self.on_render_due)
        self.body.linkActivated.connect(self.on_link_activated)

    # --- content ----------------------------------------------------------------------------

    def set_message(self, message: Message, branch: Branch | None = None) -> None:
        """Show the stored state of the message (after it finished, failed or was stopped)."""
        self.message = message
        self._branch = branch or self._branch
        self._text = shown_text(message)
        self._thinking = thinking_text(message)
        self._render_timer.stop()
        self.on_render_due()
        failed = message.status == "failed"
        if failed or "error_label" in self._parts:
            self.error_label.setText((message.error or "") if failed else "")
            self.error_label.setVisible(failed)
        self.meta.setText(meta_text(message))
        self._show_actions()

    def append_text(self, text: str) -> None:
        """Add streamed text; the render happens at most once per interval."""
        self._text += text
        if not self._render_timer.isActive():
            self._render_timer.start()

    def append_thinking(self, text: str) -> None:
        """Add streamed thinking; shown under its toggle, collapsed unless opened."""
        self._thinking += text
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
        self._show_thinking(streaming)

    def _show_thinking(self, streaming: bool) -> None:
        if not self._thinking and "thinking_button" not in self._parts:
            return
        button = self.thinking_button
        button.setVisible(bool(self._thinking))
        opened = button.isChecked()
        live = streaming and not self._text
        button.setText("Thinking…" if live else ("Hide thinking" if opened else "Show thinking"))
        if opened or "thinking_text" in self._parts:
            self.thinking_label.setText(shown_part(self._thinking))
            self.thinking_label.setVisible(opened)

    def _show_actions(self) -> None:
        user = self.message.role == "user"
        settled = self.message.status != "streaming"
        failed = self.message.status == "failed"
        several = self._branch.count > 1
        enabled = self._actions_enabled
        shown = {
            "previous_button": several,
            "branch_label": several,
            "next_button": several,
            "copy_button": settled and bool(self._text),
            "edit_button": user,
            "regenerate_button": not user and settled and self._last and not failed,
            "retry_button": failed,
            "continue_button": not user and settled and self._last and not failed
            and self.message.stop_reason in CONTINUABLE,
        }
        usable = {
            "previous_button": enabled and self._branch.previous_id is not None,
            "next_button": enabled and self._branch.next_id is not None,
            "edit_button": enabled,
            "regenerate_button": enabled,
            "retry_button": enabled,
            "continue_button": enabled,
        }
        for name, visible in shown.items():
            if visible or name in self._parts:
                widget = self.part(name)
                widget.setEnabled(usable.get(name, True))
                widget.setVisible(visible)
        if several:
            self.branch_label.setText(f"{self._branch.position}/{self._branch.count}")

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

    def on_continue_clicked(self) -> None:
        self.continueRequested.emit(self.message_id)

    def on_thinking_clicked(self) -> None:
        self._show_thinking(self.message.status == "streaming")

    def on_previous_clicked(self) -> None:
        if self._branch.previous_id is not None:
            self.branchRequested.emit(self._branch.previous_id)

    def on_next_clicked(self) -> None:
        if self._branch.next_id is not None:
            self.branchRequested.emit(self._branch.next_id)
