"""The events of a run's MCP servers, recorded with the run like every other event.

Tool calls keep ToolCallStarted/ToolCallFinished under their `mcp__<server>__<tool>` names;
these say what happened to the servers themselves, so the task pane and the record show why
a tool is missing or answered with an error. Plain dataclasses: core/events.py lists them
among the run's events.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class McpServerStarted:
    """The server answers and lists `tools` (their names for the model). `pid` is the stdio
    server's process (and process group) id, None for an HTTP server; with `started_at` (its
    start, as CommandStarted has it) the next start can kill it if the app died."""

    server: str
    tools: tuple[str, ...] = ()
    pid: int | None = None
    started_at: float | None = None


@dataclass(frozen=True)
class McpServerFailed:
    """The server could not start or stopped for good: its tools are not offered, or now
    answer with an error. `stderr` is the end of what it printed there."""

    server: str
    error: str
    stderr: str = ""


@dataclass(frozen=True)
class McpServerRestarted:
    """The server stopped mid-run (`reason`) and was started again, once."""

    server: str
    reason: str
    pid: int | None = None
    started_at: float | None = None


MCP_EVENTS = (McpServerStarted, McpServerFailed, McpServerRestarted)
