"""Which endpoint the panes talk to: one model client per provider profile, with its key.

A key is first looked up where that costs nothing (the environment, the owner-only file);
the keyring is asked on a worker thread once the SDK has been imported (never two threads
importing at once, see sdk_import), and `keyLookedUp` says when it has answered, so the
window can switch to the rebuilt client (or say that there is no key). The demo profile's
client talks to the built-in demo server, started on first use and kept. No widgets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

from PySide6.QtCore import QObject, Signal

from desktop.core.demo.fake_api import FakeAPI
from desktop.core.demo.server import DEMO_MODEL, start_demo
from desktop.core.model.client import ModelClient
from desktop.core.model.providers import DEMO, client_for
from desktop.core.secrets import FoundKey, KeyStore
from desktop.core.settings import Settings
from desktop.ui.shell.sdk_import import sdk_ready

log = logging.getLogger(__name__)


class Connections(QObject):
    """The clients of the window's provider profiles, built on demand and kept."""

    keyLookedUp = Signal(str)
    """(provider name) the keyring has answered; `client()` has the key, if it had one."""

    def __init__(self, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.demo_server: FakeAPI | None = None
        self._clients: dict[str, ModelClient] = {}
        self._keys: dict[str, str | None] = {}
        self._lookups: dict[str, asyncio.Task[None]] = {}
        self._retired: list[ModelClient] = []

    def adopt(self, provider: str, client: ModelClient) -> None:
        """Use `client` for `provider` (the window was given one)."""
        self._clients[provider] = client
        self._keys[provider] = client.api_key

    def client(self, provider: str) -> ModelClient:
        """The profile's client; the first call starts looking for its key in the keyring."""
        if provider not in self._clients:
            self._clients[provider] = self._build(provider)
        return self._clients[provider]

    def models(self, provider: str) -> list[str] | None:
        """A fixed model list for profiles whose endpoint is known not to list any."""
        return [DEMO_MODEL] if provider == DEMO else None

    def looking_up(self, provider: str) -> bool:
        """Whether the keyring has yet to answer for the profile."""
        return provider in self._lookups

    def update(self, settings: Settings, changed_keys: dict[str, str | None]) -> None:
        """New settings, and the keys the settings dialog changed (None: deleted). The clients
        of profiles whose endpoint or key changed are rebuilt on their next use."""
        old = self.settings
        self.settings = settings
        self._keys.update(changed_keys)
        for name in list(self._clients):
            moved = old.current_provider(name) != settings.current_provider(name)
            if name != DEMO and (moved or name in changed_keys):
                self._retired.append(self._clients.pop(name))

    async def aclose(self) -> None:
        """Close every client and stop the demo server."""
        for task in self._lookups.values():
            task.cancel()
        for client in [*self._clients.values(), *self._retired]:
            with contextlib.suppress(Exception):
                await client.aclose()
        if self.demo_server is not None:
            self.demo_server.stop()
            self.demo_server = None

    # --- internals --------------------------------------------------------------------------

    def _build(self, provider: str) -> ModelClient:
        if provider == DEMO:  # built once: `update` keeps it
            self.demo_server, client = start_demo()
            return client
        profile = self.settings.current_provider(provider)
        if provider not in self._keys:
            found = KeyStore(file_allowed=self.settings.key_file_allowed).quick_lookup(provider)
            self._keys[provider] = found.key
            if found.source != "environment":  # the keyring comes before the file
                self._lookups[provider] = asyncio.ensure_future(self._look_up(provider))
        return client_for(
            profile, self._keys[provider], idle_timeout_s=self.settings.stream_idle_timeout_s
        )

    async def _look_up(self, provider: str) -> None:
        try:
            await sdk_ready()
            found = await _off_the_loop(KeyStore(file_allowed=self.settings.key_file_allowed),
                                        provider)
        except Exception:  # a broken keyring must not break the window: no key, then
            log.exception("looking up the key of %s failed", provider)
            found = None
        finally:
            self._lookups.pop(provider, None)
        if found is not None and found.key and found.key != self._keys.get(provider):
            self._keys[provider] = found.key
            old = self._clients.pop(provider, None)
            if old is not None:
                self._retired.append(old)
        self.keyLookedUp.emit(provider)


async def _off_the_loop(store: KeyStore, provider: str) -> FoundKey:
    """`store.lookup(provider)` on a daemon thread: a keyring that hangs (a stuck D-Bus) can
    neither freeze the window nor keep the app from exiting."""
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[FoundKey] = loop.create_future()

    def settle(found: FoundKey | None, error: BaseException | None) -> None:
        if answer.done():  # cancelled meanwhile (the window closed)
            return
        if error is not None:
            answer.set_exception(error)
        else:
            answer.set_result(found)  # type: ignore[arg-type]

    def work() -> None:
        try:
            found, error = store.lookup(provider), None
        except Exception as exc:
            found, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is waiting
            loop.call_soon_threadsafe(settle, found, error)

    threading.Thread(target=work, name="keyring-lookup", daemon=True).start()
    return await answer
