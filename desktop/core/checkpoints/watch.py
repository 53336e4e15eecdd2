"""Linux's inotify, so a scan after the first re-reads only the paths that changed.

A full scan stats every file, which on a 100k-file workspace takes longer than a command
should wait. With a watch on every folder the scan walked, the kernel lists what changed
since: a create, a write, a delete, a rename. Where the list cannot be trusted (the kernel's
queue overflowed, a folder was moved, the limit on watches was reached) `changed` says so and
the scanner walks everything again. Elsewhere than Linux there is no watch: every scan walks.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import struct
import sys
import weakref
from pathlib import Path

IN_MODIFY = 0x2
IN_ATTRIB = 0x4
IN_CLOSE_WRITE = 0x8
IN_MOVED_FROM = 0x40
IN_MOVED_TO = 0x80
IN_CREATE = 0x100
IN_DELETE = 0x200
IN_DELETE_SELF = 0x400
IN_MOVE_SELF = 0x800
IN_Q_OVERFLOW = 0x4000
IN_IGNORED = 0x8000
IN_ONLYDIR = 0x1000000
IN_DONT_FOLLOW = 0x2000000
IN_ISDIR = 0x40000000
MASK = (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE
        | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW)
LOST_TRACK = IN_Q_OVERFLOW | IN_MOVE_SELF
"""After these the folders' names are no longer known for sure."""
HEADER = struct.Struct("iIII")
READ_BYTES = 1 << 16


class Watch:
    """Watches on a workspace's folders; `changed()` drains what happened since last asked."""

    def __init__(self, root: Path) -> None:
        """OSError where inotify is not to be had."""
        if not sys.platform.startswith("linux"):
            raise OSError("inotify is Linux's")
        self._libc = ctypes.CDLL(None, use_errno=True)
        self.root = root
        self.fd = self._libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        self._close = weakref.finalize(self, os.close, self.fd)
        self._folders: dict[int, str] = {}
        self.lost = False

    def add(self, folder: str) -> None:
        """Watch the folder (relative; "" is the root); OSError at the system's limit."""
        path = os.fsencode(self.root / folder if folder else self.root)
        wd = self._libc.inotify_add_watch(self.fd, path, MASK)
        if wd < 0:
            error = ctypes.get_errno()
            raise OSError(error, f"cannot watch {folder or '.'}: {os.strerror(error)}")
        self._folders[wd] = folder

    def changed(self) -> set[str] | None:
        """The relative paths changed since the last call (folders deleted or created
        included), or None if that is not known for sure."""
        paths: set[str] = set()
        while True:
            try:
                data = os.read(self.fd, READ_BYTES)
            except BlockingIOError:
                break
            self._take(data, paths)
        return None if self.lost else paths

    def _take(self, data: bytes, paths: set[str]) -> None:
        offset = 0
        while offset < len(data):
            wd, mask, _, size = HEADER.unpack_from(data, offset)
            name = os.fsdecode(data[offset + HEADER.size:offset + HEADER.size + size].rstrip(b"\0"))
            offset += HEADER.size + size
            folder = self._folders.get(wd)
            if mask & LOST_TRACK or (mask & IN_MOVED_FROM and mask & IN_ISDIR):
                self.lost = True
            elif mask & IN_IGNORED:
                self._folders.pop(wd, None)
            elif folder is not None and name:
                paths.add(f"{folder}/{name}" if folder else name)
            elif folder is not None and mask & IN_DELETE_SELF:
                paths.add(folder)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._close()
