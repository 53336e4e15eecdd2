"""What the terminal commands share: the store, the model client, and one-line errors."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop.core.model.client import ModelClient
    from desktop.core.store.database import Store


BUSY_TIMEOUT_MS = 30_000
"""How long a command waits for another process's write: twenty chats at once must all land."""


def add_demo_flag(parser: argparse.ArgumentParser) -> None:
    """Accept --demo after the subcommand too, without hiding one given before it."""
    parser.add_argument(
        "--demo",
        action="store_true",
        default=argparse.SUPPRESS,
        help="use the built-in demo model (no API key needed)",
    )


@contextmanager
def model_client(args: argparse.Namespace) -> Iterator[ModelClient]:
    """The client for this command: the demo server with --demo, else the provider profile's
    (--provider, else the one chosen in Settings) with its key (environment, keyring, file)."""
    from desktop.core import settings
    from desktop.core.model.providers import DEMO, client_for
    from desktop.core.secrets import KeyStore, key_source_name

    chosen = settings.load()
    name = getattr(args, "provider", None) or ""
    if name and name not in {p.name for p in chosen.providers}:
        known = ", ".join(p.name for p in chosen.providers)
        raise SystemExit(fail(f"no provider profile named {name!r} (there are: {known})", 2))
    provider = chosen.current_provider(name)
    if getattr(args, "demo", False) or provider.name == DEMO:
        from desktop.core.demo.server import start_demo

        server, client = start_demo()
        try:
            yield client
        finally:
            server.stop()
    else:
        found = KeyStore(file_allowed=chosen.key_file_allowed).lookup(provider.name)
        yield client_for(
            provider, found.key, idle_timeout_s=chosen.stream_idle_timeout_s,
            key_source=key_source_name(found.source),
        )


def profile_name(args: argparse.Namespace) -> str:
    """The provider profile this command talks to: the demo's, --provider's, else Settings'."""
    from desktop.core import settings
    from desktop.core.model.providers import DEMO

    if getattr(args, "demo", False):
        return DEMO
    return settings.load().current_provider(getattr(args, "provider", None) or "").name


def default_model(args: argparse.Namespace) -> str:
    """The model to ask for when --model is not given: the demo's, else the Settings default
    if the profile offers it, else the first model the profile lists (a local server knows no
    Claude model), else the app's default."""
    from desktop.core import settings
    from desktop.core.model.client import DEFAULT_MODEL

    if getattr(args, "demo", False):
        from desktop.core.demo.server import DEMO_MODEL

        return DEMO_MODEL
    chosen = settings.load()
    listed = chosen.current_provider(getattr(args, "provider", None) or "").models
    if chosen.model and (not listed or chosen.model in listed):
        return chosen.model
    return listed[0] if listed else DEFAULT_MODEL


def keep_profile(args: argparse.Namespace, recorded: str) -> None:
    """Go on with a chat or run on the profile it was made with (unless --provider or --demo
    says otherwise, or that profile is gone), not on whichever is the default by now."""
    from desktop.core import settings

    told = getattr(args, "provider", None) or getattr(args, "demo", False)
    if recorded and not told and recorded in {p.name for p in settings.load().providers}:
        args.provider = recorded


def open_store() -> Store:
    """The user's database, with runs a crash left 'running' marked interrupted (and the
    commands they left running killed).

    When it cannot be written (a read-only disk, a full one), history is still read: a
    notice says so, and only a command that must write fails.
    """
    from desktop.core.agent.leftovers import reap_interrupted
    from desktop.core.store.database import Store, StoreError

    store = Store.open_default(busy_timeout_ms=BUSY_TIMEOUT_MS)
    try:
        reap_interrupted(store)
    except StoreError as exc:
        print(f"notice: {exc}; reading only", file=sys.stderr)
    return store


def fail(message: str, code: int = 1) -> int:
    """Print one clear line on stderr and return the exit code."""
    print(f"error: {message}", file=sys.stderr)
    return code
