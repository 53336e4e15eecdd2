"""Export and import: the JSON holds everything (every branch), imports under new ids, and
export → import → export gives the same JSON. Search covers imports; deletes leave no index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.core.events import (
    AgentMessage,
    Budget,
    RunFinished,
    RunStarted,
    StepStarted,
    ToolCallFinished,
    ToolCallStarted,
    Usage,
    UsageUpdated,
)
from desktop.core.review.archive import ArchiveError, conversation_text, import_text, run_text
from desktop.core.review.chat_transcript import task_goal
from desktop.core.review.run_summary import summarize
from desktop.core.store.database import Store


def branched_chat(store: Store) -> int:
    """A chat whose first question was edited: two branches, the second on screen."""
    chat = store.create_conversation("Lisbon trip", model="m", system_prompt="Be brief.")
    first = store.add_message(chat.id, "user", "Plan three days in Lisbon")
    store.add_message(chat.id, "assistant", "Day 1: Alfama.", parent_id=first.id, model="m")
    edited = store.add_message(chat.id, "user", "Plan two days in Lisbon")
    reply = store.add_message(chat.id, "assistant", "Day 1: Belém.", parent_id=edited.id)
    store.update_message(reply.id, usage=Usage(120, 40, 0.0031), status="complete")
    return chat.id


def recorded_run(store: Store) -> int:
    run = store.create_run("tidy the notes", "/home/ana/notes", "m")
    for event in (
        RunStarted(run.id, "tidy the notes", "/home/ana/notes", "m", Budget(max_steps=7)),
        StepStarted(1),
        AgentMessage("Reading.", 1),
        UsageUpdated(Usage(900, 50, 0.01), 1),
        ToolCallStarted("t1", "run_command", {"command": "grep -r TODO ."}),
        ToolCallFinished("t1", "run_command", "notes.md:3: TODO zanzibar", False, 0.2),
        ToolCallStarted("t2", "write_file", {"path": "notes.md", "content": "done\n"}),
        ToolCallFinished("t2", "write_file", "wrote notes.md", False, 0.01),
        RunFinished("Tidied."),
    ):
        store.append_event(run.id, event)
    store.update_run(run.id, status="finished", summary="Tidied.", steps=1, input_tokens=900,
                     output_tokens=50, cost_usd=0.01)
    return run.id


def test_a_chat_round_trips_with_every_branch(store: Store) -> None:
    chat = branched_chat(store)
    exported = conversation_text(store, chat, "json")
    data = json.loads(exported)
    assert [m["ref"] for m in data["messages"]] == [1, 2, 3, 4]
    assert [m["parent"] for m in data["messages"]] == [None, 1, None, 3]
    assert data["conversation"]["leaf"] == 4 and "id" not in data["conversation"]

    imported = import_text(store, exported)
    assert imported.kind == "conversation" and imported.id != chat
    assert conversation_text(store, imported.id, "json") == exported
    copy = store.thread(imported.id)
    assert [m.text for m in copy] == ["Plan two days in Lisbon", "Day 1: Belém."]
    assert copy[1].cost_usd == pytest.approx(0.0031)
    assert len(store.siblings(copy[0].id)) == 2  # the other branch came along
    assert {h.parent_id for h in store.search("Alfama")} == {chat, imported.id}
    markdown = conversation_text(store, imported.id, "md")
    assert markdown.startswith("# Lisbon trip") and "Day 1: Belém." in markdown
    assert "Alfama" not in markdown  # Markdown is the branch on screen


def test_a_run_round_trips_and_is_searchable(store: Store) -> None:
    run = recorded_run(store)
    exported = run_text(store, run, "json")
    imported = import_text(store, exported)
    assert imported.kind == "run" and imported.id != run
    assert run_text(store, imported.id, "json") == exported
    assert store.run(imported.id).status == "finished"
    hits = [(h.kind, h.parent_id, h.seq) for h in store.search("zanzibar")]
    assert sorted(hits) == [("run_event", run, 6), ("run_event", imported.id, 6)]
    markdown = run_text(store, imported.id, "md")
    assert "```console\n$ grep -r TODO .\n```" in markdown
    assert "(budget: 7 steps · $5.00 · 60 min)" in markdown  # carried by the start event


def test_a_bad_file_is_refused_before_anything_is_written(store: Store) -> None:
    for text, problem in (
        ("{not json", "not a JSON file"),
        ('{"type": "photo"}', "not an AgentDesk export"),
        ('{"type": "run", "version": 9}', "version 9"),
        ('{"type": "run", "version": 2, "run": {"goal": "g"}, "events": []}', "incomplete"),
        ('{"type": "conversation", "version": 2, "conversation": {"title": "t", "model": "",'
         ' "system_prompt": "", "created_at": "x", "updated_at": "x", "leaf": 7},'
         ' "messages": []}', "leaf"),
    ):
        with pytest.raises(ArchiveError, match=problem):
            import_text(store, text)
    assert store.conversations() == [] and store.runs() == []


def test_deleting_a_run_removes_its_search_rows(store: Store, tmp_path: Path) -> None:
    run = recorded_run(store)
    assert [h.kind for h in store.search("zanzibar")] == ["run_event"]
    store.delete_run(run)
    assert store.search("zanzibar") == [] and store.search("tidy") == []
    rows = store._db.execute(
        "SELECT count(*) FROM run_events_fts WHERE run_events_fts MATCH 'zanzibar'"
    ).fetchone()[0]
    assert rows == 0


def test_summary_and_task_goal(store: Store) -> None:
    run = recorded_run(store)
    summary = summarize(store.run(run), store.events(run))
    assert summary.tools == {"run_command": 1, "write_file": 1}
    assert summary.files_changed == ("notes.md",) and summary.outcome == "Tidied."
    chat = branched_chat(store)
    goal = task_goal(store.conversation(chat), store.thread(chat))
    assert "You: Plan two days in Lisbon" in goal and "Assistant: Day 1: Belém." in goal
    assert goal.endswith("Goal: Plan two days in Lisbon")


def test_an_imported_fork_links_to_no_run_of_this_database(store: Store, tmp_path: Path) -> None:
    parent = recorded_run(store)
    fork = store.create_run("tidy again", "/home/ana/notes", "m", parent_run_id=parent, fork_seq=3)
    store.append_event(fork.id, RunFinished("Done."))
    store.update_run(fork.id, status="finished")
    exported = run_text(store, fork.id, "json")
    elsewhere = Store(tmp_path / "elsewhere.db")
    try:
        unrelated = recorded_run(elsewhere)  # has a run with the parent's id, but not that run
        assert unrelated == parent
        imported = elsewhere.run(import_text(elsewhere, exported).id)
        assert (imported.parent_run_id, imported.fork_seq) == (None, None)
        again = json.loads(run_text(elsewhere, imported.id, "json"))
        assert again["events"] == json.loads(exported)["events"]  # the record itself is whole
    finally:
        elsewhere.close()
