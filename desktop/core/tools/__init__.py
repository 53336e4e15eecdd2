"""The agent's tools: their schemas for the model, argument checks, previews and execution.

Names and inputs are product surface (docs/TOOLS.md): keep them stable. Every
failure comes back as an `is_error` ToolResult whose text tells the model what to fix.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

from desktop.core.agent.workspace import WorkspaceError
from desktop.core.store.database import StoreError
from desktop.core.tools import files, memory, plan, search, shell, sql
from desktop.core.tools.base import (
    Args,
    RunTool,
    Tool,
    ToolContext,
    ToolError,
    ToolResult,
    cap,
)

__all__ = ["TOOLS", "Tool", "ToolContext", "ToolResult", "check", "execute", "preview", "schemas"]

log = logging.getLogger(__name__)

TOOLS: dict[str, Tool] = {
    tool.name: tool
    for module in (files, search, shell, sql, plan, memory)
    for tool in module.TOOLS
}

_JSON_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "array": list,
    "object": dict,
}
_FAILURES = (ToolError, WorkspaceError, StoreError, OSError, UnicodeError)


def schemas() -> list[dict[str, Any]]:
    """The tool definitions sent with every model request."""
    return [tool.schema() for tool in TOOLS.values()]


def check(name: str, args: Args) -> str | None:
    """What is wrong with a call before it runs (unknown tool, bad arguments), or None."""
    tool = TOOLS.get(name)
    if tool is None:
        return f"unknown tool {name!r}; the tools are: {', '.join(TOOLS)}"
    for key in tool.required:
        if key not in args:
            return f"{name}: missing required argument {key!r}"
    for key, value in args.items():
        spec = tool.properties.get(key)
        if spec is None:
            return f"{name}: unknown argument {key!r} (it takes {', '.join(tool.properties)})"
        expected = spec["type"]
        if not _has_type(value, expected):
            got = type(value).__name__
            return f"{name}: argument {key!r} must be of type {expected}, got {got}"
    return None


def _has_type(value: Any, expected: str) -> bool:
    if isinstance(value, bool):  # JSON true is not a number, though Python's bool is an int
        return expected == "boolean"
    return isinstance(value, _JSON_TYPES[expected])


def preview(name: str, args: Args, ctx: ToolContext) -> ToolResult:
    """What approving the call would do (the diff to write, the command to run).

    An error result means the call cannot succeed, so there is nothing to ask about.
    """
    tool = TOOLS[name]
    if tool.preview is None:
        return ToolResult(json.dumps(args, indent=2, ensure_ascii=False))
    try:
        return ToolResult(tool.preview(args, ctx))
    except _FAILURES as exc:
        return ToolResult(f"{name}: {exc}", is_error=True)


async def execute(name: str, args: Args, ctx: ToolContext) -> AsyncIterator[str | ToolResult]:
    """Run a checked call: output chunks (run_command) as str, then one capped ToolResult."""
    tool = TOOLS[name]
    try:
        if tool.stream is not None:
            async for item in tool.stream(args, ctx):
                yield item if isinstance(item, str) else _capped(item)
        elif tool.run is not None and tool.threaded:
            yield _capped(await _in_worker(tool.run, args, ctx))
        elif tool.run is not None:
            yield _capped(tool.run(args, ctx))
    except _FAILURES as exc:
        yield ToolResult(f"{name}: {exc}", is_error=True)
    except Exception as exc:  # a bug in a tool must not end the run; the model sees it failed
        log.exception("tool %s failed", name)
        yield ToolResult(f"{name} failed unexpectedly: {exc!r}", is_error=True)


async def _in_worker(run: RunTool, args: Args, ctx: ToolContext) -> ToolResult:
    """`run` on a daemon thread that the awaiting task may abandon.

    Stop and Ctrl+C cancel the await at once, and the run's wall-time deadline ends it, even
    if the tool is stuck (a hung file system, a slow query); a stuck daemon thread never
    keeps the process from exiting, as a thread of asyncio's default executor would.
    """
    loop = asyncio.get_running_loop()
    done: asyncio.Future[ToolResult] = loop.create_future()

    def settle(result: ToolResult | None, error: BaseException | None) -> None:
        if done.done():
            return
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(result)

    def work() -> None:
        try:
            outcome: tuple[ToolResult | None, BaseException | None] = (run(args, ctx), None)
        except Exception as exc:
            outcome = (None, exc)
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits any more
            loop.call_soon_threadsafe(settle, *outcome)

    threading.Thread(target=work, name="agentdesk-tool", daemon=True).start()
    left = None if ctx.deadline is None else max(0.0, ctx.deadline - time.monotonic())
    try:
        return await asyncio.wait_for(done, left)
    except TimeoutError as exc:
        raise ToolError("the run's time budget ran out while this call was working") from exc


def _capped(result: ToolResult) -> ToolResult:
    return dataclasses.replace(result, text=cap(result.text))
