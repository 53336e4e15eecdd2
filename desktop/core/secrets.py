"""API keys: where they are looked up and where they may be kept.

A key is looked up in this order: the environment (ANTHROPIC_API_KEY, for the Anthropic
profile only), the OS keyring (service "agentdesk", user = the profile's name), and last a
file readable by its owner alone (`keys.json` in the data directory), which is used only when
the user has agreed to it (`Settings.key_file_allowed`) because there is no keyring. Keys are
never written to config.json, the database, logs or exports; every key read or saved here is
registered with `logs.redact`, so a log line cannot print it.

`keyring` is imported on first use (it is slow to import, and its backends can be slow to
answer): call these methods off the UI thread, or from a dialog the user just opened.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from desktop.core import logs, paths
from desktop.core.model.client import env_api_key
from desktop.core.model.providers import ANTHROPIC

SERVICE = "agentdesk"
KEY_FILE = "keys.json"
KeySource = Literal["environment", "keyring", "file", "none"]
SOURCE_NAMES: dict[str, str] = {
    "environment": "ANTHROPIC_API_KEY", "keyring": "the keyring", "file": "keys.json",
}
"""Where a key came from, as an error message names it."""


def key_source_name(source: str) -> str:
    return SOURCE_NAMES.get(source, "")


class KeyStorageError(Exception):
    """A key could not be saved or deleted; `str()` tells the user what to do instead."""


@dataclass(frozen=True)
class KeyringStatus:
    """Whether the OS keyring can hold keys, and what to tell the user when it cannot."""

    available: bool
    backend: str
    """The backend's name ("SecretService Keyring", "macOS Keyring"…), or why there is none."""


@dataclass(frozen=True)
class FoundKey:
    key: str | None
    source: KeySource


def key_file_path() -> Path:
    return paths.data_dir() / KEY_FILE


def _keyring() -> Any:
    import keyring  # ~100 ms, and backend detection may talk to D-Bus

    return keyring


def _unusable(backend: Any) -> bool:
    """The fail and null backends, or a chain with nothing in it: no keyring to speak of."""
    from keyring.backends import chainer, fail, null

    if isinstance(backend, fail.Keyring | null.Keyring):
        return True
    return isinstance(backend, chainer.ChainerBackend) and not backend.backends


class KeyStore:
    """Keys per provider profile, kept in the keyring or, with consent, an owner-only file."""

    def __init__(self, *, file_allowed: bool = False) -> None:
        self.file_allowed = file_allowed

    def keyring_status(self) -> KeyringStatus:
        try:
            backend = _keyring().get_keyring()
        except Exception as exc:  # a broken backend plugin must not take the app down
            return KeyringStatus(False, f"the keyring failed to load ({exc})")
        if _unusable(backend):
            return KeyringStatus(False, "no keyring backend is available")
        return KeyringStatus(True, getattr(backend, "name", type(backend).__name__))

    def lookup(self, provider: str) -> FoundKey:
        """The profile's key and where it came from: environment, keyring, then the file."""
        found = self._lookup(provider)
        logs.redact(found.key)
        return found

    def quick_lookup(self, provider: str) -> FoundKey:
        """Like `lookup` without asking the keyring: instant, for the UI thread."""
        found = self._lookup(provider, keyring=False)
        logs.redact(found.key)
        return found

    def _lookup(self, provider: str, *, keyring: bool = True) -> FoundKey:
        if provider == ANTHROPIC and (key := env_api_key()):
            return FoundKey(key, "environment")
        if keyring and (key := self._from_keyring(provider)):
            return FoundKey(key, "keyring")
        if self.file_allowed and (key := self._read_file().get(provider)):
            return FoundKey(key, "file")
        return FoundKey(None, "none")

    def save(self, provider: str, key: str) -> KeySource:
        """Keep `key` for the profile: in the keyring, else (with consent) in the file.

        Raises KeyStorageError when there is nowhere to keep it.
        """
        key = key.strip()
        logs.redact(key)
        if self.keyring_status().available:
            try:
                _keyring().set_password(SERVICE, provider, key)
            except Exception as exc:
                raise KeyStorageError(f"the keyring refused the key: {exc}") from exc
            self._forget_in_file(provider)
            return "keyring"
        if not self.file_allowed:
            raise KeyStorageError(
                "there is no keyring to keep the key in: set ANTHROPIC_API_KEY in the "
                "environment, or allow keeping keys in a file only you can read"
            )
        self._write_file({**self._read_file(), provider: key})
        return "file"

    def delete(self, provider: str) -> None:
        """Forget the profile's key wherever it is kept (not the environment's)."""
        if self.keyring_status().available:
            with contextlib.suppress(Exception):  # keyring raises when there is nothing to delete
                _keyring().delete_password(SERVICE, provider)
        self._forget_in_file(provider)

    def delete_key_file(self) -> None:
        """The user withdrew consent: the file goes, with every key in it."""
        with contextlib.suppress(FileNotFoundError):
            key_file_path().unlink()

    # --- internals --------------------------------------------------------------------------

    def _from_keyring(self, provider: str) -> str | None:
        try:
            return _keyring().get_password(SERVICE, provider) or None
        except Exception:  # no backend (NoKeyringError), a locked or broken one: no key there
            return None

    def _forget_in_file(self, provider: str) -> None:
        keys = self._read_file()
        if provider in keys:
            del keys[provider]
            self._write_file(keys)

    def _read_file(self) -> dict[str, str]:
        try:
            data = json.loads(key_file_path().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}

    def _write_file(self, keys: dict[str, str]) -> None:
        """Atomically, and readable by the owner alone from the first byte on."""
        paths.write_json(key_file_path(), keys)
