"""Attacks that tried to hang a run: catastrophic patterns, endless queries, stuck tools.

A hang must end in an error the model reads, within the tool's time limit, and Ctrl+C and
the wall-time budget must end a run while a tool is still working.
"""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import pytest

from desktop.core.agent.workspace import Workspace
from desktop.core.demo.fake_api import FakeAPI, ToolUse, Turn
from desktop.core.paths import write_json
from desktop.core.tools import ToolContext
from desktop.core.tools.patterns import MATCH_TIMEOUT_S
from tests.cli.test_run_cli import Pipe, agentdesk, environment, finish
from tests.core.agent.test_tools import run

ENDLESS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


@pytest.fixture
def ctx(tmp_path: Path) -> ToolContext:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "victim.txt").write_text("a" * 40 + "!\n")
    (root / ("a" * 60)).write_text("x\n")
    (root / "data.db").write_bytes(b"")
    return ToolContext(Workspace(root))


def test_catastrophic_search_pattern_ends_with_an_error(ctx: ToolContext) -> None:
    started = time.monotonic()
    result = run("search", {"query": "(a|a)+$"}, ctx)
    assert result.is_error and "took longer than" in result.text
    assert time.monotonic() - started < MATCH_TIMEOUT_S * 4  # bounded (a busy machine is slower)


def test_catastrophic_search_leaves_other_threads_running(ctx: ToolContext) -> None:
    """The stdlib `re` held the GIL while backtracking: no other thread ran meanwhile."""
    ticks = 0
    stop = threading.Event()

    def tick() -> None:
        nonlocal ticks
        while not stop.wait(0.01):
            ticks += 1

    ticker = threading.Thread(target=tick)
    ticker.start()
    try:
        run("search", {"query": "(a|a)+$"}, ctx)
    finally:
        stop.set()
        ticker.join()
    assert ticks > 100  # ~5 s of 10 ms ticks; a held GIL allowed next to none


def test_catastrophic_glob_ends_with_an_error(ctx: ToolContext) -> None:
    started = time.monotonic()
    result = run("list_files", {"pattern": "*a" * 30 + "*b"}, ctx)
    assert result.is_error or result.text.startswith("no files match")
    assert time.monotonic() - started < MATCH_TIMEOUT_S * 4  # bounded (a busy machine is slower)


def test_an_invalid_pattern_is_refused_with_a_reason(ctx: ToolContext) -> None:
    result = run("search", {"query": "(unclosed"}, ctx)
    assert result.is_error and "not a valid regular expression" in result.text


def hanging_run(fake_api: FakeAPI, workspace: Path, home: Path, *extra: str) -> Pipe:
    (workspace / "data.db").write_bytes(b"")
    fake_api.add(Turn("Counting.", (ToolUse("sql_query", {"database": "data.db",
                                                          "sql": ENDLESS}),)),
                 Turn("Done."))
    return agentdesk("run", "count", "--workspace", str(workspace), "--approve", "all",
                     *extra, env=environment(fake_api, home))


def test_ctrl_c_ends_a_run_while_a_tool_is_stuck(
    fake_api: FakeAPI, tmp_path: Path, isolated_env: Path
) -> None:
    process = hanging_run(fake_api, tmp_path, isolated_env)
    Pipe(process.stdout).until("-> sql_query")
    process.send_signal(signal.SIGINT)
    sent = time.monotonic()
    code, _, _ = finish(process)
    assert code == 130
    assert time.monotonic() - sent < 10  # the query alone runs for 30 s


def test_the_wall_time_budget_ends_a_stuck_tool(
    fake_api: FakeAPI, tmp_path: Path, isolated_env: Path
) -> None:
    write_json(isolated_env / "config.json", {"max_wall_s": 2})
    started = time.monotonic()
    code, out, _ = finish(hanging_run(fake_api, tmp_path, isolated_env))
    assert time.monotonic() - started < 20  # the query alone runs for 30 s
    assert "time budget ran out" in out
    assert code == 2 and "budget exhausted: max wall time" in out
