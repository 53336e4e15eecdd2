"""The folder an agent run works in, and the path check every file tool goes through.

A tool path is joined to the workspace root and resolved with symlinks followed; whatever
lands outside the root is refused. So `..`, absolute paths elsewhere, `~`, NUL bytes and
symlinks that point out all fail with a message the model can act on.

`run_command` is NOT jailed: a shell command can read and write anything the user can. Its
only guard is the permission policy, which asks the user before each command by default.
"""

from __future__ import annotations

from pathlib import Path


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

    def relative(self, path: Path) -> str:
        """`path` as the model should write it: relative to the root, with forward slashes."""
        return path.relative_to(self.root).as_posix()

    def __str__(self) -> str:
        return str(self.root)
