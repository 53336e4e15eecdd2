"""The model protocol under strain: how soon a stalled stream is given up, and the cost of a
huge tool input streamed in small pieces (10 MB in 64-byte deltas took 110 s when the pieces
were joined by repeated string concatenation)."""

from __future__ import annotations

import asyncio
import json
import time

from benchmarks.measure import Figure, figures_json
from desktop.core.fake_api import FakeAPI, Turn
from desktop.core.llm import ModelClient, RetryPolicy
from desktop.core.model_errors import ModelError
from desktop.core.reply import ReplyBuilder

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


def measure(mode: str) -> list[dict[str, object]]:
    idle_s = 0.5 if mode == "quick" else 2.0
    size = 1_000_000 if mode == "quick" else 10_000_000
    return figures_json([
        Figure("stalled_stream_detect_s", stalled_stream_detect_s(idle_s), "s", "<",
               1.5 * idle_s),
        Figure("tool_input_10mb_s", tool_input_seconds(size), "s", "<", 2.0),
    ])
