"""Import the `anthropic` SDK on a background thread, once per process.

`import anthropic` takes over a second. Done on the UI thread it would freeze the window, so
`run_app` starts it once the window is painted and the UI thread has done its own imports, and
anything about to use the SDK awaits `sdk_ready()` first. The same thread then does the other
first-use work a reply would otherwise stall the window with (the SDK's stream validator, the
common code lexers) and freezes what all this allocated out of the garbage collector's reach:
scanning the SDK's few hundred thousand objects made each full collection a 16–60 ms stall of
the UI, often in the middle of a streaming reply.

Start it only when the UI thread is done importing: PySide6's import hook inspects every new
module, and with both threads importing at once the SDK's import failed in about one run in
four (an ImportError inside pydantic). A plain daemon thread, not the event loop's executor,
so it can never hold up the process at exit.
"""

from __future__ import annotations

import functools
import gc
import importlib
import linecache
import threading

from desktop.ui.widgets.render import warm_lexers

POLL_S = 0.02


@functools.cache
def start_sdk_import() -> threading.Event:
    """Start the import (the first call only); the event is set once it has finished."""
    done = threading.Event()

    def work() -> None:
        try:
            importlib.import_module("anthropic")
            from desktop.core.model.client import warm_up  # loaded by now: imports nothing new

            warm_up()
            warm_lexers()
            linecache.clearcache()
            gc.freeze()
        finally:
            done.set()

    threading.Thread(target=work, name="import-anthropic", daemon=True).start()
    return done


async def sdk_ready() -> None:
    """Wait, without blocking the event loop, until the SDK can be imported instantly."""
    import asyncio  # already loaded whenever a coroutine runs; kept off the start-up path

    done = start_sdk_import()
    while not done.is_set():
        await asyncio.sleep(POLL_S)
