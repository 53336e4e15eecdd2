"""The store against real SQLite files: schema, branching chat, runs, recall, search, errors."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

from desktop.core import events
from desktop.core.store.database import NotFound, Store, StoreError, utc_now
from desktop.core.store.schema import SCHEMA_VERSION


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "agentdesk.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    with Store(db_path) as opened:
        yield opened


def _pragma(path: Path, name: str) -> object:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        connection.close()


def _fts_intact(path: Path, table: str) -> None:
    """FTS5's own check that the index matches the content table (raises if not)."""
    connection = sqlite3.connect(path)
    try:
        connection.execute(f"INSERT INTO {table}_fts({table}_fts) VALUES ('integrity-check')")
    finally:
        connection.close()


# --- connection and schema ------------------------------------------------------------------


def test_migrations_set_user_version_and_reopen_idempotently(db_path: Path) -> None:
    with Store(db_path) as store:
        conversation = store.create_conversation("kept")
    assert _pragma(db_path, "user_version") == SCHEMA_VERSION >= 1
    with Store(db_path) as store:
        assert [c.title for c in store.conversations()] == ["kept"]
        assert store.conversation(conversation.id) == conversation
    assert _pragma(db_path, "user_version") == SCHEMA_VERSION


def test_newer_schema_is_refused(db_path: Path) -> None:
    Store(db_path).close()
    connection = sqlite3.connect(db_path)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    with pytest.raises(StoreError, match="newer version of AgentDesk") as raised:
        Store(db_path)
    assert str(db_path) in str(raised.value)


def test_wal_and_foreign_keys_are_on(store: Store, db_path: Path) -> None:
    assert _pragma(db_path, "journal_mode") == "wal"
    conversation = store.create_conversation()
    with pytest.raises(StoreError, match="FOREIGN KEY"):
        store.add_message(conversation.id, "user", "orphan", parent_id=12345)


def test_memory_database_works_without_wal() -> None:
    with Store() as store:
        conversation = store.create_conversation()
        store.add_message(conversation.id, "user", "in memory only")
        assert [m.text for m in store.thread(conversation.id)] == ["in memory only"]


def test_locked_database_gives_a_clear_store_error(db_path: Path) -> None:
    Store(db_path).close()
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        started = time.perf_counter()
        with (
            pytest.raises(StoreError, match="locked by another program") as raised,
            Store(db_path, busy_timeout_ms=50) as store,
        ):
            store.create_conversation()
        assert time.perf_counter() - started < 1.0  # the 50 ms timeout, not sqlite3's 5 s
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert str(db_path) in str(raised.value)
    assert isinstance(raised.value.__cause__, sqlite3.OperationalError)


def test_missing_rows_raise_not_found(store: Store) -> None:
    with pytest.raises(NotFound, match="conversation 99 not found"):
        store.conversation(99)
    with pytest.raises(NotFound):
        store.update_message(99, status="failed")
    with pytest.raises(NotFound):
        store.siblings(99)
    with pytest.raises(NotFound):
        store.select_branch(99)
    with pytest.raises(NotFound):
        store.update_run(99, status="finished")
    with pytest.raises(NotFound):
        store.delete_run(99)


# --- conversations and messages -------------------------------------------------------------


