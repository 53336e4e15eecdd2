"""Faults: each API error, a dead server, a cut stream, a locked database, no key. The window
must say what went wrong in words a user can act on, keep what it has, and carry on."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.core.demo.fake_api import FakeAPI, Turn
from desktop.core.model.client import ModelClient, RetryPolicy
from desktop.core.store.database import Store
from desktop.ui.shell.main_window import MainWindow
from tests.ui.chat.helpers import (
    WAIT_MS,
    cards,
    click,
    find,
    message_requests,
    screen_text,
    send_and_wait,
    thread,
    type_and_send,
    wait_idle,
)
from tests.ui.conftest import OpenWindow

FAST_RETRY = RetryPolicy(attempts=3, base_delay_s=0.01, max_delay_s=0.02)


def _failed_reply(store: Store, window: MainWindow) -> str:
    """Checks the reply failed on screen and in the database; returns the error shown."""
    reply = thread(store, window)[-1]
    assert (reply.role, reply.status) == ("assistant", "failed")
    card = cards(window)[-1]
    assert card.error_label.isVisible()
    assert card.error_label.text() == reply.error
    assert card.retry_button.isVisible()
    return card.error_label.text()


@pytest.mark.parametrize(
    ("turn", "expected"),
    [
        (Turn(status=401), ["authentication failed (401)", "ANTHROPIC_API_KEY"]),
        (
            Turn(status=404, error_message="model: claude-unknown-9"),
            ["not found (404)", "claude-unknown-9"],
        ),
        (
            Turn(status=400, error_message="max_tokens: must be at most 8192"),
            ["bad request (400)", "max_tokens"],
        ),
    ],
    ids=["401", "404-unknown-model", "400"],
)
def test_api_error_is_shown_on_the_reply(
    qtbot: QtBot,
    window: MainWindow,
    fake_api: FakeAPI,
    store: Store,
    turn: Turn,
    expected: list[str],
) -> None:
    fake_api.add(turn)
    send_and_wait(qtbot, window, "hello")

    error = _failed_reply(store, window)
    for words in expected:
        assert words in error
    assert len(message_requests(fake_api)) == 1  # not retried


@pytest.mark.parametrize("status", [429, 529, 500])
def test_passing_error_is_retried_then_succeeds(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store, status: int
) -> None:
    fake_api.add(Turn(status=status), Turn(text="Made it."))
    notices: list[str] = []
    window.controller.retrying.connect(lambda _: notices.append(find(window, "chatStatus").text()))
    send_and_wait(qtbot, window, "hello")

    assert notices and "retrying in" in notices[0] and "attempt 1" in notices[0]
    assert thread(store, window)[-1].status == "complete"
    assert "Made it." in screen_text(window)
    assert len(message_requests(fake_api)) == 2
    assert not find(window, "chatStatus").isVisible()  # the notice goes once text arrives


@pytest.mark.parametrize(
    ("status", "expected"), [(529, "overloaded (529)"), (500, "server error (500)")]
)
def test_retries_exhausted_give_a_clear_message(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store, status: int, expected: str
) -> None:
    fake_api.add(*[Turn(status=status)] * 3)
    send_and_wait(qtbot, window, "hello")

    assert expected in _failed_reply(store, window)
    assert len(message_requests(fake_api)) == 3


def test_connection_refused(qtbot: QtBot, open_window: OpenWindow, store: Store) -> None:
    with socket.socket() as probe:  # a port nobody listens on once this closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dead = ModelClient(api_key="test-key", base_url=f"http://127.0.0.1:{port}", retry=FAST_RETRY)
    window = open_window(dead)
    send_and_wait(qtbot, window, "anyone there?")

    error = _failed_reply(store, window)
    assert f"cannot reach http://127.0.0.1:{port}" in error


def test_cut_stream_keeps_partial_text_and_retry_makes_a_new_reply(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store
) -> None:
    fake_api.add(Turn(text="The first half and then the rest", cut_after_chars=14))
    send_and_wait(qtbot, window, "hello")

    assert "cut off" in _failed_reply(store, window)
    failed = thread(store, window)[-1]
    assert failed.text == "The first half"
    assert "The first half" in screen_text(window)

    fake_api.add(Turn(text="A whole answer this time."))
    with qtbot.waitSignal(window.controller.busyChanged, timeout=WAIT_MS):
        click(qtbot, cards(window)[-1].retry_button)
    wait_idle(qtbot, window)
    retried = thread(store, window)[-1]
    assert (retried.status, retried.text) == ("complete", "A whole answer this time.")
    assert [m.id for m in store.siblings(retried.id)] == [failed.id, retried.id]
    assert "A whole answer this time." in screen_text(window)
    assert cards(window)[-1].branch_label.text() == "2/2"


def test_locked_database_keeps_the_composer_text(
    qtbot: QtBot, open_window: OpenWindow, client: ModelClient, fake_api: FakeAPI, tmp_path: Path
) -> None:
    path = tmp_path / "locked.db"
    store = Store(path, busy_timeout_ms=50)
    conversation = store.create_conversation()
    window = open_window(client, store=store)
    window.controller.open_conversation(conversation.id)
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        type_and_send(qtbot, window, "please keep this")
        status = find(window, "chatStatus")
        qtbot.waitUntil(lambda: "locked" in status.text(), timeout=WAIT_MS)
        wait_idle(qtbot, window)
        assert status.isVisible()
        assert find(window, "chatInput").toPlainText() == "please keep this"
        assert message_requests(fake_api) == []
    finally:
        locker.rollback()
        locker.close()

    fake_api.add(Turn(text="Unlocked."))  # once the lock is gone, the kept text sends fine
    with qtbot.waitSignal(window.controller.busyChanged, timeout=WAIT_MS):
        qtbot.mouseClick(find(window, "sendButton"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert [m.text for m in store.thread(conversation.id)] == ["please keep this", "Unlocked."]
    store.close()


def test_no_api_key_says_how_to_add_one(
    qtbot: QtBot, open_window: OpenWindow, store: Store
) -> None:
    window = open_window(ModelClient())  # the isolated environment has no ANTHROPIC_API_KEY

    banner = window.banner
    assert banner.isVisible() and "Settings" in banner.label.text()
    assert "ANTHROPIC_API_KEY" in banner.toolTip() and "--demo" in banner.toolTip()
    assert banner.demo_button.isVisible()

    type_and_send(qtbot, window, "hello?")
    status = find(window, "chatStatus")
    assert status.isVisible() and "ANTHROPIC_API_KEY" in status.text()
    assert find(window, "chatInput").toPlainText() == "hello?"
    assert store.conversations() == []

    qtbot.mouseClick(banner.demo_button, Qt.MouseButton.LeftButton)
    assert "Demo model" in banner.label.text()
    assert not banner.demo_button.isVisible()
    qtbot.waitUntil(lambda: find(window, "modelPicker").currentText() == "demo", timeout=WAIT_MS)
