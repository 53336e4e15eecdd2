"""Killing what an interrupted run left running, only once the group is proven to be ours."""

from __future__ import annotations

import os
import select
import signal
import subprocess
from collections.abc import Iterator

import pytest

from desktop.core.agent.leftovers import kill_leftovers, start_time
from desktop.core.events import CommandStarted, McpServerRestarted, McpServerStarted
from desktop.core.store.database import Store
from tests.processes import group_alive, group_ended


@pytest.fixture
def groups() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Session leaders a test starts; killed at the end whatever happened."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        if process.stdout is not None:
            process.stdout.close()


def leader(groups: list[subprocess.Popen[bytes]], script: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(["/bin/sh", "-c", script], start_new_session=True,
                               stdout=subprocess.PIPE)
    groups.append(process)
    return process


def interrupted_run(store: Store, pgid: int, started_at: float | None) -> None:
    run = store.create_run("wait", "/ws", "m")
    store.append_event(run.id, CommandStarted("call-1", pgid, started_at))
    store.update_run(run.id, status="interrupted")


def test_a_leftover_group_is_killed(store: Store, groups: list) -> None:
    process = leader(groups, "exec sleep 60")
    interrupted_run(store, process.pid, start_time(process.pid))
    assert kill_leftovers(store) == 1
    process.wait()
    assert group_ended(process.pid)


def test_a_leftover_mcp_server_is_killed_too(store: Store, groups: list) -> None:
    server, restarted = leader(groups, "exec sleep 60"), leader(groups, "exec sleep 60")
    run = store.create_run("notes", "/ws", "m")
    store.append_event(run.id, McpServerStarted("notes", (), server.pid,
                                                start_time(server.pid)))
    store.append_event(run.id, McpServerRestarted("notes", "it stopped", restarted.pid,
                                                  start_time(restarted.pid)))
    store.append_event(run.id, McpServerStarted("web", ()))  # HTTP: no process of ours
    store.update_run(run.id, status="interrupted")
    assert kill_leftovers(store) == 2
    server.wait()
    restarted.wait()
    assert group_ended(server.pid) and group_ended(restarted.pid)


def test_a_group_whose_leader_is_gone_is_still_found(store: Store, groups: list) -> None:
    process = leader(groups, "sleep 60 & echo $!")
    started = start_time(process.pid)
    assert process.stdout is not None
    member = int(process.stdout.readline())
    process.wait()  # the leader is gone; its background sleep keeps the group
    assert group_alive(process.pid)
    interrupted_run(store, process.pid, started)
    assert kill_leftovers(store) == 1
    wait_exit(member)
    assert group_ended(process.pid)


def test_a_group_with_another_start_time_is_not_ours(store: Store, groups: list) -> None:
    process = leader(groups, "exec sleep 60")
    started = start_time(process.pid)
    assert started is not None
    interrupted_run(store, process.pid, started - 5.0)  # the id was reused since
    assert kill_leftovers(store) == 0
    assert process.poll() is None


def test_runs_still_going_are_left_alone(store: Store, groups: list) -> None:
    process = leader(groups, "exec sleep 60")
    run = store.create_run("wait", "/ws", "m")
    store.append_event(run.id, CommandStarted("call-1", process.pid, start_time(process.pid)))
    assert kill_leftovers(store) == 0
    assert process.poll() is None


def wait_exit(pid: int, timeout: float = 10.0) -> None:
    """Block until `pid` (not our child) has exited: its pidfd turns readable then."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        assert select.select([fd], [], [], timeout)[0], f"process {pid} outlived SIGKILL"
    finally:
        os.close(fd)
