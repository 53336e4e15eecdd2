"""The main window: sidebar | (model banner over the Chat and Task tabs).

It is built in two steps so it can paint before the heavy imports: `MainWindow()` needs only
PySide6 (and config.json, for the theme), and `attach(store, client)` (after the first paint)
brings in the core: each feature's controller, wired by its package's `wire()`, and the small
objects that work across panes: `ProviderRouter` (which client each pane uses), `SettingsFlow`
(the dialog and applying a save) and `ReviewFlow` (search hits, export, import, compare). The
window itself keeps the layout, the shortcuts, what is in front, and closing. Nothing on this
module's import path may import asyncio, qasync, sqlite_utils, anthropic, markdown_it or
pygments.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core import settings as config
from desktop.ui.chat.pane import ChatPane
from desktop.ui.shell.model_banner import ModelBanner
from desktop.ui.shell.settings_store import SettingsStore
from desktop.ui.shell.shortcuts import Shortcuts, ShortcutsSheet
from desktop.ui.shell.sidebar import Sidebar
from desktop.ui.task.run_list import RunList
from desktop.ui.theme.app_theme import Theme

if TYPE_CHECKING:
    from desktop.core.model.client import ModelClient
    from desktop.core.store.database import Store
    from desktop.ui.chat.controller import ChatController
    from desktop.ui.review.controller import ReviewController
    from desktop.ui.shell.connections import Connections
    from desktop.ui.shell.provider_router import ProviderRouter
    from desktop.ui.shell.review_flow import ReviewFlow
    from desktop.ui.shell.settings_flow import SettingsFlow
    from desktop.ui.task.controller import TaskController
    from desktop.ui.task.pane import TaskPane

log = logging.getLogger(__name__)

APP_NAME = "AgentDesk"
SIDEBAR_WIDTH = 260
TASK_TAB = 1


class MainWindow(QMainWindow):
    """The app's one window. Tests build it exactly as `run_app` does, with their own core."""

    closed = Signal()

    def __init__(self, *, demo: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(APP_NAME)
        self.resize(1240, 820)
        self.setMinimumSize(760, 480)
        self.settings_store = SettingsStore(self)
        settings = self.settings_store.current
        if settings.window_geometry:  # where the user left it
            self.restoreGeometry(QByteArray.fromBase64(settings.window_geometry.encode()))
        self.theme = Theme(settings.theme, self)
        self.demo = demo
        self.controller: ChatController | None = None
        self.task_controller: TaskController | None = None
        self.task_pane: TaskPane | None = None
        self.connections: Connections | None = None
        self.providers: ProviderRouter | None = None
        self.settings_flow: SettingsFlow | None = None
        self.review: ReviewController | None = None
        self.review_flow: ReviewFlow | None = None
        self.shortcuts_sheet: ShortcutsSheet | None = None
        self.quit_box: QMessageBox | None = None
        self.quit_confirmed = False
        """The user agreed to stop the runs still going when the window closes."""
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
        self.chat_pane.focus_input()

    def _central(self) -> QSplitter:
        right = QWidget()
        right.setObjectName("mainArea")
        layout = QVBoxLayout(right)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.tabs, 1)
        self.banner.follow(self.tabs)
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
        """Bring in the core (after the first paint): the features' controllers, wired.

        `client` (tests, benchmarks) stands for the default provider's; without one, it is built
        from the settings, its key looked up in the keyring off the UI thread.
        """
        from desktop.core.model.client import DEFAULT_MODEL
        from desktop.ui.chat.controller import ChatController  # asyncio + core: ~250 ms
        from desktop.ui.review.controller import ReviewController
        from desktop.ui.shell.connections import Connections
        from desktop.ui.task.controller import TaskController
        from desktop.ui.task.pane import TaskPane

        settings = self.settings_store.current
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
        tasks = TaskController(store, client, settings.model or DEFAULT_MODEL, parent=self)
        tasks.provider = provider
        tasks.approval_policy = settings.approval_policy  # type: ignore[assignment]
        tasks.settings = settings
        self.task_controller = tasks
        self.task_pane = TaskPane(settings_store=self.settings_store)
        self.set_task_pane(self.task_pane)
        self.review = ReviewController(store, self)
        self.statusBar().hide()  # review notices show it while they last
        router = self._wire()
        router.show_banner()
        self.composer.set_busy(False)
        self.on_conversations_changed()
        self.controller.open_conversation(None)
        self.controller.load_models()
        tasks.load_models()
        if self.demo:
            router.use_demo()

    def set_task_pane(self, widget: QWidget) -> None:
        """Put the task pane in the "Task" tab, replacing the placeholder."""
        self.tabs.removeTab(TASK_TAB)
        self.task_placeholder.deleteLater()
        self.tabs.insertTab(TASK_TAB, widget, "Task")

    def _wire(self) -> ProviderRouter:
        """Each feature wires itself; the window connects what crosses features."""
        from desktop.ui.chat import wiring as chat_wiring
        from desktop.ui.review import wiring as review_wiring
        from desktop.ui.shell.provider_router import ProviderRouter
        from desktop.ui.shell.review_flow import ReviewFlow
        from desktop.ui.shell.settings_flow import SettingsFlow
        from desktop.ui.task import wiring as task_wiring

        chat, tasks, pane = self.controller, self.task_controller, self.task_pane
        assert chat is not None and tasks is not None and pane is not None
        assert self.connections is not None and self.review is not None
        runs, search, review = self.run_list, self.sidebar.search_panel, self.review
        router = ProviderRouter(self.settings_store.current, self.connections,
                                (chat, self.chat_pane), (tasks, pane), self.banner,
                                demo_pending=self.demo, parent=self)
        self.providers = router
        self.settings_flow = SettingsFlow(self.settings_store, self.theme, router,
                                          (chat, self.chat_pane), (tasks, pane, runs), self)
        flow = self.review_flow = ReviewFlow(review, self, self.tabs, (chat, self.chat_pane),
                                             (pane, runs))
        pane.set_providers(router.names(), tasks.provider)
        chat_wiring.wire(chat, self.chat_pane)
        task_wiring.wire(tasks, pane, runs)
        review_wiring.wire(review, search)
        self._wire_window(chat)
        self.connections.keyLookedUp.connect(router.on_key_looked_up)
        self.chat_pane.providerPicked.connect(router.on_chat_provider_picked)
        pane.providerPicked.connect(router.switch_tasks)
        self.settings_store.changed.connect(self.settings_flow.on_saved)
        self.theme.changed.connect(self.settings_flow.on_theme_changed)
        self.shortcuts.settings.activated.connect(self.settings_flow.open_dialog)
        self.chat_pane.exportRequested.connect(flow.on_export_chat_requested)
        self.chat_pane.promoteRequested.connect(flow.on_promote_requested)
        search.hitActivated.connect(flow.on_search_hit)
        search.importRequested.connect(flow.on_import_requested)
        review.imported.connect(self.on_conversations_changed)  # the lists first, then show it
        review.imported.connect(flow.on_imported)
        review.notice.connect(flow.on_notice)
        review.error.connect(flow.on_error)
        self.statusBar().messageChanged.connect(flow.on_status_message_changed)
        for source in (runs, pane):
            source.exportRequested.connect(flow.on_export_run_requested)
            source.compareRequested.connect(flow.on_compare_requested)
        chat.conversationsChanged.connect(search.on_history_changed)
        tasks.runEnded.connect(search.on_history_changed)
        tasks.runDeleted.connect(search.on_history_changed)
        return router

    def _wire_window(self, chat: ChatController) -> None:
        """The shortcuts, the sidebar and what is in front."""
        keys, sidebar, pane = self.shortcuts, self.sidebar, self.task_pane
        assert pane is not None
        keys.new_chat.activated.connect(self.on_new_chat)
        keys.new_task.activated.connect(self.on_new_task)
        keys.search.activated.connect(self.on_search)
        keys.submit.activated.connect(self.on_submit)
        keys.stop.activated.connect(self.on_stop)
        keys.help.activated.connect(self.on_shortcuts_requested)
        self.banner.demo_button.clicked.connect(self.on_use_demo_clicked)
        sidebar.newChatRequested.connect(self.on_new_chat)
        sidebar.conversationSelected.connect(chat.open_conversation)
        sidebar.conversationPicked.connect(self.on_conversation_picked)
        sidebar.renameRequested.connect(chat.rename_conversation)
        sidebar.deleteRequested.connect(chat.delete_conversation)
        sidebar.moreRequested.connect(self.on_conversations_changed)
        chat.conversationOpened.connect(self.on_conversation_opened)
        chat.conversationsChanged.connect(self.on_conversations_changed)
        self.run_list.runSelected.connect(self.on_run_selected)
        pane.runShown.connect(self.on_front_changed)
        self.tabs.currentChanged.connect(self.on_front_changed)

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
            self.settings_store.update(window_geometry=geometry)
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

    # --- shortcuts ----------------------------------------------------------------------------

    def on_new_chat(self) -> None:
        if self.controller is not None:
            self.controller.new_chat()
        self.tabs.setCurrentWidget(self.chat_pane)
        self.chat_pane.focus_input()

    def on_new_task(self) -> None:
        """Ctrl+Shift+N: the Task tab, composing a new task with an empty goal."""
        if self.task_pane is None:
            return
        self.tabs.setCurrentWidget(self.task_pane)
        self.task_pane.show_new_task()
        self.task_pane.goal_area.goal_input.clear()
        self.task_pane.focus_goal()

    def on_search(self) -> None:
        """Ctrl+K: the search box (the conversation list where there is none)."""
        box = self.findChild(QWidget, "searchInput")
        if box is not None and box.isVisibleTo(self):
            box.setFocus()
            if isinstance(box, QLineEdit):
                box.selectAll()
        else:
            self.sidebar.conversation_list.setFocus()

    def on_submit(self) -> None:
        """Ctrl+Enter: send the message, or run the task, of the tab on screen."""
        if (pane := self._task_in_front()) is not None:
            pane.goal_area.on_submitted()
        else:
            self.composer.on_submit()

    def on_stop(self) -> None:
        """Esc: stop the reply (else leave edit mode), or the run on screen."""
        if (pane := self._task_in_front()) is not None:
            pane.on_stop_requested()
        elif self.controller is not None and self.controller.busy:
            self.controller.stop()
        else:
            self.composer.cancel_edit()

    def on_shortcuts_requested(self) -> None:
        """F1: the list of shortcuts."""
        if self.shortcuts_sheet is None:
            self.shortcuts_sheet = ShortcutsSheet(self)
        self.shortcuts_sheet.open()

    def _task_in_front(self) -> TaskPane | None:
        pane = self.task_pane
        return pane if pane is not None and self.tabs.currentWidget() is pane else None

    # --- what is in front ---------------------------------------------------------------------

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
        if self.providers is not None:
            self.providers.use_demo()
        self.chat_pane.focus_input()

    def on_conversation_picked(self) -> None:
        """A chat clicked in the sidebar comes on screen, so what is typed next is seen going
        into it (the Task tab may be in front)."""
        self.tabs.setCurrentWidget(self.chat_pane)
        self.chat_pane.focus_input()

    def on_conversation_opened(self) -> None:
        """The chat's provider first (it brings its models), then the pane, title and focus."""
        if self.providers is not None:
            self.providers.use_provider_of_conversation()
        self.chat_pane.on_conversation_opened()
        self.on_front_changed()
        if self.tabs.currentWidget() is self.chat_pane:  # never focus a composer out of sight
            self.chat_pane.focus_input()

    def on_conversations_changed(self) -> None:
        assert self.controller is not None
        conversation = self.controller.conversation()
        self.sidebar.show_conversations(
            self.controller.conversations(self.sidebar.pager.wanted),
            self.controller.conversation_id,
        )
        if conversation is not None:
            self.on_front_changed()

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
