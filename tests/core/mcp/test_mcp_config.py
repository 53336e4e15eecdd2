"""MCP servers in config.json and in the files of the other MCP clients, read as users wrote
them; and the promise that MCP costs the window nothing before its first paint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.core import settings
from desktop.core.mcp import config
from desktop.core.mcp.names import server_label, tool_name

CLAUDE_DESKTOP = {
    "mcpServers": {
        "filesystem": {
            "command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-filesystem", "/home/me/Desktop"],
        },
        "github": {"command": "docker", "args": ["run", "-i", "ghcr.io/github/server"],
                   "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_x"}},
    }
}
CLINE = {
    "mcpServers": {
        "weather": {"command": "node", "args": ["/srv/weather/index.js"], "env": {},
                    "disabled": True, "autoApprove": ["get_forecast"], "timeout": 60},
        "docs": {"type": "streamableHttp", "url": "https://docs.example/mcp",
                 "headers": {"Authorization": "Bearer t"}, "autoApprove": []},
        "legacy": {"type": "sse", "url": "https://old.example/sse"},
    }
}
CURSOR = {
    "mcpServers": {
        "linear": {"url": "https://mcp.linear.example/mcp", "headers": {"X-Key": "k"}},
        "local": {"command": "uvx", "args": ["mcp-server-time"]},
    }
}
GOOSE = """\
GOOSE_PROVIDER: anthropic
extensions:
  developer:
    bundled: true
    enabled: true
    name: developer
    timeout: 300
    type: builtin
  github:
    name: GitHub
    cmd: npx
    args: [-y, "@modelcontextprotocol/server-github"]
    envs:
      GITHUB_TOKEN: abc
    enabled: false
    type: stdio
    timeout: 300
  remote:
    name: Remote
    type: streamable_http
    uri: http://127.0.0.1:9000/mcp
    headers:
      X-Team: one
    enabled: true
"""


def test_config_json_servers_in_claude_desktops_shape_with_clines_keys() -> None:
    path = settings.config_path()
    path.write_text(json.dumps({"theme": "dark", "mcpServers": {
        **CLAUDE_DESKTOP["mcpServers"], **CLINE["mcpServers"],
        "broken": {"args": ["no command"]},
    }}))

    found = config.load()

    assert [s.name for s in found.servers] == ["filesystem", "github", "weather", "docs"]
    github = found.named("github")
    assert github is not None and github.transport == "stdio"
    assert github.env == {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_x"}
    weather = found.named("weather")
    assert weather is not None and weather.disabled and weather.auto_approve == ("get_forecast",)
    docs = found.named("docs")
    assert docs is not None and docs.transport == "http"
    assert docs.headers == {"Authorization": "Bearer t"}
    assert [s.name for s in found.enabled()] == ["filesystem", "github", "docs"]
    assert found.problems == (
        "legacy: transport 'sse' is not supported (use stdio or http)",
        "broken: a stdio server needs a command",
    )
    assert settings.load().theme == "dark"  # the app's own settings read past the servers


def test_disable_and_enable_write_config_json_and_keep_the_rest() -> None:
    path = settings.config_path()
    path.write_text(json.dumps({"theme": "dark", "mcpServers": CLINE["mcpServers"]}))

    config.set_disabled("docs", True)
    config.set_disabled("weather", False)
    settings.save(settings.load())  # the app saving its settings keeps the servers

    data = json.loads(path.read_text())
    assert data["theme"] == "dark"
    assert data["mcpServers"]["docs"]["disabled"] is True
    assert "disabled" not in data["mcpServers"]["weather"]
    assert data["mcpServers"]["weather"]["timeout"] == 60  # keys this app does not use stay
    with pytest.raises(KeyError):
        config.set_disabled("nobody", True)


def test_tool_names_are_what_the_messages_api_accepts() -> None:
    assert tool_name("notes", "add_note") == "mcp__notes__add_note"
    assert tool_name("web notes", "get.page") == "mcp__web_notes__get_page"
    assert len(tool_name("s" * 50, "t" * 50)) == 64
    assert server_label("mcp__notes__add_note") == "notes"
    assert server_label("read_file") is None


def test_nothing_of_mcp_loads_before_the_windows_first_paint() -> None:
    """The window starts through the CLI's parser and reads the settings before it paints;
    neither may import the SDK (nor YAML), and neither may the agent before a run starts."""
    probe = (
        "import sys, desktop.cli, desktop.core.settings, desktop.core.agent.recorder, "
        "desktop.core.mcp.config, desktop.core.mcp.status, desktop.core.mcp.run_servers;"
        "print(','.join(m for m in ('mcp', 'mcp_types', 'yaml', 'httpx2') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True,
        cwd=Path(__file__).parents[3],
    ).stdout.strip()
    assert loaded == ""


def test_the_window_paints_before_anything_of_mcp_is_loaded(tmp_path: Path) -> None:
    """The app as `agentdesk --demo` starts it, with a server configured: at its first paint
    neither the SDK nor a server has been touched."""
    settings.config_path().write_text(json.dumps({"mcpServers": {"notes": {
        "command": sys.executable, "args": ["-c", f"open({str(tmp_path / 'ran')!r}, 'w')"]}}}))
    child = (
        "import os, sys, benchmarks.first_paint as paint\n"
        "def report(at):\n"
        "    print('loaded:' + ','.join(m for m in ('mcp', 'mcp_types', 'yaml',"
        " 'desktop.core.mcp.connection') if m in sys.modules), flush=True)\n"
        "    os._exit(0)\n"
        "paint._report = report\n"
        "paint.app()\n"
    )
    painted = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, timeout=120,
        cwd=Path(__file__).parents[3], env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert painted.stdout.splitlines()[-1:] == ["loaded:"], painted.stderr
    assert not (tmp_path / "ran").exists()

