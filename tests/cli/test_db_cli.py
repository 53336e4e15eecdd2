"""`agentdesk db stats` and `agentdesk db vacuum` on the database in AGENTDESK_HOME."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.core.store.database import Store


def agentdesk(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


def _pragma(path: Path, name: str) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute(f"PRAGMA {name}").fetchone()[0]


@pytest.fixture
def database(isolated_env: Path) -> Path:
    """A database where a deleted chat left free pages behind."""
    isolated_env.mkdir(parents=True, exist_ok=True)
    path = isolated_env / "agentdesk.db"
    with Store(path) as store:
        kept = store.create_conversation("kept")
        store.add_message(kept.id, "user", "short")
        gone = store.create_conversation("gone")
        for _ in range(40):
            store.add_message(gone.id, "user", "filler text " * 2000)
        store.delete_conversation(gone.id)
    return path


def test_stats_counts_rows_and_space_per_table(
    capsys: pytest.CaptureFixture[str], database: Path
) -> None:
    code, out = agentdesk(capsys, "db", "stats", "--json")
    found = json.loads(out)
    tables = {t["name"]: t for t in found["tables"]}

    assert code == 0
    assert found["path"] == str(database)
    assert (tables["conversations"]["rows"], tables["messages"]["rows"]) == (1, 1)
    assert tables["messages"]["bytes"] > 0 and found["free_bytes"] > 0
    assert found["auto_vacuum"] == "off"
    code, out = agentdesk(capsys, "db", "stats")
    assert "messages" in out and "agentdesk db vacuum" in out


def test_vacuum_returns_free_space_and_turns_on_incremental_vacuum(
    capsys: pytest.CaptureFixture[str], database: Path
) -> None:
    before = database.stat().st_size

    code, out = agentdesk(capsys, "db", "vacuum")

    assert code == 0 and "incremental auto-vacuum on" in out
    assert database.stat().st_size < before
    assert _pragma(database, "auto_vacuum") == 2 and _pragma(database, "freelist_count") == 0
    with Store(database) as store:
        chat = store.create_conversation("again")
        store.add_message(chat.id, "user", "more filler " * 20000)
        store.delete_conversation(chat.id)
    assert _pragma(database, "freelist_count") > 0
    code, out = agentdesk(capsys, "db", "vacuum")
    assert "free pages released" in out and _pragma(database, "freelist_count") == 0
    with Store(database) as store:
        assert [c.title for c in store.conversations()] == ["kept"]
        assert [h.snippet for h in store.search("short")] == ["[short]"]