def test_branching_thread_siblings_and_select_branch(store: Store) -> None:
    chat = store.create_conversation("Branches", model="claude", system_prompt="Be brief.")
    other = store.create_conversation("Other")
    store.add_message(other.id, "user", "another root")

    u1 = store.add_message(chat.id, "user", "What is WAL?")
    a1 = store.add_message(chat.id, "assistant", "A journal mode.", parent_id=u1.id, model="m1")
    u2 = store.add_message(chat.id, "user", "What is WAL in SQLite?")  # edit: a new root
    a2 = store.add_message(chat.id, "assistant", "Write-ahead logging.", parent_id=u2.id)
    a3 = store.add_message(chat.id, "assistant", "Regenerated answer.", parent_id=u2.id)

    assert store.conversation(chat.id).leaf_id == a3.id
    assert [m.id for m in store.thread(chat.id)] == [u2.id, a3.id]
    assert [m.id for m in store.thread(chat.id, leaf_id=a1.id)] == [u1.id, a1.id]
    assert store.thread(chat.id, leaf_id=a1.id)[1].model == "m1"
    assert [m.id for m in store.siblings(u1.id)] == [u1.id, u2.id]
    assert [m.id for m in store.siblings(a3.id)] == [a2.id, a3.id]
    assert [m.id for m in store.siblings(a1.id)] == [a1.id]

    store.select_branch(u1.id)
    assert [m.id for m in store.thread(chat.id)] == [u1.id, a1.id]
    store.select_branch(u2.id)  # newest child of u2 is the regenerated reply
    assert store.conversation(chat.id).leaf_id == a3.id
    store.select_branch(a2.id)
    assert [m.text for m in store.thread(chat.id)] == [u2.text, "Write-ahead logging."]
    assert store.message_count(chat.id) == 5
    assert u1.content == [{"type": "text", "text": "What is WAL?"}]


def test_conversation_settings_and_order(store: Store) -> None:
    first = store.create_conversation()
    second = store.create_conversation()
    assert [c.id for c in store.conversations()] == [second.id, first.id]
    time.sleep(0.002)  # timestamps have millisecond resolution
    store.add_message(first.id, "user", "bump")
    assert [c.id for c in store.conversations()] == [first.id, second.id]

    store.rename_conversation(second.id, "Renamed")
    store.set_system_prompt(second.id, "You are terse.")
    store.set_conversation_model(second.id, "claude-x")
    changed = store.conversation(second.id)
    assert (changed.title, changed.system_prompt, changed.model) == (
        "Renamed", "You are terse.", "claude-x")
    assert changed.updated_at > second.updated_at
    assert changed.created_at.endswith("Z") and len(changed.created_at) == 24


def test_update_message_while_streaming(store: Store, db_path: Path) -> None:
    chat = store.create_conversation()
    question = store.add_message(chat.id, "user", "Say something")
    reply = store.add_message(chat.id, "assistant", "", parent_id=question.id, status="streaming")
    assert reply.status == "streaming"

    store.update_message(reply.id, content="draft aardvark")
    assert store.search("aardvark")[0].id == reply.id
    blocks = [{"type": "text", "text": "final"}, {"type": "text", "text": "pangolin"}]
    store.update_message(reply.id, content=blocks, status="complete", model="m2",
                         usage=events.Usage(12, 34, 0.5))

    done = store.message(reply.id)
    assert (done.content, done.text, done.status, done.model) == (
        blocks, "final\n\npangolin", "complete", "m2")
    assert (done.input_tokens, done.output_tokens, done.cost_usd) == (12, 34, 0.5)
    assert store.search("aardvark") == []
    assert [h.id for h in store.search("pangolin")] == [reply.id]

    store.update_message(reply.id, status="failed", error="overloaded")
    assert (store.message(reply.id).status, store.message(reply.id).error) == (
        "failed", "overloaded")
    _fts_intact(db_path, "messages")


def test_delete_conversation_removes_messages_and_fts_rows(store: Store, db_path: Path) -> None:
    chat = store.create_conversation("Doomed")
    root = store.add_message(chat.id, "user", "quokka question")
    store.add_message(chat.id, "assistant", "quokka answer", parent_id=root.id)
    kept = store.create_conversation("Kept")
    store.add_message(kept.id, "user", "quokka survives")
    assert len(store.search("quokka")) == 3

    store.delete_conversation(chat.id)

    assert [h.parent_id for h in store.search("quokka")] == [kept.id]
    assert store.message_count(chat.id) == 0
    with pytest.raises(NotFound):
        store.conversation(chat.id)
    _fts_intact(db_path, "messages")


