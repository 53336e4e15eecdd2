"""A big stored run: open one with 500 tool calls and 2 MB of output in the task pane, from the
click in the run list to the first paint of its timeline.

The run is stored here; the opening is measured in fresh processes, and the median reported.
"""

from __future__ import annotations

import os
from pathlib import Path

from benchmarks.data import add_big_run
from benchmarks.measure import Figure, figures_json, loopback_server, median, run_child
from benchmarks.window import app_window, paint_ms
from desktop.core.store.database import Store


def measure(mode: str) -> list[dict[str, object]]:
    calls, runs = (50, 1) if mode == "quick" else (500, 3)
    database = Path(os.environ["AGENTDESK_HOME"]) / "runs.db"
    with Store(database) as store:
        run_id = add_big_run(store, calls)
    with loopback_server("Done.") as url:
        args = (str(database), str(run_id), url)
        opened = median(run_child("run_render:open_probe", *args) for _ in range(runs))
    return figures_json([Figure("run_500_tools_render_ms", opened, "ms", "<", 300)])


def open_probe(database: str, run_id: str, base_url: str) -> float:
    """In a fresh process: pick the run in the sidebar's run list, as a click does."""
    with app_window(Path(database), base_url) as (loop, window):
        pane = window.task_pane
        assert pane is not None
        return paint_ms(
            loop, lambda: window.run_list.runSelected.emit(int(run_id)), pane.timeline.viewport
        )
