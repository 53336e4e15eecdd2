"""A stdio MCP server's process: started in its own process group, stopped with all of it.

The app starts the process itself (rather than leaving it to the SDK) to know its pid, so
stopping it kills the whole group (a server started through `npx` or `uv run` is several
processes), to keep the end of its stderr for the settings page, and to jail it in the
command sandbox when asked. The environment is built like a command's (core/agent/executor.py: the
basics, never a credential the app holds) plus the server's own `env`. Every live group is
listed, so the app's exit kills what a run could not stop in time.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import signal
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from desktop.core.agent.executor import Executor, Network, command_env
from desktop.core.agent.sandbox import SandboxExecutor, bwrap_argv, hidden_paths, python_roots
from desktop.core.mcp.config import ServerConfig

STDERR_LINES = 200
STOP_GRACE_S = 2.0
"""How long a server may take to exit after its stdin closes, before its group is killed."""
EXIT_POLL_S = 0.02
LINE_LIMIT = 64 * 1024 * 1024
"""Longest JSON-RPC line read from a server (a tool result may carry an image)."""

LIVE_GROUPS: set[int] = set()
"""Process groups of servers started and not yet stopped, killed when the app exits."""


class StderrTail:
    """The last lines a server printed on stderr (where servers log, and say why they fail)."""

    def __init__(self, limit: int = STDERR_LINES) -> None:
        self.lines: deque[str] = deque(maxlen=limit)

    def add(self, line: str) -> None:
        self.lines.append(line.rstrip("\n"))

    def text(self, last: int = STDERR_LINES) -> str:
        return "\n".join(list(self.lines)[-last:])


class ServerProcess:
    """A started server: its pipes, its stderr tail, and the way to stop it and its group."""

    def __init__(self, process: asyncio.subprocess.Process, stderr: StderrTail) -> None:
        self.process = process
        self.stderr = stderr
        self._reader = asyncio.create_task(self._read_stderr(), name=f"mcp stderr {self.pid}")
        LIVE_GROUPS.add(self.pid)

    @property
    def pid(self) -> int:
        """The leader's pid, which is also the group's id."""
        return self.process.pid

    @property
    def exit_code(self) -> int | None:
        return self.process.returncode

    async def exit(self) -> int:
        """Wait for the leader to exit; its code. Polled: `Process.wait()` also waits for the
        pipes to close, which a child that inherited them keeps open after the leader died."""
        while self.process.returncode is None:
            await asyncio.sleep(EXIT_POLL_S)
        return self.process.returncode

    async def stderr_read(self, within_s: float = 0.5) -> str:
        """The stderr tail once the pipe has been read to its end (or `within_s` passed: a
        child may hold it open), for a report of why the server stopped."""
        await asyncio.wait([self._reader], timeout=within_s)
        return self.stderr.text()

    async def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        with contextlib.suppress(ValueError, OSError):  # an overlong line, a closed pipe
            while line := await self.process.stderr.readline():
                self.stderr.add(line.decode(errors="replace"))

    async def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """Close its stdin (the MCP way to ask a stdio server to exit), then kill the group
        if it is still there after `grace_s`. Bounded, and safe to call twice."""
        try:
            if self.process.stdin is not None and not self.process.stdin.is_closing():
                self.process.stdin.close()
            try:
                await asyncio.wait_for(self.exit(), grace_s)
            except TimeoutError:
                kill_group(self.pid)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.exit(), grace_s)
            kill_group(self.pid)  # what the leader left behind
            await self._drained(grace_s)
        finally:
            self.kill()

    async def _drained(self, within_s: float) -> None:
        """Read both pipes to their end: only then does asyncio let go of the process (a
        child that outlived the leader held them open until the group was killed)."""
        pending: list[asyncio.Future[Any]] = [self._reader]
        if self.process.stdout is not None:
            pending.append(asyncio.ensure_future(self.process.stdout.read()))
        _, late = await asyncio.wait(pending, timeout=within_s)
        for task in late:
            task.cancel()
        await asyncio.sleep(0)  # the transport closes on the next turn of the loop

    def kill(self) -> None:
        """Kill the group now, without waiting: for a stop that was itself cancelled."""
        kill_group(self.pid)
        LIVE_GROUPS.discard(self.pid)
        self._reader.cancel()


def kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


@atexit.register
def _kill_live_groups() -> None:
    for pgid in list(LIVE_GROUPS):
        kill_group(pgid)


def server_env(config: ServerConfig, passed: Iterable[str] = ()) -> dict[str, str]:
    """A command's environment (the basics and the names the user passes on), plus the
    server's own `env`, which may hold the key it needs."""
    return {**command_env(passed), **config.env}


def server_argv(config: ServerConfig, workspace: Path, executor: Executor | None) -> list[str]:
    """The server's command line: as configured, or inside the command sandbox when the
    server asks for it and the run's commands are sandboxed (then with the workspace writable
    and the run's network, a domain list counting as none: no proxy stands between)."""
    argv = [config.command, *config.args]
    if not (config.sandbox and isinstance(executor, SandboxExecutor)):
        return argv
    network: Network = "on" if executor.network == "on" else "off"
    return [*bwrap_argv(workspace, network, hidden=hidden_paths(), visible=python_roots()),
            *argv]


async def start(argv: list[str], cwd: Path, env: dict[str, str]) -> ServerProcess:
    """Start `argv` (the server's command, perhaps inside the sandbox) as a session leader.
    Raises OSError when it cannot be started (no such command)."""
    process = await asyncio.create_subprocess_exec(
        *argv, cwd=cwd, env=env, start_new_session=True, limit=LINE_LIMIT,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    return ServerProcess(process, StderrTail())
