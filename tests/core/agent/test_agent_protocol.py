"""The loop acts on what the model's reply says: thinking goes back unchanged, a cut reply is
never acted on, and each stop reason has its effect. Scripted in process (`ScriptedModel`), so
these run in milliseconds; the same turns go through the HTTP path in test_model_protocol.py."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from desktop.core.agent.conversation import conversation_at
from desktop.core.agent.loop import CUT_SHORT, INTERRUPTED_CALL, Agent
from desktop.core.agent.workspace import Workspace
from desktop.core.demo.fake_api import ToolUse, Turn
from desktop.core.events import (
    AgentMessage,
    AppMessage,
    ApprovalNeeded,
    Budget,
    Decision,
    RunFailed,
    RunFinished,
    RunResumed,
    ToolCallFinished,
    ToolCallStarted,
    from_record,
    to_record,
)
from desktop.core.model.blocks import ThinkingBlock
from desktop.core.model.stream import ScriptedModel


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    (tmp_path / "notes.txt").write_text("hello\n")
    return Workspace(tmp_path)


def run(model: ScriptedModel, workspace: Workspace, goal: str = "do it") -> list[Any]:
    async def go() -> list[Any]:
        return [e async for e in Agent(model, workspace).run(goal)]

    return asyncio.run(go())


def read(path: str = "notes.txt", id: str = "toolu_1") -> ToolUse:
    return ToolUse("read_file", {"path": path}, id=id)


def test_thinking_goes_back_unchanged_in_the_tool_loop(workspace: Workspace) -> None:
    model = ScriptedModel([Turn("Reading.", (read(),), thinking="I should read it."),
                           Turn("Done.")])
    events = run(model, workspace)
    assert events[-1] == RunFinished("Done.")
    assistant = model.requests[1]["messages"][1]
    assert assistant["content"][0] == {
        "type": "thinking", "thinking": "I should read it.", "signature": "demo-signature",
    }
    [first, *_] = [e for e in events if isinstance(e, AgentMessage)]
    assert first.content[0] == ThinkingBlock("I should read it.", "demo-signature")


def test_a_tool_call_cut_off_mid_input_never_runs(workspace: Workspace) -> None:
    model = ScriptedModel([Turn("Writing.", (ToolUse("write_file", {"path": "x", "content": "y"
                                                                     * 60}),),
                                cut_in_tool_input=True)])
    events = run(model, workspace)
    assert not [e for e in events if isinstance(e, ToolCallStarted)]
    assert events[-1] == RunFailed("the connection closed before the reply ended")
    [kept] = [e for e in events if isinstance(e, AgentMessage)]
    assert (kept.text, kept.complete) == ("Writing.", False)
    assert not (workspace.root / "x").exists()


def test_a_refusal_ends_the_run_failed(workspace: Workspace) -> None:
    events = run(ScriptedModel([Turn("I can't help with that.", stop_reason="refusal")]),
                 workspace)
    assert events[-1] == RunFailed("the model refused to continue")


def test_an_overflowing_context_ends_the_run_with_that_reason(workspace: Workspace) -> None:
    turn = Turn("", stop_reason="model_context_window_exceeded")
    events = run(ScriptedModel([turn]), workspace)
    assert events[-1] == RunFailed("the conversation no longer fits the model's context window")


def test_a_paused_turn_is_sent_back_to_continue(workspace: Workspace) -> None:
    model = ScriptedModel([Turn("Searching the web…", stop_reason="pause_turn"),
                           Turn(" found it.")])
    events = run(model, workspace)
    assert events[-1] == RunFinished(" found it.")
    assert model.requests[1]["messages"][-1] == {
        "role": "assistant", "content": [{"type": "text", "text": "Searching the web…"}],
    }


def test_a_reply_cut_at_max_tokens_is_asked_to_go_on(workspace: Workspace) -> None:
    model = ScriptedModel([Turn("The first half", stop_reason="max_tokens"),
                           Turn("and the second half.")])
    events = run(model, workspace)
    assert AppMessage(CUT_SHORT) in events
    assert events[-1] == RunFinished("and the second half.")
    assert model.requests[1]["messages"][-1] == {
        "role": "user", "content": [{"type": "text", "text": CUT_SHORT}],
    }


def test_a_tool_input_cut_at_max_tokens_is_explained_to_the_model(workspace: Workspace) -> None:
    call = ToolUse("write_file", id="toolu_9", raw_json='{"path": "big.txt", "content": "aaa')
    model = ScriptedModel([Turn("", (call,), stop_reason="max_tokens"), Turn("Gave up.")])
    events = run(model, workspace)
    [finished] = [e for e in events if isinstance(e, ToolCallFinished)]
    assert finished.is_error and "cut off at the output limit (max_tokens" in finished.result
    assert not (workspace.root / "big.txt").exists()


def test_the_stored_events_rebuild_exactly_what_the_model_was_sent(workspace: Workspace) -> None:
    model = ScriptedModel([
        Turn("One.", (read(id="t1"),), thinking="first"),
        Turn("Paused", stop_reason="pause_turn"),
        Turn("Two.", (read(id="t2"),)),
        Turn("Cut", stop_reason="max_tokens"),
        Turn("Done."),
    ])
    events = run(model, workspace)
    stored = [from_record(*to_record(e)) for e in events]
    assert conversation_at(stored) == [
        *model.requests[-1]["messages"],
        {"role": "assistant", "content": [{"type": "text", "text": "Done."}]},
    ]


def test_a_run_cut_mid_step_resumes_with_an_answer_for_each_unfinished_call(
    workspace: Workspace,
) -> None:
    model = ScriptedModel([Turn("Two reads.", (read(id="t1"), read(id="t2")))])

    async def until_first_result() -> list[Any]:
        seen = []
        async for event in Agent(model, workspace).run("read twice"):
            seen.append(event)
            if isinstance(event, ToolCallFinished):
                return seen  # the process died here: t2 never ran
        return seen

    history = asyncio.run(until_first_result())
    model.turns.append(Turn("Both done."))

    async def resumed() -> list[Any]:
        agent = Agent(model, workspace, budget=Budget(max_steps=1))
        return [e async for e in agent.resume(history)]

    events = asyncio.run(resumed())
    assert events[0] == ToolCallFinished("t2", "read_file", INTERRUPTED_CALL, True, 0.0)
    assert isinstance(events[1], RunResumed) and events[1].previous_status == "interrupted"
    assert events[1].budget is not None and events[1].budget.max_steps == 2  # one more step
    assert events[-1] == RunFinished("Both done.")
    results = model.requests[-1]["messages"][-1]["content"]
    assert [(r["tool_use_id"], r["is_error"]) for r in results] == [("t1", False), ("t2", True)]


def test_a_calls_duration_leaves_out_the_wait_for_approval(workspace: Workspace) -> None:
    write = ToolUse("write_file", {"path": "new.txt", "content": "hi\n"}, id="w1")
    model = ScriptedModel([Turn("Writing.", (write,)), Turn("Done.")])

    async def go() -> list[Any]:
        seen = []
        async for event in Agent(model, workspace).run("write"):
            seen.append(event)
            if isinstance(event, ApprovalNeeded):
                asyncio.get_running_loop().call_later(0.5, event.resolve, Decision(True))
        return seen

    events = asyncio.run(go())
    [finished] = [e for e in events if isinstance(e, ToolCallFinished)]
    assert not finished.is_error and finished.duration_s < 0.25


def test_a_run_continued_then_interrupted_again_says_so_when_it_goes_on(
    workspace: Workspace,
) -> None:
    model = ScriptedModel([Turn("Done."), Turn("Reading.", (read(),)), Turn("Both done.")])

    async def first_part() -> list[Any]:
        return [e async for e in Agent(model, workspace).run("do it")]

    history = asyncio.run(first_part())  # finished

    async def follow_up() -> list[Any]:
        seen = [e async for e in Agent(model, workspace).resume(history, "and read notes")]
        return seen[: next(i for i, e in enumerate(seen) if isinstance(e, ToolCallStarted))]

    history += asyncio.run(follow_up())  # the process died at the read

    async def again() -> list[Any]:
        return [e async for e in Agent(model, workspace).resume(history)]

    resumed = next(e for e in asyncio.run(again()) if isinstance(e, RunResumed))
    assert resumed.previous_status == "interrupted"
