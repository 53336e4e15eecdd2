"""Chats and runs as files: Markdown to read, JSON that holds everything and imports back.

The window's Export and Import and the CLI's `show --format` and `import` all come through
here, so a file written by one reads in the other. Import checks the file before writing
anything and reports a bad one as an `ArchiveError` worded for the user.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Literal

from desktop.core.agent.conversation import conversation_at
from desktop.core.events import from_record
from desktop.core.review.chat_transcript import chat_json, chat_markdown
from desktop.core.review.import_checks import MAX_DEPTH, RecordError, check, check_depth
from desktop.core.review.run_transcript import run_json, run_markdown
from desktop.core.store.database import Store
from desktop.core.store.records import Conversation, Message, Run, StoredEvent

Format = Literal["md", "json"]
READABLE_VERSIONS = (1, 2)
"""Version 1 (before import existed) kept database ids where version 2 keeps refs."""


class ArchiveError(ValueError):
    """The file is not an AgentDesk export this version can read."""


@dataclass(frozen=True)
class Imported:
    kind: Literal["conversation", "run"]
    id: int
    title: str


def conversation_text(store: Store, conversation_id: int, fmt: Format) -> str:
    """The conversation as Markdown (the branch on screen) or JSON (every branch)."""
    conversation = store.conversation(conversation_id)
    if fmt == "json":
        return _dumps(chat_json(conversation, store.messages(conversation_id)))
    return chat_markdown(conversation, store.thread(conversation_id))


def run_text(store: Store, run_id: int, fmt: Format | Literal["sent"]) -> str:
    """The run as Markdown, as JSON (everything), or as what its model is sent next ("sent":
    the conversation after compaction, the view the record does not show directly)."""
    run, events = store.run(run_id), store.events(run_id)
    if fmt == "sent":
        return _dumps(conversation_at(stored.event() for stored in events))
    return _dumps(run_json(run, events)) if fmt == "json" else run_markdown(run, events)


def format_for(path: str) -> Format:
    """The format a file name asks for: JSON for .json, else Markdown."""
    return "json" if path.lower().endswith(".json") else "md"


def import_text(store: Store, text: str) -> Imported:
    """Add the exported conversation or run in `text` to the store, under new ids."""
    try:
        data = json.loads(text)
        check_depth(data, "the file")
    except json.JSONDecodeError as exc:
        raise ArchiveError(f"not a JSON file ({exc.msg}, line {exc.lineno})") from exc
    except (RecursionError, RecordError) as exc:
        raise ArchiveError(f"the file is nested more than {MAX_DEPTH} levels deep") from exc
    if not isinstance(data, dict) or data.get("type") not in ("conversation", "run"):
        raise ArchiveError("not an AgentDesk export: it should be a chat or run saved as JSON")
    if data.get("version") not in READABLE_VERSIONS:
        raise ArchiveError(f"export version {data.get('version')!r} is not one this "
                           f"AgentDesk reads ({', '.join(map(str, READABLE_VERSIONS))})")
    try:
        if data["type"] == "conversation":
            conversation = store.restore_conversation(*_conversation(data))
            return Imported("conversation", conversation.id, conversation.title)
        run = store.restore_run(*_run(data))
        return Imported("run", run.id, run.goal)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ArchiveError(f"the export is incomplete or damaged ({_problem(exc)})") from exc


def _conversation(data: dict[str, Any]) -> tuple[Conversation, list[Message]]:
    head = data["conversation"]
    leaf = head.get("leaf", head.get("leaf_id"))
    conversation = _record(Conversation, head, id=0, leaf_id=leaf)
    check(conversation, "conversation")
    messages = []
    seen: set[int] = set()
    for item in data["messages"]:
        ref, parent = item.get("ref", item.get("id")), item.get("parent", item.get("parent_id"))
        if not isinstance(ref, int) or ref in seen or (parent is not None and parent not in seen):
            raise ValueError(f"message {ref!r} comes before its parent or repeats a ref")
        seen.add(ref)
        message = _record(Message, item, id=ref, conversation_id=0, parent_id=parent)
        check(message, f"messages[{len(messages)}]")
        messages.append(message)
    if leaf is not None and leaf not in seen:
        raise ValueError(f"the leaf {leaf!r} is not one of the messages")
    return conversation, messages


def _run(data: dict[str, Any]) -> tuple[Run, list[StoredEvent]]:
    # A fork's parent is a run of the database it was recorded in, not of this one: the
    # imported run links to none (its RunForked event still says where it came from).
    run = _record(Run, data["run"], id=0, pid=None, parent_run_id=None, fork_seq=None)
    check(run, "run")
    events = [_record(StoredEvent, item, run_id=0) for item in data["events"]]
    for index, stored in enumerate(events):
        check(stored, f"events[{index}]")
        # an unknown or malformed event fails here, a mistyped field in check()
        check(from_record(stored.type, stored.data), f"events[{index}].data")
    return run, events


def _record(cls: type, values: dict[str, Any], **fixed: Any) -> Any:
    """A `cls` from the export's fields it knows; the ids are given, not taken from the file."""
    names = {f.name for f in dataclasses.fields(cls)} - fixed.keys()
    return cls(**{k: v for k, v in values.items() if k in names}, **fixed)


def _problem(exc: Exception) -> str:
    return f"missing {exc}" if isinstance(exc, KeyError) else str(exc)


def _dumps(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
