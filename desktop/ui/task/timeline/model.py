"""The rows of a run's timeline: the agent's text per step, one card per tool call, the ending.

`TimelineModel` is a list model fed by `RunState` one event at a time (the same calls for a
live run and a stored one). New rows appear at once; growing rows (streamed text, command
output) are marked dirty and announced together every `FLUSH_MS`, so a command printing
thousands of chunks a second costs a repaint a frame, not a repaint a chunk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from desktop.core.events import ToolCallFinished
from desktop.ui.widgets.rich_text import plain_tip
from desktop.ui.widgets.run_format import OutputText, duration, key_argument, new_file_diff

FLUSH_MS = 40
FOLD_LINES = 12
"""Output longer than this is folded, with "show all"."""
DIFF_TOOLS = frozenset({"edit_file", "write_file"})
COLLAPSED_TOOLS = frozenset({"update_plan"})
THINKING = "Thinking"
"""The card of a step's extended thinking: folded like a tool's output, collapsed at first."""
"""Calls whose card starts folded: the plan view already shows what they did."""
ENTRY_ROLE = Qt.ItemDataRole.UserRole
BODY_ROLE = Qt.ItemDataRole.UserRole + 1

ToolStatus = Literal["running", "waiting", "ok", "error", "denied", "stopped", "thinking",
                     "thought"]
TOOL_STATUS_WORDS: dict[str, str] = {
    "thinking": "thinking…",
    "thought": "",
    "running": "running…",
    "waiting": "waiting for approval",
    "ok": "ok",
    "error": "error",
    "denied": "denied",
    "stopped": "stopped",
}
END_TITLES: dict[str, str] = {
    "finished": "Finished",
    "failed": "Failed",
    "cancelled": "Cancelled",
    "budget_exhausted": "Budget exhausted",
    "interrupted": "Interrupted",
}
Index = QModelIndex | QPersistentModelIndex


@dataclass(eq=False)
class TextEntry:
    """What the model said in one step; streamed deltas, then the complete text.

    With a `label`, a note about the run instead (where a fork came from).
    """

    step: int
    text: str = ""
    version: int = 0
    label: str = ""


@dataclass(eq=False)
class ToolEntry:
    """One tool call's card."""

    call_id: str
    name: str
    args: dict[str, Any]
    key: str
    status: ToolStatus = "running"
    duration_s: float | None = None
    body: OutputText = field(default_factory=OutputText)
    body_is_diff: bool = False
    preview: str = ""
    note: str = ""
    collapsed: bool = False
    expanded: bool = False
    version: int = 0

    @property
    def status_text(self) -> str:
        words = TOOL_STATUS_WORDS[self.status]
        return f"{words} · {duration(self.duration_s)}" if self.duration_s is not None else words

    @property
    def foldable(self) -> bool:
        return self.body.line_count > FOLD_LINES


@dataclass(eq=False)
class EndEntry:
    """How the run ended."""

    status: str
    detail: str = ""
    version: int = 0

    @property
    def title(self) -> str:
        return END_TITLES.get(self.status, self.status)


Entry = TextEntry | ToolEntry | EndEntry


