"""File tools: read_file, write_file, edit_file, list_files.

Every path goes through `Workspace.resolve`, so none of them can reach outside the workspace.
Writes keep the file's own line endings (files are read and written with newline="").
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterator
from pathlib import Path

from desktop.core.tools.base import Args, Tool, ToolContext, ToolError, ToolResult
from desktop.core.wording import counted

DEFAULT_READ_LINES = 2000
MAX_LINE_CHARS = 2000
MAX_LISTED = 1000
BINARY_SNIFF_BYTES = 8192
SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox",
     ".mypy_cache", ".pytest_cache", ".ruff_cache", ".idea"}
)


def walk_files(top: Path) -> Iterator[Path]:
    """Files under `top` in a stable order, skipping VCS, cache and dependency folders.

    Symlinked folders are not entered, so a walk never loops or leaves the workspace.
    """
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in sorted(files):
            yield Path(folder, name)


def is_binary(path: Path) -> bool:
    with path.open("rb") as handle:
        return b"\x00" in handle.read(BINARY_SNIFF_BYTES)


def check_text_file(path: Path, shown: str) -> None:
    """Refuse folders, missing and binary files with a reason the model can act on."""
    if path.is_dir():
        raise ToolError(f"{shown!r} is a folder; use list_files to see what it holds")
    if not path.exists():
        raise ToolError(f"{shown!r} does not exist")
    if is_binary(path):
        raise ToolError(f"{shown!r} is a binary file; only text files can be read")


def read_text(path: Path, shown: str) -> str:
    check_text_file(path, shown)
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        return handle.read()


def _read_file(args: Args, ctx: ToolContext) -> ToolResult:
    """Numbered lines, streamed so a huge log never has to fit in memory at once."""
    path = ctx.workspace.resolve(args["path"])
    offset = args.get("offset", 1)
    limit = args.get("limit", DEFAULT_READ_LINES)
    if offset < 1 or limit < 1:
        raise ToolError("offset and limit must be at least 1")
    check_text_file(path, args["path"])
    shown: list[str] = []
    total = 0
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        for total, line in enumerate(handle, start=1):
            if offset <= total < offset + limit:
                shown.append(f"{total:6}\t{line.rstrip(chr(13) + chr(10))[:MAX_LINE_CHARS]}")
    if total == 0:
        return ToolResult(f"{args['path']!r} is empty")
    if not shown:
        return ToolResult(f"[the file has {total} lines; offset {offset} is past the end]")
    last = offset + len(shown) - 1
    more = f"\n[showing lines {offset}-{last} of {total}; pass offset={last + 1} to read on]"
    return ToolResult("\n".join(shown) + (more if last < total else ""))


def _diff(shown: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"a/{shown}",
        tofile=f"b/{shown}",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _current(path: Path, shown: str) -> str:
    return read_text(path, shown) if path.exists() else ""


def _write_preview(args: Args, ctx: ToolContext) -> str:
    path = ctx.workspace.resolve(args["path"])
    shown = ctx.workspace.relative(path)
    return _diff(shown, _current(path, shown), args["content"]) or f"(no change to {shown})"


def _write_file(args: Args, ctx: ToolContext) -> ToolResult:
    path = ctx.workspace.resolve(args["path"])
    existed = path.exists()
    if path.is_dir():
        raise ToolError(f"{args['path']!r} is a folder")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(args["content"])
    verb = "overwrote" if existed else "created"
    lines = len(args["content"].splitlines())
    return ToolResult(f"{verb} {ctx.workspace.relative(path)} ({counted(lines, 'line')})")


def _edited(args: Args, ctx: ToolContext) -> tuple[Path, str, str]:
    """The file to edit with its text before and after the replacement, or ToolError."""
    path = ctx.workspace.resolve(args["path"])
    old, new = args["old_text"], args["new_text"]
    if not old:
        raise ToolError("old_text is empty; to create or replace a whole file use write_file")
    before = read_text(path, args["path"])
    count = before.count(old)
    if count == 0:
        raise ToolError(
            f"old_text was not found in {args['path']!r}; read the file and copy the text exactly"
        )
    if count > 1:
        raise ToolError(
            f"old_text occurs {count} times in {args['path']!r}; include more surrounding "
            "lines so it matches exactly once"
        )
    return path, before, before.replace(old, new, 1)


def _edit_preview(args: Args, ctx: ToolContext) -> str:
    path, before, after = _edited(args, ctx)
    return _diff(ctx.workspace.relative(path), before, after)


def _edit_file(args: Args, ctx: ToolContext) -> ToolResult:
    path, before, after = _edited(args, ctx)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(after)
    return ToolResult(_diff(ctx.workspace.relative(path), before, after) or "(no change)")


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob over relative paths: `**` spans folders, `*` and `?` stay within one name."""
    out = ""
    for part in re.split(r"(\*\*/|\*\*|\*|\?)", pattern):
        out += {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(part, re.escape(part))
    return re.compile(out + r"\Z")


def _list_files(args: Args, ctx: ToolContext) -> ToolResult:
    pattern = args.get("pattern") or "**"
    matcher = glob_regex(pattern.removeprefix("./"))
    by_name = "/" not in pattern  # "*.py" finds Python files at any depth, like find -name
    root = ctx.workspace.root
    found: list[str] = []
    for path in walk_files(root):
        rel = path.relative_to(root).as_posix()
        if matcher.match(path.name if by_name else rel):
            found.append(rel)
    if not found:
        return ToolResult(f"no files match {pattern!r}")
    listing = "\n".join(found[:MAX_LISTED])
    if len(found) > MAX_LISTED:
        listing += f"\n[{len(found) - MAX_LISTED} more not shown; use a narrower pattern]"
    return ToolResult(listing)


_PATH = {"type": "string", "description": "A path relative to the workspace."}

TOOLS = (
    Tool(
        "read_file",
        "Read a text file in the workspace. Lines come numbered; for long files read a range "
        f"with offset (first line, from 1) and limit (default {DEFAULT_READ_LINES} lines).",
        {"path": _PATH, "offset": {"type": "integer"}, "limit": {"type": "integer"}},
        ("path",),
        run=_read_file,
    ),
    Tool(
        "write_file",
        "Create a file, or replace a file's whole content. Folders are created as needed.",
        {"path": _PATH, "content": {"type": "string"}},
        ("path", "content"),
        run=_write_file,
        preview=_write_preview,
    ),
    Tool(
        "edit_file",
        "Replace old_text with new_text in a file. old_text must match exactly once "
        "(whitespace included); returns the unified diff of the change.",
        {"path": _PATH, "old_text": {"type": "string"}, "new_text": {"type": "string"}},
        ("path", "old_text", "new_text"),
        run=_edit_file,
        preview=_edit_preview,
    ),
    Tool(
        "list_files",
        "List files in the workspace (relative paths). pattern is a glob such as '**/*.py' or "
        "'src/*.ts'; a pattern without '/' matches file names at any depth. Version-control, "
        "cache and dependency folders are skipped.",
        {"pattern": {"type": "string"}},
        run=_list_files,
    ),
)
