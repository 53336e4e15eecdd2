"""The agent loop end to end: the real SDK against the loopback API, real files and processes.

Each test scripts the model's turns with `Turn`/`ToolUse`, starts a run the way the UI and the
CLI do (`start_run`), and checks what happened to the workspace, what the store recorded, and
what the model was sent back.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desktop.core.agent import sandbox
from desktop.core.agent.executor import Executor, LocalExecutor
from desktop.core.agent.permissions import Policy
from desktop.core.agent.recorder import ActiveRun, start_run
from desktop.core.agent.sandbox import SandboxExecutor
from desktop.core.demo.fake_api import FakeAPI, ToolUse, Turn
from desktop.core.events import (
    AgentMessage,
    ApprovalNeeded,
    ApprovalResolved,
    Budget,
    BudgetExhausted,
    CommandStarted,
    Decision,
    PlanItem,
    PlanUpdated,
    RunCancelled,
    RunEvent,
    RunFailed,
    RunFinished,
    RunStarted,
    StepStarted,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    ToolOutput,
    UsageUpdated,
    to_record,
)
from desktop.core.model.blocks import TextBlock
from desktop.core.model.client import ModelClient, RetryPolicy
from desktop.core.store.database import Store
from tests.processes import group_ended

ALLOW = Decision(allow=True)
Answer = Callable[[ApprovalNeeded], Decision]
PLAN = [
    {"text": "Read calc.py", "status": "in_progress"},
    {"text": "Fix add()", "status": "pending"},
    {"text": "Run the tests", "status": "pending"},
]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """The seed scenario: add() subtracts, so its test fails."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    (root / "test_calc.py").write_text(
        "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
    )
    (tmp_path / "secret.txt").write_text("outside\n")
    return root


def play(
    store: Store,
    api: FakeAPI,
    workspace: Path,
    *,
    policy: Policy | None = None,
    budget: Budget | None = None,
    answer: Answer = lambda request: ALLOW,
    model: str = "test-model",
    on_event: Callable[[ActiveRun, RunEvent], None] | None = None,
    executor: Executor | None = None,
) -> tuple[int, list[RunEvent]]:
    """Run a goal to its end on a fresh loop and client; returns the run id and its events."""

    async def main() -> tuple[int, list[RunEvent]]:
        client = ModelClient(
            api_key="test", base_url=api.url, retry=RetryPolicy(attempts=2, base_delay_s=0.01)
        )
        run = start_run(
            store, client, "make the tests pass", workspace,
            policy=policy, budget=budget, model=model, executor=executor,
        )
        seen: list[RunEvent] = []
        try:
            async for event in run:
                seen.append(event)
                if on_event:
                    on_event(run, event)
                if isinstance(event, ApprovalNeeded):
                    event.resolve(answer(event))
        finally:
            await client.aclose()
        return run.run_id, seen

    return asyncio.run(main())


def of_type(events: list[RunEvent], kind: type) -> list[Any]:
    return [e for e in events if isinstance(e, kind)]


def sent_results(api: FakeAPI, request: int = -1) -> list[dict[str, Any]]:
    """The tool_result blocks of the last user message in a request the model received."""
    return api.requests[request]["body"]["messages"][-1]["content"]


QUICK_PYTEST = ("PYTEST_DISABLE_PLUGIN_AUTOLOAD",)
"""Passed on to commands (as a user would list it in Settings) for a quick pytest in the
workspace."""


