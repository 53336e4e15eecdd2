"""MCP servers as agent tools, end to end: a real FastMCP notes server as a subprocess (stdio)
or on 127.0.0.1 (HTTP), configured in config.json, called by the scripted model through the
loopback Messages API and the real agent loop, with the permission policy in between.

Every server appends its pid (and its child's) to a file; each test checks by pid that no
process is left once the run has ended, crashed, timed out or been cancelled.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop.core import settings
from desktop.core.agent import sandbox
from desktop.core.agent.permissions import Policy
from desktop.core.agent.recorder import ActiveRun
from desktop.core.agent.sandbox import SandboxExecutor
from desktop.core.demo.fake_api import FakeAPI, ToolUse, Turn
from desktop.core.events import (
    ApprovalNeeded,
    Decision,
    McpServerFailed,
    McpServerRestarted,
    McpServerStarted,
    RunCancelled,
    RunEvent,
    RunFinished,
    ToolCallFinished,
)
from desktop.core.mcp.config import parse_entry
from desktop.core.mcp.connection import Connection, ServerError
from desktop.core.mcp.status import BOARD
from desktop.core.review.archive import run_text
from desktop.core.store.database import Store
from tests.core.agent.test_agent import of_type, play
from tests.processes import group_ended

SERVER = Path(__file__).parents[2] / "mcp_servers" / "notes_server.py"


def configure(servers: dict[str, Any]) -> None:
    """Write the servers into the app's config.json, as a user would."""
    path = settings.config_path()
    path.write_text(json.dumps({"theme": "dark", "mcpServers": servers}), encoding="utf-8")


def stdio(pid_file: Path, *flags: str, **extra: Any) -> dict[str, Any]:
    return {"command": sys.executable, "args": [str(SERVER), "--pid-file", str(pid_file), *flags],
            **extra}


def pids(pid_file: Path) -> list[int]:
    return [int(line) for line in pid_file.read_text().split()] if pid_file.exists() else []


def assert_all_gone(pid_file: Path) -> None:
    started = pids(pid_file)
    assert started, "the server never wrote its pid"
    for pid in started:
        assert group_ended(pid), f"process {pid} is still running"
        assert not _alive(pid), f"process {pid} is still running"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def results_sent(api: FakeAPI) -> dict[str, Any]:
    """Every tool_result the model was sent, by tool-use id."""
    found: dict[str, Any] = {}
    for request in api.requests:
        for message in request["body"]["messages"]:
            if isinstance(message["content"], list):
                for block in message["content"]:
                    if block.get("type") == "tool_result":
                        found[block["tool_use_id"]] = block
    return found


def text_of(block: dict[str, Any]) -> str:
    content = block["content"]
    return content if isinstance(content, str) else content[0]["text"]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    return root


