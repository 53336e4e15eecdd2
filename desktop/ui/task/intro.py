"""What the task pane shows before a task: what the agent does, and the demo task to try."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.ui.widgets.naming import named

INTRO = (
    "<p style='font-size: x-large'>Give the agent a goal</p>"  # the theme colours it
    "<p style='color: #8b8f98'>Choose the folder it may work in, set a budget and press Run.<br>"
    "It reads freely; every edit and command waits for your approval, and Stop ends it at once."
    "</p>"
)


class TaskIntro(QWidget):
    """The empty state; `demo_button` copies the sample project and fills in its goal."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "taskIntro")
        label = QLabel(INTRO)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        self.demo_button = named(QPushButton("Try the demo task"), "tryDemoButton",
                                 "Copy the sample project to a new folder and set its goal")
        self.demo_button.setCursor(Qt.CursorShape.PointingHandCursor)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(label)
        layout.addWidget(self.demo_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