@pytest.mark.parametrize("executor", [
    LocalExecutor(QUICK_PYTEST),
    pytest.param(SandboxExecutor(env_names=QUICK_PYTEST), marks=pytest.mark.skipif(
        bool(sandbox.unavailable()), reason=f"no working bubblewrap: {sandbox.unavailable()}")),
], ids=["local", "sandbox"])
def test_seed_scenario_fixes_the_bug_end_to_end(
    fake_api: FakeAPI, store: Store, workspace: Path, monkeypatch: pytest.MonkeyPatch,
    executor: Executor,
) -> None:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytest_command = f"{sys.executable} -m pytest -q -p no:cacheprovider"
    fake_api.add(
        Turn("I'll plan, then read the code.", (
            ToolUse("update_plan", {"items": PLAN}),
            ToolUse("read_file", {"path": "calc.py"}),
        )),
        Turn("add() subtracts; fixing it.", (
            ToolUse("edit_file", {"path": "calc.py", "old_text": "a - b", "new_text": "a + b"}),
        )),
        Turn("Running the tests.", (ToolUse("run_command", {"command": pytest_command}),)),
        Turn("Fixed add(); the test passes."),
    )
    stored_in_time: list[bool] = []

    def check_stored(run: ActiveRun, event: RunEvent) -> None:
        stored = store.events(run.run_id)
        index = len(stored_in_time)
        stored_in_time.append(len(stored) > index and stored[index].data == to_record(event)[1])

    run_id, events = play(store, fake_api, workspace, on_event=check_stored, executor=executor)

    assert events[-1] == RunFinished("Fixed add(); the test passes.")
    assert (workspace / "calc.py").read_text() == "def add(a, b):\n    return a + b\n"
    check = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=workspace, capture_output=True, text=True, check=False,
    )
    assert check.returncode == 0, check.stdout

    results = sent_results(fake_api)
    assert results[0]["type"] == "tool_result" and results[0]["is_error"] is False
    assert "1 passed" in results[0]["content"]
    assert results[0]["content"].endswith("[exit code 0]")
    streamed = "".join(e.chunk for e in of_type(events, ToolOutput))
    assert "1 passed" in streamed

    skeleton = [
        type(e).__name__ + (f":{e.name}" if isinstance(e, ToolCallStarted) else "")
        for e in events
        if not isinstance(e, TextDelta | ToolOutput)
    ]
    step = ["StepStarted", "AgentMessage", "UsageUpdated"]
    assert skeleton == [
        "RunStarted",
        *step, "ToolCallStarted:update_plan", "PlanUpdated", "ToolCallFinished",
        "ToolCallStarted:read_file", "ToolCallFinished",
        *step, "ToolCallStarted:edit_file", "ApprovalNeeded", "ApprovalResolved",
        "WorkspaceChanged", "ToolCallFinished",
        *step, "ToolCallStarted:run_command", "ApprovalNeeded", "ApprovalResolved",
        "CommandStarted", "WorkspaceChanged", "ToolCallFinished",
        *step, "RunFinished",
    ]
    command = of_type(events, CommandStarted)[0]
    assert command.call_id == of_type(events, ApprovalNeeded)[1].call_id
    assert command.executor == executor.kind and command.started_at is not None
    assert of_type(events, PlanUpdated)[0].items[0] == PlanItem("Read calc.py", "in_progress")
    edit_preview = of_type(events, ApprovalNeeded)[0].preview
    assert "-    return a - b\n+    return a + b" in edit_preview
    assert of_type(events, ApprovalNeeded)[1].preview == (
        f"$ {pytest_command}\n# {executor.describe()}"
    )

    stored = store.events(run_id)
    assert [s.seq for s in stored] == list(range(1, len(events) + 1))
    assert [(s.type, s.data) for s in stored] == [to_record(e) for e in events]
    assert all(stored_in_time) and len(stored_in_time) == len(events)
    run = store.run(run_id)
    assert (run.status, run.steps, run.summary) == (
        "finished", 4, "Fixed add(); the test passes."
    )
    last_usage = of_type(events, UsageUpdated)[-1].usage
    assert run.input_tokens == last_usage.input_tokens > 0
    assert run.ended_at is not None

    first = fake_api.requests[0]["body"]
    assert [t["name"] for t in first["tools"]][:3] == ["read_file", "write_file", "edit_file"]
    assert str(workspace.resolve()) in first["system"] and "update_plan" in first["system"]
    assert first["messages"] == [{"role": "user", "content": "make the tests pass"}]


def test_escape_attempts_are_refused_and_the_run_goes_on(
    fake_api: FakeAPI, store: Store, workspace: Path, tmp_path: Path
) -> None:
    (workspace / "out").symlink_to(tmp_path)
    fake_api.add(
        Turn("", (
            ToolUse("read_file", {"path": "../secret.txt"}),
            ToolUse("write_file", {"path": str(tmp_path / "secret.txt"), "content": "pwned"}),
            ToolUse("edit_file", {"path": "out/secret.txt", "old_text": "outside",
                                  "new_text": "pwned"}),
            ToolUse("read_file", {"path": "~/.bashrc"}),
        )),
        Turn("I cannot leave the workspace."),
    )
    _, events = play(store, fake_api, workspace, policy=Policy.from_approve("all"))
    assert isinstance(events[-1], RunFinished)
    assert (tmp_path / "secret.txt").read_text() == "outside\n"
    results = sent_results(fake_api)
    assert [r["is_error"] for r in results] == [True] * 4
    assert "outside the workspace" in results[0]["content"]
    assert "outside the workspace" in results[1]["content"]
    assert "outside the workspace" in results[2]["content"]
    assert "'~' is not expanded" in results[3]["content"]


