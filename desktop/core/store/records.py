"""The rows the store hands out: frozen dataclasses, plus the store's error types."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any, Literal

from desktop.core import events

Role = Literal["user", "assistant"]
MessageStatus = Literal["complete", "streaming", "cancelled", "failed"]


class StoreError(Exception):
    """A database failure worded for the user; the sqlite3 error is kept as `__cause__`."""


class NotFound(StoreError):
    """No row has the requested id (it was deleted, or never existed)."""


def utc_now() -> str:
    """ISO-8601 UTC with milliseconds; fixed width, so text order is time order."""
    return iso_utc(datetime.now(UTC).timestamp())


def iso_utc(timestamp: float) -> str:
    """A Unix time in the store's timestamp format."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Conversation:
    id: int
    title: str
    model: str
    system_prompt: str
    leaf_id: int | None
    created_at: str
    updated_at: str
    provider: str = ""
    """The provider profile it talks to; '' = the default one."""


@dataclass(frozen=True)
class Message:
    id: int
    conversation_id: int
    parent_id: int | None
    role: Role
    content: list[dict[str, Any]]
    text: str
    model: str
    input_tokens: int
    output_tokens: int
    cost_usd: float
    status: MessageStatus
    error: str | None
    created_at: str
    stop_reason: str | None = None
    """Why the model stopped: end_turn, max_tokens, refusal… (None before it was kept)."""
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


@dataclass(frozen=True)
class Run:
    id: int
    goal: str
    workspace: str
    model: str
    status: events.RunStatus
    summary: str | None
    error: str | None
    steps: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    parent_run_id: int | None
    fork_seq: int | None
    created_at: str
    updated_at: str
    ended_at: str | None
    pid: int | None = None
    provider: str = ""
    """The provider profile it talks to ('' for runs recorded before profiles were kept)."""


@dataclass(frozen=True)
class StoredEvent:
    run_id: int
    seq: int
    type: str
    data: dict[str, Any]
    created_at: str

    def event(self) -> Any:
        """The live event this row was recorded from, so replay uses the live renderers."""
        return events.from_record(self.type, self.data)


@dataclass(frozen=True)
class RecallHit:
    kind: Literal["memory", "run_event"]
    id: int
    run_id: int | None
    snippet: str
    text: str


@dataclass(frozen=True)
class SearchHit:
    kind: Literal["message", "run", "run_event", "memory"]
    id: int
    parent_id: int | None
    seq: int | None
    title: str
    snippet: str
    created_at: str


def select_list(cls: type, alias: str = "") -> str:
    """The SELECT list matching a dataclass's fields, so rows unpack positionally."""
    return ", ".join(f"{alias}{f.name}" for f in fields(cls))


def message_from_row(row: Sequence[Any]) -> Message:
    return Message(*row[:4], json.loads(row[4]), *row[5:])  # content is the fifth column
