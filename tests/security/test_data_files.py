"""Attacks on the data folder: other users reading it, a read-only or locked database.

Checked on disk (file modes) and through the commands a user runs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import stat
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.demo.fake_api import FakeAPI, Turn
from desktop.core.logs import close_logging, setup_logging
from desktop.core.store.database import Store
from desktop.ui.review.controller import ReviewController
from tests.cli.test_run_cli import agentdesk, environment, finish


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_and_its_wal_are_owner_only(tmp_path: Path) -> None:
    with Store(tmp_path / "agentdesk.db") as store:
        store.create_conversation("private")
        files = [tmp_path / name for name in ("agentdesk.db", "agentdesk.db-wal",
                                              "agentdesk.db-shm")]
        assert [mode(path) for path in files] == [0o600] * 3


def test_a_world_readable_database_is_made_owner_only(tmp_path: Path) -> None:
    Store(tmp_path / "agentdesk.db").close()
    os.chmod(tmp_path / "agentdesk.db", 0o644)
    Store(tmp_path / "agentdesk.db").close()
    assert mode(tmp_path / "agentdesk.db") == 0o600


def test_the_log_is_owner_only(isolated_env: Path) -> None:
    try:
        path = setup_logging()
    finally:
        close_logging()
    assert mode(path) == 0o600


@pytest.mark.parametrize("name", ["chat.md", "chat.json"])
def test_an_export_is_owner_only(tmp_path: Path, store: Store, name: str) -> None:
    conversation = store.create_conversation("private")
    ReviewController(store).export_conversation(conversation.id, str(tmp_path / name))
    assert mode(tmp_path / name) == 0o600


# --- read-only data ----------------------------------------------------------------------


def _chattr(flag: str, *targets: Path) -> None:
    subprocess.run(["chattr", flag, *map(str, targets)], check=True, capture_output=True)


@pytest.fixture
def read_only(isolated_env: Path) -> Iterator[Path]:
    """A data folder with a history in it, then made unwritable (immutable when root)."""
    isolated_env.mkdir()
    with Store(isolated_env / "agentdesk.db") as store:
        store.create_conversation("kept chat")
        store.create_run("kept goal", "/w", "m")  # 'running', by this (then gone) process
    files = [isolated_env / name for name in os.listdir(isolated_env)]
    root = os.geteuid() == 0
    if root and shutil.which("chattr") is None:
        pytest.skip("root ignores file modes, and there is no chattr")
    if root:
        _chattr("+i", *files, isolated_env)
    else:
        for path in [*files, isolated_env]:
            path.chmod(0o555 if path.is_dir() else 0o444)
    yield isolated_env
    if root:
        _chattr("-i", isolated_env, *files)
    else:
        for path in [isolated_env, *files]:
            path.chmod(0o700 if path.is_dir() else 0o600)


@pytest.mark.parametrize(("args", "shown"), [(("chats",), "kept chat"), (("runs",), "kept goal"),
                                             (("search", "kept"), "kept")])
def test_history_reads_from_a_read_only_data_folder(
    read_only: Path, args: tuple[str, ...], shown: str
) -> None:
    code, out, err = finish(agentdesk(*args, env=environment(None, read_only)))
    assert code == 0, err
    assert shown in out and "Traceback" not in err


def test_a_write_to_a_read_only_database_fails_in_one_line(read_only: Path) -> None:
    code, _, err = finish(agentdesk("--demo", "chat", "hi", env=environment(None, read_only)))
    assert code == 1 and "Traceback" not in err
    assert "read-only" in err.splitlines()[-1] or "cannot" in err.splitlines()[-1]


# --- other processes writing at the same time ---------------------------------------------


def test_a_lock_held_for_seconds_does_not_lose_the_message(
    fake_api: FakeAPI, isolated_env: Path
) -> None:
    isolated_env.mkdir()
    Store(isolated_env / "agentdesk.db").close()
    fake_api.add(Turn("Hello."))
    holder = sqlite3.connect(isolated_env / "agentdesk.db", check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    process = agentdesk("chat", "typed by hand", env=environment(fake_api, isolated_env))
    release = threading.Timer(3.0, holder.rollback)  # the attack: a writer that holds on
    release.start()
    try:
        code, _, err = finish(process, timeout=60)
    finally:
        release.join()
        holder.close()
    assert code == 0, err
    with Store(isolated_env / "agentdesk.db") as store:
        assert [m.text for m in store.messages(1)] == ["typed by hand", "Hello."]


def test_eight_chats_at_once_keep_every_message(fake_api: FakeAPI, isolated_env: Path) -> None:
    isolated_env.mkdir()
    Store(isolated_env / "agentdesk.db").close()
    fake_api.add(*[Turn("ok.") for _ in range(8)])
    env = environment(fake_api, isolated_env)
    processes = [agentdesk("chat", f"message {n}", env=env) for n in range(8)]
    results = [finish(process, timeout=120) for process in processes]
    assert [code for code, _, _ in results] == [0] * 8, [err for _, _, err in results]
    with contextlib.closing(sqlite3.connect(isolated_env / "agentdesk.db")) as db:
        typed = {row[0] for row in db.execute("SELECT text FROM messages WHERE role = 'user'")}
    assert typed == {f"message {n}" for n in range(8)}
