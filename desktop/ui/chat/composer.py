"""The composer: `chatInput`, `sendButton`, `stopButton`, `providerPicker`, `modelPicker`,
the system prompt, and files to attach (`attachButton`, `attachmentList`).

Its text and files are cleared only when the controller says the message is stored, so a
database error never eats what the user typed. Editing a past message reuses the composer
("edit mode"); the edited message keeps its files. The file dialog is injectable
(`choose_files`) so tests attach files without a native dialog.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.chat.attachments import TEXT_LIMIT, AttachmentError, load, pasted, size_text
from desktop.ui.chat.attachment_chips import AttachmentList
from desktop.ui.widgets.dialogs import PasteAsker, ask_large_paste
from desktop.ui.widgets.naming import named
from desktop.ui.widgets.text_input import GrowingTextInput

MAX_INPUT_LINES = 10
EMPTY = "Type a message first (↑ in the empty box edits your last one)."
LARGE_PASTE_CHARS = 20_000
"""A paste longer than this asks: as text, or as an attached file (with its size and tokens)."""
PLACEHOLDER = "Message the model…  (Enter sends, Shift+Enter adds a line)"
EDIT_NOTICE = "Editing an earlier message: sending starts a new branch (the old one stays)."
FileChooser = Callable[[QWidget], list[str]]


def ask_for_files(parent: QWidget) -> list[str]:
    """The native open-files dialog; [] when cancelled."""
    files, _ = QFileDialog.getOpenFileNames(
        parent, "Attach files", "", "Text and images (*);;Images (*.png *.jpg *.jpeg *.gif *.webp)"
    )
    return files


def local_files(source: QMimeData) -> list[str]:
    """The local files a drag carries ([] for text, web links…)."""
    return [url.toLocalFile() for url in source.urls() if url.isLocalFile()]


class ChatInput(GrowingTextInput):
    """Enter submits, Shift+Enter breaks the line; dropped files go to the chat pane; a paste
    longer than LARGE_PASTE_CHARS is handed to the composer to ask about, not inserted."""

    largePaste = Signal(str)
    editLastRequested = Signal()
    """Up in an empty box: edit the last message sent, as in a terminal or a chat app."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(1, MAX_INPUT_LINES, 8, parent)
        named(self, "chatInput")
        self.setAccessibleDescription(PLACEHOLDER)
        self.setPlaceholderText(PLACEHOLDER)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        if event.key() == Qt.Key.Key_Up and not self.toPlainText():
            self.editLastRequested.emit()
            return
        if enter:
            self.insertPlainText("\n")
            return
        super().keyPressEvent(event)

    def insertFromMimeData(self, source: QMimeData) -> None:
        if source.hasText() and len(source.text()) > LARGE_PASTE_CHARS:
            self.largePaste.emit(source.text())
        else:
            super().insertFromMimeData(source)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        """Dropped files are attachments (the chat pane takes them), not text to insert."""
        return not local_files(source) and super().canInsertFromMimeData(source)