def test_notes_server_tools_are_offered_asked_for_and_their_results_reach_the_model(
    fake_api: FakeAPI, store: Store, workspace: Path, tmp_path: Path
) -> None:
    pid_file = tmp_path / "pids"
    configure({"notes": stdio(pid_file, "--child", autoApprove=["read_note"])})
    fake_api.add(
        Turn("Saving it.", (ToolUse("mcp__notes__add_note",
                                    {"title": "groceries", "body": "eggs"}, id="t_add"),)),
        Turn("Reading it back.", (ToolUse("mcp__notes__read_note", {"title": "groceries"},
                                          id="t_read"),)),
        Turn("A picture.", (ToolUse("mcp__notes__sketch", {}, id="t_sketch"),)),
        Turn("Your note is saved."),
    )
    asked: list[ApprovalNeeded] = []

    def answer(request: ApprovalNeeded) -> Decision:
        asked.append(request)
        return Decision(allow=True)

    run_id, events = play(store, fake_api, workspace, answer=answer)

    assert isinstance(events[-1], RunFinished)
    [started] = of_type(events, McpServerStarted)
    assert started.server == "notes" and "mcp__notes__add_note" in started.tools
    offered = {tool["name"]: tool for tool in fake_api.requests[0]["body"]["tools"]}
    assert "read_file" in offered  # the built-in tools stay
    add = offered["mcp__notes__add_note"]
    assert add["description"].startswith("[notes] Keep a note")
    assert set(add["input_schema"]["properties"]) == {"title", "body"}
    # default ask for the server's tools; autoApprove lets read_note run without asking
    assert [r.name for r in asked] == ["mcp__notes__add_note", "mcp__notes__sketch"]
    assert "MCP server 'notes'" in asked[0].preview and "groceries" in asked[0].preview
    sent = results_sent(fake_api)
    assert "saved note 'groceries'" in text_of(sent["t_add"])
    assert json.loads(text_of(sent["t_read"])) == {"title": "groceries", "body": "eggs"}
    image = sent["t_sketch"]["content"][1]
    assert image["type"] == "image" and image["source"]["media_type"] == "image/png"
    assert all(not block["is_error"] for block in sent.values())
    recorded = [stored.type for stored in store.events(run_id)]
    assert "McpServerStarted" in recorded
    finished = [e for e in store.events(run_id) if e.type == "ToolCallFinished"]
    assert finished[2].event().content[0]["type"] == "image"  # stored, so a resume sends it
    assert_all_gone(pid_file)
    assert len(pids(pid_file)) == 2  # the server and its child
    status = BOARD.get("notes")
    assert status.state == "ready" and status.pid is None
    assert "mcp__notes__sketch" in [tool.model_name for tool in status.tools]


def test_the_policy_still_decides_before_any_server_is_called(
    fake_api: FakeAPI, store: Store, workspace: Path, tmp_path: Path
) -> None:
    pid_file = tmp_path / "pids"
    configure({"notes": stdio(pid_file)})
    fake_api.add(
        Turn("", (ToolUse("mcp__notes__add_note", {"title": "a", "body": "b"}, id="t1"),)),
        Turn("", (ToolUse("mcp__notes__nothing", {}, id="t2"),)),
        Turn("Could not."),
    )

    _, events = play(store, fake_api, workspace, policy=Policy.from_approve("reads"))

    sent = results_sent(fake_api)
    assert sent["t1"]["is_error"] and "does not allow mcp__notes__add_note" in sent["t1"]["content"]
    assert sent["t2"]["is_error"] and "unknown tool" in sent["t2"]["content"]
    assert not of_type(events, ApprovalNeeded)
    assert_all_gone(pid_file)


def test_a_server_that_crashes_is_restarted_once_then_its_tools_answer_errors(
    fake_api: FakeAPI, store: Store, workspace: Path, tmp_path: Path
) -> None:
    pid_file = tmp_path / "pids"
    configure({"notes": stdio(pid_file)})
    fake_api.add(
        Turn("", (ToolUse("mcp__notes__crash", {}, id="crash1"),)),
        Turn("", (ToolUse("mcp__notes__add_note", {"title": "a", "body": "b"}, id="after1"),)),
        Turn("", (ToolUse("mcp__notes__crash", {}, id="crash2"),)),
        Turn("", (ToolUse("mcp__notes__add_note", {"title": "a", "body": "b"}, id="after2"),)),
        Turn("The notes server keeps crashing."),
    )

    run_id, events = play(store, fake_api, workspace, policy=Policy.from_approve("all"))

    assert isinstance(events[-1], RunFinished)
    sent = results_sent(fake_api)
    assert sent["crash1"]["is_error"] and "exit code 7" in sent["crash1"]["content"]
    assert not sent["after1"]["is_error"] and "saved note" in sent["after1"]["content"]
    assert sent["crash2"]["is_error"]
    assert sent["after2"]["is_error"] and "not available" in sent["after2"]["content"]
    [restarted] = of_type(events, McpServerRestarted)
    assert "exit code 7" in restarted.reason and restarted.pid != events[1].pid
    [failed] = of_type(events, McpServerFailed)
    assert "not restarted" in failed.error and "crashing on purpose" in failed.stderr
    assert len(pids(pid_file)) == 2  # started once, restarted once, never a third time
    assert_all_gone(pid_file)
    transcript = run_text(store, run_id, "md")
    assert "_(MCP server notes ready: 6 tools)_" in transcript
    assert "_(MCP server notes stopped (the server stopped (exit code 7)) and was restarted)_" \
        in transcript
    assert "notes server: crashing on purpose" in transcript.split("failed:")[1]


