"""The folder an agent run works in, and the path check every file tool goes through.

A tool path is joined to the workspace root and resolved with symlinks followed; whatever
lands outside the root is refused. So `..`, absolute paths elsewhere, `~`, NUL bytes and
symlinks that point out all fail with a message the model can act on.

Checking a path and then opening it leaves a gap in which a folder can be swapped for a
symlink, so file tools open through `open_fd`: it opens without following a final symlink and
without blocking (a FIFO), then checks the descriptor itself: a regular file, really inside
the root. Reads and writes go through that descriptor, never through the path again.

`run_command` is NOT jailed: a shell command can read and write anything the user can. Its
only guard is the permission policy, which asks the user before each command by default.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from pathlib import Path

_OPEN_FLAGS = os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


class WorkspaceError(Exception):
    """A path the tools refuse; `str()` tells the model what was wrong."""


class Workspace:
    """A root folder; tool paths are relative to it and cannot resolve outside it."""

    def __init__(self, root: str | Path) -> None:
        path = Path(root).expanduser()
        if not path.is_dir():
            raise WorkspaceError(f"the workspace {str(root)!r} is not a folder")
        self.root = path.resolve()

    def resolve(self, path: str) -> Path:
        """The real path `path` names inside the workspace, or WorkspaceError."""
        if "\x00" in path:
            raise WorkspaceError("the path contains a NUL byte")
        if not path.strip():
            raise WorkspaceError("the path is empty")
        if path.startswith("~"):
            raise WorkspaceError(
                f"{path!r}: '~' is not expanded; use a path relative to the workspace"
            )
        try:
            resolved = (self.root / path).resolve()
        except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop
            raise WorkspaceError(f"{path!r} cannot be resolved: {exc}") from exc
        if not resolved.is_relative_to(self.root):
            raise WorkspaceError(
                f"{path!r} is outside the workspace (it resolves to {resolved}); "
                "use a path relative to the workspace"
            )
        return resolved

    def open_fd(self, path: str, *, write: bool = False) -> int:
        """A descriptor on the regular file `path` names, verified after opening.

        With `write`, the file is created if missing (and removed again if it turns out to
        lie outside); nothing is truncated, so a refused write changes nothing.
        """
        resolved = self.resolve(path)
        flags = _OPEN_FLAGS | (os.O_WRONLY | os.O_CREAT if write else os.O_RDONLY)
        created = write and not os.path.lexists(resolved)
        try:
            fd = os.open(resolved, flags | (os.O_EXCL if created else 0), 0o666)
        except OSError as exc:
            raise WorkspaceError(f"{path!r} cannot be opened: {exc.strerror}") from exc
        real = opened_path(fd, resolved)
        if problem := self._problem(fd, path, real):
            os.close(fd)
            if created:  # ours alone (O_EXCL): take back the empty file made outside
                with contextlib.suppress(OSError):
                    os.unlink(real)
            raise WorkspaceError(problem)
        return fd

    def _problem(self, fd: int, path: str, real: Path) -> str | None:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return f"{path!r} is not a regular file (a folder, FIFO or device): it is refused"
        if not real.is_relative_to(self.root):
            return f"{path!r} is outside the workspace (it opened {real}); it is refused"
        return None

    def relative(self, path: Path) -> str:
        """`path` as the model should write it: relative to the root, with forward slashes."""
        return path.relative_to(self.root).as_posix()

    def __str__(self) -> str:
        return str(self.root)


def opened_path(fd: int, fallback: Path) -> Path:
    """Where the open file `fd` really is, asked of the kernel; `fallback` where it cannot say."""
    if sys.platform.startswith("linux"):
        try:
            return Path(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            return fallback
    if sys.platform == "darwin":
        import fcntl

        return Path(fcntl.fcntl(fd, fcntl.F_GETPATH, bytes(1024)).rstrip(b"\0").decode())
    return fallback
