"""The chat tab: the message view, a one-line status, and the composer under them.

Files dropped anywhere on the tab are offered to the composer as attachments (`filesDropped`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop.ui.chat.actions import ChatActions
from desktop.ui.chat.composer import Composer, local_files
from desktop.ui.chat.message_view import COLUMN_WIDTH, ChatView
from desktop.ui.widgets.rich_text import plain

NOTICE_MS = 3000


class ChatPane(QWidget):
    """Lays out the chat widgets; the main window wires them to the controller."""

    filesDropped = Signal(list)
    """(local paths) files dropped on the chat, to attach."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatPane")
        self.setAcceptDrops(True)
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
        self._clear_timer = QTimer(self, singleShot=True, interval=NOTICE_MS)
        self._clear_timer.timeout.connect(self.clear_status)
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

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_files(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = local_files(event.mimeData())
        if files:
            event.acceptProposedAction()
            self.filesDropped.emit(files)

    def show_notice(self, text: str) -> None:
        """Passing information (a copy): it clears itself."""
        self._show_status(text, "notice")
        self._clear_timer.start()

    def show_progress(self, text: str) -> None:
        """What the reply is waiting for (a retry): it stays until the reply moves on."""
        self._show_status(text, "progress")
        self._clear_timer.stop()

    def clear_progress(self) -> None:
        if self.status.property("kind") == "progress":
            self.clear_status()

    def show_error(self, text: str) -> None:
        """Stays until the next thing happens, so it can be read and copied."""
        self._show_status(text, "error")
        self._clear_timer.stop()

    def clear_status(self) -> None:
        self.status.clear()
        self.status.hide()

    def _show_status(self, text: str, kind: str) -> None:
        self.status.setProperty("kind", kind)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.status.setText(text)
        self.status.show()
