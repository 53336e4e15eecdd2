"""What can be done with the open chat as a whole: `exportButton` and `promoteButton`.

A slim row above the conversation, shown while a saved conversation is open. It only says
what the user asked for; the window exports, or switches to the Task tab with the chat as
the goal's context.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from desktop.ui.widgets.naming import named


class ChatActions(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "chatActions", "Export the chat, or make it an agent task")
        self.export_button = named(QPushButton("Export…"), "exportButton",
                                   "Save the chat as Markdown (this branch) or JSON (complete)")
        self.promote_button = named(QPushButton("Promote to task…"), "promoteButton",
                                    "Give the agent a goal that carries this chat's context")
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 6, 16, 0)
        row.setSpacing(4)
        row.addStretch(1)
        for button in (self.export_button, self.promote_button):
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            row.addWidget(button)
