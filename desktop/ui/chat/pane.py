"""The chat tab: the message view, a one-line status, and the composer under them.

Files dropped anywhere on the tab are offered to the composer as attachments (`filesDropped`).
What only the window can do (export, promote to a task, switch provider) leaves as intent
signals; `wiring.wire` connects the rest to the controller, whose slots here keep each chat's
draft and edit its system prompt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop.ui.chat.actions import ChatActions
from desktop.ui.chat.composer import Composer, local_files
from desktop.ui.chat.message_view import COLUMN_WIDTH, ChatView
from desktop.ui.chat.system_prompt_dialog import SystemPromptDialog
from desktop.ui.widgets.naming import named
from desktop.ui.widgets.rich_text import plain

if TYPE_CHECKING:
    from desktop.ui.chat.controller import ChatController

NOTICE_MS = 3000
NOTICE_MARGIN = 12


class ChatPane(QWidget):
    """Lays out the chat widgets; the main window wires them to the controller."""

    filesDropped = Signal(list)
    """(local paths) files dropped on the chat, to attach."""
    exportRequested = Signal()
    promoteRequested = Signal()
    """Make the open chat the context of an agent task."""
    providerPicked = Signal(str)
    """The user picked a provider for this conversation."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatPane")
        self.setAcceptDrops(True)
        self.controller: ChatController | None = None
        self.system_prompt_dialog: SystemPromptDialog | None = None
        self._drafts: dict[int, tuple[str, list[dict[str, Any]]]] = {}
        """Unsent text and files per conversation (-1: the new chat) while another is open."""
        self.view = ChatView()
        self.actions = ChatActions()
        self.actions.hide()  # until a saved conversation is open
        self.composer = Composer()
        self.status = plain(QLabel())
        self.status.setObjectName("chatStatus")
        self.status.setAccessibleName("chatStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.hide()
        self.notice = plain(named(QLabel(self.view), "chatNotice", "A passing notice"))
        self.notice.hide()
        self._notice_timer = QTimer(self, singleShot=True, interval=NOTICE_MS)
        self._notice_timer.timeout.connect(self.notice.hide)
        bottom = QVBoxLayout()
        bottom.setContentsMargins(0, 0, 0, 0)
        bottom.setSpacing(6)
        bottom.addWidget(self.status)
        bottom.addWidget(self.composer)
        column = QWidget()
        column.setMaximumWidth(COLUMN_WIDTH)
        column.setLayout(bottom)
        centred = QHBoxLayout()
        centred.setContentsMargins(24, 0, 24, 16)
        centred.addWidget(column)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.actions)
        layout.addWidget(self.view, 1)
        layout.addLayout(centred)
        self.actions.export_button.clicked.connect(self.exportRequested)
        self.actions.promote_button.clicked.connect(self.promoteRequested)
        self.composer.provider_picker.textActivated.connect(self.providerPicked)

    def set_providers(self, names: list[str], current: str) -> None:
        self.composer.set_providers(names, current)

    def restyle(self) -> None:
        """The theme changed: render the messages again in its colours."""
        for card in self.view.cards:
            card.on_render_due()

    def focus_input(self) -> None:
        self.composer.chat_input.setFocus()

    # --- the controller's news ----------------------------------------------------------------

    def on_conversation_opened(self) -> None:
        chat = self._chat()
        conversation = chat.conversation()
        self.view.reload()
        self.composer.cancel_edit()
        self.composer.set_models(chat.models, chat.model)
        self.composer.set_system_prompt_active(bool(conversation and conversation.system_prompt))
        self.actions.setVisible(conversation is not None)

    def on_conversation_switched(self, old: int, new: int) -> None:
        """Each chat keeps its own unsent text and files: they stay behind when the user
        goes to another chat, and come back with it."""
        self._drafts[old] = self.composer.draft()
        self.composer.restore(self._drafts.pop(new, ("", [])))

    def on_models_loaded(self, models: list[str]) -> None:
        self.composer.set_models(models, self._chat().model)

    def on_busy_changed(self, busy: bool) -> None:
        """A new reply clears old errors; a finished one clears its retry notice."""
        if busy:
            self.clear_status()
        else:
            self.clear_progress()

    # --- the user's requests ------------------------------------------------------------------

    def on_edit_last_requested(self) -> None:
        """Up in the empty message box: edit the last message the user sent on this branch."""
        from desktop.core.chat.attachments import typed_text

        chat = self._chat()
        mine = [m for m in chat.thread() if m.role == "user"]
        if mine and not chat.busy:
            self.composer.begin_edit(mine[-1].id, typed_text(mine[-1].content))

    def on_system_prompt_requested(self) -> None:
        conversation = self._chat().conversation()
        dialog = SystemPromptDialog(conversation.system_prompt if conversation else "", self)
        dialog.accepted.connect(self.on_system_prompt_accepted)
        self.system_prompt_dialog = dialog
        dialog.open()

    def on_system_prompt_accepted(self) -> None:
        chat, dialog = self._chat(), self.system_prompt_dialog
        assert dialog is not None
        chat.set_system_prompt(dialog.text())
        dialog.deleteLater()
        self.system_prompt_dialog = None
        conversation = chat.conversation()
        self.composer.set_system_prompt_active(bool(conversation and conversation.system_prompt))

    def _chat(self) -> ChatController:
        assert self.controller is not None, "wire() gives the pane its controller"
        return self.controller

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_files(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = local_files(event.mimeData())
        if files:
            event.acceptProposedAction()
            self.filesDropped.emit(files)

    def show_notice(self, text: str) -> None:
        """Passing information (a copy) floats over the foot of the messages and clears
        itself, so nothing below it moves."""
        self.notice.setText(text)
        self.notice.adjustSize()
        area = self.view.viewport().geometry()
        self.notice.move(area.center().x() - self.notice.width() // 2,
                         area.bottom() - self.notice.height() - NOTICE_MARGIN)
        self.notice.raise_()
        self.notice.show()
        self._notice_timer.start()

    def show_progress(self, text: str) -> None:
        """What the reply is waiting for (a retry): it stays until the reply moves on."""
        self._show_status(text, "progress")

    def clear_progress(self) -> None:
        if self.status.property("kind") == "progress":
            self.clear_status()

    def show_error(self, text: str) -> None:
        """Stays until the next thing happens, so it can be read and copied."""
        self._show_status(text, "error")

    def clear_status(self) -> None:
        self.status.clear()
        self.status.hide()

    def _show_status(self, text: str, kind: str) -> None:
        self.status.setProperty("kind", kind)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.status.setText(text)
        self.status.show()
