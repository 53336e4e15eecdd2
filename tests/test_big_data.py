"""The big-history generator, at a tiny scale: the app's schema, the counts, branches, search."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from benchmarks.big_data import BIG_RUN_EVENTS, Size, generate
from desktop.core.store.database import Store

SCALE = 0.0004  # 400 messages in 20 chats, 2 runs


def test_scale_one_is_the_issues_folder() -> None:
    size = Size.at(1.0)
    assert (size.messages, size.conversations, size.runs, size.memories) == (
        1_000_000, 50_000, 5_000, 10_000)
    assert (size.runs * size.events_each, size.output_bytes) == (2_000_000, 2_000_000_000)


def test_a_tiny_folder_opens_in_the_app_with_branches_and_search(tmp_path: Path) -> None:
    path = generate(tmp_path / "big", SCALE)
    with sqlite3.connect(path) as db:
        count = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                 for t in ("conversations", "messages", "runs", "run_events", "memories")}
        edited = db.execute("SELECT count(*) FROM (SELECT 1 FROM messages"
                            " GROUP BY conversation_id, parent_id HAVING count(*) > 1)").fetchone()
        for table in ("messages", "run_events"):
            db.execute(f"INSERT INTO {table}_fts({table}_fts) VALUES ('integrity-check')")

    assert count == {"conversations": 20, "messages": 400, "runs": 2,
                     "run_events": BIG_RUN_EVENTS + 400, "memories": 4}
    assert edited == (4,)  # every fifth chat has an edited message
    with Store(path) as store:
        assert len(store.thread(5)) == 19  # the branch on screen skips the replaced message
        assert store.search("pytest")
        assert store.events(1)[-1].type == "RunFinished"
    with pytest.raises(FileExistsError):
        generate(tmp_path / "big", SCALE)
