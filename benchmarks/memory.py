"""`python -m benchmarks.memory [DATABASE]`: where the idle window's memory goes, step by step.

One process starts the app as `run_app` does and reports, after each step, its resident memory
(VmRSS) and, in a second run (tracing costs memory), the Python heap (tracemalloc): the window
painted; the core attached (the history lists read); the SDK imported and its first-use work
done (stream validator, code lexers) on the background thread, which is the idle window that
`idle_rss_mb` measures. A bare PySide6 window, in its own process, is the floor.
"""

from __future__ import annotations

import os
import sys
import tempfile
import tracemalloc
from pathlib import Path

from benchmarks.measure import rss_mb, run_child

STEPS = ("window painted", "core attached", "SDK loaded, idle")


def bare_probe() -> float:
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    app = QApplication(sys.argv)
    window = QMainWindow()
    window.setCentralWidget(QLabel("Hello"))
    window.show()
    app.processEvents()
    return rss_mb()


def steps_probe(database: str, trace: str) -> list[float]:
    """In a fresh process: memory after each of `STEPS` (RSS, or the traced heap), in MB."""
    import asyncio

    if trace == "1":
        tracemalloc.start()

    def now() -> float:
        return tracemalloc.get_traced_memory()[0] / 1e6 if trace == "1" else rss_mb()

    import qasync

    from desktop.ui.app import create_application
    from desktop.ui.shell.main_window import MainWindow

    app = create_application()
    window = MainWindow()
    window.show()
    app.processEvents()
    found = [now()]
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    from desktop.core.model.client import ModelClient
    from desktop.core.store.database import Store
    from desktop.ui.shell.sdk_import import sdk_ready, start_sdk_import
    from desktop.ui.widgets.render import preload

    window.attach(Store(database), ModelClient(api_key="memory", base_url="http://127.0.0.1:9"))
    app.processEvents()
    found.append(now())
    preload()
    start_sdk_import()
    loop.run_until_complete(sdk_ready())
    loop.run_until_complete(asyncio.sleep(0.5))
    found.append(now())
    os._exit(_print_result(found))


def _print_result(found: list[float]) -> int:
    import json

    from benchmarks.measure import RESULT_MARK

    print(RESULT_MARK + json.dumps(found), flush=True)
    return 0


def main(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="agentdesk-memory-") as home:
        os.environ.update(QT_QPA_PLATFORM="offscreen", AGENTDESK_HOME=home)
        database = argv[0] if argv else str(Path(home) / "agentdesk.db")
        rss = run_child("memory:steps_probe", database, "0")
        heap = run_child("memory:steps_probe", database, "1")
        print(f"{'step':<18} {'RSS MB':>7} {'Python heap MB':>15}")
        print(f"{'bare PySide6':<18} {run_child('memory:bare_probe'):>7.0f} {'':>15}")
        for step, resident, python in zip(STEPS, rss, heap, strict=True):
            print(f"{step:<18} {resident:>7.0f} {python:>15.0f}")


if __name__ == "__main__":
    main(sys.argv[1:])
