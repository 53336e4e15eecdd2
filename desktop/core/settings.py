"""User settings that outlive a session, kept in `config.json` in the data directory.

`Settings` is a frozen dataclass: to add a setting, add a field with a default. Loading is
driven by the fields, so a missing file, broken JSON or a value of the wrong type falls back to
the field's default instead of stopping the app; keys this version does not know are kept on
save, so an older AgentDesk never erases a newer one's settings. Secrets (the API key) belong
in the keyring, not here. No Qt: the CLI reads the same file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.core import paths

log = logging.getLogger(__name__)

CONFIG_NAME = "config.json"
MAX_RECENT_WORKSPACES = 10


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

    def with_recent_workspace(self, folder: str) -> Settings:
        """These settings with `folder` first among the recent workspaces."""
        rest = tuple(f for f in self.recent_workspaces if f != folder)
        recent = (folder, *rest)[:MAX_RECENT_WORKSPACES]
        return dataclasses.replace(self, recent_workspaces=recent)


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
            value = _coerce(stored[field.name], default)
            if value is None:
                log.warning("config: ignoring %s=%r (not a valid value)", field.name,
                            stored[field.name])
            else:
                values[field.name] = value
    settings = Settings(**values)
    recent = settings.recent_workspaces[:MAX_RECENT_WORKSPACES]
    return dataclasses.replace(settings, recent_workspaces=recent)


def save(settings: Settings, path: Path | None = None) -> None:
    """Write the settings atomically (a crash leaves the old file or the new, never half).

    Raises OSError when the file cannot be written.
    """
    path = path or config_path()
    data = _read(path)  # keep keys written by other versions
    data.update(_plain(settings))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".config-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


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


def _coerce(value: Any, default: Any) -> Any:
    """`value` as the type of `default`, or None when it is not one."""
    if isinstance(default, bool):
        return value if isinstance(value, bool) else None
    if isinstance(value, bool):  # JSON true is not a number, though Python's bool is an int
        return None
    if isinstance(default, int):
        return value if isinstance(value, int) else None
    if isinstance(default, float):
        return float(value) if isinstance(value, int | float) else None
    if isinstance(default, str):
        return value if isinstance(value, str) else None
    if isinstance(default, tuple):
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        return None
    return None


def _plain(settings: Settings) -> dict[str, Any]:
    return {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in dataclasses.asdict(settings).items()
    }
