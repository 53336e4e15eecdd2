"""What the app last saw of each MCP server: the settings page and `agentdesk mcp list` read it.

Every start, failure, restart and probe updates one shared board, so the page can show a
server as starting, ready or failed (with why and the end of its stderr), with its tools,
resources and prompts, without starting anything itself. No SDK and no Qt here: the page
imports this before any server runs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from desktop.core.mcp.config import ServerConfig

State = Literal["stopped", "starting", "ready", "failed"]
"""stopped: not started since the app started; starting; ready: answered when it was last
started (by a run or a probe); failed: did not, or stopped for good (see `error`)."""


@dataclass(frozen=True)
class ToolInfo:
    """One tool a server offers: its own name, the model's name for it, and its schema."""

    server: str
    name: str
    model_name: str
    description: str = ""
    input_schema: dict[str, Any] = field(default_factory=dict)

    def schema(self) -> dict[str, Any]:
        """The tool definition sent to the model, its description labelled with the server."""
        schema = self.input_schema if self.input_schema.get("type") == "object" else {
            "type": "object", "properties": {}}
        return {"name": self.model_name, "description": f"[{self.server}] {self.description}",
                "input_schema": schema}


@dataclass(frozen=True)
class ServerStatus:
    """A server as last seen: its state, why it failed, what it offers, what it printed."""

    name: str
    state: State = "stopped"
    error: str = ""
    tools: tuple[ToolInfo, ...] = ()
    resources: tuple[str, ...] = ()
    """Resource URIs (with their names), as listed by the server."""
    prompts: tuple[str, ...] = ()
    stderr: str = ""
    pid: int | None = None


class StatusBoard:
    """The latest status of every server by name (one per app; tests may make their own).

    `watch` hears every change, on the thread that made it (the event loop's): a page that
    shows the statuses subscribes instead of polling.
    """

    def __init__(self) -> None:
        self._statuses: dict[str, ServerStatus] = {}
        self._watchers: list[Callable[[ServerStatus], None]] = []

    def get(self, name: str) -> ServerStatus:
        return self._statuses.get(name, ServerStatus(name))

    def update(self, name: str, **changes: Any) -> ServerStatus:
        status = dataclasses.replace(self.get(name), **changes)
        self._statuses[name] = status
        for watcher in list(self._watchers):
            watcher(status)
        return status

    def watch(self, watcher: Callable[[ServerStatus], None]) -> Callable[[], None]:
        """Call `watcher` with each new status; returns the function that stops it."""
        self._watchers.append(watcher)
        return lambda: self._watchers.remove(watcher)

    def statuses(self, servers: tuple[ServerConfig, ...]) -> list[ServerStatus]:
        """The status of each configured server, in the order of the configuration."""
        return [self.get(server.name) for server in servers]


BOARD = StatusBoard()
