"""The questions the panes ask the user: which folder, where to save, what to open, are you
sure, what a fork should do. Widgets hold these as attributes (or take them as arguments), so
tests answer them without a native dialog. PySide6 only.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QInputDialog,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

FolderChooser = Callable[[QWidget, str], str]
"""(parent, starting folder) -> chosen folder, or '' when cancelled."""
SaveChooser = Callable[[QWidget, str, str], str]
"""(parent, title, suggested file name) -> chosen path, or '' when cancelled."""
OpenChooser = Callable[[QWidget, str], str]
Confirm = Callable[[QWidget, str, str, Callable[[], None]], None]
"""(parent, title, question, then) calls `then` once the user agrees; never blocks."""
InstructionAsker = Callable[[QWidget, str, str], "str | None"]
"""(parent, explanation, default) -> the instruction, or None when cancelled."""
PasteAsker = Callable[[QWidget, str, bool], str]
"""(parent, what was pasted, whether it can be attached) -> 'file', 'text', or '' to drop it."""

RewindAsker = Callable[[QWidget, str, bool, Callable[[bool], None]], None]
"""(parent, what will be put back, whether files changed since, then(overwrite them)); never
blocks."""

EXPORT_FILTERS = "Markdown (*.md);;JSON, complete (*.json)"
TextViewer = Callable[[QWidget, str, str], None]
"""(parent, title, text): shows read-only text in a window of its own, without blocking."""


def ask_for_folder(parent: QWidget, start: str) -> str:
    return QFileDialog.getExistingDirectory(parent, "Choose the workspace folder", start)


def ask_save_path(parent: QWidget, title: str, suggested: str) -> str:
    path, chosen_filter = QFileDialog.getSaveFileName(parent, title, suggested, EXPORT_FILTERS)
    if path and "." not in path.rsplit("/", 1)[-1]:
        path += ".json" if "json" in chosen_filter.lower() else ".md"
    return path


def ask_open_path(parent: QWidget, title: str) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, title, "", "AgentDesk export (*.json)")
    return path


def confirm(parent: QWidget, title: str, question: str, then: Callable[[], None]) -> None:
    """A Delete / Cancel box, opened without blocking (runs and replies carry on)."""
    box = QMessageBox(
        QMessageBox.Icon.Question, title, question,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, parent,
    )
    box.setObjectName("confirmDeleteBox")
    box.button(QMessageBox.StandardButton.Yes).setText("Delete")
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    delete = box.button(QMessageBox.StandardButton.Yes)
    box.buttonClicked.connect(lambda button: then() if button is delete else None)
    box.open()


def ask_rewind(parent: QWidget, question: str, conflicts: bool,
               then: Callable[[bool], None]) -> None:
    """Rewind / (Rewind and overwrite) / Cancel, opened without blocking."""
    box = QMessageBox(QMessageBox.Icon.Question, "Rewind the files", question,
                      QMessageBox.StandardButton.Cancel, parent)
    box.setObjectName("rewindBox")
    box.setTextFormat(Qt.TextFormat.PlainText)
    keep = box.addButton("Rewind", QMessageBox.ButtonRole.AcceptRole)
    overwrite = box.addButton("Rewind and overwrite those", QMessageBox.ButtonRole.DestructiveRole)
    overwrite.setVisible(conflicts)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.buttonClicked.connect(
        lambda button: then(button is overwrite) if button in (keep, overwrite) else None)
    box.open()


def ask_instruction(parent: QWidget, explanation: str, default: str) -> str | None:
    text, ok = QInputDialog.getMultiLineText(parent, "Fork this run", explanation, default)
    return text if ok and text.strip() else None


def ask_large_paste(parent: QWidget, pasted: str, can_attach: bool) -> str:
    box = QMessageBox(QMessageBox.Icon.Question, "A large paste", "", parent=parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(f"You pasted {pasted}. Long text reads better to the model as an attached "
                "file, and every reply in this chat sends it again.")
    attach = box.addButton("Attach as a file", QMessageBox.ButtonRole.AcceptRole)
    attach.setEnabled(can_attach)
    text = box.addButton("Paste as text", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return {attach: "file", text: "text"}.get(box.clickedButton(), "")


def show_text(parent: QWidget, title: str, text: str) -> None:
    dialog = QDialog(parent)
    dialog.setObjectName("textViewer")
    dialog.setWindowTitle(title)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    view = QPlainTextEdit(text)
    view.setObjectName("textViewerText")
    view.setReadOnly(True)
    view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
    layout = QVBoxLayout(dialog)
    layout.addWidget(view)
    dialog.resize(760, 560)
    dialog.show()
