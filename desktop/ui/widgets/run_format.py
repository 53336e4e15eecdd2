"""How the task pane words things: a call's key argument, durations, token counts, diff lines.

Plain functions and one text buffer, no widgets, so the timeline model, its painter and the
status line agree on every word.
"""

from __future__ import annotations

from typing import Any, Literal

from desktop.core.mcp.names import PREFIX, SEPARATOR, server_label

KEY_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "read_file": ("path",),
    "write_file": ("path",),
    "edit_file": ("path",),
    "list_files": ("pattern",),
    "search": ("query", "path"),
    "run_command": ("command",),
    "sql_query": ("sql", "database"),
    "recall": ("query",),
    "remember": ("text",),
}
KEY_ARGUMENT_CHARS = 160

DiffKind = Literal["file", "hunk", "added", "removed", "context"]


def tool_title(name: str) -> str:
    """A call's title on its card: the tool's name, and for an MCP tool its server's
    ("add_note · notes"), not the `mcp__notes__add_note` the model calls it by."""
    server = server_label(name)
    if server is None:
        return name
    tool = name[len(PREFIX) + len(server) + len(SEPARATOR):]
    return f"{tool} · {server}"


def key_argument(name: str, args: dict[str, Any]) -> str:
    """The one argument that says what a call does (its path, command or query), on one line."""
    if name == "update_plan":
        items = args.get("items")
        return f"{len(items)} items" if isinstance(items, list) else ""
    for key in KEY_ARGUMENTS.get(name, ()):
        value = args.get(key)
        if isinstance(value, str) and value.strip():
            return _one_line(value)
    if name == "list_files":
        return "all files"
    return ""


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    if len(line) > KEY_ARGUMENT_CHARS:
        return line[: KEY_ARGUMENT_CHARS - 1] + "…"
    return line


def duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    return clock(seconds)


def clock(seconds: float) -> str:
    """0:42, 12:03, 1:02:03."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def tokens(count: int) -> str:
    """980, 12.3k, 1.2M."""
    if count < 1000:
        return str(count)
    if count < 1_000_000:
        return f"{count / 1000:.1f}k"
    return f"{count / 1_000_000:.1f}M"


def cost(usd: float) -> str:
    return f"${usd:.2f}" if usd >= 0.01 or usd == 0 else f"${usd:.4f}"


def diff_kind(line: str) -> DiffKind:
    """What a line of a unified diff is, for its colour."""
    if line.startswith(("+++", "---")):
        return "file"
    if line.startswith("@@"):
        return "hunk"
    if line.startswith("+"):
        return "added"
    if line.startswith("-"):
        return "removed"
    return "context"


def new_file_diff(path: str, content: str) -> str:
    """A written file's content as a diff, for a write_file that ran without a preview."""
    lines = content.splitlines()
    header = f"+++ b/{path}\n@@ -0,0 +1,{len(lines)} @@\n"
    return header + "".join(f"+{line}\n" for line in lines)


class OutputText:
    """A tool's output as lines, grown chunk by chunk without re-splitting what came before.

    A card that streams a megabyte of command output keeps only this; painting reads the few
    lines on screen.
    """

    def __init__(self, text: str = "") -> None:
        self.lines: list[str] = [""]
        self.chars = 0
        if text:
            self.append(text)

    def append(self, chunk: str) -> None:
        parts = chunk.replace("\r\n", "\n").split("\n")
        self.lines[-1] += parts[0]
        self.lines.extend(parts[1:])
        self.chars += len(chunk)

    def replace(self, text: str) -> None:
        self.lines = [""]
        self.chars = 0
        self.append(text)

    @property
    def line_count(self) -> int:
        """Lines worth showing: a trailing newline does not add an empty last line."""
        count = len(self.lines)
        return count - 1 if count > 1 and self.lines[-1] == "" else count

    def is_empty(self) -> bool:
        return self.chars == 0

    def text(self) -> str:
        return "\n".join(self.lines)
