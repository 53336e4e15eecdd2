"""The MCP servers of one run: started when the run first needs them, stopped when it ends.

The agent asks `start()` before its first request (all servers at once, each within its
start time-out), offers `schemas()` with its own tools, routes `mcp__…` calls here, and
`close()`s when the run ends however it ends. A server that stops mid-run is started again
once, with a visible event; if it stops again it is failed for the rest of the run and its
tools answer with an error (they stay offered: a tool list that changes mid-run would also
throw away the prompt cache). The call that was under way when a server stopped is not sent
again (it may have done half its work): it answers with the error, and the model decides.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.core.agent.leftovers import start_time
from desktop.core.mcp.config import ServerConfig
from desktop.core.mcp.events import McpServerFailed, McpServerRestarted, McpServerStarted
from desktop.core.mcp.names import is_mcp
from desktop.core.mcp.status import BOARD, StatusBoard, ToolInfo
from desktop.core.tools.base import ToolResult

if TYPE_CHECKING:
    from desktop.core.agent.executor import Executor
    from desktop.core.mcp.connection import Connection

McpEvent = McpServerStarted | McpServerFailed | McpServerRestarted
RESTARTS = 1


class RunServers:
    """The enabled servers of `configs` for a run in `workspace`."""

    def __init__(
        self, configs: Iterable[ServerConfig], workspace: Path, *,
        executor: Executor | None = None, board: StatusBoard = BOARD,
    ) -> None:
        self.configs = {c.name: c for c in configs if not c.disabled}
        self.workspace = workspace
        self.executor = executor
        self.board = board
        self.tools: dict[str, ToolInfo] = {}
        self.connections: dict[str, Connection] = {}
        self.failed: dict[str, str] = {}
        self.restarts: dict[str, int] = {}
        self.started = False

    def __bool__(self) -> bool:
        return bool(self.configs)

    async def start(self) -> AsyncIterator[McpEvent]:
        """Start every server (once per run), in parallel; an event for each."""
        if self.started or not self.configs:
            return
        self.started = True
        await load_sdk()
        names = list(self.configs)
        outcomes = await asyncio.gather(*(self._open(name) for name in names))
        for event in outcomes:
            yield event

    async def _open(self, name: str) -> McpEvent:
        from desktop.core.mcp.connection import Connection, ServerError

        config = self.configs[name]
        self.board.update(name, state="starting", error="", pid=None)
        env_names = getattr(self.executor, "env_names", ())
        connection = Connection(config, self.workspace, executor=self.executor,
                                env_names=env_names)
        try:
            await connection.open()
        except ServerError as exc:
            return self._fail(name, str(exc), exc.stderr)
        self.connections[name] = connection
        for tool in connection.tools:
            self.tools[tool.model_name] = tool
        self.board.update(name, state="ready", tools=connection.tools, pid=connection.pid,
                          resources=connection.resources, prompts=connection.prompts,
                          stderr=connection.stderr)
        tools = tuple(t.model_name for t in connection.tools)
        pid = connection.pid
        return McpServerStarted(name, tools, pid, None if pid is None else start_time(pid))

    def _fail(self, name: str, why: str, stderr: str) -> McpServerFailed:
        self.failed[name] = why
        self.board.update(name, state="failed", error=why, stderr=stderr, pid=None)
        return McpServerFailed(name, why, stderr)

    def schemas(self) -> list[dict[str, Any]]:
        """The definitions of the servers' tools, for the model."""
        return [tool.schema() for tool in self.tools.values()]

    def owns(self, name: str) -> bool:
        return name in self.tools or is_mcp(name)

    def check(self, name: str, args: dict[str, Any]) -> str | None:
        """What is wrong with a call before it is sent; the server checks the rest."""
        tool = self.tools.get(name)
        if tool is None:
            offered = ", ".join(self.tools) or "none"
            return f"unknown tool {name!r}; the MCP tools of this run are: {offered}"
        missing = [k for k in tool.input_schema.get("required", ()) if k not in args]
        if missing:
            return f"{name}: missing required argument {missing[0]!r}"
        return None

    def auto_approved(self, name: str) -> bool:
        """Whether the server's `autoApprove` lists this tool."""
        tool = self.tools.get(name)
        return tool is not None and tool.name in self.configs[tool.server].auto_approve

    def preview(self, name: str, args: dict[str, Any]) -> str:
        """What approving the call does: which server, where it runs, which tool, with what."""
        tool = self.tools[name]
        config = self.configs[tool.server]
        return (f"MCP server {tool.server!r} ({config.describe()}): call {tool.name}\n"
                f"{json.dumps(args, indent=2, ensure_ascii=False)}")

    async def call(
        self, name: str, args: dict[str, Any], deadline: float | None = None
    ) -> AsyncIterator[McpEvent | ToolResult]:
        """Call a checked tool: a restart's events if its server stopped, then the result.
        `deadline` (monotonic seconds) is when the run's time ends, which ends the call too."""
        from desktop.core.mcp.connection import ServerError
        from desktop.core.mcp.results import tool_result

        tool = self.tools[name]
        server = tool.server
        connection = self.connections.get(server)
        if connection is not None and connection.exited() is not None:
            async for event in self._restart(server, connection.gone_reason()):
                yield event
            connection = self.connections.get(server)
        if connection is None:
            why = self.failed.get(server, "it is not running")
            yield ToolResult(f"{name}: the MCP server {server!r} is not available: {why}",
                             is_error=True)
            return
        try:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            result = await connection.call(tool.name, args, left)
        except ServerError as exc:
            yield ToolResult(f"{name}: {exc}; the call may not have finished", is_error=True)
            if connection.exited() is not None:
                async for event in self._restart(server, str(exc)):
                    yield event
            return
        yield tool_result(result)

    async def _restart(self, server: str, reason: str) -> AsyncIterator[McpEvent]:
        """Start a stopped server again, once per run; after that it stays failed."""
        connection = self.connections.pop(server)
        await connection.close()
        used = self.restarts.get(server, 0)
        if used >= RESTARTS:
            yield self._fail(server, f"{reason}, again: not restarted", connection.stderr)
            return
        self.restarts[server] = used + 1
        event = await self._open(server)
        if isinstance(event, McpServerStarted):
            yield McpServerRestarted(server, reason, event.pid, event.started_at)
        else:
            yield event

    async def close(self) -> None:
        """Stop every server and its processes (bounded, also when the run was cancelled)."""
        connections, self.connections = list(self.connections.values()), {}
        for connection in connections:  # what it printed while it ran, for the settings
            self.board.update(connection.config.name, stderr=connection.stderr)
        try:
            await asyncio.gather(*(c.close() for c in connections))
        finally:
            for connection in connections:  # a cancelled close must still leave no process
                if connection.server is not None:
                    connection.server.kill()
            for name in self.configs:  # the state stays: it says how the server did
                self.board.update(name, pid=None)


async def load_sdk() -> None:
    """Import the SDK on a worker thread: its first import takes a noticeable moment, which
    the event loop (the window's, in the app) must not spend."""
    for module in ("desktop.core.mcp.connection", "desktop.core.mcp.results"):
        await asyncio.to_thread(importlib.import_module, module)


def servers_for_run(
    workspace: Path, executor: Executor | None = None,
    configs: Sequence[ServerConfig] | None = None,
) -> RunServers:
    """A run's servers: `configs`, else the enabled ones of config.json."""
    if configs is None:
        from desktop.core.mcp import config

        configs = config.load().enabled()
    return RunServers(configs, workspace, executor=executor)