def test_thread_of_ten_thousand_messages_is_fast(store: Store, db_path: Path) -> None:
    chat = store.create_conversation()
    now = utc_now()
    rows = [
        {"id": n, "conversation_id": chat.id, "parent_id": n - 1 if n > 1 else None,
         "role": "user" if n % 2 else "assistant",
         "content": f'[{{"type": "text", "text": "message {n}"}}]', "text": f"message {n}",
         "model": "", "status": "complete", "created_at": now, "updated_at": now}
        for n in range(1, 10_001)
    ]
    bulk = sqlite_utils.Database(db_path)
    bulk.table("messages").insert_all(rows, batch_size=1000)
    bulk.close()
    store.select_branch(1)

    started = time.perf_counter()
    thread = store.thread(chat.id)
    elapsed = time.perf_counter() - started

    assert len(thread) == 10_000
    assert (thread[0].id, thread[-1].id, thread[-1].text) == (1, 10_000, "message 10000")
    assert elapsed < 1.0, f"thread() took {elapsed:.3f} s"


# --- runs -----------------------------------------------------------------------------------


def _run_events(run_id: int) -> list[events.RunEvent]:
    return [
        events.RunStarted(run_id, "Tidy the repo", "/work", "claude", events.Budget(max_steps=7)),
        events.StepStarted(1),
        events.PlanUpdated((events.PlanItem("read files", "done"), events.PlanItem("clean up"))),
        events.TextDelta("Looking"),
        events.ToolCallStarted("c1", "run_command", {"command": "ls -la", "timeout": 30}),
        events.ToolOutput("c1", "partial"),
        events.ApprovalNeeded("c1", "run_command", {"command": "ls"}, "ls"),
        events.ApprovalResolved("c1", True),
        events.ToolCallFinished("c1", "run_command", "total 0\nnarwhal.txt", False, 0.25),
        events.UsageUpdated(events.Usage(100, 20, 0.01), 1),
        events.AgentMessage("All tidy.", 1),
        events.RunFinished("Tidied."),
    ]


def test_events_round_trip_in_seq_order(store: Store, db_path: Path) -> None:
    run = store.create_run("Tidy the repo", "/work", "claude")
    recorded = _run_events(run.id)
    seqs = [store.append_event(run.id, event) for event in recorded]

    assert seqs == list(range(1, len(recorded) + 1))
    stored = store.events(run.id)
    assert [e.seq for e in stored] == seqs
    assert [e.event() for e in stored] == recorded
    assert stored[0].event().budget == events.Budget(max_steps=7)
    assert stored[2].event().items[0] == events.PlanItem("read files", "done")
    assert stored[9].event().usage == events.Usage(100, 20, 0.01)
    assert [e.type for e in store.events(run.id, upto_seq=3)] == [
        "RunStarted", "StepStarted", "PlanUpdated"]

    with Store(db_path) as reopened:  # a fresh Store continues the numbering from the file
        assert reopened.append_event(run.id, events.StepStarted(2)) == len(recorded) + 1
    _fts_intact(db_path, "run_events")


def test_run_lifecycle_fork_and_delete(store: Store, db_path: Path) -> None:
    run = store.create_run("First goal", "/w", "m")
    assert (run.status, run.steps, run.ended_at, run.parent_run_id) == ("running", 0, None, None)
    store.append_event(run.id, events.RunStarted(run.id, "First goal", "/w", "m"))

    store.update_run(run.id, steps=3, input_tokens=10, output_tokens=5, cost_usd=0.25)
    assert store.run(run.id).ended_at is None
    store.update_run(run.id, status="finished", summary="done it")
    finished = store.run(run.id)
    assert (finished.status, finished.summary, finished.steps, finished.cost_usd) == (
        "finished", "done it", 3, 0.25)
    assert finished.ended_at is not None
    with pytest.raises(ValueError, match="goal"):
        store.update_run(run.id, goal="sneaky")
    with pytest.raises(ValueError, match="status"):
        store.update_run(run.id, status="exploded")

    fork = store.create_run("First goal", "/w", "m", parent_run_id=run.id, fork_seq=1)
    assert [r.id for r in store.runs()] == [fork.id, run.id]
    assert (fork.parent_run_id, fork.fork_seq) == (run.id, 1)

    store.delete_run(run.id)
    assert [r.id for r in store.runs()] == [fork.id]
    assert store.events(run.id) == []
    assert [h.id for h in store.search("first goal")] == [fork.id]
    _fts_intact(db_path, "run_events")
    _fts_intact(db_path, "runs")


