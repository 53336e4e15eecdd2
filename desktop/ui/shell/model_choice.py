"""`ModelChoice`: a pane controller's model list, and the model picked from it.

Both panes offer the endpoint's models: a fixed list (the demo's) at once, or the endpoint's own,
asked for in the background once the SDK is loaded. Each pane says which model it would keep.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from desktop.ui.shell.sdk_import import sdk_ready

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

    from desktop.core.model.client import ModelClient


class ModelChoice:
    """Mixed into a controller (a QObject) that has `modelsLoaded`, `models`, `model`, `_client`."""

    modelsLoaded: SignalInstance
    models: list[str]
    model: str
    _client: ModelClient
    _fixed_models: list[str] | None = None
    _models_task: asyncio.Task[None] | None = None

    def load_models(self) -> None:
        """Fill `models`: the fixed list at once, else the endpoint's in the background."""
        if self._models_task is not None:
            self._models_task.cancel()
            self._models_task = None
        if self._fixed_models is not None:
            self._set_models(self._fixed_models)
        else:
            self._models_task = asyncio.ensure_future(self._load_models())

    def preferred_models(self) -> tuple[str, ...]:
        """The models to keep picked, in order, when the list has them."""
        raise NotImplementedError

    async def _load_models(self) -> None:
        await sdk_ready()
        self._set_models(await self._client.models())
        self._models_task = None

    def _set_models(self, models: list[str]) -> None:
        """The new list; the pick is the first preferred model on it, else the list's first."""
        self.models = list(models)
        wanted = self.preferred_models()
        self.model = next((m for m in wanted if m in models), models[0] if models else self.model)
        self.modelsLoaded.emit(self.models)
