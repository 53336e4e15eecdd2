"""The SDK's transports for the app's servers: JSON-RPC lines over a started process's pipes,
or the SDK's own streamable HTTP client with the configured headers.

The stdio side is the MCP stdio transport (one JSON-RPC message per line) over a process the
app started itself (process.py), so the app knows its pid and stops its whole group. Imports
the `mcp` SDK: only a run or a probe imports this module.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx2
import mcp_types
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.message import SessionMessage

from desktop.core.mcp.config import ServerConfig
from desktop.core.mcp.process import ServerProcess

HTTP_TIMEOUT_S = 30.0
HTTP_READ_TIMEOUT_S = 300.0
"""A streamable HTTP server may hold a response stream open this long."""
Streams = tuple[Any, Any]
"""The (read, write) pair of memory streams a transport hands the SDK's session."""


@contextlib.asynccontextmanager
async def stdio_streams(server: ServerProcess) -> AsyncIterator[Streams]:
    """The session's read and write streams, bridged to the server's stdout and stdin.

    The read stream ends when the server closes its stdout (it exited), so a request in
    flight fails instead of waiting forever.
    """
    process = server.process
    assert process.stdin is not None and process.stdout is not None
    stdin, stdout = process.stdin, process.stdout
    to_session, read_stream = anyio.create_memory_object_stream[SessionMessage | Exception](0)
    write_stream, from_session = anyio.create_memory_object_stream[SessionMessage](0)

    async def read_lines() -> None:
        async with to_session:
            with contextlib.suppress(ValueError, OSError, anyio.BrokenResourceError,
                                     anyio.ClosedResourceError):
                while line := await stdout.readline():
                    if line.strip():
                        await to_session.send(_message(line))

    async def write_lines() -> None:
        async with from_session:
            with contextlib.suppress(OSError, anyio.ClosedResourceError):
                async for message in from_session:
                    data = message.message.model_dump_json(by_alias=True, exclude_unset=True)
                    stdin.write(data.encode() + b"\n")
                    await stdin.drain()

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(read_lines)
        tasks.start_soon(write_lines)
        try:
            yield read_stream, write_stream
        finally:
            tasks.cancel_scope.cancel()
            for stream in (read_stream, write_stream):
                await stream.aclose()


def _message(line: bytes) -> SessionMessage | Exception:
    """One line as a JSON-RPC message; a broken one is handed on as the error it is."""
    try:
        return SessionMessage(mcp_types.jsonrpc_message_adapter.validate_json(line,
                                                                            by_name=False))
    except ValueError as exc:
        return exc


@contextlib.asynccontextmanager
async def http_streams(config: ServerConfig) -> AsyncIterator[Streams]:
    """The SDK's streamable HTTP transport to `config.url`, sending its `headers`."""
    timeout = httpx2.Timeout(HTTP_TIMEOUT_S, read=HTTP_READ_TIMEOUT_S)
    async with (
        httpx2.AsyncClient(headers=dict(config.headers), timeout=timeout) as client,
        streamable_http_client(config.url, http_client=client) as streams,
    ):
        yield streams
