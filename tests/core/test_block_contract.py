"""Content is read as typed blocks (core/model/blocks.py): parsed once where it arrives, turned back
into dicts only where a request is built. A module that looks up "type" in a dict is reading
raw content, so outside the modules that speak the wire format that is a contract breach."""

from __future__ import annotations

import ast
from pathlib import Path, PurePosixPath

import desktop

DESKTOP = Path(desktop.__file__).parent

ALLOWED = {
    # The wire format itself: the parser, the stream's events, error bodies, the test server.
    "core/model/blocks.py": "parses API dicts into typed blocks and back",
    "core/model/reply.py": "folds the raw stream events (or a whole JSON message) into blocks",
    "core/model/errors.py": "reads an API error body's type",
    "core/demo/fake_turns.py": "the loopback server reads the requests it is sent",
    # A "type" that is no content block's.
    "core/review/archive.py": "an export file's kind (conversation or run)",
    "core/tools/__init__.py": "a tool argument's JSON Schema type",
    "core/mcp/config.py": "an MCP server entry's transport (stdio or http)",
    "core/mcp/importers.py": "the transport of a server in another app's config",
    "core/mcp/status.py": "an MCP tool's input JSON Schema type",
}
"""Paths relative to desktop/; a module matches the entry its path ends with, so a package
move only changes this list."""


def type_lookups(source: str) -> list[int]:
    """Lines that look up the key "type" in a dict: `x["type"]` or `x.get("type")`."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Subscript):
            key = node.slice
        elif (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get" and node.args
        ):
            key = node.args[0]
        else:
            continue
        if isinstance(key, ast.Constant) and key.value == "type":
            lines.append(node.lineno)
    return sorted(lines)


def allowed_by(module: PurePosixPath) -> str | None:
    """The allow-list entry `module` (relative to desktop/) ends with, if any."""
    for entry in ALLOWED:
        parts = PurePosixPath(entry).parts
        if module.parts[-len(parts):] == parts:
            return entry
    return None


def lookups_by_module() -> dict[PurePosixPath, list[int]]:
    found = {}
    for path in sorted(DESKTOP.rglob("*.py")):
        lines = type_lookups(path.read_text(encoding="utf-8"))
        if lines:
            found[PurePosixPath(path.relative_to(DESKTOP).as_posix())] = lines
    return found


def test_only_wire_format_modules_read_content_as_dicts() -> None:
    breaches = [f"desktop/{module}:{line}" for module, lines in lookups_by_module().items()
                if allowed_by(module) is None for line in lines]
    assert breaches == [], "read content through desktop.core.model.blocks instead"


def test_every_allowed_module_still_needs_its_entry() -> None:
    """An entry for a module that moved or was fixed is taken out, so none lingers unused."""
    used = {allowed_by(module) for module in lookups_by_module()}
    assert sorted(set(ALLOWED) - used) == []


def test_the_check_sees_subscripts_and_gets_but_not_dict_literals() -> None:
    source = (
        'kind = block["type"]\n'
        'other = block.get("type", "")\n'
        'made = {"type": "text", "text": kind}\n'
        'same = made == {"type": "text"}\n'
        'name = block["name"]\n'
    )
    assert type_lookups(source) == [1, 2]


def test_an_entry_matches_by_the_end_of_the_module_path() -> None:
    assert allowed_by(PurePosixPath("core/model/reply.py")) == "core/model/reply.py"
    assert allowed_by(PurePosixPath("agentdesk/core/model/reply.py")) == "core/model/reply.py"
    assert allowed_by(PurePosixPath("core/agent/conversation.py")) is None
    assert allowed_by(PurePosixPath("ui/core/conversation_reply.py")) is None
