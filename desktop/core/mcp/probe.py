"""Start a server once to see whether it works: what the settings page's Test button and
`agentdesk mcp list` do. The server is stopped again before the answer comes back."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path

from desktop.core.mcp.config import ServerConfig
from desktop.core.mcp.run_servers import load_sdk
from desktop.core.mcp.status import BOARD, ServerStatus, StatusBoard


async def probe(
    config: ServerConfig, cwd: Path | None = None, board: StatusBoard = BOARD
) -> ServerStatus:
    """Start the server (within its start time-out), list its tools, resources and prompts,
    stop it; its status, which `board` keeps too. Never raises for a server that fails."""
    await load_sdk()
    from desktop.core.mcp.connection import Connection, ServerError

    board.update(config.name, state="starting", error="")
    connection = Connection(config, cwd or Path.home())
    try:
        await connection.open()
    except ServerError as exc:
        return board.update(config.name, state="failed", error=str(exc), stderr=exc.stderr,
                            pid=None)
    try:
        return board.update(
            config.name, state="ready", tools=connection.tools, resources=connection.resources,
            prompts=connection.prompts, stderr=connection.stderr, pid=None,
        )
    finally:
        await connection.close()


async def probe_all(
    configs: Iterable[ServerConfig], board: StatusBoard = BOARD
) -> list[ServerStatus]:
    """Probe servers in parallel, in the order given."""
    return list(await asyncio.gather(*(probe(c, board=board) for c in configs)))
