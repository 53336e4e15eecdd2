"""A years-long history: the newest page of chats and runs, and the indexes that make it cheap."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from desktop.core.store.database import Store
from desktop.core.store.schema import MIGRATIONS, SCHEMA_VERSION


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


def test_search_shows_the_newest_matches_and_expands_a_prefix_only_when_needed(
    tmp_path: Path,
) -> None:
    with Store(tmp_path / "search.db") as store:
        chat = store.create_conversation()
        old = store.add_message(chat.id, "user", "docker docker docker, all about docker").id
        new = store.add_message(chat.id, "assistant", "a docker image", parent_id=old).id
        longer = store.add_message(chat.id, "user", "the dockerfile", parent_id=new).id

        assert [hit.id for hit in store.search("docker ")] == [new, old]
        assert [hit.id for hit in store.search("dock")] == [longer, new, old]
        # The whole word fills the page: its newest matches, no prefix expanded.
        assert [hit.id for hit in store.search("docker", limit=2)] == [new, old]
        assert [hit.id for hit in store.search("docker", limit=3)] == [longer, new, old]
