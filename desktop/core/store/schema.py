"""The store's schema as an ordered list of migrations; `PRAGMA user_version` counts those applied.

Append a function to `MIGRATIONS` to change the schema; never edit one that has shipped, since
existing databases have already run it.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database

# Porter stemming so "running" finds "runs"; it wraps unicode61, which splits on punctuation.
_TOKENIZE = "porter"


def _initial(db: Database) -> None:
    """Conversations with branching messages, agent runs with their events, and memories."""
    db["conversations"].create(
        {
            "id": int,
            "title": str,
            "model": str,
            "system_prompt": str,
            "leaf_id": int,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"title", "model", "system_prompt", "created_at", "updated_at"},
    )
    db["messages"].create(
        {
            "id": int,
            "conversation_id": int,
            "parent_id": int,
            "role": str,
            "content": str,
            "text": str,
            "model": str,
            "input_tokens": int,
            "output_tokens": int,
            "cost_usd": float,
            "status": str,
            "error": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={
            "conversation_id", "role", "content", "text", "model", "input_tokens",
            "output_tokens", "cost_usd", "status", "created_at", "updated_at",
        },
        defaults={"input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0},
        foreign_keys=[
            ("conversation_id", "conversations", "id"),
            ("parent_id", "messages", "id"),
        ],
    )
    db["messages"].create_index(["conversation_id"])
    db["messages"].create_index(["parent_id"])
    db["messages"].enable_fts(["text"], tokenize=_TOKENIZE, create_triggers=True)

    db["runs"].create(
        {
            "id": int,
            "goal": str,
            "workspace": str,
            "model": str,
            "status": str,
            "summary": str,
            "error": str,
            "steps": int,
            "input_tokens": int,
            "output_tokens": int,
            "cost_usd": float,
            "parent_run_id": int,
            "fork_seq": int,
            "created_at": str,
            "updated_at": str,
            "ended_at": str,
        },
        pk="id",
        not_null={
            "goal", "workspace", "model", "status", "steps", "input_tokens", "output_tokens",
            "cost_usd", "created_at", "updated_at",
        },
        defaults={"steps": 0, "input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0},
    )
    db["runs"].create_index(["status"])
    db["runs"].enable_fts(["goal"], tokenize=_TOKENIZE, create_triggers=True)

    db["run_events"].create(
        {
            "id": int,
            "run_id": int,
            "seq": int,
            "type": str,
            "data": str,
            "text": str,
            "created_at": str,
        },
        pk="id",
        not_null={"run_id", "seq", "type", "data", "created_at"},
        foreign_keys=[("run_id", "runs", "id")],
    )
    # Unique and also the index that events() and the next-seq lookup read through.
    db["run_events"].create_index(["run_id", "seq"], unique=True)
    db["run_events"].enable_fts(["text"], tokenize=_TOKENIZE, create_triggers=True)

    db["memories"].create(
        {"id": int, "text": str, "tags": str, "run_id": int, "created_at": str},
        pk="id",
        not_null={"text", "tags", "created_at"},
    )
    db["memories"].enable_fts(["text", "tags"], tokenize=_TOKENIZE, create_triggers=True)


def _run_owner(db: Database) -> None:
    """The process that drives a run, so a second process can tell live runs from crashed ones."""
    db["runs"].add_column("pid", int)


def _conversation_provider(db: Database) -> None:
    """The provider profile a conversation talks to ('' = the default profile)."""
    db["conversations"].add_column("provider", str, not_null_default="")


def _reply_details(db: Database) -> None:
    """Why a reply stopped (end_turn, max_tokens, refusal…) and its prompt-cache tokens."""
    db["messages"].add_column("stop_reason", str)
    db["messages"].add_column("cache_read_tokens", int, not_null_default=0)
    db["messages"].add_column("cache_write_tokens", int, not_null_default=0)


def _history_indexes(db: Database) -> None:
    """Indexes for a years-long history: the sidebar reads its newest page, and the start-up
    check for replies left streaming reads only those, without scanning every message."""
    db.execute("CREATE INDEX IF NOT EXISTS conversations_recent ON conversations(updated_at, id)")
    db.execute("CREATE INDEX IF NOT EXISTS runs_recent ON runs(created_at, id)")
    db.execute(
        "CREATE INDEX IF NOT EXISTS messages_streaming ON messages(updated_at)"
        " WHERE status = 'streaming'"
    )


def _run_owner_started(db: Database) -> None:
    """When the run's process started: a reused pid is then not taken for the run's owner."""
    db["runs"].add_column("pid_started", str)


def _checkpoint_blobs(db: Database) -> None:
    """Which runs hold which checkpoint blobs (core/checkpoints), and their size on disk: a
    blob is deleted when no run holds it any more, and the oldest runs' go first when the
    storage passes its cap. No foreign key: a deleted run's rows go once its blobs are gone."""
    db.execute(
        "CREATE TABLE checkpoint_blobs ("
        " run_id INTEGER NOT NULL,"
        " digest TEXT NOT NULL, size INTEGER NOT NULL, PRIMARY KEY (run_id, digest))"
    )
    db.execute("CREATE INDEX checkpoint_blobs_digest ON checkpoint_blobs(digest)")


def _run_provider(db: Database) -> None:
    """The provider profile a run talks to ('' = not recorded): going on with the run talks to
    the same endpoint, not whichever profile is the default by then."""
    db["runs"].add_column("provider", str, not_null_default="")


MIGRATIONS: list[Callable[[Database], None]] = [
    _initial, _run_owner, _conversation_provider, _reply_details, _history_indexes,
    _run_owner_started, _checkpoint_blobs, _run_provider,
]
SCHEMA_VERSION = len(MIGRATIONS)