@pytest.mark.parametrize(("flag", "timeout", "why", "printed"), [
    ("--hang", 2, "did not answer within 2 s", "a lock that never frees"),
    ("--fail", 30, "exited with code 3", "no notebook configured"),
])
def test_a_server_that_cannot_start_is_reported_with_its_stderr_and_the_run_goes_on(
    fake_api: FakeAPI, store: Store, workspace: Path, tmp_path: Path,
    flag: str, timeout: int, why: str, printed: str,
) -> None:
    pid_file = tmp_path / "pids"
    configure({"stuck": stdio(pid_file, flag, startTimeout=timeout),
               "notes": stdio(tmp_path / "notes-pids")})
    fake_api.add(Turn("", (ToolUse("mcp__stuck__add_note", {}, id="t1"),)), Turn("Done."))
    began = time.monotonic()

    _, events = play(store, fake_api, workspace)

    assert time.monotonic() - began < 20
    [failed] = of_type(events, McpServerFailed)
    assert failed.server == "stuck" and why in failed.error and printed in failed.stderr
    assert [e.server for e in of_type(events, McpServerStarted)] == ["notes"]
    offered = [tool["name"] for tool in fake_api.requests[0]["body"]["tools"]]
    assert "mcp__notes__add_note" in offered
    assert not any(name.startswith("mcp__stuck__") for name in offered)
    assert "unknown tool" in results_sent(fake_api)["t1"]["content"]
    status = BOARD.get("stuck")
    assert status.state == "failed" and why in status.error and printed in status.stderr
    assert_all_gone(pid_file)
    assert_all_gone(tmp_path / "notes-pids")


def test_disabled_servers_do_not_start(
    fake_api: FakeAPI, store: Store, workspace: Path, tmp_path: Path
) -> None:
    pid_file = tmp_path / "pids"
    configure({"notes": stdio(pid_file, disabled=True)})
    fake_api.add(Turn("Nothing to do."))

    _, events = play(store, fake_api, workspace)

    assert not of_type(events, McpServerStarted)
    assert not pids(pid_file)


