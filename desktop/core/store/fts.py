"""Full-text search: what each run event is found by, and the ranked FTS5 queries.

Search shows the newest matches first. On a years-long history a common word matches hundreds
of thousands of rows, and ranking them by bm25 reads every one of them (its IDF counts the
rows that hold the word) and expanding a prefix merges the lists of every indexed word it
starts: up to seconds a query. The newest matches are read off the end of FTS5's lists and
the reading stops at the page's end; the last word is expanded as a prefix only when the whole
word does not already fill the page. `recall` (the agent's) still ranks by bm25.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlite_utils import Database

from desktop.core import events

SNIPPET = "'[', ']', '…', 10"


def _words(value: Any) -> str:
    """Raw strings, not JSON: an escaped "\n" would glue the next word to an "n" in the index."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def searchable_text(event: events.RunEvent) -> str | None:
    """What search should find this event by; None for stream chunks repeated in full later."""
    match event:
        case (
            events.RunStarted(goal=text) | events.AgentMessage(text=text)
            | events.RunResumed(message=text) | events.AppMessage(text=text)
        ):
            return text
        case events.ToolCallStarted(name=name, input=arguments):
            return "\n".join([name, *(f"{k}: {_words(v)}" for k, v in arguments.items())])
        case events.ToolCallFinished(result=text) | events.RunFinished(summary=text):
            return text
        case events.RunFailed(error=text):
            return text
        case events.PlanUpdated(items=items):
            return "\n".join(item.text for item in items)
    return None


def _newest(table: str) -> str:
    """An arm's end: its newest matches first, which FTS5 reads off its lists backwards."""
    return f"{table} MATCH :query ORDER BY {table}.rowid DESC LIMIT :limit"


# Each search arm takes the newest matches of its own FTS table, so snippet() only runs for
# rows that can make the final cut; the union is then sorted by time.
SEARCH_ARMS = (
    f"""SELECT 'message' AS kind, m.id, m.conversation_id, NULL, c.title,
        snippet(messages_fts, 0, {SNIPPET}), m.created_at AS at
    FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid
    JOIN conversations c ON c.id = m.conversation_id WHERE {_newest('messages_fts')}""",
    f"""SELECT 'run', r.id, r.id, NULL, r.goal, snippet(runs_fts, 0, {SNIPPET}), r.created_at
    FROM runs_fts JOIN runs r ON r.id = runs_fts.rowid WHERE {_newest('runs_fts')}""",
    f"""SELECT 'run_event', e.id, e.run_id, e.seq, r.goal, snippet(run_events_fts, 0, {SNIPPET}),
        e.created_at
    FROM run_events_fts JOIN run_events e ON e.id = run_events_fts.rowid
    JOIN runs r ON r.id = e.run_id WHERE {_newest('run_events_fts')}""",
    f"""SELECT 'memory', mem.id, mem.run_id, NULL, mem.tags,
        snippet(memories_fts, -1, {SNIPPET}), mem.created_at
    FROM memories_fts JOIN memories mem ON mem.id = memories_fts.rowid
    WHERE {_newest('memories_fts')}""",
)
RECALL_ARMS = (
    f"""SELECT 'memory', mem.id, mem.run_id, snippet(memories_fts, -1, {SNIPPET}), mem.text,
        memories_fts.rank AS rank
    FROM memories_fts JOIN memories mem ON mem.id = memories_fts.rowid
    WHERE memories_fts MATCH :query""",
    f"""SELECT 'run_event', e.id, e.run_id, snippet(run_events_fts, 0, {SNIPPET}), e.text,
        run_events_fts.rank AS rank
    FROM run_events_fts JOIN run_events e ON e.id = run_events_fts.rowid
    WHERE run_events_fts MATCH :query""",
)


def ranked(
    db: Database, arms: Sequence[str], expression: str, limit: int
) -> list[tuple[Any, ...]]:
    """The best (bm25) `limit` rows of all `arms` for the FTS5 `expression`."""
    if not expression:
        return []
    sql = " UNION ALL ".join(f"SELECT * FROM ({arm} ORDER BY rank LIMIT :limit)" for arm in arms)
    params = {"query": expression, "limit": limit}
    return db.execute(f"{sql} ORDER BY rank LIMIT :limit", params).fetchall()


def _newest_rows(db: Database, expression: str, limit: int) -> list[tuple[Any, ...]]:
    sql = " UNION ALL ".join(f"SELECT * FROM ({arm})" for arm in SEARCH_ARMS)
    params = {"query": expression, "limit": limit}
    return db.execute(f"{sql} ORDER BY at DESC, id DESC LIMIT :limit", params).fetchall()


def search(db: Database, query: str, limit: int) -> list[tuple[Any, ...]]:
    """The newest `limit` rows of `SEARCH_ARMS` holding every word of the free-text `query`.

    Each word is quoted (AND, *, quotes and brackets are literal); the last one is also
    prefix-matched, unless followed by a space or already found in a full page of rows.
    """
    expression = db.quote_fts(query)
    if not expression:
        return []
    rows = _newest_rows(db, expression, limit)
    if not query[-1].isspace() and len(rows) < limit:
        rows = _newest_rows(db, expression + "*", limit)
    return rows