class Composer(QFrame):
    """Where a message is written and sent, and where the model and system prompt are chosen."""

    sendRequested = Signal(str, list)
    """(text, the attached files' content blocks)"""
    notice = Signal(str)
    """A word for the user (why Enter did nothing)."""
    editSubmitted = Signal(int, str)
    systemPromptRequested = Signal()
    attachmentError = Signal(str)
    """A file could not be attached; the message says which and why."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        choose_files: FileChooser = ask_for_files,
        ask_paste: PasteAsker = ask_large_paste,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self.editing_id: int | None = None
        self.choose_files = choose_files
        self.ask_paste = ask_paste
        self.attachments: list[dict[str, Any]] = []
        self.chat_input = ChatInput()
        self.attachment_list = AttachmentList()
        self.attach_button = named(QToolButton(), "attachButton", "Attach files")
        self.provider_picker = named(QComboBox(), "providerPicker")
        self.send_button = named(QPushButton("Send"), "sendButton")
        self.stop_button = named(QPushButton("Stop"), "stopButton")
        self.model_picker = named(QComboBox(), "modelPicker")
        self.system_prompt_button = named(QToolButton(), "systemPromptButton", "System prompt")
        self.edit_label = QLabel(EDIT_NOTICE)
        self.cancel_edit_button = named(QToolButton(), "cancelEditButton", "Cancel editing")
        self._build()
        self.chat_input.submitted.connect(self.on_submit)
        self.chat_input.largePaste.connect(self.on_large_paste)
        self.send_button.clicked.connect(self.on_submit)
        self.system_prompt_button.clicked.connect(self.systemPromptRequested)
        self.cancel_edit_button.clicked.connect(self.cancel_edit)
        self.attach_button.clicked.connect(self.on_attach_clicked)
        self.attachment_list.removeRequested.connect(self.on_remove_attachment)
        self.set_busy(False)
        self.set_system_prompt_active(False)

    def _build(self) -> None:
        self.send_button.setToolTip("Send (Enter)")
        self.stop_button.setToolTip("Stop the reply (Esc); what arrived is kept")
        self.send_button.setDefault(True)
        self.model_picker.setToolTip("The model that writes the next reply")
        self.provider_picker.setToolTip("The provider profile this conversation talks to")
        self.provider_picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.attach_button.setText("Attach")
        self.attach_button.setToolTip(
            "Attach text files or images (or drop them on the chat): text up to 512 KB, "
            "images up to 5 MB, 10 files a message"
        )
        self.model_picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.system_prompt_button.setText("System prompt")
        self.system_prompt_button.setToolTip("Instructions the model gets with this conversation")
        self.cancel_edit_button.setText("Cancel")
        self.edit_bar = QFrame()
        self.edit_bar.setObjectName("editBar")
        bar = QHBoxLayout(self.edit_bar)
        bar.setContentsMargins(8, 4, 4, 4)
        bar.addWidget(self.edit_label, 1)
        bar.addWidget(self.cancel_edit_button)
        self.edit_bar.hide()
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(self.provider_picker)
        row.addWidget(self.model_picker)
        row.addWidget(self.system_prompt_button)
        row.addWidget(self.attach_button)
        row.addStretch(1)
        row.addWidget(self.stop_button)
        row.addWidget(self.send_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(8)
        layout.addWidget(self.edit_bar)
        layout.addWidget(self.attachment_list)
        layout.addWidget(self.chat_input)
        layout.addLayout(row)

    def text(self) -> str:
        return self.chat_input.toPlainText()

    def on_submit(self) -> None:
        if not self.send_button.isEnabled():
            return
        text = self.text()
        if self.editing_id is None:
            if text.strip() or self.attachments:
                self.sendRequested.emit(text, list(self.attachments))
            else:
                self.notice.emit(EMPTY)
        elif text.strip():
            self.editSubmitted.emit(self.editing_id, text)
        else:
            self.notice.emit(EMPTY)

    def draft(self) -> tuple[str, list[dict[str, Any]]]:
        """What is typed and attached but not sent (an edit in progress is not a draft)."""
        text = "" if self.editing_id is not None else self.text()
        return text, list(self.attachments)

    def restore(self, draft: tuple[str, list[dict[str, Any]]]) -> None:
        self.cancel_edit()
        text, attachments = draft
        self.chat_input.setPlainText(text)
        self.chat_input.moveCursor(self.chat_input.textCursor().MoveOperation.End)
        self._set_attachments(attachments)

    def on_message_saved(self, _message_id: int) -> None:
        """Only now is it safe to clear what the user typed and attached."""
        self.chat_input.clear()
        self._set_attachments([])
        self.cancel_edit()

    def add_files(self, paths: Sequence[str]) -> None:
        """Attach files; one that cannot be attached is reported and the others still are."""
        added = list(self.attachments)
        for path in paths:
            try:
                added.append(load(path, already=len(added)).block)
            except AttachmentError as exc:
                self.attachmentError.emit(str(exc))
        self._set_attachments(added)

    def on_large_paste(self, text: str) -> None:
        """Ask whether a long paste goes in as text or as an attached file, saying its size."""
        size = len(text.encode("utf-8", "replace"))
        summary = f"{size_text(size)} of text, about {len(text) // 4:,} tokens"
        answer = self.ask_paste(self, summary, size <= TEXT_LIMIT)
        if answer == "text":
            self.chat_input.insertPlainText(text)
        elif answer == "file":
            name = f"pasted-{len(self.attachments) + 1}.txt"
            try:
                self._set_attachments([*self.attachments, pasted(text, name).block])
            except AttachmentError as exc:
                self.attachmentError.emit(str(exc))

    def on_attach_clicked(self) -> None:
        self.add_files(self.choose_files(self))

    def on_remove_attachment(self, index: int) -> None:
        self._set_attachments(self.attachments[:index] + self.attachments[index + 1:])

    def _set_attachments(self, blocks: list[dict[str, Any]]) -> None:
        self.attachments = blocks
        self.attachment_list.show_blocks(blocks)

    def begin_edit(self, message_id: int, text: str) -> None:
        self.editing_id = message_id
        self.attach_button.setEnabled(False)  # the edited message keeps the files it had
        self.chat_input.setPlainText(text)
        self.edit_bar.show()
        self.chat_input.setFocus()
        self.chat_input.moveCursor(self.chat_input.textCursor().MoveOperation.End)

    def cancel_edit(self) -> None:
        if self.editing_id is not None:
            self.editing_id = None
            self.chat_input.clear()
        self.edit_bar.hide()
        self.attach_button.setEnabled(True)

    def set_busy(self, busy: bool) -> None:
        self.send_button.setEnabled(not busy)
        self.stop_button.setEnabled(busy)
        self.stop_button.setVisible(busy)

    def set_providers(self, names: list[str], current: str) -> None:
        """Replace the provider list without it counting as the user's choice."""
        self.provider_picker.blockSignals(True)
        self.provider_picker.clear()
        self.provider_picker.addItems(names)
        self.provider_picker.setCurrentText(current)
        self.provider_picker.blockSignals(False)

    def set_models(self, models: list[str], current: str) -> None:
        """Replace the picker's list without it counting as the user's choice."""
        self.model_picker.blockSignals(True)
        self.model_picker.clear()
        self.model_picker.addItems(models)
        self.model_picker.setCurrentText(current)
        self.model_picker.blockSignals(False)

    def set_system_prompt_active(self, active: bool) -> None:
        self.system_prompt_button.setProperty("active", active)
        self.system_prompt_button.setText("System prompt ●" if active else "System prompt")
        self.style().unpolish(self.system_prompt_button)
        self.style().polish(self.system_prompt_button)
