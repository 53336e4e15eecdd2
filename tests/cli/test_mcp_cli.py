"""`agentdesk mcp list | import | enable | disable` against config.json in AGENTDESK_HOME, with
real servers started (and stopped) by `list`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.commands.runs import _Terminal
from desktop.core import settings
from desktop.core.events import McpServerFailed, McpServerRestarted, McpServerStarted
from tests.core.mcp.test_mcp_runtime import SERVER, assert_all_gone

ANOTHER_CLIENT = {
    "mcpServers": {
        "notes": {"command": sys.executable, "args": [str(SERVER)],
                  "autoApprove": ["read_note"]},
        "remote": {"type": "http", "url": "http://127.0.0.1:9/mcp"},
    }
}


def agentdesk(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_import_then_list_without_starting(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "claude_desktop_config.json"
    source.write_text(json.dumps(ANOTHER_CLIENT))

    code, out, _ = agentdesk(capsys, "mcp", "import", str(source))

    assert code == 0
    assert out.splitlines() == ["added notes", "added remote",
                                "2 servers added from claude_desktop_config.json"]
    code, out, _ = agentdesk(capsys, "mcp", "import", str(source))
    assert "kept notes: a server of that name is configured already" in out
    code, out, _ = agentdesk(capsys, "mcp", "disable", "remote")
    assert (code, out) == (0, "remote disabled\n")
    code, out, _ = agentdesk(capsys, "mcp", "list", "--no-start", "--json")
    listed = [json.loads(line) for line in out.splitlines()]
    assert [(s["name"], s["state"]) for s in listed] == [("notes", "not started"),
                                                         ("remote", "disabled")]
    assert json.loads(settings.config_path().read_text())["mcpServers"]["remote"]["disabled"]


def test_list_starts_each_server_and_shows_its_tools_or_why_it_failed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pid_file = tmp_path / "pids"
    servers = {
        "notes": {"command": sys.executable, "args": [str(SERVER), "--pid-file", str(pid_file)],
                  "autoApprove": ["read_note"]},
        "broken": {"command": sys.executable,
                   "args": [str(SERVER), "--fail", "--pid-file", str(pid_file)]},
    }
    settings.config_path().write_text(json.dumps({"mcpServers": servers}))

    code, out, _ = agentdesk(capsys, "mcp", "list")

    assert code == 1  # one server does not work
    notes, broken = out.split("\nbroken  ")
    assert notes.startswith("notes  [ready]  stdio: ")
    assert "    mcp__notes__add_note (asks)  Keep a note under a title." in notes
    assert "    mcp__notes__read_note  A note by its title" in notes
    assert "resources: notes://all (all_notes)" in notes and "prompts: summarise" in notes
    assert broken.startswith("[failed]")
    assert "error: it exited with code 3 before it answered" in broken
    assert "| notes server: no notebook configured" in broken
    assert_all_gone(pid_file)


def test_unreadable_files_and_unknown_servers_fail_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "mcp.json"
    source.write_text("{}")
    code, _, err = agentdesk(capsys, "mcp", "import", str(source))
    assert (code, err) == (1, "error: mcp.json has no mcpServers (nor servers) entry\n")
    code, _, err = agentdesk(capsys, "mcp", "enable", "nobody")
    assert (code, err) == (1, "error: no MCP server named 'nobody' in the settings\n")


def test_a_run_in_the_terminal_says_what_its_servers_did(
    capsys: pytest.CaptureFixture[str],
) -> None:
    terminal = _Terminal()
    for event in (McpServerStarted("notes", ("mcp__notes__add_note",), 41),
                  McpServerRestarted("notes", "the server stopped (exit code 7)", 42),
                  McpServerFailed("stuck", "it did not answer within 2 s", "one\ntwo")):
        terminal.show(event)

    assert capsys.readouterr().out.splitlines() == [
        "mcp: notes is ready (1 tool)",
        "mcp: notes stopped (the server stopped (exit code 7)) and was started again",
        "mcp: stuck failed: it did not answer within 2 s",
        "   | one",
        "   | two",
    ]
