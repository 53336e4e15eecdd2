"""The window's keyboard shortcuts, in one table that both the bindings and the sheet (F1) read.

`Shortcuts` makes one window-wide `QShortcut` per row, as an attribute named after the row's
action, so the window wires them like any other signal: `shortcuts.new_chat.activated`.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


@dataclass(frozen=True)
class Binding:
    action: str
    """The attribute of `Shortcuts` that fires it."""
    keys: tuple[str, ...]
    """Portable key sequences (Ctrl is Cmd on macOS); the first is the one shown."""
    description: str


SHORTCUTS: tuple[Binding, ...] = (
    Binding("new_chat", ("Ctrl+N",), "New chat"),
    Binding("new_task", ("Ctrl+Shift+N",), "New task (agent mode)"),
    Binding("search", ("Ctrl+K",), "Search conversations and runs"),
    Binding("submit", ("Ctrl+Enter", "Ctrl+Return"), "Send the message, or run the task"),
    Binding("stop", ("Esc",), "Stop the reply or the run on screen (or leave editing)"),
    Binding("settings", ("Ctrl+,",), "Settings"),
    Binding("help", ("F1",), "This list of shortcuts"),
)
EXTRA_KEYS: tuple[tuple[str, str], ...] = (
    ("Enter", "Send the message (in the chat box)"),
    ("Shift+Enter", "New line in the message"),
    ("F2", "Rename the selected conversation"),
    ("Delete", "Delete the selected conversation"),
)
"""Keys that belong to one widget, listed on the sheet too so it tells the whole story."""


def is_window_shortcut(event: QEvent) -> bool:
    """Whether a ShortcutOverride event is for one of the window's shortcuts.

    Text boxes claim some of them for editing (Ctrl+K deletes to the end of the line on
    Linux); they call this to let the window's shortcut win instead.
    """
    if event.type() != QEvent.Type.ShortcutOverride or not isinstance(event, QKeyEvent):
        return False
    pressed = QKeySequence(event.keyCombination())
    return any(
        QKeySequence(keys).matches(pressed) == QKeySequence.SequenceMatch.ExactMatch
        for binding in SHORTCUTS
        for keys in binding.keys
    )


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