def test_a_cancelled_run_leaves_no_server_process(
    fake_api: FakeAPI, store: Store, workspace: Path, tmp_path: Path
) -> None:
    pid_file = tmp_path / "pids"
    configure({"notes": stdio(pid_file, "--child")})
    fake_api.add(Turn("", (ToolUse("mcp__notes__add_note", {"title": "a", "body": "b"}),)))

    def cancel_when_asked(run: ActiveRun, event: RunEvent) -> None:
        if isinstance(event, ApprovalNeeded):
            assert all(_alive(pid) for pid in pids(pid_file))
            run.cancel()

    _, events = play(store, fake_api, workspace, on_event=cancel_when_asked)

    assert isinstance(events[-1], RunCancelled)
    assert len(pids(pid_file)) == 2
    assert_all_gone(pid_file)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The notes server over streamable HTTP on 127.0.0.1; its URL and pid file."""
    port, pid_file = free_port(), tmp_path / "http-pids"
    server = subprocess.Popen(
        [sys.executable, str(SERVER), "--http", str(port), "--pid-file", str(pid_file)],
        stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, "the HTTP server exited"
                assert time.monotonic() < deadline, "the HTTP server did not listen in time"
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp", pid_file
    finally:
        os.killpg(server.pid, 9)
        server.wait(timeout=10)


def test_an_http_server_is_reached_with_its_headers(
    fake_api: FakeAPI, store: Store, workspace: Path, http_server: tuple[str, Path]
) -> None:
    url, pid_file = http_server
    configure({"web notes": {"type": "http", "url": url, "headers": {"X-Team": "tests"},
                             "autoApprove": ["add_note", "team"]}})
    fake_api.add(
        Turn("", (ToolUse("mcp__web_notes__add_note", {"title": "a", "body": "b"}, id="t1"),
                  ToolUse("mcp__web_notes__team", {}, id="t2"))),
        Turn("Saved."),
    )

    _, events = play(store, fake_api, workspace)

    [started] = of_type(events, McpServerStarted)
    assert started.server == "web notes" and started.pid is None
    sent = results_sent(fake_api)
    assert "saved note 'a'" in sent["t1"]["content"]
    assert sent["t2"]["content"] == "tests"
    assert not any(finished.is_error for finished in of_type(events, ToolCallFinished))
    assert not of_type(events, ApprovalNeeded)
    assert all(_alive(pid) for pid in pids(pid_file))  # the app does not own an HTTP server


@pytest.mark.skipif(bool(sandbox.unavailable()),
                    reason=f"no working bubblewrap: {sandbox.unavailable()}")
def test_a_server_that_asks_for_the_sandbox_runs_in_it_when_commands_do(
    fake_api: FakeAPI, store: Store, workspace: Path
) -> None:
    pid_file = workspace / "pids"  # the sandbox's /tmp is its own: only the workspace is shared
    script = workspace / SERVER.name  # so is the server's script, wherever the tests live
    shutil.copy(SERVER, script)
    configure({"notes": {"command": sys.executable, "sandbox": True,
                         "args": [str(script), "--pid-file", str(pid_file)]}})
    fake_api.add(
        Turn("", (ToolUse("mcp__notes__add_note", {"title": "a", "body": "b"}, id="t1"),)),
        Turn("Saved."),
    )

    _, events = play(store, fake_api, workspace, policy=Policy.from_approve("all"),
                     executor=SandboxExecutor())

    [started] = of_type(events, McpServerStarted)
    [inside] = pids(pid_file)
    assert inside != started.pid and inside < 10  # its own PID namespace: bubblewrap's jail
    assert "saved note 'a'" in results_sent(fake_api)["t1"]["content"]
    assert group_ended(started.pid) and not _alive(started.pid)


def test_quitting_the_app_with_a_server_running_leaves_no_process(tmp_path: Path) -> None:
    """The window quits with its loop neither stopped nor closed: the exit itself kills the
    server's group, the child that outlives its stdin too."""
    pid_file = tmp_path / "pids"
    entry = stdio(pid_file, "--child")
    app = (
        "import asyncio, pathlib\n"
        "from desktop.core.mcp.config import parse_entry\n"
        "from desktop.core.mcp.connection import Connection\n"
        "async def start():\n"
        f"    connection = Connection(parse_entry('notes', {entry!r}), pathlib.Path('.'))\n"
        "    await connection.open()\n"
        "    return connection\n"
        "kept = asyncio.new_event_loop().run_until_complete(start())\n"
        "print('ready', flush=True)\n"
    )
    quit_ = subprocess.run([sys.executable, "-c", app], capture_output=True, text=True,
                           timeout=120, cwd=Path(__file__).parents[3])
    assert quit_.stdout == "ready\n", quit_.stderr
    assert len(pids(pid_file)) == 2
    assert_all_gone(pid_file)


def test_a_call_ends_when_the_runs_time_does(tmp_path: Path) -> None:
    pid_file = tmp_path / "pids"

    async def call_past_the_deadline() -> str:
        connection = Connection(parse_entry("notes", stdio(pid_file)), tmp_path)
        await connection.open()
        try:
            began = time.monotonic()
            with pytest.raises(ServerError) as failed:
                await connection.call("wait", {"seconds": 60}, timeout=0.5)
            assert time.monotonic() - began < 10
            return str(failed.value)
        finally:
            await connection.close()

    assert asyncio.run(call_past_the_deadline()) == (
        "the run's time budget ran out while this call was working")
    assert_all_gone(pid_file)
