"""The window's keyboard shortcuts (the table is widgets/keys.py) and the sheet (F1) listing them.

`Shortcuts` makes one window-wide `QShortcut` per row, as an attribute named after the row's
action, so the window wires them like any other signal: `shortcuts.new_chat.activated`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.widgets.keys import EXTRA_KEYS, SHORTCUTS, Binding


def shown_keys(binding: Binding) -> str:
    """The key as this platform writes it (Ctrl+, or ⌘,)."""
    return QKeySequence(binding.keys[0]).toString(QKeySequence.SequenceFormat.NativeText)


class Shortcuts:
    """One QShortcut per binding, all on `window`, named after their action."""

    def __init__(self, window: QWidget) -> None:
        self.all: dict[str, list[QShortcut]] = {}
        for binding in SHORTCUTS:
            first, *more = (self._make(window, keys) for keys in binding.keys)
            for extra in more:  # a second key for the same action fires the first one
                extra.activated.connect(first.activated)
            setattr(self, binding.action, first)
            self.all[binding.action] = [first, *more]

    @staticmethod
    def _make(window: QWidget, keys: str) -> QShortcut:
        shortcut = QShortcut(QKeySequence(keys), window)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        return shortcut

    new_chat: QShortcut
    new_task: QShortcut
    search: QShortcut
    submit: QShortcut
    stop: QShortcut
    settings: QShortcut
    help: QShortcut


class ShortcutsSheet(QDialog):
    """`shortcutsSheet`: every shortcut and what it does."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsSheet")
        self.setAccessibleName("shortcutsSheet")
        self.setWindowTitle("Keyboard shortcuts")
        rows = [(shown_keys(b), b.description) for b in SHORTCUTS] + list(EXTRA_KEYS)
        self.table = QTableWidget(len(rows), 2)
        self.table.setObjectName("shortcutsTable")
        self.table.setHorizontalHeaderLabels(["Keys", "Action"])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.setShowGrid(False)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for row, (keys, action) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(keys))
            self.table.setItem(row, 1, QTableWidgetItem(action))
        self.table.resizeColumnToContents(0)
        self.table.setColumnWidth(0, self.table.columnWidth(0) + 24)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Shortcuts work anywhere in the window."))
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(520, 470)
