"""Every window shortcut, pressed on the window, does what the shortcuts sheet says."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QTableWidget
from pytestqt.qtbot import QtBot

from desktop.core.demo.fake_api import FakeAPI, Turn
from desktop.core.store.database import Store
from desktop.ui.shell.main_window import MainWindow
from desktop.ui.shell.shortcuts import shown_keys
from desktop.ui.widgets.keys import SHORTCUTS
from tests.ui.chat.helpers import (
    WAIT_MS,
    find,
    message_requests,
    screen_text,
    send_and_wait,
    wait_idle,
)
from tests.ui.task.helpers import wait_ended

CTRL = Qt.KeyboardModifier.ControlModifier
SLOW = "Streaming slowly so there is time to press Esc. " * 40


def press(qtbot: QtBot, window: MainWindow, key: Qt.Key, modifiers=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(window, key, modifiers)


def test_ctrl_n_starts_a_new_chat(qtbot: QtBot, window: MainWindow, fake_api: FakeAPI) -> None:
    fake_api.add(Turn(text="Hi."))
    send_and_wait(qtbot, window, "first chat")
    assert window.controller is not None and window.controller.conversation_id is not None
    window.tabs.setCurrentIndex(1)

    press(qtbot, window, Qt.Key.Key_N, CTRL)
    assert window.controller.conversation_id is None
    assert window.tabs.currentWidget() is window.chat_pane
    assert QApplication.focusWidget() is find(window, "chatInput")


def test_ctrl_shift_n_starts_a_new_task_with_an_empty_goal(
    qtbot: QtBot, window: MainWindow
) -> None:
    assert window.task_pane is not None
    window.task_pane.goal_area.goal_input.setPlainText("an old draft")

    press(qtbot, window, Qt.Key.Key_N, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert window.tabs.currentWidget() is window.task_pane
    goal = window.task_pane.goal_area.goal_input
    assert goal.toPlainText() == "" and not goal.isReadOnly()
    assert QApplication.focusWidget() is goal


def test_ctrl_k_goes_to_search_even_from_the_message_box(
    qtbot: QtBot, window: MainWindow
) -> None:
    chat_input = find(window, "chatInput")
    chat_input.setPlainText("text the box would delete on Ctrl+K")
    chat_input.setFocus()
    chat_input.moveCursor(chat_input.textCursor().MoveOperation.Start)

    qtbot.keyClick(chat_input, Qt.Key.Key_K, CTRL)  # Linux desktops bind it to "delete line"
    assert QApplication.focusWidget() is find(window, "searchInput")
    assert chat_input.toPlainText() == "text the box would delete on Ctrl+K"


def test_ctrl_enter_sends_the_message(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store
) -> None:
    fake_api.add(Turn(text="Sent by the shortcut."))
    find(window, "chatInput").setPlainText("send me")
    assert window.controller is not None
    with qtbot.waitSignal(window.controller.busyChanged, timeout=WAIT_MS):
        press(qtbot, window, Qt.Key.Key_Return, CTRL)
    wait_idle(qtbot, window)
    assert [r["body"]["messages"][-1]["content"][0]["text"]
            for r in message_requests(fake_api)] == ["send me"]


def test_ctrl_enter_runs_the_task_and_esc_stops_it(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store, tmp_path: Path
) -> None:
    pane = window.task_pane
    assert pane is not None
    press(qtbot, window, Qt.Key.Key_N, CTRL | Qt.KeyboardModifier.ShiftModifier)
    pane.set_workspace(str(tmp_path))
    qtbot.keyClicks(pane.goal_area.goal_input, "write a long essay")
    fake_api.add(Turn(text=SLOW, tokens_per_s=50))

    press(qtbot, window, Qt.Key.Key_Enter, CTRL)  # the keypad's Enter works too
    qtbot.waitUntil(lambda: pane.run_id is not None, timeout=WAIT_MS)
    run_id = pane.run_id
    assert run_id is not None
    qtbot.waitUntil(lambda: bool(message_requests(fake_api)), timeout=WAIT_MS)

    press(qtbot, window, Qt.Key.Key_Escape)
    wait_ended(qtbot, pane, run_id)
    assert store.run(run_id).status == "cancelled"


def test_esc_stops_the_reply(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store
) -> None:
    fake_api.add(Turn(text=SLOW, tokens_per_s=50))
    find(window, "chatInput").setPlainText("go on")
    press(qtbot, window, Qt.Key.Key_Return, CTRL)
    assert window.controller is not None
    qtbot.waitUntil(lambda: "Streaming slowly" in screen_text(window), timeout=WAIT_MS)

    press(qtbot, window, Qt.Key.Key_Escape)
    wait_idle(qtbot, window)
    assert store.thread(window.controller.conversation_id)[-1].status == "cancelled"


def test_ctrl_comma_opens_the_settings(qtbot: QtBot, window: MainWindow) -> None:
    press(qtbot, window, Qt.Key.Key_Comma, CTRL)
    dialog = window.findChild(QDialog, "settingsDialog")
    assert dialog is not None and dialog.isVisible()
    dialog.reject()


def test_f1_shows_every_shortcut(qtbot: QtBot, window: MainWindow) -> None:
    press(qtbot, window, Qt.Key.Key_F1)
    sheet = window.findChild(QDialog, "shortcutsSheet")
    assert sheet is not None and sheet.isVisible()
    table = sheet.findChild(QTableWidget)
    rows = {(table.item(r, 0).text(), table.item(r, 1).text()) for r in range(table.rowCount())}
    assert {(shown_keys(b), b.description) for b in SHORTCUTS} <= rows
    assert {b.action for b in SHORTCUTS} == {
        "new_chat", "new_task", "search", "submit", "stop", "settings", "help",
    }
    sheet.reject()
