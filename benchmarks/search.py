"""Search: full-text queries over 100,000 stored messages, as typed into the search box.

The queries mix frequent and rare words, two-word queries and a word still being typed
(prefix-matched), the way `Store.search` receives them.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from benchmarks.data import TextMaker, add_conversations
from benchmarks.measure import Figure, figures_json, median
from desktop.core.store.database import Store

QUERIES = (
    "docker", "python function", "timeout", "migration", "regex", "database query", "unicode",
    "the", "throughput", "kernel", "sort filter", "mig", "async await", "widget layout",
    "json schema", "benchmark", "lock", "encod", "container image", "socket",
)
ROUNDS = 5


def measure(mode: str) -> list[dict[str, object]]:
    chats = 10 if mode == "quick" else 100  # of 1,000 messages each
    database = Path(os.environ["AGENTDESK_HOME"]) / "search.db"
    add_conversations(database, chats, 1_000, TextMaker())
    with Store(database) as store:
        for query in QUERIES:  # unmeasured: reads the index into the page cache
            store.search(query)
        times = [_query_ms(store, query) for _ in range(ROUNDS) for query in QUERIES]
    return figures_json([Figure("search_100k_ms", median(times), "ms", "<", 30)])


def _query_ms(store: Store, query: str) -> float:
    started = time.perf_counter()
    store.search(query)
    return (time.perf_counter() - started) * 1000
