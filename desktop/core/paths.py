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
