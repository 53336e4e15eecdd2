"""Forking a run: the fork's first request replays the parent's conversation up to the fork
point (read from the loopback server's request log), then the new instruction, and goes on."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from desktop.core.agent.fork import conversation_at, fork_at, with_instruction
from desktop.core.agent.permissions import Policy
from desktop.core.agent.recorder import start_run
from desktop.core.demo.fake_api import FakeAPI, ToolUse, Turn
from desktop.core.events import ApprovalNeeded, Decision, RunEvent, RunForked
from desktop.core.model.client import ModelClient, RetryPolicy
from desktop.core.store.database import Store

PLAN = [{"text": "Read calc.py", "status": "in_progress"}, {"text": "Fix", "status": "pending"}]
FIX = ToolUse("edit_file", {"path": "calc.py", "old_text": "a - b", "new_text": "a + b"})


def play(store: Store, api: FakeAPI, goal: str, workspace: Path, fork: RunForked | None = None,
         ) -> tuple[int, list[RunEvent]]:
    """Run to the end, allowing every call; the run id and what it yielded."""

    async def main() -> tuple[int, list[RunEvent]]:
        client = ModelClient(api_key="k", base_url=api.url, retry=RetryPolicy(attempts=1))
        run = start_run(store, client, goal, workspace, policy=Policy.from_approve("all"),
                        model="test-model", fork=fork)
        seen = []
        try:
            async for event in run:
                seen.append(event)
                if isinstance(event, ApprovalNeeded):
                    event.resolve(Decision(allow=True))
        finally:
            await client.aclose()
        return run.run_id, seen

    return asyncio.run(main())


def sent(api: FakeAPI, request: int) -> list[dict]:
    return api.requests[request]["body"]["messages"]


def test_a_fork_replays_the_first_k_steps_to_the_model_then_continues(
    fake_api: FakeAPI, store: Store, tmp_path: Path
) -> None:
    (tmp_path / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    fake_api.add(
        Turn("Planning.", (ToolUse("update_plan", {"items": PLAN}),
                           ToolUse("read_file", {"path": "calc.py"}))),
        Turn("Fixing.", (FIX,)),
        Turn("Fixed add()."),
    )
    parent, _ = play(store, fake_api, "fix add", tmp_path)
    assert store.run(parent).status == "finished" and len(fake_api.requests) == 3
    stored = store.events(parent)
    # k: the event that finished step 2's edit; the model then had sent 2 steps' worth
    k = max(e.seq for e in stored if e.type == "ToolCallFinished")
    assert store.events(parent)[k].type == "StepStarted"  # step 3 starts right after

    fake_api.add(Turn("Checking again.", (ToolUse("read_file", {"path": "calc.py"}),)),
                 Turn("It adds now."))
    instruction = "Now also check calc.py reads well"
    fork, events = play(store, fake_api, instruction, tmp_path,
                        fork=fork_at(parent, stored, k, instruction))

    parent_third = sent(fake_api, 2)  # what the parent sent after its first two steps
    fork_first = sent(fake_api, 3)
    assert len(fork_first) == 5  # goal, step 1 (reply + results), step 2 (reply + results)
    assert fork_first[:-1] == parent_third[:-1]
    assert fork_first[-1]["content"] == [
        *parent_third[-1]["content"], {"type": "text", "text": instruction}
    ]
    assert fork_first[0] == {"role": "user", "content": "fix add"}
    # ...and it goes on from there: its next request carries its own step on top
    assert sent(fake_api, 4)[:5] == fork_first and len(sent(fake_api, 4)) == 7
    row = store.run(fork)
    assert (row.status, row.parent_run_id, row.fork_seq, row.goal) == (
        "finished", parent, k, instruction)
    assert [e.type for e in store.events(fork)[:3]] == ["RunStarted", "RunForked", "StepStarted"]
    assert isinstance(events[1], RunForked) and events[1].fork_seq == k


def test_the_rebuilt_conversation_is_what_the_agent_sent(
    fake_api: FakeAPI, store: Store, tmp_path: Path
) -> None:
    (tmp_path / "calc.py").write_text("x = 1\n")
    fake_api.add(
        Turn("Looking.", (ToolUse("read_file", {"path": "calc.py"}),
                          ToolUse("read_file", {"path": "missing.py"}))),
        Turn("", (ToolUse("list_files", {}),)),
        Turn("Done."),
    )
    run_id, _ = play(store, fake_api, "look around", tmp_path)
    events = [e.event() for e in store.events(run_id)]
    last_request = sent(fake_api, 2)
    rebuilt = conversation_at(events)
    assert rebuilt[:-1] == last_request
    assert rebuilt[-1] == {"role": "assistant", "content": [{"type": "text", "text": "Done."}]}
    assert rebuilt[2]["content"][1]["is_error"] is True  # the missing file's error is kept

    # cut inside step 1 (after the first call finished, before the second): step 1 is left out
    first_finish = next(i for i, e in enumerate(events) if type(e).__name__ == "ToolCallFinished")
    assert conversation_at(events[: first_finish]) == [{"role": "user", "content": "look around"}]


def test_an_instruction_replaces_the_goal_before_the_model_answered() -> None:
    assert with_instruction([{"role": "user", "content": "old"}], "new") == [
        {"role": "user", "content": "new"}
    ]
    finished = [{"role": "user", "content": "g"},
                {"role": "assistant", "content": [{"type": "text", "text": "done"}]}]
    assert with_instruction(finished, "more")[-1] == {
        "role": "user", "content": [{"type": "text", "text": "more"}]
    }


def test_a_fork_sends_back_content_this_version_does_not_know_as_it_was(
    fake_api: FakeAPI, store: Store, tmp_path: Path
) -> None:
    """A fork's messages may hold what no typed block names (a server tool's result, a field
    of a block or of a message): its first request sends them byte for byte as stored."""
    fake_api.add(Turn("Looked."), Turn("Continued."))
    parent, _ = play(store, fake_api, "look", tmp_path)
    messages = (
        {"role": "user", "content": "look"},
        {"role": "assistant", "content": [
            {"type": "thinking", "thinking": "Search first.", "signature": "c2ln"},
            {"type": "server_tool_use", "id": "srv_1", "name": "web_search",
             "input": {"query": "calc"}},
            {"type": "web_search_tool_result", "tool_use_id": "srv_1", "content": []},
            {"type": "text", "text": "Found it.", "citations": [{"url": "https://a.example"}]},
        ]},
        {"role": "user", "content": [{"type": "text", "text": "now fix it"}], "note": "kept"},
    )
    fork = RunForked(parent, store.events(parent)[-1].seq, messages)
    play(store, fake_api, "look", tmp_path, fork=fork)
    assert json.dumps(sent(fake_api, 1)) == json.dumps(list(messages))
