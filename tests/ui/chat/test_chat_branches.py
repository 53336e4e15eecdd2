"""Branches: editing a past message and regenerating a reply keep the old version reachable
through the `< 1/2 >` switcher, on screen and in the database."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton
from pytestqt.qtbot import QtBot

from desktop.core.demo.fake_api import FakeAPI, Turn
from desktop.core.store.database import Store
from desktop.ui.chat.message_card import MessageCard
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
    wait_idle,
)


def _texts(store: Store, window: MainWindow) -> list[str]:
    return [m.text for m in thread(store, window)]


def test_edit_makes_a_branch_and_the_switcher_moves_between_them(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store
) -> None:
    fake_api.add(Turn(text="Answer one."))
    send_and_wait(qtbot, window, "First question")
    click(qtbot, cards(window)[0].edit_button)
    chat_input = find(window, "chatInput")
    assert chat_input.toPlainText() == "First question"
    assert window.composer.edit_bar.isVisible()

    chat_input.selectAll()
    qtbot.keyClicks(chat_input, "Second question")
    fake_api.add(Turn(text="Answer two."))
    with qtbot.waitSignal(window.controller.busyChanged, timeout=WAIT_MS):
        qtbot.keyClick(chat_input, Qt.Key.Key_Return)
    wait_idle(qtbot, window)

    assert _texts(store, window) == ["Second question", "Answer two."]
    assert message_requests(fake_api)[-1]["body"]["messages"][0]["content"][0]["text"] == (
        "Second question"
    )
    assert "Answer one." not in screen_text(window)
    assert not window.composer.edit_bar.isVisible()
    user_card = cards(window)[0]
    assert user_card.branch_label.text() == "2/2"

    click(qtbot, user_card.previous_button)
    assert _texts(store, window) == ["First question", "Answer one."]
    assert "Answer one." in screen_text(window) and "Answer two." not in screen_text(window)
    assert cards(window)[0].branch_label.text() == "1/2"

    click(qtbot, cards(window)[0].next_button)
    assert _texts(store, window) == ["Second question", "Answer two."]
    assert "Answer two." in screen_text(window)


def built_buttons(card: MessageCard) -> list[str]:
    return [button.text() for button in card.findChildren(QToolButton)]


def shown_buttons(card: MessageCard) -> list[str]:
    return [button.text() for button in card.findChildren(QToolButton) if button.isVisible()]


def test_regenerate_makes_a_sibling_reply(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store
) -> None:
    fake_api.add(Turn(text="Take one."))
    send_and_wait(qtbot, window, "Say something")
    first = thread(store, window)[-1]
    user_card, reply_card = cards(window)
    # each card builds only what it shows: user messages get Edit, the newest reply Regenerate
    assert shown_buttons(user_card) == built_buttons(user_card) == ["Copy", "Edit"]
    assert shown_buttons(reply_card) == built_buttons(reply_card) == ["Copy", "Regenerate"]

    fake_api.add(Turn(text="Take two."))
    with qtbot.waitSignal(window.controller.busyChanged, timeout=WAIT_MS):
        click(qtbot, cards(window)[-1].regenerate_button)
    wait_idle(qtbot, window)

    second = thread(store, window)[-1]
    assert second.id != first.id and second.parent_id == first.parent_id
    assert [m.text for m in store.siblings(second.id)] == ["Take one.", "Take two."]
    assert "Take two." in screen_text(window) and "Take one." not in screen_text(window)
    assert len(cards(window)) == 2
    assert cards(window)[-1].branch_label.text() == "2/2"

    click(qtbot, cards(window)[-1].previous_button)
    assert _texts(store, window) == ["Say something", "Take one."]
    assert "Take one." in screen_text(window)


def test_actions_are_disabled_while_a_reply_streams(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI
) -> None:
    fake_api.add(Turn(text="Quick."))
    send_and_wait(qtbot, window, "one")
    fake_api.add(Turn(text="A slower reply that takes its time. " * 4, tokens_per_s=60))
    find(window, "chatInput").setPlainText("two")
    qtbot.mouseClick(find(window, "sendButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.controller.busy, timeout=WAIT_MS)

    assert not cards(window)[0].edit_button.isEnabled()
    assert not find(window, "sendButton").isEnabled()
    qtbot.mouseClick(find(window, "stopButton"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert cards(window)[0].edit_button.isEnabled()


def test_up_in_the_empty_box_edits_the_last_message_and_enter_on_nothing_says_why(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store
) -> None:
    fake_api.add(Turn(text="Lisbon is lovely."), Turn(text="Porto too."))
    send_and_wait(qtbot, window, "Plan a trip to Lisbon")
    chat_input = find(window, "chatInput")
    qtbot.keyClick(chat_input, Qt.Key.Key_Return)
    assert "Type a message first" in window.chat_pane.notice.text()
    qtbot.keyClick(chat_input, Qt.Key.Key_Up)
    assert chat_input.toPlainText() == "Plan a trip to Lisbon"
    assert window.composer.editing_id == thread(store, window)[0].id
    chat_input.selectAll()
    qtbot.keyClicks(chat_input, "Plan a trip to Porto")
    with qtbot.waitSignal(window.controller.busyChanged, timeout=WAIT_MS):
        qtbot.keyClick(chat_input, Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    assert [m.text for m in thread(store, window)] == ["Plan a trip to Porto", "Porto too."]
