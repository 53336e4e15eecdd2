"""`SettingsStore`: the window's one way to read and write config.json, and news of each save.

The settings dialog, the task pane (recent workspaces) and the window (its place on screen)
all save through it, each starting from the file as it is now so none undoes what another
saved; `changed` lets the window apply what a save changed, whoever made it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop.core import settings as config
from desktop.core.settings import Settings


class SettingsStore(QObject):
    changed = Signal(object)
    """(Settings) just saved."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.current = config.load()

    def fresh(self) -> Settings:
        """The settings on disk now (another window or the CLI may have saved since)."""
        return config.load()

    def save(self, settings: Settings) -> None:
        """Write `settings` (OSError if the folder is read-only), then say so."""
        config.save(settings)
        self.current = settings
        self.changed.emit(settings)

    def update(self, **fields: Any) -> None:
        """Save the file's settings with `fields` changed."""
        self.save(dataclasses.replace(self.fresh(), **fields))
