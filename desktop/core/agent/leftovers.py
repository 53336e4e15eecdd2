"""Commands an app left running when it died: found from their CommandStarted events (and
stdio MCP servers from McpServerStarted and McpServerRestarted), killed.

A command runs in its own session, so when the app is killed outright (SIGKILL, a crash) a
local command goes on as an orphan that nothing reaps (a sandboxed one dies with the app). Each
command's process group and its leader's start time are recorded as it starts; the next start
kills the groups of runs it marks interrupted, once it has made sure a group is still ours:
either its leader lives with the recorded start time, or the leader is gone but members
remain (the kernel does not reuse a process group id while any member is alive).

Start times come from Linux's /proc; elsewhere they are unknown and nothing is killed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from datetime import datetime
from pathlib import Path

from desktop.core.events import (
    CommandStarted,
    McpServerRestarted,
    McpServerStarted,
    from_record,
)
from desktop.core.store.database import Store

log = logging.getLogger(__name__)

PROC = Path("/proc")
GROUP_EVENTS = {cls.__name__ for cls in (CommandStarted, McpServerStarted, McpServerRestarted)}
"""Events that record a process group the run started: a command, or a stdio MCP server."""
SAME_TIME_S = 0.005
"""Start times are stored rounded to 1/100 s (the kernel's usual clock tick)."""


def boot_time() -> float | None:
    """When the system booted, in seconds since the epoch (None where /proc is missing)."""
    try:
        for line in (PROC / "stat").read_text().splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    except OSError:
        pass
    return None


def _stat(pid: int | str) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state first), or None."""
    try:
        return (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _started(fields: list[str], booted: float) -> float:
    return round(booted + int(fields[19]) / os.sysconf("SC_CLK_TCK"), 2)


def start_time(pid: int) -> float | None:
    """When process `pid` started, in seconds since the epoch, or None if unknown."""
    booted, fields = boot_time(), _stat(pid)
    if booted is None or fields is None:
        return None
    return _started(fields, booted)


def is_ours(pgid: int, started_at: float) -> bool:
    """Whether process group `pgid` is still the one whose leader started at `started_at`."""
    booted = boot_time()
    if booted is None or started_at < booted:
        return False  # recorded before this boot: that group is long gone
    leader = _stat(pgid)
    if leader is not None and leader[0] != "Z":
        return abs(_started(leader, booted) - started_at) < SAME_TIME_S
    for stat in PROC.glob("[0-9]*/stat"):
        fields = _stat(stat.parent.name)
        if fields is not None and _member(fields, pgid, started_at, booted):
            return True
    return False


def _member(fields: list[str], pgid: int, started_at: float, booted: float) -> bool:
    """A live process of the command's group: in its group and its session (a command is
    its own session), and started after the command did. A group id reused by a later
    session of its own would match the first two: the time tells them apart only in part,
    so the leader's own start time is preferred whenever the leader lives."""
    return (fields[0] != "Z" and int(fields[2]) == pgid and int(fields[3]) == pgid
            and _started(fields, booted) >= started_at - SAME_TIME_S)


def kill_leftovers(store: Store) -> int:
    """Kill what interrupted runs of this boot left running; returns the groups killed."""
    booted = boot_time()
    if booted is None:
        return 0
    killed = 0
    for run in store.runs():
        if run.status != "interrupted" or _epoch(run.updated_at) < booted:
            continue
        for stored in store.events(run.id):
            if stored.type not in GROUP_EVENTS:
                continue
            started = from_record(stored.type, stored.data)
            pgid = started.pgid if isinstance(started, CommandStarted) else started.pid
            if pgid and started.started_at is not None and is_ours(pgid, started.started_at):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pgid, signal.SIGKILL)
                    killed += 1
                    log.info("killed process group %s left by run %s", pgid, run.id)
    return killed


def reap_interrupted(store: Store) -> int:
    """At start-up: mark runs whose process died as interrupted, and kill what they left."""
    store.mark_interrupted()
    return kill_leftovers(store)


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
