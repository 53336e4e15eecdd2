"""The permission policy: defaults, the CLI's --approve modes, "always" for one run only."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from desktop.core.agent.permissions import Policy
from desktop.core.agent.recorder import start_run
from desktop.core.demo.fake_api import FakeAPI, ToolUse, Turn
from desktop.core.events import (
    ApprovalNeeded,
    Decision,
    RunEvent,
    RunFinished,
    ToolCallFinished,
)
from desktop.core.model.client import ModelClient, RetryPolicy
from desktop.core.store.database import Store

READS = ["read_file", "list_files", "search", "sql_query", "recall"]
BOOKKEEPING = ["update_plan", "remember"]
CHANGES = ["write_file", "edit_file", "run_command"]


def test_defaults_let_reads_run_and_ask_before_changes() -> None:
    policy = Policy()
    for tool in READS + BOOKKEEPING:
        assert policy.decide(tool) == Decision(allow=True), tool
    for tool in CHANGES:
        assert policy.decide(tool) is None, tool
    assert policy.decide("some_new_tool") is None


@pytest.mark.parametrize(
    ("mode", "allowed", "asked", "denied"),
    [
        ("ask", READS + BOOKKEEPING, CHANGES, []),
        ("all", READS + BOOKKEEPING + CHANGES, [], []),
        ("reads", READS + BOOKKEEPING, [], CHANGES),
        ("none", READS + BOOKKEEPING, [], CHANGES),
    ],
)
def test_approve_modes(mode: str, allowed: list[str], asked: list[str], denied: list[str]) -> None:
    policy = Policy.from_approve(mode)  # type: ignore[arg-type]
    assert [t for t in allowed if policy.rule(t) != "allow"] == []
    assert [t for t in asked if policy.rule(t) != "ask"] == []
    assert [t for t in denied if policy.rule(t) != "deny"] == []
    for tool in denied:
        decision = policy.decide(tool)
        assert decision is not None and not decision.allow
        assert decision.reason == f"the permission policy does not allow {tool}"


def test_unknown_approve_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown approve mode 'some'"):
        Policy.from_approve("some")  # type: ignore[arg-type]


def test_always_allows_the_tool_in_this_policy_only() -> None:
    shared = Policy()
    run_policy = shared.copy()
    run_policy.answered("run_command", Decision(allow=True, always=True))
    run_policy.answered("edit_file", Decision(allow=True))
    run_policy.answered("write_file", Decision(allow=False, always=True))
    assert run_policy.decide("run_command") == Decision(allow=True)
    assert run_policy.decide("edit_file") is None
    assert run_policy.decide("write_file") is None
    assert shared.decide("run_command") is None


def test_the_request_is_an_awaitable_the_ui_resolves() -> None:
    async def ask() -> Decision:
        request = Policy().request("call-1", "run_command", {"command": "ls"}, "$ ls")
        asyncio.get_running_loop().call_soon(request.resolve, Decision(False, reason="no"))
        return await request.decision  # type: ignore[misc]

    assert asyncio.run(ask()) == Decision(allow=False, reason="no")


def _play(store: Store, api: FakeAPI, workspace: Path, answers: list[Decision]) -> list:
    """One run on its own event loop and client, answering approvals in order."""

    async def main() -> list[RunEvent]:
        client = ModelClient(api_key="test", base_url=api.url, retry=RetryPolicy(attempts=2))
        run = start_run(store, client, "count files", workspace, model="test-model")
        seen: list[RunEvent] = []
        try:
            async for event in run:
                seen.append(event)
                if isinstance(event, ApprovalNeeded):
                    event.resolve(answers.pop(0))
        finally:
            await client.aclose()
        return seen

    return asyncio.run(main())


def test_always_lasts_for_the_run_and_not_the_next(
    fake_api: FakeAPI, store: Store, tmp_path: Path
) -> None:
    command = ToolUse("run_command", {"command": "echo counted"})
    fake_api.add(Turn("", (command,)), Turn("", (command,)), Turn("done"))
    first = _play(store, fake_api, tmp_path, [Decision(allow=True, always=True)])
    asked = [e for e in first if isinstance(e, ApprovalNeeded)]
    assert len(asked) == 1 and asked[0].preview.startswith("$ echo counted\n")
    finished = [e for e in first if isinstance(e, ToolCallFinished)]
    assert [f.result for f in finished] == ["counted\n[exit code 0]"] * 2
    assert isinstance(first[-1], RunFinished)

    fake_api.add(Turn("", (command,)), Turn("done"))
    second = _play(store, fake_api, tmp_path, [Decision(allow=False, reason="not today")])
    assert len([e for e in second if isinstance(e, ApprovalNeeded)]) == 1
    denied = next(e for e in second if isinstance(e, ToolCallFinished))
    assert denied.denied and denied.is_error
    assert denied.result == "the user denied this run_command call: not today"
