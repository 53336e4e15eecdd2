"""Copies of exported conversations and runs, written back as new rows (the import).

An export keeps everything but the database's ids, so an import gets new ids and keeps the
rest as it was: timestamps, statuses, tokens and costs. Called by `Store.restore_*`, which
own the transaction and turn sqlite3 errors into StoreErrors.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from sqlite_utils import Database

from desktop.core import events
from desktop.core.model.blocks import plain_text
from desktop.core.store.fts import searchable_text
from desktop.core.store.records import Conversation, Message, Run, StoredEvent

_NOT_COPIED = {"id", "leaf_id", "pid", "conversation_id", "parent_id"}


def _row(record: object) -> dict[str, Any]:
    """The record's columns, without the ids that belong to the database it came from."""
    return {k: v for k, v in dataclasses.asdict(record).items() if k not in _NOT_COPIED}


def conversation(
    db: Database, conversation: Conversation, messages: Sequence[Message]
) -> int:
    """Insert the conversation and its messages; returns the new conversation's id.

    The messages' ids, parent_ids and the conversation's leaf_id only tie the copy together:
    each parent must come before its children.
    """
    conversation_id = db.table("conversations").insert(_row(conversation)).last_pk
    new_ids: dict[int, int] = {}
    for message in messages:
        row = _row(message)
        row.update(
            conversation_id=conversation_id,
            parent_id=new_ids[message.parent_id] if message.parent_id is not None else None,
            content=json.dumps(message.content, ensure_ascii=False),
            text=plain_text(message.content),
            updated_at=message.created_at,
        )
        new_ids[message.id] = db.table("messages").insert(row).last_pk
    leaf = new_ids.get(conversation.leaf_id) if conversation.leaf_id is not None else None
    db.execute("UPDATE conversations SET leaf_id = ? WHERE id = ?", [leaf, conversation_id])
    return conversation_id


def run(db: Database, run: Run, stored: Sequence[StoredEvent]) -> int:
    """Insert the run and its events (indexed for search as if recorded); the new run's id."""
    run_id = db.table("runs").insert(_row(run)).last_pk
    for event in stored:
        text = searchable_text(events.from_record(event.type, event.data))
        db.execute(
            "INSERT INTO run_events (run_id, seq, type, data, text, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [run_id, event.seq, event.type, json.dumps(event.data, ensure_ascii=False), text,
             event.created_at],
        )
    return run_id
