"""Which endpoint each pane talks to: the chat, the open conversation's provider (else the
default); the task pane, the one picked in its goal area (else the default). "Use demo model"
overrides both for the session, until the user picks a provider or another default.

`ProviderRouter` owns that choice: it hands each controller the client `Connections` keeps for
the provider, keeps the panes' provider pickers in step, and says in the banner when the chat
runs on the demo or has no key.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from desktop.core import settings as config
from desktop.core.model.client import ModelClient
from desktop.core.model.providers import DEMO
from desktop.core.settings import Settings
from desktop.ui.chat.controller import ChatController
from desktop.ui.chat.pane import ChatPane
from desktop.ui.shell.connections import Connections
from desktop.ui.shell.model_banner import ModelBanner
from desktop.ui.task.controller import TaskController
from desktop.ui.task.pane import TaskPane


class ProviderRouter(QObject):
    def __init__(
        self,
        settings: Settings,
        connections: Connections,
        chat: tuple[ChatController, ChatPane],
        tasks: tuple[TaskController, TaskPane],
        banner: ModelBanner,
        *,
        demo_pending: bool = False,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.connections = connections
        self.chat, self.chat_pane = chat
        self.tasks, self.task_pane = tasks
        self.banner = banner
        self.override: str | None = None
        """DEMO after "Use demo model", until the user chooses otherwise."""
        self.demo_pending = demo_pending
        """`agentdesk --demo`: the demo is on its way, so the banner waits for it."""
        self.tasks.clients = self.client_of

    def names(self) -> list[str]:
        return [p.name for p in self.settings.providers]

    def client_of(self, profile: str) -> ModelClient | None:
        """The client of the profile called `profile`; None if there is none by that name."""
        return self.connections.client(profile) if profile in self.names() else None

    def use_demo(self) -> None:
        """Switch both panes to the built-in demo model, for the rest of the session."""
        self.override = DEMO
        self.demo_pending = False
        self._switch_chat(DEMO)
        self.switch_tasks(DEMO)
        self.chat_pane.clear_status()

    def use_provider_of_conversation(self, force: bool = False) -> None:
        """The chat talks to the open conversation's provider (or the default one)."""
        conversation = self.chat.conversation()
        stored = conversation.provider if conversation is not None else ""
        self._switch_chat(self.override or stored or self.settings.provider, force)

    def use_settings(self, new: Settings, changed_keys: dict[str, str | None]) -> None:
        """Settings were saved: rebuild the clients whose endpoint or key changed, and move
        the panes to the new default where they followed the old one."""
        old, self.settings = self.settings, new
        if new.provider != old.provider:  # a new default ends "Use demo model" too
            self.override = None
        self.connections.update(new, changed_keys)
        self.use_provider_of_conversation(force=True)
        kept = self.tasks.provider  # the run's pick, unless the default moved
        moved = new.provider != old.provider or kept not in self.names()
        self.switch_tasks(new.provider if moved else kept, force=True)

    def on_chat_provider_picked(self, provider: str) -> None:
        """The user picked a provider for this conversation: it remembers it."""
        self.override = None
        self._switch_chat(provider)
        self.chat.set_provider(provider)

    def on_key_looked_up(self, provider: str) -> None:
        """The keyring answered: panes on that provider switch to the client with its key."""
        if self.chat.provider == provider:
            self._switch_chat(provider)
        if self.tasks.provider == provider:
            self.switch_tasks(provider)
        self.show_banner()

    def switch_tasks(self, provider: str, force: bool = False) -> None:
        provider = self.settings.current_provider(provider).name
        client = self.connections.client(provider)
        if force or provider != self.tasks.provider or client is not self.tasks.client:
            self.tasks.use_client(client, models=self.connections.models(provider),
                                  provider=provider)
        self.task_pane.set_providers(self.names(), provider)

    def show_banner(self) -> None:
        """Demo, no key (once the keyring has answered), or nothing to say."""
        if self.chat.provider == DEMO:
            self.banner.show_demo()
        elif self.demo_pending:
            return
        elif not self.chat.has_api_key and not self.connections.looking_up(self.chat.provider):
            self.banner.show_no_key()
        else:
            self.banner.hide()

    def _switch_chat(self, provider: str, force: bool = False) -> None:
        provider = self.settings.current_provider(provider).name
        client = self.connections.client(provider)
        if force or provider != self.chat.provider or client is not self.chat.client:
            self.chat.use_client(client, self.connections.models(provider), provider)
        self.chat.context = config.context_limits(self.settings, provider)  # its window
        self.chat_pane.set_providers(self.names(), provider)
        self.show_banner()
