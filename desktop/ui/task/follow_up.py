"""Under an ended run: a box for a follow-up instruction and Continue.

A finished run takes a follow-up ("now also update the README"); an interrupted, failed,
stopped or budget-exhausted one can also simply go on from where it stopped (an empty box).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QWidget

from desktop.ui.widgets.naming import named


class FollowUpBar(QWidget):
    continueRequested = Signal(str)
    """The follow-up instruction ('' to go on from where the run stopped)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.input = named(QLineEdit(), "followUpInput", "A follow-up instruction for this run")
        self.button = named(QPushButton("Continue"), "continueRunButton",
                            "Continue this run with the instruction")
        self.button.setCursor(Qt.CursorShape.PointingHandCursor)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.input, 1)
        layout.addWidget(self.button)
        self.input.returnPressed.connect(self.on_continue)
        self.button.clicked.connect(self.on_continue)
        self.input.textChanged.connect(self.on_text_changed)
        self._finished = False

    def offer(self, status: str) -> None:
        """Show it under a run that ended with `status`."""
        self._finished = status == "finished"
        self.input.setPlaceholderText(
            "Follow up: what should the agent do next?" if self._finished
            else "Continue from where it stopped, or say what to do next…"
        )
        self.on_text_changed(self.input.text())
        self.show()

    def on_text_changed(self, text: str) -> None:
        self.button.setEnabled(bool(text.strip()) or not self._finished)

    def on_continue(self) -> None:
        if self.button.isEnabled():
            text = self.input.text().strip()
            self.input.clear()
            self.continueRequested.emit(text)
