"""SQLite persistence for conversations, agent runs, their events and the agent's memories.

Every call commits on its own (WAL, synchronous=NORMAL), so a crash loses at most the write in
flight and a run can be replayed up to the moment it died. Reads return frozen dataclasses, and
every sqlite3 failure surfaces as a `StoreError` whose message can go straight into a dialog.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, get_args

from sqlite_utils import Database

from desktop.core import events, paths
from desktop.core.agent.run_owner import owner_alive, process_started
from desktop.core.checkpoints import ledger
from desktop.core.logs import scrub
from desktop.core.model.blocks import plain_text
from desktop.core.store import fts
from desktop.core.store import opening as db_open
from desktop.core.store import restore as store_restore
from desktop.core.store.errors import user_errors
from desktop.core.store.fts import RECALL_ARMS, searchable_text
from desktop.core.store.records import (
    Conversation,
    Message,
    MessageStatus,
    NotFound,
    RecallHit,
    Role,
    Run,
    SearchHit,
    StoredEvent,
    StoreError,
    iso_utc,
    message_from_row,
    select_list,
    utc_now,
)
from desktop.core.store.schema import MIGRATIONS, SCHEMA_VERSION

__all__ = [
    "Conversation", "Message", "MessageStatus", "NotFound", "RecallHit", "Role", "Run",
    "SearchHit", "Store", "StoreError", "StoredEvent", "utc_now",
]

STALE_REPLY_S = 30.0
INTERRUPTED_REPLY = "the app closed before the reply finished"
_RUN_STATUSES = frozenset(get_args(events.RunStatus))
_RUN_FIELDS = frozenset({"status", "summary", "error", "steps", "input_tokens",
                         "output_tokens", "cost_usd", "ended_at", "model"})


def _blocks(content: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"type": "text", "text": content}] if isinstance(content, str) else content


class Store:
    """One connection to the AgentDesk database; use it from the thread that opened it."""

    @user_errors
    def __init__(self, path: str | Path = ":memory:", *, busy_timeout_ms: int = 5000) -> None:
        self.path = str(path)
        # How long to wait for another writer: SQLite's busy timeout, then user_errors' retry.
        self.busy_timeout_s = busy_timeout_ms / 1000
        connection = db_open.connect(self.path, self.busy_timeout_s)
        self._db = Database(connection, execute_plugins=False)
        self._last_seq: dict[int, int] = {}
        try:
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except BaseException:
            connection.close()
            raise

    @property
    def db(self) -> Database:
        """The connection, for core modules that keep tables of their own (checkpoints)."""
        return self._db

    @classmethod
    def open_default(cls, *, busy_timeout_ms: int = 5000) -> Store:
        return cls(paths.database_path(), busy_timeout_ms=busy_timeout_ms)

    @user_errors
    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _version(self) -> int:
        return self._db.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        """Apply missing migrations under a write lock, so two processes can't both run one."""
        version = self._version()
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the database was created by a newer version of AgentDesk (schema {version}, "
                f"this version knows {SCHEMA_VERSION}); update AgentDesk to open it ({self.path})"
            )
        if version == SCHEMA_VERSION:
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            # Read again under the lock: another process may have migrated in the meantime.
            for number in range(self._version() + 1, SCHEMA_VERSION + 1):
                MIGRATIONS[number - 1](self._db)
                self._db.execute(f"PRAGMA user_version = {number}")
            self._db.commit()
        except BaseException:
            self._db.rollback()
            raise

    def _row(self, sql: str, params: Sequence[Any], what: str) -> tuple[Any, ...]:
        row = self._db.execute(sql, params).fetchone()
        if row is None:
            raise NotFound(f"{what} not found")
        return row

    def _update(self, table: str, id: int, changes: dict[str, Any]) -> None:
        """One UPDATE of `changes` (trusted column names); NotFound if the row is gone."""
        assignments = ", ".join(f"{column} = ?" for column in changes)
        cursor = self._db.execute(
            f"UPDATE {table} SET {assignments} WHERE id = ?", [*changes.values(), id]
        )
        if cursor.rowcount == 0:
            raise NotFound(f"{table.removesuffix('s')} {id} not found")

    # --- conversations and messages -------------------------------------------------------

    @user_errors
    def create_conversation(
        self, title: str = "New chat", model: str = "", system_prompt: str = "", provider: str = ""
    ) -> Conversation:
        now = utc_now()
        row = {"title": title, "model": model, "system_prompt": system_prompt,
               "provider": provider, "created_at": now, "updated_at": now}
        return self.conversation(self._db.table("conversations").insert(row).last_pk)

    @user_errors
    def conversation(self, id: int) -> Conversation:
        sql = f"SELECT {select_list(Conversation)} FROM conversations WHERE id = ?"
        return Conversation(*self._row(sql, [id], f"conversation {id}"))

    @user_errors
    def conversations(self, limit: int | None = None) -> list[Conversation]:
        """Conversations, most recently active first; the first `limit` (a sidebar page).

        `LIMIT -1` is SQLite's "every row"; an index keeps a page from sorting the whole table.
        """
        sql = (f"SELECT {select_list(Conversation)} FROM conversations"
               " ORDER BY updated_at DESC, id DESC LIMIT ?")
        return [Conversation(*row) for row in self._db.execute(sql, [limit or -1])]

    @user_errors
    def rename_conversation(self, id: int, title: str) -> None:
        self._update("conversations", id, {"title": title, "updated_at": utc_now()})

    @user_errors
    def set_system_prompt(self, id: int, text: str) -> None:
        self._update("conversations", id, {"system_prompt": text, "updated_at": utc_now()})

    @user_errors
    def set_conversation_model(self, id: int, model: str) -> None:
        self._update("conversations", id, {"model": model, "updated_at": utc_now()})

    @user_errors
    def set_conversation_provider(self, id: int, provider: str) -> None:
        self._update("conversations", id, {"provider": provider, "updated_at": utc_now()})

    @user_errors
    def delete_conversation(self, id: int) -> None:
        """Delete the conversation and its messages; the FTS triggers drop their index rows."""
        with self._db.atomic():
            self._db.execute("DELETE FROM messages WHERE conversation_id = ?", [id])
            if self._db.execute("DELETE FROM conversations WHERE id = ?", [id]).rowcount == 0:
                raise NotFound(f"conversation {id} not found")

    @user_errors
    def add_message(
        self,
        conversation_id: int,
        role: Role,
        content: str | list[dict[str, Any]],
        *,
        parent_id: int | None = None,
        status: MessageStatus = "complete",
        model: str = "",
    ) -> Message:
        """Append a message and make it the conversation's leaf (the branch on screen)."""
        self.conversation(conversation_id)  # NotFound rather than a foreign-key error
        blocks = _blocks(content)
        now = utc_now()
        row = {"conversation_id": conversation_id, "parent_id": parent_id, "role": role,
               "content": json.dumps(blocks, ensure_ascii=False), "text": plain_text(blocks),
               "model": model, "status": status, "created_at": now, "updated_at": now}
        with self._db.atomic():
            message_id = self._db.table("messages").insert(row).last_pk
            self._update("conversations", conversation_id,
                         {"leaf_id": message_id, "updated_at": now})
        return self.message(message_id)

    @user_errors
    def update_message(
        self,
        id: int,
        *,
        content: str | list[dict[str, Any]] | None = None,
        status: MessageStatus | None = None,
        error: str | None = None,
        usage: events.Usage | None = None,
        model: str | None = None,
        stop_reason: str | None = None,
    ) -> None:
        """Change a message in one UPDATE; called several times a second while a reply streams."""
        changes: dict[str, Any] = {"updated_at": utc_now()}
        if content is not None:
            blocks = _blocks(content)
            changes["content"] = json.dumps(blocks, ensure_ascii=False)
            changes["text"] = plain_text(blocks)
        if status is not None:
            changes["status"] = status
        if error is not None:
            changes["error"] = scrub(error)
        if usage is not None:
            changes["input_tokens"] = usage.input_tokens
            changes["output_tokens"] = usage.output_tokens
            changes["cost_usd"] = usage.cost_usd
            changes["cache_read_tokens"] = usage.cache_read_tokens
            changes["cache_write_tokens"] = usage.cache_write_tokens
        if model is not None:
            changes["model"] = model
        if stop_reason is not None:
            changes["stop_reason"] = stop_reason or None
        self._update("messages", id, changes)

    @user_errors
    def message(self, id: int) -> Message:
        sql = f"SELECT {select_list(Message)} FROM messages WHERE id = ?"
        return message_from_row(self._row(sql, [id], f"message {id}"))

    @user_errors
    def thread(
        self, conversation_id: int, leaf_id: int | None = None, *, last: int | None = None
    ) -> list[Message]:
        """The branch from the root down to `leaf_id` (default: the conversation's leaf).

        With `last`, only that many messages ending at the leaf: a long chat opens by reading
        one screenful, and earlier pages are read from the first one's parent.
        Empty if the conversation has no messages or the leaf is not in this conversation.
        """
        sql = f"""
            WITH RECURSIVE chain(id, parent_id, depth) AS (
                SELECT id, parent_id, 0 FROM messages
                WHERE conversation_id = :conversation AND id = coalesce(
                    :leaf, (SELECT leaf_id FROM conversations WHERE id = :conversation))
                UNION ALL
                SELECT m.id, m.parent_id, chain.depth + 1
                FROM messages m JOIN chain ON m.id = chain.parent_id
                WHERE :last IS NULL OR chain.depth + 1 < :last
            )
            SELECT {select_list(Message, "m.")} FROM chain JOIN messages m ON m.id = chain.id
            ORDER BY chain.depth DESC"""
        params = {"conversation": conversation_id, "leaf": leaf_id, "last": last}
        return [message_from_row(row) for row in self._db.execute(sql, params)]

    @user_errors
    def siblings(self, message_id: int) -> list[Message]:
        """The message and its alternatives (same parent), oldest first: the `< 1/2 >` switcher."""
        sql = f"""
            SELECT {select_list(Message, "m.")} FROM messages m JOIN messages me ON me.id = ?
            WHERE m.conversation_id = me.conversation_id AND m.parent_id IS me.parent_id
            ORDER BY m.id"""
        found = [message_from_row(row) for row in self._db.execute(sql, [message_id])]
        if not found:
            raise NotFound(f"message {message_id} not found")
        return found

    @user_errors
    def select_branch(self, message_id: int) -> None:
        """Show the branch through `message_id`, down its newest child at every level."""
        cursor = self._db.execute(
            # UPDATE first, CTE inside: sqlite3 reports no rowcount for a statement opening WITH.
            """
            UPDATE conversations SET leaf_id = (
                WITH RECURSIVE descent(id, depth) AS (
                    SELECT :message, 0
                    UNION ALL
                    SELECT (SELECT max(id) FROM messages WHERE parent_id = descent.id), depth + 1
                    FROM descent WHERE id IS NOT NULL
                )
                SELECT id FROM descent WHERE id IS NOT NULL ORDER BY depth DESC LIMIT 1
            )
            WHERE id = (SELECT conversation_id FROM messages WHERE id = :message)""",
            {"message": message_id},
        )
        if cursor.rowcount == 0:
            raise NotFound(f"message {message_id} not found")

    @user_errors
    def message_count(self, conversation_id: int) -> int:
        sql = "SELECT count(*) FROM messages WHERE conversation_id = ?"
        return self._db.execute(sql, [conversation_id]).fetchone()[0]

    @user_errors
    def messages(self, conversation_id: int) -> list[Message]:
        """Every message of the conversation, all branches, oldest first: what an export keeps."""
        sql = f"SELECT {select_list(Message)} FROM messages WHERE conversation_id = ? ORDER BY id"
        return [message_from_row(row) for row in self._db.execute(sql, [conversation_id])]

    @user_errors
    def restore_conversation(
        self, conversation: Conversation, messages: Sequence[Message]
    ) -> Conversation:
        """Add a copy of an exported conversation under new ids (see store_restore)."""
        with self._db.atomic():
            new_id = store_restore.conversation(self._db, conversation, messages)
        return self.conversation(new_id)

    # --- runs -------------------------------------------------------------------------------

    @user_errors
    def create_run(
        self,
        goal: str,
        workspace: str,
        model: str,
        *,
        parent_run_id: int | None = None,
        fork_seq: int | None = None,
        provider: str = "",
    ) -> Run:
        """A new run in status 'running'; a fork names the run and event seq it continues from."""
        now = utc_now()
        row = {"goal": goal, "workspace": workspace, "model": model, "status": "running",
               "provider": provider,
               "parent_run_id": parent_run_id, "fork_seq": fork_seq,
               "created_at": now, "updated_at": now, "pid": os.getpid(),
               "pid_started": process_started(os.getpid())}
        return self.run(self._db.table("runs").insert(row).last_pk)

    @user_errors
    def append_event(self, run_id: int, event: events.RunEvent) -> int:
        """Record the run's next event and return its seq (1, 2, 3… per run).

        The last seq is cached per run, so this is a single INSERT; it assumes this Store is
        the only writer of the run's events, which the UNIQUE(run_id, seq) index enforces.
        """
        type_name, data = events.to_record(event)
        if isinstance(data.get("error"), str):  # a server may echo the key in its error
            data["error"] = scrub(data["error"])
        seq = self._last_seq.get(run_id)
        if seq is None:
            sql = "SELECT coalesce(max(seq), 0) FROM run_events WHERE run_id = ?"
            seq = self._db.execute(sql, [run_id]).fetchone()[0]
        seq += 1
        self._db.execute(
            "INSERT INTO run_events (run_id, seq, type, data, text, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (run_id, seq, type_name, json.dumps(data, ensure_ascii=False), searchable_text(event),
             utc_now()),
        )
        self._last_seq[run_id] = seq
        return seq

    @user_errors
    def update_run(self, id: int, **changes: Any) -> None:
        """Set any of status, summary, error, steps, tokens, cost_usd, ended_at, model.

        Moving to an end status stamps ended_at unless it is given.
        """
        unknown = changes.keys() - _RUN_FIELDS
        if unknown:
            raise ValueError(f"update_run: unknown field(s) {', '.join(sorted(unknown))}")
        status = changes.get("status")
        if status is not None and status not in _RUN_STATUSES:
            raise ValueError(f"update_run: unknown status {status!r}")
        now = utc_now()
        if status not in (None, "running"):
            changes.setdefault("ended_at", now)
        if isinstance(changes.get("error"), str):
            changes["error"] = scrub(changes["error"])
        self._update("runs", id, {**changes, "updated_at": now})

    @user_errors
    def reopen_run(self, id: int) -> Run:
        """A run that goes on (resumed, or a follow-up): 'running' again, driven by this
        process. StoreError if another live process is driving it."""
        run = self.run(id)
        started = self._db.execute("SELECT pid_started FROM runs WHERE id = ?", [id]).fetchone()
        if (run.status == "running" and run.pid != os.getpid()
                and owner_alive(run.pid, started[0])):
            raise StoreError(f"run {id} is still going in another window or terminal")
        self._update("runs", id, {"status": "running", "error": None, "ended_at": None,
                                  "pid": os.getpid(), "pid_started": process_started(os.getpid()),
                                  "updated_at": utc_now()})
        return self.run(id)

    @user_errors
    def run(self, id: int) -> Run:
        sql = f"SELECT {select_list(Run)} FROM runs WHERE id = ?"
        return Run(*self._row(sql, [id], f"run {id}"))

    @user_errors
    def runs(self, limit: int | None = None) -> list[Run]:
        """Runs, newest first (by start time: an imported run sits on its own day); the first
        `limit` if given."""
        sql = f"SELECT {select_list(Run)} FROM runs ORDER BY created_at DESC, id DESC LIMIT ?"
        return [Run(*row) for row in self._db.execute(sql, [limit or -1])]

    @user_errors
    def restore_run(self, run: Run, stored: Sequence[StoredEvent]) -> Run:
        """Add a copy of an exported run and its events under a new id (see store_restore)."""
        with self._db.atomic():
            new_id = store_restore.run(self._db, run, stored)
        return self.run(new_id)

    @user_errors
    def events(self, run_id: int, upto_seq: int | None = None) -> list[StoredEvent]:
        """The run's events in order, optionally only up to and including `upto_seq`."""
        rows = self._db.execute(
            "SELECT run_id, seq, type, data, created_at FROM run_events"
            " WHERE run_id = ? AND seq <= coalesce(?, seq) ORDER BY seq",
            [run_id, upto_seq],
        )
        return [StoredEvent(run, seq, type_, json.loads(data), created)
                for run, seq, type_, data, created in rows]

    @user_errors
    def mark_interrupted(self) -> int:
        """Runs left 'running' by a process that is gone died with it: mark them 'interrupted'.

        Runs another live process is driving (the window, a terminal) are left alone; so are
        replies still streaming, which are saved every fraction of a second: only replies
        silent for STALE_REPLY_S are marked failed. Returns the number of runs marked.
        """
        now = utc_now()
        stale = iso_utc(time.time() - STALE_REPLY_S)
        self._db.execute(
            "UPDATE messages SET status = 'failed', error = ?, updated_at = ?"
            " WHERE status = 'streaming' AND updated_at < ?",
            [INTERRUPTED_REPLY, now, stale],
        )
        sql = "SELECT id, pid, pid_started FROM runs WHERE status = 'running'"
        dead = [id for id, pid, started in self._db.execute(sql).fetchall()
                if not owner_alive(pid, started)]
        for id in dead:
            self._db.execute(
                "UPDATE runs SET status = 'interrupted', updated_at = ?, ended_at = ?"
                " WHERE id = ? AND status = 'running'",
                [now, now, id],
            )
        return len(dead)

    @user_errors
    def delete_run(self, id: int) -> None:
        """Delete the run, its events and the blobs it alone held; FTS triggers drop index rows."""
        with self._db.atomic():
            self._db.execute("DELETE FROM run_events WHERE run_id = ?", [id])
            if self._db.execute("DELETE FROM runs WHERE id = ?", [id]).rowcount == 0:
                raise NotFound(f"run {id} not found")
        self._last_seq.pop(id, None)
        ledger.release(self, id)

    # --- memory and search ------------------------------------------------------------------

    @user_errors
    def add_memory(self, text: str, tags: Sequence[str] = (), run_id: int | None = None) -> int:
        row = {"text": text, "tags": ",".join(t.strip() for t in tags if t.strip()),
               "run_id": run_id, "created_at": utc_now()}
        return self._db.table("memories").insert(row).last_pk

    @user_errors
    def recall(self, query: str, limit: int = 10) -> list[RecallHit]:
        """Memories and run events matching any word of `query`, best match (bm25) first.

        Any-word rather than all-words: the agent asks in sentences, and bm25 already puts
        the entries matching the most (and rarest) words first.
        """
        words = [quoted for word in query.split() if (quoted := self._db.quote_fts(word))]
        rows = fts.ranked(self._db, RECALL_ARMS, " OR ".join(words), limit)
        return [RecallHit(*row[:5]) for row in rows]

    @user_errors
    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Messages, run goals, run events and memories containing every word, newest first
        (see `fts.search`)."""
        return [SearchHit(*row[:7]) for row in fts.search(self._db, query, limit)]

