"""What every tool shares: its description for the model, its context, and its result.

Tools report failure as data: a tool raises `ToolError` (or hits a `WorkspaceError` or
`OSError`) and the registry turns that into an `is_error` result the model reads, so no
failure of a tool ever ends the run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from desktop.core.agent.executor import Executor, LocalExecutor
from desktop.core.agent.workspace import Workspace
from desktop.core.events import PlanUpdated

if TYPE_CHECKING:
    from desktop.core.store.database import Store

MAX_RESULT_CHARS = 30_000
"""A tool result longer than this reaches the model as its head and tail."""


class ToolError(Exception):
    """A tool cannot do what was asked; `str()` tells the model why."""


@dataclass(frozen=True)
class ToolResult:
    """What goes back to the model as a tool_result, plus an event for the UI if any."""

    text: str
    is_error: bool = False
    event: PlanUpdated | None = None
    denied: bool = False
    content: tuple[dict[str, Any], ...] = ()
    """Blocks sent to the model after the text, e.g. the images an MCP tool returned."""


@dataclass
class ToolContext:
    """What tools may touch: the workspace, and the store for memory (absent in some tests).

    `executor` runs run_command's commands; `command_started` hears each command's process
    group as soon as it exists, so the run can record it (and a later start can reap it).
    `shown_links` holds the (device, inode) of files with several hard links whose warning
    an approval preview showed the user; only those may be written. `deadline` (monotonic
    seconds) is when the run's wall-time budget ends, which also ends a tool still working.
    """

    workspace: Workspace
    store: Store | None = None
    run_id: int | None = None
    executor: Executor = field(default_factory=LocalExecutor)
    command_started: Callable[[int, Executor], None] | None = None
    shown_links: set[tuple[int, int]] = field(default_factory=set)
    deadline: float | None = None


Args = dict[str, Any]
RunTool = Callable[[Args, ToolContext], ToolResult]
StreamTool = Callable[[Args, ToolContext], AsyncIterator["str | ToolResult"]]


@dataclass(frozen=True)
class Tool:
    """One tool: its name, JSON schema and how to run it.

    `run` is plain and quick (`threaded` ones go to a worker thread so big files never block
    the UI); `stream` yields output chunks and ends with its ToolResult. `preview` says what
    an approval would allow, e.g. the diff a write would make.
    """

    name: str
    description: str
    properties: dict[str, Any]
    required: tuple[str, ...] = ()
    run: RunTool | None = None
    stream: StreamTool | None = None
    threaded: bool = True
    preview: Callable[[Args, ToolContext], str] | None = None

    def schema(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "input_schema": {
                "type": "object",
                "properties": self.properties,
                "required": list(self.required),
            },
        }


def cap(text: str, limit: int = MAX_RESULT_CHARS) -> str:
    """`text` cut to its head and tail when longer than `limit`, saying how much was left out."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[... {len(text) - 2 * half} characters omitted ...]\n{text[-half:]}"


@dataclass
class CappedText:
    """Text that keeps only its head and tail while it grows (a command's endless output)."""

    limit: int = MAX_RESULT_CHARS
    head: str = ""
    tail: str = ""
    dropped: int = 0
    _half: int = field(init=False)

    def __post_init__(self) -> None:
        self._half = self.limit // 2

    def add(self, text: str) -> None:
        room = self._half - len(self.head)
        if room > 0:
            self.head += text[:room]
            text = text[room:]
        tail = self.tail + text
        self.dropped += max(0, len(tail) - self._half)
        self.tail = tail[-self._half :]

    def __str__(self) -> str:
        if not self.dropped:
            return self.head + self.tail
        return f"{self.head}\n[... {self.dropped} characters omitted ...]\n{self.tail}"
