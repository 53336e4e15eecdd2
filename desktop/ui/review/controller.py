"""The review features' bridge to the core: search, export, import, compare, promote.

No widgets: the sidebar's search panel, the window's Export / Import and the compare dialog
call these and render the signals. Failures (a locked database, an unreadable file, a file
that is not an export) become `error`, worded for the user. Files are small and local, so
they are read and written here, on the UI thread, like the store itself.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from desktop.core.paths import write_private_text
from desktop.core.review.archive import (
    ArchiveError,
    Format,
    conversation_text,
    format_for,
    import_text,
    run_text,
)
from desktop.core.review.chat_transcript import task_goal
from desktop.core.review.run_summary import RunSummary, summarize
from desktop.core.store.database import Run, Store, StoreError


class ReviewController(QObject):
    searchFinished = Signal(str, list)
    """(query, hits): the `SearchHit`s for a query, best first."""
    imported = Signal(str, int)
    """(kind, id): a conversation or run was added from a file."""
    notice = Signal(str)
    error = Signal(str)

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store

    def search(self, query: str) -> None:
        try:
            hits = self._store.search(query)
        except StoreError as exc:
            self.error.emit(str(exc))
            return
        self.searchFinished.emit(query, hits)

    def export_conversation(self, conversation_id: int, path: str) -> None:
        self._export(path, lambda fmt: conversation_text(self._store, conversation_id, fmt))

    def export_run(self, run_id: int, path: str) -> None:
        self._export(path, lambda fmt: run_text(self._store, run_id, fmt))

    def import_file(self, path: str) -> None:
        try:
            found = import_text(self._store, Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ArchiveError, StoreError) as exc:
            self.error.emit(f"Could not import {Path(path).name}: {exc}")
            return
        noun = "chat" if found.kind == "conversation" else "run"
        self.notice.emit(f"Imported the {noun} “{' '.join(found.title.split())[:60]}”")
        self.imported.emit(found.kind, found.id)

    def runs(self) -> list[Run]:
        try:
            return self._store.runs()
        except StoreError as exc:
            self.error.emit(str(exc))
            return []

    def summary(self, run_id: int) -> RunSummary | None:
        """What a run came to, for the compare view; None if it is gone."""
        try:
            return summarize(self._store.run(run_id), self._store.events(run_id))
        except StoreError as exc:
            self.error.emit(str(exc))
            return None

    def task_goal(self, conversation_id: int) -> str:
        """A goal for the agent that carries the conversation's context ('' if it is gone)."""
        try:
            conversation = self._store.conversation(conversation_id)
            return task_goal(conversation, self._store.thread(conversation_id))
        except StoreError as exc:
            self.error.emit(str(exc))
            return ""

    def _export(self, path: str, text_in: Callable[[Format], str]) -> None:
        """Write what `text_in` makes in the format the file name asks for."""
        try:
            text = text_in(format_for(path))
            write_private_text(Path(path), text)
        except (OSError, StoreError) as exc:
            self.error.emit(f"Could not export to {path}: {exc}")
            return
        self.notice.emit(f"Saved {Path(path).name}")
