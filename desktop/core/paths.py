"""Where AgentDesk keeps its files: `$AGENTDESK_HOME`, else the platform's user data dir."""

from __future__ import annotations

import os
from pathlib import Path


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
