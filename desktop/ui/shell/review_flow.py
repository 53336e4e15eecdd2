"""Reviewing past work from the window: open a search hit, export, import, promote a chat to a
task, compare runs, and the notices these leave in the status bar.

The file choosers are attributes, so tests answer them without a native dialog.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMainWindow, QTabWidget

from desktop.core.store.database import SearchHit
from desktop.ui.chat.controller import ChatController
from desktop.ui.chat.pane import ChatPane
from desktop.ui.review.controller import ReviewController
from desktop.ui.task.pane import TaskPane
from desktop.ui.task.run_list import RunList
from desktop.ui.widgets import dialogs

if TYPE_CHECKING:
    from desktop.ui.review.compare_view import CompareDialog

NOTICE_MS = 4000


def file_name(title: str, fallback: str) -> str:
    """A title as a file name: "Plan a trip!" -> "plan-a-trip"."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:48].rstrip("-")
    return slug or fallback


class ReviewFlow(QObject):
    def __init__(
        self,
        review: ReviewController,
        window: QMainWindow,
        tabs: QTabWidget,
        chat: tuple[ChatController, ChatPane],
        tasks: tuple[TaskPane, RunList],
    ) -> None:
        super().__init__(window)
        self.review, self.window, self.tabs = review, window, tabs
        self.chat, self.chat_pane = chat
        self.task_pane, self.run_list = tasks
        self.compare_dialog: CompareDialog | None = None
        self.choose_save_path: dialogs.SaveChooser = dialogs.ask_save_path
        self.choose_open_path: dialogs.OpenChooser = dialogs.ask_open_path

    def on_search_hit(self, hit: SearchHit) -> None:
        """Open what a search hit points at: the chat at its message, or the run at its event."""
        if hit.kind == "message":
            self.tabs.setCurrentWidget(self.chat_pane)
            self.chat.open_message(hit.parent_id, hit.id)
            self.chat_pane.view.reveal(hit.id)
        elif hit.parent_id is not None:
            self.tabs.setCurrentWidget(self.task_pane)
            self.task_pane.show_run(hit.parent_id, hit.seq)

    def on_export_chat_requested(self) -> None:
        conversation = self.chat.conversation()
        if conversation is None:
            return
        name = file_name(conversation.title, f"chat-{conversation.id}")
        if path := self.choose_save_path(self.window, "Export chat", f"{name}.md"):
            self.review.export_conversation(conversation.id, path)

    def on_export_run_requested(self, run_id: int) -> None:
        if path := self.choose_save_path(self.window, "Export run", f"run-{run_id}.md"):
            self.review.export_run(run_id, path)

    def on_import_requested(self) -> None:
        if path := self.choose_open_path(self.window, "Import a chat or run"):
            self.review.import_file(path)

    def on_imported(self, kind: str, item_id: int) -> None:
        """Show what was just imported (the window has refreshed its lists)."""
        if kind == "conversation":
            self.chat.open_conversation(item_id)
            self.tabs.setCurrentWidget(self.chat_pane)
        elif kind == "run":
            self.run_list.reload()
            self.task_pane.show_run(item_id)
            self.tabs.setCurrentWidget(self.task_pane)

    def on_promote_requested(self) -> None:
        """The Task tab, composing a goal that carries the open chat's context."""
        chosen = self.chat.conversation_id
        if chosen is None or not (goal := self.review.task_goal(chosen)):
            return
        self.task_pane.compose_goal(goal)
        self.tabs.setCurrentWidget(self.task_pane)
        self.task_pane.focus_goal()

    def on_compare_requested(self, run_id: int) -> None:
        from desktop.ui.review.compare_view import CompareDialog  # only when asked for

        if self.compare_dialog is not None:
            self.compare_dialog.close()
        self.compare_dialog = CompareDialog(self.review, run_id, self.window)
        self.compare_dialog.open()

    def on_notice(self, text: str) -> None:
        """"Saved run-4.md", in the window's status bar for a few seconds."""
        self.window.statusBar().showMessage(text, NOTICE_MS)

    def on_status_message_changed(self, text: str) -> None:
        """The status bar is there only while it has something to say."""
        self.window.statusBar().setVisible(bool(text))

    def on_error(self, text: str) -> None:
        """Errors show in the pane on screen."""
        if self.tabs.currentWidget() is self.task_pane:
            self.task_pane.show_error(text)
        else:
            self.chat_pane.show_error(text)
