"""Which process drives a run: its pid, and when that process started.

A pid alone is not enough: after a crash the system may give the same pid to another
process, and the run would look alive for ever. The start time tells the two apart. It is
read from /proc on Linux; elsewhere it is unknown and the pid alone decides, as before.
"""

from __future__ import annotations

import os
from pathlib import Path


def process_started(pid: int) -> str | None:
    """When process `pid` started (clock ticks since boot, as text), or None if unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22, counted after the command name


def owner_alive(pid: int | None, started: str | None) -> bool:
    """Whether the process that created a run still runs (another one, not this one).

    Our own pid counts as gone: we only ask at start-up, and a container restarts with the
    same pid. Windows has no cheap signal-0 probe, so there every run left 'running' is gone.
    """
    if pid is None or pid == os.getpid() or os.name != "posix":
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    now = process_started(pid)
    return started is None or now is None or now == started
