"""Long runs stay within the model's context window: old tool outputs are cleared first, then
the earlier steps summarised; the record keeps everything, and recall brings an output back."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from desktop.core.agent.compaction import SUMMARY_REQUEST, ContextLimits
from desktop.core.agent.loop import Agent
from desktop.core.agent.permissions import Policy
from desktop.core.agent.recorder import start_run
from desktop.core.agent.workspace import Workspace
from desktop.core.demo.fake_api import FakeAPI, ToolUse, Turn
from desktop.core.events import Budget, ContextCompacted, RunFinished, ToolCallFinished
from desktop.core.model.client import ModelClient
from desktop.core.model.stream import ScriptedModel
from desktop.core.review.archive import run_text
from desktop.core.store.database import Store

WINDOW = 50_000


def big_file(root: Path) -> None:
    (root / "data.txt").write_text("".join(f"line {n:05d} of the big data file\n"
                                           for n in range(1200)))  # about 40 KB


def reading_run(api: FakeAPI, store: Store, root: Path, steps: int) -> list[Any]:
    """A recorded run that reads a 40 KB file `steps` times within a 50,000-token window."""
    big_file(root)
    read = ToolUse("read_file", {"path": "data.txt"})
    api.add(*[Turn(f"Reading part {n}.", (read,)) for n in range(steps)], Turn("Read it all."))
    client = ModelClient(api_key="k", base_url=api.url)

    async def go() -> list[Any]:
        run = start_run(store, client, "read the data", root, policy=Policy(),
                        budget=Budget(max_steps=steps + 10), context=ContextLimits(WINDOW))
        return [e async for e in run]

    return asyncio.run(go())


def test_a_thirty_step_run_of_big_reads_stays_within_the_window(
    fake_api: FakeAPI, store: Store, tmp_path: Path
) -> None:
    events = reading_run(fake_api, store, tmp_path, 30)
    assert events[-1] == RunFinished("Read it all.")
    sizes = [len(json.dumps(r["body"])) // 4 for r in fake_api.requests]
    assert max(sizes) <= WINDOW
    compactions = [e for e in events if isinstance(e, ContextCompacted)]
    assert compactions and all(c.tokens_after < c.tokens_before for c in compactions)
    stored = [s.type for s in store.events(events[0].run_id)]
    assert stored.count("ToolCallFinished") == 30  # the record keeps every output
    last = fake_api.requests[-1]["body"]["messages"]
    stubs = [b for m in last if isinstance(m["content"], list) for b in m["content"]
             if b.get("type") == "tool_result" and "was cleared" in str(b["content"])]
    assert len(stubs) >= 25 and "recall with call_id" in stubs[0]["content"]


def test_recall_brings_back_a_cleared_output(
    fake_api: FakeAPI, store: Store, tmp_path: Path
) -> None:
    big_file(tmp_path)
    first = ToolUse("read_file", {"path": "data.txt"}, id="toolu_first")
    fake_api.add(Turn("Reading.", (first,)),
                 *[Turn("Again.", (ToolUse("read_file", {"path": "data.txt"}),))] * 6,
                 Turn("Back to the first.", (ToolUse("recall", {"call_id": "toolu_first"}),)),
                 Turn("Done."))
    client = ModelClient(api_key="k", base_url=fake_api.url)

    async def go() -> list[Any]:
        run = start_run(store, client, "read", tmp_path, context=ContextLimits(WINDOW))
        return [e async for e in run]

    events = asyncio.run(go())
    recalled = [e for e in events if isinstance(e, ToolCallFinished) and e.name == "recall"]
    assert not recalled[0].is_error and "line 00001 of the big data file" in recalled[0].result


def test_when_clearing_is_not_enough_the_earlier_steps_are_summarised(tmp_path: Path) -> None:
    talk = "a long explanation of what I am doing " * 1000  # ~9.5k tokens of its own words
    model = ScriptedModel([  # the sixth request would pass 80 % of the window
        *[Turn(talk, (ToolUse("list_files", {}),)) for _ in range(5)],
        Turn("Summary: listed the files six times; nothing else to do."),
        Turn("Done."),
    ])

    async def go() -> list[Any]:
        agent = Agent(model, Workspace(tmp_path), context_window=WINDOW)
        return [e async for e in agent.run("look around")]

    events = asyncio.run(go())
    assert events[-1] == RunFinished("Done.")
    [compacted] = [e for e in events if isinstance(e, ContextCompacted) and e.summary]
    assert compacted.summary.startswith("Summary: listed the files")
    summary_request = next(r for r in model.requests if SUMMARY_REQUEST in json.dumps(r))
    assert summary_request["messages"][-1]["role"] == "user"
    sent = model.requests[-1]["messages"]
    assert "Summary: listed the files" in json.dumps(sent[0]) and "look around" in json.dumps(
        sent[0]
    )
    assert len(json.dumps(sent)) // 4 < WINDOW * 0.8


def test_a_request_refused_as_too_long_is_compacted_and_retried(tmp_path: Path) -> None:
    big_file(tmp_path)
    read = ToolUse("read_file", {"path": "data.txt"})
    model = ScriptedModel([
        *[Turn("Reading.", (read,)) for _ in range(4)],
        Turn(status=400, error_message="prompt is too long: 250000 tokens > 200000 maximum"),
        Turn("Done."),
    ])

    async def go() -> list[Any]:
        return [e async for e in Agent(model, Workspace(tmp_path)).run("read")]

    events = asyncio.run(go())
    assert events[-1] == RunFinished("Done.")
    assert any(isinstance(e, ContextCompacted) and e.cleared for e in events)


def test_what_the_model_is_sent_is_shown_on_request(
    fake_api: FakeAPI, store: Store, tmp_path: Path
) -> None:
    run_id = reading_run(fake_api, store, tmp_path, 8)[0].run_id
    sent = json.loads(run_text(store, run_id, "sent"))
    assert sent[:-1] == fake_api.requests[-1]["body"]["messages"]
    assert "was cleared" in json.dumps(sent)
    assert "was cleared" not in run_text(store, run_id, "json")  # the record keeps it all


def test_the_summary_request_carries_cleared_outputs_as_plain_tool_results(
    tmp_path: Path,
) -> None:
    """Outputs cleared before a summary reach the model as stubs in ordinary tool_result
    blocks: the builder's own note of what it cleared is no field the API accepts."""
    big_file(tmp_path)
    talk = "a long explanation of what I am doing " * 1000
    steps = 0

    def answer(body: dict[str, Any]) -> Turn:
        nonlocal steps
        if SUMMARY_REQUEST in json.dumps(body["messages"][-1]):
            return Turn("Summary: read the data file a few times.")
        steps += 1
        if steps > 6:
            return Turn("Done.")
        return Turn(talk, (ToolUse("read_file", {"path": "data.txt"}),))

    async def go(api: FakeAPI) -> list[Any]:
        client = ModelClient(api_key="k", base_url=api.url)
        run = Agent(client, Workspace(tmp_path), context_window=WINDOW).run("read the data")
        return [e async for e in run]

    with FakeAPI(responder=answer) as api:
        events = asyncio.run(go(api))
    assert events[-1] == RunFinished("Done.")
    [summary_request] = [r["body"] for r in api.requests
                         if SUMMARY_REQUEST in json.dumps(r["body"]["messages"][-1])]
    results = [b for m in summary_request["messages"] if isinstance(m["content"], list)
               for b in m["content"] if b["type"] == "tool_result"]
    assert any("was cleared" in b["content"] for b in results)
    assert {key for b in results for key in b} == {"type", "tool_use_id", "content", "is_error"}
