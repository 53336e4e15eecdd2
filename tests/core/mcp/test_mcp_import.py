"""Servers imported from the files other MCP clients keep: Claude Desktop, Cline, Cursor and
LM Studio (JSON with `mcpServers`), and goose (YAML with `extensions:`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.core import settings
from desktop.core.mcp import config
from desktop.core.mcp.importers import ImportFailed, read_file
from tests.core.mcp.test_mcp_config import CLAUDE_DESKTOP, CLINE, CURSOR, GOOSE


@pytest.mark.parametrize(("file_name", "content", "names", "skipped"), [
    ("claude_desktop_config.json", json.dumps(CLAUDE_DESKTOP), ["filesystem", "github"], 0),
    ("cline_mcp_settings.json", json.dumps(CLINE), ["weather", "docs"], 1),
    ("mcp.json", json.dumps(CURSOR), ["linear", "local"], 0),
    ("config.yaml", GOOSE, ["github", "remote"], 1),
])
def test_import_reads_each_clients_format_into_config_json(
    tmp_path: Path, file_name: str, content: str, names: list[str], skipped: int
) -> None:
    source = tmp_path / file_name
    source.write_text(content)

    found = read_file(source)
    added = config.add(found.servers)

    assert list(added) == names and len(found.skipped) == skipped
    reread = config.load()
    assert [s.name for s in reread.servers] == names and not reread.problems
    assert [s.to_json() for s in reread.servers] == [s.to_json() for s in found.servers]
    assert config.add(found.servers) == ()  # a second import keeps what is there


def test_goose_extensions_become_servers() -> None:
    source = Path(settings.config_path().parent / "config.yaml")
    source.write_text(GOOSE)

    found = read_file(source)

    github, remote = found.servers
    assert (github.command, github.args) == ("npx", ("-y", "@modelcontextprotocol/server-github"))
    assert github.env == {"GITHUB_TOKEN": "abc"} and github.disabled
    assert (remote.transport, remote.url, remote.headers) == (
        "http", "http://127.0.0.1:9000/mcp", {"X-Team": "one"})
    assert found.skipped == ("developer: goose's builtin extensions run inside goose, "
                             "not as a server",)


@pytest.mark.parametrize(("file_name", "content", "why"), [
    ("mcp.json", "{not json", "is not JSON"),
    ("settings.json", json.dumps({"theme": "x"}), "has no mcpServers"),
    ("config.yaml", "extensions: [1, 2]", "has no extensions"),
    ("config.yaml", "a: [", "is not YAML"),
])
def test_import_refuses_files_that_hold_no_servers(
    tmp_path: Path, file_name: str, content: str, why: str
) -> None:
    source = tmp_path / file_name
    source.write_text(content)
    with pytest.raises(ImportFailed, match=why):
        read_file(source)
