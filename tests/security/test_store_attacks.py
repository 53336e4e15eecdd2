"""Attacks on the store: a reused pid, a shared machine reading the database, hostile imports,
locks held by other processes, and memory the model's SQL asks for.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.run_owner import process_started
from desktop.core.store import Store


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