def test_bad_tool_calls_become_error_results_the_model_can_fix(
    fake_api: FakeAPI, store: Store, workspace: Path
) -> None:
    fake_api.add(
        Turn("", (
            ToolUse("read_file", raw_json='{"path": "calc.py"'),
            ToolUse("read_file", raw_json="{not json"),
            ToolUse("teleport", {"to": "mars"}),
            ToolUse("read_file", {}),
            ToolUse("read_file", {"path": "calc.py"}),
        )),
        Turn("Recovered."),
    )
    _, events = play(store, fake_api, workspace)
    assert events[-1] == RunFinished("Recovered.")
    results = sent_results(fake_api)
    assert [r["is_error"] for r in results] == [True, True, True, True, False]
    assert results[0]["content"].startswith("read_file: the tool input is not JSON")
    assert results[1]["content"].startswith("read_file: the tool input is not JSON")
    assert "Send the input as one JSON object." in results[1]["content"]
    assert results[2]["content"].startswith("unknown tool 'teleport'; the tools are: read_file")
    assert results[3]["content"] == "read_file: missing required argument 'path'"
    assert "return a - b" in results[4]["content"]
    assert [r["tool_use_id"] for r in results] == [
        e.call_id for e in of_type(events, ToolCallStarted)
    ]


def test_a_denied_edit_leaves_the_file_untouched_and_the_model_hears_why(
    fake_api: FakeAPI, store: Store, workspace: Path
) -> None:
    edit = ToolUse("edit_file", {"path": "calc.py", "old_text": "a - b", "new_text": "a * b"})
    fake_api.add(Turn("Changing add().", (edit,)), Turn("Understood, leaving it."))
    run_id, events = play(
        store, fake_api, workspace,
        answer=lambda request: Decision(allow=False, reason="multiplying is wrong too"),
    )
    assert (workspace / "calc.py").read_text() == "def add(a, b):\n    return a - b\n"
    assert of_type(events, ApprovalResolved) == [
        ApprovalResolved(of_type(events, ToolCallStarted)[0].call_id, False, False,
                         "multiplying is wrong too")
    ]
    finished = of_type(events, ToolCallFinished)[0]
    assert finished.denied and finished.is_error
    result = sent_results(fake_api)[0]
    assert result["is_error"] is True
    assert result["content"] == "the user denied this edit_file call: multiplying is wrong too"
    assert store.run(run_id).status == "finished"


def test_policy_denial_needs_no_question(
    fake_api: FakeAPI, store: Store, workspace: Path
) -> None:
    fake_api.add(
        Turn("", (ToolUse("run_command", {"command": "touch made-it"}),)), Turn("ok")
    )
    _, events = play(store, fake_api, workspace, policy=Policy.from_approve("reads"))
    assert of_type(events, ApprovalNeeded) == []
    assert not (workspace / "made-it").exists()
    assert sent_results(fake_api)[0]["content"] == (
        "the policy denied this run_command call: "
        "the permission policy does not allow run_command"
    )


def test_cancel_during_a_command_kills_its_process_group_within_a_second(
    fake_api: FakeAPI, store: Store, workspace: Path
) -> None:
    fake_api.add(Turn("", (ToolUse("run_command", {"command": "echo $$; sleep 30"}),)))
    seen: dict[str, float] = {}

    def cancel_on_output(run: ActiveRun, event: RunEvent) -> None:
        if isinstance(event, ToolOutput) and "pgid" not in seen:
            seen["pgid"] = int(event.chunk.split()[0])
            seen["at"] = time.monotonic()
            run.cancel()

    run_id, events = play(
        store, fake_api, workspace, policy=Policy.from_approve("all"), on_event=cancel_on_output
    )
    assert time.monotonic() - seen["at"] < 1.0
    assert events[-1] == RunCancelled()
    assert group_ended(int(seen["pgid"]))
    assert store.run(run_id).status == "cancelled"
    assert store.events(run_id)[-1].type == "RunCancelled"


def test_cancelling_the_consuming_task_cancels_and_records_the_run(
    fake_api: FakeAPI, store: Store, workspace: Path
) -> None:
    fake_api.add(Turn("", (ToolUse("run_command", {"command": "echo $$; sleep 30"}),)))

    async def main() -> tuple[int, int]:
        client = ModelClient(api_key="test", base_url=fake_api.url)
        run = start_run(store, client, "wait", workspace, policy=Policy.from_approve("all"))
        pgids: list[int] = []

        async def consume() -> None:
            async for event in run:
                if isinstance(event, ToolOutput):
                    pgids.append(int(event.chunk.split()[0]))

        task = asyncio.create_task(consume())
        while not pgids:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await client.aclose()
        return run.run_id, pgids[0]

    run_id, pgid = asyncio.run(main())
    assert group_ended(pgid)
    assert store.run(run_id).status == "cancelled"
    assert store.events(run_id)[-1].type == "RunCancelled"


