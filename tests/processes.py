"""What the tests ask of the operating system's process table."""

from __future__ import annotations

import time
from pathlib import Path


def group_alive(pgid: int) -> bool:
    """Whether a process of the group still runs (a zombie awaiting its reaper counts as gone)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def group_ended(pgid: int, within_s: float = 5.0) -> bool:
    """Whether the group is gone, or goes within `within_s`: a SIGKILL is delivered, and its
    processes reaped, a moment after the call that sent it returns (longer on a busy machine)."""
    deadline = time.monotonic() + within_s
    while group_alive(pgid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
