"""The main window's slots for what surrounds the two panes: shortcuts, settings, providers and
the theme.

`MainWindow` inherits them (it owns the widgets and controllers they use) and wires them in its
`_connect_signals`; they live here so the window's own module stays about layout and panes.
Which provider a pane talks to: the chat, the open conversation's (else the default one); the
task pane, the one picked in its goal area (else the default). "Use demo model" overrides both
for the session, until the user picks a provider or chooses another default in the settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLineEdit, QTabWidget, QWidget

from desktop.core import settings as config
from desktop.core.providers import DEMO
from desktop.ui.shell.shortcuts import ShortcutsSheet
from desktop.ui.theme.palette import current
from desktop.ui.theme.task_sheet import pane_sheet

if TYPE_CHECKING:
    from desktop.core.settings import Settings
    from desktop.ui.chat.composer import Composer
    from desktop.ui.chat.controller import ChatController
    from desktop.ui.chat.pane import ChatPane
    from desktop.ui.settings.dialog import SettingsDialog
    from desktop.ui.shell.connections import Connections
    from desktop.ui.shell.model_banner import ModelBanner
    from desktop.ui.shell.sidebar import Sidebar
    from desktop.ui.task.controller import TaskController
    from desktop.ui.task.pane import TaskPane
    from desktop.ui.task.run_list import RunList
    from desktop.ui.theme.app_theme import Theme


class WindowActions:
    """Mixed into MainWindow; the attributes below are the window's."""

    settings: Settings
    theme: Theme
    tabs: QTabWidget
    chat_pane: ChatPane
    composer: Composer
    banner: ModelBanner
    sidebar: Sidebar
    run_list: RunList
    controller: ChatController | None
    task_controller: TaskController | None
    task_pane: TaskPane | None
    connections: Connections | None
    settings_dialog: SettingsDialog | None
    shortcuts_sheet: ShortcutsSheet | None
    provider_override: str | None
    demo_pending: bool

    # --- shortcuts ----------------------------------------------------------------------------

    def on_new_task(self) -> None:
        """Ctrl+Shift+N: the Task tab, composing a new task with an empty goal."""
        if self.task_pane is None:
            return
        self.tabs.setCurrentWidget(self.task_pane)
        self.task_pane.show_new_task()
        goal = self.task_pane.goal_area.goal_input
        goal.clear()
        goal.setFocus()

    def on_search(self) -> None:
        """Ctrl+K: the search box (the conversation list where there is none)."""
        box = self.findChild(QWidget, "searchInput")  # type: ignore[attr-defined]
        if box is not None and box.isVisibleTo(self):  # type: ignore[arg-type]
            box.setFocus()
            if isinstance(box, QLineEdit):
                box.selectAll()
        else:
            self.sidebar.conversation_list.setFocus()

    def on_submit(self) -> None:
        """Ctrl+Enter: send the message, or run the task, of the tab on screen."""
        if self.task_pane is not None and self.tabs.currentWidget() is self.task_pane:
            self.task_pane.goal_area.on_submitted()
        else:
            self.composer.on_submit()

    def on_stop(self) -> None:
        """Esc: stop the reply (else leave edit mode), or the run on screen."""
        if self.task_pane is not None and self.tabs.currentWidget() is self.task_pane:
            self.task_pane.on_stop_requested()
        elif self.controller is not None and self.controller.busy:
            self.controller.stop()
        else:
            self.composer.cancel_edit()

    def on_shortcuts_requested(self) -> None:
        """F1: the list of shortcuts."""
        if self.shortcuts_sheet is None:
            self.shortcuts_sheet = ShortcutsSheet(self)  # type: ignore[arg-type]
        self.shortcuts_sheet.open()

    # --- settings -----------------------------------------------------------------------------

    def on_settings_requested(self) -> None:
        """Ctrl+,: the settings dialog (it asks the keyring while opening)."""
        from desktop.core import settings as config
        from desktop.ui.settings.dialog import SettingsDialog

        if self.settings_dialog is not None:
            self.settings_dialog.raise_()
            return
        dialog = SettingsDialog(config.load(), self)  # type: ignore[arg-type]
        dialog.accepted.connect(self.on_settings_accepted)
        dialog.finished.connect(self.on_settings_closed)
        self.settings_dialog = dialog
        dialog.open()

    def on_settings_accepted(self) -> None:
        """Apply what was saved: theme, defaults, budgets, and the providers' clients."""
        dialog = self.settings_dialog
        if dialog is None or dialog.saved is None:
            return
        from desktop.core.llm import DEFAULT_MODEL

        new, old = dialog.saved, self.settings
        self.settings = new
        if new.provider != old.provider:  # a new default ends "Use demo model" too
            self.provider_override = None
        self.theme.set_mode(new.theme)
        if self.connections is not None:
            self.connections.update(new, dialog.changed_keys())
        if self.controller is not None:
            self.controller.default_model = new.model or DEFAULT_MODEL
            self.controller.context = config.context_limits(new, self.controller.provider)
            self.controller.set_generation(new.max_tokens, new.temperature, new.thinking_budget)
            self.use_provider_of_conversation(force=True)
        if self.task_controller is not None and self.task_pane is not None:
            self.task_controller.default_model = new.model or DEFAULT_MODEL
            self.task_controller.approval_policy = new.approval_policy  # type: ignore[assignment]
            self.task_controller.settings = new
            self.task_pane.use_defaults(new)
            kept = self.task_controller.provider  # the run's pick, unless the default moved
            moved = new.provider != old.provider or kept not in self._provider_names()
            self._switch_tasks(new.provider if moved else kept, force=True)

    def on_settings_closed(self) -> None:
        if self.settings_dialog is not None:
            self.settings_dialog.deleteLater()
            self.settings_dialog = None

    def on_theme_changed(self, _dark: bool) -> None:
        """Draw again what carries its own colours: message HTML and the task pane."""
        for card in self.chat_pane.view.cards:
            card.on_render_due()
        if self.task_pane is not None:
            self.task_pane.setStyleSheet(pane_sheet(current()))
            self.task_pane.on_plan_changed()
            self.task_pane.timeline.viewport().update()
        self.run_list.viewport().update()

    # --- providers ----------------------------------------------------------------------------

    def use_demo(self) -> None:
        """Switch both panes to the built-in demo model, for the rest of the session."""
        if self.controller is None:
            return
        self.provider_override = DEMO
        self.demo_pending = False
        self._switch_chat(DEMO)
        self._switch_tasks(DEMO)
        self.chat_pane.clear_status()

    def use_provider_of_conversation(self, force: bool = False) -> None:
        """The chat talks to the open conversation's provider (or the default one)."""
        if self.controller is None:
            return
        conversation = self.controller.conversation()
        stored = conversation.provider if conversation is not None else ""
        self._switch_chat(self.provider_override or stored or self.settings.provider, force)

    def on_provider_picked(self, provider: str) -> None:
        """The user picked a provider for this conversation: it remembers it."""
        if self.controller is None:
            return
        self.provider_override = None
        self._switch_chat(provider)
        self.controller.set_provider(provider)

    def on_run_provider_picked(self, provider: str) -> None:
        self._switch_tasks(provider)

    def on_run_models_loaded(self, models: list[str]) -> None:
        if self.task_pane is not None and self.task_controller is not None:
            area = self.task_pane.goal_area
            area.set_choices(area.model_picker, models, self.task_controller.model)

    def on_key_looked_up(self, provider: str) -> None:
        """The keyring answered: panes on that provider switch to the client with its key."""
        if self.controller is not None and self.controller.provider == provider:
            self._switch_chat(provider)
        if self.task_controller is not None and self.task_controller.provider == provider:
            self._switch_tasks(provider)
        self._show_banner()

    def _provider_names(self) -> list[str]:
        return [p.name for p in self.settings.providers]

    def _switch_chat(self, provider: str, force: bool = False) -> None:
        chat, connections = self.controller, self.connections
        if chat is None or connections is None:
            return
        provider = self.settings.current_provider(provider).name
        client = connections.client(provider)
        if force or provider != chat.provider or client is not chat.client:
            chat.use_client(client, connections.models(provider), provider)
        self.composer.set_providers(self._provider_names(), provider)
        self._show_banner()

    def _switch_tasks(self, provider: str, force: bool = False) -> None:
        tasks, connections = self.task_controller, self.connections
        if tasks is None or connections is None or self.task_pane is None:
            return
        provider = self.settings.current_provider(provider).name
        client = connections.client(provider)
        if force or provider != tasks.provider or client is not tasks.client:
            tasks.use_client(client, models=connections.models(provider), provider=provider)
        area = self.task_pane.goal_area
        area.set_choices(area.provider_picker, self._provider_names(), provider)

    def _show_banner(self) -> None:
        """Demo, no key (once the keyring has answered), or nothing to say."""
        chat, connections = self.controller, self.connections
        if chat is None or connections is None:
            return
        if chat.provider == DEMO:
            self.banner.show_demo()
        elif self.demo_pending:
            return  # `agentdesk --demo`: the demo is on its way
        elif not chat.has_api_key and not connections.looking_up(chat.provider):
            self.banner.show_no_key()
        else:
            self.banner.hide()
