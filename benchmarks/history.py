"""A long conversation: open a stored 10,000-message chat to its first paint, and the memory
the app holds with it open (the SDK loaded, as in the real app a second after start).

The data is built here; each opening is measured in a fresh process, so neither the build's
memory nor its imports count. Both figures are medians over those processes.
"""

from __future__ import annotations

import os
from pathlib import Path

from benchmarks.data import TextMaker, add_conversations
from benchmarks.measure import Figure, figures_json, loopback_server, median, rss_mb, run_child
from benchmarks.window import SETTLE_S, app_window, paint_ms

OTHER_CHATS = 20  # a sidebar with a few conversations, as a real user's has


def measure(mode: str) -> list[dict[str, object]]:
    count, runs = (1_000, 1) if mode == "quick" else (10_000, 3)
    database = Path(os.environ["AGENTDESK_HOME"]) / "history.db"
    text = TextMaker()
    add_conversations(database, OTHER_CHATS, 20, text)
    [conversation_id] = add_conversations(database, 1, count, text)
    with loopback_server("Hello.") as url:
        args = (str(database), str(conversation_id), url)
        opened = [run_child("history:open_probe", *args) for _ in range(runs)]
    return figures_json([
        Figure("open_10k_messages_ms", median(o["open_ms"] for o in opened), "ms", "<", 150),
        Figure("rss_10k_mb", median(o["rss_mb"] for o in opened), "MB", "<", 250),
    ])


def open_probe(database: str, conversation_id: str, base_url: str) -> dict[str, float]:
    """In a fresh process: open the conversation as a click in the sidebar does."""
    import asyncio

    with app_window(Path(database), base_url) as (loop, window):
        controller, view = window.controller, window.chat_pane.view
        assert controller is not None
        opened = paint_ms(
            loop, lambda: controller.open_conversation(int(conversation_id)), lambda: view.cards[-1]
        )
        loop.run_until_complete(asyncio.sleep(SETTLE_S))
        return {"open_ms": opened, "rss_mb": rss_mb()}
