"""The core API the settings page uses: configured servers with their last status (starting,
ready, failed with why and stderr), their tools, resources and prompts, a probe to test one,
and enable/disable written to config.json. Real servers, started and stopped by the probe."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from desktop.core import settings
from desktop.core.mcp import config
from desktop.core.mcp.probe import probe, probe_all
from desktop.core.mcp.status import ServerStatus, StatusBoard
from tests.core.mcp.test_mcp_runtime import SERVER, assert_all_gone


def test_probing_shows_each_server_ready_with_what_it_offers_or_failed_with_why(
    tmp_path: Path,
) -> None:
    pid_file = tmp_path / "pids"
    args = [str(SERVER), "--pid-file", str(pid_file)]
    settings.config_path().write_text(json.dumps({"mcpServers": {
        "notes": {"command": sys.executable, "args": args},
        "broken": {"command": sys.executable, "args": [*args, "--fail"]},
        "off": {"command": sys.executable, "args": args, "disabled": True},
    }}))
    servers = config.load().servers
    board = StatusBoard()
    seen: list[tuple[str, str]] = []
    stop_watching = board.watch(lambda status: seen.append((status.name, status.state)))

    assert [s.state for s in board.statuses(servers)] == ["stopped"] * 3
    asyncio.run(probe_all(config.load().enabled(), board=board))
    stop_watching()

    notes, broken, off = board.statuses(servers)
    assert notes.state == "ready" and notes.pid is None  # the probe stopped it again
    assert [t.model_name for t in notes.tools][:2] == ["mcp__notes__add_note",
                                                      "mcp__notes__read_note"]
    assert notes.tools[0].input_schema["required"] == ["title", "body"]
    assert notes.resources == ("notes://all (all_notes)",) and notes.prompts == ("summarise",)
    assert "starting" in notes.stderr
    assert broken.state == "failed" and broken.error == "it exited with code 3 before it answered"
    assert broken.stderr.endswith("notes server: no notebook configured")
    assert off == ServerStatus("off")
    assert ("notes", "starting") in seen and ("notes", "ready") in seen
    assert ("broken", "failed") in seen
    asyncio.run(probe(servers[0], board=board))
    assert len(seen) == 4  # no longer watched
    assert_all_gone(pid_file)


def test_enabling_and_disabling_is_what_the_next_run_starts() -> None:
    settings.config_path().write_text(json.dumps({"mcpServers": {
        "notes": {"command": "notes-mcp"}, "web": {"type": "http", "url": "http://127.0.0.1:1/"},
    }}))

    config.set_disabled("notes", True)
    assert [s.name for s in config.load().enabled()] == ["web"]
    config.set_disabled("notes", False)
    assert [s.name for s in config.load().enabled()] == ["notes", "web"]
