"""The main window's slots for reviewing past work: search hits, export, import, promote a chat
to a task, compare runs, and the notices these leave.

`MainWindow` inherits them (it owns the widgets and controllers they use) and wires them in its
`_connect_signals`, as with `WindowActions`. The file choosers are attributes, so tests answer
them without a native dialog.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QStatusBar, QTabWidget

from desktop.ui.widgets import dialogs

if TYPE_CHECKING:
    from desktop.core.store import SearchHit
    from desktop.ui.chat.controller import ChatController
    from desktop.ui.chat.pane import ChatPane
    from desktop.ui.review.compare_view import CompareDialog
    from desktop.ui.review.controller import ReviewController
    from desktop.ui.task.pane import TaskPane
    from desktop.ui.task.run_list import RunList

NOTICE_MS = 4000


def file_name(title: str, fallback: str) -> str:
    """A title as a file name: "Plan a trip!" -> "plan-a-trip"."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:48].rstrip("-")
    return slug or fallback


class ReviewActions:
    """Mixed into MainWindow; the attributes below are the window's."""

    tabs: QTabWidget
    chat_pane: ChatPane
    run_list: RunList
    controller: ChatController | None
    task_pane: TaskPane | None
    review: ReviewController | None = None
    compare_dialog: CompareDialog | None = None
    choose_save_path: dialogs.SaveChooser = staticmethod(dialogs.ask_save_path)
    choose_open_path: dialogs.OpenChooser = staticmethod(dialogs.ask_open_path)

    def on_search_hit(self, hit: SearchHit) -> None:
        """Open what a search hit points at: the chat at its message, or the run at its event."""
        if hit.kind == "message" and self.controller is not None:
            self.tabs.setCurrentWidget(self.chat_pane)
            self.controller.open_message(hit.parent_id, hit.id)
            self.chat_pane.view.reveal(hit.id)
        elif hit.parent_id is not None and self.task_pane is not None:
            self.tabs.setCurrentWidget(self.task_pane)
            self.task_pane.show_run(hit.parent_id, hit.seq)

    def on_export_chat_requested(self) -> None:
        conversation = self.controller.conversation() if self.controller is not None else None
        if conversation is None or self.review is None:
            return
        name = file_name(conversation.title, f"chat-{conversation.id}")
        path = self.choose_save_path(self, "Export chat", f"{name}.md")  # type: ignore[arg-type]
        if path:
            self.review.export_conversation(conversation.id, path)

    def on_export_run_requested(self, run_id: int) -> None:
        if self.review is None:
            return
        path = self.choose_save_path(self, "Export run", f"run-{run_id}.md")  # type: ignore[arg-type]
        if path:
            self.review.export_run(run_id, path)

    def on_import_requested(self) -> None:
        if self.review is None:
            return
        path = self.choose_open_path(self, "Import a chat or run")  # type: ignore[arg-type]
        if path:
            self.review.import_file(path)

    def on_imported(self, kind: str, item_id: int) -> None:
        """Show what was just imported."""
        if kind == "conversation" and self.controller is not None:
            self.on_conversations_changed()  # type: ignore[attr-defined]
            self.controller.open_conversation(item_id)
            self.tabs.setCurrentWidget(self.chat_pane)
        elif kind == "run" and self.task_pane is not None:
            self.run_list.reload()
            self.task_pane.show_run(item_id)
            self.tabs.setCurrentWidget(self.task_pane)

    def on_promote_requested(self) -> None:
        """The Task tab, composing a goal that carries the open chat's context."""
        chat = self.controller
        if chat is None or chat.conversation_id is None or self.review is None:
            return
        if self.task_pane is None or not (goal := self.review.task_goal(chat.conversation_id)):
            return
        self.task_pane.compose_goal(goal)
        self.tabs.setCurrentWidget(self.task_pane)
        self.task_pane.goal_area.goal_input.setFocus()

    def on_compare_requested(self, run_id: int) -> None:
        from desktop.ui.review.compare_view import CompareDialog  # only when asked for

        if self.review is None:
            return
        if self.compare_dialog is not None:
            self.compare_dialog.close()
        self.compare_dialog = CompareDialog(self.review, run_id, self)  # type: ignore[arg-type]
        self.compare_dialog.open()

    def on_review_notice(self, text: str) -> None:
        """"Saved run-4.md", in the window's status bar for a few seconds."""
        bar: QStatusBar = self.statusBar()  # type: ignore[attr-defined]
        bar.showMessage(text, NOTICE_MS)

    def on_status_message_changed(self, text: str) -> None:
        """The status bar is there only while it has something to say."""
        self.statusBar().setVisible(bool(text))  # type: ignore[attr-defined]

    def on_review_error(self, text: str) -> None:
        """Errors show in the pane on screen."""
        if self.task_pane is not None and self.tabs.currentWidget() is self.task_pane:
            self.task_pane.show_error(text)
        else:
            self.chat_pane.show_error(text)
