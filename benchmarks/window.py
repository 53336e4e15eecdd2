"""The real window, started the way `run_app` starts it, for figures measured inside the app.

`app_window` paints the window, starts the qasync loop, attaches the core (a file store and a
client on a loopback server) and waits until the SDK has loaded in the background and the
model list has arrived: the app as a user finds it a second after it opened.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtWidgets import QWidget

from benchmarks.paint import PaintProbe
from desktop.core.model.client import ModelClient
from desktop.core.store.database import Store
from desktop.ui.app import create_application
from desktop.ui.shell.main_window import MainWindow
from desktop.ui.shell.sdk_import import sdk_ready, start_sdk_import
from desktop.ui.widgets.render import preload

SETTLE_S = 0.5
PAINT_TIMEOUT_S = 30.0


Attach = Callable[[asyncio.AbstractEventLoop, MainWindow, Callable[[], None]], None]
"""Calls the third argument, which attaches the core: a figure can time it."""


def _attach_now(_loop: asyncio.AbstractEventLoop, _window: MainWindow, attach: Callable[[], None]
                ) -> None:
    attach()


@contextmanager
def app_window(
    database: Path, base_url: str, attach_with: Attach = _attach_now
) -> Iterator[tuple[asyncio.AbstractEventLoop, MainWindow]]:
    """The attached, idle main window and the loop that drives it; closed cleanly after."""
    import qasync

    app = create_application()
    window = MainWindow()
    window.show()
    app.processEvents()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    store = Store(database)
    try:
        client = ModelClient(api_key="benchmark", base_url=base_url)
        attach_with(loop, window, lambda: window.attach(store, client))
        preload()
        start_sdk_import()
        loop.run_until_complete(sdk_ready())
        loop.run_until_complete(asyncio.sleep(SETTLE_S))
        yield loop, window
    finally:
        loop.run_until_complete(window.aclose())
        window.close()
        store.close()
        loop.close()


def paint_ms(
    loop: asyncio.AbstractEventLoop, action: Callable[[], None], target: Callable[[], QWidget]
) -> float:
    """Milliseconds from calling `action` to the end of the paint pass that shows `target`."""
    painted: asyncio.Future[float] = loop.create_future()

    def on_painted(at: float) -> None:
        if not painted.done():
            painted.set_result(at)

    started = time.monotonic()
    action()
    PaintProbe(target(), on_painted)
    ended = loop.run_until_complete(asyncio.wait_for(painted, PAINT_TIMEOUT_S))
    return (ended - started) * 1000
