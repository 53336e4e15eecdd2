"""run_command: a shell command in the workspace, its output streamed as it comes.

The context's executor starts it (core/agent/executor.py): jailed by the sandbox, or as the user
with only the permission policy to guard it; the preview says which. The command runs in its
own session (process group), so a timeout or a cancelled run can stop it with everything it
started: SIGTERM to the group, then SIGKILL if it lingers.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import signal
from collections.abc import AsyncIterator

from desktop.core.tools.base import Args, CappedText, Tool, ToolContext, ToolError, ToolResult

DEFAULT_TIMEOUT_S = 120.0
MAX_TIMEOUT_S = 3600.0
READ_BYTES = 4096
LIVE_CHARS = 1_000_000
"""Output streamed to the UI (and the transcript) stops here; the model gets head and tail."""
TERM_GRACE_S = 0.3


async def _stop(proc: asyncio.subprocess.Process) -> None:
    """End the command's whole process group: politely, then for sure."""
    for sig, grace in ((signal.SIGTERM, TERM_GRACE_S), (signal.SIGKILL, None)):
        _signal_group(proc, sig)
        try:
            await asyncio.wait_for(proc.wait(), grace)
            return
        except TimeoutError:
            continue


def _signal_group(proc: asyncio.subprocess.Process, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if os.name == "posix":
            os.killpg(proc.pid, sig)  # start_new_session made the pid the group id
        else:
            proc.kill()


async def _chunks(proc: asyncio.subprocess.Process, timeout_s: float) -> AsyncIterator[str]:
    """Decoded output until the command exits; TimeoutError when it outlives `timeout_s`."""
    assert proc.stdout is not None
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    deadline = asyncio.get_running_loop().time() + timeout_s

    def left() -> float:
        return deadline - asyncio.get_running_loop().time()

    while data := await asyncio.wait_for(proc.stdout.read(READ_BYTES), left()):
        if text := decoder.decode(data):
            yield text
    if tail := decoder.decode(b"", final=True):
        yield tail
    await asyncio.wait_for(proc.wait(), left())


def _timeout(args: Args) -> float:
    timeout = args.get("timeout_s", DEFAULT_TIMEOUT_S)
    if not 0 < timeout <= MAX_TIMEOUT_S:
        raise ToolError(f"timeout_s must be between 0 and {MAX_TIMEOUT_S:g} seconds")
    return float(timeout)


async def _run_command(args: Args, ctx: ToolContext) -> AsyncIterator[str | ToolResult]:
    timeout = _timeout(args)
    proc = await ctx.executor.start(args["command"], ctx.workspace.root)
    output = CappedText()
    streamed = 0
    try:
        if ctx.command_started is not None:
            ctx.command_started(proc.pid, ctx.executor)
        async for text in _chunks(proc, timeout):
            output.add(text)
            if streamed < LIVE_CHARS:
                streamed += len(text)
                yield text if streamed < LIVE_CHARS else "\n[live output stops here]\n"
    except TimeoutError:
        await _stop(proc)
        killed = f"[timed out after {timeout:g} s; the command was killed]"
        yield ToolResult(_with_footer(str(output), killed), is_error=True)
        return
    finally:
        if proc.returncode is None:  # cancelled, or the timeout's stop above failed
            await _stop(proc)
    footer = f"[exit code {proc.returncode}]"
    yield ToolResult(_with_footer(str(output), footer), is_error=proc.returncode != 0)


def _with_footer(output: str, footer: str) -> str:
    if not output:
        return f"(no output)\n{footer}"
    return f"{output}{'' if output.endswith(chr(10)) else chr(10)}{footer}"


TOOLS = (
    Tool(
        "run_command",
        "Run a shell command with the workspace as the working folder; returns its combined "
        f"stdout and stderr and the exit code. It is killed after timeout_s seconds (default "
        f"{DEFAULT_TIMEOUT_S:g}). stdin is empty, so commands must not wait for input.",
        {"command": {"type": "string"}, "timeout_s": {"type": "number"}},
        ("command",),
        stream=_run_command,
        preview=lambda args, ctx: f"$ {args['command']}\n# {ctx.executor.describe()}",
    ),
)
