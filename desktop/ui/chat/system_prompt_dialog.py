"""The per-conversation system prompt editor.

Opened with `open()` (window-modal, non-blocking), never `exec()`: a nested event loop would
stall the asyncio tasks that qasync runs on Qt's loop, such as a reply streaming meanwhile.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

HINT = (
    "Instructions sent with every request in this conversation, e.g. "
    "“Answer briefly. Prefer Python.” Leave empty for none."
)


class SystemPromptDialog(QDialog):
    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("systemPromptDialog")
        self.setWindowTitle("System prompt")
        self.resize(560, 320)
        hint = QLabel(HINT)
        hint.setWordWrap(True)
        self.editor = QPlainTextEdit(text)
        self.editor.setObjectName("systemPromptEdit")
        self.editor.setAccessibleName("systemPromptEdit")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.editor, 1)
        layout.addWidget(buttons)
        self.editor.setFocus()

    def text(self) -> str:
        return self.editor.toPlainText()
