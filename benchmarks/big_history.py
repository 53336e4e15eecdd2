"""Years of history: the app on a big data folder (`benchmarks.big_data`).

With `--data FOLDER` the figures are measured on that generated folder (make it once with
`python -m benchmarks.big_data FOLDER`; the app migrates and writes to it, so use a copy you
can throw away); without, a small one is generated in the scratch folder. Start-up and the
openings are measured in fresh processes; search runs in this one.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import time
from asyncio import AbstractEventLoop
from collections.abc import Callable
from pathlib import Path

from benchmarks.big_data import generate
from benchmarks.measure import Figure, figures_json, loopback_server, median, rss_mb, run_child
from benchmarks.search import QUERIES
from benchmarks.startup import first_paint_s, warm_bytecode
from benchmarks.window import app_window, paint_ms
from desktop.core.store.database import Store
from desktop.ui.shell.main_window import MainWindow

QUICK_SCALE = 0.001  # 1,000 messages: a smoke test
DEFAULT_SCALE = 0.05  # 50,000 messages: a few minutes to build
SEARCH_ROUNDS = 5
ATTACH_IMPORTS = ("desktop.ui.chat.controller", "desktop.ui.shell.connections",
                  "desktop.ui.review.controller", "desktop.ui.task.pane")


def measure(mode: str, data: str = "") -> list[dict[str, object]]:
    folder = Path(data) if data else Path(os.environ["AGENTDESK_HOME"]) / "big"
    if not data:
        generate(folder, QUICK_SCALE if mode == "quick" else DEFAULT_SCALE)
    database = folder / "agentdesk.db"
    runs = 1 if mode == "quick" else 5
    with Store(database) as store:  # migrates it once, outside every measurement
        searches = _search_ms(store)
    with sqlite3.connect(database) as db:
        messages = db.execute("SELECT count(*) FROM messages").fetchone()[0]
    size = database.stat().st_size
    ratio = _startup_ratio(folder, runs)
    with loopback_server("Hello.") as url:
        idle = [run_child("big_history:idle_probe", str(database), url) for _ in range(runs)]
        opened = [run_child("run_render:open_probe", str(database), "1", url)
                  for _ in range(min(runs, 3))]
    return figures_json([
        Figure("big_history_startup_ratio", ratio, "×", "<", 2.2),
        Figure("sidebar_open_ms", median(i["sidebar_ms"] for i in idle), "ms", "<", 100),
        Figure("search_1m_ms", median(searches), "ms", "<", 30),
        Figure("search_1m_p99_ms", _p99(searches), "ms", "<", 100),
        Figure("open_run_2k_events_ms", median(opened), "ms", "<", 300),
        Figure("db_size_per_message_bytes", size / max(1, messages), "bytes", "<", 8_000),
        Figure("idle_rss_mb", median(i["rss_mb"] for i in idle), "MB", "<", 180),
    ])


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) > 1 else values[0]


def _search_ms(store: Store) -> list[float]:
    """Every query, SEARCH_ROUNDS times, after one unmeasured round that warms the cache."""
    for query in QUERIES:
        store.search(query)
    times = []
    for _ in range(SEARCH_ROUNDS):
        for query in QUERIES:
            started = time.perf_counter()
            store.search(query)
            times.append((time.perf_counter() - started) * 1000)
    return times


def _startup_ratio(folder: Path, runs: int) -> float:
    """Launch → first paint on `folder`, over a bare window's, medians alternating."""
    warm_bytecode()
    home = {"AGENTDESK_HOME": str(folder)}
    for kind in ("bare", "app"):
        first_paint_s(kind, home)  # unmeasured: warms the file cache
    bare, app = [], []
    for _ in range(runs):
        bare.append(first_paint_s("bare", home))
        app.append(first_paint_s("app", home))
    return median(app) / median(bare)


def idle_probe(database: str, base_url: str) -> dict[str, float]:
    """In a fresh process: attach the core to a painted window until both history lists have
    painted (the modules already imported: start-up is its own figure), then the memory held
    once the SDK has loaded and the window is idle with nothing open."""
    import importlib

    for module in ATTACH_IMPORTS:  # start-up's cost, not the list's
        importlib.import_module(module)
    opened: list[float] = []

    def timed(loop: AbstractEventLoop, window: MainWindow, attach: Callable[[], None]) -> None:
        lists = window.sidebar.conversation_list.viewport
        opened.append(paint_ms(loop, attach, lists))

    with app_window(Path(database), base_url, timed):
        return {"sidebar_ms": opened[0], "rss_mb": rss_mb()}
