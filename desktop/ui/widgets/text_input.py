"""`GrowingTextInput`: the plain-text box under the chat composer and the task goal.

Plain text only, so a 1 MB paste stays fast; it grows with its text between a minimum and a
maximum number of lines, then scrolls; and it leaves the window's shortcuts (Ctrl+K) to the
window instead of using them as editing keys. Subclasses decide which key submits.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QMimeData, Signal
from PySide6.QtWidgets import QPlainTextEdit, QSizePolicy, QWidget

from desktop.ui.widgets.keys import is_window_shortcut


class GrowingTextInput(QPlainTextEdit):
    submitted = Signal()

    def __init__(
        self, min_lines: int, max_lines: int, padding_px: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._lines = (min_lines, max_lines)
        self._padding_px = padding_px
        self.setTabChangesFocus(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.document().documentLayout().documentSizeChanged.connect(self.on_size_changed)
        self.on_size_changed()

    def event(self, event: QEvent) -> bool:
        if is_window_shortcut(event):  # the window's Ctrl+K, not "delete to end of line"
            event.ignore()
            return True
        return super().event(event)

    def insertFromMimeData(self, source: QMimeData) -> None:
        """Paste text only: rich clipboard content would be slow and is not what we send."""
        if source.hasText():
            self.insertPlainText(source.text())

    def on_size_changed(self) -> None:
        low, high = self._lines
        lines = min(max(low, int(self.document().size().height())), high)
        margins = self.contentsMargins()
        frame = 2 * int(self.document().documentMargin()) + margins.top() + margins.bottom()
        self.setFixedHeight(lines * self.fontMetrics().lineSpacing() + frame + self._padding_px)
