"""What the tests ask of the operating system's process table."""

from __future__ import annotations

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
