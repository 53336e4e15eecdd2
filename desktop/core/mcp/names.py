"""The names MCP tools have for the model: `mcp__<server>__<tool>`, as other MCP clients use.

The Messages API accepts tool names of letters, digits, `_` and `-` up to 64 characters, so
anything else in a server's or a tool's name becomes `_`, and a longer name is cut.
"""

from __future__ import annotations

import re

PREFIX = "mcp__"
SEPARATOR = "__"
MAX_NAME = 64
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def tool_name(server: str, tool: str) -> str:
    """The name the model calls `tool` of `server` by."""
    return f"{PREFIX}{_safe(server)}{SEPARATOR}{_safe(tool)}"[:MAX_NAME]


def server_label(name: str) -> str | None:
    """The server a tool name belongs to (for a card's label), or None for a built-in tool."""
    if not name.startswith(PREFIX):
        return None
    server, _, _tool = name[len(PREFIX):].partition(SEPARATOR)
    return server or None


def is_mcp(name: str) -> bool:
    return name.startswith(PREFIX)


def _safe(part: str) -> str:
    return _UNSAFE.sub("_", part)
