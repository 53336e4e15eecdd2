"""Servers from the files other MCP clients keep, so a user's servers work here unchanged.

Claude Desktop's `claude_desktop_config.json`, Cline's `cline_mcp_settings.json`, Cursor's
and LM Studio's `mcp.json` all hold an `mcpServers` object (VS Code's `mcp.json` a `servers`
one) in the shape config.json uses; goose keeps YAML, `extensions:` with `cmd`, `envs`,
`enabled` and `uri`. Entries that cannot run here (goose's built-in extensions, SSE servers)
are reported as skipped, with why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.core.mcp.config import ConfigError, ServerConfig, parse_entry, parse_servers

GOOSE_HTTP = frozenset({"streamable_http", "streamable-http", "http"})


class ImportFailed(ValueError):
    """The file cannot be read as any of the formats; `str()` says why."""


@dataclass(frozen=True)
class Imported:
    """What a file holds: the servers it describes, and the entries left out (with why)."""

    source: str
    servers: tuple[ServerConfig, ...] = ()
    skipped: tuple[str, ...] = ()


def read_file(path: Path) -> Imported:
    """The servers in another client's configuration file; raises ImportFailed when the file
    cannot be read or holds no servers in a known format."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeError) as exc:
        raise ImportFailed(f"cannot read {path}: {exc}") from exc
    if path.suffix.lower() in (".yaml", ".yml"):
        return goose(_yaml(text, path))
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ImportFailed(f"{path} is not JSON: {exc}") from exc
    return mcp_json(data, path.name)


def mcp_json(data: Any, source: str = "mcp.json") -> Imported:
    """An `mcpServers` (or VS Code's `servers`) object, as Claude Desktop, Cline, Cursor and
    LM Studio write it."""
    if not isinstance(data, dict):
        raise ImportFailed(f"{source} does not hold a JSON object")
    key = "mcpServers" if "mcpServers" in data else "servers" if "servers" in data else None
    if key is None:
        raise ImportFailed(f"{source} has no mcpServers (nor servers) entry")
    found = parse_servers(data[key])
    return Imported(source, found.servers, found.problems)


def goose(data: Any, source: str = "config.yaml") -> Imported:
    """goose's `extensions:`: stdio ones with `cmd`, remote ones with `uri`."""
    extensions = data.get("extensions") if isinstance(data, dict) else None
    if not isinstance(extensions, dict):
        raise ImportFailed(f"{source} has no extensions entry")
    servers, skipped = [], []
    for key, entry in extensions.items():
        name = str(key)
        try:
            servers.append(parse_entry(name, _goose_entry(name, entry)))
        except ConfigError as exc:
            skipped.append(str(exc))
    return Imported(source, tuple(servers), tuple(skipped))


def _goose_entry(name: str, entry: Any) -> dict[str, Any]:
    """A goose extension in config.json's shape."""
    if not isinstance(entry, dict):
        raise ConfigError(f"{name}: not a mapping")
    kind = str(entry.get("type", "stdio"))
    common = {"disabled": entry.get("enabled") is False}
    if kind == "stdio":
        return {"command": entry.get("cmd"), "args": entry.get("args") or [],
                "env": entry.get("envs") or {}, **common}
    if kind in GOOSE_HTTP:
        return {"type": "http", "url": entry.get("uri"), "headers": entry.get("headers") or {},
                **common}
    raise ConfigError(f"{name}: goose's {kind} extensions run inside goose, not as a server")


def _yaml(text: str, path: Path) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ImportFailed(f"{path} is not YAML: {exc}") from exc