def test_cancel_while_waiting_for_approval(
    fake_api: FakeAPI, store: Store, workspace: Path
) -> None:
    fake_api.add(Turn("", (ToolUse("run_command", {"command": "touch made-it"}),)))

    def stop_instead_of_answering(run: ActiveRun, event: RunEvent) -> None:
        if isinstance(event, ApprovalNeeded):
            run.cancel()

    run_id, events = play(
        store, fake_api, workspace, on_event=stop_instead_of_answering,
        answer=lambda request: ALLOW,
    )
    assert events[-1] == RunCancelled()
    assert not (workspace / "made-it").exists()
    assert store.run(run_id).status == "cancelled"


def test_max_steps_ends_the_run_with_its_own_status(
    fake_api: FakeAPI, store: Store, workspace: Path
) -> None:
    look = Turn("Looking again.", (ToolUse("list_files", {}),))
    fake_api.add(look, look, look)
    run_id, events = play(store, fake_api, workspace, budget=Budget(max_steps=2))
    assert events[-1] == BudgetExhausted("max steps (2)")
    assert len(of_type(events, StepStarted)) == 2
    assert len(fake_api.requests) == 2
    run = store.run(run_id)
    assert (run.status, run.steps, run.error) == (
        "budget_exhausted", 2, "budget exhausted: max steps (2)"
    )


@pytest.mark.parametrize(
    ("budget", "turn", "limit"),
    [
        (Budget(max_tokens=1000), Turn(input_tokens=900, output_tokens=100), "max tokens (1,000)"),
        (Budget(max_cost_usd=1.0), Turn(input_tokens=400_000, output_tokens=0), "max cost ($1.00)"),
        (Budget(max_wall_s=0), Turn(), "max wall time (0 s)"),
    ],
)
def test_token_cost_and_time_budgets(
    fake_api: FakeAPI, store: Store, workspace: Path, budget: Budget, turn: Turn, limit: str
) -> None:
    fake_api.add(Turn(turn.text, (ToolUse("list_files", {}),), input_tokens=turn.input_tokens,
                      output_tokens=turn.output_tokens))
    run_id, events = play(store, fake_api, workspace, budget=budget, model="claude-opus-4-1")
    assert events[-1] == BudgetExhausted(limit)
    assert store.run(run_id).status == "budget_exhausted"


def test_a_model_error_fails_the_run(fake_api: FakeAPI, store: Store, workspace: Path) -> None:
    fake_api.add(Turn(status=400, error_message="messages: roles must alternate"))
    run_id, events = play(store, fake_api, workspace)
    assert isinstance(events[0], RunStarted) and isinstance(events[1], StepStarted)
    assert events[-1] == RunFailed("bad request (400): messages: roles must alternate")
    run = store.run(run_id)
    assert (run.status, run.error) == ("failed", events[-1].error)
    assert [s.type for s in store.events(run_id)] == ["RunStarted", "StepStarted", "RunFailed"]


def test_a_run_without_tool_calls_finishes_with_its_text(
    fake_api: FakeAPI, store: Store, workspace: Path
) -> None:
    fake_api.add(Turn("Nothing to do: the goal is already met."))
    run_id, events = play(store, fake_api, workspace)
    said = "Nothing to do: the goal is already met."
    assert of_type(events, AgentMessage) == [
        AgentMessage(said, 1, (TextBlock(said),), "end_turn")
    ]
    assert events[-1] == RunFinished("Nothing to do: the goal is already met.")
    assert store.run(run_id).summary == "Nothing to do: the goal is already met."


def test_runs_left_running_by_a_crash_are_marked_interrupted(
    store: Store, tmp_path: Path, workspace: Path
) -> None:
    crashed = store.create_run("goal", str(workspace), "test-model")
    store.append_event(crashed.id, RunStarted(crashed.id, "goal", str(workspace), "test-model"))
    done = store.create_run("other", str(workspace), "test-model")
    store.update_run(done.id, status="finished")
    with Store(store.path) as reopened:
        assert reopened.mark_interrupted() == 1
        assert reopened.run(crashed.id).status == "interrupted"
        assert reopened.run(done.id).status == "finished"
