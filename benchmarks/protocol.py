"""The model protocol under strain: how soon a stalled stream is given up, the cost of a huge
tool input streamed in small pieces (10 MB in 64-byte deltas took 110 s when the pieces were
joined by repeated string concatenation), and what prompt caching saves on a long run (the
loopback server keeps a prompt cache and reports reads and writes as the API does)."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path

from benchmarks.measure import Figure, figures_json
from desktop.core.agent.loop import Agent
from desktop.core.agent.workspace import Workspace
from desktop.core.demo.fake_api import FakeAPI, ToolUse, Turn
from desktop.core.events import Budget
from desktop.core.model.client import ModelClient, RetryPolicy
from desktop.core.model.errors import ModelError
from desktop.core.model.reply import ReplyBuilder
from desktop.core.model.stream import ScriptedModel

PIECE = 64


async def _stall_seconds(client: ModelClient) -> float:
    """From the first text of a reply whose server then goes silent to the error naming it."""
    started = None
    try:
        async for _ in client.stream(model="m", messages=[{"role": "user", "content": "hi"}]):
            started = started or time.monotonic()
    except ModelError:
        pass
    assert started is not None, "no text arrived before the stall"
    return time.monotonic() - started


def stalled_stream_detect_s(idle_s: float) -> float:
    with FakeAPI([Turn("Some words, then silence.", stall_after_chars=10)]) as server:
        client = ModelClient(api_key="bench", base_url=server.url, idle_timeout_s=idle_s,
                             retry=RetryPolicy(attempts=1))
        return asyncio.run(_stall_seconds(client))


def tool_input_seconds(size: int) -> float:
    """Fold a tool call whose input is `size` bytes of JSON, streamed in 64-byte pieces."""
    raw = json.dumps({"path": "big.txt", "content": "x" * size})
    events = [{"type": "content_block_delta", "index": 0,
               "delta": {"type": "input_json_delta", "partial_json": raw[i : i + PIECE]}}
              for i in range(0, len(raw), PIECE)]
    reply = ReplyBuilder("m")
    started = time.perf_counter()
    reply.apply({"type": "content_block_start", "index": 0,
                 "content_block": {"type": "tool_use", "id": "t", "name": "write_file"}})
    for event in events:
        reply.apply(event)
    reply.apply({"type": "content_block_stop", "index": 0})
    content, errors = reply.content()
    elapsed = time.perf_counter() - started
    assert not errors and len(content[0].input["content"]) == size  # type: ignore[union-attr]
    return elapsed


def billed_input(steps: int, root: Path, caching: bool) -> float:
    """Input tokens of a scripted run, weighted as billed: cache writes 1.25×, reads 0.1×."""
    (root / "notes.txt").write_text("a line of notes for the agent to read\n" * 100)
    read = ToolUse("read_file", {"path": "notes.txt"})
    turns = [Turn(f"Step {n}: reading again.", (read,)) for n in range(steps)]
    with FakeAPI([*turns, Turn("Done.")]) as server:
        client = ModelClient(api_key="bench", base_url=server.url, prompt_caching=caching)
        budget = Budget(max_steps=steps + 1, max_cost_usd=1e9, max_tokens=10**12)
        agent = Agent(client, Workspace(root), budget=budget)

        async def go() -> list[object]:
            return [e async for e in agent.run("read the notes")]

        asyncio.run(go())
    usage = agent.usage
    fresh = usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens
    return fresh + 1.25 * usage.cache_write_tokens + 0.1 * usage.cache_read_tokens


def long_run_cost_ratio(steps: int) -> float:
    with tempfile.TemporaryDirectory() as cached, tempfile.TemporaryDirectory() as plain:
        return billed_input(steps, Path(cached), True) / billed_input(steps, Path(plain), False)


def compaction_peak_ratio(steps: int, window: int = 50_000) -> float:
    """The largest request of a long scripted run over the model's context window."""
    read = ToolUse("read_file", {"path": "notes.txt"})
    talk = "Reading the notes once more to check one more detail. " * 20
    model = ScriptedModel([*(Turn(talk, (read,)) for _ in range(steps)), Turn("Done.")])
    with tempfile.TemporaryDirectory() as root:
        (Path(root) / "notes.txt").write_text("a line of notes for the agent to read\n" * 300)
        budget = Budget(max_steps=steps + 1, max_cost_usd=1e9, max_tokens=10**12)
        agent = Agent(model, Workspace(root), budget=budget, context_window=window)

        async def go() -> list[object]:
            return [e async for e in agent.run("read the notes")]

        asyncio.run(go())
    return max(len(json.dumps(body)) // 4 for body in model.requests) / window


def measure(mode: str) -> list[dict[str, object]]:
    idle_s = 0.5 if mode == "quick" else 2.0
    size = 1_000_000 if mode == "quick" else 10_000_000
    steps = 10 if mode == "quick" else 100
    return figures_json([
        Figure("stalled_stream_detect_s", stalled_stream_detect_s(idle_s), "s", "<",
               1.5 * idle_s),
        Figure("tool_input_10mb_s", tool_input_seconds(size), "s", "<", 2.0),
        Figure("long_run_cost_ratio", long_run_cost_ratio(steps), "×", "<", 0.25),
        Figure("compaction_peak_ratio", compaction_peak_ratio(steps * 5), "×", "<", 0.85),
    ])
