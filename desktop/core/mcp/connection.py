"""One open session with one MCP server, through the official SDK's `Client`.

The session lives in a task of its own, which enters the SDK's context managers and leaves
them when asked: the SDK's task groups must be entered and left by one task, and a failure
inside them must not cancel the run that uses the server. Calls are made from the run's task
and raced against the server's exit, so a crash answers at once instead of hanging the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from pathlib import Path
from typing import Any

from mcp import Client
from mcp_types import CallToolResult

from desktop.core.agent.executor import Executor
from desktop.core.mcp import process
from desktop.core.mcp.config import ServerConfig
from desktop.core.mcp.names import tool_name
from desktop.core.mcp.status import ToolInfo
from desktop.core.mcp.transport import http_streams, stdio_streams

log = logging.getLogger(__name__)

CLOSE_WAIT_S = 2 * process.STOP_GRACE_S + 1.0
EXIT_NOTICE_S = 1.0
MAX_PAGES = 50
"""Most pages of a tool, resource or prompt listing read (a server that pages forever)."""


class ServerError(Exception):
    """The server cannot be used: `str()` says why; `stderr` is the end of what it printed."""

    def __init__(self, message: str, stderr: str = "") -> None:
        super().__init__(message)
        self.stderr = stderr


class Connection:
    """A server started (or reached) and initialised, its tools listed; `close()` ends it."""

    def __init__(
        self, config: ServerConfig, cwd: Path, *, executor: Executor | None = None,
        env_names: Iterable[str] = (),
    ) -> None:
        self.config = config
        self.cwd = cwd
        self.executor = executor
        self.env_names = tuple(env_names)
        self.server: process.ServerProcess | None = None
        self.client: Client | None = None
        self.tools: tuple[ToolInfo, ...] = ()
        self.resources: tuple[str, ...] = ()
        self.prompts: tuple[str, ...] = ()
        self._ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._closing = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        return self.server.pid if self.server is not None else None

    @property
    def stderr(self) -> str:
        return self.server.stderr.text() if self.server is not None else ""

    def exited(self) -> int | None:
        """The stdio server's exit code once it has stopped, else None."""
        return self.server.exit_code if self.server is not None else None

    async def open(self) -> None:
        """Start the server and list what it offers, within its start time-out; raises
        ServerError (with its stderr) when it fails or takes longer."""
        self._task = asyncio.create_task(self._hold(), name=f"mcp {self.config.name}")
        timeout = self.config.start_timeout_s
        try:
            await asyncio.wait_for(asyncio.shield(self._ready), timeout)
        except TimeoutError:
            self._ready.cancel()
            await self.close()
            raise ServerError(f"it did not answer within {timeout:g} s", self.stderr) from None
        except ServerError:
            await self.close()
            raise
        except BaseException:  # the run was cancelled while the server started
            await self.close()
            raise

    async def _hold(self) -> None:
        """Enter the transport and the SDK's client, list, then wait for `close()`."""
        try:
            async with AsyncExitStack() as stack:
                client = Client(await self._transport(stack), cache=None)
                self.client = await stack.enter_async_context(client)
                await self._list(client)
                if not self._ready.done():
                    self._ready.set_result(None)
                await self._closing.wait()
        except Exception as exc:
            if not self._ready.done():
                why = await self._why(exc)
                stderr = await self.server.stderr_read() if self.server else ""
                if not self._ready.done():
                    self._ready.set_exception(ServerError(why, stderr))
            else:
                log.info("mcp server %s: session ended: %s", self.config.name, _leaf(exc))
        finally:
            self.client = None

    async def _transport(self, stack: AsyncExitStack) -> AbstractAsyncContextManager[Any]:
        if self.config.transport == "http":
            return http_streams(self.config)
        argv = process.server_argv(self.config, self.cwd, self.executor)
        env = process.server_env(self.config, self.env_names)
        cwd = Path(self.config.cwd).expanduser() if self.config.cwd else self.cwd
        try:
            self.server = await process.start(argv, cwd, env)
        except OSError as exc:
            raise ServerError(f"cannot start {self.config.command!r}: {exc.strerror or exc}") \
                from exc
        stack.push_async_callback(self.server.stop)
        watch = asyncio.create_task(self._fail_on_exit(self.server))
        stack.callback(watch.cancel)
        return stdio_streams(self.server)

    async def _fail_on_exit(self, server: process.ServerProcess) -> None:
        """Fail the start as soon as the server exits, even if a child keeps its pipes open."""
        code = await server.exit()
        if not self._ready.done():
            stderr = await server.stderr_read()
            if not self._ready.done():
                why = f"it exited with code {code} before it answered"
                self._ready.set_exception(ServerError(why, stderr))

    async def _list(self, client: Client) -> None:
        caps = client.server_capabilities
        if caps.tools is not None:
            tools = await _pages(lambda cursor: client.list_tools(cursor=cursor), "tools")
            self.tools = tuple(
                ToolInfo(self.config.name, t.name, tool_name(self.config.name, t.name),
                         t.description or t.title or "", dict(t.input_schema or {}))
                for t in tools
            )
        with contextlib.suppress(Exception):  # only listed in settings: not worth failing
            if caps.resources is not None:
                found = await _pages(lambda c: client.list_resources(cursor=c), "resources")
                self.resources = tuple(f"{r.uri} ({r.name})" for r in found)
            if caps.prompts is not None:
                found = await _pages(lambda c: client.list_prompts(cursor=c), "prompts")
                self.prompts = tuple(p.name for p in found)

    async def _why(self, exc: BaseException) -> str:
        if isinstance(exc, ServerError):
            return str(exc)
        await self._exit_noticed()
        code = self.exited()
        if code is not None:
            return f"it exited with code {code} before it answered"
        return f"it failed to start: {_leaf(exc)}"

    async def call(
        self, tool: str, arguments: dict[str, Any], timeout: float | None = None
    ) -> CallToolResult:
        """Call `tool`, for at most `timeout` seconds (what is left of the run's time); raises
        ServerError when the server is gone or goes during the call, or time runs out."""
        client = self.client
        if client is None or self.exited() is not None:
            raise ServerError(self.gone_reason(), self.stderr)
        call = asyncio.create_task(client.call_tool(tool, arguments))
        watched = [call] + ([asyncio.create_task(self.server.exit())]
                            if self.server is not None else [])
        try:
            done, _ = await asyncio.wait(watched, timeout=timeout,
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in watched:
                task.cancel()
        if not done:
            raise ServerError("the run's time budget ran out while this call was working")
        error = call.exception() if call.done() and not call.cancelled() else None
        if call.done() and not call.cancelled() and error is None:
            return call.result()
        await self._exit_noticed()
        if self.exited() is not None:
            raise ServerError(self.gone_reason(), self.stderr)
        raise ServerError(f"the call failed: {_leaf(error)}", self.stderr)

    async def _exit_noticed(self) -> None:
        """A session that broke off may be a server that exited: the end of its pipe can
        arrive before its exit status, so wait for that a moment."""
        if self.server is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.server.exit(), EXIT_NOTICE_S)

    def gone_reason(self) -> str:
        code = self.exited()
        if code is None:
            return "the session with the server ended"
        return f"the server stopped (exit code {code})"

    async def close(self) -> None:
        """End the session and stop the server with its process group; bounded."""
        self._closing.set()
        try:
            if self._task is not None and not self._task.done():
                started = self._ready.done() and not self._ready.cancelled()
                done, _ = await asyncio.wait([self._task], timeout=CLOSE_WAIT_S if started else 0)
                if not done:  # still starting, or stuck: its stack still stops the server
                    self._task.cancel()
                    await asyncio.wait([self._task], timeout=CLOSE_WAIT_S)
        finally:
            if self.server is not None:
                self.server.kill()


async def _pages(fetch: Any, key: str) -> list[Any]:
    """Every item of a paginated listing."""
    items: list[Any] = []
    cursor = None
    for _ in range(MAX_PAGES):
        page = await fetch(cursor)
        items += getattr(page, key)
        cursor = page.next_cursor
        if not cursor:
            break
    return items


def _leaf(exc: BaseException | None) -> str:
    """The innermost error of an exception group, worded."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    if exc is None:
        return "no reason given"
    return str(exc) or type(exc).__name__
