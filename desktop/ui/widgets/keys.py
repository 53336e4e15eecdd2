"""The window's keyboard shortcuts as data: what each does and its keys (the table both the
window's bindings and the F1 sheet read), and `is_window_shortcut` for text boxes that would
otherwise swallow one.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent
from PySide6.QtGui import QKeyEvent, QKeySequence


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
