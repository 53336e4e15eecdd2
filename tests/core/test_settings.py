"""Settings: defaults, a round trip through config.json, and files that are missing or broken."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from desktop.core import paths, settings
from desktop.core.model.providers import Provider
from desktop.core.settings import MAX_RECENT_WORKSPACES, Settings


def test_defaults_when_there_is_no_file(isolated_env: Path) -> None:
    assert not settings.config_path().exists()
    loaded = settings.load()
    assert loaded == Settings()
    assert (loaded.max_steps, loaded.max_cost_usd, loaded.max_wall_s) == (30, 5.0, 3600.0)
    assert loaded.recent_workspaces == ()


def test_save_and_load_round_trip_in_the_data_dir(isolated_env: Path) -> None:
    chosen = Settings(max_steps=12, max_cost_usd=0.5, max_wall_s=600, recent_workspaces=("/a",))
    settings.save(chosen)
    assert settings.config_path() == paths.data_dir() / "config.json"
    assert settings.config_path().parent == isolated_env
    assert settings.load() == chosen
    assert json.loads(settings.config_path().read_text())["recent_workspaces"] == ["/a"]


def test_recent_workspaces_are_newest_first_unique_and_capped() -> None:
    current = Settings()
    for number in range(MAX_RECENT_WORKSPACES + 3):
        current = current.with_recent_workspace(f"/w{number}")
    current = current.with_recent_workspace("/w5")
    assert len(current.recent_workspaces) == MAX_RECENT_WORKSPACES
    assert current.recent_workspaces[:3] == ("/w5", "/w12", "/w11")
    assert current.recent_workspaces.count("/w5") == 1


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", "", "\x00\x01"])
def test_a_broken_file_falls_back_to_defaults(isolated_env: Path, content: str) -> None:
    settings.config_path().write_text(content)
    assert settings.load() == Settings()


def test_bad_values_fall_back_one_by_one(isolated_env: Path) -> None:
    settings.config_path().write_text(json.dumps({
        "max_steps": "many",
        "max_cost_usd": 2,
        "max_wall_s": True,
        "recent_workspaces": ["/x", 3],
    }))
    loaded = settings.load()
    assert loaded == Settings(max_cost_usd=2.0)
    assert isinstance(loaded.max_cost_usd, float)


def test_saving_keeps_keys_it_does_not_know(isolated_env: Path) -> None:
    settings.config_path().write_text(json.dumps({"theme": "dark", "max_steps": 3}))
    settings.save(settings.load().with_recent_workspace("/p"))
    data = json.loads(settings.config_path().read_text())
    assert data["theme"] == "dark"
    assert (data["max_steps"], data["recent_workspaces"]) == (3, ["/p"])


def test_save_is_atomic_and_leaves_no_temporary_files(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.save(Settings(max_steps=7))

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        settings.save(Settings(max_steps=99))
    assert settings.load().max_steps == 7
    assert [p.name for p in isolated_env.iterdir() if p.name.startswith(".config-")] == []


def test_the_app_defaults(isolated_env: Path) -> None:
    loaded = settings.load()
    assert (loaded.theme, loaded.model, loaded.max_tokens, loaded.temperature) == (
        "system", "", 4096, None,
    )
    assert loaded.approval_policy == "ask"
    assert loaded.provider == "Anthropic" and not loaded.key_file_allowed
    assert [p.name for p in loaded.providers] == ["Anthropic", "Ollama", "llama.cpp", "Demo"]
    assert loaded.current_provider("Ollama").base_url == "http://localhost:11434"
    assert loaded.current_provider("llama.cpp").base_url == "http://localhost:8080"
    assert loaded.current_provider("gone").name == "Anthropic"


def test_new_settings_round_trip_with_profiles(isolated_env: Path) -> None:
    local = Provider("Local", "http://127.0.0.1:9000", ("qwen3", "llama4"), False, 8192)
    chosen = Settings(
        theme="dark", model="qwen3", max_tokens=1234, temperature=0.3, approval_policy="reads",
        provider="Local", providers=(Provider("Anthropic"), local, Provider("Demo")),
        key_file_allowed=True,
    )
    settings.save(chosen)
    assert settings.load() == chosen
    stored = json.loads(settings.config_path().read_text())
    assert stored["providers"][1] == {
        "name": "Local", "base_url": "http://127.0.0.1:9000", "models": ["qwen3", "llama4"],
        "prompt_caching": False, "context_window": 8192,
    }
    assert stored["temperature"] == 0.3
    settings.save(Settings(temperature=None))
    assert json.loads(settings.config_path().read_text())["temperature"] is None
    assert settings.load().temperature is None


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("theme", "purple"),
        ("approval_policy", "sometimes"),
        ("temperature", 1.5),
        ("max_tokens", 0),
        ("providers", [{"name": "", "base_url": "x"}]),
        ("providers", [{"name": "A"}, {"name": "A"}]),
        ("providers", [{"name": "A", "models": [1]}]),
        ("providers", []),
    ],
)
def test_values_out_of_range_fall_back(isolated_env: Path, key: str, value: object) -> None:
    settings.config_path().write_text(json.dumps({key: value}))
    assert getattr(settings.load(), key) == getattr(Settings(), key)


def test_the_built_in_profiles_are_always_there(isolated_env: Path) -> None:
    settings.config_path().write_text(json.dumps({
        "providers": [{"name": "Ollama", "base_url": "http://localhost:11434"}],
    }))
    assert [p.name for p in settings.load().providers] == ["Ollama", "Anthropic", "Demo"]
