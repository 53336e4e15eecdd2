"""The window as a whole: demo start, the lean start-up path, long conversations, the Task tab."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QLabel, QSplitter
from pytestqt.qtbot import QtBot

from desktop.core.demo.fake_api import FakeAPI, Turn
from desktop.core.model.client import ModelClient
from desktop.core.store.database import Store
from desktop.ui.chat.message_view import PAGE
from desktop.ui.shell.main_window import MainWindow
from tests.ui.chat.helpers import (
    WAIT_MS,
    cards,
    find,
    screen_text,
    send_and_wait,
    thread,
    type_and_send,
    wait_idle,
)
from tests.ui.conftest import OpenWindow

HEAVY = ("asyncio", "qasync", "sqlite_utils", "anthropic", "markdown_it", "pygments", "mcp", "yaml")


def test_the_no_key_banner_moves_nothing_when_it_appears(
    qtbot: QtBot, window: MainWindow
) -> None:
    def places() -> tuple[QPoint, QPoint, QRect]:
        composer = find(window, "composer")
        return (window.chat_pane.mapTo(window, QPoint(0, 0)), composer.mapTo(window, QPoint(0, 0)),
                window.tabs.tabBar().tabRect(1))

    assert not window.banner.isVisible()
    before = places()
    window.banner.show_no_key()  # as when the keyring answers, a moment after the window opens
    qtbot.waitUntil(window.banner.isVisible, timeout=WAIT_MS)
    assert places() == before
    window.resize(760, window.height())  # the narrowest: the tabs stay whole beside the banner
    splitter = window.centralWidget()
    assert isinstance(splitter, QSplitter)
    splitter.setSizes([420, 340])
    bar, banner = window.tabs.tabBar(), window.banner
    qtbot.waitUntil(lambda: bar.tabRect(1).right() < banner.mapTo(bar, QPoint(0, 0)).x(),
                    timeout=WAIT_MS)
    assert banner.label.width() >= banner.label.sizeHint().width()  # its text, whole or cut


def test_demo_start_says_so_and_replies(
    qtbot: QtBot, open_window: OpenWindow, store: Store
) -> None:
    window = open_window(ModelClient(), demo=True)

    assert window.banner.isVisible()
    assert window.banner.label.text().startswith("Demo model — replies are canned")
    assert find(window, "modelPicker").currentText() == "demo"
    send_and_wait(qtbot, window, "ping from the test")

    reply = thread(store, window)[-1]
    assert (reply.status, reply.model) == ("complete", "demo")
    assert "demo model" in reply.text and "ping from the test" in reply.text
    assert "Hello from the demo model" in screen_text(window)


def test_window_module_imports_nothing_heavy() -> None:
    """The first paint (the window starts through the CLI's parser) must not wait for asyncio,
    the SDK, the database layer or the Markdown stack."""
    probe = (
        "import sys, desktop.cli, desktop.ui.app, desktop.ui.shell.main_window;"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == ""


def test_long_conversation_renders_a_page_and_loads_earlier_on_scroll(
    qtbot: QtBot, open_window: OpenWindow, client: ModelClient, store: Store
) -> None:
    conversation = store.create_conversation("Long chat")
    parent = None
    for number in range(PAGE * 2 + 10):
        role = "user" if number % 2 == 0 else "assistant"
        parent = store.add_message(conversation.id, role, f"message {number}", parent_id=parent).id
    window = open_window(client)
    window.controller.open_conversation(conversation.id)

    shown = cards(window)
    assert len(shown) == PAGE
    assert shown[-1].message.text == f"message {PAGE * 2 + 9}"
    view = window.chat_pane.view
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum(), timeout=WAIT_MS)

    old_top = cards(window)[0]
    bar.setValue(0)  # the user scrolls to the top: the page before appears above...
    assert len(cards(window)) == PAGE * 2
    assert cards(window)[PAGE] is old_top
    # ...and what the user was looking at stays where it was on screen.
    assert (
        abs(
            old_top.mapTo(view.viewport(), QPoint()).y()
            - view.widget().layout().contentsMargins().top()
        )
        < 24
    )
    bar.setValue(0)
    assert len(cards(window)) == PAGE * 2 + 10
    assert cards(window)[0].message.text == "message 0"


def test_task_tab_can_be_replaced(window: MainWindow) -> None:
    pane = QLabel("task pane")
    window.set_task_pane(pane)
    assert window.tabs.widget(1) is pane
    assert window.tabs.tabText(1) == "Task"
    assert window.tabs.widget(0) is window.chat_pane


def test_models_come_from_the_endpoint(
    qtbot: QtBot, open_window: OpenWindow, client: ModelClient, fake_api: FakeAPI
) -> None:
    offered = ["claude-test-large", "claude-test-small"]
    fake_api.models = [{"type": "model", "id": m, "display_name": m} for m in offered]
    window = open_window(client)
    picker = find(window, "modelPicker")
    qtbot.waitUntil(
        lambda: [picker.itemText(i) for i in range(picker.count())] == offered, timeout=WAIT_MS
    )
    assert picker.currentText() in offered


def test_view_follows_the_stream_unless_the_user_scrolled_up(
    qtbot: QtBot, open_window: OpenWindow, client: ModelClient, fake_api: FakeAPI, store: Store
) -> None:
    conversation = store.create_conversation("Scrolling")
    parent = None
    for number in range(12):
        role = "user" if number % 2 == 0 else "assistant"
        text = f"earlier message {number}\n\n" + "filler line\n\n" * 6
        parent = store.add_message(conversation.id, role, text, parent_id=parent).id
    window = open_window(client)
    window.controller.open_conversation(conversation.id)
    bar = window.chat_pane.view.verticalScrollBar()
    fake_api.add(Turn(text="A long streamed answer.\n\n" * 40, tokens_per_s=400))
    type_and_send(qtbot, window, "go")

    qtbot.waitUntil(lambda: "A long streamed answer." in screen_text(window), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: bar.value() == bar.maximum() > 0, timeout=WAIT_MS)  # following
    bar.setValue(bar.maximum() // 2)  # the user scrolls up to read
    held = bar.value()
    maximum = bar.maximum()
    qtbot.waitUntil(lambda: bar.maximum() > maximum + 100, timeout=WAIT_MS)  # text keeps coming
    assert bar.value() == held
    wait_idle(qtbot, window)


def test_agentdesk_demo_starts_and_exits_cleanly(isolated_env: Path) -> None:
    """The real start-up path: window, then store and demo server; Ctrl+C closes it quietly."""
    app = subprocess.Popen(
        [sys.executable, "-m", "desktop", "--demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    try:
        deadline = time.monotonic() + 20
        while not (isolated_env / "agentdesk.db").exists():  # opened right after the first paint
            assert app.poll() is None, app.communicate()
            assert time.monotonic() < deadline, "the store was never opened"
            time.sleep(0.05)
        time.sleep(0.5)
        app.send_signal(signal.SIGINT)
        out, err = app.communicate(timeout=20)
    finally:
        app.kill()
    assert (app.returncode, out, err) == (0, "", "")


def test_the_window_opens_where_it_was_closed(
    qtbot: QtBot, open_window: OpenWindow, client: ModelClient
) -> None:
    window = open_window(client)
    window.resize(770, 500)  # within the offscreen screen, which a restore keeps it to
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (770, 500))
    window.close()
    again = open_window(client)
    assert (again.width(), again.height()) == (770, 500)
