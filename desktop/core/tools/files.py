"""File tools: read_file, write_file, edit_file, list_files.

Every path goes through `Workspace.resolve`, so none of them can reach outside the workspace.
Writes keep the file's own line endings (files are read and written with newline="").
"""

from __future__ import annotations

import difflib
import io
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from desktop.core.tools.base import Args, Tool, ToolContext, ToolError, ToolResult
from desktop.core.tools.patterns import MATCH_TIMEOUT_S, Pattern, compile_pattern, too_slow
from desktop.core.wording import counted

DEFAULT_READ_LINES = 2000
MAX_READ_LINES = 2000
"""A larger limit is cut to this: the model's limit must not decide how much memory a read takes."""
MAX_LINE_CHARS = 2000
MAX_LISTED = 1000
BINARY_SNIFF_BYTES = 8192
SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox",
     ".mypy_cache", ".pytest_cache", ".ruff_cache", ".idea"}
)


def walk_files(top: Path) -> Iterator[Path]:
    """Files under `top` in a stable order, skipping VCS, cache and dependency folders.

    Symlinked folders are not entered, so a walk never loops or leaves the workspace; a
    symlinked file is yielded like any other, and whoever opens it goes through `open_fd`.
    """
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in sorted(files):
            yield Path(folder, name)


@contextmanager
def open_text(ctx: ToolContext, path: str) -> Iterator[TextIO]:
    """The workspace's regular text file `path`, read through its verified descriptor."""
    fd = ctx.workspace.open_fd(path)
    with os.fdopen(fd, "rb") as raw:
        if b"\x00" in raw.read(BINARY_SNIFF_BYTES):
            raise ToolError(f"{path!r} is a binary file; only text files can be read")
        raw.seek(0)
        yield io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")


def _missing_or_folder(ctx: ToolContext, shown: str) -> None:
    """Refuse folders and missing files with a reason the model can act on."""
    path = ctx.workspace.resolve(shown)
    if path.is_dir():
        raise ToolError(f"{shown!r} is a folder; use list_files to see what it holds")
    if not path.exists():
        raise ToolError(f"{shown!r} does not exist")


def read_text(ctx: ToolContext, shown: str) -> str:
    _missing_or_folder(ctx, shown)
    with open_text(ctx, shown) as handle:
        return handle.read()


def _lines(handle: TextIO) -> Iterator[str]:
    """The file's lines cut to MAX_LINE_CHARS, never holding more than that of a long line."""
    while piece := handle.readline(MAX_LINE_CHARS):
        line = piece
        while not piece.endswith(("\n", "\r")) and (piece := handle.readline(MAX_LINE_CHARS)):
            continue
        yield line.rstrip("\r\n")


def _read_file(args: Args, ctx: ToolContext) -> ToolResult:
    """Numbered lines, streamed so a huge log never has to fit in memory at once."""
    offset = args.get("offset", 1)
    limit = args.get("limit", DEFAULT_READ_LINES)
    if offset < 1 or limit < 1:
        raise ToolError("offset and limit must be at least 1")
    limit = min(limit, MAX_READ_LINES)
    _missing_or_folder(ctx, args["path"])
    shown: list[str] = []
    total = 0
    with open_text(ctx, args["path"]) as handle:
        for total, line in enumerate(_lines(handle), start=1):
            if offset <= total < offset + limit:
                shown.append(f"{total:6}\t{line}")
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


def _current(ctx: ToolContext, shown: str) -> str:
    return read_text(ctx, shown) if ctx.workspace.resolve(shown).exists() else ""


def _link_warning(ctx: ToolContext, shown: str) -> str:
    """A line for the approval preview when the file has other names (hard links).

    Showing it is what lets the write through: `_write_through` refuses such a file unless
    its warning was in the preview the user answered.
    """
    path = ctx.workspace.resolve(shown)
    try:
        info = path.stat()
    except OSError:
        return ""
    if info.st_nlink < 2 or not path.is_file():
        return ""
    ctx.shown_links.add((info.st_dev, info.st_ino))
    return (f"WARNING: {shown} has {info.st_nlink} hard links: this change also changes the "
            "file under its other names, which may be outside the workspace.\n")


def _write_preview(args: Args, ctx: ToolContext) -> str:
    shown = ctx.workspace.relative(ctx.workspace.resolve(args["path"]))
    diff = _diff(shown, _current(ctx, args["path"]), args["content"])
    return _link_warning(ctx, args["path"]) + (diff or f"(no change to {shown})")


def _write_through(ctx: ToolContext, shown: str, text: str) -> None:
    """Replace the file's content through its verified descriptor (see Workspace.open_fd)."""
    fd = ctx.workspace.open_fd(shown, write=True)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        info = os.fstat(fd)
        if info.st_nlink > 1 and (info.st_dev, info.st_ino) not in ctx.shown_links:
            raise ToolError(
                f"{shown!r} has {info.st_nlink} hard links, so writing it would also change "
                "the file under its other names, maybe outside the workspace; it is refused "
                "unless the user approves the write when asked"
            )
        ctx.shown_links.discard((info.st_dev, info.st_ino))
        os.ftruncate(fd, 0)
        handle.write(text)


def _write_file(args: Args, ctx: ToolContext) -> ToolResult:
    path = ctx.workspace.resolve(args["path"])
    existed = path.exists()
    if path.is_dir():
        raise ToolError(f"{args['path']!r} is a folder")
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_through(ctx, args["path"], args["content"])
    verb = "overwrote" if existed else "created"
    lines = len(args["content"].splitlines())
    return ToolResult(f"{verb} {ctx.workspace.relative(path)} ({counted(lines, 'line')})")


def _edited(args: Args, ctx: ToolContext) -> tuple[Path, str, str]:
    """The file to edit with its text before and after the replacement, or ToolError."""
    path = ctx.workspace.resolve(args["path"])
    old, new = args["old_text"], args["new_text"]
    if not old:
        raise ToolError("old_text is empty; to create or replace a whole file use write_file")
    before = read_text(ctx, args["path"])
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
    return _link_warning(ctx, args["path"]) + _diff(ctx.workspace.relative(path), before, after)


def _edit_file(args: Args, ctx: ToolContext) -> ToolResult:
    path, before, after = _edited(args, ctx)
    _write_through(ctx, args["path"], after)
    return ToolResult(_diff(ctx.workspace.relative(path), before, after) or "(no change)")


def glob_regex(pattern: str) -> Pattern[str]:
    """A glob over relative paths: `**` spans folders, `*` and `?` stay within one name."""
    out = ""
    for part in re.split(r"(\*\*/|\*\*|\*|\?)", pattern):
        out += {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(part, re.escape(part))
    return compile_pattern(out + r"\Z", "the pattern")


def _list_files(args: Args, ctx: ToolContext) -> ToolResult:
    pattern = args.get("pattern") or "**"
    matcher = glob_regex(pattern.removeprefix("./"))
    by_name = "/" not in pattern  # "*.py" finds Python files at any depth, like find -name
    root = ctx.workspace.root
    deadline = time.monotonic() + MATCH_TIMEOUT_S
    found: list[str] = []
    for path in walk_files(root):
        rel = path.relative_to(root).as_posix()
        try:
            left = max(0.0, deadline - time.monotonic())
            if matcher.match(path.name if by_name else rel, timeout=left, concurrent=True):
                found.append(rel)
        except TimeoutError as exc:
            raise too_slow("the pattern") from exc
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
