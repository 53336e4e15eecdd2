"""ChatSession: history, saving as it streams, failures and branches, against the real SDK."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from desktop.core.agent.compaction import ContextLimits
from desktop.core.chat.session import ChatSession, api_messages
from desktop.core.demo.fake_api import FakeAPI, Turn
from desktop.core.events import (
    HistoryTrimmed,
    ReplyFailed,
    ReplyFinished,
    ReplyStarted,
    TextDelta,
    UserMessageSaved,
)
from desktop.core.model.blocks import message_to_api
from desktop.core.model.client import ModelClient
from desktop.core.store.database import Store


def run_all(stream: Any) -> list[Any]:
    async def go() -> list[Any]:
        return [e async for e in stream]

    return asyncio.run(go())


def test_send_stores_both_messages_and_titles_the_chat(
    fake_api: FakeAPI, client: ModelClient, store: Store
) -> None:
    fake_api.add(Turn(text="Sorted: use `sorted()`.", input_tokens=20, output_tokens=8))
    chat = store.create_conversation(model="claude-sonnet-5-5", system_prompt="terse")
    events = run_all(ChatSession(store, client).send(chat.id, "How do I sort a list in Python?"))
    kinds = [type(e) for e in events]
    assert kinds[:2] == [UserMessageSaved, ReplyStarted] and kinds[-1] is ReplyFinished
    user, reply = store.thread(chat.id)
    assert (user.role, user.text) == ("user", "How do I sort a list in Python?")
    assert (reply.role, reply.status) == ("assistant", "complete")
    assert reply.text == "Sorted: use `sorted()`."
    assert (reply.input_tokens, reply.output_tokens, reply.model) == (20, 8, "claude-sonnet-5-5")
    assert reply.cost_usd > 0
    assert store.conversation(chat.id).title == "How do I sort a list in Python?"
    body = fake_api.requests[-1]["body"]
    assert body["system"] == "terse"
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "How do I sort a list in Python?"}]}
    ]


def test_user_message_is_stored_before_the_request(
    fake_api: FakeAPI, client: ModelClient, store: Store
) -> None:
    fake_api.add(Turn(text="ok"))
    chat = store.create_conversation()

    async def go() -> tuple[int, int]:
        stream = ChatSession(store, client).send(chat.id, "first")
        saved = await anext(stream)
        requests_then = len(fake_api.requests)
        async for _ in stream:
            pass
        return saved.message_id, requests_then

    message_id, requests_then = asyncio.run(go())
    assert store.message(message_id).text == "first"
    assert requests_then == 0 and len(fake_api.requests) == 1


def test_streamed_text_is_stored_while_it_arrives(
    fake_api: FakeAPI, client: ModelClient, store: Store
) -> None:
    fake_api.add(Turn(text="word " * 60, tokens_per_s=100))  # ~0.75 s of streaming
    chat = store.create_conversation()
    seen_mid_stream: list[tuple[str, str]] = []

    async def go() -> None:
        session = ChatSession(store, client, flush_interval_s=0.1)
        reply_id = 0
        started = 0.0
        async for event in session.send(chat.id, "talk"):
            if isinstance(event, ReplyStarted):
                reply_id, started = event.message_id, time.monotonic()
            elif isinstance(event, TextDelta) and time.monotonic() - started > 0.4:
                stored = store.message(reply_id)
                seen_mid_stream.append((stored.status, stored.text))

    asyncio.run(go())
    assert seen_mid_stream, "the reply finished too fast to observe"
    status, text = seen_mid_stream[0]
    assert status == "streaming" and text.startswith("word word")
    assert len(text) < len("word " * 60)


def test_cut_stream_keeps_partial_text_as_failed(
    fake_api: FakeAPI, client: ModelClient, store: Store
) -> None:
    fake_api.add(Turn(text="The answer is forty-two, because", cut_after_chars=16))
    chat = store.create_conversation()
    events = run_all(ChatSession(store, client).send(chat.id, "why?"))
    failed = events[-1]
    assert isinstance(failed, ReplyFailed) and "cut off" in failed.error
    reply = store.message(failed.message_id)
    assert reply.status == "failed" and reply.error == failed.error
    assert reply.text and "The answer is forty-two, because".startswith(reply.text)


def test_api_error_marks_reply_failed_with_reason(
    fake_api: FakeAPI, client: ModelClient, store: Store
) -> None:
    fake_api.add(Turn(status=404, error_message="model: nope"))
    chat = store.create_conversation(model="nope")
    events = run_all(ChatSession(store, client).send(chat.id, "hello"))
    reply = store.message(events[-1].message_id)
    assert (reply.status, reply.text) == ("failed", "")
    assert reply.error == "not found (404): model: nope"


def test_cancel_keeps_what_arrived(fake_api: FakeAPI, client: ModelClient, store: Store) -> None:
    fake_api.add(Turn(text="slow " * 200, tokens_per_s=100))
    chat = store.create_conversation()

    async def go() -> int:
        reply_ids: list[int] = []
        received: list[str] = []

        async def consume() -> None:
            async for event in ChatSession(store, client).send(chat.id, "go"):
                if isinstance(event, ReplyStarted):
                    reply_ids.append(event.message_id)
                elif isinstance(event, TextDelta):
                    received.append(event.text)

        task = asyncio.ensure_future(consume())
        while len(received) < 5:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return reply_ids[0]

    reply = store.message(asyncio.run(go()))
    assert reply.status == "cancelled" and reply.error == "stopped by the user"
    assert reply.text.startswith("slow slow") and len(reply.text) < len("slow " * 200)


def test_edit_branches_and_history_follows_the_branch(
    fake_api: FakeAPI, client: ModelClient, store: Store
) -> None:
    fake_api.add(Turn(text="A1"), Turn(text="A2"), Turn(text="B2"))
    chat = store.create_conversation()
    session = ChatSession(store, client)
    run_all(session.send(chat.id, "Q1"))
    run_all(session.send(chat.id, "Q2"))
    q2 = store.thread(chat.id)[2]
    run_all(session.edit(q2.id, "Q2 edited"))
    assert [m.text for m in store.thread(chat.id)] == ["Q1", "A1", "Q2 edited", "B2"]
    assert [m.text for m in store.siblings(q2.id)] == ["Q2", "Q2 edited"]
    sent = fake_api.requests[-1]["body"]["messages"]
    assert [m["content"][0]["text"] for m in sent] == ["Q1", "A1", "Q2 edited"]
    store.select_branch(q2.id)
    assert [m.text for m in store.thread(chat.id)] == ["Q1", "A1", "Q2", "A2"]


def test_regenerate_adds_a_sibling_reply(
    fake_api: FakeAPI, client: ModelClient, store: Store
) -> None:
    fake_api.add(Turn(text="first try"), Turn(text="second try"))
    chat = store.create_conversation()
    session = ChatSession(store, client)
    run_all(session.send(chat.id, "Q"))
    first = store.thread(chat.id)[-1]
    run_all(session.regenerate(first.id))
    latest = store.thread(chat.id)[-1]
    assert latest.text == "second try" and latest.parent_id == first.parent_id
    assert [m.text for m in store.siblings(latest.id)] == ["first try", "second try"]
    assert [m["role"] for m in fake_api.requests[-1]["body"]["messages"]] == ["user"]


def test_empty_message_is_refused_before_storing(client: ModelClient, store: Store) -> None:
    chat = store.create_conversation()
    with pytest.raises(ValueError, match="empty"):
        run_all(ChatSession(store, client).send(chat.id, "  \n "))
    assert store.thread(chat.id) == []


def test_history_drops_failed_replies_and_merges_turns(store: Store) -> None:
    chat = store.create_conversation()
    q1 = store.add_message(chat.id, "user", "Q1")
    bad = store.add_message(chat.id, "assistant", "half", parent_id=q1.id, status="failed")
    q2 = store.add_message(chat.id, "user", "Q2", parent_id=bad.id)
    history = api_messages(store.thread(chat.id, q2.id))
    assert [message_to_api(m) for m in history] == [
        {"role": "user", "content": [{"type": "text", "text": t} for t in ("Q1", "Q2")]}
    ]


def test_a_save_failing_mid_stream_ends_the_reply_with_the_reason(
    fake_api: FakeAPI, client: ModelClient, tmp_path: Path
) -> None:
    fake_api.add(Turn(text="word " * 100, tokens_per_s=200))
    store = Store(tmp_path / "locked.db", busy_timeout_ms=50)
    chat = store.create_conversation()
    blocker = sqlite3.connect(tmp_path / "locked.db")

    async def go() -> list[Any]:
        seen = []
        async for event in ChatSession(store, client, flush_interval_s=0.05).send(chat.id, "hi"):
            seen.append(event)
            if isinstance(event, TextDelta) and not blocker.in_transaction:
                blocker.execute("BEGIN EXCLUSIVE")
        return seen

    try:
        events = asyncio.run(go())
    finally:
        blocker.rollback()
    failed = events[-1]
    assert isinstance(failed, ReplyFailed)
    assert failed.error.startswith("the reply could not be saved: the database is locked")
    assert sum(isinstance(e, TextDelta) for e in events) < 100


def test_attachments_and_generation_settings_reach_the_request(
    fake_api: FakeAPI, client: ModelClient, store: Store, tmp_path: Path
) -> None:
    from desktop.core.chat.attachments import load

    (tmp_path / "todo.txt").write_text("buy milk\n")
    note = load(tmp_path / "todo.txt").block
    fake_api.add(Turn(text="Noted."), Turn(text="Still noted."))
    chat = store.create_conversation()
    session = ChatSession(store, client, max_tokens=77, temperature=0.2)
    run_all(session.send(chat.id, "", [note]))  # files alone are a message

    body = fake_api.requests[-1]["body"]
    assert (body["max_tokens"], body["temperature"]) == (77, 0.2)
    sent_file = {"type": "text", "text": "todo.txt\n```\nbuy milk\n```"}
    assert body["messages"][0]["content"] == [sent_file]
    user = store.thread(chat.id)[0]
    assert user.content == [note] and store.conversation(chat.id).title == "todo.txt"

    run_all(ChatSession(store, client).edit(user.id, "what is on it?"))  # the file stays
    sent = fake_api.requests[-1]["body"]
    assert sent["messages"][0]["content"][0]["text"].startswith("todo.txt\n")
    assert sent["messages"][0]["content"][1] == {"type": "text", "text": "what is on it?"}
    assert "temperature" not in sent  # not chosen: the model's own


def test_a_conversation_longer_than_the_window_sends_its_latest_part_and_says_so(
    fake_api: FakeAPI, client: ModelClient, store: Store
) -> None:
    chat = store.create_conversation(model="local-model")
    parent = None
    for n in range(10):  # ten exchanges of ~2,500 tokens each
        user = store.add_message(chat.id, "user", f"question {n} " + "x" * 5000, parent_id=parent)
        parent = store.add_message(chat.id, "assistant", f"answer {n}", parent_id=user.id).id
    fake_api.add(Turn("Short answer."))
    session = ChatSession(store, client, context=ContextLimits(window=10_000))
    events = run_all(session.send(chat.id, "and now?"))
    [trimmed] = [e for e in events if isinstance(e, HistoryTrimmed)]
    sent = fake_api.requests[-1]["body"]["messages"]
    assert len(json.dumps(sent)) // 4 <= 8_000 and sent[0]["role"] == "user"
    assert sent[0]["content"][0]["text"].startswith(f"[The {trimmed.left_out} earliest")
    assert sent[-1]["content"] == [{"type": "text", "text": "and now?"}]
    assert len(store.thread(chat.id)) == 22  # the store keeps every message


def test_a_history_refused_as_too_long_is_sent_again_shorter(
    fake_api: FakeAPI, client: ModelClient, store: Store
) -> None:
    chat = store.create_conversation(model="local-model")
    first = store.add_message(chat.id, "user", "old " * 4000)
    store.add_message(chat.id, "assistant", "noted", parent_id=first.id)
    fake_api.add(Turn(status=400, error_message="prompt is too long for this model"),
                 Turn("Fine."))
    events = run_all(ChatSession(store, client).send(chat.id, "new question"))
    assert isinstance(events[-1], ReplyFinished)
    assert any(isinstance(e, HistoryTrimmed) for e in events)
    assert len(fake_api.requests[-1]["body"]["messages"]) == 1
