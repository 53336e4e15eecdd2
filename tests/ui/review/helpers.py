"""Past work for the review tests: a recorded run whose plan changes step by step, a long chat,
and conversations or runs dated on other days (through the store's own import path)."""

from __future__ import annotations

from dataclasses import replace

from desktop.core.events import (
    AgentMessage,
    PlanItem,
    PlanUpdated,
    RunEvent,
    RunFinished,
    RunStarted,
    StepStarted,
    ToolCallFinished,
    ToolCallStarted,
    Usage,
    UsageUpdated,
)
from desktop.core.store.database import Store

PLANS = (
    (PlanItem("Read the notes", "in_progress"), PlanItem("Tidy them", "pending")),
    (PlanItem("Read the notes", "done"), PlanItem("Tidy them", "in_progress")),
    (PlanItem("Read the notes", "done"), PlanItem("Tidy them", "done")),
)


def step_events(step: int, plan: tuple[PlanItem, ...], call: ToolCallStarted,
                result: str) -> list[RunEvent]:
    plan_call = ToolCallStarted(f"p{step}", "update_plan", {"items": []})
    return [
        StepStarted(step),
        AgentMessage(f"Step {step} text.", step),
        UsageUpdated(Usage(1000 * step, 100 * step, 0.01 * step), step),
        plan_call,
        PlanUpdated(plan),
        ToolCallFinished(plan_call.call_id, "update_plan", "plan updated", False, 0.01),
        call,
        ToolCallFinished(call.call_id, call.name, result, False, 0.1),
    ]


def recorded_run(store: Store, goal: str = "tidy the notes", workspace: str = "/tmp") -> int:
    """Three steps: a grep whose output holds "quasar", a write, an edit; then finished.

    Returns the run id; the events, in order, are 1 RunStarted, 2-9 step 1, 10-17 step 2,
    18-25 step 3, 26 StepStarted(4), 27 AgentMessage, 28 RunFinished.
    """
    run = store.create_run(goal, workspace, "m")
    calls = (
        (ToolCallStarted("c1", "run_command", {"command": "grep -rn TODO ."}),
         "notes.md:3: TODO polish the quasar section"),
        (ToolCallStarted("c2", "write_file", {"path": "notes.md", "content": "tidy\n"}),
         "wrote notes.md"),
        (ToolCallStarted("c3", "edit_file", {"path": "todo.md", "old_text": "a", "new_text": "b"}),
         "--- a/todo.md\n+++ b/todo.md\n@@ -1 +1 @@\n-a\n+b\n"),
    )
    events: list[RunEvent] = [RunStarted(run.id, goal, workspace, "m")]
    for step, (plan, (call, result)) in enumerate(zip(PLANS, calls, strict=True), 1):
        events += step_events(step, plan, call, result)
    events += [StepStarted(4), AgentMessage("All tidy.", 4), RunFinished("All tidy.")]
    for event in events:
        store.append_event(run.id, event)
    store.update_run(run.id, status="finished", summary="All tidy.", steps=4,
                     input_tokens=3000, output_tokens=300, cost_usd=0.03)
    return run.id


def long_chat(store: Store, messages: int, word_at: int, word: str) -> tuple[int, int]:
    """A chat of `messages` messages; message number `word_at` (from 0) holds `word`.
    Returns (conversation id, that message's id)."""
    chat = store.create_conversation("A long chat")
    parent = None
    marked = 0
    for number in range(messages):
        role = "user" if number % 2 == 0 else "assistant"
        text = f"Message {number} about {word}." if number == word_at else f"Message {number}."
        parent = store.add_message(chat.id, role, text, parent_id=parent).id
        if number == word_at:
            marked = parent
    return chat.id, marked


def dated_copy_of_conversation(store: Store, conversation_id: int, stamp: str) -> int:
    """A copy of the conversation last active at `stamp` (ISO UTC)."""
    conversation = replace(store.conversation(conversation_id), created_at=stamp, updated_at=stamp)
    return store.restore_conversation(conversation, store.messages(conversation_id)).id


def dated_copy_of_run(store: Store, run_id: int, stamp: str) -> int:
    run = replace(store.run(run_id), created_at=stamp, updated_at=stamp, ended_at=stamp)
    return store.restore_run(run, store.events(run_id)).id
