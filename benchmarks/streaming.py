"""Streaming: what the app adds to the first token, and how smooth the UI stays while a long
reply streams into the chat pane.

The model is the loopback server in its own process, so its threads never hold this
process's GIL (a remote API would not either). The long reply continues a stored conversation
the window has open, as a user continuing a chat finds it.
"""

from __future__ import annotations

import asyncio
import os
import time
from contextlib import aclosing
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer

from benchmarks.data import TextMaker, add_conversations
from benchmarks.measure import Figure, figures_json, loopback_server, median, run_child
from benchmarks.window import SETTLE_S, app_window, paint_ms

PROMPT = "What does a context manager do?"
SHORT_REPLY = "A context manager sets something up and tears it down again, even on errors."
MODEL = "claude-sonnet-5-5"
MAX_TOKENS = 4096
WARMUP = 5
TOKENS_PER_S = 2000
TICK_MS = 5
HISTORY = 20  # messages in the conversation the reply continues
STREAM_TIMEOUT_S = 120


def _database(name: str) -> Path:
    return Path(os.environ["AGENTDESK_HOME"]) / name


# --- first token ------------------------------------------------------------------------------


def first_token(mode: str) -> list[dict[str, object]]:
    """Median of (app's time to first text) − (raw SDK's), request pairs on one server."""
    pairs = 20 if mode == "quick" else 200
    with loopback_server(SHORT_REPLY) as url:
        overheads = asyncio.run(_overheads(url, pairs))
    return figures_json([
        Figure("first_token_overhead_ms", median(overheads), "ms", "<", 5),
    ])


async def _overheads(url: str, pairs: int) -> list[float]:
    import anthropic

    from desktop.core.chat.session import ChatSession
    from desktop.core.model.client import ModelClient
    from desktop.core.store.database import Store

    sdk = anthropic.AsyncAnthropic(api_key="benchmark", base_url=url, max_retries=0)
    client = ModelClient(api_key="benchmark", base_url=url)
    overheads = []
    with Store(_database("first-token.db")) as store:
        session = ChatSession(store, client)
        for n in range(WARMUP + pairs):
            raw = await _raw_first_s(sdk)
            app = await _app_first_s(session)
            if n >= WARMUP:
                overheads.append((app - raw) * 1000)
        await client.aclose()
    await sdk.close()
    return overheads


async def _raw_first_s(sdk: Any) -> float:
    started = time.perf_counter()
    first = None
    stream = await sdk.messages.create(
        model=MODEL,
        max_tokens=MAX_TOKENS,
        messages=[{"role": "user", "content": PROMPT}],
        stream=True,
    )
    async with stream:
        async for event in stream:
            if first is None and event.type == "content_block_delta":
                first = time.perf_counter()
    assert first is not None, "the raw stream had no text"
    return first - started


async def _app_first_s(session: Any) -> float:
    from desktop.core.events import TextDelta

    conversation = session.store.create_conversation(model=MODEL)
    started = time.perf_counter()
    first = None
    async with aclosing(session.send(conversation.id, PROMPT)) as events:
        async for event in events:
            if first is None and isinstance(event, TextDelta):
                first = time.perf_counter()
    assert first is not None, "the chat session had no text"
    return first - started


# --- stalls -----------------------------------------------------------------------------------


class Ticker(QObject):
    """A precise 5 ms timer on the UI thread; the largest gap between its ticks is a stall."""

    def __init__(self) -> None:
        super().__init__()
        self.ticks: list[float] = []
        self._timer = QTimer(self, interval=TICK_MS, timerType=Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self.on_tick)

    def on_tick(self) -> None:
        self.ticks.append(time.perf_counter())

    def start(self) -> None:
        self.ticks = [time.perf_counter()]
        self._timer.start()

    def stop(self) -> float:
        """Stop; the largest gap in milliseconds."""
        self._timer.stop()
        self.on_tick()
        return max(b - a for a, b in zip(self.ticks, self.ticks[1:], strict=False)) * 1000


def stall(mode: str) -> list[dict[str, object]]:
    """A long Markdown reply at ~2,000 tokens/s into the real chat pane: the median, over
    replies each in a fresh process, of the reply's largest stall."""
    tokens, runs = (1_000, 1) if mode == "quick" else (5_000, 5)
    text = TextMaker()
    reply = text.long_reply(tokens * 4)  # the server's pace counts 4 characters a token
    database = _database("streaming.db")
    conversations = add_conversations(database, runs, HISTORY, text)  # one per reply
    with loopback_server(reply, TOKENS_PER_S) as url:
        stalls = [
            run_child("streaming:stall_probe", str(database), str(id), url, str(len(reply)))
            for id in conversations
        ]
    return figures_json([Figure("stream_max_stall_ms", median(stalls), "ms", "<", 16)])


def stall_probe(database: str, conversation_id: str, base_url: str, length: str) -> float:
    """In a fresh process: open the conversation, then stream the reply into it."""
    with app_window(Path(database), base_url) as (loop, window):
        opened = int(conversation_id)
        view = window.chat_pane.view
        paint_ms(loop, lambda: window.controller.open_conversation(opened), view.viewport)
        return loop.run_until_complete(_stream_and_tick(window, int(length)))


async def _stream_and_tick(window: Any, length: int) -> float:
    controller = window.controller
    settled = asyncio.get_running_loop().create_future()

    def on_busy(busy: bool) -> None:
        if not busy and not settled.done():
            settled.set_result(None)

    controller.busyChanged.connect(on_busy)
    ticker = Ticker()
    ticker.start()
    controller.send("Tell me everything about databases.")
    await asyncio.wait_for(settled, STREAM_TIMEOUT_S)
    await asyncio.sleep(SETTLE_S)  # the finished reply's last layout and paint count too
    worst = ticker.stop()
    reply = controller.thread()[-1]
    assert (reply.status, len(reply.text)) == ("complete", length), "the reply did not stream"
    return worst
