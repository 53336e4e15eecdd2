"""Where AgentDesk keeps its files: `$AGENTDESK_HOME`, else the platform's user data dir."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def data_dir() -> Path:
    """The data directory, created on first use."""
    home = os.environ.get("AGENTDESK_HOME")
    if home:
        path = Path(home).expanduser()
    else:
        from platformdirs import user_data_path

        path = user_data_path("agentdesk", appauthor=False)
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_path() -> Path:
    return data_dir() / "agentdesk.db"


def create_private(path: Path) -> None:
    """Create `path` empty and readable by its owner alone, unless it exists; then make an
    existing one owner-only too (older versions created the database 0644)."""
    if path.exists():
        os.chmod(path, 0o600)
    else:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def write_private_text(path: Path, text: str) -> None:
    """Write `text` to `path` (an export), readable by its owner alone from the first byte."""
    create_private(path)
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text)


def resources_dir() -> Path:
    """Styles and icons: inside the installed package, else the checkout's top-level folder."""
    package = Path(__file__).resolve().parents[1]
    installed = package / "resources"
    return installed if installed.is_dir() else package.parent / "resources"


def write_json(path: Path, data: Any) -> None:
    """Replace `path` atomically with `data`, readable by the owner alone from the first byte.

    A crash mid-write leaves the old file; the key file relies on the permissions, and
    settings are private enough to share them. Raises OSError when it cannot write.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".json", dir=path.parent)
    try:
        if hasattr(os, "fchmod"):  # mkstemp makes 0600 already; say it, don't rely on it
            os.fchmod(fd, 0o600)
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
