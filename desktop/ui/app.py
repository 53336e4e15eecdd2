"""Start-up: paint the window first, then bring in everything heavy.

Order matters. `import anthropic` takes over a second and sqlite-utils, qasync and the Markdown
stack another few hundred milliseconds, so the window is built from PySide6 alone, shown and
painted, and only then is the qasync loop created, the database opened and the core attached.
The SDK itself is imported on a background thread once the UI thread's own imports are done
(see `sdk_import`), so neither the paint nor the first request waits for it on the UI thread.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.core.paths import resources_dir
from desktop.ui.shell.main_window import APP_NAME, MainWindow
from desktop.ui.shell.sdk_import import start_sdk_import
from desktop.ui.theme.app_theme import TEMPLATE
from desktop.ui.widgets.render import preload

if TYPE_CHECKING:
    from asyncio import AbstractEventLoop

RESOURCES = resources_dir()
STYLESHEET = TEMPLATE  # the window's Theme fills it in; the packaging checks it ships
ICONS = RESOURCES / "icons"
SIGNAL_POLL_MS = 250  # lets Python see Ctrl+C while Qt's loop is waiting


def run_app(demo: bool, verbose: bool) -> int:
    """Open the window and run until it is closed; the exit code for the shell."""
    app = create_application()
    window = MainWindow(demo=demo)
    window.show()
    app.processEvents()  # the first paint, before any heavy import below
    from desktop.core.logs import setup_logging

    setup_logging(verbose)
    return _run_core(app, window)


def create_application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setDesktopFileName("agentdesk")
    icon = QIcon()
    for size in sorted(ICONS.glob("agentdesk-*.png")):  # Qt picks the size each place needs
        icon.addFile(str(size))
    app.setWindowIcon(icon)
    return app


def _run_core(app: QApplication, window: MainWindow) -> int:
    import asyncio

    import qasync

    from desktop.core.agent.leftovers import reap_interrupted
    from desktop.core.store.database import Store, StoreError

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        store = Store.open_default()
    except StoreError as exc:
        QMessageBox.critical(window, APP_NAME, f"AgentDesk cannot open its database.\n\n{exc}")
        loop.close()
        return 1
    _stop_on_interrupt(window)  # from here on: Ctrl+C while the core loads closes cleanly too
    try:
        with contextlib.suppress(StoreError):  # locked now: the chat reports it on first write
            reap_interrupted(store)  # and kill the commands a killed app left running
        window.attach(store)  # the settings' provider (the demo's with --demo); keys off-thread
        preload()  # the UI thread's last big import, so the SDK's can run alone
        start_sdk_import()
        app.setQuitOnLastWindowClosed(False)  # the loop ends once the window has cleaned up
        loop.run_until_complete(_until_closed(window, loop))
    finally:
        store.close()
        loop.close()  # joins the loop's worker threads (DNS lookups), or Qt aborts at exit
    return 0


async def _until_closed(window: MainWindow, loop: AbstractEventLoop) -> None:
    closed = loop.create_future()
    window.closed.connect(lambda: closed.done() or closed.set_result(None))
    if window.isVisible():  # it may have been closed while the core was loading
        await closed
    await window.aclose()


def _stop_on_interrupt(window: MainWindow) -> None:
    """Ctrl+C in the launching terminal closes the window cleanly instead of being ignored."""
    signal.signal(signal.SIGINT, lambda *_: window.close())
    timer = QTimer(window, interval=SIGNAL_POLL_MS)
    timer.timeout.connect(lambda: None)
    timer.start()
