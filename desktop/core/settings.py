"""User settings that outlive a session, kept in `config.json` in the data directory.

`Settings` is a frozen dataclass: to add a setting, add a field with a default. Loading is
driven by the fields, so a missing file, broken JSON or a value of the wrong type falls back to
the field's default instead of stopping the app; keys this version does not know are kept on
save, so an older AgentDesk never erases a newer one's settings. Secrets (API keys) belong in
the keyring (see `secrets`), never here. No Qt: the CLI reads the same file, and the window
reads it before its first paint, so nothing heavy is imported.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.core import paths
from desktop.core.model.providers import ANTHROPIC, BUILT_IN, PRESETS, Provider

if TYPE_CHECKING:
    from desktop.core.agent.compaction import ContextLimits

log = logging.getLogger(__name__)

CONFIG_NAME = "config.json"
MAX_RECENT_WORKSPACES = 10
THEMES = ("system", "light", "dark")
APPROVAL_POLICIES = ("ask", "reads", "all")
"""ask: reads run, writes and commands ask; reads: only looking tools run; all: nothing asks."""
NETWORK_MODES = ("off", "allow", "on")
"""How sandboxed commands reach the network: not at all, the allowed domains only, or fully."""
MAX_TEMPERATURE = 1.0
CHOICES: dict[str, tuple[str, ...]] = {
    "theme": THEMES, "approval_policy": APPROVAL_POLICIES, "network": NETWORK_MODES,
}


@dataclass(frozen=True)
class Settings:
    """What the user chose once and expects to find again."""

    max_steps: int = 30
    """Default budget of a new agent run: model turns."""
    max_cost_usd: float = 5.0
    """Default budget of a new agent run: estimated cost in USD."""
    max_wall_s: float = 3600.0
    """Default budget of a new agent run: wall-clock seconds."""
    recent_workspaces: tuple[str, ...] = ()
    """Workspace folders, most recently used first (at most MAX_RECENT_WORKSPACES)."""
    approval_policy: str = "ask"
    """How a new run treats tool calls: one of APPROVAL_POLICIES."""
    theme: str = "system"
    """system (follow the desktop's colour scheme), light or dark."""
    model: str = ""
    """The model new chats and runs start with; '' = the endpoint's default."""
    max_tokens: int = 4096
    """Most tokens one chat reply may have."""
    temperature: float | None = None
    """Sampling temperature of chat replies, 0 (focused) to 1 (varied); None = the model's own
    (not sent: newer Claude models choose it themselves)."""
    thinking_budget: int = 0
    """Tokens a model may think before it answers (extended thinking), for chats and runs;
    0 = off. Only models that support it accept it."""
    agent_max_tokens: int = 8192
    """Most tokens one step of an agent run may answer with: a file it writes comes in one
    reply, so it needs more room than a chat reply (a small local model may need less)."""
    compact_at: float = 0.8
    """Compact a run's conversation when its next request would pass this share of the
    model's context window (old tool outputs first, then a summary)."""
    stream_idle_timeout_s: float = 90.0
    """Seconds without a byte from the endpoint before a request or a stream is given up
    (AGENTDESK_STREAM_IDLE_TIMEOUT_S overrides it)."""
    provider: str = ANTHROPIC
    """The profile new chats and runs use."""
    providers: tuple[Provider, ...] = PRESETS
    """The endpoints to choose from; their keys are in the keyring, not here."""
    window_geometry: str = ""
    """Where the window was and how big, when it last closed (Qt's saved geometry, base64)."""
    key_file_allowed: bool = False
    """The user agreed to keep keys in an owner-only file when there is no keyring."""
    sandbox: bool = True
    """Run commands in the sandbox where this machine has one (else they run as the user)."""
    network: str = "off"
    """Sandboxed commands' network: one of NETWORK_MODES."""
    allowed_domains: tuple[str, ...] = ("pypi.org", "files.pythonhosted.org")
    """What network "allow" admits (each with its subdomains)."""
    sandbox_auto_approve: bool = False
    """Sandboxed commands without full network run without asking; the rest still ask."""
    command_env: tuple[str, ...] = ()
    """Environment variables passed to commands besides PATH, HOME, the locale and the like."""
    checkpoint_storage_mb: int = 1024
    """Most disk space the contents kept for rewinding runs may take; past it the oldest
    runs' are deleted first."""

    def with_recent_workspace(self, folder: str) -> Settings:
        """These settings with `folder` first among the recent workspaces."""
        rest = tuple(f for f in self.recent_workspaces if f != folder)
        recent = (folder, *rest)[:MAX_RECENT_WORKSPACES]
        return dataclasses.replace(self, recent_workspaces=recent)

    def current_provider(self, name: str = "") -> Provider:
        """The profile called `name` (default: the chosen one), else the first."""
        for provider in self.providers:
            if provider.name == (name or self.provider):
                return provider
        return self.providers[0]


def context_limits(settings: Settings, provider: str) -> ContextLimits:
    """The context window of a profile's runs (0: known by model) and when they compact."""
    from desktop.core.agent.compaction import ContextLimits

    return ContextLimits(settings.current_provider(provider).context_window, settings.compact_at)


def config_path() -> Path:
    return paths.data_dir() / CONFIG_NAME


def load(path: Path | None = None) -> Settings:
    """The saved settings; defaults for whatever is missing or unreadable."""
    stored = _read(path or config_path())
    defaults = Settings()
    values = {}
    for field in dataclasses.fields(Settings):
        if field.name in stored:
            default = getattr(defaults, field.name)
            if default is None and stored[field.name] is None:
                values[field.name] = None
                continue
            value = _coerce(stored[field.name], default)
            if value is not None and not _allowed(field.name, value):
                value = None
            if value is None:
                log.warning("config: ignoring %s=%r (not a valid value)", field.name,
                            stored[field.name])
            else:
                values[field.name] = value
    settings = Settings(**values)
    recent = settings.recent_workspaces[:MAX_RECENT_WORKSPACES]
    names = {p.name for p in settings.providers}
    built_in = tuple(p for p in PRESETS if p.name in BUILT_IN and p.name not in names)
    return dataclasses.replace(
        settings, recent_workspaces=recent, providers=settings.providers + built_in
    )


def save(settings: Settings, path: Path | None = None) -> None:
    """Write the settings atomically (a crash leaves the old file or the new, never half).

    Raises OSError when the file cannot be written.
    """
    path = path or config_path()
    data = _read(path)  # keep keys written by other versions
    data.update(_plain(settings))
    paths.write_json(path, data)


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("config: cannot read %s (%s); using defaults", path, exc)
        return {}
    if not isinstance(data, dict):
        log.warning("config: %s does not hold a JSON object; using defaults", path)
        return {}
    return data


def _allowed(name: str, value: Any) -> bool:
    """Whether a well-typed value is also in range."""
    if name in CHOICES:
        return value in CHOICES[name]
    if name == "temperature":
        return 0.0 <= value <= MAX_TEMPERATURE
    if name in ("max_tokens", "agent_max_tokens"):
        return value > 0
    if name == "compact_at":
        return 0.2 <= value <= 0.95
    if name == "providers":
        names = [p.name for p in value]
        return bool(value) and len(set(names)) == len(names)
    return True


def _provider(value: Any) -> Provider | None:
    """A profile from its JSON object, or None when it is malformed."""
    if not isinstance(value, dict):
        return None
    name, base_url, models = value.get("name"), value.get("base_url", ""), value.get("models", [])
    if not (isinstance(name, str) and name.strip() and isinstance(base_url, str)):
        return None
    if not (isinstance(models, list) and all(isinstance(m, str) for m in models)):
        return None
    caching, window = value.get("prompt_caching"), value.get("context_window", 0)
    if not (caching is None or isinstance(caching, bool)) or type(window) is not int:
        return None
    return Provider(name.strip(), base_url.strip(), tuple(models), caching, max(0, window))


def _coerce(value: Any, default: Any) -> Any:
    """`value` as the type of `default`, or None when it is not one."""
    if isinstance(default, bool):
        return value if isinstance(value, bool) else None
    if isinstance(value, bool):  # JSON true is not a number, though Python's bool is an int
        return None
    if isinstance(default, int):
        return value if isinstance(value, int) else None
    if isinstance(default, float) or default is None:  # None: an optional number
        return float(value) if isinstance(value, int | float) else None
    if isinstance(default, str):
        return value if isinstance(value, str) else None
    if isinstance(default, tuple) and isinstance(value, list):
        if default and isinstance(default[0], Provider):
            providers = [_provider(v) for v in value]
            return None if None in providers else tuple(providers)
        if all(isinstance(v, str) for v in value):
            return tuple(value)
    return None


def _plain(settings: Settings) -> dict[str, Any]:
    """The settings as JSON values: tuples become lists, profiles become objects."""
    return json.loads(json.dumps(dataclasses.asdict(settings)))
