"""The settings dialog, and what a save changes in the open window: the theme, the controllers'
defaults and budgets, and (through the `ProviderRouter`) the clients of changed profiles."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from desktop.core import settings as config
from desktop.core.model.client import DEFAULT_MODEL
from desktop.core.settings import Settings
from desktop.ui.chat.controller import ChatController
from desktop.ui.chat.pane import ChatPane
from desktop.ui.settings.dialog import SettingsDialog
from desktop.ui.shell.provider_router import ProviderRouter
from desktop.ui.shell.settings_store import SettingsStore
from desktop.ui.task.controller import TaskController
from desktop.ui.task.pane import TaskPane
from desktop.ui.task.run_list import RunList
from desktop.ui.theme.app_theme import Theme


class SettingsFlow(QObject):
    def __init__(
        self,
        store: SettingsStore,
        theme: Theme,
        router: ProviderRouter,
        chat: tuple[ChatController, ChatPane],
        tasks: tuple[TaskController, TaskPane, RunList],
        window: QWidget,
    ) -> None:
        super().__init__(window)
        self.store, self.theme, self.router, self.window = store, theme, router, window
        self.chat, self.chat_pane = chat
        self.tasks, self.task_pane, self.run_list = tasks
        self.dialog: SettingsDialog | None = None
        self.applied = store.current

    def open_dialog(self) -> None:
        """Ctrl+,: the settings dialog (it asks the keyring while opening)."""
        if self.dialog is not None:
            self.dialog.raise_()
            return
        self.dialog = SettingsDialog(self.store, self.window)
        self.dialog.finished.connect(self.on_dialog_closed)
        self.dialog.open()

    def on_saved(self, new: Settings) -> None:
        """Apply what a save changed: theme, defaults, budgets, and the providers' clients."""
        old, self.applied = self.applied, new
        self.theme.set_mode(new.theme)
        chat, tasks = self.chat, self.tasks
        chat.default_model = tasks.default_model = new.model or DEFAULT_MODEL
        chat.context = config.context_limits(new, chat.provider)
        chat.set_generation(new.max_tokens, new.temperature, new.thinking_budget)
        tasks.approval_policy = new.approval_policy  # type: ignore[assignment]
        tasks.settings = new
        if _budget(new) != _budget(old):
            self.task_pane.use_defaults(new)
        keys = self.dialog.changed_keys() if self.dialog is not None else {}
        if keys or (new.provider, new.providers) != (old.provider, old.providers):
            self.router.use_settings(new, keys)
        else:
            self.router.settings = new

    def on_dialog_closed(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None

    def on_theme_changed(self, _dark: bool) -> None:
        """Draw again what carries its own colours: message HTML and the task pane."""
        self.chat_pane.restyle()
        self.task_pane.restyle()
        self.run_list.viewport().update()


def _budget(settings: Settings) -> tuple[int, float, float]:
    return settings.max_steps, settings.max_cost_usd, settings.max_wall_s
