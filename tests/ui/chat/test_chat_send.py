"""Sending: a message goes out through the real SDK, streams back, and lands on screen and in
the database; the composer's keys, Stop, a 1 MB paste, the model and the system prompt."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from desktop.core.demo.fake_api import FakeAPI, Turn
from desktop.core.store.database import Store
from desktop.ui.shell.main_window import MainWindow
from tests.ui.chat.helpers import (
    WAIT_MS,
    find,
    message_requests,
    screen_text,
    send_and_wait,
    thread,
    type_and_send,
    wait_idle,
)

SLOW_TEXT = "Streaming slowly, one small chunk at a time, so the test can look mid-way. " * 3


def test_focus_starts_in_chat_input(window: MainWindow) -> None:
    assert window.focusWidget() is find(window, "chatInput")
    for name in (
        "chatInput",
        "sendButton",
        "stopButton",
        "chatView",
        "conversationList",
        "modelPicker",
    ):
        assert find(window, name).accessibleName() == name


def test_send_streams_reply_to_screen_and_database(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store
) -> None:
    fake_api.add(Turn(text="Hello **there**, human.", input_tokens=12, output_tokens=7))
    send_and_wait(qtbot, window, "hello")

    assert "Hello there, human." in screen_text(window)
    assert "12 in / 7 out" in screen_text(window)
    user, reply = thread(store, window)
    assert (user.role, user.text) == ("user", "hello")
    assert (reply.role, reply.status, reply.text) == (
        "assistant",
        "complete",
        "Hello **there**, human.",
    )
    assert (reply.input_tokens, reply.output_tokens) == (12, 7)
    assert reply.cost_usd > 0
    assert find(window, "chatInput").toPlainText() == ""
    sent = message_requests(fake_api)[-1]["body"]
    assert sent["messages"] == [{"role": "user", "content": [{"type": "text", "text": "hello"}]}]


def test_enter_sends_and_shift_enter_adds_a_line(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI
) -> None:
    fake_api.add(Turn(text="ok"))
    chat_input = find(window, "chatInput")
    qtbot.keyClicks(chat_input, "first line")
    qtbot.keyClick(chat_input, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(chat_input, "second line")
    assert chat_input.toPlainText() == "first line\nsecond line"
    assert message_requests(fake_api) == []

    qtbot.keyClick(chat_input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "ok" in screen_text(window), timeout=WAIT_MS)
    wait_idle(qtbot, window)
    text = message_requests(fake_api)[-1]["body"]["messages"][-1]["content"][0]["text"]
    assert text == "first line\nsecond line"


def test_empty_message_is_not_sent(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store
) -> None:
    chat_input = find(window, "chatInput")
    qtbot.keyClicks(chat_input, "   ")
    qtbot.keyClick(chat_input, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(chat_input, Qt.Key.Key_Return)
    qtbot.mouseClick(find(window, "sendButton"), Qt.MouseButton.LeftButton)
    qtbot.wait(50)  # give a wrongly scheduled request the chance to go out

    assert not window.controller.busy
    assert message_requests(fake_api) == []
    assert store.conversations() == []
    assert window.chat_pane.view.cards == []


def test_user_message_and_partial_reply_are_stored_while_streaming(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store
) -> None:
    fake_api.add(Turn(text=SLOW_TEXT, tokens_per_s=50))
    type_and_send(qtbot, window, "tell me slowly")

    def stored_mid_stream() -> bool:
        messages = thread(store, window) if window.controller.conversation_id else []
        return len(messages) == 2 and messages[1].status == "streaming" and bool(messages[1].text)

    qtbot.waitUntil(stored_mid_stream, timeout=WAIT_MS)
    user, reply = thread(store, window)
    assert (user.role, user.text) == ("user", "tell me slowly")
    assert SLOW_TEXT.startswith(reply.text) and len(reply.text) < len(SLOW_TEXT)
    # The screen re-renders at most every 50 ms, so it catches up with the database.
    qtbot.waitUntil(lambda: reply.text.rstrip() in screen_text(window), timeout=WAIT_MS)
    assert window.controller.busy and "streaming…" in screen_text(window)  # live, not at the end
    wait_idle(qtbot, window, timeout=10_000)
    assert thread(store, window)[1].status == "complete"


def _stop_mid_stream(qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, how: str) -> None:
    fake_api.add(Turn(text=SLOW_TEXT, tokens_per_s=50))
    type_and_send(qtbot, window, "go on")
    qtbot.waitUntil(lambda: "Streaming slowly" in screen_text(window), timeout=WAIT_MS)
    stop = find(window, "stopButton")
    assert stop.isEnabled()
    if how == "button":
        qtbot.mouseClick(stop, Qt.MouseButton.LeftButton)
    else:
        qtbot.keyClick(find(window, "chatInput"), Qt.Key.Key_Escape)
    wait_idle(qtbot, window)


def test_stop_keeps_the_partial_reply_marked_cancelled(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store
) -> None:
    _stop_mid_stream(qtbot, window, fake_api, "button")

    reply = thread(store, window)[1]
    assert reply.status == "cancelled"
    assert reply.text.startswith("Streaming slowly") and len(reply.text) < len(SLOW_TEXT)
    assert "stopped" in screen_text(window)
    assert reply.text.split()[0] in screen_text(window)
    assert not find(window, "stopButton").isEnabled()
    assert find(window, "sendButton").isEnabled()


def test_escape_stops_the_reply(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store
) -> None:
    _stop_mid_stream(qtbot, window, fake_api, "escape")
    assert thread(store, window)[1].status == "cancelled"


def test_one_megabyte_paste_is_sent(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store
) -> None:
    big = ("0123456789abcdef" * 64 + "\n") * 1000  # ~1 MB in 1,000 lines
    fake_api.add(Turn(text="That is a lot of text."))
    asked: list[tuple[str, bool]] = []
    window.composer.ask_paste = lambda _parent, what, can_attach: (
        asked.append((what, can_attach)) or "text"
    )
    QGuiApplication.clipboard().setText(big)
    chat_input = find(window, "chatInput")
    qtbot.keyClick(chat_input, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert asked == [("1001 KB of text, about 256,250 tokens", False)]  # too big to attach
    assert chat_input.toPlainText() == big

    qtbot.mouseClick(find(window, "sendButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "That is a lot of text." in screen_text(window), timeout=WAIT_MS)
    wait_idle(qtbot, window)
    sent = message_requests(fake_api)[-1]["body"]["messages"][-1]["content"][0]["text"]
    assert sent == big
    assert thread(store, window)[0].text == big
    assert "more characters not shown" in screen_text(window)


def test_model_picker_choice_is_used(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store
) -> None:
    picker = find(window, "modelPicker")
    offered = [model["id"] for model in fake_api.models]
    qtbot.waitUntil(
        lambda: [picker.itemText(i) for i in range(picker.count())] == offered, timeout=WAIT_MS
    )
    wanted = offered[-1]
    assert picker.currentText() != wanted
    picker.setFocus()
    while picker.currentText() != wanted:  # the keyboard, as a user would
        before = picker.currentIndex()
        qtbot.keyClick(picker, Qt.Key.Key_Down)
        assert picker.currentIndex() != before, "ran off the end of the list"

    fake_api.add(Turn(text="Here."))
    send_and_wait(qtbot, window, "which model?")
    assert message_requests(fake_api)[-1]["body"]["model"] == wanted
    assert store.conversation(window.controller.conversation_id).model == wanted
    assert wanted in screen_text(window)


def test_system_prompt_reaches_the_request(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store
) -> None:
    qtbot.mouseClick(find(window, "systemPromptButton"), Qt.MouseButton.LeftButton)
    dialog = window.chat_pane.system_prompt_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.editor, "Answer like a pirate.")
    save = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)

    conversation = store.conversation(window.controller.conversation_id)
    assert conversation.system_prompt == "Answer like a pirate."
    fake_api.add(Turn(text="Arr."))
    send_and_wait(qtbot, window, "hello")
    assert message_requests(fake_api)[-1]["body"]["system"] == "Answer like a pirate."


def test_a_long_paste_can_go_as_an_attached_file(
    qtbot: QtBot, window: MainWindow, fake_api: FakeAPI, store: Store
) -> None:
    log = "".join(f"line {n}: all is well\n" for n in range(2000))  # ~45 KB
    window.composer.ask_paste = lambda _parent, _what, can_attach: "file" if can_attach else ""
    QGuiApplication.clipboard().setText(log)
    chat_input = find(window, "chatInput")
    qtbot.keyClick(chat_input, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert chat_input.toPlainText() == ""
    [block] = window.composer.attachments
    assert block["attachment"]["name"] == "pasted-1.txt"
    fake_api.add(Turn(text="A quiet log."))
    send_and_wait(qtbot, window, "anything odd in this log?")
    sent = message_requests(fake_api)[-1]["body"]["messages"][-1]["content"]
    assert sent[0]["text"].startswith("pasted-1.txt\n```") and "line 1999" in sent[0]["text"]
    assert sent[1] == {"type": "text", "text": "anything odd in this log?"}
