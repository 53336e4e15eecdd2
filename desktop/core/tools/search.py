"""search: a Python regular expression over the workspace's text files, `path:line: text`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from desktop.core.tools.base import Args, Tool, ToolContext, ToolError, ToolResult
from desktop.core.tools.files import is_binary, walk_files

MAX_MATCHES = 200
MAX_MATCH_CHARS = 300
MAX_FILE_BYTES = 5_000_000


def _candidates(top: Path) -> Iterator[Path]:
    """Text files under `top` (or `top` itself) small enough to scan."""
    paths = [top] if top.is_file() else walk_files(top)
    for path in paths:
        try:
            if path.stat().st_size <= MAX_FILE_BYTES and not is_binary(path):
                yield path
        except OSError:  # vanished or unreadable: a search skips it rather than failing
            continue


def _search(args: Args, ctx: ToolContext) -> ToolResult:
    try:
        regex = re.compile(args["query"])
    except re.error as exc:
        raise ToolError(f"the query is not a valid regular expression: {exc}") from exc
    top = ctx.workspace.resolve(args.get("path") or ".")
    if not top.exists():
        raise ToolError(f"{args['path']!r} does not exist")
    hits: list[str] = []
    for path in _candidates(top):
        rel = ctx.workspace.relative(path)
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                if regex.search(line):
                    hits.append(f"{rel}:{number}: {line.rstrip()[:MAX_MATCH_CHARS]}")
                    if len(hits) > MAX_MATCHES:
                        break
        if len(hits) > MAX_MATCHES:
            break
    if not hits:
        return ToolResult(f"no matches for {args['query']!r}")
    if len(hits) > MAX_MATCHES:
        hits[MAX_MATCHES:] = [f"[stopped after {MAX_MATCHES} matches; narrow the query or path]"]
    return ToolResult("\n".join(hits))


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