class TimelineModel(QAbstractListModel):
    """The entries of one run, in the order they happened."""

    approvalChanged = Signal()
    """The call waiting for approval changed (see `pending_row`)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.entries: list[Entry] = []
        self._rows: dict[str, int] = {}
        self._open_text: int | None = None
        self._pending: str | None = None
        self._dirty: set[int] = set()
        self._flush = QTimer(self, singleShot=True, interval=FLUSH_MS)
        self._flush.timeout.connect(self.flush)

    # --- Qt model ---------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.entries)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.entries):
            return None
        entry = self.entries[index.row()]
        if role == ENTRY_ROLE:
            return entry
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return summary(entry)
        if role == BODY_ROLE:
            return entry.body.text() if isinstance(entry, ToolEntry) else None
        if role == Qt.ItemDataRole.ToolTipRole and isinstance(entry, ToolEntry):
            return plain_tip(f"{entry.name} {entry.key}".strip())
        return None

    # --- fed by RunState ------------------------------------------------------------------

    def add_text(self, step: int, chunk: str) -> None:
        """A streamed piece of the model's text for `step`."""
        entry = self._text_entry(step)
        if entry is None:
            self._append(TextEntry(step, chunk))
        else:
            entry.text += chunk
            self._touch(self._open_text)

    def set_text(self, step: int, text: str) -> None:
        """The step's complete text: it replaces what streamed (a retry may have repeated it)."""
        entry = self._text_entry(step)
        if entry is not None:
            entry.text = text
            self._touch(self._open_text)
        elif text.strip():
            self._append(TextEntry(step, text))
        self._open_text = None

    def add_note(self, label: str, text: str) -> None:
        """A row that tells about the run rather than something the model said."""
        self._append(TextEntry(0, text, label=label))
        self._open_text = None

    def start_tool(self, call_id: str, name: str, args: dict[str, Any]) -> None:
        self._open_text = None
        entry = ToolEntry(call_id, name, args, key_argument(name, args))
        entry.collapsed = name in COLLAPSED_TOOLS
        self._rows[call_id] = len(self.entries)
        self._append(entry)

    def add_thinking(self, step: int, chunk: str) -> None:
        """A streamed piece of the model's thinking in `step`, on its own collapsed card."""
        call_id = f"thinking:{step}"
        if call_id not in self._rows:
            self.start_tool(call_id, THINKING, {})
            entry = self.entries[-1]
            assert isinstance(entry, ToolEntry)
            entry.collapsed, entry.status = True, "thinking"
        self.tool_output(call_id, chunk)

    def end_thinking(self, step: int) -> None:
        entry = self._tool(f"thinking:{step}")
        if entry is not None and entry.status == "thinking":
            entry.status = "thought"
            self._touch(self._rows[entry.call_id])

    def tool_output(self, call_id: str, chunk: str) -> None:
        entry = self._tool(call_id)
        if entry is not None:
            entry.body.append(chunk)
            self._touch(self._rows[call_id])

    def ask(self, call_id: str, preview: str) -> None:
        """The call waits for the user; edits show the diff they would write."""
        entry = self._tool(call_id)
        if entry is None:
            return
        entry.status = "waiting"
        entry.preview = preview
        if entry.name in DIFF_TOOLS:
            entry.body.replace(preview)
            entry.body_is_diff = True
        self._set_pending(call_id)
        self._touch(self._rows[call_id], now=True)

    def answered(self, call_id: str, allow: bool, always: bool, reason: str) -> None:
        entry = self._tool(call_id)
        if entry is None:
            return
        if allow:
            entry.status = "running"
            if always:
                entry.note = f"{entry.name} is allowed for the rest of this run"
        else:
            entry.note = f"Denied: {reason}" if reason else "Denied"
        self._set_pending(None)
        self._touch(self._rows[call_id], now=True)

    def finish_tool(self, event: ToolCallFinished) -> None:
        entry = self._tool(event.call_id)
        if entry is None:
            return
        entry.duration_s = event.duration_s
        entry.status = "denied" if event.denied else "error" if event.is_error else "ok"
        if event.denied:
            entry.note = entry.note or f"Denied: {event.result}"
        elif event.is_error or entry.name not in DIFF_TOOLS:
            entry.body.replace(event.result)
            entry.body_is_diff = False
        elif entry.name == "edit_file":
            entry.body.replace(event.result)
            entry.body_is_diff = True
        else:  # write_file: its result is one line; the diff is what shows what it did
            if not entry.body_is_diff:
                content = str(entry.args.get("content", ""))
                entry.body.replace(new_file_diff(entry.key, content))
                entry.body_is_diff = True
            entry.note = event.result
        if self._pending == event.call_id:
            self._set_pending(None)
        self._touch(self._rows[event.call_id], now=True)

    def end(self, status: str, detail: str) -> None:
        """The run is over: calls still under way were stopped with it."""
        self._open_text = None
        for row, entry in enumerate(self.entries):
            if isinstance(entry, ToolEntry) and entry.status in ("running", "waiting"):
                entry.status = "stopped"
                self._touch(row)
        self._set_pending(None)
        self._append(EndEntry(status, detail))
        self.flush()

    # --- user actions and queries -------------------------------------------------------------

    def toggle_collapsed(self, row: int) -> None:
        entry = self.entries[row]
        if isinstance(entry, ToolEntry):
            entry.collapsed = not entry.collapsed
            self._touch(row, now=True)

    def toggle_expanded(self, row: int) -> None:
        entry = self.entries[row]
        if isinstance(entry, ToolEntry):
            entry.expanded = not entry.expanded
            self._touch(row, now=True)

    def pending_row(self) -> int | None:
        """The row of the call waiting for approval, if any."""
        return self._rows.get(self._pending) if self._pending is not None else None

    def forget_pending(self) -> None:
        """A replayed moment: the question it shows was answered (or not) long ago."""
        self._set_pending(None)

    def row_of_call(self, call_id: str) -> int | None:
        return self._rows.get(call_id)

    def row_of_step(self, step: int) -> int | None:
        """The row of the model's text in `step`, if it said anything."""
        rows = (r for r, e in enumerate(self.entries) if isinstance(e, TextEntry) and not e.label)
        return next((r for r in rows if self.entries[r].step == step), None)

    def tool_entries(self) -> list[ToolEntry]:
        return [e for e in self.entries if isinstance(e, ToolEntry)]

    def flush(self) -> None:
        """Announce every row changed since the last flush."""
        self._flush.stop()
        if not self._dirty:
            return
        rows, self._dirty = sorted(self._dirty), set()
        for row in rows:
            index = self.index(row)
            self.dataChanged.emit(index, index)

    # --- internals --------------------------------------------------------------------------

    def _text_entry(self, step: int) -> TextEntry | None:
        if self._open_text is None:
            return None
        entry = self.entries[self._open_text]
        return entry if isinstance(entry, TextEntry) and entry.step == step else None

    def _tool(self, call_id: str) -> ToolEntry | None:
        row = self._rows.get(call_id)
        entry = self.entries[row] if row is not None else None
        return entry if isinstance(entry, ToolEntry) else None

    def _append(self, entry: Entry) -> None:
        row = len(self.entries)
        self.beginInsertRows(QModelIndex(), row, row)
        self.entries.append(entry)
        self.endInsertRows()
        if isinstance(entry, TextEntry):
            self._open_text = row

    def _set_pending(self, call_id: str | None) -> None:
        if call_id != self._pending:
            self._pending = call_id
            self.approvalChanged.emit()

    def _touch(self, row: int | None, *, now: bool = False) -> None:
        if row is None:
            return
        self.entries[row].version += 1
        self._dirty.add(row)
        if now:
            self.flush()
        elif not self._flush.isActive():
            self._flush.start()


def summary(entry: Entry) -> str:
    """One line (or the text) saying what a row shows: for screen readers and tests."""
    if isinstance(entry, TextEntry):
        return entry.text
    if isinstance(entry, ToolEntry):
        head = f"{entry.name} {entry.key}".strip()
        note = f" — {entry.note}" if entry.note else ""
        return f"{head} — {entry.status_text}{note}"
    return f"{entry.title}: {entry.detail}" if entry.detail else entry.title
