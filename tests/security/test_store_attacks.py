"""Attacks on the store: a reused pid, a shared machine reading the database, hostile imports,
locks held by other processes, and memory the model's SQL asks for.
"""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.agent.run_owner import process_started
from desktop.core.agent.workspace import Workspace
from desktop.core.store.database import Store
from desktop.core.tools import ToolContext
from tests.core.agent.test_tools import run


@pytest.fixture
def other_process() -> Iterator[subprocess.Popen[bytes]]:
    """A live process that is not this one: the pid a crashed run's pid was given again."""
    process = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                               stdin=subprocess.PIPE)
    yield process
    process.communicate()


def crashed_run_owned_by(path: Path, pid: int, started: str | None) -> int:
    with Store(path) as store:
        run = store.create_run("goal", "/w", "m")
        store._db.execute("UPDATE runs SET pid = ?, pid_started = ? WHERE id = ?",
                          [pid, started, run.id])
        return run.id


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="start times come from /proc")
def test_a_run_whose_pid_was_reused_is_marked_interrupted(
    tmp_path: Path, other_process: subprocess.Popen[bytes]
) -> None:
    run_id = crashed_run_owned_by(tmp_path / "a.db", other_process.pid, "1")
    with Store(tmp_path / "a.db") as store:
        assert store.mark_interrupted() == 1
        assert store.run(run_id).status == "interrupted"


def test_a_run_of_a_live_process_stays_running(
    tmp_path: Path, other_process: subprocess.Popen[bytes]
) -> None:
    started = process_started(other_process.pid)
    run_id = crashed_run_owned_by(tmp_path / "a.db", other_process.pid, started)
    with Store(tmp_path / "a.db") as store:
        assert store.mark_interrupted() == 0
        assert store.run(run_id).status == "running"


# --- sql_query: what the model's SQL may take -------------------------------------------------


@pytest.fixture
def ctx(tmp_path: Path) -> ToolContext:
    root = tmp_path / "ws"
    root.mkdir()
    with contextlib.closing(sqlite3.connect(root / "data.db")) as db:
        db.execute("CREATE TABLE t (x)")
        db.execute("INSERT INTO t VALUES (1)")
        db.commit()
    (tmp_path / "other.db").write_bytes((root / "data.db").read_bytes())
    return ToolContext(Workspace(root))


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT length(randomblob(50000000))",
        "SELECT length(zeroblob(50000000))",
        "SELECT length(hex(zeroblob(10000000)))",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60)"
        " SELECT length(group_concat(randomblob(1000000))) FROM n",
    ],
)
def test_a_query_cannot_make_a_huge_value(ctx: ToolContext, sql: str) -> None:
    result = run("sql_query", {"database": "data.db", "sql": sql}, ctx)
    assert result.is_error and "too big" in result.text


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT load_extension('/tmp/evil.so')",
        "WITH x AS (SELECT 1) DELETE FROM t",
        "PRAGMA writable_schema = 1",
        "ATTACH DATABASE '../other.db' AS o",
        "SELECT * FROM pragma_table_info('t'); DROP TABLE t",
    ],
)
def test_sql_that_would_write_or_load_code_is_refused(ctx: ToolContext, sql: str) -> None:
    result = run("sql_query", {"database": "data.db", "sql": sql}, ctx)
    assert result.is_error
    with contextlib.closing(sqlite3.connect(ctx.workspace.root / "data.db")) as db:
        assert db.execute("SELECT x FROM t").fetchall() == [(1,)]