def test_mark_interrupted(store: Store) -> None:
    crashed = [store.create_run(f"goal {n}", "/w", "m") for n in range(2)]
    done = store.create_run("done", "/w", "m")
    store.update_run(done.id, status="finished")

    assert store.mark_interrupted() == 2
    assert [store.run(r.id).status for r in crashed] == ["interrupted", "interrupted"]
    assert all(store.run(r.id).ended_at for r in crashed)
    assert store.run(done.id).status == "finished"
    assert store.mark_interrupted() == 0


def test_mark_interrupted_spares_runs_of_a_live_process(db_path: Path) -> None:
    """A run driven by another live process (the window, a terminal) is not 'interrupted'."""
    script = (
        "import sys; from desktop.core.store.database import Store; "
        "s = Store(sys.argv[1]); print(s.create_run('live', '/w', 'm').id, flush=True); "
        "sys.stdin.read()"
    )
    owner = subprocess.Popen(
        [sys.executable, "-c", script, str(db_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        live_id = int(owner.stdout.readline())
        with Store(db_path) as store:
            assert store.run(live_id).pid == owner.pid
            assert store.mark_interrupted() == 0
            assert store.run(live_id).status == "running"
    finally:
        owner.communicate("")
    with Store(db_path) as store:
        assert store.mark_interrupted() == 1
        assert store.run(live_id).status == "interrupted"


def test_append_event_throughput(store: Store) -> None:
    run = store.create_run("fast", "/w", "m")
    stream = [
        events.TextDelta("token "),
        events.ToolOutput("c1", "a line of output\n"),
        events.ToolCallFinished("c1", "run_command", "some output words " * 10, False, 0.1),
        events.AgentMessage("a complete step of agent text " * 5, 1),
    ]
    count = 2000
    started = time.perf_counter()
    for n in range(count):
        store.append_event(run.id, stream[n % len(stream)])
    rate = count / (time.perf_counter() - started)
    assert len(store.events(run.id)) == count
    assert rate > 1000, f"{rate:.0f} appends/s"


# --- memory and search ----------------------------------------------------------------------


def test_recall_ranks_memories_and_run_events(store: Store) -> None:
    run = store.create_run("Set up tests", "/w", "m")
    store.append_event(run.id, events.ToolCallFinished(
        "c1", "run_command", "collected 3 items; pytest finished in 0.2s with plenty of "
        "other unrelated words around it", False, 1.0))
    best = store.add_memory("Pytest fixtures live in conftest.py", ["testing", "pytest"], run.id)
    store.add_memory("The user prefers tabs", ["style"])
    for n in range(5):  # enough unrelated rows for bm25's term rarity to mean something
        store.add_memory(f"filler note {n} about deployment")
        store.append_event(run.id, events.AgentMessage(f"filler step {n}", n))

    hits = store.recall("where do pytest fixtures go?")

    assert [(h.kind, h.run_id) for h in hits] == [("memory", run.id), ("run_event", run.id)]
    assert hits[0].id == best
    assert hits[0].text == "Pytest fixtures live in conftest.py"
    assert "[Pytest]" in hits[0].snippet and "[fixtures]" in hits[0].snippet
    assert "[pytest]" in hits[1].snippet
    assert [h.kind for h in store.recall("style")] == ["memory"]  # tags are searched too
    assert store.recall("   ") == []


def test_search_covers_every_kind(store: Store) -> None:
    chat = store.create_conversation("Zoo chat")
    message = store.add_message(chat.id, "user", "tell me about the okapi")
    run = store.create_run("Catalogue the axolotl tank", "/w", "m")
    store.append_event(run.id, events.RunStarted(run.id, run.goal, "/w", "m"))
    store.append_event(run.id, events.ToolCallStarted("c1", "read_file", {"path": "tank.txt"}))
    output_seq = store.append_event(run.id, events.ToolCallFinished(
        "c1", "read_file", "line one\nthe capybara is asleep", False, 0.1))
    store.append_event(run.id, events.ToolOutput("c1", "streamed gharial chunk"))
    memory = store.add_memory("wombats dig burrows", ["animals"])

    [hit] = store.search("capybara")
    assert (hit.kind, hit.parent_id, hit.seq, hit.title) == (
        "run_event", run.id, output_seq, "Catalogue the axolotl tank")
    assert "[capybara]" in hit.snippet
    assert store.events(run.id, upto_seq=hit.seq)[-1].type == "ToolCallFinished"

    [hit] = store.search("okapi")
    assert (hit.kind, hit.id, hit.parent_id, hit.seq, hit.title) == (
        "message", message.id, chat.id, None, "Zoo chat")
    assert hit.snippet == "tell me about the [okapi]"
    assert {(h.kind, h.seq) for h in store.search("axolotl")} == {("run", None), ("run_event", 1)}
    assert [(h.kind, h.id) for h in store.search("wombat")] == [("memory", memory)]
    assert [h.kind for h in store.search("capyb")] == ["run_event"]  # last word is a prefix
    assert store.search("capyb ") == []  # ...unless the user finished it with a space
    assert store.search("gharial") == []  # streamed chunks are not indexed twice
    assert store.search("okapi capybara") == []  # all words must match
    assert store.search("") == []
    assert len(store.search("the", limit=2)) == 2


@pytest.mark.parametrize(
    "query",
    ['"', '"unbalanced', "foo-bar", "AND", "OR NOT", "*", "a*b", "NEAR(x y", "(((", ")",
     "col:val", "^start", "it's", "100% + c++", '"" ""', "\\", "{x}", "   "],
)
def test_punctuation_heavy_queries_never_raise(store: Store, query: str) -> None:
    chat = store.create_conversation()
    store.add_message(chat.id, "user", "the foo-bar module uses c++ and col:val syntax")
    assert isinstance(store.search(query), list)
    assert isinstance(store.recall(query), list)


def test_hyphenated_query_finds_its_phrase(store: Store) -> None:
    chat = store.create_conversation()
    message = store.add_message(chat.id, "user", "the foo-bar module")
    assert [h.id for h in store.search("foo-bar")] == [message.id]
    assert [h.id for h in store.search('"foo-bar" AND')] == []


def test_thread_pages_back_from_the_leaf(store: Store) -> None:
    chat = store.create_conversation()
    parent = None
    for n in range(7):
        parent = store.add_message(chat.id, "user", f"m{n}", parent_id=parent).id
    page = store.thread(chat.id, last=3)
    assert [m.text for m in page] == ["m4", "m5", "m6"]
    earlier = store.thread(chat.id, page[0].parent_id, last=3)
    assert [m.text for m in earlier] == ["m1", "m2", "m3"]
    assert [m.text for m in store.thread(chat.id, earlier[0].parent_id, last=3)] == ["m0"]
    assert len(store.thread(chat.id)) == 7


def test_mark_interrupted_fails_replies_a_crash_left_streaming(db_path: Path) -> None:
    with Store(db_path) as store:
        chat = store.create_conversation()
        question = store.add_message(chat.id, "user", "q")
        crashed = store.add_message(chat.id, "assistant", "half", parent_id=question.id,
                                    status="streaming")
        live = store.add_message(chat.id, "assistant", "still going", parent_id=question.id,
                                 status="streaming")
    connection = sqlite3.connect(db_path)
    with connection:
        connection.execute("UPDATE messages SET updated_at = '2020-01-01T00:00:00.000Z'"
                           " WHERE id = ?", [crashed.id])
    connection.close()
    with Store(db_path) as store:
        store.mark_interrupted()
        reply = store.message(crashed.id)
        assert (reply.status, reply.text) == ("failed", "half")
        assert reply.error == "the app closed before the reply finished"
        assert store.message(live.id).status == "streaming"
