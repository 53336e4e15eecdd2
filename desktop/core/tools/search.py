"""search: a regular expression over the workspace's text files, `path:line: text`.

The pattern is matched with a time limit (see patterns.py). Every file is opened
through `Workspace.open_fd`, so a symlink out of the workspace, a FIFO or a file swapped
while the search runs is skipped, never read.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

from desktop.core.agent.workspace import WorkspaceError
from desktop.core.tools.base import Args, Tool, ToolContext, ToolError, ToolResult
from desktop.core.tools.files import open_text, walk_files
from desktop.core.tools.patterns import MATCH_TIMEOUT_S, Pattern, compile_pattern, too_slow

MAX_MATCHES = 200
MAX_MATCH_CHARS = 300
MAX_FILE_BYTES = 5_000_000
def _candidates(top: Path) -> Iterator[Path]:
    """Files under `top` (or `top` itself) small enough to scan."""
    for path in [top] if top.is_file() else walk_files(top):
        try:
            if path.lstat().st_size <= MAX_FILE_BYTES:
                yield path
        except OSError:  # vanished: a search skips it rather than failing
            continue


def _search(args: Args, ctx: ToolContext) -> ToolResult:
    pattern = compile_pattern(args["query"])
    top = ctx.workspace.resolve(args.get("path") or ".")
    if not top.exists():
        raise ToolError(f"{args['path']!r} does not exist")
    deadline = time.monotonic() + MATCH_TIMEOUT_S
    hits: list[str] = []
    for path in _candidates(top):
        rel = ctx.workspace.relative(path)
        try:
            hits += _matches(ctx, rel, pattern, deadline, MAX_MATCHES + 1 - len(hits))
        except TimeoutError as exc:  # before OSError, of which it is a subclass
            raise too_slow("the query") from exc
        except (WorkspaceError, ToolError, OSError):  # outside, special, binary, unreadable
            continue
        if len(hits) > MAX_MATCHES:
            break
    if not hits:
        return ToolResult(f"no matches for {args['query']!r}")
    if len(hits) > MAX_MATCHES:
        hits[MAX_MATCHES:] = [f"[stopped after {MAX_MATCHES} matches; narrow the query or path]"]
    return ToolResult("\n".join(hits))


def _matches(
    ctx: ToolContext, rel: str, pattern: Pattern[str], deadline: float, room: int
) -> list[str]:
    """Up to `room` matching lines of one file; TimeoutError once `deadline` has passed."""
    found: list[str] = []
    with open_text(ctx, rel) as handle:
        for number, line in enumerate(handle, start=1):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            if pattern.search(line, timeout=left, concurrent=True):
                found.append(f"{rel}:{number}: {line.rstrip()[:MAX_MATCH_CHARS]}")
                if len(found) >= room:
                    break
    return found


TOOLS = (
    Tool(
        "search",
        "Search the workspace's text files for a Python regular expression; prints matching "
        "lines as 'path:line: text'. path (a file or folder) narrows the search.",
        {"query": {"type": "string"}, "path": {"type": "string"}},
        ("query",),
        run=_search,
    ),
)
