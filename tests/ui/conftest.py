"""Chat-pane fixtures: the real MainWindow on the fixtures' store and loopback client.

`open_window` builds the window exactly as `run_app` does (construct, show, attach, maybe the
demo) and, on teardown, stops any streaming reply so it is stored before the store closes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from pytestqt.qtbot import QtBot

from desktop.core.model.client import ModelClient
from desktop.core.store.database import Store
from desktop.ui.shell.main_window import MainWindow

OpenWindow = Callable[..., MainWindow]


@pytest.fixture(scope="session", autouse=True)
def _joined_executor(_session_qloop: asyncio.AbstractEventLoop) -> Iterator[None]:
    """A Python pool for the loop's DNS lookups: qasync's QThreads abort the process at exit."""
    executor = ThreadPoolExecutor(thread_name_prefix="qloop-executor")
    _session_qloop.set_default_executor(executor)
    yield
    executor.shutdown(wait=True)


@pytest.fixture
def open_window(
    qtbot: QtBot, qloop: asyncio.AbstractEventLoop, store: Store
) -> Iterator[OpenWindow]:
    windows: list[MainWindow] = []

    def open_(client: ModelClient, *, demo: bool = False, store: Store = store) -> MainWindow:
        window = MainWindow(demo=demo)
        qtbot.addWidget(window)
        with qtbot.waitActive(window):  # shortcuts only reach the active window
            window.show()
            window.activateWindow()
        window.attach(store, client)
        windows.append(window)
        return window

    yield open_
    for window in windows:
        closing = asyncio.ensure_future(window.aclose())
        qtbot.waitUntil(closing.done, timeout=5000)


@pytest.fixture
def window(open_window: OpenWindow, client: ModelClient) -> MainWindow:
    return open_window(client)
