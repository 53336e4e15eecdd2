"""Where run_command's commands run: an `Executor` starts one shell command in the workspace.

`local` runs it as the user, with full access; `sandbox` (core/agent/sandbox.py) jails it. A later
container or remote executor is one more class with the same `start`: it hands back a process
whose output the tool streams and whose group the tool can stop.

Either way the command's environment is built, not inherited: a few basics (PATH, HOME, the
locale, the terminal), never anything named like a credential, plus what the user listed. So an
approved command cannot read the API key the app itself was given.
"""

from __future__ import annotations

import asyncio
import fnmatch
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

Network = Literal["off", "allow", "on"]
"""off: no network at all; allow: only the listed domains, through a loopback proxy; on: all."""

BASIC_VARS = (
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "LC_*", "TERM", "COLORTERM",
    "TZ", "TMPDIR",
)
"""What a command gets from the app's environment without being asked (patterns allowed)."""
SECRET_PATTERNS = ("*_API_KEY", "*_TOKEN", "*_SECRET")
"""Never passed on among the basics, whatever the name's prefix."""


class Executor(Protocol):
    """Starts a command; the process is a session leader, so its pid is its process group."""

    @property
    def kind(self) -> str:
        """'local', 'sandbox', ...: what the settings and the records call it."""
        ...

    @property
    def contained(self) -> bool:
        """Whether the command cannot touch anything outside the workspace or the network."""
        ...

    def describe(self) -> str:
        """One line for the approval question: where and how the command will run."""
        ...

    async def start(self, command: str, cwd: Path) -> asyncio.subprocess.Process:
        """Start `command` in `cwd`: no stdin, stdout and stderr joined in one pipe."""
        ...


def command_env(
    extra: Iterable[str] = (), source: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment a command gets: the basics, minus secrets, plus the names in `extra`.

    Names in `extra` are passed even if they look like a secret: the user listed them.
    """
    source = os.environ if source is None else source
    wanted = set(extra)
    env = {
        name: value
        for name, value in source.items()
        if name in wanted or (_matches(name, BASIC_VARS) and not _matches(name, SECRET_PATTERNS))
    }
    env.setdefault("PATH", os.defpath)
    return env


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


PIPES = {
    "stdin": asyncio.subprocess.DEVNULL,
    "stdout": asyncio.subprocess.PIPE,
    "stderr": asyncio.subprocess.STDOUT,
}


@dataclass(frozen=True)
class LocalExecutor:
    """The command runs as the user, with the user's access; only approval guards it."""

    env_names: tuple[str, ...] = ()
    """Variables the user asked to pass on besides the basics."""

    kind = "local"
    contained = False

    def describe(self) -> str:
        return "not sandboxed: the command can do anything you can"

    async def start(self, command: str, cwd: Path) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_shell(
            command, cwd=cwd, env=command_env(self.env_names), start_new_session=True, **PIPES
        )
