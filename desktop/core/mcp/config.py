"""MCP servers in config.json, under `mcpServers`, in the format users already have.

Claude Desktop's shape: `{"name": {"command", "args", "env"}}` starts a server over stdio,
`{"type": "http", "url", "headers"}` reaches one over streamable HTTP. Cline's `disabled` and
`autoApprove: [tool, ...]` are honoured too, and `startTimeout` (seconds) and `sandbox` are
this app's own. An entry that cannot be used is reported, not fatal: the others still work.
Writes go through the whole file, keeping every other key (the app's settings among them).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from desktop.core import paths, settings

KEY = "mcpServers"
DEFAULT_START_TIMEOUT_S = 30.0
HTTP_TYPES = frozenset({"http", "streamable-http", "streamable_http", "streamableHttp"})
STDIO_TYPES = frozenset({"stdio", ""})
Transport = Literal["stdio", "http"]


class ConfigError(ValueError):
    """An entry that cannot describe a server; `str()` says which and why."""


@dataclass(frozen=True)
class ServerConfig:
    """One server as configured: how to reach it, and how its tools are treated."""

    name: str
    command: str = ""
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    url: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    disabled: bool = False
    auto_approve: tuple[str, ...] = ()
    """Tools that run without asking (where the run's policy would ask)."""
    start_timeout_s: float = DEFAULT_START_TIMEOUT_S
    sandbox: bool = False
    """Run this stdio server in the command sandbox when the run's commands are sandboxed."""
    cwd: str = ""

    @property
    def transport(self) -> Transport:
        return "http" if self.url else "stdio"

    def describe(self) -> str:
        """One line: the command it runs or the address it talks to."""
        if self.transport == "http":
            return self.url
        return " ".join([self.command, *self.args])

    def to_json(self) -> dict[str, Any]:
        """The entry as config.json keeps it (defaults left out)."""
        data: dict[str, Any]
        if self.transport == "http":
            data = {"type": "http", "url": self.url}
            if self.headers:
                data["headers"] = dict(self.headers)
        else:
            data = {"command": self.command, "args": list(self.args)}
            if self.env:
                data["env"] = dict(self.env)
            if self.cwd:
                data["cwd"] = self.cwd
        if self.disabled:
            data["disabled"] = True
        if self.auto_approve:
            data["autoApprove"] = list(self.auto_approve)
        if self.start_timeout_s != DEFAULT_START_TIMEOUT_S:
            data["startTimeout"] = self.start_timeout_s
        if self.sandbox:
            data["sandbox"] = True
        return data


@dataclass(frozen=True)
class ServerList:
    """The configured servers, and the entries that could not be read (with why)."""

    servers: tuple[ServerConfig, ...] = ()
    problems: tuple[str, ...] = ()

    def enabled(self) -> tuple[ServerConfig, ...]:
        return tuple(s for s in self.servers if not s.disabled)

    def named(self, name: str) -> ServerConfig | None:
        return next((s for s in self.servers if s.name == name), None)


def parse_entry(name: str, entry: Any) -> ServerConfig:
    """A server from its JSON object; raises ConfigError when it cannot be one."""
    if not isinstance(entry, dict):
        raise ConfigError(f"{name}: not a JSON object")
    kind, url = str(entry.get("type", "")), entry.get("url", "")
    if kind in HTTP_TYPES or (not kind and url):
        if not (isinstance(url, str) and url.startswith(("http://", "https://"))):
            raise ConfigError(f"{name}: an HTTP server needs an http(s) url")
    elif kind in STDIO_TYPES:
        url = ""
        if not (isinstance(entry.get("command"), str) and entry["command"].strip()):
            raise ConfigError(f"{name}: a stdio server needs a command")
    else:
        raise ConfigError(f"{name}: transport {kind!r} is not supported (use stdio or http)")
    timeout = entry.get("startTimeout", DEFAULT_START_TIMEOUT_S)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigError(f"{name}: startTimeout must be a positive number of seconds")
    return ServerConfig(
        name=name,
        command="" if url else entry["command"].strip(),
        args=_strings(name, "args", entry.get("args", [])),
        env=_mapping(name, "env", entry.get("env", {})),
        url=url,
        headers=_mapping(name, "headers", entry.get("headers", {})),
        disabled=entry.get("disabled") is True,
        auto_approve=_strings(name, "autoApprove", entry.get("autoApprove", [])),
        start_timeout_s=float(timeout),
        sandbox=entry.get("sandbox") is True,
        cwd=entry["cwd"] if isinstance(entry.get("cwd"), str) else "",
    )


def parse_servers(entries: Any) -> ServerList:
    """The servers of an `mcpServers` object; unusable entries become problems."""
    if entries is None:
        return ServerList()
    if not isinstance(entries, dict):
        return ServerList(problems=(f"{KEY} is not a JSON object",))
    servers, problems = [], []
    for name, entry in entries.items():
        try:
            servers.append(parse_entry(str(name), entry))
        except ConfigError as exc:
            problems.append(str(exc))
    return ServerList(tuple(servers), tuple(problems))


def load(path: Path | None = None) -> ServerList:
    """The servers configured in config.json (none when it is missing or unreadable)."""
    return parse_servers(_read(path).get(KEY))


def add(servers: Iterable[ServerConfig], path: Path | None = None) -> tuple[str, ...]:
    """Add servers to config.json; a name already there is kept as it is. Returns the names
    added. Raises OSError when the file cannot be written."""
    data = _read(path)
    entries = data.get(KEY) if isinstance(data.get(KEY), dict) else {}
    added = []
    for server in servers:
        if server.name not in entries:
            entries[server.name] = server.to_json()
            added.append(server.name)
    data[KEY] = entries
    paths.write_json(path or settings.config_path(), data)
    return tuple(added)


def set_disabled(name: str, disabled: bool, path: Path | None = None) -> None:
    """Disable or enable a server in config.json, leaving the rest of its entry as written.
    Raises KeyError for an unknown server, OSError when the file cannot be written."""
    data = _read(path)
    entries = data.get(KEY)
    if not isinstance(entries, dict) or not isinstance(entries.get(name), dict):
        raise KeyError(name)
    entry = dict(entries[name])
    if disabled:
        entry["disabled"] = True
    else:
        entry.pop("disabled", None)
    data[KEY] = {**entries, name: entry}
    paths.write_json(path or settings.config_path(), data)


def _read(path: Path | None) -> dict[str, Any]:
    try:
        data = json.loads((path or settings.config_path()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _strings(name: str, key: str, value: Any) -> tuple[str, ...]:
    if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise ConfigError(f"{name}: {key} must be a list of strings")
    return tuple(value)


def _mapping(name: str, key: str, value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{name}: {key} must be an object of strings")
    return {str(k): str(v) for k, v in value.items()}
