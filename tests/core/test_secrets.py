"""API keys: environment, then keyring, then (with consent) an owner-only file; never config."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core import logs, settings
from desktop.core.secrets import KeyStorageError, KeyStore, key_file_path
from tests.file_keyring import JsonFileKeyring, installed

KEY = "sk-ant-api03-test-SECRET-0123456789abcdef"


@pytest.fixture
def file_keyring(tmp_path: Path) -> Iterator[JsonFileKeyring]:
    with installed(tmp_path / "keyring.json") as backend:  # outside AGENTDESK_HOME
        yield backend


def test_without_a_keyring_backend_it_says_so(isolated_env: Path) -> None:
    status = KeyStore().keyring_status()
    assert not status.available
    assert "no keyring" in status.backend
    assert KeyStore().lookup("Anthropic").source == "none"


def test_the_keyring_holds_keys_per_profile(
    isolated_env: Path, file_keyring: JsonFileKeyring
) -> None:
    keys = KeyStore()
    assert keys.keyring_status().available
    assert keys.save("Anthropic", f"  {KEY}\n") == "keyring"
    keys.save("Ollama", "ollama-key-1234")

    assert keys.lookup("Anthropic").key == KEY
    ollama = keys.lookup("Ollama")
    assert (ollama.key, ollama.source) == ("ollama-key-1234", "keyring")
    assert file_keyring.get_password("agentdesk", "Anthropic") == KEY
    keys.delete("Ollama")
    assert keys.lookup("Ollama").source == "none"
    assert not key_file_path().exists()
    written = [p.read_bytes() for p in isolated_env.rglob("*") if p.is_file()]
    assert not any(KEY.encode() in data for data in written)


def test_the_environment_comes_first_for_the_anthropic_profile_only(
    isolated_env: Path, file_keyring: JsonFileKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    KeyStore().save("Anthropic", KEY)
    KeyStore().save("Ollama", "ollama-key-1234")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-from-the-environment")

    found = KeyStore().lookup("Anthropic")
    assert (found.key, found.source) == ("sk-ant-from-the-environment", "environment")
    assert KeyStore().lookup("Ollama").key == "ollama-key-1234"  # never the Anthropic key
    assert KeyStore().quick_lookup("Anthropic").source == "environment"


def test_no_keyring_and_no_consent_refuses_to_save(isolated_env: Path) -> None:
    with pytest.raises(KeyStorageError, match=r"ANTHROPIC_API_KEY.*file only you can read"):
        KeyStore().save("Anthropic", KEY)
    assert not key_file_path().exists()


def test_with_consent_the_key_goes_to_an_owner_only_file(isolated_env: Path) -> None:
    keys = KeyStore(file_allowed=True)
    assert keys.save("Anthropic", KEY) == "file"

    path = key_file_path()
    assert path.parent == isolated_env
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == {"Anthropic": KEY}
    assert keys.lookup("Anthropic").source == "file"
    assert keys.quick_lookup("Anthropic").key == KEY  # no keyring involved
    assert KeyStore(file_allowed=False).lookup("Anthropic").source == "none"  # consent withdrawn

    keys.delete("Anthropic")
    assert json.loads(path.read_text()) == {}
    keys.delete_key_file()
    assert not path.exists()


def test_the_key_file_is_owner_only_even_with_a_loose_umask(isolated_env: Path) -> None:
    import os

    old = os.umask(0o000)
    try:
        KeyStore(file_allowed=True).save("Anthropic", KEY)
    finally:
        os.umask(old)
    assert stat.S_IMODE(key_file_path().stat().st_mode) == 0o600


def test_settings_never_hold_a_key(isolated_env: Path, file_keyring: JsonFileKeyring) -> None:
    KeyStore().save("Anthropic", KEY)
    settings.save(settings.load())
    assert KEY not in settings.config_path().read_text()


def test_every_key_read_or_saved_is_redacted_from_logs(
    isolated_env: Path, file_keyring: JsonFileKeyring
) -> None:
    file_keyring.set_password("agentdesk", "llama.cpp", "plain-local-secret-42")
    KeyStore().lookup("llama.cpp")
    assert logs.scrub("sending plain-local-secret-42 now") == "sending [redacted] now"
