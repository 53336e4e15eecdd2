"""A years-long history: the newest page of chats and runs, and the indexes that make it cheap."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from desktop.core.schema import MIGRATIONS, SCHEMA_VERSION
from desktop.core.store import Store


def _plan(path: Path, sql: str) -> str:
    with sqlite3.connect(path) as connection:
        return " ".join(row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}"))


def test_a_page_of_conversations_and_runs_is_the_newest(tmp_path: Path) -> None:
    with Store(tmp_path / "history.db") as store:
        ids = [store.create_conversation(f"chat {n}").id for n in range(5)]
        runs = [store.create_run(f"goal {n}", "/w", "m").id for n in range(5)]
        store.rename_conversation(ids[1], "touched last")

        assert [c.id for c in store.conversations(3)] == [ids[1], ids[4], ids[3]]
        assert len(store.conversations()) == 5
        assert [r.id for r in store.runs(2)] == runs[:-3:-1]
        assert len(store.runs()) == 5


def test_an_older_database_gains_the_history_indexes(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = Database(path)
    for migration in MIGRATIONS[:3]:
        migration(db)
    db.execute("PRAGMA user_version = 3")
    db["conversations"].insert({"title": "kept", "model": "m", "system_prompt": "",
                                "created_at": "2024-01-01", "updated_at": "2024-01-01"})
    db.conn.commit()
    db.close()

    with Store(path) as store:
        assert [c.title for c in store.conversations(1)] == ["kept"]

    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    newest = "SELECT id FROM conversations ORDER BY updated_at DESC, id DESC LIMIT 100"
    assert "conversations_recent" in _plan(path, newest)
    assert "runs_recent" in _plan(path, "SELECT id FROM runs ORDER BY created_at DESC LIMIT 9")
    stale = "SELECT id FROM messages WHERE status = 'streaming' AND updated_at < '2025'"
    assert "messages_streaming" in _plan(path, stale)
