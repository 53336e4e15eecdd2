"""The main window: sidebar | (model banner over the Chat and Task tabs).

It is built in two steps so it can paint before the heavy imports: `MainWindow()` needs only
PySide6 (and config.json, for the theme), and `attach(store, client)` (after the first paint)
brings in the core and wires the chat controller and the task pane's (the run list waits in
the sidebar till then). Nothing on this module's import path may import asyncio, qasync,
sqlite_utils, anthropic, markdown_it or pygments. The slots for shortcuts, settings, providers
and the theme are in `WindowActions`.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core import settings as config
from desktop.ui.chat.pane import ChatPane
from desktop.ui.chat.system_prompt_dialog import SystemPromptDialog
from desktop.ui.shell.model_banner import ModelBanner
from desktop.ui.shell.review_actions import ReviewActions
from desktop.ui.shell.shortcuts import Shortcuts, ShortcutsSheet
from desktop.ui.shell.sidebar import Sidebar
from desktop.ui.shell.window_actions import WindowActions
from desktop.ui.task.run_list import RunList
from desktop.ui.theme.app_theme import Theme

if TYPE_CHECKING:
    from desktop.core.llm import ModelClient
    from desktop.core.store import Store
    from desktop.ui.chat.controller import ChatController
    from desktop.ui.settings.dialog import SettingsDialog
    from desktop.ui.shell.connections import Connections
    from desktop.ui.task.controller import TaskController
    from desktop.ui.task.pane import TaskPane

log = logging.getLogger(__name__)

APP_NAME = "AgentDesk"
SIDEBAR_WIDTH = 260
TASK_TAB = 1


class MainWindow(ReviewActions, WindowActions, QMainWindow):
    """The app's one window. Tests build it exactly as `run_app` does, with their own core."""

    closed = Signal()

    def __init__(self, *, demo: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(APP_NAME)
        self.resize(1240, 820)
        self.setMinimumSize(760, 480)
        self.settings = config.load()
        if self.settings.window_geometry:  # where the user left it
            self.restoreGeometry(QByteArray.fromBase64(self.settings.window_geometry.encode()))
        self.theme = Theme(self.settings.theme, self)
        self.controller: ChatController | None = None
        self.connections: Connections | None = None
        self.provider_override: str | None = None
        self.demo_pending = demo
        self.settings_dialog: SettingsDialog | None = None
        self.shortcuts_sheet: ShortcutsSheet | None = None
        self.system_prompt_dialog: SystemPromptDialog | None = None
        self.task_controller: TaskController | None = None
        self.task_pane: TaskPane | None = None
        self.quit_box: QMessageBox | None = None
        self.quit_confirmed = False
        """The user agreed to stop the runs still going when the window closes."""
        self._drafts: dict[int, tuple[str, list[dict[str, Any]]]] = {}
        """Unsent text and files per conversation (-1: the new chat) while another is open."""
        self.sidebar = Sidebar()
        self.run_list = RunList()
        self.sidebar.add_section("Runs", self.run_list)
        self.banner = ModelBanner()
        self.chat_pane = ChatPane()
        self.composer = self.chat_pane.composer
        self.task_placeholder = QLabel("The task pane arrives in a later version.")
        self.task_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("paneTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.chat_pane, "Chat")
        self.tabs.addTab(self.task_placeholder, "Task")
        self.shortcuts = Shortcuts(self)
        self.setCentralWidget(self._central())
        if demo:
            self.banner.show_demo()
        self.composer.send_button.setEnabled(False)  # until attach() brings the core
        self.composer.chat_input.setFocus()

    def _central(self) -> QSplitter:
        right = QWidget()
        right.setObjectName("mainArea")
        layout = QVBoxLayout(right)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        splitter = QSplitter()
        splitter.setObjectName("mainSplitter")
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.sidebar)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([SIDEBAR_WIDTH, self.width() - SIDEBAR_WIDTH])
        return splitter

    # --- set-up -----------------------------------------------------------------------------

    def attach(self, store: Store, client: ModelClient | None = None) -> None:
        """Bring in the core (after the first paint): load conversations, wire the chat.

        `client` (tests, benchmarks) stands for the default provider's; without one, it is built
        from the settings, its key looked up in the keyring off the UI thread.
        """
        from desktop.core.llm import DEFAULT_MODEL
        from desktop.ui.chat.controller import ChatController  # asyncio + core: ~250 ms
        from desktop.ui.review.controller import ReviewController
        from desktop.ui.shell.connections import Connections

        settings = self.settings
        provider = settings.current_provider().name
        self.connections = Connections(settings, self)
        if client is None:
            client = self.connections.client(provider)
        else:
            self.connections.adopt(provider, client)
        self.controller = ChatController(
            store, client, self, provider=provider, default_model=settings.model,
            max_tokens=settings.max_tokens, temperature=settings.temperature,
            thinking_budget=settings.thinking_budget,
            context=config.context_limits(settings, provider),
        )
        self.chat_pane.view.set_source(self.controller)
        self._attach_tasks(store, client, provider, settings.model or DEFAULT_MODEL)
        self.review = ReviewController(store, self)
        self.statusBar().hide()  # review notices show it while they last
        self._connect_signals()
        self._show_banner()
        self.composer.set_busy(False)
        self.on_conversations_changed()
        self.controller.open_conversation(None)
        self.controller.load_models()

    def _attach_tasks(self, store: Store, client: ModelClient, provider: str, model: str) -> None:
        """The task pane and its controller, in the Task tab; the runs in the sidebar."""
        from desktop.ui.task.controller import TaskController
        from desktop.ui.task.pane import TaskPane

        self.task_controller = TaskController(store, client, model, parent=self)
        self.task_controller.provider = provider
        self.task_controller.approval_policy = self.settings.approval_policy  # type: ignore[assignment]
        self.task_controller.settings = self.settings
        self.task_controller.load_models()
        self.task_pane = TaskPane()
        area = self.task_pane.goal_area
        area.set_choices(area.provider_picker, self._provider_names(), provider)
        self.task_pane.attach(self.task_controller)
        self.set_task_pane(self.task_pane)
        self.run_list.set_source(self.task_controller)

    def set_task_pane(self, widget: QWidget) -> None:
        """Put the task pane in the "Task" tab, replacing the placeholder."""
        self.tabs.removeTab(TASK_TAB)
        self.task_placeholder.deleteLater()
        self.tabs.insertTab(TASK_TAB, widget, "Task")

    async def aclose(self) -> None:
        """Stop the runs and the streaming reply (stored as cancelled), and the demo server."""
        if self.task_controller is not None:
            await self.task_controller.aclose()
        if self.controller is not None:
            await self.controller.aclose()
        if self.connections is not None:
            await self.connections.aclose()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Close, or first ask whether to stop the runs still going (then `aclose` stops them,
        recorded as stopped because the app closed)."""
        controller = self.task_controller
        if controller is not None and controller.running() and not self.quit_confirmed:
            event.ignore()
            self._ask_to_quit(len(controller.running()))
            return
        self._remember_geometry()
        super().closeEvent(event)
        self.closed.emit()

    def _remember_geometry(self) -> None:
        geometry = bytes(self.saveGeometry().toBase64().data()).decode()
        try:
            config.save(dataclasses.replace(config.load(), window_geometry=geometry))
        except OSError:  # a read-only data folder: the window opens at its default next time
            log.warning("could not save the window's place", exc_info=True)

    def _ask_to_quit(self, runs: int) -> None:
        yes, cancel = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.Cancel
        going = "A run is" if runs == 1 else f"{runs} runs are"
        box = QMessageBox(QMessageBox.Icon.Question, APP_NAME,
                          f"{going} still going. Stop {'it' if runs == 1 else 'them'} and quit?",
                          yes | cancel, self)
        box.button(yes).setText("Stop and quit")
        box.setDefaultButton(cancel)
        box.button(yes).clicked.connect(self.on_quit_confirmed)
        self.quit_box = box
        box.open()

    def on_quit_confirmed(self) -> None:
        self.quit_confirmed = True
        self.close()

    def _connect_signals(self) -> None:
        assert self.controller is not None
        assert self.task_controller is not None and self.task_pane is not None
        chat, pane, composer = self.controller, self.chat_pane, self.composer
        tasks, runs = self.task_controller, self.run_list
        view = pane.view
        keys, area = self.shortcuts, self.task_pane.goal_area
        keys.new_chat.activated.connect(self.on_new_chat)
        keys.new_task.activated.connect(self.on_new_task)
        keys.search.activated.connect(self.on_search)
        keys.submit.activated.connect(self.on_submit)
        keys.stop.activated.connect(self.on_stop)
        keys.settings.activated.connect(self.on_settings_requested)
        keys.help.activated.connect(self.on_shortcuts_requested)
        self.theme.changed.connect(self.on_theme_changed)
        self.connections.keyLookedUp.connect(self.on_key_looked_up)
        self.banner.demo_button.clicked.connect(self.on_use_demo_clicked)
        self.sidebar.newChatRequested.connect(self.on_new_chat)
        self.sidebar.conversationSelected.connect(chat.open_conversation)
        self.sidebar.conversationPicked.connect(self.on_conversation_picked)
        chat.conversationSwitched.connect(self.on_conversation_switched)
        self.sidebar.renameRequested.connect(chat.rename_conversation)
        self.sidebar.deleteRequested.connect(chat.delete_conversation)
        composer.sendRequested.connect(chat.send)
        composer.editSubmitted.connect(chat.edit)
        composer.stop_button.clicked.connect(chat.stop)
        composer.model_picker.textActivated.connect(chat.set_model)
        composer.provider_picker.textActivated.connect(self.on_provider_picked)
        composer.attachmentError.connect(pane.show_error)
        composer.notice.connect(pane.show_notice)
        composer.chat_input.editLastRequested.connect(self.on_edit_last_requested)
        pane.filesDropped.connect(composer.add_files)
        composer.systemPromptRequested.connect(self.on_system_prompt_requested)
        view.notice.connect(pane.show_notice)
        view.editRequested.connect(composer.begin_edit)
        view.regenerateRequested.connect(chat.regenerate)
        view.retryRequested.connect(chat.regenerate)
        view.continueRequested.connect(chat.continue_reply)
        view.branchRequested.connect(chat.select_branch)
        chat.conversationOpened.connect(self.on_conversation_opened)
        chat.conversationsChanged.connect(self.on_conversations_changed)
        self.sidebar.moreRequested.connect(self.on_conversations_changed)
        chat.threadChanged.connect(view.reload)
        chat.userMessageSaved.connect(composer.on_message_saved)
        chat.userMessageSaved.connect(view.on_message_added)
        chat.replyStarted.connect(view.on_message_added)
        chat.textDelta.connect(view.on_text_delta)
        chat.thinkingDelta.connect(view.on_thinking_delta)
        chat.textDelta.connect(pane.clear_progress)
        chat.retrying.connect(pane.show_progress)
        chat.notice.connect(pane.show_notice)
        chat.replyFinished.connect(view.on_reply_settled)
        chat.replyFailed.connect(view.on_reply_failed)
        chat.replyCancelled.connect(view.on_reply_settled)
        chat.busyChanged.connect(composer.set_busy)
        chat.busyChanged.connect(view.on_busy_changed)
        chat.busyChanged.connect(self.on_busy_changed)
        chat.modelsLoaded.connect(self.on_models_loaded)
        chat.error.connect(pane.show_error)
        tasks.runStarted.connect(runs.on_runs_changed)
        tasks.runEnded.connect(runs.on_runs_changed)
        tasks.approvalChanged.connect(runs.on_approval_changed)
        tasks.modelsLoaded.connect(self.on_run_models_loaded)
        area.providerPicked.connect(self.on_run_provider_picked)
        area.modelPicked.connect(tasks.set_model)
        runs.runSelected.connect(self.task_pane.show_run)
        runs.runSelected.connect(self.on_run_selected)
        self.task_pane.runShown.connect(runs.select_run)
        self.task_pane.runShown.connect(self.on_front_changed)
        self.tabs.currentChanged.connect(self.on_front_changed)
        review, search, replay = self.review, self.sidebar.search_panel, self.task_pane.replay_bar
        search.searchRequested.connect(review.search)
        search.hitActivated.connect(self.on_search_hit)
        search.importRequested.connect(self.on_import_requested)
        review.searchFinished.connect(search.show_hits)
        review.imported.connect(self.on_imported)
        review.imported.connect(search.on_history_changed)
        review.notice.connect(self.on_review_notice)
        review.error.connect(self.on_review_error)
        self.statusBar().messageChanged.connect(self.on_status_message_changed)
        pane.actions.export_button.clicked.connect(self.on_export_chat_requested)
        pane.actions.promote_button.clicked.connect(self.on_promote_requested)
        chat.conversationsChanged.connect(search.on_history_changed)
        tasks.runEnded.connect(search.on_history_changed)
        tasks.runDeleted.connect(runs.on_runs_changed)
        tasks.runDeleted.connect(self.task_pane.on_run_deleted)
        tasks.runDeleted.connect(search.on_history_changed)
        runs.deleteRequested.connect(tasks.delete)
        runs.exportRequested.connect(self.on_export_run_requested)
        runs.compareRequested.connect(self.on_compare_requested)
        replay.exportRequested.connect(self.on_export_run_requested)
        replay.compareRequested.connect(self.on_compare_requested)

    # --- slots --------------------------------------------------------------------------------

    def on_new_chat(self) -> None:
        if self.controller is not None:
            self.controller.new_chat()
        self.tabs.setCurrentWidget(self.chat_pane)
        self.composer.chat_input.setFocus()

    def on_front_changed(self, *_: object) -> None:
        """The title and the sidebar's highlight follow what is in front: the chat, or the
        run (or new task) the Task tab shows; never a chat and a run at once."""
        assert self.controller is not None
        pane = self.task_pane
        if pane is not None and self.tabs.currentWidget() is pane:
            shown = pane.shown
            title = f"Run #{shown.run_id}: {shown.goal}" if shown is not None else "New task"
            self.run_list.select_run(pane.run_id)
            self.sidebar.conversation_list.blockSignals(True)
            self.sidebar.conversation_list.setCurrentItem(None)
            self.sidebar.conversation_list.blockSignals(False)
        else:
            conversation = self.controller.conversation()
            title = conversation.title if conversation else "New chat"
            self.run_list.select_run(None)
            self._select_in_sidebar()
        line = " ".join(title.split())
        self.setWindowTitle(f"{line[:80]} — {APP_NAME}")

    def on_run_selected(self, _run_id: int) -> None:
        """A run picked in the sidebar: show the Task tab, where the pane now shows it."""
        if self.task_pane is not None:
            self.tabs.setCurrentWidget(self.task_pane)

    def on_use_demo_clicked(self) -> None:
        self.use_demo()
        self.composer.chat_input.setFocus()

    def on_conversation_picked(self) -> None:
        """A chat clicked in the sidebar comes on screen, so what is typed next is seen going
        into it (the Task tab may be in front)."""
        self.tabs.setCurrentWidget(self.chat_pane)
        self.composer.chat_input.setFocus()

    def on_edit_last_requested(self) -> None:
        """Up in the empty message box: edit the last message the user sent on this branch."""
        from desktop.core.attachments import typed_text

        assert self.controller is not None
        mine = [m for m in self.controller.thread() if m.role == "user"]
        if mine and not self.controller.busy:
            self.composer.begin_edit(mine[-1].id, typed_text(mine[-1].content))

    def on_conversation_switched(self, old: int, new: int) -> None:
        """Each chat keeps its own unsent text and files: they stay behind when the user
        goes to another chat, and come back with it."""
        self._drafts[old] = self.composer.draft()
        self.composer.restore(self._drafts.pop(new, ("", [])))

    def on_conversation_opened(self) -> None:
        assert self.controller is not None
        conversation = self.controller.conversation()
        self.use_provider_of_conversation()
        self.chat_pane.view.reload()
        self.composer.cancel_edit()
        self.composer.set_models(self.controller.models, self.controller.model)
        self.composer.set_system_prompt_active(bool(conversation and conversation.system_prompt))
        self.chat_pane.actions.setVisible(conversation is not None)
        self.on_front_changed()
        if self.tabs.currentWidget() is self.chat_pane:  # never focus a composer out of sight
            self.composer.chat_input.setFocus()

    def on_conversations_changed(self) -> None:
        assert self.controller is not None
        conversation = self.controller.conversation()
        self.sidebar.show_conversations(
            self.controller.conversations(self.sidebar.pager.wanted),
            self.controller.conversation_id,
        )
        if conversation is not None:
            self.on_front_changed()

    def on_models_loaded(self, models: list[str]) -> None:
        assert self.controller is not None
        self.composer.set_models(models, self.controller.model)

    def on_busy_changed(self, busy: bool) -> None:
        """A new reply clears old errors; a finished one clears its retry notice."""
        if busy:
            self.chat_pane.clear_status()
        else:
            self.chat_pane.clear_progress()

    def on_system_prompt_requested(self) -> None:
        assert self.controller is not None
        conversation = self.controller.conversation()
        dialog = SystemPromptDialog(conversation.system_prompt if conversation else "", self)
        dialog.accepted.connect(self.on_system_prompt_accepted)
        self.system_prompt_dialog = dialog
        dialog.open()

    def on_system_prompt_accepted(self) -> None:
        assert self.controller is not None and self.system_prompt_dialog is not None
        self.controller.set_system_prompt(self.system_prompt_dialog.text())
        self.system_prompt_dialog.deleteLater()
        self.system_prompt_dialog = None
        conversation = self.controller.conversation()
        self.composer.set_system_prompt_active(bool(conversation and conversation.system_prompt))

    def _select_in_sidebar(self) -> None:
        assert self.controller is not None
        view = self.sidebar.conversation_list
        item = (
            self.sidebar.item_for(self.controller.conversation_id)
            if self.controller.conversation_id is not None
            else None
        )
        view.blockSignals(True)
        if item is None:
            view.clearSelection()
            view.setCurrentItem(None)
        else:
            view.setCurrentItem(item)
        view.blockSignals(False)
