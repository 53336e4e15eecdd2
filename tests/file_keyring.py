"""A real keyring backend for the tests: passwords in a JSON file, through keyring's own API.

The app talks to it exactly as to the system keyring (`keyring.get_password` …); only where
the secrets end up differs. `installed(path)` makes it the process's keyring for a block.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class JsonFileKeyring(KeyringBackend):
    """{service: {user: password}} in one JSON file."""

    priority = 1  # type: ignore[assignment]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def _load(self) -> dict[str, dict[str, str]]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data.setdefault(service, {})[username] = password
        self.path.write_text(json.dumps(data), encoding="utf-8")

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if username not in data.get(service, {}):
            raise PasswordDeleteError(f"no password for {username!r}")
        del data[service][username]
        self.path.write_text(json.dumps(data), encoding="utf-8")


@contextlib.contextmanager
def installed(path: Path) -> Iterator[JsonFileKeyring]:
    """The file keyring is the keyring inside the block; the one before comes back after."""
    previous = keyring.get_keyring()
    backend = JsonFileKeyring(path)
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
