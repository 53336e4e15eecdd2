"""The conversation list: new chat, switching, inline rename, delete after a confirmation."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from desktop.core.demo.fake_api import FakeAPI, Turn
from desktop.core.model.client import ModelClient
from desktop.core.store.database import Store
from desktop.ui.shell.main_window import MainWindow
from tests.ui.chat.helpers import WAIT_MS, find, screen_text, send_and_wait
from tests.ui.conftest import OpenWindow


def _titles(window: MainWindow) -> list[str]:
    view = find(window, "conversationList")
    return [view.item(row).text() for row in range(view.count())]


def _with_two_conversations(store: Store) -> tuple[int, int]:
    older = store.create_conversation("Older chat")
    store.add_message(older.id, "user", "an old question")
    newer = store.create_conversation("Newer chat")
    return older.id, newer.id


def test_new_chat_then_switching_conversations(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store
) -> None:
    fake_api.add(Turn(text="First reply."))
    send_and_wait(qtbot, window, "Plan a trip to Lisbon")
    assert _titles(window) == ["Plan a trip to Lisbon"]
    first = window.controller.conversation_id

    qtbot.mouseClick(find(window, "newChatButton"), Qt.MouseButton.LeftButton)
    assert window.chat_pane.view.cards == []
    assert window.focusWidget() is find(window, "chatInput")
    fake_api.add(Turn(text="Second reply."))
    send_and_wait(qtbot, window, "Write a haiku")
    assert _titles(window) == ["Write a haiku", "Plan a trip to Lisbon"]
    assert len(store.conversations()) == 2

    view = find(window, "conversationList")
    rect = view.visualItemRect(view.item(1))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.controller.conversation_id == first
    assert "First reply." in screen_text(window) and "Second reply." not in screen_text(window)


def test_sending_again_moves_the_chat_up_but_leaves_an_unchanged_list_alone(
    qtbot: QtBot, open_window: OpenWindow, client: ModelClient, fake_api: FakeAPI, store: Store
) -> None:
    older, _ = _with_two_conversations(store)
    window = open_window(client)
    window.controller.open_conversation(older)
    view = find(window, "conversationList")
    assert _titles(window) == ["Newer chat", "Older chat"]

    fake_api.add(Turn(text="Moved up."))
    send_and_wait(qtbot, window, "a new question")
    assert _titles(window) == ["Older chat", "Newer chat"]  # refilled, newest first
    top = view.item(0)
    assert view.currentItem() is top

    fake_api.add(Turn(text="Still on top."))
    send_and_wait(qtbot, window, "one more")
    assert view.item(0) is top and view.currentItem() is top  # the same rows, not rebuilt


def test_ctrl_n_starts_a_new_chat(
    qtbot: QtBot, open_window: OpenWindow, client: ModelClient, store: Store
) -> None:
    older, _ = _with_two_conversations(store)
    window = open_window(client)
    window.controller.open_conversation(older)
    assert "an old question" in screen_text(window)

    qtbot.keyClick(find(window, "chatInput"), Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.controller.conversation_id is None
    assert window.chat_pane.view.cards == []


def test_rename_inline_with_f2(
    qtbot: QtBot, open_window: OpenWindow, client: ModelClient, store: Store
) -> None:
    older, _ = _with_two_conversations(store)
    window = open_window(client)
    view = find(window, "conversationList")
    view.setCurrentRow(1)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = view.findChild(QLineEdit)
    assert editor is not None and editor.isVisible()
    editor.selectAll()
    qtbot.keyClicks(editor, "Renamed chat")
    qtbot.keyClick(editor, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: store.conversation(older).title == "Renamed chat", timeout=WAIT_MS)
    assert "Renamed chat" in _titles(window)


def test_a_blank_name_puts_the_old_title_back(
    qtbot: QtBot, open_window: OpenWindow, client: ModelClient, store: Store
) -> None:
    _with_two_conversations(store)
    window = open_window(client)
    view = find(window, "conversationList")
    view.setCurrentRow(1)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = view.findChild(QLineEdit)
    assert editor is not None
    editor.selectAll()
    qtbot.keyClicks(editor, "   ")  # no name at all
    with qtbot.waitSignal(window.sidebar.renameRequested, timeout=WAIT_MS):
        qtbot.keyClick(editor, Qt.Key.Key_Return)

    assert _titles(window) == ["Newer chat", "Older chat"]
    assert [c.title for c in store.conversations()] == ["Newer chat", "Older chat"]


def _press_delete_and_answer(
    qtbot: QtBot, window: MainWindow, row: int, answer: QMessageBox.StandardButton
) -> None:
    view = find(window, "conversationList")
    view.setCurrentRow(row)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    box = window.sidebar.confirm_box
    assert box is not None and box.isVisible()
    assert "cannot be undone" in box.text()
    qtbot.mouseClick(box.button(answer), Qt.MouseButton.LeftButton)


def test_delete_asks_first(
    qtbot: QtBot, open_window: OpenWindow, client: ModelClient, store: Store
) -> None:
    older, newer = _with_two_conversations(store)
    window = open_window(client)
    window.controller.open_conversation(older)

    _press_delete_and_answer(qtbot, window, 1, QMessageBox.StandardButton.Cancel)
    assert {c.id for c in store.conversations()} == {older, newer}

    _press_delete_and_answer(qtbot, window, 1, QMessageBox.StandardButton.Yes)
    assert [c.id for c in store.conversations()] == [newer]
    assert _titles(window) == ["Newer chat"]
    assert window.controller.conversation_id is None  # the open one went: a fresh chat
    assert window.chat_pane.view.cards == []


def test_picking_a_chat_while_on_the_task_tab_shows_the_chat_before_anything_is_typed(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store
) -> None:
    fake_api.add(Turn(text="First reply."))
    send_and_wait(qtbot, window, "Plan a trip to Lisbon")
    window.tabs.setCurrentIndex(1)  # the Task tab
    assert window.tabs.currentWidget() is not window.chat_pane
    view = find(window, "conversationList")
    rect = view.visualItemRect(view.item(0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.tabs.currentWidget() is window.chat_pane
    assert window.focusWidget() is find(window, "chatInput")
    assert find(window, "chatInput").isVisible()  # what is typed now is seen as typed


def test_each_chat_keeps_its_own_unsent_draft(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store, tmp_path: Path
) -> None:
    fake_api.add(Turn(text="First reply."))
    send_and_wait(qtbot, window, "Plan a trip to Lisbon")
    first = window.controller.conversation_id
    chat_input = find(window, "chatInput")
    notes = tmp_path / "notes.txt"
    notes.write_text("pack light\n")
    qtbot.keyClicks(chat_input, "half a thought")
    window.composer.add_files([str(notes)])

    qtbot.mouseClick(find(window, "newChatButton"), Qt.MouseButton.LeftButton)
    assert chat_input.toPlainText() == "" and window.composer.attachments == []
    qtbot.keyClicks(chat_input, "another idea")

    view = find(window, "conversationList")
    rect = view.visualItemRect(view.item(0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.controller.conversation_id == first
    assert chat_input.toPlainText() == "half a thought"
    assert [b["attachment"]["name"] for b in window.composer.attachments] == ["notes.txt"]
    qtbot.mouseClick(find(window, "newChatButton"), Qt.MouseButton.LeftButton)
    assert chat_input.toPlainText() == "another idea"


def test_chats_and_runs_share_the_sidebar_as_the_user_drags(
    qtbot: QtBot, window: MainWindow
) -> None:
    splitter = find(window, "historySplitter")
    assert splitter.count() == 2  # chats, then runs
    total = sum(splitter.sizes())
    handle = splitter.handle(1)
    start = handle.rect().center()
    qtbot.mousePress(handle, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(handle, start + QPoint(0, -total // 4))
    qtbot.mouseRelease(handle, Qt.MouseButton.LeftButton, pos=start + QPoint(0, -total // 4))
    chats, runs = splitter.sizes()
    assert chats < runs and window.run_list.height() > window.sidebar.conversation_list.height()
